-- usp_Private_CloseRunLog: closes the dbo.MON_RunLog row opened by dbo.usp_Private_OpenRunLog.
-- Internal helper, twin of db/procedures/usp_Private_CloseRunLog.sql. It does not COMMIT.
--
-- Signature:
--   CALL dbo.usp_Private_CloseRunLog(
--       p_run_id => v_run_id,                   -- required (NULL: nothing done)
--       p_outcome => 'SUCCEEDED',               -- 'SUCCEEDED' | 'FAILED'
--       p_rows_affected => NULL,                -- int
--       p_error_number => NULL,                 -- int: the project number (SQLSTATE '50xyz' -> 50xyz)
--       p_error_message => NULL,                -- varchar(4000)
--       p_batch_id => NULL);                    -- sets batch_id when it was not known at start
--   PL/pgSQL pattern of a public procedure (no COMMIT is allowed inside a block with a handler):
--     CALL dbo.usp_Private_OpenRunLog(..., p_run_id => v_run_id); COMMIT;
--     BEGIN <work> EXCEPTION WHEN OTHERS THEN
--         GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT; END;
--     IF v_state IS NULL THEN CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => n);
--     ELSE CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
--         p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
--         COMMIT; RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg; END IF;
CREATE OR REPLACE PROCEDURE dbo.usp_Private_CloseRunLog(
    p_run_id bigint,
    p_outcome varchar DEFAULT 'SUCCEEDED',
    p_rows_affected int DEFAULT NULL,
    p_error_number int DEFAULT NULL,
    p_error_message varchar DEFAULT NULL,
    p_batch_id varchar DEFAULT NULL
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
BEGIN
    IF p_run_id IS NULL THEN
        RETURN;
    END IF;
    UPDATE dbo.MON_RunLog
    SET end_time = clock_timestamp() AT TIME ZONE 'UTC',
        outcome = CASE WHEN p_outcome IN ('SUCCEEDED', 'FAILED') THEN p_outcome ELSE 'FAILED' END,
        rows_affected = p_rows_affected,
        error_number = p_error_number,
        error_message = left(p_error_message, 4000),
        batch_id = coalesce(p_batch_id, batch_id)
    WHERE run_id = p_run_id;
END;
$$;
