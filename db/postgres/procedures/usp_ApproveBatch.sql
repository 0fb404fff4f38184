-- usp_ApproveBatch: approves a released batch that was staged or released for a preview only (a rollback
-- staged by usp_StageRollback, a batch the Python dry run released): a plain send sends it from now on.
-- p_approved = 'N' holds a released batch back as previewed only. Only a READY or SENDING batch can
-- change; nothing else changes. Twin of db/procedures/usp_ApproveBatch.sql.
CREATE OR REPLACE PROCEDURE dbo.usp_Private_ApproveBatch_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_batch_id varchar DEFAULT NULL,
    p_approved char(1) DEFAULT 'Y',
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
    v_status varchar(20);
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_ApproveBatch: approves a released batch that was only previewed, so that a plain send sends it
(a rollback staged by usp_StageRollback is previewed only until approved).

Parameters:
  p_batch_id  varchar(50)  required  the READY or SENDING batch (see dbo.vw_MON_BatchSummary.send_approved)
  p_approved  char(1)      'Y'       'Y' approves it; 'N' holds it back as previewed only
  p_help      char(1)      'N'       'Y' prints this text and does nothing else

Examples:
  CALL dbo.usp_ApproveBatch(p_batch_id => 'RB20260101120000-a1b2c3');
  SELECT batch_id, batch_status, send_approved FROM dbo.vw_MON_BatchSummary WHERE send_approved = 'N';
$help$;
        RETURN;
    END IF;

    IF nullif(trim(p_batch_id), '') IS NULL THEN
        v_first := coalesce(v_first, '50720');
        v_errors := concat_ws(' ', v_errors, 'p_batch_id is required: pass the released batch to approve.');
    END IF;
    IF p_approved IS NULL OR upper(p_approved) NOT IN ('Y', 'N') THEN
        v_first := coalesce(v_first, '50723');
        v_errors := concat_ws(' ', v_errors, format(
            'p_approved = %s is not supported: pass ''Y'' (approve) or ''N'' (previewed only).',
            coalesce(quote_literal(p_approved), 'NULL')));
    END IF;
    IF v_errors IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
    END IF;

    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_ApproveBatch',
        p_batch_id => p_batch_id,
        p_parameters_used => format('CALL dbo.usp_ApproveBatch(p_batch_id => %L, p_approved => %L);',
            p_batch_id, upper(p_approved)),
        p_run_id => v_run_id
    );

    BEGIN
        SELECT b.batch_status INTO v_status FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = p_batch_id FOR UPDATE;
        IF v_status IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '50721', MESSAGE = format(
                'batch %L does not exist: check the id in dbo.vw_MON_BatchSummary.', p_batch_id);
        END IF;
        IF v_status NOT IN ('READY', 'SENDING') THEN
            RAISE EXCEPTION USING ERRCODE = '50722', MESSAGE = format(
                'batch %L is %s: only a released batch (READY or SENDING) is approved for sending. A VALIDATED batch is approved by releasing it (usp_ReleaseBatch).',
                p_batch_id, v_status);
        END IF;
        UPDATE dbo.MON_UpdateBatch AS b SET send_approved = upper(p_approved) WHERE b.batch_id = p_batch_id;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => 1);
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_ApproveBatch, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_ApproveBatch: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_ApproveBatch(
    p_batch_id varchar DEFAULT NULL,
    p_approved char(1) DEFAULT 'Y',
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
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_ApproveBatch');
    END IF;
    CALL dbo.usp_Private_ApproveBatch_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_batch_id => p_batch_id,
        p_approved => p_approved,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
