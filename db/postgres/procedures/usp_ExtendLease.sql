-- usp_ExtendLease: extends the leases a worker holds (a long send keeps its rows). Twin of
-- db/procedures/usp_ExtendLease.sql. Fenced: only rows CLAIMED by p_worker_id are extended (an expired
-- lease nobody took over yet is extended too); p_extended says how many, so a sender that gets fewer
-- than it asked for knows it lost those rows and must not record results for them.
CREATE OR REPLACE PROCEDURE dbo.usp_Private_ExtendLease_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_worker_id varchar DEFAULT NULL,
    p_queue_ids text DEFAULT NULL,
    p_lease_seconds int DEFAULT 300,
    INOUT p_extended int DEFAULT NULL,
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
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_ExtendLease: extends the leases of queue rows the worker holds.

Parameters:
  p_worker_id     varchar(100)  required  the worker that holds the leases
  p_queue_ids     text          required  JSON array of queue ids, e.g. '[41, 42]'
  p_lease_seconds int           300       1..86400: the new lease runs this long from now
  p_extended      int           OUTPUT    how many rows were extended (rows not held by the worker are not)
  p_help          char(1)       'N'       'Y' prints this text and does nothing else

Example:
  CALL dbo.usp_ExtendLease(p_worker_id => 'sender-1', p_queue_ids => '[41, 42]', p_lease_seconds => 300, p_extended => NULL);
$help$;
        RETURN;
    END IF;

    IF nullif(trim(p_worker_id), '') IS NULL THEN
        v_first := coalesce(v_first, '50601');
        v_errors := concat_ws(' ', v_errors, 'p_worker_id is required: pass the worker id that claimed the rows.');
    END IF;
    v_ids := dbo.fn_MON_Private_ParseIdArray(p_queue_ids);
    IF v_ids IS NULL THEN
        v_first := coalesce(v_first, '50604');
        v_errors := concat_ws(' ', v_errors, format('p_queue_ids = %s is not a JSON array of queue ids: pass e.g. ''[41, 42]''.', coalesce(quote_literal(left(p_queue_ids, 200)), 'NULL')));
    END IF;
    IF p_lease_seconds IS NULL OR p_lease_seconds NOT BETWEEN 1 AND 86400 THEN
        v_first := coalesce(v_first, '50603');
        v_errors := concat_ws(' ', v_errors, format('p_lease_seconds = %s is not supported: pass a lease from 1 to 86400 seconds.', coalesce(p_lease_seconds::text, 'NULL')));
    END IF;
    IF v_errors IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
    END IF;

    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_ExtendLease',
        p_parameters_used => format('CALL dbo.usp_ExtendLease(p_worker_id => %L, p_queue_ids => %L, p_lease_seconds => %s, p_extended => NULL);',
            p_worker_id, p_queue_ids, p_lease_seconds),
        p_run_id => v_run_id
    );

    BEGIN
        UPDATE dbo.MON_UpdateQueue AS q
        SET lease_expires_at = (clock_timestamp() AT TIME ZONE 'UTC') + make_interval(secs => p_lease_seconds)
        WHERE q.queue_id = ANY (v_ids)
            AND q.queue_status = 'CLAIMED'
            AND q.lease_owner = p_worker_id;
        GET DIAGNOSTICS p_extended = ROW_COUNT;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => p_extended);
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_ExtendLease, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_ExtendLease: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_ExtendLease(
    p_worker_id varchar DEFAULT NULL,
    p_queue_ids text DEFAULT NULL,
    p_lease_seconds int DEFAULT 300,
    INOUT p_extended int DEFAULT NULL,
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
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_ExtendLease');
    END IF;
    CALL dbo.usp_Private_ExtendLease_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_worker_id => p_worker_id,
        p_queue_ids => p_queue_ids,
        p_lease_seconds => p_lease_seconds,
        p_extended => p_extended,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
