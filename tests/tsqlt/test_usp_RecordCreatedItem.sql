-- tSQLt class test_usp_RecordCreatedItem: mirrors tests/contract/test_queue.py (created item recorded before
-- the result). SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_RecordCreatedItem';
EXEC tSQLt.NewTestClass 'test_usp_RecordCreatedItem';
GO

CREATE PROCEDURE test_usp_RecordCreatedItem.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateQueue', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;

    INSERT INTO dbo.MON_UpdateQueue (
        batch_id, update_row_no, board_id, update_operation, item_name, idempotency_key, queue_status,
        lease_owner, lease_expires_at, attempt_count
    )
    VALUES ('BC', 1, 1, 'CREATE', N'New item', 'BC-1', 'CLAIMED', 'w1', DATEADD(MINUTE, 5, SYSUTCDATETIME()), 1);
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_RecordCreatedItem.NoTransactionCleanUp
AS
BEGIN
    EXEC OpusTestHelpers.EmptyFakes @tables = N'dbo.MON_UpdateQueue, dbo.MON_RunLog';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordCreatedItem.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordCreatedItem.[test stores the created item id]
AS
BEGIN
    DECLARE @queue_id bigint = (SELECT MIN(q.queue_id) FROM dbo.MON_UpdateQueue AS q);

    EXEC dbo.usp_RecordCreatedItem @queue_id = @queue_id, @worker_id = 'w1', @created_item_id = 777;

    DECLARE @item bigint = (
        SELECT q.created_item_id FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id = @queue_id
    );
    EXEC tSQLt.AssertEquals 777, @item;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordCreatedItem.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordCreatedItem.[test another worker is error 50606]
AS
BEGIN
    DECLARE @queue_id bigint = (SELECT MIN(q.queue_id) FROM dbo.MON_UpdateQueue AS q);
    DECLARE @error int;
    BEGIN TRY
        EXEC dbo.usp_RecordCreatedItem @queue_id = @queue_id, @worker_id = 'w2', @created_item_id = 777;
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
    END CATCH;
    EXEC tSQLt.AssertEquals 50606, @error;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordCreatedItem.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordCreatedItem.[test a missing item id is error 50609]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50609;
    EXEC dbo.usp_RecordCreatedItem @queue_id = 1, @worker_id = 'w1', @created_item_id = NULL;
END;
GO
