-- vw_MON_StuckOrFailedRows: queue rows that need a look, with what to do:
--   FAILED         monday refused the row (not retryable)
--   DEAD           retryable errors (or expired leases) until max_attempts
--   LEASE_EXPIRED  CLAIMED, but the lease ran out: the sender died or hangs (the next claim takes it over)
--   WAITING        READY and visible for more than 15 minutes: no sender is running for its board
-- Rows of cancelled batches are left out. Twin of db/views/vw_MON_StuckOrFailedRows.sql.
--   SELECT * FROM dbo.vw_MON_StuckOrFailedRows ORDER BY batch_id, queue_id;
CREATE OR REPLACE VIEW dbo.vw_MON_StuckOrFailedRows AS
SELECT
    s.problem,
    q.queue_id,
    q.batch_id,
    b.batch_status,
    q.board_id,
    q.update_operation,
    q.monday_item_id,
    q.item_name,
    q.queue_status,
    q.attempt_count,
    q.max_attempts,
    q.lease_owner,
    q.lease_expires_at,
    q.visible_after,
    CAST(extract(EPOCH FROM (s.now_utc - coalesce(q.completed_at, q.lease_expires_at, q.visible_after))) AS int) AS seconds_since,
    q.last_error_code,
    q.last_error,
    q.created_at,
    q.claimed_at,
    q.completed_at,
    CASE s.problem
        WHEN 'FAILED' THEN 'monday refused the row: read last_error, fix the data, then stage the item again'
        WHEN 'DEAD' THEN 'retries ran out: check monday (status page, limits), then stage the item again'
        WHEN 'LEASE_EXPIRED' THEN 'the sender holding it died or hangs: start a sender; it re-reads the board and sends again'
        ELSE 'no sender is taking it: start one, e.g. opus-sender send --execute'
    END AS suggested_action
FROM dbo.MON_UpdateQueue AS q
INNER JOIN dbo.MON_UpdateBatch AS b ON b.batch_id = q.batch_id
CROSS JOIN LATERAL (
    SELECT
        (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3) AS now_utc,
        CASE
            WHEN q.queue_status = 'FAILED' THEN 'FAILED'
            WHEN q.queue_status = 'DEAD' THEN 'DEAD'
            WHEN q.queue_status = 'CLAIMED' AND q.lease_expires_at <= clock_timestamp() AT TIME ZONE 'UTC' THEN 'LEASE_EXPIRED'
            WHEN q.queue_status = 'READY'
                AND q.visible_after <= (clock_timestamp() AT TIME ZONE 'UTC') - INTERVAL '15 minutes' THEN 'WAITING'
        END AS problem
) AS s
WHERE s.problem IS NOT NULL
    AND b.batch_status <> 'CANCELLED';
