-- fn_MON_Private_MapAlias: the board column a query alias maps to - the one definition of the mapping rule,
-- used by dbo.fn_MON_StagedCells, usp_Private_ValidateBatch and usp_ReleaseBatch. The alias equals a
-- column id (exactly, then ignoring case), else its normalised form equals a column's normalised title,
-- else dbo.MON_ColumnMap (the batch's board or the metadata board first, then board_id NULL). Always one
-- row: match_count 0 is unmapped; > 1 ambiguous (column_id NULL). Internal; applied once per distinct
-- alias of a batch. Twin of db/functions/fn_MON_Private_MapAlias.sql.
--   SELECT m.* FROM dbo.fn_MON_Private_MapAlias(1234567890, 1234567890, 'Status') AS m;
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_MapAlias(
    p_board_id bigint, p_metadata_board_id bigint, p_column_alias varchar
)
RETURNS TABLE (column_id varchar, match_kind varchar, match_count int)
LANGUAGE sql
STABLE
AS $$
    WITH cand AS (
        SELECT c.column_id, 1 AS pri, 'ID' AS kind FROM dbo.MON_BoardColumn AS c
        WHERE c.board_id = p_metadata_board_id AND c.column_id = p_column_alias
        UNION ALL
        SELECT c.column_id, 2, 'ID' FROM dbo.MON_BoardColumn AS c
        WHERE c.board_id = p_metadata_board_id AND lower(c.column_id) = lower(p_column_alias)
        UNION ALL
        SELECT c.column_id, 3, 'TITLE' FROM dbo.MON_BoardColumn AS c
        WHERE c.board_id = p_metadata_board_id AND c.normalized_title = dbo.fn_MON_NormalizeTitle(p_column_alias)
        UNION ALL
        SELECT mp.column_id, 4, 'MAP' FROM dbo.MON_ColumnMap AS mp
        INNER JOIN dbo.MON_BoardColumn AS c ON c.board_id = p_metadata_board_id AND c.column_id = mp.column_id
        WHERE mp.board_id IN (p_board_id, p_metadata_board_id) AND lower(mp.source_alias) = lower(p_column_alias)
        UNION ALL
        SELECT mp.column_id, 5, 'MAP' FROM dbo.MON_ColumnMap AS mp
        INNER JOIN dbo.MON_BoardColumn AS c ON c.board_id = p_metadata_board_id AND c.column_id = mp.column_id
        WHERE mp.board_id IS NULL AND lower(mp.source_alias) = lower(p_column_alias)
    ),
    best AS (
        SELECT min(cand.pri) AS pri FROM cand
    )
    -- an aggregate without GROUP BY: one row also when nothing matches (count 0, column_id NULL)
    SELECT (CASE WHEN count(DISTINCT cand.column_id) = 1 THEN min(cand.column_id) END)::varchar,
        min(cand.kind)::varchar,
        count(DISTINCT cand.column_id)::int
    FROM cand
    INNER JOIN best ON cand.pri = best.pri;
$$;
