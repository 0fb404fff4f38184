-- fn_MON_Private_DateText: a date or date-time given as text, checked and normalised (column date_text), one
-- row. Twin of db/functions/fn_MON_Private_DateText.sql, the table form SQL Server's set-based statements
-- apply with CROSS APPLY. In PostgreSQL the rules live in dbo.fn_MON_Private_NormalizeDate, whose value
-- this returns.
--   SELECT d.date_text FROM dbo.fn_MON_Private_DateText('2026-06-15T01:30:00+02:00') AS d;
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_DateText(p_value text)
RETURNS TABLE (date_text varchar)
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
    RETURN QUERY SELECT dbo.fn_MON_Private_NormalizeDate(p_value);
END;
$$;
