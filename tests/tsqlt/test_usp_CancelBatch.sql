-- tSQLt class test_usp_CancelBatch: mirrors tests/contract/test_release.py (cancel). SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_CancelBatch';
EXEC tSQLt.NewTestClass 'test_usp_CancelBatch';
GO

CREATE PROCEDURE test_usp_CancelBatch.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateBatch', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateQueue', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;

    INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, update_operation, batch_status, rows_queued)
    VALUES ('B1', 1, 'UPDATE', 'READY', 2), ('B2', 1, 'UPDATE', 'SENDING', 1);
    INSERT INTO dbo.MON_UpdateQueue (batch_id, update_row_no, board_id, update_operation, idempotency_key, queue_status)
    VALUES ('B1', 1, 1, 'UPDATE', 'B1-1', 'READY'), ('B1', 2, 1, 'UPDATE', 'B1-2', 'READY'),
    ('B2', 1, 1, 'UPDATE', 'B2-1', 'SENT');
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_CancelBatch.NoTransactionCleanUp
AS
BEGIN
    EXEC OpusTestHelpers.EmptyFakes @tables = N'dbo.MON_UpdateBatch, dbo.MON_UpdateQueue, dbo.MON_RunLog';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_CancelBatch.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_CancelBatch.[test a released batch and its open rows are cancelled]
AS
BEGIN
    -- called directly, its summary going to the output: through INSERT ... EXEC it would run inside the
    -- INSERT statement's transaction and refuse it (50960)
    EXEC dbo.usp_CancelBatch @batch_id = 'B1', @reason = N'wrong query';

    DECLARE @status varchar(20) = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B1'
    );
    DECLARE @open int = (
        SELECT COUNT(*) FROM dbo.MON_UpdateQueue AS q
        WHERE q.batch_id = 'B1' AND q.queue_status <> 'CANCELLED'
    );
    -- each cancelled row carries the reason; the summary's queue_rows_cancelled is the run log's rows_affected
    DECLARE @marked int = (
        SELECT COUNT(*) FROM dbo.MON_UpdateQueue AS q
        WHERE
            q.batch_id = 'B1'
            AND q.last_error_code = 'CANCELLED'
            AND q.last_error LIKE N'%: wrong query'
            AND q.completed_at IS NOT NULL
    );
    DECLARE @other varchar(20) = (
        SELECT q.queue_status FROM dbo.MON_UpdateQueue AS q
        WHERE q.batch_id = 'B2'
    );
    EXEC tSQLt.AssertEqualsString 'CANCELLED', @status;
    EXEC tSQLt.AssertEquals 0, @open;
    EXEC tSQLt.AssertEquals 2, @marked;
    EXEC tSQLt.AssertEqualsString 'SENT', @other;
    EXEC OpusTestHelpers.AssertRunLog @proc_name = N'usp_CancelBatch', @outcome = 'SUCCEEDED', @rows_affected = 2;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_CancelBatch.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_CancelBatch.[test a batch with a sent row is error 50504]
AS
BEGIN
    DECLARE @error int;
    BEGIN TRY
        EXEC dbo.usp_CancelBatch @batch_id = 'B2';
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
    END CATCH;
    EXEC tSQLt.AssertEquals 50504, @error;
    DECLARE @status varchar(20) = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B2'
    );
    EXEC tSQLt.AssertEqualsString 'SENDING', @status;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_CancelBatch.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_CancelBatch.[test a missing batch id is error 50501]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50501;
    EXEC dbo.usp_CancelBatch @batch_id = NULL;
END;
GO
