-- usp_ClaimQueueRows: the sender's claim. Twin of db/procedures/usp_ClaimQueueRows.sql; a FUNCTION
-- RETURNS TABLE here because it returns rows to the sender:
--   SELECT * FROM dbo.usp_ClaimQueueRows(p_worker_id => 'host-1:4711', p_batch_id => 'UB...', p_max_rows => 50);
-- Claims up to p_max_rows open rows (READY with visible_after <= now, or CLAIMED with an expired lease)
-- of ONE board, in queue_id order, with FOR UPDATE SKIP LOCKED: two senders never get the same row.
-- Only rows of a batch that is READY or SENDING are claimed (the batch gate): usp_ReleaseBatch writes a
-- large batch's queue rows in committed chunks while the batch is still VALIDATED, and usp_CancelBatch
-- marks the batch CANCELLED before it cancels its rows in chunks. The gate is read again, by a later
-- statement, for the rows picked: a cancel that committed while they were picked is seen there.
-- A row of a batch waits while a batch released before it still has an open row for the same item, so
-- overlapping batches reach the board in release order. Sets CLAIMED, lease_owner, lease_expires_at = now + p_lease_seconds, claimed_at, attempt_count + 1;
-- moves the batch READY -> SENDING. A row whose lease expired after its last allowed attempt becomes
-- DEAD instead of being claimed again. The statement is its own short transaction (autocommit): the
-- lease is committed before the sender makes any HTTP call. Rows come back sorted by queue_id; an
-- UPDATE ... RETURNING does not promise an order, so callers sort too.
-- The run-log row is written in the same transaction (a function cannot commit on its own).
CREATE OR REPLACE FUNCTION dbo.usp_ClaimQueueRows(
    p_worker_id varchar DEFAULT NULL,
    p_batch_id varchar DEFAULT NULL,
    p_board_id bigint DEFAULT NULL,
    p_max_rows int DEFAULT 50,
    p_lease_seconds int DEFAULT 300,
    p_help char(1) DEFAULT 'N'
)
RETURNS TABLE (
    queue_id bigint,
    batch_id varchar(50),
    board_id bigint,
    target_level varchar(10),
    update_operation varchar(20),
    monday_item_id bigint,
    parent_item_id bigint,
    group_id varchar(100),
    item_name varchar(255),
    column_values text,
    expected_values text,
    create_labels_if_missing char(1),
    idempotency_key varchar(100),
    attempt_count int,
    max_attempts int,
    created_item_id bigint,
    lease_expires_at timestamp(3),
    was_expired char(1)
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_now timestamp(3) := clock_timestamp() AT TIME ZONE 'UTC';
    v_board bigint;
    v_run_id bigint;
    v_errors text;
    v_first varchar(5);
    v_count int := 0;
    v_dead_batch varchar(50);
    v_status varchar(20);
    v_picked bigint[];
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_ClaimQueueRows: claims open send-queue rows of one board for a worker, with a lease.
Returns the claimed rows (queue_id order); the sender sends them, then records each result with
dbo.usp_RecordSendResult. A row whose lease expires is claimable again (was_expired = 'Y').

Parameters:
  p_worker_id     varchar(100)  required  who claims (host:pid); results are fenced on it
  p_batch_id      varchar(50)   NULL      only rows of this batch; NULL: any released batch
  p_board_id      bigint        NULL      only rows of this board; NULL: the board of the oldest open row
  p_max_rows      int           50        1..1000 rows per claim
  p_lease_seconds int           300       1..86400 seconds until the lease expires
  p_help          char(1)       'N'       'Y' prints this text and does nothing else

Examples:
  SELECT * FROM dbo.usp_ClaimQueueRows(p_worker_id => 'dba-test', p_batch_id => 'UB20260101-0001', p_max_rows => 10);
  SELECT * FROM dbo.usp_ClaimQueueRows(p_worker_id => 'sender-1', p_board_id => 8709134353, p_lease_seconds => 120);
$help$;
        RETURN;
    END IF;

    -- a caller's transaction that has written is refused before anything changes, as by the procedures' shells
    -- (a function cannot commit: inside a transaction block that has not written, the lease is committed with it)
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '50960', MESSAGE = 'dbo.usp_ClaimQueueRows commits its own work and cannot run inside an open transaction (this one has written): nothing was done. Roll the transaction back, then claim outside a transaction.';
    END IF;

    IF nullif(trim(p_worker_id), '') IS NULL THEN
        v_first := coalesce(v_first, '50601');
        v_errors := concat_ws(' ', v_errors, 'p_worker_id is required: pass a name that identifies the sender process, e.g. ''host-1:4711''.');
    END IF;
    IF p_max_rows IS NULL OR p_max_rows NOT BETWEEN 1 AND 1000 THEN
        v_first := coalesce(v_first, '50602');
        v_errors := concat_ws(' ', v_errors, format('p_max_rows = %s is not supported: pass a number of rows from 1 to 1000.', coalesce(p_max_rows::text, 'NULL')));
    END IF;
    IF p_lease_seconds IS NULL OR p_lease_seconds NOT BETWEEN 1 AND 86400 THEN
        v_first := coalesce(v_first, '50603');
        v_errors := concat_ws(' ', v_errors, format('p_lease_seconds = %s is not supported: pass a lease from 1 to 86400 seconds.', coalesce(p_lease_seconds::text, 'NULL')));
    END IF;
    IF v_errors IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
    END IF;

    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_ClaimQueueRows',
        p_batch_id => p_batch_id,
        p_parameters_used => format(
            'SELECT * FROM dbo.usp_ClaimQueueRows(p_worker_id => %L, p_batch_id => %L, p_board_id => %s, p_max_rows => %s, p_lease_seconds => %s);',
            p_worker_id, p_batch_id, coalesce(p_board_id::text, 'NULL'), p_max_rows, p_lease_seconds
        ),
        p_run_id => v_run_id
    );

    -- expired leases after the last allowed attempt: DEAD, not claimed again (a sender that keeps dying
    -- on a row must not loop on it forever)
    FOR v_dead_batch IN
        WITH d AS (
            SELECT q.queue_id
            FROM dbo.MON_UpdateQueue AS q
            WHERE q.queue_status = 'CLAIMED'
                AND q.lease_expires_at <= v_now
                AND q.attempt_count >= q.max_attempts
                AND (p_batch_id IS NULL OR q.batch_id = p_batch_id)
                AND (p_board_id IS NULL OR q.board_id = p_board_id)
            FOR UPDATE SKIP LOCKED
        )
        UPDATE dbo.MON_UpdateQueue AS q
        SET queue_status = 'DEAD',
            completed_at = v_now,
            last_error_code = 'LEASE_EXPIRED',
            last_error = left(format(
                'the lease of %s expired on attempt %s of %s with no result recorded; the row may or may not have reached the board: check the item on monday, then stage it again if needed',
                q.lease_owner, q.attempt_count, q.max_attempts
            ), 4000),
            lease_owner = NULL,
            lease_expires_at = NULL
        FROM d
        WHERE q.queue_id = d.queue_id
        RETURNING q.batch_id
    LOOP
        PERFORM 1 FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = v_dead_batch FOR UPDATE SKIP LOCKED;
        IF FOUND THEN
            CALL dbo.usp_Private_FinishBatchIfDone(p_batch_id => v_dead_batch, p_batch_status => v_status);
        END IF;
    END LOOP;

    -- one board per claim: the requested one, else the board of the oldest claimable row
    v_board := p_board_id;
    IF v_board IS NULL THEN
        SELECT q.board_id INTO v_board
        FROM dbo.MON_UpdateQueue AS q
        WHERE (p_batch_id IS NULL OR q.batch_id = p_batch_id)
            -- the predicate of IX_MON_UpdateQueue_claim, spelled out so that the index matches
            AND q.queue_status IN ('READY', 'CLAIMED')
            AND (
                (q.queue_status = 'READY' AND q.visible_after <= v_now)
                OR (q.queue_status = 'CLAIMED' AND q.lease_expires_at <= v_now)
            )
            AND EXISTS (
                SELECT 1 FROM dbo.MON_UpdateBatch AS gb
                WHERE gb.batch_id = q.batch_id AND gb.batch_status IN ('READY', 'SENDING') AND gb.send_approved = 'Y'
            )
        ORDER BY q.queue_id
        LIMIT 1
        FOR UPDATE OF q SKIP LOCKED;
    END IF;

    IF v_board IS NOT NULL THEN
        -- pick: the open rows of gated-open batches, locked (SKIP LOCKED: rows another claim holds are passed)
        SELECT array_agg(c.queue_id ORDER BY c.queue_id) INTO v_picked
        FROM (
            SELECT q.queue_id
            FROM dbo.MON_UpdateQueue AS q
            WHERE q.board_id = v_board
                AND (p_batch_id IS NULL OR q.batch_id = p_batch_id)
                AND q.queue_status IN ('READY', 'CLAIMED')
                AND (
                    (q.queue_status = 'READY' AND q.visible_after <= v_now)
                    OR (q.queue_status = 'CLAIMED' AND q.lease_expires_at <= v_now AND q.attempt_count < q.max_attempts)
                )
                -- overlapping batches go in release order: a row waits while a batch released before its own
                -- still has an open row for the same item
                AND NOT EXISTS (
                    SELECT 1
                    FROM dbo.MON_UpdateQueue AS o
                    INNER JOIN dbo.MON_UpdateBatch AS ob ON ob.batch_id = o.batch_id
                    INNER JOIN dbo.MON_UpdateBatch AS qb ON qb.batch_id = q.batch_id
                    WHERE o.monday_item_id = q.monday_item_id
                        AND o.queue_status IN ('READY', 'CLAIMED')
                        AND o.batch_id <> q.batch_id
                        AND (ob.released_at < qb.released_at OR (ob.released_at = qb.released_at AND ob.batch_id < qb.batch_id))
                )
                AND EXISTS (
                    SELECT 1 FROM dbo.MON_UpdateBatch AS gb
                    WHERE gb.batch_id = q.batch_id AND gb.batch_status IN ('READY', 'SENDING') AND gb.send_approved = 'Y'
                )
            ORDER BY q.queue_id
            LIMIT p_max_rows
            FOR UPDATE OF q SKIP LOCKED
        ) AS c;

        -- claim: the gate read again by this later statement (its own snapshot), so that a cancel that
        -- committed after the pick's snapshot is seen; a cancel still running waits for these row locks
        -- and then finds the rows leased (50505)
        RETURN QUERY
        WITH u AS (
            UPDATE dbo.MON_UpdateQueue AS q
            SET queue_status = 'CLAIMED',
                lease_owner = p_worker_id,
                lease_expires_at = v_now + make_interval(secs => p_lease_seconds),
                claimed_at = v_now,
                attempt_count = q.attempt_count + 1
            FROM (
                SELECT o.queue_id, o.queue_status AS previous_status
                FROM dbo.MON_UpdateQueue AS o
                WHERE o.queue_id = ANY (v_picked)
                    AND EXISTS (
                        SELECT 1 FROM dbo.MON_UpdateBatch AS gb
                        WHERE gb.batch_id = o.batch_id AND gb.batch_status IN ('READY', 'SENDING') AND gb.send_approved = 'Y'
                    )
            ) AS c
            WHERE q.queue_id = c.queue_id
            RETURNING q.*, c.previous_status
        )
        SELECT
            u.queue_id, u.batch_id, u.board_id, b.target_level, u.update_operation, u.monday_item_id,
            u.parent_item_id, u.group_id, u.item_name, u.column_values, u.expected_values,
            u.create_labels_if_missing, u.idempotency_key, u.attempt_count, u.max_attempts,
            u.created_item_id, u.lease_expires_at,
            (CASE WHEN u.previous_status = 'CLAIMED' THEN 'Y' ELSE 'N' END)::char(1)
        FROM u
        INNER JOIN dbo.MON_UpdateBatch AS b ON b.batch_id = u.batch_id
        ORDER BY u.queue_id;
        GET DIAGNOSTICS v_count = ROW_COUNT;

        -- READY -> SENDING; a batch row locked by a concurrent result is skipped here (no lock wait
        -- while this claim holds queue rows) and moved by that result instead
        UPDATE dbo.MON_UpdateBatch AS b
        SET batch_status = 'SENDING',
            send_started_at = coalesce(b.send_started_at, v_now)
        WHERE b.batch_id IN (
            SELECT b2.batch_id
            FROM dbo.MON_UpdateBatch AS b2
            WHERE b2.batch_status = 'READY'
                AND EXISTS (
                    SELECT 1 FROM dbo.MON_UpdateQueue AS q
                    WHERE q.batch_id = b2.batch_id AND q.queue_status = 'CLAIMED'
                        AND q.lease_owner = p_worker_id AND q.claimed_at = v_now
                )
            FOR UPDATE SKIP LOCKED
        );
    END IF;

    CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => v_count);
END;
$$;
