-- usp_Private_ValidateBatch: applies every enabled rule of dbo.MON_ValidationRule to the staged rows of one
-- batch, set-based, and writes validation_status / validation_errors on each row and the counts,
-- validated_at and status VALIDATED on the batch. Internal: no run log, no COMMIT, no checks of the batch
-- status (callers: usp_StageUpdates, usp_ValidateStagedUpdates). Twin of
-- db/procedures/usp_Private_ValidateBatch.sql.
--   CALL dbo.usp_Private_ValidateBatch(p_batch_id => 'UB20260101120000-a1b2c3');
CREATE OR REPLACE PROCEDURE dbo.usp_Private_ValidateBatch(p_batch_id varchar)
LANGUAGE plpgsql
-- JIT compiling costs seconds per statement when the planner over-estimates the JSON expansion of the
-- cells (json_each_text is costed at 100 rows per staged row); the work itself is milliseconds.
SET jit = off
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    b dbo.MON_UpdateBatch%ROWTYPE;
    v_meta bigint;
    v_has_meta boolean;
    v_synced timestamp;
    v_items_synced boolean;
    v_parent_items_synced boolean;
    v_groups_synced boolean;
    v_groups text;
    v_count int;
    v_staged_count int;
    v_written int;
BEGIN
    SELECT * INTO b FROM dbo.MON_UpdateBatch WHERE batch_id = p_batch_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT CASE WHEN b.target_level = 'SUBITEMS' THEN coalesce(mb.subitems_board_id, b.board_id) ELSE b.board_id END
    INTO v_meta
    FROM (SELECT 1) AS one LEFT JOIN dbo.MON_Board AS mb ON mb.board_id = b.board_id;
    SELECT true, mb.synced_at INTO v_has_meta, v_synced FROM dbo.MON_Board AS mb WHERE mb.board_id = v_meta;
    v_has_meta := coalesce(v_has_meta, false);
    v_items_synced := EXISTS (SELECT 1 FROM dbo.MON_BoardItem WHERE board_id = v_meta);
    v_parent_items_synced := EXISTS (SELECT 1 FROM dbo.MON_BoardItem WHERE board_id = b.board_id);
    v_groups_synced := EXISTS (SELECT 1 FROM dbo.MON_BoardGroup WHERE board_id = v_meta);
    SELECT string_agg(g.group_id || ' (' || g.title || ')', ', ' ORDER BY g.group_id) INTO v_groups
    FROM dbo.MON_BoardGroup AS g WHERE g.board_id = v_meta;

    -- the rows and cells of the batch, materialised once per validation with indexes and statistics, so
    -- that every rule below is one set-based statement over them (hash or merge joins, never a scan per
    -- row). ON COMMIT DROP: the caller's COMMIT removes them; the DROPs cover a second call in one
    -- transaction.
    IF to_regclass('pg_temp.mon_val_row') IS NOT NULL THEN DROP TABLE pg_temp.mon_val_row; END IF;
    IF to_regclass('pg_temp.mon_val_cell') IS NOT NULL THEN DROP TABLE pg_temp.mon_val_cell; END IF;
    IF to_regclass('pg_temp.mon_val_label') IS NOT NULL THEN DROP TABLE pg_temp.mon_val_label; END IF;
    IF to_regclass('pg_temp.mon_val_loaded') IS NOT NULL THEN DROP TABLE pg_temp.mon_val_loaded; END IF;
    IF to_regclass('pg_temp.mon_val_res') IS NOT NULL THEN DROP TABLE pg_temp.mon_val_res; END IF;
    IF to_regclass('pg_temp.mon_val_err') IS NOT NULL THEN DROP TABLE pg_temp.mon_val_err; END IF;
    -- the batch's rows are read once: every verdict and the hash stored with it (dbo.MON_ValidatedRow) come
    -- from this copy, never from a second read of the owner's table that a writer could have changed meanwhile
    CREATE TEMP TABLE mon_val_row ON COMMIT DROP AS
    SELECT s.update_row_no, s.monday_item_id, s.item_name, s.group_id, NULL::bigint AS parent_item_id, s.update_fields
    FROM dbo.STG_MON_CustMasterSchedule AS s
    WHERE s.update_batch_id = p_batch_id AND b.target_level = 'ITEMS'
    UNION ALL
    SELECT s.update_row_no, s.monday_item_id, s.item_name, s.group_id, s.parent_item_id, s.update_fields
    FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
    WHERE s.update_batch_id = p_batch_id AND b.target_level = 'SUBITEMS';
    CREATE INDEX ON mon_val_row (update_row_no);
    CREATE INDEX ON mon_val_row (monday_item_id);
    ANALYZE mon_val_row;

    -- the cells of the copied rows (dbo.fn_MON_Private_StagedFields), each distinct alias mapped once
    -- (dbo.fn_MON_Private_MapAlias, the one mapping rule)
    CREATE TEMP TABLE mon_val_cell ON COMMIT DROP AS
    WITH f AS MATERIALIZED (
        SELECT r.update_row_no, e.field_no, r.monday_item_id, e.column_alias, e.raw_value
        FROM mon_val_row AS r
        CROSS JOIN LATERAL dbo.fn_MON_Private_StagedFields(r.update_fields) AS e
    ),
    am AS MATERIALIZED (
        SELECT a.column_alias, m.column_id, m.match_kind, m.match_count
        FROM (SELECT DISTINCT f.column_alias FROM f) AS a
        CROSS JOIN LATERAL dbo.fn_MON_Private_MapAlias(b.board_id, v_meta, a.column_alias) AS m
    )
    SELECT f.update_row_no, f.field_no, f.monday_item_id, f.column_alias, f.raw_value, m.column_id,
        bc.column_type,
        (CASE WHEN bc.is_writable = 'Y' AND ct.is_writable = 'Y' THEN 'Y' ELSE 'N' END)::char(1) AS is_writable,
        coalesce(m.match_count, 0) AS match_count, m.match_kind, bc.title AS column_title
    FROM f
    LEFT JOIN am AS m ON m.column_alias = f.column_alias
    LEFT JOIN dbo.MON_BoardColumn AS bc ON bc.board_id = v_meta AND bc.column_id = m.column_id
    LEFT JOIN dbo.MON_ColumnType AS ct ON ct.column_type = bc.column_type;
    CREATE INDEX ON mon_val_cell (update_row_no, column_id);
    CREATE INDEX ON mon_val_cell (monday_item_id, column_id);
    ANALYZE mon_val_cell;

    -- the settings of the status, dropdown and rating columns the batch writes, once per column (not copied
    -- into every cell): their labels and their maximum rating
    IF to_regclass('pg_temp.mon_val_column') IS NOT NULL THEN DROP TABLE pg_temp.mon_val_column; END IF;
    CREATE TEMP TABLE mon_val_column ON COMMIT DROP AS
    SELECT bc.column_id, bc.column_type, bc.settings_json,
        CASE WHEN bc.column_type = 'rating' THEN dbo.fn_MON_Private_RatingMax(bc.settings_json) END AS rating_max
    FROM dbo.MON_BoardColumn AS bc
    WHERE bc.board_id = v_meta AND bc.column_type IN ('status', 'dropdown', 'rating')
        AND EXISTS (SELECT 1 FROM mon_val_cell AS c WHERE c.column_id = bc.column_id);

    -- the labels of the status and dropdown columns
    CREATE TEMP TABLE mon_val_label ON COMMIT DROP AS
    SELECT sc.column_id, l.label_id, l.label_text, lower(l.label_text) AS label_lower
    FROM mon_val_column AS sc
    CROSS JOIN LATERAL dbo.fn_MON_Private_ColumnLabels(sc.settings_json) AS l
    WHERE sc.column_type IN ('status', 'dropdown');
    CREATE INDEX ON mon_val_label (column_id, label_lower);
    ANALYZE mon_val_label;

    CREATE TEMP TABLE mon_val_res (
        update_row_no int, status varchar(20), errors text, content_hash bytea, row_hash bytea
    ) ON COMMIT DROP;

    CREATE TEMP TABLE mon_val_err (
        update_row_no int, rule_code varchar(50), column_alias text, column_id text, column_type text,
        val text, labels text, closest text, detail text
    ) ON COMMIT DROP;

    -- board and keys -------------------------------------------------------------------------------
    INSERT INTO mon_val_err (update_row_no, rule_code)
    SELECT r.update_row_no, 'BOARD_METADATA' FROM mon_val_row AS r WHERE NOT v_has_meta;

    INSERT INTO mon_val_err (update_row_no, rule_code, detail)
    SELECT r.update_row_no, 'METADATA_FRESH',
        (floor(extract(EPOCH FROM ((now() AT TIME ZONE 'UTC') - v_synced)) / 3600))::bigint || ' hours'
    FROM mon_val_row AS r
    WHERE v_has_meta AND v_synced < (now() AT TIME ZONE 'UTC') - interval '24 hours';

    INSERT INTO mon_val_err (update_row_no, rule_code)
    SELECT r.update_row_no, 'KEY_ITEM_ID' FROM mon_val_row AS r
    WHERE b.update_operation = 'UPDATE' AND r.monday_item_id IS NULL;

    INSERT INTO mon_val_err (update_row_no, rule_code, detail)
    SELECT r.update_row_no, 'KEY_ITEM_NAME',
        CASE WHEN r.item_name IS NULL THEN 'NULL' ELSE (length(btrim(r.item_name)) + length(regexp_replace(btrim(r.item_name), '[^\U00010000-\U0010FFFF]', '', 'g'))) || ' characters after trimming' END
    FROM mon_val_row AS r
    WHERE b.update_operation = 'CREATE'
        AND (r.item_name IS NULL OR (length(btrim(r.item_name)) + length(regexp_replace(btrim(r.item_name), '[^\U00010000-\U0010FFFF]', '', 'g'))) NOT BETWEEN 1 AND 255);

    INSERT INTO mon_val_err (update_row_no, rule_code)
    SELECT r.update_row_no, 'KEY_PARENT' FROM mon_val_row AS r
    WHERE b.update_operation = 'CREATE' AND b.target_level = 'SUBITEMS' AND r.parent_item_id IS NULL;

    INSERT INTO mon_val_err (update_row_no, rule_code, val)
    SELECT r.update_row_no, 'ITEM_ON_BOARD', r.monday_item_id::text FROM mon_val_row AS r
    WHERE b.update_operation = 'UPDATE' AND v_items_synced AND r.monday_item_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM dbo.MON_BoardItem AS i WHERE i.item_id = r.monday_item_id AND i.board_id = v_meta)
    UNION ALL
    SELECT r.update_row_no, 'ITEM_ON_BOARD', r.parent_item_id::text FROM mon_val_row AS r
    WHERE b.update_operation = 'CREATE' AND b.target_level = 'SUBITEMS' AND v_parent_items_synced
        AND r.parent_item_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM dbo.MON_BoardItem AS i WHERE i.item_id = r.parent_item_id AND i.board_id = b.board_id);

    INSERT INTO mon_val_err (update_row_no, rule_code, val, labels)
    SELECT r.update_row_no, 'GROUP_EXISTS', r.group_id, v_groups FROM mon_val_row AS r
    WHERE b.update_operation = 'CREATE' AND b.target_level = 'ITEMS' AND v_groups_synced AND r.group_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM dbo.MON_BoardGroup AS g WHERE g.board_id = v_meta AND g.group_id = r.group_id);

    INSERT INTO mon_val_err (update_row_no, rule_code, val)
    SELECT r.update_row_no, 'NO_FIELDS', r.monday_item_id::text FROM mon_val_row AS r
    WHERE b.update_operation = 'UPDATE' AND NOT EXISTS (SELECT 1 FROM mon_val_cell AS c WHERE c.update_row_no = r.update_row_no);

    -- columns (only against metadata that exists) -------------------------------------------------------
    IF v_has_meta THEN
        -- closest / candidate columns are looked up once per distinct alias, then joined to the cells
        INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, closest)
        SELECT c.update_row_no, 'COLUMN_EXISTS', c.column_alias, a.closest
        FROM mon_val_cell AS c
        INNER JOIN (
            SELECT d.column_alias, coalesce(dbo.fn_MON_Private_ClosestColumns(v_meta, d.column_alias), '(none alike)') AS closest
            FROM (SELECT DISTINCT x.column_alias FROM mon_val_cell AS x WHERE x.match_count = 0) AS d
        ) AS a ON a.column_alias = c.column_alias
        WHERE c.match_count = 0;

        INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, closest)
        SELECT c.update_row_no, 'COLUMN_AMBIGUOUS', c.column_alias, a.closest
        FROM mon_val_cell AS c
        INNER JOIN (
            SELECT d.column_alias,
                (SELECT string_agg(bc.column_id || ' (' || bc.title || ')', ', ' ORDER BY bc.column_id)
                 FROM dbo.MON_BoardColumn AS bc
                 WHERE bc.board_id = v_meta AND bc.normalized_title = dbo.fn_MON_NormalizeTitle(d.column_alias)) AS closest
            FROM (SELECT DISTINCT x.column_alias FROM mon_val_cell AS x WHERE x.match_count > 1) AS d
        ) AS a ON a.column_alias = c.column_alias
        WHERE c.match_count > 1;

        INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, column_id, column_type, detail)
        SELECT c.update_row_no, 'COLUMN_WRITABLE', c.column_alias, c.column_id, c.column_type,
            coalesce(ct.notes, CASE WHEN ct.column_type IS NULL THEN 'a type this project does not know' ELSE 'not writable' END)
        FROM mon_val_cell AS c
        LEFT JOIN dbo.MON_ColumnType AS ct ON ct.column_type = c.column_type
        WHERE c.column_id IS NOT NULL AND c.is_writable = 'N';

        -- values of writable columns (NULL or blank clears the cell and needs no format). Labels are
        -- matched through mon_val_label (text ignoring case, then id); the dropdown tokens of each cell once.
        IF to_regclass('pg_temp.mon_val_token') IS NOT NULL THEN DROP TABLE pg_temp.mon_val_token; END IF;
        CREATE TEMP TABLE mon_val_token ON COMMIT DROP AS
        SELECT c.update_row_no, c.column_id, tok.ord::int AS ord, btrim(tok.t) AS t
        FROM mon_val_cell AS c
        CROSS JOIN LATERAL unnest(string_to_array(c.raw_value, ',')) WITH ORDINALITY AS tok (t, ord)
        WHERE c.column_type = 'dropdown' AND c.is_writable = 'Y' AND b.create_labels_if_missing = 'N'
            AND btrim(tok.t) <> ''
            AND NOT EXISTS (
                SELECT 1 FROM mon_val_label AS l
                WHERE l.column_id = c.column_id
                    AND (l.label_lower = lower(btrim(tok.t)) OR (btrim(tok.t) ~ '^[0-9]{1,9}$' AND l.label_id = btrim(tok.t)::int))
            );
        ANALYZE mon_val_token;

        -- first token: up to the first whitespace (space, tab, line feed, vertical tab, form feed, carriage
        -- return), as the formatting splits an e-mail or a link from its text
        INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, column_id, column_type, val, labels, detail)
        SELECT c.update_row_no, x.rule_code, c.column_alias, c.column_id, c.column_type, c.raw_value, lab.labels, x.detail
        FROM mon_val_cell AS c
        LEFT JOIN mon_val_column AS col ON col.column_id = c.column_id
        CROSS JOIN LATERAL (
            SELECT substring(btrim(c.raw_value) FROM '^[^ \t\n\v\f\r]*') AS first_token
        ) AS ft
        LEFT JOIN (
            SELECT t.update_row_no, t.column_id, string_agg('''' || t.t || '''', ', ' ORDER BY t.ord) AS unknown
            FROM mon_val_token AS t
            GROUP BY t.update_row_no, t.column_id
        ) AS dd ON dd.update_row_no = c.update_row_no AND dd.column_id = c.column_id
        CROSS JOIN LATERAL (
            SELECT
                CASE
                    WHEN c.column_type = 'status' AND b.create_labels_if_missing = 'N' AND NOT EXISTS (
                        SELECT 1 FROM mon_val_label AS l
                        WHERE l.column_id = c.column_id
                            AND (l.label_lower = lower(btrim(c.raw_value))
                                OR (btrim(c.raw_value) ~ '^[0-9]{1,9}$' AND l.label_id = btrim(c.raw_value)::int))
                    ) THEN 'STATUS_LABEL'
                    WHEN c.column_type = 'dropdown' AND dd.unknown IS NOT NULL THEN 'DROPDOWN_LABEL'
                    WHEN c.column_type = 'date' AND dbo.fn_MON_Private_NormalizeDate(c.raw_value) IS NULL THEN 'DATE_FORMAT'
                    WHEN c.column_type = 'numbers' AND dbo.fn_MON_Private_NormalizeNumber(c.raw_value) IS NULL THEN 'NUMBER_FORMAT'
                    WHEN c.column_type = 'email' AND NOT (
                        ft.first_token LIKE '_%@_%._%'
                        AND ft.first_token NOT LIKE '%@%@%'
                        AND ft.first_token NOT LIKE '%.'
                    ) THEN 'EMAIL_FORMAT'
                    WHEN c.column_type = 'phone' AND NOT (
                        btrim(c.raw_value) ~ '^\+?[0-9 ().-]+ [A-Za-z]{2}$'
                        AND length(regexp_replace(btrim(c.raw_value), '[^0-9]', '', 'g')) BETWEEN 6 AND 15
                    ) THEN 'PHONE_FORMAT'
                    WHEN c.column_type = 'link' AND NOT (
                        lower(ft.first_token) LIKE 'http://_%'
                        OR lower(ft.first_token) LIKE 'https://_%'
                    ) THEN 'LINK_FORMAT'
                    WHEN c.column_type = 'checkbox' AND dbo.fn_MON_FormatColumnValue('checkbox', c.raw_value, NULL) IS NULL
                        THEN 'CHECKBOX_FORMAT'
                    WHEN c.column_type = 'rating' AND NOT (
                        btrim(c.raw_value) ~ '^[0-9]{1,4}$'
                        AND btrim(c.raw_value)::int BETWEEN 1 AND coalesce(col.rating_max, 5)
                    ) THEN 'RATING_FORMAT'
                    WHEN c.column_type = 'hour' AND dbo.fn_MON_FormatColumnValue('hour', c.raw_value, NULL) IS NULL THEN 'HOUR_FORMAT'
                    WHEN c.column_type = 'timeline' AND dbo.fn_MON_FormatColumnValue('timeline', c.raw_value, NULL) IS NULL
                        THEN 'TIMELINE_FORMAT'
                    WHEN c.column_type = 'country' AND dbo.fn_MON_FormatColumnValue('country', c.raw_value, NULL) IS NULL
                        THEN 'COUNTRY_FORMAT'
                    WHEN c.column_type = 'people' AND dbo.fn_MON_FormatColumnValue('people', c.raw_value, NULL) IS NULL
                        THEN 'PEOPLE_FORMAT'
                    WHEN c.column_type = 'long_text' AND (length(c.raw_value) + length(regexp_replace(c.raw_value, '[^\U00010000-\U0010FFFF]', '', 'g'))) > 2000 THEN 'LONG_TEXT_LENGTH'
                    WHEN c.column_type = 'text' AND (length(c.raw_value) + length(regexp_replace(c.raw_value, '[^\U00010000-\U0010FFFF]', '', 'g'))) > 2000 THEN 'TEXT_LENGTH'
                END AS rule_code,
                CASE
                    WHEN c.column_type IN ('long_text', 'text') THEN (length(c.raw_value) + length(regexp_replace(c.raw_value, '[^\U00010000-\U0010FFFF]', '', 'g')))::text
                    WHEN c.column_type = 'rating' THEN coalesce(col.rating_max, 5)::text
                    WHEN c.column_type = 'dropdown' THEN dd.unknown
                END AS detail
        ) AS x
        LEFT JOIN (
            SELECT l.column_id, string_agg('''' || l.label_text || '''', ', ' ORDER BY l.label_id) AS labels
            FROM mon_val_label AS l
            GROUP BY l.column_id
        ) AS lab ON lab.column_id = c.column_id
        WHERE c.column_id IS NOT NULL AND c.is_writable = 'Y' AND c.raw_value IS NOT NULL AND btrim(c.raw_value) <> ''
            AND x.rule_code IS NOT NULL;

        INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, column_id, column_type, detail)
        SELECT c.update_row_no, 'NAME_LENGTH', c.column_alias, c.column_id, c.column_type,
            CASE WHEN c.raw_value IS NULL THEN 'NULL' ELSE (length(btrim(c.raw_value)) + length(regexp_replace(btrim(c.raw_value), '[^\U00010000-\U0010FFFF]', '', 'g'))) || ' characters after trimming' END
        FROM mon_val_cell AS c
        WHERE c.column_type = 'name'
            AND (c.raw_value IS NULL OR (length(btrim(c.raw_value)) + length(regexp_replace(btrim(c.raw_value), '[^\U00010000-\U0010FFFF]', '', 'g'))) NOT BETWEEN 1 AND 255);

        -- a label or a column matched only after normalising: sent as matched, with a warning that names
        -- what was matched to what (a status value matched after trimming or ignoring case, a dropdown token
        -- after ignoring case; an alias matched to a column title only after its punctuation was ignored)
        INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, column_id, column_type, val, detail)
        SELECT c.update_row_no, 'LABEL_NORMALISED', c.column_alias, c.column_id, c.column_type, c.raw_value, m.matched
        FROM mon_val_cell AS c
        CROSS JOIN LATERAL (
            SELECT string_agg('''' || tok.t || ''' -> ''' || lm.label_text || '''', ', ' ORDER BY tok.ord) AS matched
            FROM (
                SELECT 0 AS ord, c.raw_value AS t WHERE c.column_type = 'status'
                UNION ALL
                SELECT x.ord::int, btrim(x.t) FROM unnest(string_to_array(c.raw_value, ',')) WITH ORDINALITY AS x (t, ord)
                WHERE c.column_type = 'dropdown'
            ) AS tok
            CROSS JOIN LATERAL (
                SELECT l.label_text FROM mon_val_label AS l
                WHERE l.column_id = c.column_id AND l.label_lower = lower(btrim(tok.t))
                ORDER BY l.label_id LIMIT 1
            ) AS lm
            WHERE btrim(tok.t) <> ''
                AND NOT EXISTS (SELECT 1 FROM mon_val_label AS e WHERE e.column_id = c.column_id AND e.label_text = tok.t)
        ) AS m
        WHERE c.column_type IN ('status', 'dropdown') AND c.is_writable = 'Y' AND c.raw_value IS NOT NULL
            AND m.matched IS NOT NULL;

        INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, column_id, detail)
        SELECT c.update_row_no, 'ALIAS_NORMALISED', c.column_alias, c.column_id, c.column_title
        FROM mon_val_cell AS c
        WHERE c.match_kind = 'TITLE' AND c.column_id IS NOT NULL AND c.column_alias ~ '[^A-Za-z0-9_ ]';

        -- one cell, two different values in the batch
        INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, column_id, val, detail)
        SELECT c.update_row_no, 'DUPLICATE_CONFLICT', c.column_alias, c.column_id, c.monday_item_id::text, d.row_list
        FROM mon_val_cell AS c
        INNER JOIN (
            SELECT x.monday_item_id, x.column_id, string_agg(x.update_row_no::text, ', ' ORDER BY x.update_row_no) AS row_list
            FROM mon_val_cell AS x
            WHERE x.column_id IS NOT NULL AND x.monday_item_id IS NOT NULL
            GROUP BY x.monday_item_id, x.column_id
            HAVING count(DISTINCT coalesce(btrim(x.raw_value), chr(1))) > 1
        ) AS d ON d.monday_item_id = c.monday_item_id AND d.column_id = c.column_id
        WHERE b.update_operation = 'UPDATE';

        -- another released batch, not yet completed, writes the same cell: named, with the value it sends
        -- (both are sent, in release order: this batch, released after it, is sent after it)
        IF b.update_operation = 'UPDATE' THEN
            IF to_regclass('pg_temp.mon_val_open') IS NOT NULL THEN DROP TABLE pg_temp.mon_val_open; END IF;
            CREATE TEMP TABLE mon_val_open ON COMMIT DROP AS
            SELECT q.batch_id, ob.released_at, q.monday_item_id, e.key AS column_id, e.value::text AS val
            FROM dbo.MON_UpdateQueue AS q
            INNER JOIN dbo.MON_UpdateBatch AS ob ON ob.batch_id = q.batch_id
            CROSS JOIN LATERAL json_each(CASE WHEN q.column_values ~ '^\s*\{' THEN q.column_values::json ELSE '{}'::json END) AS e
            WHERE q.queue_status IN ('READY', 'CLAIMED') AND ob.batch_status IN ('READY', 'SENDING')
                AND q.batch_id <> p_batch_id
                AND q.monday_item_id IN (SELECT r.monday_item_id FROM mon_val_row AS r);

            INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, column_id, val, detail)
            SELECT c.update_row_no, 'OVERLAP_BATCH', c.column_alias, c.column_id, c.monday_item_id::text,
                string_agg('batch ' || o.batch_id || ' (' || o.val || ')', ', ' ORDER BY o.released_at, o.batch_id)
            FROM mon_val_cell AS c
            INNER JOIN mon_val_open AS o ON o.monday_item_id = c.monday_item_id AND o.column_id = c.column_id
            GROUP BY c.update_row_no, c.column_alias, c.column_id, c.monday_item_id;
        END IF;

        -- no-op: a loaded row of the item (no batch) holds the same value in a column named like the alias.
        -- The loaded rows of the batch's items are read once (one pass over the staging table), then joined.
        IF b.update_operation = 'UPDATE' THEN
            CREATE TEMP TABLE mon_val_loaded ON COMMIT DROP AS
            SELECT l.monday_item_id, to_jsonb(l) AS j FROM dbo.STG_MON_CustMasterSchedule AS l
            WHERE b.target_level = 'ITEMS' AND l.update_batch_id IS NULL
                AND l.monday_item_id IN (SELECT r.monday_item_id FROM mon_val_row AS r)
            UNION ALL
            SELECT l.monday_item_id, to_jsonb(l) FROM dbo.STG_MON_CustMasterSchedule_Subitems AS l
            WHERE b.target_level = 'SUBITEMS' AND l.update_batch_id IS NULL
                AND l.monday_item_id IN (SELECT r.monday_item_id FROM mon_val_row AS r);
            CREATE INDEX ON mon_val_loaded (monday_item_id);
            ANALYZE mon_val_loaded;

            INSERT INTO mon_val_err (update_row_no, rule_code, column_alias, column_id, val)
            SELECT c.update_row_no, 'NO_OP', c.column_alias, c.column_id, c.monday_item_id::text
            FROM mon_val_cell AS c
            WHERE c.column_id IS NOT NULL AND c.is_writable = 'Y'
                AND c.monday_item_id IS NOT NULL
                AND lower(c.column_alias) NOT IN (
                    'monday_item_id', 'monday_board_id', 'parent_item_id', 'update_operation', 'update_fields', 'source_table',
                    'source_query', 'update_batch_id', 'validation_status', 'validation_errors', 'update_row_no'
                )
                AND EXISTS (
                    SELECT 1
                    FROM mon_val_loaded AS lr
                    WHERE lr.monday_item_id = c.monday_item_id
                        AND jsonb_exists(lr.j, lower(c.column_alias))
                        AND (
                            CASE jsonb_typeof(lr.j -> lower(c.column_alias))
                                WHEN 'null' THEN NULL
                                WHEN 'number' THEN dbo.fn_MON_Private_NormalizeNumber(lr.j ->> lower(c.column_alias))
                                ELSE btrim(lr.j ->> lower(c.column_alias))
                            END
                        ) IS NOT DISTINCT FROM (
                            CASE WHEN c.column_type = 'numbers' THEN coalesce(dbo.fn_MON_Private_NormalizeNumber(c.raw_value), btrim(c.raw_value))
                            ELSE btrim(c.raw_value) END
                        )
                );
        END IF;
    END IF;

    -- messages, per-row JSON, statuses -----------------------------------------------------------------
    WITH e AS (
        SELECT er.update_row_no, vr.severity, vr.rule_code, er.column_alias,
            replace(replace(replace(replace(replace(replace(replace(replace(vr.message_template,
                '{column}', coalesce('''' || er.column_alias || '''', '')),
                '{column_id}', coalesce(er.column_id, '')),
                '{type}', coalesce(er.column_type, '')),
                '{value}', coalesce('''' || left(er.val, 100) || CASE WHEN length(er.val) > 100 THEN '...' ELSE '' END || '''', 'NULL')),
                '{labels}', coalesce(er.labels, '(none)')),
                '{closest}', coalesce(er.closest, '(none)')),
                '{board_id}', v_meta::text),
                '{detail}', coalesce(er.detail, '')) AS message
        FROM mon_val_err AS er
        INNER JOIN dbo.MON_ValidationRule AS vr ON vr.rule_code = er.rule_code AND vr.is_enabled = 'Y'
    ),
    agg AS (
        SELECT e.update_row_no,
            bool_or(e.severity = 'ERROR') AS has_error,
            bool_or(e.severity = 'WARNING') AS has_warning,
            '[' || string_agg(
                '{"rule":' || to_json(e.rule_code::text)::text
                || ',"column":' || coalesce(to_json(e.column_alias)::text, 'null')
                || ',"severity":' || to_json(e.severity::text)::text
                || ',"message":' || to_json(e.message)::text || '}',
                ',' ORDER BY CASE e.severity WHEN 'ERROR' THEN 0 ELSE 1 END, e.rule_code, e.column_alias
            ) || ']' AS errors
        FROM e
        GROUP BY e.update_row_no
    ),
    agg_insert AS (
        -- with the hash of each row as this validation saw it (the copy in mon_val_row): of its content alone,
        -- to find a row changed since the copy, and with its status, to store in dbo.MON_ValidatedRow
        INSERT INTO mon_val_res (update_row_no, status, errors, content_hash, row_hash)
        SELECT r.update_row_no, v.status, coalesce(a.errors, '[]'),
            dbo.fn_MON_Private_RowHash(r.monday_item_id, r.parent_item_id, r.item_name, r.group_id, r.update_fields,
                NULL),
            dbo.fn_MON_Private_RowHash(r.monday_item_id, r.parent_item_id, r.item_name, r.group_id, r.update_fields,
                v.status)
        FROM mon_val_row AS r LEFT JOIN agg AS a ON a.update_row_no = r.update_row_no
        CROSS JOIN LATERAL (
            SELECT (CASE WHEN a.has_error THEN 'INVALID' WHEN a.has_warning THEN 'WARNING' ELSE 'VALID' END)::varchar
                AS status
        ) AS v
        RETURNING 1
    )
    SELECT count(*) INTO v_count FROM agg_insert;

    -- a verdict is written only onto a row whose content is still the one validated (its hash): a row a writer
    -- changed meanwhile is counted, and the validation refused (50305), never given a verdict about other content
    IF b.target_level = 'ITEMS' THEN
        UPDATE dbo.STG_MON_CustMasterSchedule AS s
        SET validation_status = x.status, validation_errors = x.errors
        FROM mon_val_res AS x
        WHERE s.update_batch_id = p_batch_id AND s.update_row_no = x.update_row_no
            AND dbo.fn_MON_Private_RowHash(s.monday_item_id, NULL, s.item_name, s.group_id, s.update_fields, NULL)
                = x.content_hash;
    ELSE
        UPDATE dbo.STG_MON_CustMasterSchedule_Subitems AS s
        SET validation_status = x.status, validation_errors = x.errors
        FROM mon_val_res AS x
        WHERE s.update_batch_id = p_batch_id AND s.update_row_no = x.update_row_no
            AND dbo.fn_MON_Private_RowHash(s.monday_item_id, s.parent_item_id, s.item_name, s.group_id,
                s.update_fields, NULL) = x.content_hash;
    END IF;
    GET DIAGNOSTICS v_written = ROW_COUNT;

    -- the rows validated must be the rows staged: a loader that truncated the table, or anyone who added rows to
    -- the batch since staging, is refused, never counted in (rows_staged is the stage's own count; 0: not known)
    SELECT ub.rows_staged INTO v_staged_count FROM dbo.MON_UpdateBatch AS ub WHERE ub.batch_id = p_batch_id;
    IF v_staged_count > 0 AND v_count <> v_staged_count THEN
        RAISE EXCEPTION USING ERRCODE = '50304',
            MESSAGE = format('usp_ValidateStagedUpdates: the %s staged rows of batch %s are gone from the staging table or were joined by others (%s rows carry the batch id now): the loader truncated or reloaded the table, or rows were written there by hand. Cancel the batch and stage again.',
                v_staged_count, p_batch_id, v_count);
    END IF;
    IF v_written < v_count THEN
        RAISE EXCEPTION USING ERRCODE = '50305',
            MESSAGE = format('usp_ValidateStagedUpdates: %s of the %s staged rows of batch %s were changed in the staging table while they were being validated (their monday_item_id, parent_item_id, item_name, group_id or update_fields): no verdict was written. Find who writes the rows, then validate the batch again (dbo.usp_ValidateStagedUpdates(p_batch_id => ''%s'')).',
                v_count - v_written, v_count, p_batch_id, p_batch_id);
    END IF;
    -- a batch cancelled (or released) while it was being validated keeps that status: the verdicts are not
    -- written over it
    UPDATE dbo.MON_UpdateBatch AS ub
    SET rows_staged = CASE WHEN ub.rows_staged > 0 THEN ub.rows_staged ELSE v_count END,
        rows_valid = (SELECT count(*) FROM mon_val_res WHERE status = 'VALID'),
        rows_warning = (SELECT count(*) FROM mon_val_res WHERE status = 'WARNING'),
        rows_invalid = (SELECT count(*) FROM mon_val_res WHERE status = 'INVALID'),
        validated_at = clock_timestamp() AT TIME ZONE 'UTC',
        batch_status = 'VALIDATED'
    WHERE ub.batch_id = p_batch_id AND ub.batch_status IN ('STAGED', 'VALIDATED');
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '50303',
            MESSAGE = format('usp_ValidateStagedUpdates: batch %s was cancelled or released while it was being validated; only STAGED or VALIDATED batches can be validated, and its status is kept.', p_batch_id);
    END IF;

    -- what was validated, row by row: the hash of each copied row's content with the status it was just
    -- given (computed above from mon_val_row). usp_ReleaseBatch refuses any row whose content differs (50412), so a
    -- row changed in the owner's staging table after validation is never sent unvalidated
    DELETE FROM dbo.MON_ValidatedRow AS vr WHERE vr.batch_id = p_batch_id;
    INSERT INTO dbo.MON_ValidatedRow (batch_id, update_row_no, row_hash)
    SELECT p_batch_id, x.update_row_no, x.row_hash
    FROM mon_val_res AS x;
END;
$$;
