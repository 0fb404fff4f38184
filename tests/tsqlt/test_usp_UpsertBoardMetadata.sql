-- tSQLt class test_usp_UpsertBoardMetadata: mirrors tests/contract/test_board_metadata.py. SQL Server only:
--   EXEC tSQLt.RunTestClass 'test_usp_UpsertBoardMetadata';
EXEC tSQLt.NewTestClass 'test_usp_UpsertBoardMetadata';
GO

CREATE PROCEDURE test_usp_UpsertBoardMetadata.SetUp
AS
BEGIN
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_Board', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_BoardColumn', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_BoardGroup', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_BoardItem', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_User', @Defaults = 1;
    EXEC tSQLt.FakeTable @TableName = N'dbo.MON_RunLog', @Identity = 1, @Defaults = 1;
END;
GO

-- After each test of this class marked --[@tSQLt:NoTransaction] (tests/tsqlt/README.md): removes what
-- the test made besides tSQLt's own test doubles.
CREATE PROCEDURE test_usp_UpsertBoardMetadata.NoTransactionCleanUp
AS
BEGIN
    DECLARE @tables nvarchar(MAX) = N'dbo.MON_Board, dbo.MON_BoardColumn, dbo.MON_BoardGroup, dbo.MON_BoardItem, '
        + N'dbo.MON_User, dbo.MON_RunLog';
    EXEC OpusTestHelpers.EmptyFakes @tables = @tables;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_UpsertBoardMetadata.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_UpsertBoardMetadata.[test columns groups users and the subitems link are stored]
AS
BEGIN
    EXEC dbo.usp_UpsertBoardMetadata @board_json = N'{"id": "8709134353", "name": "Planning", "board_kind": "public",
        "columns": [
            {"id": "status", "title": "Order Status", "type": "status",
             "settings": {"labels": [{"id": 7, "label": "In Progress"}]}},
            {"id": "dropdown", "title": "Product Line", "type": "dropdown",
             "settings": "{\"labels\": [{\"id\": 1, \"name\": \"Cookie\"}]}"},
            {"id": "formula", "title": "Total", "type": "formula", "settings": {}},
            {"id": "subtasks", "title": "Subitems", "type": "subtasks", "settings": {"boardIds": [8709134354]}}],
        "groups": [{"id": "topics", "title": "This week"}],
        "users": [{"id": "4616627", "name": "Pat", "email": "pat@example.com"}],
        "teams": [{"id": "51166", "name": "Planning team"}]}';

    SELECT
        c.column_id,
        c.normalized_title,
        c.is_writable
    INTO #Actual
    FROM dbo.MON_BoardColumn AS c;
    SELECT TOP (0)
        a.column_id,
        a.normalized_title,
        a.is_writable
    INTO #Expected
    FROM #Actual AS a;
    INSERT INTO #Expected (column_id, normalized_title, is_writable)
    VALUES
    ('status', 'order_status', 'Y'), ('dropdown', 'product_line', 'Y'), ('formula', 'total', 'N'),
    ('subtasks', 'subitems', 'N');
    EXEC tSQLt.AssertEqualsTable '#Expected', '#Actual';

    DECLARE @sub bigint = (SELECT b.subitems_board_id FROM dbo.MON_Board AS b);
    EXEC tSQLt.AssertEquals 8709134354, @sub;
    DECLARE @legacy nvarchar(MAX) = (
        SELECT c.settings_json FROM dbo.MON_BoardColumn AS c
        WHERE c.column_id = 'dropdown'
    );
    EXEC tSQLt.AssertLike N'%Cookie%', @legacy;
    DECLARE @people int = (SELECT COUNT(*) FROM dbo.MON_User);
    EXEC tSQLt.AssertEquals 2, @people;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_UpsertBoardMetadata.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_UpsertBoardMetadata.[test a resync deletes columns no longer on the board]
AS
BEGIN
    EXEC dbo.usp_UpsertBoardMetadata @board_json = N'{"id": "1", "name": "B", "columns": [
        {"id": "a", "title": "A", "type": "text"}, {"id": "b", "title": "B", "type": "text"}]}';
    EXEC dbo.usp_UpsertBoardMetadata @board_json = N'{"id": "1", "name": "B", "columns": [
        {"id": "a", "title": "A renamed", "type": "text"}]}';
    DECLARE @columns int = (SELECT COUNT(*) FROM dbo.MON_BoardColumn);
    DECLARE @title nvarchar(255) = (SELECT c.title FROM dbo.MON_BoardColumn AS c);
    EXEC tSQLt.AssertEquals 1, @columns;
    EXEC tSQLt.AssertEqualsString N'A renamed', @title;
END;
GO

--[@tSQLt:NoTransaction]('test_usp_UpsertBoardMetadata.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_UpsertBoardMetadata.[test text that is not a JSON object is error 50101]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50101;
    EXEC dbo.usp_UpsertBoardMetadata @board_json = N'not json';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_UpsertBoardMetadata.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_UpsertBoardMetadata.[test a board without a numeric id is error 50102]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50102;
    EXEC dbo.usp_UpsertBoardMetadata @board_json = N'{"id": "abc", "name": "B", "columns": []}';
END;
GO

--[@tSQLt:NoTransaction]('test_usp_UpsertBoardMetadata.NoTransactionCleanUp')
CREATE PROCEDURE test_usp_UpsertBoardMetadata.[test a column without a type is error 50105]
AS
BEGIN
    EXEC tSQLt.ExpectException @ExpectedErrorNumber = 50105, @ExpectedMessagePattern = N'%status%';
    EXEC dbo.usp_UpsertBoardMetadata
        @board_json = N'{"id": "1", "name": "B", "columns": [{"id": "status", "title": "S"}]}';
END;
GO
