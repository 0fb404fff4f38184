-- fn_MON_Private_ClosestColumns: up to three columns of a board that look most like a query alias, as
-- 'column_id (Title), ...' for validation messages (NULL when nothing is alike). Likeness: how many
-- distinct two-letter pieces of the normalised alias occur in the column's normalised title or id.
-- Same score and order (score, then column id) as the PostgreSQL twin.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ClosestColumns;
GO
CREATE FUNCTION dbo.fn_MON_Private_ClosestColumns(
    @board_id bigint,
    @alias nvarchar(4000)
)
RETURNS nvarchar(4000)
AS
BEGIN
    DECLARE @na varchar(255) = COALESCE(dbo.fn_MON_NormalizeTitle(@alias), '');
    DECLARE @result nvarchar(4000);

    WITH digits AS (
        SELECT d.n FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS d(n)
    ),

    tally AS (
        SELECT a.n * 100 + b.n * 10 + c.n + 1 AS i
        FROM digits AS a CROSS JOIN digits AS b CROSS JOIN digits AS c
    ),

    bigram AS (
        SELECT DISTINCT SUBSTRING(@na, tally.i, 2) AS bg
        FROM tally
        WHERE tally.i < LEN(@na)
    ),

    scored AS (
        SELECT
            bc.column_id,
            bc.title,
            (
                SELECT COUNT(*)
                FROM bigram
                WHERE CHARINDEX(bigram.bg, bc.normalized_title) > 0 OR CHARINDEX(bigram.bg, LOWER(bc.column_id)) > 0
            ) AS score
        FROM dbo.MON_BoardColumn AS bc
        WHERE bc.board_id = @board_id
    ),

    top3 AS (
        SELECT TOP (3)
            scored.column_id,
            scored.title,
            scored.score
        FROM scored
        WHERE scored.score > 0
        ORDER BY scored.score DESC, scored.column_id ASC
    )

    SELECT @result = STRING_AGG(CAST(CONCAT(top3.column_id, N' (', top3.title, N')') AS nvarchar(4000)), N', ')
    WITHIN GROUP (ORDER BY top3.score DESC, top3.column_id ASC)
    FROM top3;

    RETURN @result;
END;
GO
