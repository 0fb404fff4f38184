-- fn_MON_NormalizeTitle: a column title or query alias in its comparable form: lower case, every run of
-- characters other than a-z and 0-9 replaced by one underscore, leading/trailing underscores removed
-- ("Order Status" -> order_status, " Due Date (UTC) " -> due_date_utc). NULL stays NULL.
-- Twin of db/functions/fn_MON_NormalizeTitle.sql (same rules: only ASCII letters and digits are kept).
CREATE OR REPLACE FUNCTION dbo.fn_MON_NormalizeTitle(p_title text)
RETURNS varchar
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT left(btrim(regexp_replace(lower(p_title), '[^a-z0-9]+', '_', 'g'), '_'), 255);
$$;
