-- fn_MON_NormalizeTitle: a column title or query alias in its comparable form: lower case, every run of
-- characters other than a-z and 0-9 replaced by one underscore, leading/trailing underscores removed
-- ("Order Status" -> order_status, " Due Date (UTC) " -> due_date_utc). NULL stays NULL.
-- Only ASCII letters and digits are kept (same rule as the PostgreSQL twin).
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_NormalizeTitle;
GO
CREATE FUNCTION dbo.fn_MON_NormalizeTitle(
    @title nvarchar(4000)
)
RETURNS varchar(255)
WITH SCHEMABINDING
AS
BEGIN
    IF @title IS NULL
    BEGIN
        RETURN NULL;
    END;
    DECLARE @s nvarchar(4000) = LOWER(@title);
    DECLARE @out varchar(4000) = '';
    DECLARE @i int = 1;
    DECLARE @n int = LEN(@s + N'x') - 1;
    DECLARE @c nchar(1);
    DECLARE @pending bit = 0;

    WHILE @i <= @n
    BEGIN
        SET @c = SUBSTRING(@s, @i, 1);
        IF (UNICODE(@c) BETWEEN 97 AND 122) OR (UNICODE(@c) BETWEEN 48 AND 57)
        BEGIN
            IF @pending = 1 AND LEN(@out) > 0
            BEGIN
                SET @out = @out + '_';
            END;
            SET @out = @out + CHAR(UNICODE(@c));
            SET @pending = 0;
        END;
        ELSE
        BEGIN
            SET @pending = 1;
        END;
        SET @i = @i + 1;
    END;
    RETURN LEFT(@out, 255);
END;
GO
