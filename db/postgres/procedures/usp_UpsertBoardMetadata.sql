-- usp_UpsertBoardMetadata: stores the metadata of one board as the monday API returns it (columns with
-- settings, groups, and optionally items, users and teams), so that SQL can map and validate staged
-- updates. Upserts MON_Board, MON_BoardColumn (deleting columns no longer on the board), MON_BoardGroup
-- (deleting groups no longer on the board), MON_BoardItem (when "items" is given: the board's item list
-- is replaced), MON_User (users and teams; never deleted) and sets synced_at. Links a board and its
-- subitems board (the subtasks column's settings.boardIds[0]) both ways.
-- Twin of db/procedures/usp_UpsertBoardMetadata.sql. Errors 50101-50107 (docs/errors.md).
CREATE OR REPLACE PROCEDURE dbo.usp_Private_UpsertBoardMetadata_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_board_json text DEFAULT NULL,
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    j jsonb;
    v_board bigint;
    v_name text;
    v_sub bigint;
    v_now timestamp := clock_timestamp() AT TIME ZONE 'UTC';
    v_run_id bigint;
    v_state text;
    v_msg text;
    v_cols int := 0;
    v_groups int := 0;
    v_items int := 0;
    v_users int := 0;
    v_bad text;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', concat_ws(E'\n',
            'usp_UpsertBoardMetadata: stores one board''s metadata as the monday API returns it (the sender''s sync-board calls it).',
            '',
            'Parameters:',
            '  p_board_json text     required  {"id": "8709134353", "name": "Planning", "board_kind": "public",',
            '                                   "columns": [{"id", "title", "type", "settings"}], "groups": [{"id", "title"}],',
            '                                   "items": [{"id", "name", "group": {"id"}, "parent_item": {"id"}}] (optional),',
            '                                   "users": [{"id", "name", "email"}] (optional), "teams": [{"id", "name"}] (optional)}',
            '                                  settings may be an object (typed settings) or a JSON string (legacy settings_str)',
            '  p_help       char(1)  ''N''       ''Y'' prints this text and does nothing else',
            '',
            'Examples:',
            '  CALL dbo.usp_UpsertBoardMetadata(p_board_json => ''{"id": "8709134353", "name": "Planning", "columns": [{"id": "status", "title": "Order Status", "type": "status", "settings": {"labels": [{"id": 1, "label": "Done"}]}}], "groups": []}'');',
            '  opus-sender sync-board --board-id 8709134353');
        RETURN;
    END IF;

    -- the document: checked before anything is written --------------------------------------------------
    BEGIN
        j := p_board_json::jsonb;
    EXCEPTION WHEN OTHERS THEN
        j := NULL;
    END;
    IF j IS NULL OR jsonb_typeof(j) <> 'object' THEN
        RAISE EXCEPTION USING ERRCODE = '50101',
            MESSAGE = 'usp_UpsertBoardMetadata: p_board_json is not a JSON object. Pass the board as the monday API returns it: {"id": "...", "name": "...", "columns": [...], "groups": [...]}.';
    END IF;
    IF coalesce(j ->> 'id', '') !~ '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION USING ERRCODE = '50102',
            MESSAGE = format('usp_UpsertBoardMetadata: the board JSON has no numeric "id" (found %s). Pass the board object with its id, e.g. "id": "8709134353".', coalesce(j -> 'id', 'null'::jsonb)::text);
    END IF;
    v_board := (j ->> 'id')::bigint;
    v_name := btrim(j ->> 'name');
    IF v_name IS NULL OR v_name = '' THEN
        RAISE EXCEPTION USING ERRCODE = '50103',
            MESSAGE = format('usp_UpsertBoardMetadata: board %s has no "name" in the JSON. Query the board with its name field.', v_board);
    END IF;
    IF jsonb_typeof(j -> 'columns') IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION USING ERRCODE = '50104',
            MESSAGE = format('usp_UpsertBoardMetadata: board %s has no "columns" array in the JSON. Query columns { id title type settings } with the board.', v_board);
    END IF;
    SELECT string_agg(coalesce(c ->> 'id', '(no id)'), ', ') INTO v_bad
    FROM jsonb_array_elements(j -> 'columns') AS c
    WHERE coalesce(c ->> 'id', '') = '' OR coalesce(c ->> 'title', '') = '' OR coalesce(c ->> 'type', '') = '';
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '50105',
            MESSAGE = format('usp_UpsertBoardMetadata: columns of board %s lack an id, title or type: %s. Query columns { id title type settings }.', v_board, v_bad);
    END IF;
    SELECT string_agg(x.id, ', ') INTO v_bad FROM (
        SELECT c ->> 'id' AS id FROM jsonb_array_elements(j -> 'columns') AS c GROUP BY c ->> 'id' HAVING count(*) > 1
    ) AS x;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '50106',
            MESSAGE = format('usp_UpsertBoardMetadata: board %s lists column ids more than once: %s. Pass each column once.', v_board, v_bad);
    END IF;
    SELECT string_agg(coalesce(x ->> 'id', 'null'), ', ') INTO v_bad
    FROM (
        SELECT e AS x FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j -> 'items') = 'array' THEN j -> 'items' ELSE '[]' END) AS e
        UNION ALL
        SELECT e FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j -> 'users') = 'array' THEN j -> 'users' ELSE '[]' END) AS e
        UNION ALL
        SELECT e FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j -> 'teams') = 'array' THEN j -> 'teams' ELSE '[]' END) AS e
    ) AS y
    WHERE coalesce(x ->> 'id', '') !~ '^[0-9]{1,18}$';
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '50107',
            MESSAGE = format('usp_UpsertBoardMetadata: items, users or teams of board %s have ids that are not numbers: %s. Pass monday ids.', v_board, left(v_bad, 200));
    END IF;

    CALL dbo.usp_Private_OpenRunLog(p_proc_name => 'usp_UpsertBoardMetadata',
        p_parameters_used => 'CALL dbo.usp_UpsertBoardMetadata(p_board_json => ' || quote_nullable(left(p_board_json, 4000))
            || CASE WHEN length(p_board_json) > 4000 THEN ' /* cut at 4000 characters */' ELSE '' END || ');',
        p_run_id => v_run_id);

    BEGIN
        -- one sync of a board at a time, first and without locking other boards' rows: the twin of the T-SQL's
        -- sp_getapplock on the same resource name, held until this transaction ends
        -- A lock timeout or a deadlock while waiting is the project's error 50108, as in the twin
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended('opus_board_sync_' || v_board::text, 0));
        EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
            RAISE EXCEPTION USING ERRCODE = '50108', MESSAGE = format(
                'board %s: the lock that keeps two syncs of one board apart was not granted (%s): another sync of this board is running. Nothing was changed: sync the board again when it ends.',
                v_board, SQLERRM);
        END;

        -- the subitems board named by the subtasks column
        SELECT (CASE WHEN jsonb_typeof(c -> 'settings') = 'string' THEN (c ->> 'settings')::jsonb ELSE c -> 'settings' END
                -> 'boardIds' ->> 0)::bigint
        INTO v_sub
        FROM jsonb_array_elements(j -> 'columns') AS c
        WHERE c ->> 'type' = 'subtasks'
        LIMIT 1;

        INSERT INTO dbo.MON_Board (board_id, board_name, board_kind, parent_board_id, subitems_board_id, synced_at)
        VALUES (v_board, left(v_name, 255), left(j ->> 'board_kind', 20),
            (SELECT p.board_id FROM dbo.MON_Board AS p WHERE p.subitems_board_id = v_board LIMIT 1), v_sub, v_now)
        ON CONFLICT (board_id) DO UPDATE
        SET board_name = excluded.board_name, board_kind = excluded.board_kind,
            parent_board_id = coalesce(excluded.parent_board_id, dbo.MON_Board.parent_board_id),
            subitems_board_id = excluded.subitems_board_id, synced_at = excluded.synced_at;
        IF v_sub IS NOT NULL THEN
            UPDATE dbo.MON_Board SET parent_board_id = v_board WHERE board_id = v_sub;
        END IF;

        INSERT INTO dbo.MON_BoardColumn (board_id, column_id, title, normalized_title, column_type, settings_json, is_writable, synced_at)
        SELECT v_board, c ->> 'id', left(c ->> 'title', 255), dbo.fn_MON_NormalizeTitle(c ->> 'title'), c ->> 'type',
            CASE
                WHEN jsonb_typeof(c -> 'settings') = 'string' AND (c ->> 'settings') ~ '^\s*[\[{]' THEN ((c ->> 'settings')::jsonb)::text
                WHEN jsonb_typeof(c -> 'settings') IN ('object', 'array') THEN (c -> 'settings')::text
            END,
            coalesce((SELECT t.is_writable FROM dbo.MON_ColumnType AS t WHERE t.column_type = c ->> 'type'), 'N'),
            v_now
        FROM jsonb_array_elements(j -> 'columns') AS c
        ON CONFLICT (board_id, column_id) DO UPDATE
        SET title = excluded.title, normalized_title = excluded.normalized_title, column_type = excluded.column_type,
            settings_json = excluded.settings_json, is_writable = excluded.is_writable, synced_at = excluded.synced_at;
        GET DIAGNOSTICS v_cols = ROW_COUNT;
        DELETE FROM dbo.MON_BoardColumn AS bc
        WHERE bc.board_id = v_board
            AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(j -> 'columns') AS c WHERE c ->> 'id' = bc.column_id);

        IF jsonb_typeof(j -> 'groups') = 'array' THEN
            INSERT INTO dbo.MON_BoardGroup (board_id, group_id, title, synced_at)
            SELECT v_board, g ->> 'id', left(coalesce(g ->> 'title', g ->> 'id'), 255), v_now
            FROM jsonb_array_elements(j -> 'groups') AS g
            WHERE coalesce(g ->> 'id', '') <> ''
            ON CONFLICT (board_id, group_id) DO UPDATE SET title = excluded.title, synced_at = excluded.synced_at;
            GET DIAGNOSTICS v_groups = ROW_COUNT;
            DELETE FROM dbo.MON_BoardGroup AS bg
            WHERE bg.board_id = v_board
                AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(j -> 'groups') AS g WHERE g ->> 'id' = bg.group_id);
        END IF;

        IF jsonb_typeof(j -> 'items') = 'array' THEN
            INSERT INTO dbo.MON_BoardItem (item_id, board_id, item_name, group_id, parent_item_id, synced_at)
            SELECT DISTINCT ON ((i ->> 'id')::bigint) (i ->> 'id')::bigint, v_board, left(i ->> 'name', 255),
                i -> 'group' ->> 'id', (i -> 'parent_item' ->> 'id')::bigint, v_now
            FROM jsonb_array_elements(j -> 'items') AS i
            ON CONFLICT (item_id) DO UPDATE
            SET board_id = excluded.board_id, item_name = excluded.item_name, group_id = excluded.group_id,
                parent_item_id = excluded.parent_item_id, synced_at = excluded.synced_at;
            GET DIAGNOSTICS v_items = ROW_COUNT;
            DELETE FROM dbo.MON_BoardItem AS bi
            WHERE bi.board_id = v_board
                AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(j -> 'items') AS i WHERE (i ->> 'id')::bigint = bi.item_id);
        END IF;

        INSERT INTO dbo.MON_User (user_id, user_kind, user_name, email, is_enabled, synced_at)
        SELECT DISTINCT ON (x.id, x.kind) x.id, x.kind, x.name, x.email, x.enabled, v_now
        FROM (
            SELECT (u ->> 'id')::bigint AS id, 'person' AS kind, left(u ->> 'name', 255) AS name, left(u ->> 'email', 255) AS email,
                CASE WHEN u ->> 'enabled' = 'false' OR u ->> 'is_enabled' = 'N' THEN 'N' ELSE 'Y' END AS enabled
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j -> 'users') = 'array' THEN j -> 'users' ELSE '[]' END) AS u
            UNION ALL
            SELECT (t ->> 'id')::bigint, 'team', left(t ->> 'name', 255), NULL, 'Y'
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j -> 'teams') = 'array' THEN j -> 'teams' ELSE '[]' END) AS t
        ) AS x
        ON CONFLICT (user_id, user_kind) DO UPDATE
        SET user_name = excluded.user_name, email = excluded.email, is_enabled = excluded.is_enabled, synced_at = excluded.synced_at;
        GET DIAGNOSTICS v_users = ROW_COUNT;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NOT NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_UpsertBoardMetadata, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
    CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => v_cols + v_groups + v_items + v_users);
    RAISE NOTICE 'Board % (%) synced: % columns, % groups, % items, % users and teams.', v_board, v_name, v_cols, v_groups,
        v_items, v_users;
END;
$$;

-- dbo.usp_UpsertBoardMetadata: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_UpsertBoardMetadata(
    p_board_json text DEFAULT NULL,
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_state text;
    v_msg text;
BEGIN
    IF upper(coalesce(p_help, 'N')) <> 'Y' THEN
        -- a caller's open transaction is refused before anything changes; the work runs READ COMMITTED
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_UpsertBoardMetadata');
    END IF;
    CALL dbo.usp_Private_UpsertBoardMetadata_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_board_json => p_board_json,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
