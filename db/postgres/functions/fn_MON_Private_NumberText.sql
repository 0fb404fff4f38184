-- fn_MON_Private_NumberText: a number given as text in its canonical text form (column number_text), one row.
-- Twin of db/functions/fn_MON_Private_NumberText.sql, the table form SQL Server's set-based statements apply
-- with CROSS APPLY. In PostgreSQL the rules live in dbo.fn_MON_Private_NormalizeNumber (a function call per
-- row does not make a PostgreSQL plan serial), whose value this returns.
--   SELECT n.number_text FROM dbo.fn_MON_Private_NumberText(' 12.5000 ') AS n;  -- '12.5'
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_NumberText(p_value text)
RETURNS TABLE (number_text varchar)
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
    RETURN QUERY SELECT dbo.fn_MON_Private_NormalizeNumber(p_value);
END;
$$;
