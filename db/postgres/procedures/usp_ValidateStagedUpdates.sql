-- usp_ValidateStagedUpdates: (re)validates the staged rows of a batch against the board metadata with every
-- enabled rule of dbo.MON_ValidationRule; sets validation_status / validation_errors per row and the
-- counts, validated_at and status VALIDATED on the batch. Re-runnable until the batch is released.
-- Twin of db/procedures/usp_ValidateStagedUpdates.sql. Errors 50301-50304 (docs/errors.md).
--   CALL dbo.usp_ValidateStagedUpdates(p_batch_id => 'UB20260101120000-a1b2c3');
CREATE OR REPLACE PROCEDURE dbo.usp_Private_ValidateStagedUpdates_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_batch_id varchar DEFAULT NULL,
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    v_run_id bigint;
    v_state text;
    v_msg text;
    v_status varchar(20);
    v_staged int;
    v_found int;
    b dbo.MON_UpdateBatch%ROWTYPE;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', concat_ws(E'\n',
            'usp_ValidateStagedUpdates: validates (again) the staged rows of a batch against the board metadata.',
            'Every enabled rule of dbo.MON_ValidationRule is applied; each row gets validation_status VALID, WARNING or',
            'INVALID and validation_errors (JSON array of {rule, column, severity, message}); the batch becomes VALIDATED.',
            '',
            'Parameters:',
            '  p_batch_id varchar(50)  required  the batch to validate (from usp_StageUpdates)',
            '  p_help     char(1)      ''N''       ''Y'' prints this text and does nothing else',
            '',
            'Examples:',
            '  CALL dbo.usp_ValidateStagedUpdates(p_batch_id => ''UB20260101120000-a1b2c3'');',
            '  SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = ''UB20260101120000-a1b2c3'';',
            '  UPDATE dbo.MON_ValidationRule SET is_enabled = ''N'' WHERE rule_code = ''METADATA_FRESH''; -- then validate again');
        RETURN;
    END IF;

    IF p_batch_id IS NULL OR btrim(p_batch_id) = '' THEN
        RAISE EXCEPTION USING ERRCODE = '50301',
            MESSAGE = 'usp_ValidateStagedUpdates: p_batch_id is required: pass the batch id usp_StageUpdates returned (see dbo.MON_UpdateBatch).';
    END IF;

    CALL dbo.usp_Private_OpenRunLog(p_proc_name => 'usp_ValidateStagedUpdates', p_batch_id => p_batch_id,
        p_parameters_used => 'CALL dbo.usp_ValidateStagedUpdates(p_batch_id => ' || quote_nullable(p_batch_id) || ');',
        p_run_id => v_run_id);

    BEGIN
        SELECT * INTO b FROM dbo.MON_UpdateBatch WHERE batch_id = p_batch_id FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = '50302',
                MESSAGE = format('usp_ValidateStagedUpdates: batch %s does not exist: check the id in dbo.MON_UpdateBatch (or stage the query again with usp_StageUpdates).', p_batch_id);
        END IF;
        IF b.batch_status NOT IN ('STAGED', 'VALIDATED') THEN
            RAISE EXCEPTION USING ERRCODE = '50303',
                MESSAGE = format('usp_ValidateStagedUpdates: batch %s is %s; only STAGED or VALIDATED batches can be validated (a released batch is checked already). Stage the query again for a new batch.', p_batch_id, b.batch_status);
        END IF;
        SELECT count(*) INTO v_found FROM (
            SELECT 1 FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id = p_batch_id AND b.target_level = 'ITEMS'
            UNION ALL
            SELECT 1 FROM dbo.STG_MON_CustMasterSchedule_Subitems WHERE update_batch_id = p_batch_id AND b.target_level = 'SUBITEMS'
        ) AS x;
        IF v_found = 0 AND b.rows_staged > 0 THEN
            RAISE EXCEPTION USING ERRCODE = '50304',
                MESSAGE = format('usp_ValidateStagedUpdates: the %s staged rows of batch %s are gone from the staging table (truncated or reloaded?). Cancel the batch with usp_CancelBatch and stage the query again.', b.rows_staged, p_batch_id);
        END IF;

        CALL dbo.usp_Private_ValidateBatch(p_batch_id => p_batch_id);
        SELECT * INTO b FROM dbo.MON_UpdateBatch WHERE batch_id = p_batch_id;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NOT NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_ValidateStagedUpdates, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
    CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => b.rows_staged);
    RAISE NOTICE 'Batch % validated: % rows, % valid, % warning, % invalid.%', p_batch_id, b.rows_staged, b.rows_valid,
        b.rows_warning, b.rows_invalid,
        CASE WHEN b.rows_invalid + b.rows_warning > 0
            THEN format(' Details: SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = %L;', p_batch_id) ELSE '' END;
END;
$$;

-- dbo.usp_ValidateStagedUpdates: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_ValidateStagedUpdates(
    p_batch_id varchar DEFAULT NULL,
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
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_ValidateStagedUpdates');
    END IF;
    CALL dbo.usp_Private_ValidateStagedUpdates_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_batch_id => p_batch_id,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
