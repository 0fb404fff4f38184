-- tSQLt class test_usp_ReleaseBatch: mirrors tests/contract/test_release.py. The staged cells come from a
-- faked dbo.fn_MON_StagedCells and the formatting from the real dbo.fn_MON_FormatColumnValue. SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_ReleaseBatch';
EXEC tSQLt.NewTestClass 'test_usp_ReleaseBatch';
GO

CREATE PROCEDURE test_usp_ReleaseBatch.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateBatch', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateQueue', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_Board', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.STG_MON_CustMasterSchedule', @Defaults = 1;

    INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, update_operation, batch_status, rows_staged, rows_valid)
    VALUES ('B1', 8709134353, 'UPDATE', 'VALIDATED', 1, 1), ('B2', 8709134353, 'UPDATE', 'READY', 1, 1);
    INSERT INTO dbo.STG_MON_CustMasterSchedule (
        monday_item_id, monday_board_id, update_batch_id, update_row_no, update_operation, update_fields,
        validation_status
    )
    VALUES (1234567890, 8709134353, 'B1', 1, 'UPDATE', N'{"order_status":"In Progress"}', 'VALID');
    -- what validation records (the release compares each staged row with it) and the column's settings (the
    -- release reads them from the board column, once per column)
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_ValidatedRow';
    INSERT INTO dbo.MON_ValidatedRow (batch_id, update_row_no, row_hash)
    SELECT
        s.update_batch_id,
        s.update_row_no,
        h.row_hash
    FROM dbo.STG_MON_CustMasterSchedule AS s
    CROSS APPLY dbo.fn_MON_Private_RowHash(
        s.monday_item_id, NULL, s.item_name, s.group_id, s.update_fields, s.validation_status
    ) AS h;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_BoardColumn', @Defaults = 1;
    INSERT INTO dbo.MON_BoardColumn (board_id, column_id, title, column_type, settings_json)
    VALUES (8709134353, 'status', N'Order Status', 'status', N'{"labels": [{"id": 7, "label": "In Progress"}]}');

    EXEC tSQLt.FakeFunction @FunctionName = N'dbo.fn_MON_StagedCells',
        @FakeDataSource = N'SELECT ''B1'' AS batch_id, ''ITEMS'' AS target_level,
            CAST(8709134353 AS bigint) AS board_id, CAST(8709134353 AS bigint) AS metadata_board_id, 1 AS update_row_no,
            CAST(1234567890 AS bigint) AS monday_item_id, ''VALID'' AS validation_status, 1 AS field_no,
            N''order_status'' AS column_alias, N''In Progress'' AS raw_value, ''status'' AS column_id,
            N''Order Status'' AS column_title, ''status'' AS column_type,
            N''{"labels": [{"id": 7, "label": "In Progress"}]}'' AS settings_json, ''Y'' AS is_writable,
            ''TITLE'' AS match_kind, 1 AS match_count, ''N'' AS is_no_op';
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_ReleaseBatch.NoTransactionCleanUp
AS
BEGIN
    DECLARE @tables nvarchar(MAX) = N'dbo.MON_UpdateBatch, dbo.MON_UpdateQueue, dbo.MON_RunLog, dbo.MON_Board, '
        + N'dbo.STG_MON_CustMasterSchedule, dbo.MON_ValidatedRow, dbo.MON_BoardColumn';
    EXEC OpusTestHelpers.EmptyFakes @tables = @tables;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ReleaseBatch.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ReleaseBatch.[test a validated batch becomes READY queue rows with the final JSON]
AS
BEGIN
    -- called directly, its summary going to the output: through INSERT ... EXEC it would run inside the
    -- INSERT statement's transaction and refuse it (50960)
    EXEC dbo.usp_ReleaseBatch @batch_id = 'B1';

    SELECT
        q.monday_item_id,
        q.column_values,
        q.idempotency_key,
        q.queue_status
    INTO #Actual
    FROM dbo.MON_UpdateQueue AS q;
    SELECT TOP (0) *
    INTO #Expected
    FROM #Actual;
    INSERT INTO #Expected (monday_item_id, column_values, idempotency_key, queue_status)
    VALUES (1234567890, N'{"status":{"index":7}}', 'B1-1', 'READY');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';

    DECLARE @status varchar(20), @queued int;
    SELECT
        @status = b.batch_status,
        @queued = b.rows_queued
    FROM dbo.MON_UpdateBatch AS b
    WHERE b.batch_id = 'B1';
    EXEC tSQLt.AssertEqualsString 'READY', @status;
    EXEC tSQLt.AssertEquals 1, @queued;
    EXEC OpusTestHelpers.AssertRunLog @proc_name = N'usp_ReleaseBatch', @outcome = 'SUCCEEDED', @rows_affected = 1;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ReleaseBatch.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ReleaseBatch.[test releasing twice is error 50404]
AS
BEGIN
    DECLARE @error int;
    BEGIN TRY
        EXEC dbo.usp_ReleaseBatch @batch_id = 'B2';
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
    END CATCH;
    EXEC tSQLt.AssertEquals 50404, @error;
    EXEC tSQLt.AssertEmptyTable 'dbo.MON_UpdateQueue';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ReleaseBatch.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ReleaseBatch.[test a batch whose staged rows vanished is error 50407]
AS
BEGIN
    DELETE FROM dbo.STG_MON_CustMasterSchedule;
    DECLARE @error int;
    BEGIN TRY
        EXEC dbo.usp_ReleaseBatch @batch_id = 'B1';
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
    END CATCH;
    EXEC tSQLt.AssertEquals 50407, @error;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ReleaseBatch.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ReleaseBatch.[test a VALID row added to a validated batch is error 50411]
AS
BEGIN
    -- a row the batch never staged, inserted directly with the batch's id and a VALID status
    INSERT INTO dbo.STG_MON_CustMasterSchedule (
        monday_item_id, monday_board_id, update_batch_id, update_row_no, update_operation, update_fields,
        validation_status
    )
    VALUES (1234567891, 8709134353, 'B1', 2, 'UPDATE', N'{"order_status":"Done"}', 'VALID');
    DECLARE @error int;
    BEGIN TRY
        EXEC dbo.usp_ReleaseBatch @batch_id = 'B1';
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
    END CATCH;
    EXEC tSQLt.AssertEquals 50411, @error;
    EXEC tSQLt.AssertEmptyTable 'dbo.MON_UpdateQueue';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ReleaseBatch.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ReleaseBatch.[test an unsupported include_warnings is error 50402]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50402;
    EXEC dbo.usp_ReleaseBatch @batch_id = 'B1', @include_warnings = 'X';
END;
GO
