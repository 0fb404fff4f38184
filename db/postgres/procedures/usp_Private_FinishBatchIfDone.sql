-- usp_Private_FinishBatchIfDone: closes a batch whose queue has no open row left (internal helper,
-- twin of db/procedures/usp_Private_FinishBatchIfDone.sql). Called by usp_RecordSendResult and
-- usp_ClaimQueueRows inside their transaction, after the batch row is locked (or skipped when locked).
-- No open row (READY or CLAIMED) left:
--   COMPLETED  every row SENT or SKIPPED
--   FAILED     no row SENT and at least one FAILED or DEAD
--   PARTIAL    some rows SENT, some FAILED or DEAD
-- and completed_at is set. A batch that is not READY or SENDING is left alone. Does not COMMIT.
--   CALL dbo.usp_Private_FinishBatchIfDone(p_batch_id => v_batch_id, p_batch_status => v_status);
CREATE OR REPLACE PROCEDURE dbo.usp_Private_FinishBatchIfDone(
    p_batch_id varchar,
    INOUT p_batch_status varchar DEFAULT NULL
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    v_sent int;
    v_bad int;
    v_now timestamp(3) := clock_timestamp() AT TIME ZONE 'UTC';
BEGIN
    -- called once per recorded result: while any row is open (the filtered claim index answers that
    -- without reading the batch), there is nothing to count; count the outcomes only at the end.
    -- A locking read (FOR SHARE): an open row that another transaction is closing right now (a claim
    -- making an expired lease DEAD, while it skips this batch row because the caller holds it) is waited
    -- for and read as committed, so the last open row's batch is never left SENDING. A plain read would
    -- see it still open and finish nothing, and the claim would not finish the batch either.
    PERFORM 1
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.batch_id = p_batch_id AND q.queue_status IN ('READY', 'CLAIMED')
    LIMIT 1
    FOR SHARE;
    IF NOT FOUND THEN
        SELECT
            count(*) FILTER (WHERE q.queue_status = 'SENT'),
            count(*) FILTER (WHERE q.queue_status IN ('FAILED', 'DEAD'))
        INTO v_sent, v_bad
        FROM dbo.MON_UpdateQueue AS q
        WHERE q.batch_id = p_batch_id;

        UPDATE dbo.MON_UpdateBatch AS b
        SET batch_status = CASE
                WHEN v_bad = 0 THEN 'COMPLETED'
                WHEN v_sent = 0 THEN 'FAILED'
                ELSE 'PARTIAL'
            END,
            send_started_at = coalesce(b.send_started_at, v_now),
            completed_at = v_now
        WHERE b.batch_id = p_batch_id
            AND b.batch_status IN ('READY', 'SENDING');
    END IF;

    SELECT b.batch_status INTO p_batch_status FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = p_batch_id;
END;
$$;
