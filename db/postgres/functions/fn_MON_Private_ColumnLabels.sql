-- fn_MON_Private_ColumnLabels: the labels of a status or dropdown column from its settings JSON, one row
-- per label: label_id and label_text. Reads typed settings (`labels` an array of {id, label} or
-- {id, name}) and legacy settings_str (`labels` an object {"<id>": "<label>"}).
-- Twin of db/functions/fn_MON_Private_ColumnLabels.sql.
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_ColumnLabels(p_settings text)
RETURNS TABLE (label_id int, label_text varchar)
LANGUAGE sql
STABLE
AS $$
    WITH s AS (
        SELECT CASE WHEN p_settings IS NOT NULL AND p_settings ~ '^\s*\{' THEN p_settings::jsonb END AS j
    )
    SELECT (e.value ->> 'id')::int, coalesce(e.value ->> 'label', e.value ->> 'name')::varchar
    FROM s
    CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(s.j -> 'labels') = 'array' THEN s.j -> 'labels' ELSE '[]'::jsonb END) AS e (value)
    WHERE jsonb_typeof(s.j -> 'labels') = 'array' AND (e.value ->> 'id') ~ '^-?[0-9]+$'
    UNION ALL
    SELECT e.key::int, e.value::varchar
    FROM s
    CROSS JOIN LATERAL jsonb_each_text(CASE WHEN jsonb_typeof(s.j -> 'labels') = 'object' THEN s.j -> 'labels' ELSE '{}'::jsonb END) AS e (key, value)
    WHERE jsonb_typeof(s.j -> 'labels') = 'object' AND e.key ~ '^-?[0-9]+$' AND e.value IS NOT NULL;
$$;
