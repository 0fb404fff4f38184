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
