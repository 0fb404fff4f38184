-- usp_ApproveBatch: approves a released batch that was staged or released for a preview only (a rollback
-- staged by usp_StageRollback, a batch the Python dry run released): a plain send sends it from now on.
-- @approved = 'N' holds a released batch back as previewed only (what the Python dry run does when it
-- releases a batch to preview it). Only a READY or SENDING batch can change; nothing else changes.
-- Twin of db/postgres/procedures/usp_ApproveBatch.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_ApproveBatch', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_ApproveBatch AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_ApproveBatch
    @batch_id varchar(50) = NULL,
    @approved char(1) = 'Y',
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_ApproveBatch: approves a released batch that was only previewed, so that a plain send sends it
(a rollback staged by usp_StageRollback is previewed only until approved).

Parameters:
  @batch_id  varchar(50)  required  the READY or SENDING batch (see dbo.vw_MON_BatchSummary.send_approved)
  @approved  char(1)      ''Y''       ''Y'' approves it; ''N'' holds it back as previewed only
  @help      char(1)      ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_ApproveBatch @batch_id = ''RB20260101120000-a1b2c3'';
  SELECT batch_id, batch_status, send_approved FROM dbo.vw_MON_BatchSummary WHERE send_approved = ''N'';';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_ApproveBatch';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@batch_id)), '') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50720);
        SET @errors = CONCAT(@errors + N' ', N'@batch_id is required: pass the released batch to approve.');
    END;
    IF @approved IS NULL OR UPPER(@approved) NOT IN ('Y', 'N')
    BEGIN
        SET @first = COALESCE(@first, 50723);
        SET @errors = CONCAT(
            @errors + N' ', N'@approved = ', COALESCE(N'''' + @approved + N'''', N'NULL'),
            N' is not supported: pass ''Y'' (approve) or ''N'' (previewed only).'
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N'EXEC dbo.usp_ApproveBatch @batch_id = ''', REPLACE(@batch_id, N'''', N''''''),
            N''', @approved = ''', UPPER(@approved), N''';'
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_ApproveBatch', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE @status varchar(20), @msg nvarchar(2048);

    BEGIN TRY
        BEGIN TRANSACTION;

        SELECT @status = b.batch_status
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        -- the batch id exactly (case and trailing spaces count, as on PostgreSQL); the first equality seeks
        WHERE
            b.batch_id = @batch_id
            AND b.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(b.batch_id) = DATALENGTH(@batch_id);

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' does not exist: check the id in dbo.vw_MON_BatchSummary.'
            );
            THROW 50721, @msg, 1;
        END;
        IF @status NOT IN ('READY', 'SENDING')
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' is ', @status, N': only a released batch (READY or SENDING) is',
                N' approved for sending. A VALIDATED batch is approved by releasing it (usp_ReleaseBatch).'
            );
            THROW 50722, @msg, 1;
        END;

        UPDATE dbo.MON_UpdateBatch
        SET send_approved = UPPER(@approved)
        WHERE
            batch_id = @batch_id
            AND batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(batch_id) = DATALENGTH(@batch_id);

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = 1;

        SELECT
            b.batch_id,
            b.batch_status,
            b.send_approved
        FROM dbo.MON_UpdateBatch AS b
        WHERE
            b.batch_id = @batch_id
            AND b.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(b.batch_id) = DATALENGTH(@batch_id);
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
