-- tSQLt class test_usp_ClaimQueueRows: mirrors tests/contract/test_queue.py (the claim). SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_ClaimQueueRows';
EXEC tSQLt.NewTestClass 'test_usp_ClaimQueueRows';
GO

CREATE PROCEDURE test_usp_ClaimQueueRows.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateBatch', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateQueue', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;

    INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, update_operation, batch_status, rows_queued)
    VALUES ('B1', 8709134353, 'UPDATE', 'READY', 3), ('B2', 8709134999, 'UPDATE', 'READY', 1);

    INSERT INTO dbo.MON_UpdateQueue (
        batch_id, update_row_no, board_id, update_operation, monday_item_id, column_values, idempotency_key,
        visible_after
    )
    VALUES
    ('B1', 1, 8709134353, 'UPDATE', 1001, N'{"status":{"index":7}}', 'B1-1', DATEADD(MINUTE, -1, SYSUTCDATETIME())),
    ('B1', 2, 8709134353, 'UPDATE', 1002, N'{"status":{"index":7}}', 'B1-2', DATEADD(MINUTE, -1, SYSUTCDATETIME())),
    ('B1', 3, 8709134353, 'UPDATE', 1003, N'{"status":{"index":7}}', 'B1-3', DATEADD(MINUTE, -1, SYSUTCDATETIME())),
    ('B2', 1, 8709134999, 'UPDATE', 5001, N'{"status":{"index":1}}', 'B2-1', DATEADD(MINUTE, -1, SYSUTCDATETIME()));
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_ClaimQueueRows.NoTransactionCleanUp
AS
BEGIN
    EXEC OpusTestHelpers.EmptyFakes @tables = N'dbo.MON_UpdateBatch, dbo.MON_UpdateQueue, dbo.MON_RunLog';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ClaimQueueRows.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ClaimQueueRows.[test claims ready rows in queue order with a lease]
AS
BEGIN
    -- Assemble
    CREATE TABLE #Actual (
        queue_id bigint, batch_id varchar(50), board_id bigint, target_level varchar(10),
        update_operation varchar(20), monday_item_id bigint, parent_item_id bigint, group_id varchar(100),
        item_name nvarchar(255), column_values nvarchar(MAX), expected_values nvarchar(MAX),
        create_labels_if_missing char(1), idempotency_key varchar(100), attempt_count int, max_attempts int,
        created_item_id bigint, lease_expires_at datetime2(3), was_expired char(1)
    );

    -- Act
    INSERT INTO #Actual
    EXEC dbo.usp_ClaimQueueRows @worker_id = 'w1', @batch_id = 'B1', @max_rows = 2, @lease_seconds = 120;

    -- Assert
    SELECT
        a.monday_item_id,
        a.idempotency_key,
        a.attempt_count,
        a.was_expired
    INTO #Got
    FROM #Actual AS a;
    SELECT TOP (0)
        g.monday_item_id,
        g.idempotency_key,
        g.attempt_count,
        g.was_expired
    INTO #Expected
    FROM #Got AS g;
    INSERT INTO #Expected (monday_item_id, idempotency_key, attempt_count, was_expired)
    VALUES (1001, 'B1-1', 1, 'N'), (1002, 'B1-2', 1, 'N');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Got';

    DECLARE @claimed int = (
        SELECT COUNT(*) FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_status = 'CLAIMED' AND q.lease_owner = 'w1' AND q.lease_expires_at > SYSUTCDATETIME()
    );
    EXEC tSQLt.AssertEquals 2, @claimed;
    DECLARE @status varchar(20) = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B1'
    );
    EXEC tSQLt.AssertEqualsString 'SENDING', @status;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ClaimQueueRows.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ClaimQueueRows.[test claims rows of one board only]
