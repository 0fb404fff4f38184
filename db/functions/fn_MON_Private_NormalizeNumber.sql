-- fn_MON_Private_NormalizeNumber: a number given as text in its canonical text form, or NULL when the text
-- is not a plain decimal number (the rules: dbo.fn_MON_Private_NumberText, whose value this returns, for
-- the callers that need a scalar: validation, and the staged query's generated text of numeric columns).
-- Set-based statements apply dbo.fn_MON_Private_NumberText itself with CROSS APPLY.
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
    RETURN (SELECT n.number_text FROM dbo.fn_MON_Private_NumberText(@value) AS n);
END;
GO
