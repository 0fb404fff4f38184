-- tSQLt class test_usp_RecordPreview: mirrors tests/contract/test_queue.py (dry-run preview). SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_RecordPreview';
EXEC tSQLt.NewTestClass 'test_usp_RecordPreview';
GO

CREATE PROCEDURE test_usp_RecordPreview.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateQueue', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdatePreview', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;

    INSERT INTO dbo.MON_UpdateQueue (
        batch_id, update_row_no, board_id, update_operation, monday_item_id, column_values, idempotency_key
    )
    VALUES ('B1', 1, 1, 'UPDATE', 1001, N'{"status":{"index":7},"text":"x"}', 'B1-1');
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_RecordPreview.NoTransactionCleanUp
AS
BEGIN
    EXEC OpusTestHelpers.EmptyFakes @tables = N'dbo.MON_UpdateQueue, dbo.MON_UpdatePreview, dbo.MON_RunLog';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordPreview.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordPreview.[test a second preview replaces the first]
AS
BEGIN
    DECLARE @queue_id bigint = (SELECT MIN(q.queue_id) FROM dbo.MON_UpdateQueue AS q);

    EXEC dbo.usp_RecordPreview
        @batch_id = 'B1', @queue_id = @queue_id,
        @cells = N'[{"column_id": "status", "current_value": "{\"index\":0}", "current_text": "Working on it",
                     "would_change": "Y"}, {"column_id": "text", "current_value": "old"}]';
    EXEC dbo.usp_RecordPreview
        @batch_id = 'B1', @queue_id = @queue_id,
        @cells = N'[{"column_id": "text", "current_value": "x", "current_text": "x"}]';

    SELECT
        p.column_id,
        p.current_value,
        p.new_value,
        p.would_change
    INTO #Actual
    FROM dbo.MON_UpdatePreview AS p;
    SELECT TOP (0) *
    INTO #Expected
    FROM #Actual;
    INSERT INTO #Expected (column_id, current_value, new_value, would_change)
    VALUES ('text', N'x', N'x', 'N');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordPreview.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordPreview.[test new_value comes from the queue row when left out]
AS
BEGIN
    DECLARE @queue_id bigint = (SELECT MIN(q.queue_id) FROM dbo.MON_UpdateQueue AS q);
    EXEC dbo.usp_RecordPreview
        @batch_id = 'B1', @queue_id = @queue_id, @cells = N'[{"column_id": "status", "current_value": null}]';

    DECLARE @new nvarchar(MAX) = (SELECT p.new_value FROM dbo.MON_UpdatePreview AS p);
    DECLARE @change char(1) = (SELECT p.would_change FROM dbo.MON_UpdatePreview AS p);
    EXEC tSQLt.AssertEqualsString N'{"index":7}', @new;
    EXEC tSQLt.AssertEqualsString 'Y', @change;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_RecordPreview.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_RecordPreview.[test cells that are not JSON are error 50608]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50608;
    EXEC dbo.usp_RecordPreview @batch_id = 'B1', @queue_id = 1, @cells = N'not json';
END;
GO
