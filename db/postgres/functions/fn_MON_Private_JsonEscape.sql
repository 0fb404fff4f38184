-- fn_MON_Private_JsonEscape: a text escaped for use inside a JSON string, exactly as SQL Server's
-- STRING_ESCAPE(@text, 'json') writes it: '"', '\' and the control characters escaped as to_json escapes
-- them, and '/' as '\/'; every other character as it is. Internal helper, one row. The PostgreSQL routines
-- write their JSON with to_json and json_build_object (which leave '/' as it is) and do not call it; it is
-- here so that both engines answer the same call alike. Twin of db/functions/fn_MON_Private_JsonEscape.sql.
--   SELECT e.escaped FROM dbo.fn_MON_Private_JsonEscape('a "b" / é') AS e;  -- a \"b\" \/ é
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_JsonEscape(p_text text)
RETURNS TABLE (escaped text)
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT replace(substr(j.t, 2, length(j.t) - 2), '/', '\/')
    FROM (SELECT to_json(p_text)::text AS t) AS j;
$$;
