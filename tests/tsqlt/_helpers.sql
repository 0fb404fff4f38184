-- Helpers shared by the tSQLt classes of this folder (installed before them: scripts/run_tsqlt.py loads the
-- files in name order). A class of its own, so that tSQLt.DropClass removes it; it holds no test.
EXEC tSQLt.NewTestClass 'OpusTestHelpers';
GO

-- EmptyFakes: called by the NoTransactionCleanUp procedure of each class, after a test that ran outside
-- tSQLt's transaction (--[@tSQLt:NoTransaction]) and before tSQLt drops the fakes of SetUp and puts the
-- real tables back. Deletes every row of the listed tables while they are the fakes (a fake has no index;
-- every real table of the project has one, so a real table is never emptied), so that no row a procedure
-- committed during the test can outlive it, even if undoing a fake fails.
--   EXEC OpusTestHelpers.EmptyFakes @tables = N'dbo.MON_UpdateBatch, dbo.MON_RunLog';
CREATE PROCEDURE OpusTestHelpers.EmptyFakes
    @tables nvarchar(MAX)
AS
BEGIN
    DECLARE @sql nvarchar(MAX);
    SELECT
        @sql = STRING_AGG(
            CONVERT(nvarchar(MAX), N'DELETE FROM ' + QUOTENAME(PARSENAME(t.table_name, 2)) + N'.'
            + QUOTENAME(PARSENAME(t.table_name, 1)) + N';'), N' '
        )
    FROM (
        SELECT LTRIM(RTRIM(s.value)) AS table_name
        FROM STRING_SPLIT(@tables, N',') AS s
    ) AS t
    WHERE
        OBJECT_ID(t.table_name, N'U') IS NOT NULL
        AND NOT EXISTS (
            SELECT 1
            FROM sys.indexes AS i
            WHERE i.object_id = OBJECT_ID(t.table_name) AND i.index_id > 0
        );
    IF @sql IS NOT NULL
    BEGIN
        EXEC sys.sp_executesql @sql;
    END;
END;
GO

-- AssertRunLog: the one call of @proc_name in dbo.MON_RunLog (faked by the class, with @Identity and
-- @Defaults) closed with @outcome and @rows_affected: the count a procedure's summary result set reports,
-- read without capturing that result set. A procedure that commits its own work cannot be called through
-- INSERT ... EXEC (inside it, it runs in the INSERT statement's transaction and refuses it with 50960), so
-- the tests call it directly and assert on the tables, OUTPUT parameters and this row.
--   EXEC OpusTestHelpers.AssertRunLog @proc_name = N'usp_CancelBatch', @outcome = 'SUCCEEDED', @rows_affected = 2;
CREATE PROCEDURE OpusTestHelpers.AssertRunLog
    @proc_name nvarchar(128),
    @outcome varchar(20),
    @rows_affected int
AS
BEGIN
    DECLARE @calls int, @got_outcome varchar(20), @got_rows int;
    SELECT
        @calls = COUNT(*),
        @got_outcome = MAX(r.outcome),
        @got_rows = MAX(r.rows_affected)
    FROM dbo.MON_RunLog AS r
    WHERE r.proc_name = @proc_name;
    DECLARE @what nvarchar(200) = CONCAT(N'dbo.MON_RunLog rows of ', @proc_name);
    EXEC tSQLt.AssertEquals @Expected = 1, @Actual = @calls, @Message = @what;
    SET @what = CONCAT(N'dbo.MON_RunLog.outcome of ', @proc_name);
    EXEC tSQLt.AssertEqualsString @Expected = @outcome, @Actual = @got_outcome, @Message = @what;
    SET @what = CONCAT(N'dbo.MON_RunLog.rows_affected of ', @proc_name);
    EXEC tSQLt.AssertEquals @Expected = @rows_affected, @Actual = @got_rows, @Message = @what;
END;
GO
