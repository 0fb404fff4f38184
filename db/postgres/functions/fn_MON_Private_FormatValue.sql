-- fn_MON_Private_FormatValue: the exact monday.com write value of one validated raw value (column
-- formatted_value), one row. Twin of db/functions/fn_MON_Private_FormatValue.sql, the inline table form
-- SQL Server's usp_ReleaseBatch applies per cell with CROSS APPLY (a scalar T-SQL function per cell runs
-- row by row and keeps the statement serial there). In PostgreSQL the rules live in
-- dbo.fn_MON_FormatColumnValue (a PL/pgSQL function per row does not change the plan's shape, and an
-- INSERT ... SELECT never runs in parallel), whose value this returns.
--   SELECT f.formatted_value FROM dbo.fn_MON_Private_FormatValue('status', 'Done', NULL) AS f;
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_FormatValue(p_column_type varchar, p_raw_value text, p_settings text)
RETURNS TABLE (formatted_value text)
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN QUERY SELECT dbo.fn_MON_FormatColumnValue(p_column_type, p_raw_value, p_settings);
END;
$$;
