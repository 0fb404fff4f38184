-- tSQLt class test_usp_StageRollback: mirrors tests/contract/test_rollback.py. SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_StageRollback';
EXEC tSQLt.NewTestClass 'test_usp_StageRollback';
GO

CREATE PROCEDURE test_usp_StageRollback.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateBatch', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateQueue', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateAudit', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;

    INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, update_operation, batch_status, rows_queued)
    VALUES ('B1', 8709134353, 'UPDATE', 'COMPLETED', 2), ('BC', 8709134353, 'CREATE', 'COMPLETED', 1),
    ('BS', 8709134353, 'UPDATE', 'SENDING', 1), ('BF', 8709134353, 'UPDATE', 'FAILED', 1);

    INSERT INTO dbo.MON_UpdateAudit (
        batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value, queue_id
    )
    VALUES
    ('B1', 'UPDATE', 1001, 8709134353, 'status', N'{"index":0}', N'{"index":7}', 1),
    ('B1', 'UPDATE', 1001, 8709134353, 'text', NULL, N'row 1', 1),
    ('B1', 'UPDATE', 1002, 8709134353, 'status', N'{"index":2}', N'{"index":7}', 2),
    ('BC', 'CREATE', 9001, 8709134353, 'name', NULL, N'New item 1', 3);
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_StageRollback.NoTransactionCleanUp
AS
BEGIN
    DECLARE @tables nvarchar(MAX) = N'dbo.MON_UpdateBatch, dbo.MON_UpdateQueue, dbo.MON_UpdateAudit, dbo.MON_RunLog';
    EXEC OpusTestHelpers.EmptyFakes @tables = @tables;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageRollback.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageRollback.[test one UPDATE row per item restores the audited old values]
AS
BEGIN
    DECLARE @rb varchar(50);
    -- called directly, its summary going to the output: through INSERT ... EXEC it would run inside the
    -- INSERT statement's transaction and refuse it (50960); the new batch's id comes back as OUTPUT
    EXEC dbo.usp_StageRollback @batch_id = 'B1', @reason = N'wrong values', @rollback_batch_id = @rb OUTPUT;

    SELECT
        q.update_row_no,
        q.update_operation,
        q.monday_item_id,
        q.column_values,
        q.expected_values
    INTO #Actual
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.batch_id = @rb;
    SELECT TOP (0) *
    INTO #Expected
    FROM #Actual;
    INSERT INTO #Expected (update_row_no, update_operation, monday_item_id, column_values, expected_values)
    VALUES
    (1, 'UPDATE', 1001, N'{"status":{"index":0},"text":null}', N'{"status":{"index":7},"text":"row 1"}'),
    (2, 'UPDATE', 1002, N'{"status":{"index":2}}', N'{"status":{"index":7}}');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';

    DECLARE @status varchar(20), @of varchar(50), @operation varchar(50), @reason nvarchar(500), @queued int;
    SELECT
        @status = b.batch_status,
        @of = b.rollback_of_batch_id,
        @operation = b.update_operation,
        @reason = b.rollback_reason,
        @queued = b.rows_queued
    FROM dbo.MON_UpdateBatch AS b
    WHERE b.batch_id = @rb;
    EXEC tSQLt.AssertEqualsString 'READY', @status;
    EXEC tSQLt.AssertEqualsString 'B1', @of;
    EXEC tSQLt.AssertEqualsString 'ROLLBACK', @operation;
    EXEC tSQLt.AssertEqualsString N'wrong values', @reason;
    EXEC tSQLt.AssertEquals 2, @queued;
    EXEC OpusTestHelpers.AssertRunLog @proc_name = N'usp_StageRollback', @outcome = 'SUCCEEDED', @rows_affected = 2;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageRollback.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageRollback.[test created items become ARCHIVE rows]
AS
BEGIN
    DECLARE @rb varchar(50);
    -- called directly, its summary going to the output: through INSERT ... EXEC it would run inside the
    -- INSERT statement's transaction and refuse it (50960); the new batch's id comes back as OUTPUT
    EXEC dbo.usp_StageRollback @batch_id = 'BC', @reason = N'undo', @rollback_batch_id = @rb OUTPUT;

    DECLARE @operation varchar(20), @item bigint, @rows int;
    SELECT
        @operation = MAX(q.update_operation),
        @item = MAX(q.monday_item_id),
        @rows = COUNT(*)
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.batch_id = @rb;
    EXEC tSQLt.AssertEquals 1, @rows;
    EXEC tSQLt.AssertEqualsString 'ARCHIVE', @operation;
    EXEC tSQLt.AssertEquals 9001, @item;
    EXEC OpusTestHelpers.AssertRunLog @proc_name = N'usp_StageRollback', @outcome = 'SUCCEEDED', @rows_affected = 1;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageRollback.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageRollback.[test a batch with nothing audited is error 50704]
AS
BEGIN
    DECLARE @rb varchar(50), @error int;
    BEGIN TRY
        EXEC dbo.usp_StageRollback @batch_id = 'BF', @reason = N'x', @rollback_batch_id = @rb OUTPUT;
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
    END CATCH;
    EXEC tSQLt.AssertEquals 50704, @error;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageRollback.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageRollback.[test a batch still being sent is error 50707]
AS
BEGIN
    DECLARE @rb varchar(50), @error int;
    BEGIN TRY
        EXEC dbo.usp_StageRollback @batch_id = 'BS', @reason = N'x', @rollback_batch_id = @rb OUTPUT;
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
    END CATCH;
    EXEC tSQLt.AssertEquals 50707, @error;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageRollback.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageRollback.[test a missing reason is error 50702]
AS
BEGIN
    DECLARE @rb varchar(50);
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50702;
    EXEC dbo.usp_StageRollback @batch_id = 'B1', @reason = NULL, @rollback_batch_id = @rb OUTPUT;
END;
GO
