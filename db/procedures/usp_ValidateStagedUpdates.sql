-- usp_ValidateStagedUpdates: (re)validates the staged rows of a batch against the board metadata with every
-- enabled rule of dbo.MON_ValidationRule; sets validation_status / validation_errors per row and the
-- counts, validated_at and status VALIDATED on the batch, and returns a one-row summary.
-- Re-runnable until the batch is released. Errors 50301-50304 (docs/errors.md).
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_ValidateStagedUpdates', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_ValidateStagedUpdates AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_ValidateStagedUpdates
    @batch_id varchar(50) = NULL,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @run_id bigint;
    DECLARE @status varchar(20);
    DECLARE @target_level varchar(10);
    DECLARE @rows_staged int;
    DECLARE @found int;
    DECLARE @msg nvarchar(2048);
    DECLARE @params nvarchar(MAX);
    DECLARE @error_number int;
    DECLARE @error_message nvarchar(4000);

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'usp_ValidateStagedUpdates: validates (again) the staged rows of a batch against the board metadata.
Every enabled rule of dbo.MON_ValidationRule is applied; each row gets validation_status VALID, WARNING or INVALID
and validation_errors (JSON array of {rule, column, severity, message}); the batch becomes VALIDATED.

Parameters:
  @batch_id varchar(50)  required  the batch to validate (from usp_StageUpdates)
  @help     char(1)      ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_ValidateStagedUpdates @batch_id = ''UB20260101120000-a1b2c3'';
  SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = ''UB20260101120000-a1b2c3'';
  UPDATE dbo.MON_ValidationRule SET is_enabled = ''N'' WHERE rule_code = ''METADATA_FRESH''; -- then validate again';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_ValidateStagedUpdates';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    IF @batch_id IS NULL OR LEN(@batch_id) = 0
    BEGIN
        SET @msg = N'usp_ValidateStagedUpdates: @batch_id is required: pass the batch id usp_StageUpdates returned '
            + N'(see dbo.MON_UpdateBatch).';
        THROW 50301, @msg, 1;
    END;

    SET @params = N'EXEC dbo.usp_ValidateStagedUpdates @batch_id = ''' + REPLACE(@batch_id, '''', '''''') + N''';';
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_ValidateStagedUpdates',
        @batch_id = @batch_id,
        @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    BEGIN TRY
        BEGIN TRANSACTION;

        SELECT
            @status = ub.batch_status,
            @target_level = ub.target_level,
            @rows_staged = ub.rows_staged
        FROM dbo.MON_UpdateBatch AS ub WITH (UPDLOCK, HOLDLOCK)
        WHERE ub.batch_id = @batch_id;

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(
                N'usp_ValidateStagedUpdates: batch ', @batch_id,
                N' does not exist: check the id in dbo.MON_UpdateBatch ',
                N'(or stage the query again with usp_StageUpdates).'
            );
            THROW 50302, @msg, 1;
        END;
        IF @status NOT IN ('STAGED', 'VALIDATED')
        BEGIN
            SET @msg = CONCAT(
                N'usp_ValidateStagedUpdates: batch ', @batch_id, N' is ', @status,
                N'; only STAGED or VALIDATED batches can be validated (a released batch is checked already). ',
                N'Stage the query again for a new batch.'
            );
            THROW 50303, @msg, 1;
        END;
        SELECT @found = COUNT(*) FROM dbo.STG_MON_CustMasterSchedule
        WHERE update_batch_id = @batch_id AND @target_level = 'ITEMS';
        SELECT @found = @found + COUNT(*) FROM dbo.STG_MON_CustMasterSchedule_Subitems
        WHERE update_batch_id = @batch_id AND @target_level = 'SUBITEMS';
        IF @found = 0 AND @rows_staged > 0
        BEGIN
            SET @msg = CONCAT(
                N'usp_ValidateStagedUpdates: the ', @rows_staged, N' staged rows of batch ', @batch_id,
                N' are gone from the staging table (truncated or reloaded?). ',
                N'Cancel the batch with usp_CancelBatch and stage the query again.'
            );
            THROW 50304, @msg, 1;
        END;

        EXEC dbo.usp_Private_ValidateBatch @batch_id = @batch_id;

        COMMIT TRANSACTION;

        SELECT @rows_staged = ub.rows_staged
        FROM dbo.MON_UpdateBatch AS ub
        WHERE ub.batch_id = @batch_id;
        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @outcome = 'SUCCEEDED', @rows_affected = @rows_staged;

        SELECT
            ub.batch_id,
            ub.board_id,
            ub.target_level,
            ub.update_operation,
            ub.batch_status,
            ub.rows_staged,
            ub.rows_valid,
            ub.rows_warning,
            ub.rows_invalid,
            ub.validated_at,
            CASE
                WHEN ub.rows_invalid + ub.rows_warning > 0
                    THEN N'SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = ''' + ub.batch_id + N''';'
                ELSE N'EXEC dbo.usp_ReleaseBatch @batch_id = ''' + ub.batch_id + N''';'
            END AS next_step
        FROM dbo.MON_UpdateBatch AS ub
        WHERE ub.batch_id = @batch_id;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        SET @error_number = ERROR_NUMBER();
        SET @error_message = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = 'FAILED',
            @error_number = @error_number,
            @error_message = @error_message;
        THROW;
    END CATCH;
END;
GO
