-- usp_ReleaseLease: gives claimed rows back (graceful stop of a sender): READY again at once, the attempt
-- not counted. Twin of db/procedures/usp_ReleaseLease.sql. Fenced: only rows CLAIMED by p_worker_id.
-- p_queue_ids NULL releases every row the worker holds. A SENDING batch of the released rows goes back to
-- READY when nothing of it was sent or answered (no row SENT, SKIPPED, FAILED or DEAD) and no row of it is
-- claimed any more (e.g. monday refused the token before the first row was sent).
CREATE OR REPLACE PROCEDURE dbo.usp_Private_ReleaseLease_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_worker_id varchar DEFAULT NULL,
    p_queue_ids text DEFAULT NULL,
    INOUT p_released int DEFAULT NULL,
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    v_errors text;
    v_first varchar(5);
    v_run_id bigint;
    v_state text;
    v_msg text;
    v_ids bigint[];
    v_batches varchar[];
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_ReleaseLease: gives claimed queue rows back: READY at once, the attempt not counted.
A SENDING batch none of whose rows was sent or answered, and none is claimed any more, is READY again.

Parameters:
  p_worker_id  varchar(100)  required  the worker that holds the leases
  p_queue_ids  text          NULL      JSON array of queue ids, e.g. '[41, 42]'; NULL: every row the worker holds
  p_released   int           OUTPUT    how many rows were released
  p_help       char(1)       'N'       'Y' prints this text and does nothing else

Examples:
  CALL dbo.usp_ReleaseLease(p_worker_id => 'sender-1', p_queue_ids => '[41, 42]', p_released => NULL);
  CALL dbo.usp_ReleaseLease(p_worker_id => 'sender-1', p_released => NULL);
$help$;
        RETURN;
    END IF;

    IF nullif(trim(p_worker_id), '') IS NULL THEN
        v_first := coalesce(v_first, '50601');
        v_errors := concat_ws(' ', v_errors, 'p_worker_id is required: pass the worker id that claimed the rows.');
    END IF;
    IF p_queue_ids IS NOT NULL THEN
        v_ids := dbo.fn_MON_Private_ParseIdArray(p_queue_ids);
        IF v_ids IS NULL THEN
            v_first := coalesce(v_first, '50604');
            v_errors := concat_ws(' ', v_errors, format('p_queue_ids = %s is not a JSON array of queue ids: pass e.g. ''[41, 42]'', or NULL for every row the worker holds.', quote_literal(left(p_queue_ids, 200))));
        END IF;
    END IF;
    IF v_errors IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
    END IF;

    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_ReleaseLease',
        p_parameters_used => format('CALL dbo.usp_ReleaseLease(p_worker_id => %L, p_queue_ids => %L, p_released => NULL);',
            p_worker_id, p_queue_ids),
        p_run_id => v_run_id
    );

    BEGIN
        -- the lock order of every procedure: the batch rows first, then their queue rows (docs/sql_conventions.md)
        PERFORM 1
        FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id IN (
            SELECT q.batch_id FROM dbo.MON_UpdateQueue AS q
            WHERE (p_queue_ids IS NULL OR q.queue_id = ANY (v_ids))
                AND q.queue_status = 'CLAIMED'
                AND q.lease_owner = p_worker_id
        )
        ORDER BY b.batch_id
        FOR UPDATE OF b;

        WITH released AS (
            UPDATE dbo.MON_UpdateQueue AS q
            SET queue_status = 'READY',
                lease_owner = NULL,
                lease_expires_at = NULL,
                visible_after = clock_timestamp() AT TIME ZONE 'UTC',
                attempt_count = greatest(q.attempt_count - 1, 0)
            WHERE (p_queue_ids IS NULL OR q.queue_id = ANY (v_ids))
                AND q.queue_status = 'CLAIMED'
                AND q.lease_owner = p_worker_id
            RETURNING q.batch_id
        )
        SELECT count(*)::int, array_agg(DISTINCT r.batch_id) INTO p_released, v_batches FROM released AS r;

        -- a batch whose rows all went back before anything of it was sent is READY again, not SENDING
        UPDATE dbo.MON_UpdateBatch AS b
        SET batch_status = 'READY'
        WHERE b.batch_id = ANY (v_batches)
            AND b.batch_status = 'SENDING'
            AND NOT EXISTS (
                SELECT 1 FROM dbo.MON_UpdateQueue AS q
                WHERE q.batch_id = b.batch_id AND q.queue_status IN ('CLAIMED', 'SENT', 'SKIPPED', 'FAILED', 'DEAD')
            );
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => p_released);
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_ReleaseLease, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_ReleaseLease: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_ReleaseLease(
    p_worker_id varchar DEFAULT NULL,
    p_queue_ids text DEFAULT NULL,
    INOUT p_released int DEFAULT NULL,
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_state text;
    v_msg text;
BEGIN
    IF upper(coalesce(p_help, 'N')) <> 'Y' THEN
        -- a caller's open transaction is refused before anything changes; the work runs READ COMMITTED
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_ReleaseLease');
    END IF;
    CALL dbo.usp_Private_ReleaseLease_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_worker_id => p_worker_id,
        p_queue_ids => p_queue_ids,
        p_released => p_released,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
