-- fn_MON_Private_BlankQueryText: the query text with every comment replaced by spaces and every string
-- literal and quoted identifier by underscores (same length, same positions), so that usp_StageUpdates can
-- look for keywords and statement separators in the code only. T-SQL lexing: -- and nested /* */
-- comments, '...' and N'...' ('' inside), "..." ("" inside) and [...] (]] inside) identifiers.
-- Twin of the PostgreSQL function (PostgreSQL lexing: E'...' and $tag$...$tag$, no [..]).
CREATE OR ALTER FUNCTION dbo.fn_MON_Private_BlankQueryText(@query nvarchar(MAX))
RETURNS nvarchar(MAX)
AS
BEGIN
    IF @query IS NULL
    BEGIN
        RETURN NULL;
    END;
    DECLARE @out nvarchar(MAX) = @query;
    DECLARE @n int = LEN(@query + N'x') - 1;
    DECLARE @i int = 1;
    DECLARE @j int;
    DECLARE @depth int;
    DECLARE @c nchar(1);
    DECLARE @nx nchar(1);
    DECLARE @close nchar(1);

    WHILE @i <= @n
    BEGIN
        SET @c = SUBSTRING(@query, @i, 1);
        SET @nx = SUBSTRING(@query, @i + 1, 1);
        IF @c = N'-' AND @nx = N'-'
        BEGIN
            SET @j = CHARINDEX(NCHAR(10), @query, @i);
            IF @j = 0
            BEGIN
                SET @j = @n + 1;
            END;
            SET @out = STUFF(@out, @i, @j - @i, REPLICATE(CAST(N' ' AS nvarchar(MAX)), @j - @i));
            SET @i = @j;
        END;
        ELSE IF @c = N'/' AND @nx = N'*'
        BEGIN
            SET @depth = 1;
            SET @j = @i + 2;
            WHILE @j <= @n AND @depth > 0
            BEGIN
                IF SUBSTRING(@query, @j, 2) = N'/*'
                BEGIN
                    SET @depth = @depth + 1;
                    SET @j = @j + 2;
                END;
                ELSE IF SUBSTRING(@query, @j, 2) = N'*/'
                BEGIN
                    SET @depth = @depth - 1;
                    SET @j = @j + 2;
                END;
                ELSE
                BEGIN
                    SET @j = @j + 1;
                END;
            END;
            IF @j > @n + 1
            BEGIN
                SET @j = @n + 1;
            END;
            SET @out = STUFF(@out, @i, @j - @i, REPLICATE(CAST(N' ' AS nvarchar(MAX)), @j - @i));
            SET @i = @j;
        END;
        ELSE IF @c IN (N'''', N'"', N'[')
        BEGIN
            SET @close = CASE @c WHEN N'[' THEN N']' ELSE @c END;
            SET @j = @i + 1;
            WHILE @j <= @n
            BEGIN
                IF SUBSTRING(@query, @j, 1) = @close
                BEGIN
                    IF SUBSTRING(@query, @j + 1, 1) = @close
                    BEGIN
                        SET @j = @j + 2;
                    END;
                    ELSE
                    BEGIN
                        SET @j = @j + 1;
                        BREAK;
                    END;
                END;
                ELSE
                BEGIN
                    SET @j = @j + 1;
                END;
            END;
            IF @j > @n + 1
            BEGIN
                SET @j = @n + 1;
            END;
            SET @out = STUFF(@out, @i, @j - @i, REPLICATE(CAST(N'_' AS nvarchar(MAX)), @j - @i));
            SET @i = @j;
        END;
        ELSE
        BEGIN
            SET @i = @i + 1;
        END;
    END;
    RETURN @out;
END;
GO
