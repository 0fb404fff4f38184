-- fn_MON_Private_BlankQueryText: the query text with every comment replaced by spaces and every string
-- literal and quoted identifier by underscores (same length, same positions), so that usp_StageUpdates can
-- look for keywords and statement separators in the code only. T-SQL lexing: -- and nested /* */
-- comments, '...' and N'...' ('' inside), "..." ("" inside) and [...] (]] inside) identifiers.
-- Linear in the length of the query: the loop jumps from token to token with CHARINDEX (binary collation),
-- keeping the next position of each opening character until the scan passes it, so every character is
-- searched once; the ranges to blank are collected in a table variable and the result is assembled once
-- with STRING_AGG (no STUFF or concatenation of the whole text per token).
-- Twin of the PostgreSQL function (PostgreSQL lexing: E'...' and $tag$...$tag$, no [..]).
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_BlankQueryText;
GO
CREATE FUNCTION dbo.fn_MON_Private_BlankQueryText(@query nvarchar(MAX))
RETURNS nvarchar(MAX)
AS
BEGIN
    IF @query IS NULL
    BEGIN
        RETURN NULL;
    END;
    DECLARE @n int = LEN(@query + N'x') - 1;
    DECLARE @i int = 1;
    DECLARE @j int;
    DECLARE @k int;
    DECLARE @depth int;
    DECLARE @c nchar(1);
    DECLARE @close nchar(1);
    -- next position at or after the scan of each opening character (@n + 1: none left)
    DECLARE @p_dash int = 0;
    DECLARE @p_slash int = 0;
    DECLARE @p_quote int = 0;
    DECLARE @p_dquote int = 0;
    DECLARE @p_bracket int = 0;
    -- inside block comments: next /* and next */
    DECLARE @p_open int = 0;
    DECLARE @p_close int = 0;
    DECLARE @out nvarchar(MAX);
    DECLARE @ranges TABLE (
        start_pos int NOT NULL PRIMARY KEY,
        end_pos int NOT NULL,
        fill nchar(1) NOT NULL
    );

    WHILE @i <= @n
    BEGIN
        IF @p_dash < @i
        BEGIN
            SET @p_dash = CHARINDEX(N'-', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_dash = 0 SET @p_dash = @n + 1;
        END;
        IF @p_slash < @i
        BEGIN
            SET @p_slash = CHARINDEX(N'/', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_slash = 0 SET @p_slash = @n + 1;
        END;
        IF @p_quote < @i
        BEGIN
            SET @p_quote = CHARINDEX(N'''', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_quote = 0 SET @p_quote = @n + 1;
        END;
        IF @p_dquote < @i
        BEGIN
            SET @p_dquote = CHARINDEX(N'"', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_dquote = 0 SET @p_dquote = @n + 1;
        END;
        IF @p_bracket < @i
        BEGIN
            SET @p_bracket = CHARINDEX(N'[', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_bracket = 0 SET @p_bracket = @n + 1;
        END;
        SET @k = @p_dash;
        IF @p_slash < @k SET @k = @p_slash;
        IF @p_quote < @k SET @k = @p_quote;
        IF @p_dquote < @k SET @k = @p_dquote;
        IF @p_bracket < @k SET @k = @p_bracket;
        IF @k > @n
        BEGIN
            BREAK;
        END;
        SET @c = SUBSTRING(@query, @k, 1);
        IF UNICODE(@c) = 45 AND UNICODE(SUBSTRING(@query, @k + 1, 1)) = 45
        BEGIN
            -- -- comment: up to the end of the line
            SET @j = CHARINDEX(NCHAR(10), @query COLLATE Latin1_General_100_BIN2, @k);
            IF @j = 0 SET @j = @n + 1;
            INSERT INTO @ranges (start_pos, end_pos, fill) VALUES (@k, @j, N' ');
            SET @i = @j;
        END;
        ELSE IF UNICODE(@c) = 47 AND UNICODE(SUBSTRING(@query, @k + 1, 1)) = 42
        BEGIN
            -- /* comment */, nested: jump from one /* or */ to the next
            SET @depth = 1;
            SET @j = @k + 2;
            WHILE @j <= @n AND @depth > 0
            BEGIN
                IF @p_open < @j
                BEGIN
                    SET @p_open = CHARINDEX(N'/*', @query COLLATE Latin1_General_100_BIN2, @j);
                    IF @p_open = 0 SET @p_open = @n + 1;
                END;
                IF @p_close < @j
                BEGIN
                    SET @p_close = CHARINDEX(N'*/', @query COLLATE Latin1_General_100_BIN2, @j);
                    IF @p_close = 0 SET @p_close = @n + 1;
                END;
                IF @p_close > @n
                BEGIN
                    SET @j = @n + 1;
                END;
                ELSE IF @p_open < @p_close
                BEGIN
                    SET @depth = @depth + 1;
                    SET @j = @p_open + 2;
                END;
                ELSE
                BEGIN
                    SET @depth = @depth - 1;
                    SET @j = @p_close + 2;
                END;
            END;
            IF @j > @n + 1 SET @j = @n + 1;
            INSERT INTO @ranges (start_pos, end_pos, fill) VALUES (@k, @j, N' ');
            SET @i = @j;
        END;
        ELSE IF UNICODE(@c) IN (39, 34, 91)
        BEGIN
            -- 'string', "identifier", [identifier]: a doubled closing character stays inside
            SET @close = CASE UNICODE(@c) WHEN 91 THEN N']' ELSE @c END;
            SET @j = @k + 1;
            WHILE 1 = 1
            BEGIN
                SET @j = CHARINDEX(@close, @query COLLATE Latin1_General_100_BIN2, @j);
                IF @j = 0
                BEGIN
                    SET @j = @n + 1;
                    BREAK;
                END;
                IF @j < @n AND UNICODE(SUBSTRING(@query, @j + 1, 1)) = UNICODE(@close)
                BEGIN
                    SET @j = @j + 2;
                END;
                ELSE
                BEGIN
                    SET @j = @j + 1;
                    BREAK;
                END;
            END;
            IF @j > @n + 1 SET @j = @n + 1;
            INSERT INTO @ranges (start_pos, end_pos, fill) VALUES (@k, @j, N'_');
            SET @i = @j;
        END;
        ELSE
        BEGIN
            -- a lone - or /: code
            SET @i = @k + 1;
        END;
    END;

    IF NOT EXISTS (SELECT 1 FROM @ranges)
    BEGIN
        RETURN @query;
    END;
    -- the code between the ranges, each range blanked, the code after the last one: in one pass
    WITH r AS (
        SELECT
            rg.start_pos,
            rg.end_pos,
            rg.fill,
            LAG(rg.end_pos, 1, 1) OVER (ORDER BY rg.start_pos ASC) AS prev_end
        FROM @ranges AS rg
    ),

    piece AS (
        SELECT
            r.start_pos * 2 - 1 AS ord,
            SUBSTRING(@query, r.prev_end, r.start_pos - r.prev_end) AS txt
        FROM r
        WHERE r.start_pos > r.prev_end
        UNION ALL
        SELECT
            r.start_pos * 2 AS ord,
            REPLICATE(CAST(r.fill AS nvarchar(MAX)), r.end_pos - r.start_pos) AS txt
        FROM r
        UNION ALL
        SELECT
            (@n + 1) * 2 AS ord,
            SUBSTRING(@query, MAX(r.end_pos), @n + 1 - MAX(r.end_pos)) AS txt
        FROM r
        HAVING MAX(r.end_pos) <= @n
    )

    SELECT @out = STRING_AGG(CAST(piece.txt AS nvarchar(MAX)), N'') WITHIN GROUP (ORDER BY piece.ord ASC)
    FROM piece;
    RETURN @out;
END;
GO
