-- fn_MON_Private_StringifyExpr: the SQL expression that turns a column of a given type into the text
-- usp_StageUpdates writes into update_fields (and validation compares with loaded values), the same
-- text in both engines: dates 'YYYY-MM-DD', date-times 'YYYY-MM-DDTHH:MM:SS' (with time zone: UTC + 'Z'),
-- times 'HH:MM:SS', numbers without trailing zeros, booleans 'true'/'false', binary '0x..' (upper case hex),
-- everything else its text. p_system_type_name is format_type() / regtype text. Never NULL (every type has a text form).
-- Twin of db/functions/fn_MON_Private_StringifyExpr.sql (T-SQL type names; NULL for a type it cannot stage).
CREATE OR REPLACE FUNCTION dbo.fn_MON_Private_StringifyExpr(p_column_expr text, p_system_type_name text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE
        WHEN p_system_type_name IN ('smallint', 'integer', 'bigint', 'text', 'character varying', 'uuid', 'json', 'jsonb', 'name')
            THEN format('(%s)::text', p_column_expr)
        WHEN p_system_type_name = 'character' THEN format('rtrim((%s)::text)', p_column_expr)
        WHEN p_system_type_name = 'numeric' THEN format('coalesce(dbo.fn_MON_Private_NormalizeNumber((%1$s)::text), (%1$s)::text)', p_column_expr)
        WHEN p_system_type_name IN ('real', 'double precision', 'money')
            THEN format('coalesce(dbo.fn_MON_Private_NormalizeNumber(((%1$s)::numeric)::text), (%1$s)::text)', p_column_expr)
        WHEN p_system_type_name = 'date' THEN format('to_char(%s, ''YYYY-MM-DD'')', p_column_expr)
        WHEN p_system_type_name = 'timestamp without time zone' THEN format('to_char(%s, ''YYYY-MM-DD"T"HH24:MI:SS'')', p_column_expr)
        WHEN p_system_type_name = 'timestamp with time zone'
            THEN format('to_char((%s) AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS'') || ''Z''', p_column_expr)
        WHEN p_system_type_name IN ('time without time zone', 'time with time zone') THEN format('to_char((%s)::time, ''HH24:MI:SS'')', p_column_expr)
        WHEN p_system_type_name = 'boolean' THEN format('CASE WHEN %1$s THEN ''true'' WHEN NOT %1$s THEN ''false'' END', p_column_expr)
        WHEN p_system_type_name = 'bytea' THEN format('''0x'' || upper(encode(%s, ''hex''))', p_column_expr)
        ELSE format('(%s)::text', p_column_expr)
    END;
$$;
