-- fn_MON_Private_NormalizeDate: a date or date-time given as text, checked and normalised, or NULL when it
-- is not one. Accepted: 'YYYY-MM-DD', or 'YYYY-MM-DD' + 'T' or ' ' + 'HH:MM[:SS[.fffffff]]', optionally
-- followed (after at most one space) by 'Z' or an offset '+HH:MM' / '+HHMM'; 'T' and 'Z' may be lower case
-- (RFC 3339 5.6), digits are ASCII digits. Returns 'YYYY-MM-DD' for a date, and 'YYYY-MM-DD HH:MM:SS' in
-- UTC for a date-time (an offset is applied; a value without offset is taken as UTC already; fractions of
-- a second are dropped); a date-time whose UTC time falls outside years 1-9999 is not one (SQL Server's
-- range). Twin of db/functions/fn_MON_Private_NormalizeDate.sql.
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_NormalizeDate(p_value text)
RETURNS varchar
LANGUAGE plpgsql
IMMUTABLE
AS $$
DECLARE
    m text[];
    d date;
    ts timestamp;
    off_min int := 0;
BEGIN
    m := regexp_match(
        btrim(p_value),
        '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.][0-9]{1,7})?)?[ ]?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?$'
    );
    IF m IS NULL THEN
        RETURN NULL;
    END IF;
    BEGIN
        d := make_date(m[1]::int, m[2]::int, m[3]::int);
    EXCEPTION WHEN OTHERS THEN
        RETURN NULL;
    END;
    IF m[4] IS NULL THEN
        RETURN to_char(d, 'YYYY-MM-DD');
    END IF;
    IF m[4]::int > 23 OR m[5]::int > 59 OR coalesce(m[6], '0')::int > 59 THEN
        RETURN NULL;
    END IF;
    ts := d + make_interval(hours => m[4]::int, mins => m[5]::int, secs => coalesce(m[6], '0')::int);
    IF m[7] IS NOT NULL AND upper(m[7]) <> 'Z' THEN
        -- offsets run from -14:00 to +14:00, as SQL Server's datetimeoffset allows
        IF substr(m[7], 2, 2)::int * 60 + right(m[7], 2)::int > 840 OR right(m[7], 2)::int > 59 THEN
            RETURN NULL;
        END IF;
        off_min := (substr(m[7], 2, 2)::int * 60 + right(m[7], 2)::int) * CASE WHEN left(m[7], 1) = '-' THEN -1 ELSE 1 END;
        ts := ts - make_interval(mins => off_min);
    END IF;
    IF ts < '0001-01-01'::timestamp OR ts >= '10000-01-01'::timestamp THEN
        RETURN NULL;
    END IF;
    RETURN to_char(ts, 'YYYY-MM-DD HH24:MI:SS');
END;
$$;