AS
BEGIN
    CREATE TABLE #Actual (
        queue_id bigint, batch_id varchar(50), board_id bigint, target_level varchar(10),
        update_operation varchar(20), monday_item_id bigint, parent_item_id bigint, group_id varchar(100),
        item_name nvarchar(255), column_values nvarchar(MAX), expected_values nvarchar(MAX),
        create_labels_if_missing char(1), idempotency_key varchar(100), attempt_count int, max_attempts int,
        created_item_id bigint, lease_expires_at datetime2(3), was_expired char(1)
    );

    INSERT INTO #Actual
    EXEC dbo.usp_ClaimQueueRows @worker_id = 'w1', @max_rows = 10;

    DECLARE @boards int = (SELECT COUNT(DISTINCT a.board_id) FROM #Actual AS a);
    DECLARE @rows int = (SELECT COUNT(*) FROM #Actual);
    EXEC tSQLt.AssertEquals 1, @boards;
    EXEC tSQLt.AssertEquals 3, @rows;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ClaimQueueRows.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ClaimQueueRows.[test an expired lease is claimable again and flagged]
AS
BEGIN
    UPDATE dbo.MON_UpdateQueue
    SET
        queue_status = 'CLAIMED',
        lease_owner = 'w1',
        lease_expires_at = DATEADD(MINUTE, -5, SYSUTCDATETIME()),
        attempt_count = 1
    WHERE idempotency_key = 'B1-1';

    CREATE TABLE #Actual (
        queue_id bigint, batch_id varchar(50), board_id bigint, target_level varchar(10),
        update_operation varchar(20), monday_item_id bigint, parent_item_id bigint, group_id varchar(100),
        item_name nvarchar(255), column_values nvarchar(MAX), expected_values nvarchar(MAX),
        create_labels_if_missing char(1), idempotency_key varchar(100), attempt_count int, max_attempts int,
        created_item_id bigint, lease_expires_at datetime2(3), was_expired char(1)
    );
    INSERT INTO #Actual
    EXEC dbo.usp_ClaimQueueRows @worker_id = 'w2', @batch_id = 'B1', @max_rows = 1;

    DECLARE @flag char(1) = (SELECT a.was_expired FROM #Actual AS a);
    DECLARE @attempts int = (SELECT a.attempt_count FROM #Actual AS a);
    DECLARE @owner varchar(100) = (
        SELECT q.lease_owner FROM dbo.MON_UpdateQueue AS q
        WHERE q.idempotency_key = 'B1-1'
    );
    EXEC tSQLt.AssertEqualsString 'Y', @flag;
    EXEC tSQLt.AssertEquals 2, @attempts;
    EXEC tSQLt.AssertEqualsString 'w2', @owner;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ClaimQueueRows.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ClaimQueueRows.[test a live lease is not claimed by another worker]
AS
BEGIN
    UPDATE dbo.MON_UpdateQueue
    SET
        queue_status = 'CLAIMED',
        lease_owner = 'w1',
        lease_expires_at = DATEADD(MINUTE, 5, SYSUTCDATETIME()),
        attempt_count = 1
    WHERE batch_id = 'B1';

    CREATE TABLE #Actual (
        queue_id bigint, batch_id varchar(50), board_id bigint, target_level varchar(10),
        update_operation varchar(20), monday_item_id bigint, parent_item_id bigint, group_id varchar(100),
        item_name nvarchar(255), column_values nvarchar(MAX), expected_values nvarchar(MAX),
        create_labels_if_missing char(1), idempotency_key varchar(100), attempt_count int, max_attempts int,
        created_item_id bigint, lease_expires_at datetime2(3), was_expired char(1)
    );
    INSERT INTO #Actual
    EXEC dbo.usp_ClaimQueueRows @worker_id = 'w2', @batch_id = 'B1';

    EXEC tSQLt.AssertEmptyTable '#Actual';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ClaimQueueRows.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ClaimQueueRows.[test a missing worker id is error 50601]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50601;
    EXEC dbo.usp_ClaimQueueRows @worker_id = NULL;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ClaimQueueRows.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ClaimQueueRows.[test max_rows out of range is error 50602]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50602;
    EXEC dbo.usp_ClaimQueueRows @worker_id = 'w1', @max_rows = 0;
END;
GO
