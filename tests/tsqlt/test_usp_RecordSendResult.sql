-- tSQLt class test_usp_RecordSendResult: mirrors tests/contract/test_queue.py (results, audit, retry, DEAD,
-- batch completion, fencing). Every test that calls the procedure runs without the tSQLt transaction
-- (NoTransaction annotation, tSQLt V1.0.8083.3529 or later; tests/tsqlt/README.md). SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_RecordSendResult';
EXEC tSQLt.NewTestClass 'test_usp_RecordSendResult';
GO

CREATE PROCEDURE test_usp_RecordSendResult.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateBatch', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateQueue', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateAudit', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;

    INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, update_operation, batch_status, rows_queued)
    VALUES ('B1', 8709134353, 'UPDATE', 'SENDING', 2);

    INSERT INTO dbo.MON_UpdateQueue (
        batch_id, update_row_no, board_id, update_operation, monday_item_id, column_values, idempotency_key,
        queue_status, lease_owner, lease_expires_at, attempt_count, max_attempts
    )
    VALUES
    ('B1', 1, 8709134353, 'UPDATE', 1001, N'{"status":{"index":7}}', 'B1-1', 'CLAIMED', 'w1',
        DATEADD(MINUTE, 5, SYSUTCDATETIME()), 1, 2),
    ('B1', 2, 8709134353, 'UPDATE', 1002, N'{"status":{"index":7}}', 'B1-2', 'CLAIMED', 'w1',
        DATEADD(MINUTE, 5, SYSUTCDATETIME()), 1, 2);
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_RecordSendResult.NoTransactionCleanUp
AS
BEGIN
    DECLARE @tables nvarchar(MAX) = N'dbo.MON_UpdateBatch, dbo.MON_UpdateQueue, dbo.MON_UpdateAudit, dbo.MON_RunLog';
    EXEC OpusTestHelpers.EmptyFakes @tables = @tables;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordSendResult.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordSendResult.[test SENT writes one audit row per cell]
AS
BEGIN
    DECLARE @queue_id bigint = (
        SELECT q.queue_id FROM dbo.MON_UpdateQueue AS q
        WHERE q.idempotency_key = 'B1-1'
    );

    EXEC dbo.usp_RecordSendResult
        @queue_id = @queue_id, @worker_id = 'w1', @outcome = 'SENT',
        @cells = N'[{"column_id": "status", "old_value": "{\"index\":0}", "new_value": "{\"index\":7}"},
                    {"column_id": "text", "old_value": null, "new_value": "x"}]';

    SELECT
        a.column_id,
        a.old_value,
        a.new_value,
        a.monday_item_id,
        a.update_operation
    INTO #Actual
    FROM dbo.MON_UpdateAudit AS a;
    SELECT TOP (0) *
    INTO #Expected
    FROM #Actual;
    INSERT INTO #Expected (column_id, old_value, new_value, monday_item_id, update_operation)
    VALUES ('status', N'{"index":0}', N'{"index":7}', 1001, 'UPDATE'), ('text', NULL, N'x', 1001, 'UPDATE');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';

    DECLARE @status varchar(20) = (
        SELECT q.queue_status FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id = @queue_id
    );
    EXEC tSQLt.AssertEqualsString 'SENT', @status;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordSendResult.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordSendResult.[test the last result completes the batch]
AS
BEGIN
    DECLARE @q1 bigint = (SELECT MIN(q.queue_id) FROM dbo.MON_UpdateQueue AS q);
    DECLARE @q2 bigint = (SELECT MAX(q.queue_id) FROM dbo.MON_UpdateQueue AS q);

    EXEC dbo.usp_RecordSendResult @queue_id = @q1, @worker_id = 'w1', @outcome = 'SENT';
    EXEC dbo.usp_RecordSendResult
        @queue_id = @q2, @worker_id = 'w1', @outcome = 'FAILED', @error_code = 'ColumnValueException',
        @error_message = N'invalid value';

    DECLARE @status varchar(20) = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B1'
    );
    EXEC tSQLt.AssertEqualsString 'PARTIAL', @status;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordSendResult.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordSendResult.[test RETRY waits for the backoff and is DEAD on the last attempt]
AS
BEGIN
    DECLARE @queue_id bigint = (SELECT MIN(q.queue_id) FROM dbo.MON_UpdateQueue AS q);
    DECLARE @before datetime2(3) = SYSUTCDATETIME();

    EXEC dbo.usp_RecordSendResult
        @queue_id = @queue_id, @worker_id = 'w1', @outcome = 'RETRY', @error_code = '429',
        @retry_after_seconds = 60;

    DECLARE @status varchar(20), @visible datetime2(3);
    SELECT
        @status = q.queue_status,
        @visible = q.visible_after
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.queue_id = @queue_id;
    EXEC tSQLt.AssertEqualsString 'READY', @status;
    IF @visible < DATEADD(SECOND, 59, @before)
    BEGIN
        EXEC tSQLt.Fail 'visible_after should honour the 60 seconds monday asked for';
    END;

    UPDATE dbo.MON_UpdateQueue
    SET
        queue_status = 'CLAIMED',
        lease_owner = 'w1',
        lease_expires_at = DATEADD(MINUTE, 5, SYSUTCDATETIME()),
        attempt_count = 2
    WHERE queue_id = @queue_id;
    EXEC dbo.usp_RecordSendResult @queue_id = @queue_id, @worker_id = 'w1', @outcome = 'RETRY';

    SET @status = (
        SELECT q.queue_status FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id = @queue_id
    );
    EXEC tSQLt.AssertEqualsString 'DEAD', @status;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordSendResult.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordSendResult.[test a result from another worker is error 50606 and changes nothing]
AS
BEGIN
    DECLARE @queue_id bigint = (SELECT MIN(q.queue_id) FROM dbo.MON_UpdateQueue AS q);
    DECLARE @error int;

    BEGIN TRY
        EXEC dbo.usp_RecordSendResult
            @queue_id = @queue_id, @worker_id = 'w2', @outcome = 'SENT',
            @cells = N'[{"column_id": "status", "old_value": null, "new_value": "x"}]';
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
    END CATCH;

    EXEC tSQLt.AssertEquals 50606, @error;
    EXEC tSQLt.AssertEmptyTable 'dbo.MON_UpdateAudit';
    DECLARE @owner varchar(100) = (
        SELECT q.lease_owner FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id = @queue_id
    );
    EXEC tSQLt.AssertEqualsString 'w1', @owner;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordSendResult.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordSendResult.[test an unknown outcome is error 50607]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50607;
    EXEC dbo.usp_RecordSendResult @queue_id = 1, @worker_id = 'w1', @outcome = 'DONE';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordSendResult.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordSendResult.[test cells that are not a JSON array are error 50608]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50608;
    EXEC dbo.usp_RecordSendResult @queue_id = 1, @worker_id = 'w1', @outcome = 'SENT', @cells = N'{"column_id": "x"}';
END;
GO
