-- fn_MON_Private_MapAlias: the board column a query alias maps to - the one definition of the mapping rule,
-- used by dbo.fn_MON_StagedCells, usp_Private_ValidateBatch and usp_ReleaseBatch. The alias equals a
-- column id (exactly, then ignoring case), else its normalised form equals a column's normalised title,
-- else dbo.MON_ColumnMap (the batch's board or the metadata board first, then board_id NULL). Always one
-- row: match_count 0 is unmapped; > 1 ambiguous (column_id NULL).
-- "Exactly" and "ignoring case" do not depend on the database's collation, as in the PostgreSQL twin: a
-- binary compare of equal lengths, of the LOWER of both sides for "ignoring case" (an accent-, width- or
-- kana-insensitive collation would otherwise map 'Ｓｔａｔｕｓ' or 'státus' to the column 'status').
-- Internal; inline, applied once per distinct alias of a batch. Twin of
-- db/postgres/functions/fn_MON_Private_MapAlias.sql.
--   SELECT m.* FROM dbo.fn_MON_Private_MapAlias(1234567890, 1234567890, N'Status') AS m;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_MapAlias;
GO
CREATE FUNCTION dbo.fn_MON_Private_MapAlias(
    @board_id bigint,
    @metadata_board_id bigint,
    @column_alias nvarchar(255)
)
RETURNS TABLE -- noqa: CP05
AS
RETURN (
    WITH candidate AS (
        SELECT
            c.column_id,
            1 AS pri,
            'ID' AS match_kind
        FROM dbo.MON_BoardColumn AS c
        WHERE
            c.board_id = @metadata_board_id AND @column_alias = c.column_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(@column_alias) = DATALENGTH(CAST(c.column_id AS nvarchar(100)))
        UNION ALL
        SELECT
            c.column_id,
            2 AS pri,
            'ID' AS match_kind
        FROM dbo.MON_BoardColumn AS c
        WHERE
            c.board_id = @metadata_board_id
            AND LOWER(@column_alias COLLATE Latin1_General_100_BIN2)
            = LOWER(c.column_id COLLATE Latin1_General_100_BIN2)
            AND DATALENGTH(@column_alias) = DATALENGTH(CAST(c.column_id AS nvarchar(100)))
        UNION ALL
        SELECT
            c.column_id,
            3 AS pri,
            'TITLE' AS match_kind
        FROM dbo.MON_BoardColumn AS c
        WHERE c.board_id = @metadata_board_id AND c.normalized_title = dbo.fn_MON_NormalizeTitle(@column_alias)
        UNION ALL
        SELECT
            mp.column_id,
            CASE WHEN mp.board_id IS NULL THEN 5 ELSE 4 END AS pri,
            'MAP' AS match_kind
        FROM dbo.MON_ColumnMap AS mp
        INNER JOIN dbo.MON_BoardColumn AS c
            ON
                c.board_id = @metadata_board_id AND mp.column_id = c.column_id COLLATE Latin1_General_100_BIN2
                AND DATALENGTH(mp.column_id) = DATALENGTH(c.column_id)
        WHERE
            LOWER(@column_alias COLLATE Latin1_General_100_BIN2)
            = LOWER(mp.source_alias COLLATE Latin1_General_100_BIN2)
            AND DATALENGTH(@column_alias) = DATALENGTH(mp.source_alias)
            AND (mp.board_id IS NULL OR mp.board_id IN (@board_id, @metadata_board_id))
    ),

    best AS (
        SELECT MIN(candidate.pri) AS pri
        FROM candidate
    )

    -- an aggregate without GROUP BY: one row also when nothing matches (count 0, column_id NULL)
    SELECT
        CASE WHEN COUNT(DISTINCT candidate.column_id) = 1 THEN MIN(candidate.column_id) END AS column_id,
        MIN(candidate.match_kind) AS match_kind,
        COUNT(DISTINCT candidate.column_id) AS match_count
    FROM candidate
    INNER JOIN best ON candidate.pri = best.pri
);
GO
