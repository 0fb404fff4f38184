-- tSQLt class test_usp_StageUpdates: mirrors tests/contract/test_stage_updates.py. SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_StageUpdates';
-- usp_StageUpdates uses INSERT ... EXEC itself, so the tests read its OUTPUT parameters, not its result set.
-- Tests of refusals run without tSQLt's transaction (the procedure rolls back on error, XACT_ABORT is ON).
EXEC tSQLt.NewTestClass 'test_usp_StageUpdates';
GO

CREATE PROCEDURE test_usp_StageUpdates.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_UpdateBatch', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.STG_MON_CustMasterSchedule', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.STG_MON_CustMasterSchedule_Subitems', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_Board', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_BoardColumn', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_BoardGroup', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_BoardItem', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_ColumnMap', @Identity = 1, @Defaults = 1;

    INSERT INTO dbo.MON_Board (board_id, board_name, synced_at) VALUES (8709134353, N'Planning', SYSUTCDATETIME());
    INSERT INTO dbo.MON_BoardColumn (
        board_id, column_id, title, normalized_title, column_type, settings_json, is_writable
    )
    VALUES
    (
        8709134353, 'status', N'Order Status', 'order_status', 'status',
        N'{"labels": [{"id": 1, "label": "Done"}, {"id": 7, "label": "In Progress"}, {"id": 11, "label": "2024"}]}', 'Y'
    ),
    (8709134353, 'date4', N'Due Date', 'due_date', 'date', NULL, 'Y'),
    (8709134353, 'text', N'Customer Name', 'customer_name', 'text', NULL, 'Y');

    -- the loader's rows (no batch)
    INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, order_status)
    VALUES (1234567890, 8709134353, N'Order 1001', 'Done'), (1234567891, 8709134353, N'Order 1002', 'Done');
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_StageUpdates.NoTransactionCleanUp
AS
BEGIN
    DECLARE @tables nvarchar(MAX) = N'dbo.MON_UpdateBatch, dbo.STG_MON_CustMasterSchedule, '
        + N'dbo.STG_MON_CustMasterSchedule_Subitems, dbo.MON_RunLog, dbo.MON_Board, '
        + N'dbo.MON_BoardColumn, dbo.MON_BoardGroup, dbo.MON_BoardItem, dbo.MON_ColumnMap';
    EXEC OpusTestHelpers.EmptyFakes @tables = @tables;
    -- the user the permission test makes (with what it was granted and denied)
    IF USER_ID(N'opus_stage_reader') IS NOT NULL
    BEGIN
        DROP USER opus_stage_reader;
    END;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test the owners sample with TOP 1 stages one valid row]
AS
BEGIN
    DECLARE @batch_id varchar(50);
    DECLARE @staged int;
    DECLARE @valid int;

    EXEC dbo.usp_StageUpdates
        @query = N'SELECT TOP (1) monday_item_id, ''In Progress'' AS order_status
                   FROM dbo.STG_MON_CustMasterSchedule
                   WHERE monday_board_id = 8709134353 AND monday_item_id = 1234567890;',
        @board_id = 8709134353,
        @batch_id = @batch_id OUTPUT,
        @rows_staged = @staged OUTPUT,
        @rows_valid = @valid OUTPUT;

    EXEC tSQLt.AssertEquals 1, @staged;
    EXEC tSQLt.AssertEquals 1, @valid;
    DECLARE @fields nvarchar(MAX) = (
        SELECT s.update_fields FROM dbo.STG_MON_CustMasterSchedule AS s
        WHERE s.update_batch_id = @batch_id
    );
    EXEC tSQLt.AssertEqualsString N'{"order_status":"In Progress"}', @fields;
    DECLARE @status varchar(20) = (
        SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = @batch_id
    );
    EXEC tSQLt.AssertEqualsString 'VALIDATED', @status;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test the owners sample with LIMIT 1 is error 50205 and stages nothing]
AS
BEGIN
    DECLARE @error int;
    DECLARE @message nvarchar(4000);
    BEGIN TRY
        EXEC dbo.usp_StageUpdates
            @query = N'SELECT monday_item_id, ''In Progress'' AS order_status FROM dbo.STG_MON_CustMasterSchedule
                       WHERE monday_board_id = 8709134353 AND monday_item_id = 1234567890 LIMIT 1;',
            @board_id = 8709134353;
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
        SET @message = ERROR_MESSAGE();
    END CATCH;
    EXEC tSQLt.AssertEquals 50205, @error;
    EXEC tSQLt.AssertLike N'%TOP (1)%', @message;
    DECLARE @batches int = (SELECT COUNT(*) FROM dbo.MON_UpdateBatch);
    DECLARE @staged int = (
        SELECT COUNT(*) FROM dbo.STG_MON_CustMasterSchedule
        WHERE update_batch_id IS NOT NULL
    );
    EXEC tSQLt.AssertEquals 0, @batches;
    EXEC tSQLt.AssertEquals 0, @staged;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test a query that deletes is error 50210]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50210, @ExpectedMessagePattern = N'%DELETE%';
    EXEC dbo.usp_StageUpdates
        @query = N'SELECT 1 AS monday_item_id DELETE FROM dbo.STG_MON_CustMasterSchedule',
        @board_id = 8709134353;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test two statements are error 50211]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50211;
    EXEC dbo.usp_StageUpdates
        @query = N'SELECT 1 AS monday_item_id; SELECT 2 AS monday_item_id;',
        @board_id = 8709134353;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test an UPDATE without monday_item_id is error 50207]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50207, @ExpectedMessagePattern = N'%monday_item_id%';
    EXEC dbo.usp_StageUpdates @query = N'SELECT ''Done'' AS order_status', @board_id = 8709134353;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test a repeated column is error 50206]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50206;
    EXEC dbo.usp_StageUpdates
        @query = N'SELECT 1 AS monday_item_id, ''a'' AS text, ''b'' AS TEXT',
        @board_id = 8709134353;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test a query that does not parse is error 50203]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50203;
    EXEC dbo.usp_StageUpdates
        @query = N'SELECT monday_item_id FROM dbo.STG_MON_CustMasterSchedule WHERE',
        @board_id = 8709134353;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test CTE ORDER BY NULL and Unicode keep their order and values]
