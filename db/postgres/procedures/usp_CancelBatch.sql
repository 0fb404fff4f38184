-- usp_CancelBatch: cancels a batch from which nothing was sent: the batch becomes CANCELLED and its open
-- queue rows (READY, or CLAIMED with an expired lease) CANCELLED. Twin of db/procedures/usp_CancelBatch.sql.
-- Refused when a row was already sent, skipped, failed or dead (use usp_StageRollback for sent rows), or
-- when a sender holds a live lease on a row right now (it may be sending it: stop it or wait).
-- Lock order (both engines): batch row, then queue rows.
-- In two steps, so that a batch of a million rows holds neither its locks nor its log for one transaction:
--   1. one transaction checks the batch and its open rows (locked), and marks the batch CANCELLED: from its
--      commit the claim takes no row of it (the claim's batch gate: READY and SENDING batches only);
--   2. the open rows become CANCELLED in committed chunks of p_chunk_rows. A cancel cut off in step 2 leaves
--      a CANCELLED batch with open rows no claim takes; running the cancel again finishes them.
-- A batch whose release was cut off (VALIDATED, with queue rows no claim takes) is cancelled the same way.
CREATE OR REPLACE PROCEDURE dbo.usp_Private_CancelBatch_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    INOUT p_shell_phase text,
    INOUT p_shell_run_id bigint,
    INOUT p_shell_rows int,
    INOUT p_shell_last_id bigint,
    p_batch_id varchar DEFAULT NULL,
    p_reason varchar DEFAULT NULL,
    p_chunk_rows int DEFAULT 4000,
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    v_state text;
    v_msg text;
    v_b dbo.MON_UpdateBatch%ROWTYPE;
    v_now timestamp(3);
    v_closed int;
    v_live int;
    v_owner text;
    v_open int;
    v_done int;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_CancelBatch: cancels a batch from which nothing was sent (status STAGED, VALIDATED, READY, or
SENDING with no row sent yet). Its open queue rows become CANCELLED; the sender never sends them.

Parameters:
  p_batch_id    varchar(50)   required  the batch to cancel
  p_reason      varchar(500)  NULL      why (kept in the run log and on the cancelled queue rows)
  p_chunk_rows  int           4000      queue rows cancelled per committed chunk (1..4000, below lock escalation)
  p_help        char(1)       'N'       'Y' prints this text and does nothing else

Examples:
  CALL dbo.usp_CancelBatch(p_batch_id => 'UB20260101-0001', p_reason => 'wrong source query');
  SELECT * FROM dbo.vw_MON_BatchSummary WHERE batch_id = 'UB20260101-0001';
$help$;
        p_shell_phase := 'done';
        RETURN;
    END IF;

    IF p_shell_phase = 'start' THEN
        IF nullif(trim(p_batch_id), '') IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '50501',
                MESSAGE = 'p_batch_id is required: pass the batch to cancel (see dbo.vw_MON_BatchSummary).';
        END IF;
        IF p_chunk_rows IS NULL OR p_chunk_rows NOT BETWEEN 1 AND 4000 THEN
            RAISE EXCEPTION USING ERRCODE = '50506', MESSAGE = format(
                'p_chunk_rows = %s is not supported: pass the queue rows to cancel per committed chunk, 1 to 4000 (the default; more would let SQL Server escalate the row locks of a chunk to a table lock).',
                coalesce(p_chunk_rows::text, 'NULL'));
        END IF;

        CALL dbo.usp_Private_OpenRunLog(
            p_proc_name => 'usp_CancelBatch',
            p_batch_id => p_batch_id,
            p_parameters_used => format('CALL dbo.usp_CancelBatch(p_batch_id => %L, p_reason => %L, p_chunk_rows => %s);', p_batch_id, p_reason, p_chunk_rows),
            p_run_id => p_shell_run_id
        );
        p_shell_rows := 0;
    END IF;

    BEGIN
        v_now := clock_timestamp() AT TIME ZONE 'UTC';
        IF p_shell_phase = 'chunk' THEN
            -- the open rows of the CANCELLED batch, a chunk at a time. A row CLAIMED here has an expired lease
            -- (a live one refused the cancel): its sender may have sent it. lease_owner is kept, so that sender
            -- can still record the SENT result and its audit rows (usp_RecordSendResult, usp_RecordCreatedItem);
            -- nothing else can be recorded or claimed any more
            -- in queue_id order from where the last chunk ended, so that no chunk reads the index entries
            -- the chunks before it closed
            WITH done AS (
                UPDATE dbo.MON_UpdateQueue AS q
                SET queue_status = 'CANCELLED',
                    lease_owner = CASE WHEN q.queue_status = 'CLAIMED' THEN q.lease_owner END,
                    lease_expires_at = NULL,
                    completed_at = v_now,
                    last_error_code = 'CANCELLED',
                    last_error = left(concat('cancelled by ', session_user, coalesce(': ' || p_reason, '')), 4000)
                WHERE q.queue_id IN (
                    SELECT o.queue_id FROM dbo.MON_UpdateQueue AS o
                    WHERE o.batch_id = p_batch_id AND o.queue_status IN ('READY', 'CLAIMED')
                        AND o.queue_id > coalesce(p_shell_last_id, 0)
                    ORDER BY o.queue_id
                    LIMIT p_chunk_rows
                    FOR UPDATE
                )
                RETURNING q.queue_id
            )
            SELECT count(*)::int, coalesce(max(done.queue_id), p_shell_last_id) INTO v_done, p_shell_last_id FROM done;
            p_shell_rows := p_shell_rows + v_done;
            IF v_done = p_chunk_rows THEN
                RETURN;
            END IF;
            p_shell_phase := 'done';
        ELSE
            SELECT * INTO v_b FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = p_batch_id FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = '50502', MESSAGE = format(
                    'batch %L does not exist: check the id in dbo.vw_MON_BatchSummary.', p_batch_id);
            END IF;
            -- the open rows are locked (a claim that picked some of them is waited for, then seen leased)
            PERFORM 1 FROM dbo.MON_UpdateQueue AS q
            WHERE q.batch_id = p_batch_id AND q.queue_status IN ('READY', 'CLAIMED')
            ORDER BY q.queue_id
            FOR UPDATE;
            SELECT
                count(*) FILTER (WHERE q.queue_status IN ('SENT', 'SKIPPED', 'FAILED', 'DEAD')),
                count(*) FILTER (WHERE q.queue_status = 'CLAIMED' AND q.lease_expires_at > v_now),
                min(q.lease_owner) FILTER (WHERE q.queue_status = 'CLAIMED' AND q.lease_expires_at > v_now),
                count(*) FILTER (WHERE q.queue_status IN ('READY', 'CLAIMED'))
            INTO v_closed, v_live, v_owner, v_open
            FROM dbo.MON_UpdateQueue AS q
            WHERE q.batch_id = p_batch_id;

            IF v_b.batch_status = 'CANCELLED' AND v_open = 0 THEN
                RAISE EXCEPTION USING ERRCODE = '50503', MESSAGE = format(
                    'batch %L was already cancelled by %s at %s: nothing to do.', p_batch_id, v_b.cancelled_by, v_b.cancelled_at);
            END IF;
            IF v_b.batch_status <> 'CANCELLED' THEN
                IF v_b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED') OR v_closed > 0 THEN
                    RAISE EXCEPTION USING ERRCODE = '50504', MESSAGE = format(
                        'batch %L is %s and %s of its rows were already sent or answered by monday: it cannot be cancelled. Use dbo.usp_StageRollback to undo what was sent.',
                        p_batch_id, v_b.batch_status, v_closed);
                END IF;
                IF v_live > 0 THEN
                    RAISE EXCEPTION USING ERRCODE = '50505', MESSAGE = format(
                        'batch %L has %s rows being sent right now (leased by %s): stop the sender or wait until the leases end, then cancel again.',
                        p_batch_id, v_live, v_owner);
                END IF;

                -- the gate: from this commit on no claim takes a row of the batch
                UPDATE dbo.MON_UpdateBatch AS b
                SET batch_status = 'CANCELLED',
                    cancelled_by = session_user,
                    cancelled_at = v_now
                WHERE b.batch_id = p_batch_id;
            END IF;
            -- else: a cancel cut off before its last chunk; this call finishes it
            p_shell_phase := 'chunk';
            RETURN;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => p_shell_run_id, p_rows_affected => p_shell_rows);
        RAISE NOTICE 'batch % cancelled: % queue rows cancelled.', p_batch_id, p_shell_rows;
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => p_shell_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_CancelBatch, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        p_shell_phase := 'done';
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_CancelBatch: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_CancelBatch(
    p_batch_id varchar DEFAULT NULL,
    p_reason varchar DEFAULT NULL,
    p_chunk_rows int DEFAULT 4000,
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_state text;
    v_msg text;
    v_phase text := 'start';
    v_run_id bigint;
    v_rows int := 0;
    v_last_id bigint;
BEGIN
    IF upper(coalesce(p_help, 'N')) <> 'Y' THEN
        -- a caller's open transaction is refused before anything changes; the work runs READ COMMITTED
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_CancelBatch');
    END IF;
    LOOP
        CALL dbo.usp_Private_CancelBatch_Work(
            p_shell_error_state => v_state,
            p_shell_error_message => v_msg,
            p_shell_phase => v_phase,
            p_shell_run_id => v_run_id,
            p_shell_rows => v_rows,
            p_shell_last_id => v_last_id,
            p_batch_id => p_batch_id,
            p_reason => p_reason,
            p_chunk_rows => p_chunk_rows,
            p_help => p_help
        );
        COMMIT;
        EXIT WHEN v_phase = 'done';
    END LOOP;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
