-- fn_MON_FormatColumnValue: the exact monday.com write value (the JSON for one column inside
-- column_values) of one validated raw value. Twin of db/functions/fn_MON_FormatColumnValue.sql.
--
-- Signature (both engines; T-SQL: dbo.fn_MON_FormatColumnValue(@column_type, @raw_value, @settings)):
--   dbo.fn_MON_FormatColumnValue(
--       p_column_type varchar,  -- MON_BoardColumn.column_type: status, date, numbers, people, ...
--       p_raw_value text,       -- the staged value as text (update_fields value); NULL or '' clears
--       p_settings text)        -- MON_BoardColumn.settings (status/dropdown labels); may be NULL
--   RETURNS text: compact JSON text of the value, e.g. {"index":1}, "3", {"date":"2026-06-15"}, null
--   (the JSON literal: clears the cell); SQL NULL when the value cannot be formatted (type not
--   writable, value not valid: validation refuses such rows first).
-- Shapes (monday's API documentation; the raw input forms are listed in docs/patterns/sql_update_patterns.md):
--   text "x" (clear "") | name "x" (cannot be cleared: NULL) | long_text {"text":"x"} | numbers "3" (clear "")
--   status {"index":<label id>} (label text matched exactly, then case-insensitively, then a whole number
--     as a label id; an unknown label gives {"label":"x"}, sent with create_labels_if_missing)
--   date {"date":"YYYY-MM-DD"} or {"date":"YYYY-MM-DD","time":"HH:MM:SS"} in UTC (offsets applied)
--   timeline 'YYYY-MM-DD/YYYY-MM-DD' -> {"from":..,"to":..}
--   people 'id, email, team:id' -> {"personsAndTeams":[{"id":N,"kind":"person"}]} (emails via MON_User)
--   dropdown 'A, B' -> {"ids":[..]} when every label is known, else {"labels":["A","B"]}
--   email 'a@b.com [text]' -> {"email","text"} | phone '+12025550169 US' -> {"phone","countryShortName"}
--   link 'https://x [text]' -> {"url","text"} | checkbox true/false/1/0/yes/no/y/n -> {"checked":"true"} / null
--   hour 'HH:MM' -> {"hour":H,"minute":M} | rating 'N' -> {"rating":N}
--   country 'US [United States]' -> {"countryCode":"US","countryName":"United States"}
-- Whitespace (between an e-mail or link and its text, a country code and its name) is any of space, tab, line
-- feed, vertical tab, form feed and carriage return, as in the T-SQL twin (not \s, whose set depends on the
-- locale). Labels and e-mail addresses are matched by lower() on both sides, then exactly.
-- PL/pgSQL example:
--   SELECT dbo.fn_MON_FormatColumnValue(c.column_type, 'In Progress', c.settings)
--   FROM dbo.MON_BoardColumn AS c WHERE c.board_id = 8709134353 AND c.column_id = 'status';
CREATE OR REPLACE FUNCTION dbo.fn_MON_FormatColumnValue(p_column_type varchar, p_raw_value text, p_settings text)
RETURNS text
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    t text := btrim(p_raw_value);
    typ text := lower(btrim(p_column_type));
    v_id int;
    v_norm text;
    m text[];
    tok text;
    parts text[] := ARRAY[]::text[];
    ids text[] := ARRAY[]::text[];
    labels text[] := ARRAY[]::text[];
    all_ids boolean := true;
    v_kind text;
    v_uid bigint;
    v_rest text;
BEGIN
    -- clearing
    IF typ IN ('text', 'long_text', 'name') THEN
        IF p_raw_value IS NULL OR p_raw_value = '' THEN
            RETURN CASE typ WHEN 'text' THEN '""' WHEN 'long_text' THEN 'null' END;
        END IF;
    ELSIF t IS NULL OR t = '' THEN
        RETURN CASE
            WHEN typ = 'numbers' THEN '""'
            WHEN typ IN ('status', 'date', 'timeline', 'people', 'dropdown', 'email', 'phone', 'link', 'checkbox',
                         'hour', 'rating', 'country') THEN 'null'
        END;
    END IF;

    CASE typ
    WHEN 'text', 'name' THEN
        RETURN to_json(p_raw_value)::text;
    WHEN 'long_text' THEN
        RETURN '{"text":' || to_json(p_raw_value)::text || '}';
    WHEN 'numbers' THEN
        RETURN to_json(dbo.fn_MON_Private_NormalizeNumber(t))::text;
    WHEN 'status' THEN
        -- label text first (a numeric-looking label such as '2024' is a label), then a label id
        SELECT l.label_id INTO v_id FROM dbo.fn_MON_Private_ColumnLabels(p_settings) AS l
        WHERE lower(l.label_text) = lower(t) ORDER BY CASE WHEN l.label_text = t THEN 0 ELSE 1 END, l.label_id LIMIT 1;
        IF v_id IS NULL AND t ~ '^[0-9]{1,9}$' THEN
            SELECT l.label_id INTO v_id FROM dbo.fn_MON_Private_ColumnLabels(p_settings) AS l WHERE l.label_id = t::int;
        END IF;
        IF v_id IS NOT NULL THEN
            RETURN '{"index":' || v_id || '}';
        END IF;
        RETURN '{"label":' || to_json(t)::text || '}';
    WHEN 'date' THEN
        v_norm := dbo.fn_MON_Private_NormalizeDate(t);
        IF v_norm IS NULL THEN
            RETURN NULL;
        ELSIF length(v_norm) = 10 THEN
            RETURN '{"date":"' || v_norm || '"}';
        END IF;
        RETURN '{"date":"' || left(v_norm, 10) || '","time":"' || right(v_norm, 8) || '"}';
    WHEN 'timeline' THEN
        m := regexp_match(t, '^([^/]+)/([^/]+)$');
        IF m IS NULL THEN
            RETURN NULL;
        END IF;
        m[1] := dbo.fn_MON_Private_NormalizeDate(m[1]);
        m[2] := dbo.fn_MON_Private_NormalizeDate(m[2]);
        IF m[1] IS NULL OR m[2] IS NULL OR length(m[1]) <> 10 OR length(m[2]) <> 10 OR m[1] > m[2] THEN
            RETURN NULL;
        END IF;
        RETURN '{"from":"' || m[1] || '","to":"' || m[2] || '"}';
    WHEN 'people' THEN
        FOREACH tok IN ARRAY string_to_array(t, ',') LOOP
            tok := btrim(tok);
            CONTINUE WHEN tok = '';
            v_uid := NULL;
            v_kind := NULL;
            IF tok ~* '^(person|team):[0-9]{1,18}$' THEN
                v_kind := lower(split_part(tok, ':', 1));
                v_uid := split_part(tok, ':', 2)::bigint;
            ELSIF tok ~ '^[0-9]{1,18}$' THEN
                v_uid := tok::bigint;
                SELECT u.user_kind INTO v_kind FROM dbo.MON_User AS u WHERE u.user_id = v_uid
                ORDER BY CASE u.user_kind WHEN 'person' THEN 0 ELSE 1 END LIMIT 1;
                v_kind := coalesce(v_kind, 'person');
            ELSE
                SELECT u.user_id, u.user_kind INTO v_uid, v_kind FROM dbo.MON_User AS u
                WHERE lower(u.email) = lower(tok) ORDER BY CASE u.user_kind WHEN 'person' THEN 0 ELSE 1 END, u.user_id
                LIMIT 1;
            END IF;
            IF v_uid IS NULL THEN
                RETURN NULL;
            END IF;
            parts := parts || ('{"id":' || v_uid || ',"kind":"' || v_kind || '"}');
        END LOOP;
        RETURN '{"personsAndTeams":[' || array_to_string(parts, ',') || ']}';
    WHEN 'dropdown' THEN
        FOREACH tok IN ARRAY string_to_array(t, ',') LOOP
            tok := btrim(tok);
            CONTINUE WHEN tok = '';
            v_id := NULL;
            v_rest := NULL;
            SELECT l.label_id, l.label_text INTO v_id, v_rest FROM dbo.fn_MON_Private_ColumnLabels(p_settings) AS l
            WHERE lower(l.label_text) = lower(tok) ORDER BY CASE WHEN l.label_text = tok THEN 0 ELSE 1 END, l.label_id LIMIT 1;
            IF v_id IS NULL AND tok ~ '^[0-9]{1,9}$' THEN
                SELECT l.label_id, l.label_text INTO v_id, v_rest FROM dbo.fn_MON_Private_ColumnLabels(p_settings) AS l
                WHERE l.label_id = tok::int;
            END IF;
            IF v_id IS NULL THEN
                all_ids := false;
                labels := labels || to_json(tok)::text;
            ELSE
                ids := ids || v_id::text;
                labels := labels || to_json(v_rest)::text;
            END IF;
        END LOOP;
        IF all_ids THEN
            RETURN '{"ids":[' || array_to_string(ids, ',') || ']}';
        END IF;
        RETURN '{"labels":[' || array_to_string(labels, ',') || ']}';
    WHEN 'email' THEN
        m := regexp_match(t, '^([^ \t\n\v\f\r]+)(?:[ \t\n\v\f\r]+(.*))?$');
        RETURN '{"email":' || to_json(m[1])::text || ',"text":' || to_json(coalesce(nullif(btrim(m[2]), ''), m[1]))::text || '}';
    WHEN 'phone' THEN
        m := regexp_match(t, '^(.*?)[ \t\n\v\f\r]+([A-Za-z]{2})$');
        IF m IS NULL THEN
            RETURN NULL;
        END IF;
        RETURN '{"phone":' || to_json(regexp_replace(m[1], '[ ().-]', '', 'g'))::text
            || ',"countryShortName":"' || upper(m[2]) || '"}';
    WHEN 'link' THEN
        m := regexp_match(t, '^([^ \t\n\v\f\r]+)(?:[ \t\n\v\f\r]+(.*))?$');
        RETURN '{"url":' || to_json(m[1])::text || ',"text":' || to_json(coalesce(nullif(btrim(m[2]), ''), m[1]))::text || '}';
    WHEN 'checkbox' THEN
        IF lower(t) IN ('true', '1', 'yes', 'y') THEN
            RETURN '{"checked":"true"}';
        ELSIF lower(t) IN ('false', '0', 'no', 'n') THEN
            RETURN 'null';
        END IF;
        RETURN NULL;
    WHEN 'hour' THEN
        m := regexp_match(t, '^([0-9]{1,2}):([0-9]{2})(?::[0-9]{2})?$');
        IF m IS NULL OR m[1]::int > 23 OR m[2]::int > 59 THEN
            RETURN NULL;
        END IF;
        RETURN '{"hour":' || m[1]::int || ',"minute":' || m[2]::int || '}';
    WHEN 'rating' THEN
        IF t !~ '^[0-9]{1,4}$' THEN
            RETURN NULL;
        END IF;
        RETURN '{"rating":' || t::int || '}';
    WHEN 'country' THEN
        m := regexp_match(t, '^([A-Za-z]{2})(?:[ \t\n\v\f\r]+(.*))?$');
        IF m IS NULL THEN
            RETURN NULL;
        END IF;
        RETURN '{"countryCode":"' || upper(m[1]) || '","countryName":'
            || to_json(coalesce(nullif(btrim(m[2]), ''), upper(m[1])))::text || '}';
    ELSE
        RETURN NULL;
    END CASE;
END;
$$;
