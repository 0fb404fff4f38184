-- tSQLt class test_usp_ReleaseLease: mirrors tests/contract/test_queue.py (graceful stop). SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_ReleaseLease';
EXEC tSQLt.NewTestClass 'test_usp_ReleaseLease';
GO

CREATE PROCEDURE test_usp_ReleaseLease.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateQueue', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;
    -- the procedure moves a batch from SENDING back to READY: the batches are faked for every test
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateBatch', @Defaults = 1;

    INSERT INTO dbo.MON_UpdateQueue (
        batch_id, update_row_no, board_id, update_operation, idempotency_key, queue_status, lease_owner,
        lease_expires_at, attempt_count
    )
    VALUES
    ('B1', 1, 1, 'UPDATE', 'B1-1', 'CLAIMED', 'w1', DATEADD(MINUTE, 5, SYSUTCDATETIME()), 1),
    ('B1', 2, 1, 'UPDATE', 'B1-2', 'CLAIMED', 'w1', DATEADD(MINUTE, 5, SYSUTCDATETIME()), 3),
    ('B1', 3, 1, 'UPDATE', 'B1-3', 'CLAIMED', 'w2', DATEADD(MINUTE, 5, SYSUTCDATETIME()), 1);
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_ReleaseLease.NoTransactionCleanUp
AS
BEGIN
    EXEC OpusTestHelpers.EmptyFakes @tables = N'dbo.MON_UpdateQueue, dbo.MON_RunLog, dbo.MON_UpdateBatch';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ReleaseLease.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ReleaseLease.[test every row of the worker is READY again without the attempt]
AS
BEGIN
    DECLARE @released int;
    EXEC dbo.usp_ReleaseLease @worker_id = 'w1', @released = @released OUTPUT;

    EXEC tSQLt.AssertEquals 2, @released;
    SELECT
        q.idempotency_key,
        q.queue_status,
        q.lease_owner,
        q.attempt_count
    INTO #Actual
    FROM dbo.MON_UpdateQueue AS q;
    SELECT TOP (0) *
    INTO #Expected
    FROM #Actual;
    INSERT INTO #Expected (idempotency_key, queue_status, lease_owner, attempt_count)
    VALUES ('B1-1', 'READY', NULL, 0), ('B1-2', 'READY', NULL, 2), ('B1-3', 'CLAIMED', 'w2', 1);
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ReleaseLease.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ReleaseLease.[test a missing worker id is error 50601]
AS
BEGIN
    DECLARE @released int;
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50601;
    EXEC dbo.usp_ReleaseLease @worker_id = '', @released = @released OUTPUT;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ReleaseLease.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ReleaseLease.[test a batch with nothing sent goes back from SENDING to READY]
AS
BEGIN
    INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status)
    VALUES ('B1', 1, 'ITEMS', 'UPDATE', 'SENDING'), ('B2', 1, 'ITEMS', 'UPDATE', 'SENDING');
    INSERT INTO dbo.MON_UpdateQueue (
        batch_id, update_row_no, board_id, update_operation, idempotency_key, queue_status, lease_owner,
        lease_expires_at, attempt_count
    )
    VALUES
    ('B2', 1, 1, 'UPDATE', 'B2-1', 'CLAIMED', 'w3', DATEADD(MINUTE, 5, SYSUTCDATETIME()), 1),
    ('B2', 2, 1, 'UPDATE', 'B2-2', 'SENT', NULL, NULL, 1);
    DECLARE @released int;

    -- w2 still holds a row of B1: B1 stays SENDING
    EXEC dbo.usp_ReleaseLease @worker_id = 'w1', @released = @released OUTPUT;
    DECLARE @status varchar(20) = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B1'
    );
    EXEC tSQLt.AssertEqualsString 'SENDING', @status;
    -- the last claimed row of B1 given back, nothing sent: READY
    EXEC dbo.usp_ReleaseLease @worker_id = 'w2', @released = @released OUTPUT;
    SET @status = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B1'
    );
    EXEC tSQLt.AssertEqualsString 'READY', @status;
    -- B2 has a SENT row: it stays SENDING
    EXEC dbo.usp_ReleaseLease @worker_id = 'w3', @released = @released OUTPUT;
    SET @status = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B2'
    );
    EXEC tSQLt.AssertEqualsString 'SENDING', @status;
END;
GO
