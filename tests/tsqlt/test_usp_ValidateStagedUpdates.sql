-- tSQLt class test_usp_ValidateStagedUpdates: mirrors tests/contract/test_validate.py. SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_ValidateStagedUpdates';
EXEC tSQLt.NewTestClass 'test_usp_ValidateStagedUpdates';
GO

CREATE PROCEDURE test_usp_ValidateStagedUpdates.SetUp
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
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_User', @Defaults = 1;

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
    (8709134353, 'numbers', N'Quantity', 'quantity', 'numbers', NULL, 'Y'),
    (8709134353, 'formula', N'Total', 'total', 'formula', NULL, 'N');

    INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, rows_staged)
    VALUES ('B1', 8709134353, 'ITEMS', 'UPDATE', 'STAGED', 4);
    INSERT INTO dbo.STG_MON_CustMasterSchedule (
        monday_item_id, monday_board_id, update_operation, update_fields, update_batch_id, update_row_no,
        validation_status
    )
    VALUES
    (1001, 8709134353, 'UPDATE', N'{"order_status":"2024","due_date":"2026-06-15 09:30"}', 'B1', 1, 'PENDING'),
    (1002, 8709134353, 'UPDATE', N'{"order_status":"Finished","quantity":"1,000"}', 'B1', 2, 'PENDING'),
    (1003, 8709134353, 'UPDATE', N'{"Total":"1","bogus":"x"}', 'B1', 3, 'PENDING'),
    (NULL, 8709134353, 'UPDATE', N'{"status":"Done"}', 'B1', 4, 'PENDING');
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_ValidateStagedUpdates.NoTransactionCleanUp
AS
BEGIN
    DECLARE @tables nvarchar(MAX) = N'dbo.MON_UpdateBatch, dbo.STG_MON_CustMasterSchedule, '
        + N'dbo.STG_MON_CustMasterSchedule_Subitems, dbo.MON_RunLog, dbo.MON_Board, '
        + N'dbo.MON_BoardColumn, dbo.MON_BoardGroup, dbo.MON_BoardItem, dbo.MON_ColumnMap, '
        + N'dbo.MON_User';
    EXEC OpusTestHelpers.EmptyFakes @tables = @tables;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ValidateStagedUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ValidateStagedUpdates.[test each row gets its status and its errors]
AS
BEGIN
    EXEC dbo.usp_ValidateStagedUpdates @batch_id = 'B1';

    SELECT
        s.update_row_no,
        s.validation_status
    INTO #Actual
    FROM dbo.STG_MON_CustMasterSchedule AS s
    WHERE s.update_batch_id = 'B1';
    SELECT TOP (0)
        a.update_row_no,
        a.validation_status
    INTO #Expected
    FROM #Actual AS a;
    INSERT INTO #Expected (update_row_no, validation_status)
    VALUES (1, 'VALID'), (2, 'INVALID'), (3, 'INVALID'), (4, 'INVALID');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';

    SELECT
        v.update_row_no,
        v.rule_code,
        v.column_id
    INTO #ActualErrors
    FROM dbo.vw_MON_ValidationErrors AS v
    WHERE v.batch_id = 'B1';
    SELECT TOP (0)
        a.update_row_no,
        a.rule_code,
        a.column_id
    INTO #ExpectedErrors
    FROM #ActualErrors AS a;
    INSERT INTO #ExpectedErrors (update_row_no, rule_code, column_id)
    VALUES
    (2, 'NUMBER_FORMAT', N'quantity'), (2, 'STATUS_LABEL', N'order_status'),
    (3, 'COLUMN_EXISTS', N'bogus'), (3, 'COLUMN_WRITABLE', N'Total'), (4, 'KEY_ITEM_ID', NULL);
    EXEC tSQLt.AssertEqualsTable '#ExpectedErrors', '#ActualErrors';

    DECLARE @valid int = (
        SELECT b.rows_valid FROM dbo.MON_UpdateBatch AS b
        WHERE b.batch_id = 'B1'
    );
    EXEC tSQLt.AssertEquals 1, @valid;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ValidateStagedUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ValidateStagedUpdates.[test disabling a rule changes the outcome]
