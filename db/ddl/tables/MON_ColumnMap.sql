-- MON_ColumnMap: query aliases that are neither a column id nor a column title, mapped to a column id
-- per board (board_id NULL: any board). Looked up after the id and the normalised title.
IF OBJECT_ID(N'dbo.MON_ColumnMap', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_ColumnMap (
        map_id int IDENTITY (1, 1) NOT NULL,
        board_id bigint NULL,
        source_alias nvarchar(128) NOT NULL,
        column_id varchar(100) NOT NULL,
        created_at datetime2(3) NOT NULL CONSTRAINT DF_MON_ColumnMap_created_at DEFAULT (SYSUTCDATETIME()),
        created_by nvarchar(128) NOT NULL CONSTRAINT DF_MON_ColumnMap_created_by DEFAULT (ORIGINAL_LOGIN()),
        CONSTRAINT PK_MON_ColumnMap PRIMARY KEY CLUSTERED (map_id),
        CONSTRAINT UQ_MON_ColumnMap_board_alias UNIQUE (board_id, source_alias)
    );
END;
GO
-- one mapping per board and alias: the UNIQUE constraint treats NULLs as equal (one any-board mapping per
-- alias) and compares the alias under the database collation; the lookup (fn_MON_StagedCells) compares
-- LOWER(alias), and so does the PostgreSQL twin's unique index. Under a case-sensitive database collation
-- the constraint would let 'Foo' in beside 'foo': such rows refuse the install (50958), naming them, as on
-- PostgreSQL; they are kept.
DECLARE @duplicates nvarchar(MAX) = (
    SELECT STRING_AGG(CONVERT(nvarchar(MAX), CONCAT(COALESCE(CONVERT(nvarchar(20), d.board_id), N'any board'),
        N' / ', d.alias, N' (map_id ', d.ids, N')')), N'; ')
    FROM (
        SELECT
            m.board_id,
            MIN(m.source_alias) AS alias,
            STRING_AGG(CONVERT(nvarchar(MAX), m.map_id), N', ') AS ids
        FROM dbo.MON_ColumnMap AS m
        GROUP BY m.board_id, LOWER(m.source_alias)
        HAVING COUNT(*) > 1
    ) AS d
);
IF @duplicates IS NOT NULL
BEGIN
    DECLARE @msg nvarchar(2048) = LEFT(CONCAT(
        N'OPUS install refused, nothing was changed: dbo.MON_ColumnMap maps the same alias (ignoring case) on',
        N' the same board, or on any board, more than once: ', @duplicates, N'. Keep one mapping of each (DELETE',
        N' FROM dbo.MON_ColumnMap WHERE map_id IN (...)), then run the install again.'
    ), 2048);
    THROW 50958, @msg, 1;
END;
GO
