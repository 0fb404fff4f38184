-- fn_MON_Private_NormalizeNumber: a number given as text in its canonical text form, or NULL when the text
-- is not a plain decimal number. Accepted: optional sign, digits, optional decimal point (no thousands
-- separators, no exponent), surrounding spaces; at most 28 integer digits; rounded to 10 decimals;
-- trailing zeros removed ("12.5000" -> "12.5", "+007" -> "7", "-0.0" -> "0").
-- Twin of db/functions/fn_MON_Private_NormalizeNumber.sql.
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_NormalizeNumber(p_value text)
RETURNS varchar
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    v text := btrim(p_value);
    n numeric;
BEGIN
    IF v IS NULL OR v !~ '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$' THEN
        RETURN NULL;
    END IF;
    n := round(v::numeric, 10);
    IF abs(n) >= 1e28 THEN
        RETURN NULL;
    END IF;
    IF n = 0 THEN
        RETURN '0';
    END IF;
    RETURN trim_scale(n)::text;
END;
$$;
