-- fn_MON_Private_RatingMax: the highest value a rating column takes, from its settings ("max"), 5 when the
-- settings do not say. Twin of db/functions/fn_MON_Private_RatingMax.sql.
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_RatingMax(p_settings text)
RETURNS int
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE
        WHEN p_settings ~ '^\s*\{' AND (p_settings::jsonb ->> 'max') ~ '^[0-9]{1,3}$' THEN (p_settings::jsonb ->> 'max')::int
        ELSE 5
    END;
$$;