AS
BEGIN
    DECLARE @batch_id varchar(50);
    EXEC dbo.usp_StageUpdates
        @query = N'WITH src AS (
                       SELECT monday_item_id FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id IS NULL
                   )
                   SELECT monday_item_id, N''Ünïcødé 🚀'' AS text, CAST(NULL AS date) AS due_date
                   FROM src ORDER BY monday_item_id DESC;  ',
        @board_id = 8709134353,
        @batch_id = @batch_id OUTPUT;

    SELECT
        s.update_row_no,
        s.monday_item_id,
        s.update_fields
    INTO #Actual
    FROM dbo.STG_MON_CustMasterSchedule AS s
    WHERE s.update_batch_id = @batch_id;
    SELECT TOP (0)
        a.update_row_no,
        a.monday_item_id,
        a.update_fields
    INTO #Expected
    FROM #Actual AS a;
    INSERT INTO #Expected (update_row_no, monday_item_id, update_fields)
    VALUES
    (1, 1234567891, N'{"text":"Ünïcødé 🚀","due_date":null}'),
    (2, 1234567890, N'{"text":"Ünïcødé 🚀","due_date":null}');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test an empty result is error 50217 and creates no batch]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50217, @ExpectedMessagePattern = N'%returned no rows%';
    EXEC dbo.usp_StageUpdates
        @query = N'SELECT monday_item_id, ''Done'' AS order_status FROM dbo.STG_MON_CustMasterSchedule WHERE 1 = 0',
        @board_id = 8709134353;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test a query text over 1000000 characters is error 50216]
AS
BEGIN
    DECLARE @query nvarchar(MAX) = N'SELECT monday_item_id, '''
        + REPLICATE(CAST(N'x' AS nvarchar(MAX)), 1000000)
        + N''' AS text FROM dbo.STG_MON_CustMasterSchedule';
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50216, @ExpectedMessagePattern = N'%at most 1000000%';
    EXEC dbo.usp_StageUpdates @query = @query, @board_id = 8709134353;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test literals and comments of a long query are blanked in one pass]
AS
BEGIN
    DECLARE @batch_id varchar(50);
    DECLARE @staged int;
    DECLARE @query nvarchar(MAX) = N'SELECT /* a /* nested */ DELETE; */ monday_item_id, N'''
        + REPLICATE(CAST(N'é; DROP ' AS nvarchar(MAX)), 100000)
        + N''' AS text -- ; UPDATE' + NCHAR(10)
        + N'FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id IS NULL;';
    DECLARE @started datetime2(3) = SYSUTCDATETIME();
    EXEC dbo.usp_StageUpdates
        @query = @query,
        @board_id = 8709134353,
        @batch_id = @batch_id OUTPUT,
        @rows_staged = @staged OUTPUT;
    EXEC tSQLt.AssertEquals 2, @staged;
    DECLARE @seconds int = DATEDIFF(SECOND, @started, SYSUTCDATETIME());
    IF @seconds > 60
    BEGIN
        EXEC tSQLt.Fail N'staging an 800,000-character query took more than 60 seconds: ', @seconds;
    END;
    DECLARE @blank nvarchar(MAX) = dbo.fn_MON_Private_BlankQueryText(
        N'SELECT ''a;b'', [c;d] -- e;f' + NCHAR(10) + N'1'
    );
    DECLARE @expected nvarchar(MAX) = N'SELECT _____, _____       ' + NCHAR(10) + N'1';
    EXEC tSQLt.AssertEqualsString @expected, @blank;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_StageUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_StageUpdates.[test a user without SELECT on a table cannot read it through staging]
AS
BEGIN
    IF USER_ID(N'opus_stage_reader') IS NULL
    BEGIN
        CREATE USER opus_stage_reader WITHOUT LOGIN;
    END;
    GRANT EXECUTE ON dbo.usp_StageUpdates TO opus_stage_reader;
    DENY SELECT ON dbo.MON_User TO opus_stage_reader;
    DECLARE @error int;
    BEGIN TRY
        EXEC (N'EXEC dbo.usp_StageUpdates @query = N''SELECT user_id AS monday_item_id, email FROM dbo.MON_User'',
                    @board_id = 8709134353;') AS USER = 'opus_stage_reader';
    END TRY
    BEGIN CATCH
        SET @error = ERROR_NUMBER();
    END CATCH;
    EXEC tSQLt.AssertEquals 50204, @error;  -- the user is dropped by NoTransactionCleanUp, whatever happened
END;
GO
