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

-- The tests call the claim directly (the claimed rows go to the output) and read the claim in the queue: through
-- INSERT ... EXEC it would run inside the INSERT statement's transaction and refuse it (50960). A lease of
-- @lease_seconds is lease_expires_at = claimed_at + @lease_seconds, both set from one clock reading.

--[@tSQLt:NoTransaction]('test_usp_ClaimQueueRows.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ClaimQueueRows.[test claims ready rows in queue order with a lease]
AS
BEGIN
    -- Act
    EXEC dbo.usp_ClaimQueueRows @worker_id = 'w1', @batch_id = 'B1', @max_rows = 2, @lease_seconds = 120;

    -- Assert: the first two rows of B1 (queue order) are leased to w1 for 120 s on their first attempt
    SELECT
        q.monday_item_id,
        q.idempotency_key,
        q.queue_status,
        q.lease_owner,
        q.attempt_count,
        CASE WHEN q.lease_expires_at = DATEADD(SECOND, 120, q.claimed_at) THEN 'Y' ELSE 'N' END AS leased_120_s
    INTO #Actual
    FROM dbo.MON_UpdateQueue AS q;
    SELECT TOP (0) *
    INTO #Expected
    FROM #Actual;
    INSERT INTO #Expected (monday_item_id, idempotency_key, queue_status, lease_owner, attempt_count, leased_120_s)
    VALUES
    (1001, 'B1-1', 'CLAIMED', 'w1', 1, 'Y'),
    (1002, 'B1-2', 'CLAIMED', 'w1', 1, 'Y'),
    (1003, 'B1-3', 'READY', NULL, 0, 'N'),
    (5001, 'B2-1', 'READY', NULL, 0, 'N');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';

    DECLARE @status varchar(20) = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B1'
    );
    EXEC tSQLt.AssertEqualsString 'SENDING', @status;
    EXEC OpusTestHelpers.AssertRunLog @proc_name = N'usp_ClaimQueueRows', @outcome = 'SUCCEEDED', @rows_affected = 2;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ClaimQueueRows.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ClaimQueueRows.[test claims rows of one board only]
AS
BEGIN
    EXEC dbo.usp_ClaimQueueRows @worker_id = 'w1', @max_rows = 10;

    -- the board of the oldest open row, all three of its rows; the other board's row is left for another claim
    SELECT
        q.board_id,
        q.queue_status,
        q.lease_owner,
        COUNT(*) AS queue_rows
    INTO #Actual
    FROM dbo.MON_UpdateQueue AS q
    GROUP BY q.board_id, q.queue_status, q.lease_owner;
    SELECT TOP (0) *
    INTO #Expected
    FROM #Actual;
    INSERT INTO #Expected (board_id, queue_status, lease_owner, queue_rows)
    VALUES (8709134353, 'CLAIMED', 'w1', 3), (8709134999, 'READY', NULL, 1);
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';

    DECLARE @other varchar(20) = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B2'
    );
    EXEC tSQLt.AssertEqualsString 'READY', @other;
    EXEC OpusTestHelpers.AssertRunLog @proc_name = N'usp_ClaimQueueRows', @outcome = 'SUCCEEDED', @rows_affected = 3;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ClaimQueueRows.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ClaimQueueRows.[test an expired lease is taken over by another worker on its next attempt]
AS
BEGIN
    DECLARE @old_claim datetime2(3) = DATEADD(MINUTE, -10, SYSUTCDATETIME());
    UPDATE dbo.MON_UpdateQueue
    SET
        queue_status = 'CLAIMED',
        lease_owner = 'w1',
        lease_expires_at = DATEADD(MINUTE, 5, @old_claim),
        claimed_at = @old_claim,
        attempt_count = 1
    WHERE idempotency_key = 'B1-1';

    EXEC dbo.usp_ClaimQueueRows @worker_id = 'w2', @batch_id = 'B1', @max_rows = 1, @lease_seconds = 60;

    -- the expired row comes first (queue order) and is taken over by w2 on its second attempt, with a new
    -- lease (its was_expired = 'Y' in the result set: tests/contract/test_queue.py); the rows behind it wait
    SELECT
        q.idempotency_key,
        q.queue_status,
        q.lease_owner,
        q.attempt_count,
        CASE WHEN q.claimed_at > @old_claim THEN 'Y' ELSE 'N' END AS claimed_again,
        CASE WHEN q.lease_expires_at = DATEADD(SECOND, 60, q.claimed_at) THEN 'Y' ELSE 'N' END AS leased_60_s
    INTO #Actual
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.batch_id = 'B1';
    SELECT TOP (0) *
    INTO #Expected
    FROM #Actual;
    INSERT INTO #Expected (idempotency_key, queue_status, lease_owner, attempt_count, claimed_again, leased_60_s)
    VALUES
    ('B1-1', 'CLAIMED', 'w2', 2, 'Y', 'Y'),
    ('B1-2', 'READY', NULL, 0, 'N', 'N'),
    ('B1-3', 'READY', NULL, 0, 'N', 'N');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';
    EXEC OpusTestHelpers.AssertRunLog @proc_name = N'usp_ClaimQueueRows', @outcome = 'SUCCEEDED', @rows_affected = 1;
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

    EXEC dbo.usp_ClaimQueueRows @worker_id = 'w2', @batch_id = 'B1';

    -- nothing claimed: w1 keeps its three leases, no attempt is counted
    DECLARE @kept int = (
        SELECT COUNT(*) FROM dbo.MON_UpdateQueue AS q
        WHERE q.batch_id = 'B1' AND q.queue_status = 'CLAIMED' AND q.lease_owner = 'w1' AND q.attempt_count = 1
    );
    EXEC tSQLt.AssertEquals 3, @kept;
    EXEC OpusTestHelpers.AssertRunLog @proc_name = N'usp_ClaimQueueRows', @outcome = 'SUCCEEDED', @rows_affected = 0;
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
