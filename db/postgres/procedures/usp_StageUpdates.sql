-- usp_StageUpdates: runs a SELECT with the caller's permissions and stages its rows as one batch of
-- updates: one row per result row in STG_MON_CustMasterSchedule (ITEMS) or
-- STG_MON_CustMasterSchedule_Subitems (SUBITEMS) with update_batch_id, update_row_no 1..n, update_fields
-- (JSON object alias -> value as text, NULL kept) and source_table, monday_board_id NULL (the board is the
-- batch's: a query over the loader's rows by board never returns staged copies) and source_query NULL (the text
-- is kept once, in MON_UpdateBatch.source_query); creates the batch header,
-- validates the batch, and returns its id and counts (INOUT) plus a NOTICE summary.
-- The query is refused, staging nothing, when it holds more than one statement, a statement that changes
-- data or schema, does not parse, fails, repeats a column or lacks the key columns of the operation.
-- The query reads only what the caller may read: the shell dbo.usp_StageUpdates (at the end of this file,
-- SECURITY INVOKER) runs it, and nothing else, with the caller's privileges; everything else is
-- dbo.usp_Private_StageUpdates_Work, SECURITY DEFINER, called three times by the shell, each in a transaction
-- of its own: step CHECK (parameters, run log, the text of the query), step STAGE (the captured rows become the
-- batch) and step VALIDATE (after the rows were committed). Twin of
-- db/procedures/usp_StageUpdates.sql. Errors 50201-50218 (docs/errors.md).
CREATE OR REPLACE PROCEDURE dbo.usp_Private_StageUpdates_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    INOUT p_shell_sql text,
    INOUT p_shell_run_id bigint,
    p_shell_step varchar,
    p_shell_capture_state text,
    p_shell_capture_message text,
    p_query text DEFAULT NULL,
    p_board_id bigint DEFAULT NULL,
    p_update_operation varchar DEFAULT 'UPDATE',
    p_target_level varchar DEFAULT 'ITEMS',
    p_source_table varchar DEFAULT NULL,
    p_create_labels_if_missing char(1) DEFAULT 'N',
    INOUT p_batch_id varchar DEFAULT NULL,
    p_help char(1) DEFAULT 'N',
    INOUT p_rows_staged int DEFAULT NULL,
    INOUT p_rows_valid int DEFAULT NULL,
    INOUT p_rows_warning int DEFAULT NULL,
    INOUT p_rows_invalid int DEFAULT NULL
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    v_count int;
    v_op varchar(20) := upper(btrim(coalesce(p_update_operation, '')));
    v_level varchar(10) := upper(btrim(coalesce(p_target_level, '')));
    v_labels char(1) := upper(coalesce(p_create_labels_if_missing, ''));
    v_errors text[] := ARRAY[]::text[];
    v_run_id bigint;
    v_state text;
    v_msg text;
    v_batch_exists text;
    v_blank text;
    v_code_len int;
    v_sql text;
    v_word text;
    v_second int;
    v_rows int := 0;
    v_batch varchar(50);
    v_cols record;
    v_missing text;
    v_fields text := '';
    v_expr text;
    v_keys text[] := ARRAY['monday_item_id', 'monday_board_id', 'item_name', 'group_id', 'parent_item_id'];
    v_key_expr jsonb := '{}'::jsonb;
    v_bad record;
    v_target text;
    b dbo.MON_UpdateBatch%ROWTYPE;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', concat_ws(E'\n',
            'usp_StageUpdates: stages the rows of a SELECT as one batch of monday.com updates, validates it and',
            'returns the batch id and counts. Nothing is sent: release the batch with usp_ReleaseBatch, then run the sender.',
            '',
            'Parameters:',
            '  p_query                    text         required   one SELECT (CTEs, ORDER BY, a trailing semicolon are fine);',
            '                                                     key columns: monday_item_id (UPDATE), item_name [, group_id] (CREATE),',
            '                                                     parent_item_id (CREATE of SUBITEMS); every other column is an update:',
            '                                                     its alias is a column id, a column title (Order Status ~ order_status)',
            '                                                     or a dbo.MON_ColumnMap alias',
            '  p_board_id                 bigint       required   the board (the parent board for SUBITEMS)',
            '  p_update_operation         varchar(20)  ''UPDATE''   ''UPDATE'' | ''CREATE''',
            '  p_target_level             varchar(10)  ''ITEMS''    ''ITEMS'' | ''SUBITEMS''',
            '  p_source_table             varchar(100) NULL       recorded with the batch, for the audit trail',
            '  p_create_labels_if_missing char(1)      ''N''        ''Y'' lets unknown status/dropdown labels be created by monday',
            '  p_batch_id                 varchar(50)  INOUT      the new batch id (pass one to choose it)',
            '  p_help                     char(1)      ''N''        ''Y'' prints this text and does nothing else',
            '  p_rows_staged              int          INOUT      rows staged into the batch',
            '  p_rows_valid               int          INOUT      rows VALID after validation',
            '  p_rows_warning             int          INOUT      rows with a WARNING only',
            '  p_rows_invalid             int          INOUT      rows refused by validation',
            '',
            'Examples:',
            '  CALL dbo.usp_StageUpdates(p_query => $q$SELECT monday_item_id, ''In Progress'' AS order_status',
            '      FROM dbo.STG_MON_CustMasterSchedule WHERE monday_board_id = 8709134353 AND monday_item_id = 1234567890 LIMIT 1$q$,',
            '      p_board_id => 8709134353);',
            '  CALL dbo.usp_StageUpdates(p_query => $q$SELECT ''New order'' AS item_name, ''topics'' AS group_id, ''2026-07-01'' AS due_date$q$,',
            '      p_board_id => 8709134353, p_update_operation => ''CREATE'');',
            '  SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = ''<batch id>'';');
        RETURN;
    END IF;

    -- parameters: collect every problem, raise once
    -- empty or blank: only spaces, tabs, line breaks, form feeds
    IF p_query IS NULL OR btrim(p_query, E' \t\n\r\f\v') = '' THEN
        v_errors := v_errors || 'p_query is empty: pass the SELECT whose rows become updates.'::text;
    END IF;
    IF p_board_id IS NULL THEN
        v_errors := v_errors || 'p_board_id is required: pass the id of the monday board to update (e.g. 8709134353).'::text;
    END IF;
    IF v_op NOT IN ('UPDATE', 'CREATE') THEN
        v_errors := v_errors || format('p_update_operation %L is not supported. Supported values are UPDATE and CREATE.', p_update_operation);
    END IF;
    IF v_level NOT IN ('ITEMS', 'SUBITEMS') THEN
        v_errors := v_errors || format('p_target_level %L is not supported. Supported values are ITEMS and SUBITEMS.', p_target_level);
    END IF;
    IF v_labels NOT IN ('Y', 'N') THEN
        v_errors := v_errors || format('p_create_labels_if_missing %L is not supported. Supported values are Y and N.', p_create_labels_if_missing);
    END IF;
    IF p_batch_id IS NOT NULL AND (length(p_batch_id) > 50 OR btrim(p_batch_id) = '') THEN
        v_errors := v_errors || 'p_batch_id must be 1-50 characters, or NULL for a new id.'::text;
    END IF;
    IF cardinality(v_errors) > 0 THEN
        RAISE EXCEPTION USING ERRCODE = '50201', MESSAGE = 'usp_StageUpdates: ' || array_to_string(v_errors, ' ');
    END IF;

    IF p_shell_step IN ('STAGE', 'VALIDATE') THEN
        -- the run-log row step CHECK opened for this very login, still open
        SELECT r.run_id INTO v_run_id FROM dbo.MON_RunLog AS r
        WHERE r.run_id = p_shell_run_id AND r.proc_name = 'usp_StageUpdates' AND r.end_time IS NULL
            AND r.caller_login = session_user;
        IF v_run_id IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '50201',
                MESSAGE = 'usp_StageUpdates: call dbo.usp_StageUpdates; its internal steps cannot be called on their own.';
        END IF;
    ELSE
    CALL dbo.usp_Private_OpenRunLog(p_proc_name => 'usp_StageUpdates', p_batch_id => p_batch_id,
        p_parameters_used => format(
            'CALL dbo.usp_StageUpdates(p_query => %s, p_board_id => %s, p_update_operation => %s, p_target_level => %s, '
            'p_source_table => %s, p_create_labels_if_missing => %s, p_batch_id => %s);',
            quote_nullable(left(p_query, 4000)) || CASE WHEN length(p_query) > 4000 THEN ' /* cut at 4000 characters */' ELSE '' END,
            p_board_id, quote_nullable(v_op), quote_nullable(v_level), quote_nullable(p_source_table),
            quote_nullable(v_labels), quote_nullable(p_batch_id)),
        p_run_id => v_run_id);
    END IF;

    IF p_shell_step = 'VALIDATE' THEN
        -- step VALIDATE, in a transaction of its own after the rows were committed: validation's reads of the
        -- owner's rows and of other batches hold nothing of the transaction that inserted the staged rows
        BEGIN
            CALL dbo.usp_Private_ValidateBatch(p_batch_id => p_batch_id);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
            v_msg := v_msg || format(' Batch %s was staged before its validation failed; its rows stay PENDING: validate it again with CALL dbo.usp_ValidateStagedUpdates(p_batch_id => %L);',
                p_batch_id, p_batch_id);
        END;
        SELECT * INTO b FROM dbo.MON_UpdateBatch WHERE batch_id = p_batch_id;
    ELSE
        BEGIN
            -- 1. the text: one SELECT, nothing that changes data or schema -------------------------------------
            IF length(p_query) > 1000000 THEN
                RAISE EXCEPTION USING ERRCODE = '50216',
                    MESSAGE = format('usp_StageUpdates: the query has %s characters; at most 1000000 are accepted (the limit of the query text, not of the rows it returns). Put long values and long lists of rows in a table and select them from there, or stage them in several batches.', length(p_query));
            END IF;
            IF position('[SAFE_TEST_ITEM_ID]' IN upper(p_query)) > 0 THEN
                RAISE EXCEPTION USING ERRCODE = '50218',
                    MESSAGE = format('usp_StageUpdates: the query still holds the placeholder [SAFE_TEST_ITEM_ID]: replace it with the monday id of a safe test item (e.g. monday_item_id = 1234567890; the loader''s rows list them: SELECT monday_item_id, item_name FROM dbo.STG_MON_CustMasterSchedule WHERE monday_board_id = %s), then stage again. Nothing was staged.', p_board_id);
            END IF;
            v_blank := dbo.fn_MON_Private_BlankQueryText(p_query);
            v_code_len := length(rtrim(v_blank, E' \t\r\n;'));
            IF strpos(left(v_blank, v_code_len), ';') > 0 THEN
                RAISE EXCEPTION USING ERRCODE = '50211',
                    MESSAGE = format('usp_StageUpdates: the query holds more than one statement (a semicolon at character %s). Pass a single SELECT; only a trailing semicolon is allowed.', strpos(left(v_blank, v_code_len), ';'));
            END IF;
            v_word := lower(substring(btrim(v_blank, E' \t\r\n(') FROM '^[A-Za-z]+'));
            IF v_word IS NULL OR v_word NOT IN ('select', 'with') THEN
                RAISE EXCEPTION USING ERRCODE = '50212',
                    MESSAGE = format('usp_StageUpdates: the query must be a SELECT (or WITH ... SELECT); it starts with %s. Pass the SELECT whose rows become updates.', coalesce(quote_literal(v_word), 'no statement'));
            END IF;
            v_word := dbo.fn_MON_Private_ForbiddenKeyword(v_blank);
            IF v_word IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = '50210',
                    MESSAGE = format('usp_StageUpdates: the query contains %s. usp_StageUpdates runs a single read-only SELECT and refuses statements and clauses that change data or schema, run code or lock rows (INSERT, UPDATE, DELETE, MERGE, TRUNCATE, DROP, ALTER, CREATE, EXEC, GRANT, SELECT INTO, FOR UPDATE, ...). Remove %s from the query; quote an identifier of that name.', v_word, v_word);
            END IF;
            SELECT p.second_pos INTO v_second FROM dbo.fn_MON_Private_QueryParts(left(v_blank, v_code_len)) AS p;
            IF v_second > 0 THEN
                RAISE EXCEPTION USING ERRCODE = '50211',
                    MESSAGE = format('usp_StageUpdates: the query holds more than one statement (a second SELECT at character %s; T-SQL needs no semicolon between two statements, and GO is not a separator here). Pass a single SELECT; join result sets with UNION ALL.', v_second);
            END IF;
            v_sql := left(p_query, v_code_len);
            IF p_shell_step = 'CHECK' THEN
                p_shell_sql := v_sql;
                p_shell_run_id := v_run_id;
                RETURN;
            END IF;

            -- 2. the shell ran it once, with the caller's privileges, into the temp table pg_temp.mon_stage_capture
            -- (a wrapped query cannot hold a data-modifying WITH); how it failed, if it did ---------------------
            v_state := p_shell_capture_state;
            v_msg := p_shell_capture_message;
            IF v_state IS NOT NULL THEN
                IF v_state = '42701' AND v_msg LIKE '%?column?%' THEN
                    RAISE EXCEPTION USING ERRCODE = '50215',
                        MESSAGE = 'usp_StageUpdates: the query returns columns without a name. Give every column an alias (e.g. ''In Progress'' AS order_status).';
                ELSIF v_state = '42701' THEN
                    RAISE EXCEPTION USING ERRCODE = '50206',
                        MESSAGE = format('usp_StageUpdates: the query returns a column name twice (%s). Give each column its own alias.', v_msg);
                ELSIF v_state LIKE '54%' AND v_msg LIKE '%at most % columns%' THEN
                    -- too_many_columns: a table holds at most 1,600
                    RAISE EXCEPTION USING ERRCODE = '50219',
                        MESSAGE = 'usp_StageUpdates: the query returns more than 1599 columns; at most 1000 can be staged in one batch. Stage the columns in several batches.';
                ELSIF v_state = '42P16' THEN
                    RAISE EXCEPTION USING ERRCODE = '50213',
                        MESSAGE = format('usp_StageUpdates: the query returns a column whose type cannot be staged (%s). CAST it to text in the query.', v_msg);
                ELSIF v_state IN ('42601', '42883') AND dbo.fn_MON_Private_ForbiddenKeyword(v_blank) IS NULL
                    AND lower(' ' || v_blank || ' ') ~ '[^a-z0-9_@#$]top[^a-z0-9_@#$]' THEN
                    RAISE EXCEPTION USING ERRCODE = '50205',
                        MESSAGE = format('usp_StageUpdates: the query does not parse on PostgreSQL: TOP is SQL Server syntax (%s). Write SELECT ... LIMIT 1 instead of SELECT TOP (1) ... and stage again.', v_msg);
                ELSIF v_state = '42501' OR v_state LIKE '22%' OR v_state LIKE '23%' OR v_state LIKE '40%' OR v_state LIKE '53%'
                    OR v_state LIKE '57%' OR v_state LIKE '58%' OR v_state LIKE 'P0%' OR v_state LIKE '25%' OR v_state LIKE '0A%' THEN
                    RAISE EXCEPTION USING ERRCODE = '50204',
                        MESSAGE = format('usp_StageUpdates: the query failed when it ran: %s (SQLSTATE %s). Nothing was staged; fix the query (or the caller''s permissions) and stage again.', v_msg, v_state);
                ELSE
                    RAISE EXCEPTION USING ERRCODE = '50203',
                        MESSAGE = format('usp_StageUpdates: the query does not parse or names something that does not exist: %s (SQLSTATE %s). Nothing was staged; fix the query and stage again.', v_msg, v_state);
                END IF;
            END IF;
            v_state := NULL;
            v_msg := NULL;

            -- the captured rows are read as the routines' owner: only a plain table of this session whose columns
            -- are of PostgreSQL's own types (the shell makes them so) may be read, as a view, a row-level policy,
            -- a child table or a type of the caller's (with a cast of the caller's) would run code as the owner
            IF EXISTS (
                SELECT 1 FROM pg_class AS c
                WHERE c.oid = to_regclass('pg_temp.mon_stage_capture')
                    AND (c.relkind <> 'r' OR c.relrowsecurity OR c.relhassubclass OR EXISTS (
                        SELECT 1 FROM pg_attribute AS a JOIN pg_type AS ty ON ty.oid = a.atttypid
                        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                            AND ty.typnamespace <> 'pg_catalog'::regnamespace))
            ) THEN
                RAISE EXCEPTION USING ERRCODE = '50201',
                    MESSAGE = 'usp_StageUpdates: call dbo.usp_StageUpdates; its internal steps cannot be called on their own.';
            END IF;

            -- 3. its columns: names unique, no unnamed column, key columns present --------------------------------
            IF to_regclass('pg_temp.mon_stage_cols') IS NOT NULL THEN DROP TABLE pg_temp.mon_stage_cols; END IF;
            CREATE TEMP TABLE mon_stage_cols (attnum int, attname text, typ regtype);
            INSERT INTO pg_temp.mon_stage_cols
            SELECT a.attnum, a.attname::text, a.atttypid::regtype
            FROM pg_attribute AS a
            WHERE a.attrelid = 'pg_temp.mon_stage_capture'::regclass AND a.attnum > 1 AND NOT a.attisdropped;

            IF NOT EXISTS (SELECT 1 FROM pg_temp.mon_stage_cols) THEN
                RAISE EXCEPTION USING ERRCODE = '50214',
                    MESSAGE = 'usp_StageUpdates: the query returns no columns. Pass a SELECT that returns the key column and the values to update.';
            END IF;
            SELECT count(*) INTO v_count FROM pg_temp.mon_stage_cols;
            IF v_count > 1000 THEN
                RAISE EXCEPTION USING ERRCODE = '50219',
                    MESSAGE = format('usp_StageUpdates: the query returns %s columns; at most 1000 can be staged in one batch. Stage the columns in several batches.', v_count);
            END IF;
            IF EXISTS (SELECT 1 FROM pg_temp.mon_stage_cols WHERE attname = '?column?') THEN
                RAISE EXCEPTION USING ERRCODE = '50215',
                    MESSAGE = 'usp_StageUpdates: the query returns a column without a name. Give every column an alias (e.g. ''In Progress'' AS order_status).';
            END IF;
            SELECT string_agg(DISTINCT lower(attname), ', ') INTO v_missing FROM pg_temp.mon_stage_cols
            GROUP BY lower(attname) HAVING count(*) > 1 LIMIT 1;
            IF v_missing IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = '50206',
                    MESSAGE = format('usp_StageUpdates: the query returns the column %s twice (names are compared ignoring case). Give each column its own alias.', v_missing);
            END IF;
            SELECT string_agg(k.name, ', ' ORDER BY k.ord) INTO v_missing
            FROM unnest(CASE
                WHEN v_op = 'UPDATE' THEN ARRAY['monday_item_id']
                WHEN v_level = 'SUBITEMS' THEN ARRAY['item_name', 'parent_item_id']
                ELSE ARRAY['item_name']
            END) WITH ORDINALITY AS k (name, ord)
            WHERE NOT EXISTS (SELECT 1 FROM pg_temp.mon_stage_cols AS c WHERE lower(c.attname) = k.name);
            IF v_missing IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = '50207',
                    MESSAGE = format('usp_StageUpdates: the query returns no column %s, which %s needs. %s', v_missing,
                        CASE WHEN v_op = 'UPDATE' THEN 'an UPDATE' WHEN v_level = 'SUBITEMS' THEN 'a CREATE of subitems' ELSE 'a CREATE' END,
                        CASE WHEN v_op = 'UPDATE'
                            THEN 'Return the id of each item (e.g. SELECT s.monday_item_id, ...), or stage with p_update_operation => ''CREATE''.'
                            ELSE 'Return the new item''s name AS item_name (and parent_item_id for subitems).' END);
            END IF;

            -- 4. the text form of each column (the same text the T-SQL twin writes) ------------------------------
            IF to_regclass('pg_temp.mon_stage_expr') IS NOT NULL THEN DROP TABLE pg_temp.mon_stage_expr; END IF;
            CREATE TEMP TABLE mon_stage_expr (attnum int, attname text, is_key boolean, expr text);
            INSERT INTO pg_temp.mon_stage_expr
            SELECT c.attnum, c.attname, lower(c.attname) = ANY (v_keys),
                dbo.fn_MON_Private_StringifyExpr(format('q.%I', c.attname), c.typ::text)
            FROM pg_temp.mon_stage_cols AS c;

            SELECT count(*) INTO v_rows FROM pg_temp.mon_stage_capture;
            IF v_rows = 0 THEN
                RAISE EXCEPTION USING ERRCODE = '50217',
                    MESSAGE = 'usp_StageUpdates: the query returned no rows: nothing was staged and no batch was created. Run the query on its own to check its WHERE clause and joins, then stage again.';
            ELSE
                -- 5. key values must fit their columns -------------------------------------------------------------
                FOR v_cols IN SELECT * FROM pg_temp.mon_stage_expr WHERE is_key ORDER BY attnum LOOP
                    IF lower(v_cols.attname) IN ('monday_item_id', 'monday_board_id', 'parent_item_id') THEN
                        EXECUTE format('SELECT q.mon_stage_row_no AS n, %s AS v FROM pg_temp.mon_stage_capture AS q WHERE %s IS NOT NULL '
                            'AND (btrim(%s) !~ ''^[+-]?[0-9]{1,19}$'' OR btrim(%s)::numeric NOT BETWEEN -9223372036854775808 AND 9223372036854775807) '
                            'ORDER BY 1 LIMIT 1', v_cols.expr, v_cols.expr, v_cols.expr, v_cols.expr)
                            INTO v_bad;
                        IF v_bad.n IS NOT NULL THEN
                            RAISE EXCEPTION USING ERRCODE = '50208',
                                MESSAGE = format('usp_StageUpdates: row %s: %s %L is not a whole number. Return the monday id as a number (e.g. CAST(x AS bigint)).', v_bad.n, lower(v_cols.attname), left(v_bad.v, 100));
                        END IF;
                        v_key_expr := v_key_expr || jsonb_build_object(lower(v_cols.attname), format('btrim(%s)::bigint', v_cols.expr));
                    ELSE
                        -- counted in UTF-16 code units, as validation and the T-SQL twin count (an emoji is two)
                        EXECUTE format('SELECT q.mon_stage_row_no AS n, length(%1$s) + length(regexp_replace(%1$s, ''[^\U00010000-\U0010FFFF]'', '''', ''g'')) AS v '
                            'FROM pg_temp.mon_stage_capture AS q '
                            'WHERE length(%1$s) + length(regexp_replace(%1$s, ''[^\U00010000-\U0010FFFF]'', '''', ''g'')) > %2$s ORDER BY 1 LIMIT 1', v_cols.expr,
                            CASE WHEN lower(v_cols.attname) = 'item_name' THEN 255 ELSE 100 END)
                            INTO v_bad;
                        IF v_bad.n IS NOT NULL THEN
                            RAISE EXCEPTION USING ERRCODE = '50209',
                                MESSAGE = format('usp_StageUpdates: row %s: %s has %s characters; at most %s fit (monday item names are 1-255 characters). Shorten it in the query, e.g. LEFT(x, %s).',
                                    v_bad.n, lower(v_cols.attname), v_bad.v, CASE WHEN lower(v_cols.attname) = 'item_name' THEN 255 ELSE 100 END,
                                    CASE WHEN lower(v_cols.attname) = 'item_name' THEN 255 ELSE 100 END);
                        END IF;
                        v_key_expr := v_key_expr || jsonb_build_object(lower(v_cols.attname), v_cols.expr);
                    END IF;
                END LOOP;

                -- 6. update_fields: {"alias":"text"|null,...} in query column order ----------------------------------
                SELECT coalesce(string_agg(
                    format('%L || coalesce(to_json(%s)::text, %L)', to_json(e.attname)::text || ':', e.expr, 'null'),
                    ' || '','' || ' ORDER BY e.attnum), '''''')
                INTO v_fields
                FROM pg_temp.mon_stage_expr AS e WHERE NOT e.is_key;

                v_batch := coalesce(p_batch_id,
                    'UB' || to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS') || '-' || substr(md5(random()::text || clock_timestamp()::text), 1, 6));
                v_batch_exists := format('usp_StageUpdates: batch %s exists already. Pass another p_batch_id, or NULL for a new one.', v_batch);
                IF EXISTS (SELECT 1 FROM dbo.MON_UpdateBatch WHERE batch_id = v_batch) THEN
                    RAISE EXCEPTION USING ERRCODE = '50202', MESSAGE = v_batch_exists;
                END IF;

                BEGIN
                    INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, source_table, source_query,
                        create_labels_if_missing, batch_status, rows_staged)
                    VALUES (v_batch, p_board_id, v_level, v_op, p_source_table, p_query, v_labels, 'STAGED', v_rows);
                EXCEPTION WHEN unique_violation THEN
                    -- a concurrent stage with the same p_batch_id committed its batch after the check above
                    RAISE EXCEPTION USING ERRCODE = '50202', MESSAGE = v_batch_exists;
                END;

                -- a staged row carries no monday_board_id: its board is its batch's (MON_UpdateBatch.board_id), and
                -- queries over the loader's rows (WHERE monday_board_id = ...) never read staged copies back; nor
                -- source_query: the query text is kept once, in MON_UpdateBatch.source_query, not once per row
                v_target := CASE WHEN v_level = 'ITEMS' THEN 'dbo.STG_MON_CustMasterSchedule' ELSE 'dbo.STG_MON_CustMasterSchedule_Subitems' END;
                EXECUTE format(
                    'INSERT INTO %s (monday_item_id, monday_board_id, item_name, group_id%s, update_operation, update_fields, '
                    'source_table, source_query, update_batch_id, validation_status, validation_errors, update_row_no) '
                    'SELECT %s, NULL::bigint, %s, %s%s, $2, ''{'' || %s || ''}'', $3, NULL, $5, ''PENDING'', NULL, q.mon_stage_row_no '
                    'FROM pg_temp.mon_stage_capture AS q ORDER BY q.mon_stage_row_no',
                    v_target,
                    CASE WHEN v_level = 'SUBITEMS' THEN ', parent_item_id' ELSE '' END,
                    coalesce(v_key_expr ->> 'monday_item_id', 'NULL::bigint'),
                    coalesce(v_key_expr ->> 'item_name', 'NULL::text'),
                    coalesce(v_key_expr ->> 'group_id', 'NULL::text'),
                    CASE WHEN v_level = 'SUBITEMS' THEN ', ' || coalesce(v_key_expr ->> 'parent_item_id', 'NULL::bigint') ELSE '' END,
                    v_fields)
                USING p_board_id, v_op, p_source_table, p_query, v_batch;

                p_batch_id := v_batch;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
        END;
    END IF;
    IF p_shell_step = 'STAGE' AND v_state IS NULL THEN
        -- the rows are staged: the shell commits them, then calls step VALIDATE
        RETURN;
    END IF;

    IF v_state IS NOT NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_StageUpdates, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;

    p_rows_staged := coalesce(b.rows_staged, 0);
    p_rows_valid := coalesce(b.rows_valid, 0);
    p_rows_warning := coalesce(b.rows_warning, 0);
    p_rows_invalid := coalesce(b.rows_invalid, 0);
    CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => p_rows_staged, p_batch_id => p_batch_id);
    RAISE NOTICE 'Batch % staged % rows for board % (% %): % valid, % warning, % invalid. %', p_batch_id, p_rows_staged,
        p_board_id, v_op, v_level, p_rows_valid, p_rows_warning, p_rows_invalid,
        CASE WHEN p_rows_invalid + p_rows_warning > 0
            THEN format('Details: SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = %L; ', p_batch_id) ELSE '' END
        || format('Next: CALL dbo.usp_ReleaseBatch(p_batch_id => %L);', p_batch_id);
