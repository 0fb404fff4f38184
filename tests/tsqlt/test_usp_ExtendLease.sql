-- tSQLt class test_usp_ExtendLease: mirrors tests/contract/test_queue.py (lease extension). SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_ExtendLease';
EXEC tSQLt.NewTestClass 'test_usp_ExtendLease';
GO

CREATE PROCEDURE test_usp_ExtendLease.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateQueue', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;

    INSERT INTO dbo.MON_UpdateQueue (
        batch_id, update_row_no, board_id, update_operation, idempotency_key, queue_status, lease_owner,
        lease_expires_at, attempt_count
    )
    VALUES
    ('B1', 1, 1, 'UPDATE', 'B1-1', 'CLAIMED', 'w1', DATEADD(SECOND, 10, SYSUTCDATETIME()), 1),
    ('B1', 2, 1, 'UPDATE', 'B1-2', 'CLAIMED', 'w2', DATEADD(SECOND, 10, SYSUTCDATETIME()), 1);
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_ExtendLease.NoTransactionCleanUp
AS
BEGIN
    EXEC OpusTestHelpers.EmptyFakes @tables = N'dbo.MON_UpdateQueue, dbo.MON_RunLog';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ExtendLease.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ExtendLease.[test extends only the rows the worker holds]
AS
BEGIN
    DECLARE @ids nvarchar(MAX) = (
        SELECT CONCAT(N'[', STRING_AGG(CAST(q.queue_id AS nvarchar(20)), N','), N']')
        FROM dbo.MON_UpdateQueue AS q
    );
    DECLARE @extended int;

    EXEC dbo.usp_ExtendLease @worker_id = 'w1', @queue_ids = @ids, @lease_seconds = 600, @extended = @extended OUTPUT;

    EXEC tSQLt.AssertEquals 1, @extended;
    DECLARE @late int = (
        SELECT COUNT(*) FROM dbo.MON_UpdateQueue AS q
        WHERE q.lease_expires_at > DATEADD(SECOND, 500, SYSUTCDATETIME())
    );
    EXEC tSQLt.AssertEquals 1, @late;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ExtendLease.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ExtendLease.[test a list that is not a JSON array of ids is error 50604]
AS
BEGIN
    DECLARE @extended int;
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50604;
    EXEC dbo.usp_ExtendLease @worker_id = 'w1', @queue_ids = N'41, 42', @extended = @extended OUTPUT;
END;
GO
