-- fn_MON_Private_QueryParts: where the parts of a blanked query text (fn_MON_Private_BlankQueryText: comments
-- and strings blanked, same positions) lie at parenthesis depth 0, so that usp_StageUpdates can run the
-- caller's query with text of its own placed around it:
--   select_pos  the SELECT (or parenthesis) that starts the final query expression: 1 for a plain SELECT, the
--               first depth-0 SELECT after the CTE list of a WITH query; 0 when there is none
--   tail_pos    where the tail a derived table may not hold starts (length + 1 when none): its ORDER BY
--               (unless a TOP or an OFFSET makes the ORDER BY choose the rows), or else its OPTION clause
--   second_pos  the first depth-0 SELECT after select_pos that no UNION, EXCEPT or INTERSECT joins to the
--               expression: a second statement (T-SQL needs no semicolon between two SELECTs); 0 when none
-- Words inside parentheses (subqueries, CTE bodies, OVER (ORDER BY ...)) are not looked at. Linear in the
-- length of the text: the parenthesis groups are recorded (not blanked with a STUFF of the whole text each),
-- and each search reads a window of at most 4,000 characters from where the last one ended. Twin of the
-- PostgreSQL function.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_QueryParts;
GO
CREATE FUNCTION dbo.fn_MON_Private_QueryParts(@blanked nvarchar(MAX))
RETURNS @parts TABLE (
    select_pos int NOT NULL,
    tail_pos int NOT NULL,
    second_pos int NOT NULL
)
AS
BEGIN
    DECLARE @n int = LEN(@blanked + N'x') - 1;
    -- lower case under a binary collation: the same letters whatever the database's collation (LOWER('I') is a
    -- dotless i under a Turkish one, and UNION would no longer be found)
    DECLARE @top nvarchar(MAX) = LOWER(@blanked COLLATE Latin1_General_100_BIN2);
    DECLARE @i int = 1;
    DECLARE @open int;
    DECLARE @close int;
    DECLARE @depth int = 0;
    DECLARE @group_start int = 0;
    DECLARE @rel int;
    DECLARE @start int;
    DECLARE @len int;
    DECLARE @word nvarchar(128);
    DECLARE @previous nvarchar(128) = N'';
    DECLARE @first nvarchar(128) = NULL;
    DECLARE @select_pos int = 0;
    DECLARE @tail_pos int = 0;
    DECLARE @second_pos int = 0;
    DECLARE @order_pos int = 0;
    DECLARE @order_by_pos int = 0;
    DECLARE @option_pos int = 0;
    DECLARE @words_after_select int = 0;
    DECLARE @keeps_order bit = 0;
    DECLARE @g_open int;
    DECLARE @g_close int;
    DECLARE @g_previous int;
    -- the depth-0 parenthesis groups: the words between open_pos and close_pos are not looked at
    DECLARE @groups TABLE (
        open_pos int NOT NULL PRIMARY KEY,
        close_pos int NOT NULL
    );
    -- identifier characters: ASCII letters, digits, _ @ # $ and every character above U+007F
    DECLARE @word_start nvarchar(40) = N'%[a-z_@#$' + NCHAR(128) + N'-' + NCHAR(65535) + N']%';
    DECLARE @word_end nvarchar(40) = N'%[^a-z0-9_@#$' + NCHAR(128) + N'-' + NCHAR(65535) + N']%';

    -- 1. the depth-0 parenthesis groups
    WHILE @i <= @n
    BEGIN
        SET @open = CHARINDEX(N'(', @top COLLATE Latin1_General_100_BIN2, @i);
        SET @close = CHARINDEX(N')', @top COLLATE Latin1_General_100_BIN2, @i);
        IF @open = 0 AND @close = 0
        BEGIN
            BREAK;
        END;
        IF @open > 0 AND (@close = 0 OR @open < @close)
        BEGIN
            IF @depth = 0 SET @group_start = @open;
            SET @depth = @depth + 1;
            SET @i = @open + 1;
        END
        ELSE
        BEGIN
            IF @depth > 0
            BEGIN
                SET @depth = @depth - 1;
                IF @depth = 0
                BEGIN
                    INSERT INTO @groups (open_pos, close_pos) VALUES (@group_start, @close);
                END;
            END;
            SET @i = @close + 1;
        END;
    END;
    IF @depth > 0
    BEGIN
        -- an unclosed parenthesis: the engine's parser names it; nothing after it is looked at
        INSERT INTO @groups (open_pos, close_pos) VALUES (@group_start, @n + 1);
    END;

    -- a query that starts with a parenthesis, ((SELECT ...) UNION (SELECT ...)) ORDER BY 1: its expression starts
    -- there, and every depth-0 word after it is looked at as after a SELECT (its ORDER BY, OPTION, a second SELECT)
    SET @rel = PATINDEX(N'%[^ ' + NCHAR(9) + NCHAR(10) + NCHAR(13) + N']%', @blanked COLLATE Latin1_General_100_BIN2);
    IF @rel > 0 AND SUBSTRING(@blanked, @rel, 1) = N'('
    BEGIN
        SET @select_pos = @rel;
        SET @first = N'(';
    END;

    -- 2. walk the depth-0 words
    SELECT TOP (1)
        @g_open = g.open_pos,
        @g_close = g.close_pos
    FROM @groups AS g
    ORDER BY g.open_pos;
    SET @i = 1;
    WHILE @i <= @n
    BEGIN
        SET @rel = PATINDEX(@word_start, SUBSTRING(@top, @i, 4000) COLLATE Latin1_General_100_BIN2);
        IF @rel = 0
        BEGIN
            SET @i = @i + 4000;
            CONTINUE;
        END;
        SET @start = @i + @rel - 1;
        -- the groups passed, then a word inside a group: go on after the group
        WHILE @g_open IS NOT NULL AND @g_close < @start
        BEGIN
            SET @g_previous = @g_close;
            SET @g_open = NULL;
            SELECT TOP (1)
                @g_open = g.open_pos,
                @g_close = g.close_pos
            FROM @groups AS g
            WHERE g.open_pos > @g_previous
            ORDER BY g.open_pos;
        END;
        IF @g_open IS NOT NULL AND @start > @g_open
        BEGIN
            SET @i = @g_close + 1;
            CONTINUE;
        END;
        -- the word's end, in windows of 4,000 characters (a blanked string literal is one long word)
        SET @len = 0;
        WHILE 1 = 1
        BEGIN
            SET @rel = PATINDEX(
                @word_end, SUBSTRING(@top, @start + @len, 4000) + N' ' COLLATE Latin1_General_100_BIN2
            ) - 1;
            SET @len = @len + @rel;
            IF @rel < 4000 OR @start + @len > @n
            BEGIN
                BREAK;
            END;
        END;
        SET @word = LEFT(SUBSTRING(@top, @start, @len), 128);
        IF @first IS NULL
        BEGIN
            SET @first = @word;
            IF @word = N'select' SET @select_pos = @start;
        END
        ELSE IF @select_pos = 0
        BEGIN
            IF @first = N'with' AND @word = N'select' SET @select_pos = @start;
        END
        ELSE
        BEGIN
            IF @word = N'select' AND @previous NOT IN (N'union', N'all', N'except', N'intersect')
            BEGIN
                SET @second_pos = @start;
                BREAK;
            END;
            SET @words_after_select = @words_after_select + 1;
            -- a TOP of the first query of a UNION, EXCEPT or INTERSECT does not choose the rows of the whole: the
            -- ORDER BY after the last query orders the whole, and a derived table may not hold it
            IF @word IN (N'union', N'except', N'intersect')
            BEGIN
                SET @keeps_order = 0;
            END;
            -- SELECT [ALL | DISTINCT] TOP (n) ... ORDER BY, and ORDER BY ... OFFSET: a derived table may hold that
            -- ORDER BY (it decides which rows), so it stays in the shape's text
            IF @word = N'top'
                AND (@words_after_select = 1 OR (@words_after_select = 2 AND @previous IN (N'all', N'distinct')))
            BEGIN
                SET @keeps_order = 1;
            END;
            IF @word = N'offset' AND @order_by_pos > 0
            BEGIN
                SET @keeps_order = 1;
            END;
            IF @word = N'by' AND @previous = N'order' AND @order_pos > 0 AND @order_by_pos = 0
            BEGIN
                SET @order_by_pos = @order_pos;
            END;
            IF @word = N'option' AND @option_pos = 0
            BEGIN
                SET @option_pos = @start;
            END;
            SET @order_pos = CASE WHEN @word = N'order' THEN @start ELSE 0 END;
        END;
        SET @previous = @word;
        SET @i = @start + @len;
    END;

    SET @tail_pos = CASE
        WHEN @keeps_order = 0 AND @order_by_pos > 0 THEN @order_by_pos
        ELSE @option_pos
    END;
    INSERT INTO @parts (select_pos, tail_pos, second_pos)
    VALUES (@select_pos, CASE WHEN @tail_pos = 0 THEN @n + 1 ELSE @tail_pos END, @second_pos);
    RETURN;
END;
GO