END;
$$;

-- dbo.usp_StageUpdates: the public procedure, SECURITY INVOKER: it runs the caller's query with the caller's
-- privileges, and that capture is the only statement it runs itself; it also commits (a SECURITY DEFINER
-- procedure cannot). Everything else is dbo.usp_Private_StageUpdates_Work above, run as the routines' owner,
-- which reads the captured rows (granted to it for that) and hands a failure back to be raised here after
-- the COMMIT that keeps the run-log row.
CREATE OR REPLACE PROCEDURE dbo.usp_StageUpdates(
    p_query text DEFAULT NULL,
    p_board_id bigint DEFAULT NULL,
    p_update_operation varchar DEFAULT 'UPDATE',
    p_target_level varchar DEFAULT 'ITEMS',
    p_source_table varchar DEFAULT NULL,
    p_create_labels_if_missing char(1) DEFAULT 'N',
    INOUT p_batch_id varchar DEFAULT NULL,
    p_help char(1) DEFAULT 'N',
    INOUT p_rows_staged int DEFAULT NULL,
    INOUT p_rows_valid int DEFAULT NULL,
    INOUT p_rows_warning int DEFAULT NULL,
    INOUT p_rows_invalid int DEFAULT NULL
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_state text;
    v_msg text;
    v_sql text;
    v_run_id bigint;
    v_capture_state text;
    v_capture_msg text;
    v_owner text;
    v_col text;
    v_step varchar(10) := 'CHECK';
BEGIN
    IF upper(coalesce(p_help, 'N')) <> 'Y' THEN
        -- a caller's open transaction is refused before anything changes; the work runs READ COMMITTED
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_StageUpdates');
    END IF;
    LOOP
        CALL dbo.usp_Private_StageUpdates_Work(
            p_shell_error_state => v_state,
            p_shell_error_message => v_msg,
            p_shell_sql => v_sql,
            p_shell_run_id => v_run_id,
            p_shell_step => v_step,
            p_shell_capture_state => v_capture_state,
            p_shell_capture_message => v_capture_msg,
            p_query => p_query,
            p_board_id => p_board_id,
            p_update_operation => p_update_operation,
            p_target_level => p_target_level,
            p_source_table => p_source_table,
            p_create_labels_if_missing => p_create_labels_if_missing,
            p_batch_id => p_batch_id,
            p_help => p_help,
            p_rows_staged => p_rows_staged,
            p_rows_valid => p_rows_valid,
            p_rows_warning => p_rows_warning,
            p_rows_invalid => p_rows_invalid
        );
        IF to_regclass('pg_temp.mon_stage_capture') IS NOT NULL THEN DROP TABLE pg_temp.mon_stage_capture; END IF;
        COMMIT;
        SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
        -- done: the help text, a failure, or the batch staged
        EXIT WHEN v_step = 'VALIDATE' OR v_state IS NOT NULL OR v_sql IS NULL;
        IF v_step = 'STAGE' THEN
            v_step := 'VALIDATE';
            CONTINUE;
        END IF;

        -- the capture: the caller's query, with the caller's privileges, into a private temp table that the
        -- owner of the work routine may read
        BEGIN
            EXECUTE 'CREATE TEMP TABLE mon_stage_capture AS SELECT row_number() OVER ()::int AS mon_stage_row_no, q.* FROM ('
                || chr(10) || v_sql || chr(10) || ') AS q';
            -- a column of a type defined outside pg_catalog (a domain, an enum, a row type) becomes its text
            -- here, as the caller: its casts are then never run by the owner
            FOR v_col IN
                SELECT a.attname::text FROM pg_attribute AS a JOIN pg_type AS ty ON ty.oid = a.atttypid
                WHERE a.attrelid = 'pg_temp.mon_stage_capture'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                    AND ty.typnamespace <> 'pg_catalog'::regnamespace
                ORDER BY a.attnum
            LOOP
                EXECUTE format('ALTER TABLE pg_temp.mon_stage_capture ALTER COLUMN %1$I TYPE text USING (%1$I)::text', v_col);
            END LOOP;
            SELECT pg_get_userbyid(p.proowner) INTO v_owner
            FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
            WHERE n.nspname = 'dbo' AND p.proname = 'usp_private_stageupdates_work';
            EXECUTE format('GRANT SELECT ON TABLE pg_temp.mon_stage_capture TO %I', v_owner);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_capture_state = RETURNED_SQLSTATE, v_capture_msg = MESSAGE_TEXT;
        END;
        v_step := 'STAGE';
    END LOOP;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
