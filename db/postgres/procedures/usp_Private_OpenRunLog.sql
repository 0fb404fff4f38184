-- usp_Private_OpenRunLog: opens one dbo.MON_RunLog row for a procedure call (CommandLog pattern).
-- Internal helper, twin of db/procedures/usp_Private_OpenRunLog.sql. It does not COMMIT (so functions
-- can call it too); a public PROCEDURE commits right after it, before its work block.
--
-- Signature:
--   CALL dbo.usp_Private_OpenRunLog(
--       p_proc_name => 'usp_StageUpdates',      -- required
--       p_batch_id => NULL,                     -- varchar(50), optional
--       p_parameters_used => 'CALL dbo....;',   -- text, a runnable CALL of the call
--       p_run_id => v_run_id);                  -- INOUT bigint: the new run_id
--   PL/pgSQL example:
--     CALL dbo.usp_Private_OpenRunLog(p_proc_name => 'usp_ReleaseBatch', p_batch_id => p_batch_id,
--         p_parameters_used => v_params, p_run_id => v_run_id);
--     COMMIT;
CREATE OR REPLACE PROCEDURE dbo.usp_Private_OpenRunLog(
    p_proc_name varchar,
    p_batch_id varchar DEFAULT NULL,
    p_parameters_used text DEFAULT NULL,
    INOUT p_run_id bigint DEFAULT NULL
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
BEGIN
    INSERT INTO dbo.MON_RunLog (proc_name, batch_id, parameters_used)
    VALUES (coalesce(p_proc_name, '(unknown)'), p_batch_id, p_parameters_used)
    RETURNING run_id INTO p_run_id;
END;
$$;
