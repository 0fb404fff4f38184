-- usp_ExtendLease: extends the leases a worker holds (a long send keeps its rows). Fenced: only rows
-- CLAIMED by @worker_id are extended (an expired lease nobody took over yet is extended too); @extended
-- says how many, so a sender that gets fewer than it asked for knows it lost those rows and must not
-- record results for them. Twin of db/postgres/procedures/usp_ExtendLease.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_ExtendLease', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_ExtendLease AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_ExtendLease
    @worker_id varchar(100) = NULL,
    @queue_ids nvarchar(MAX) = NULL,
    @lease_seconds int = 300,
    @extended int = NULL OUTPUT,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_ExtendLease: extends the leases of queue rows the worker holds.

Parameters:
  @worker_id     varchar(100)   required  the worker that holds the leases
  @queue_ids     nvarchar(max)  required  JSON array of queue ids, e.g. ''[41, 42]''
  @lease_seconds int            300       1..86400: the new lease runs this long from now
  @extended      int            OUTPUT    how many rows were extended (rows not held by the worker are not)
  @help          char(1)        ''N''       ''Y'' prints this text and does nothing else

Example:
  DECLARE @n int;
  EXEC dbo.usp_ExtendLease @worker_id = ''sender-1'', @queue_ids = N''[41, 42]'', @lease_seconds = 300,
       @extended = @n OUTPUT;
  SELECT @n AS extended;';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_ExtendLease';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(@errors + N' ', N'@worker_id is required: pass the worker id that claimed the rows.');
    END;
    IF @queue_ids IS NULL OR EXISTS (
        SELECT 1
        FROM dbo.fn_MON_Private_ParseIdArray(@queue_ids) AS i
        WHERE i.id IS NULL
    )
    BEGIN
        SET @first = COALESCE(@first, 50604);
        SET @errors = CONCAT(
            @errors + N' ', N'@queue_ids = ', COALESCE(N'''' + LEFT(@queue_ids, 200) + N'''', N'NULL'),
            N' is not a JSON array of queue ids: pass e.g. ''[41, 42]''.'
        );
    END;
    IF @lease_seconds IS NULL OR @lease_seconds NOT BETWEEN 1 AND 86400
    BEGIN
        SET @first = COALESCE(@first, 50603);
        SET @errors = CONCAT(
            @errors + N' ', N'@lease_seconds = ', COALESCE(CAST(@lease_seconds AS nvarchar(20)), N'NULL'),
            N' is not supported: pass a lease from 1 to 86400 seconds.'
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N'DECLARE @n int; EXEC dbo.usp_ExtendLease @worker_id = ',
            COALESCE(N'''' + REPLACE(@worker_id, N'''', N'''''') + N'''', N'NULL'),
            N', @queue_ids = N''', REPLACE(@queue_ids, N'''', N''''''), N'''',
            N', @lease_seconds = ', @lease_seconds, N', @extended = @n OUTPUT;'
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_ExtendLease', @parameters_used = @params, @run_id = @run_id OUTPUT;

    BEGIN TRY
        UPDATE q
        SET q.lease_expires_at = DATEADD(SECOND, @lease_seconds, SYSUTCDATETIME())
        FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id IN (SELECT i.id FROM dbo.fn_MON_Private_ParseIdArray(@queue_ids) AS i)
            AND q.queue_status = 'CLAIMED'
            AND q.lease_owner = @worker_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(q.lease_owner) = DATALENGTH(@worker_id);
        SET @extended = @@ROWCOUNT;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @extended;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = 'FAILED', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;
GO
