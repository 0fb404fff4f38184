-- usp_Private_CloseRunLog: closes the dbo.MON_RunLog row opened by dbo.usp_Private_OpenRunLog.
-- Internal helper. Call it after COMMIT with @outcome = 'SUCCEEDED', or in CATCH after ROLLBACK with
-- @outcome = 'FAILED' and the error (ERROR_NUMBER(), ERROR_MESSAGE()), then THROW.
--
-- Signature (the PostgreSQL twin has the same parameters, prefixed p_):
--   EXEC dbo.usp_Private_CloseRunLog
--       @run_id bigint,                        -- required: from usp_Private_OpenRunLog (NULL: nothing done)
--       @outcome varchar(20) = 'SUCCEEDED',    -- 'SUCCEEDED' | 'FAILED'
--       @rows_affected int = NULL,             -- rows the call staged, queued, changed ...
--       @error_number int = NULL,              -- ERROR_NUMBER() on failure
--       @error_message nvarchar(4000) = NULL,  -- ERROR_MESSAGE() on failure
--       @batch_id varchar(50) = NULL;          -- sets MON_RunLog.batch_id when it was not known at start
--   Example (CATCH block):
--     IF @@TRANCOUNT > 0 ROLLBACK;
--     DECLARE @en int = ERROR_NUMBER(), @em nvarchar(4000) = ERROR_MESSAGE();
--     EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @outcome = 'FAILED', @error_number = @en,
--         @error_message = @em;
--     THROW;
-- end_time is set to SYSUTCDATETIME(). An unknown outcome is stored as FAILED.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_Private_CloseRunLog', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_Private_CloseRunLog AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_Private_CloseRunLog
    @run_id bigint,
    @outcome varchar(20) = 'SUCCEEDED',
    @rows_affected int = NULL,
    @error_number int = NULL,
    @error_message nvarchar(4000) = NULL,
    @batch_id varchar(50) = NULL
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF @run_id IS NULL RETURN;

    UPDATE dbo.MON_RunLog
    SET
        end_time = SYSUTCDATETIME(),
        outcome = CASE WHEN @outcome IN ('SUCCEEDED', 'FAILED') THEN @outcome ELSE 'FAILED' END,
        rows_affected = @rows_affected,
        error_number = @error_number,
        error_message = LEFT(@error_message, 4000),
        batch_id = COALESCE(@batch_id, batch_id)
    WHERE run_id = @run_id;
END;
GO
