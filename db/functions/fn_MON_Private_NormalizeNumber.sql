-- fn_MON_Private_NormalizeNumber: a number given as text in its canonical text form, or NULL when the text
-- is not a plain decimal number. Accepted: optional sign, digits, optional decimal point (no thousands
-- separators, no exponent), surrounding spaces; at most 28 integer digits; rounded to 10 decimals;
-- trailing zeros removed ('12.5000' -> '12.5', '+007' -> '7', '-0.0' -> '0').
-- Same rules as the PostgreSQL twin (db/postgres/functions/fn_MON_Private_NormalizeNumber.sql).
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NormalizeNumber;
GO
CREATE FUNCTION dbo.fn_MON_Private_NormalizeNumber(
    @value nvarchar(4000)
)
RETURNS varchar(60)
WITH SCHEMABINDING
AS
BEGIN
    DECLARE @v nvarchar(4000) = LTRIM(RTRIM(@value));
    DECLARE @body nvarchar(4000);
    DECLARE @d decimal(38, 10);
    DECLARE @s varchar(60);

    IF @v IS NULL OR LEN(@v) = 0
    BEGIN
        RETURN NULL;
    END;
    SET @body = CASE WHEN LEFT(@v, 1) IN (N'+', N'-') THEN SUBSTRING(@v, 2, 4000) ELSE @v END;
    -- digits and at most one point, at least one digit
    IF @body LIKE N'%[^0-9.]%' OR @body LIKE N'%.%.%' OR @body NOT LIKE N'%[0-9]%'
    BEGIN
        RETURN NULL;
    END;
    SET @d = TRY_CONVERT(decimal(38, 10), @v);
    IF @d IS NULL
    BEGIN
        RETURN NULL;
    END;
    IF @d = 0
    BEGIN
        RETURN '0';
    END;
    SET @s = CONVERT(varchar(60), @d);
    -- drop trailing zeros of the fraction, then a trailing point
    SET @s = REVERSE(SUBSTRING(REVERSE(@s), PATINDEX('%[^0]%', REVERSE(@s)), 60));
    IF RIGHT(@s, 1) = '.'
    BEGIN
        SET @s = LEFT(@s, LEN(@s) - 1);
    END;
    RETURN @s;
END;
GO