AS
BEGIN
    UPDATE dbo.MON_ValidationRule
    SET is_enabled = 'N'
    WHERE rule_code IN ('STATUS_LABEL', 'NUMBER_FORMAT');

    EXEC dbo.usp_ValidateStagedUpdates @batch_id = 'B1';

    DECLARE @status varchar(20) = (
        SELECT s.validation_status FROM dbo.STG_MON_CustMasterSchedule AS s
        WHERE s.update_batch_id = 'B1' AND s.update_row_no = 2
    );
    EXEC tSQLt.AssertEqualsString 'VALID', @status;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ValidateStagedUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ValidateStagedUpdates.[test a board without metadata names the sync command]
AS
BEGIN
    DELETE FROM dbo.MON_Board;
    EXEC dbo.usp_ValidateStagedUpdates @batch_id = 'B1';
    DECLARE @errors nvarchar(MAX) = (
        SELECT s.validation_errors FROM dbo.STG_MON_CustMasterSchedule AS s
        WHERE s.update_batch_id = 'B1' AND s.update_row_no = 1
    );
    EXEC tSQLt.AssertLike N'%BOARD_METADATA%opus-sender sync-board --board-id 8709134353%', @errors;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ValidateStagedUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ValidateStagedUpdates.[test a text value over 2000 characters is TEXT_LENGTH]
AS
BEGIN
    INSERT INTO dbo.MON_BoardColumn (
        board_id, column_id, title, normalized_title, column_type, settings_json, is_writable
    )
    VALUES (8709134353, 'text', N'Customer Name', 'customer_name', 'text', NULL, 'Y');
    INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, rows_staged)
    VALUES ('B2', 8709134353, 'ITEMS', 'UPDATE', 'STAGED', 2);
    INSERT INTO dbo.STG_MON_CustMasterSchedule (
        monday_item_id, monday_board_id, update_operation, update_fields, update_batch_id, update_row_no,
        validation_status
    )
    VALUES
    (
        1001, 8709134353, 'UPDATE',
        N'{"text":"' + REPLICATE(CAST(N'x' AS nvarchar(MAX)), 2000) + N'"}', 'B2', 1, 'PENDING'
    ),
    (
        1002, 8709134353, 'UPDATE',
        N'{"Customer Name":"' + REPLICATE(CAST(N'x' AS nvarchar(MAX)), 1048576) + N'"}', 'B2', 2, 'PENDING'
    );

    EXEC dbo.usp_ValidateStagedUpdates @batch_id = 'B2';

    SELECT
        v.update_row_no,
        v.rule_code,
        v.column_id
    INTO #Actual
    FROM dbo.vw_MON_ValidationErrors AS v
    WHERE v.batch_id = 'B2';
    SELECT TOP (0)
        a.update_row_no,
        a.rule_code,
        a.column_id
    INTO #Expected
    FROM #Actual AS a;
    INSERT INTO #Expected (update_row_no, rule_code, column_id) VALUES (2, 'TEXT_LENGTH', N'Customer Name');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';
    DECLARE @errors nvarchar(MAX) = (
        SELECT s.validation_errors FROM dbo.STG_MON_CustMasterSchedule AS s
        WHERE s.update_batch_id = 'B2' AND s.update_row_no = 2
    );
    EXEC tSQLt.AssertLike N'%1048576 characters; at most 2000%', @errors;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ValidateStagedUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ValidateStagedUpdates.[test an unknown batch is error 50302]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50302;
    EXEC dbo.usp_ValidateStagedUpdates @batch_id = 'NO-SUCH-BATCH';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ValidateStagedUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ValidateStagedUpdates.[test a released batch is error 50303]
AS
BEGIN
    UPDATE dbo.MON_UpdateBatch
    SET batch_status = 'READY'
    WHERE batch_id = 'B1';
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50303;
    EXEC dbo.usp_ValidateStagedUpdates @batch_id = 'B1';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_ValidateStagedUpdates.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_ValidateStagedUpdates.[test staged rows that vanished are error 50304]
AS
BEGIN
    DELETE FROM dbo.STG_MON_CustMasterSchedule;
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50304;
    EXEC dbo.usp_ValidateStagedUpdates @batch_id = 'B1';
END;
GO
