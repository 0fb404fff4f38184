-- fn_MON_Private_NormalizeDate: a date or date-time given as text, checked and normalised, or NULL when it
-- is not one (the rules: dbo.fn_MON_Private_DateText, whose value this returns, for the callers that need
-- a scalar: validation). Set-based statements apply dbo.fn_MON_Private_DateText itself with CROSS APPLY.
-- Same rules as the PostgreSQL twin.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NormalizeDate;
GO
CREATE FUNCTION dbo.fn_MON_Private_NormalizeDate(
    @value nvarchar(100)
)
RETURNS varchar(19)
WITH SCHEMABINDING
AS
BEGIN
    RETURN (SELECT d.date_text FROM dbo.fn_MON_Private_DateText(@value) AS d);
END;
GO
