-- fn_MON_Private_TryJson: the text as json when it is valid JSON (any value: object, array, string,
-- number, true, false, null), else NULL (internal helper: PostgreSQL 15 has no pg_input_is_valid).
-- Twin of db/functions/fn_MON_Private_TryJson.sql, which returns the JSON fragment text.
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_TryJson(p_text text)
RETURNS json
LANGUAGE plpgsql
IMMUTABLE
AS $$
BEGIN
    RETURN p_text::json;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END;
$$;
