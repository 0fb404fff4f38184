-- fn_MON_Private_ClosestColumns: up to three columns of a board that look most like a query alias, as
-- 'column_id (Title), ...' for validation messages (NULL when nothing is alike). Likeness: how many
-- distinct two-letter pieces of the normalised alias occur in the column's normalised title or id.
-- Twin of db/functions/fn_MON_Private_ClosestColumns.sql (same score, same order: score, then column id).
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_ClosestColumns(p_board_id bigint, p_alias text)
RETURNS text
LANGUAGE sql
STABLE
AS $$
    WITH a AS (
        SELECT coalesce(dbo.fn_MON_NormalizeTitle(p_alias), '') AS na
    ),
    g AS (
        SELECT DISTINCT substr(a.na, i, 2) AS bg
        FROM a CROSS JOIN generate_series(1, greatest(length(a.na) - 1, 1)) AS i
        WHERE length(a.na) >= 2
    ),
    s AS (
        SELECT c.column_id, c.title,
            (SELECT count(*) FROM g WHERE strpos(c.normalized_title, g.bg) > 0 OR strpos(lower(c.column_id), g.bg) > 0) AS score
        FROM dbo.MON_BoardColumn AS c
        WHERE c.board_id = p_board_id
    ),
    top3 AS (
        SELECT s.column_id, s.title, s.score FROM s WHERE s.score > 0 ORDER BY s.score DESC, s.column_id LIMIT 3
    )
    SELECT string_agg(top3.column_id || ' (' || top3.title || ')', ', ' ORDER BY top3.score DESC, top3.column_id)
    FROM top3;
$$;
