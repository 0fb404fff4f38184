-- usp_Private_OpenRunLog: opens one dbo.MON_RunLog row for a procedure call (Ola Hallengren's
-- CommandLog pattern). Internal helper: every public procedure calls it first, before BEGIN TRAN,
-- and closes the row with dbo.usp_Private_CloseRunLog at the end (SUCCEEDED) or in its CATCH (FAILED).
--
-- Signature (the PostgreSQL twin has the same parameters, prefixed p_, @run_id is INOUT):
--   EXEC dbo.usp_Private_OpenRunLog
--       @proc_name nvarchar(128),              -- required: the calling procedure, e.g. N'usp_StageUpdates'
--       @batch_id varchar(50) = NULL,          -- the batch the call is about, when known at start
--       @parameters_used nvarchar(MAX) = NULL, -- a runnable EXEC text of the call (secrets masked)
--       @run_id bigint = NULL OUTPUT;          -- the new MON_RunLog.run_id
--   Example:
--     DECLARE @run_id bigint;
--     EXEC dbo.usp_Private_OpenRunLog @proc_name = N'usp_ReleaseBatch', @batch_id = @batch_id,
--         @parameters_used = N'EXEC dbo.usp_ReleaseBatch @batch_id = ''UB...'';', @run_id = @run_id OUTPUT;
-- caller_login, host_name and start_time come from the table's defaults; outcome starts as RUNNING.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_Private_OpenRunLog', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_Private_OpenRunLog AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_Private_OpenRunLog
    @proc_name nvarchar(128),
    @batch_id varchar(50) = NULL,
    @parameters_used nvarchar(MAX) = NULL,
    @run_id bigint = NULL OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    INSERT INTO dbo.MON_RunLog (proc_name, batch_id, parameters_used)
    VALUES (COALESCE(@proc_name, N'(unknown)'), @batch_id, @parameters_used);

    SET @run_id = CAST(SCOPE_IDENTITY() AS bigint);
END;
GO
