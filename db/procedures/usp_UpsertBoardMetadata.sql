-- usp_UpsertBoardMetadata: stores the metadata of one board as the monday API returns it (columns with
-- settings, groups, and optionally items, users and teams), so that SQL can map and validate staged
-- updates. Upserts MON_Board, MON_BoardColumn (deleting columns no longer on the board), MON_BoardGroup
-- (deleting groups no longer on the board), MON_BoardItem (when "items" is given: the board's item list
-- is replaced), MON_User (users and teams; never deleted) and sets synced_at. Links a board and its
-- subitems board (the subtasks column's settings.boardIds[0]) both ways. Returns a one-row summary.
-- Errors 50101-50107 (docs/errors.md).
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_UpsertBoardMetadata', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_UpsertBoardMetadata AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_UpsertBoardMetadata
    @board_json nvarchar(MAX) = NULL,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @board_id bigint;
    DECLARE @board_text nvarchar(100);
    DECLARE @name nvarchar(400);
    DECLARE @sub bigint;
    DECLARE @now datetime2(3) = SYSUTCDATETIME();
    DECLARE @run_id bigint;
    DECLARE @params nvarchar(MAX);
    DECLARE @msg nvarchar(2048);
    DECLARE @bad nvarchar(MAX);
    DECLARE @cols int = 0;
    DECLARE @groups int = 0;
    DECLARE @items int = 0;
    DECLARE @users int = 0;
    DECLARE @columns_now int;
    DECLARE @parent bigint;
    DECLARE @error_number int;
    DECLARE @error_message nvarchar(4000);

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'usp_UpsertBoardMetadata: stores one board''s metadata as the monday API returns it
(the sender''s sync-board calls it).

Parameters:
  @board_json nvarchar(max) required  {"id": "8709134353", "name": "Planning", "board_kind": "public",
                                       "columns": [{"id", "title", "type", "settings"}], "groups": [{"id", "title"}],
                                       "items": [{"id", "name", "group": {"id"}, "parent_item": {"id"}}] (optional),
                                       "users": [{"id", "name", "email"}] (optional), "teams": [{"id", "name"}]}
                                      settings may be an object (typed settings) or a JSON string (settings_str)
  @help       char(1)       ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_UpsertBoardMetadata @board_json = N''{"id": "8709134353", "name": "Planning", "columns":
      [{"id": "status", "title": "Order Status", "type": "status", "settings": {"labels": [{"id": 1, "label": "Done"}]}}],
      "groups": []}'';
  opus-sender sync-board --board-id 8709134353';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_UpsertBoardMetadata';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    -- the document: checked before anything is written ----------------------------------------------------
    IF ISJSON(@board_json) = 0 OR @board_json IS NULL OR LEFT(LTRIM(@board_json), 1) <> N'{'
    BEGIN
        SET @msg = N'usp_UpsertBoardMetadata: @board_json is not a JSON object. Pass the board as the monday API '
            + N'returns it: {"id": "...", "name": "...", "columns": [...], "groups": [...]}.';
        THROW 50101, @msg, 1;
    END;
    SET @board_text = JSON_VALUE(@board_json, '$.id');
    IF
        @board_text IS NULL OR @board_text LIKE N'%[^0-9]%' OR LEN(@board_text) NOT BETWEEN 1 AND 18
    BEGIN
        SET @msg = CONCAT(
            N'usp_UpsertBoardMetadata: the board JSON has no numeric "id" (found ', COALESCE(@board_text, N'null'),
            N'). Pass the board object with its id, e.g. "id": "8709134353".'
        );
        THROW 50102, @msg, 1;
    END;
    SET @board_id = CONVERT(bigint, @board_text);
    SET @name = LTRIM(RTRIM(JSON_VALUE(@board_json, '$.name')));
    IF @name IS NULL OR LEN(@name) = 0
    BEGIN
        SET @msg = CONCAT(
            N'usp_UpsertBoardMetadata: board ', @board_id,
            N' has no "name" in the JSON. Query the board with its name field.'
        );
        THROW 50103, @msg, 1;
    END;
    IF JSON_QUERY(@board_json, '$.columns') IS NULL OR LEFT(LTRIM(JSON_QUERY(@board_json, '$.columns')), 1) <> N'['
    BEGIN
        SET @msg = CONCAT(
            N'usp_UpsertBoardMetadata: board ', @board_id,
            N' has no "columns" array in the JSON. Query columns { id title type settings } with the board.'
        );
        THROW 50104, @msg, 1;
    END;

    SELECT
        c.column_id,
        c.title,
        c.column_type,
        -- typed settings (an object) as they are; legacy settings_str (a JSON string) as the JSON it holds
        COALESCE(c.settings_object, CASE WHEN ISJSON(c.settings_string) = 1 THEN c.settings_string END) AS settings_json
    INTO #col
    FROM OPENJSON (@board_json, '$.columns')
        WITH (
            column_id nvarchar(100) '$.id',
            title nvarchar(400) '$.title',
            column_type nvarchar(50) '$.type',
            settings_object nvarchar(MAX) '$.settings' AS JSON,
            settings_string nvarchar(MAX) '$.settings'
        ) AS c;

    SELECT @bad = STRING_AGG(CAST(COALESCE(c.column_id, N'(no id)') AS nvarchar(MAX)), N', ')
    FROM #col AS c
    WHERE COALESCE(c.column_id, N'') = N'' OR COALESCE(c.title, N'') = N'' OR COALESCE(c.column_type, N'') = N'';
    IF @bad IS NOT NULL
    BEGIN
        SET @msg = LEFT(CONCAT(
            N'usp_UpsertBoardMetadata: columns of board ', @board_id, N' lack an id, title or type: ', @bad,
            N'. Query columns { id title type settings }.'
        ), 2048);
        THROW 50105, @msg, 1;
    END;
    SELECT @bad = STRING_AGG(CAST(d.column_id AS nvarchar(MAX)), N', ')
    FROM (
        SELECT c.column_id
        FROM #col AS c
        GROUP BY c.column_id
        HAVING COUNT(*) > 1
    ) AS d;
    IF @bad IS NOT NULL
    BEGIN
        SET @msg = LEFT(CONCAT(
            N'usp_UpsertBoardMetadata: board ', @board_id, N' lists column ids more than once: ', @bad,
            N'. Pass each column once.'
        ), 2048);
        THROW 50106, @msg, 1;
    END;
    SELECT @bad = STRING_AGG(CAST(COALESCE(x.id_text, N'null') AS nvarchar(MAX)), N', ')
    FROM (
        SELECT JSON_VALUE(e.[value], '$.id') AS id_text
        FROM OPENJSON(@board_json, '$.items') AS e
        UNION ALL
        SELECT JSON_VALUE(e.[value], '$.id') AS id_text
        FROM OPENJSON(@board_json, '$.users') AS e
        UNION ALL
        SELECT JSON_VALUE(e.[value], '$.id') AS id_text
        FROM OPENJSON(@board_json, '$.teams') AS e
    ) AS x
    WHERE x.id_text IS NULL OR x.id_text LIKE N'%[^0-9]%' OR LEN(x.id_text) NOT BETWEEN 1 AND 18;
    IF @bad IS NOT NULL
    BEGIN
        SET @msg = LEFT(CONCAT(
            N'usp_UpsertBoardMetadata: items, users or teams of board ', @board_id, N' have ids that are not numbers: ',
            LEFT(@bad, 200), N'. Pass monday ids.'
        ), 2048);
        THROW 50107, @msg, 1;
    END;

    SET @params = N'EXEC dbo.usp_UpsertBoardMetadata @board_json = N'''
        + REPLACE(LEFT(@board_json, 4000), N'''', N'''''') + N''''
        + CASE WHEN LEN(@board_json) > 4000 THEN N' /* cut at 4000 characters */' ELSE N'' END + N';';
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_UpsertBoardMetadata',
        @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    BEGIN TRY
        -- the subitems board named by the subtasks column
        SELECT TOP (1) @sub = TRY_CONVERT(bigint, JSON_VALUE(c.settings_json, '$.boardIds[0]'))
        FROM #col AS c
        WHERE c.column_type = N'subtasks';

        BEGIN TRANSACTION;

        SELECT TOP (1) @parent = p.board_id
        FROM dbo.MON_Board AS p
        WHERE p.subitems_board_id = @board_id;

        -- one sync of a board at a time, without locking other boards' rows (no MERGE, no HOLDLOCK range
        -- over the whole table): upserts below are an UPDATE then an INSERT of what is missing
        DECLARE @lock_resource nvarchar(255) = N'opus_board_sync_' + CONVERT(nvarchar(20), @board_id);
        -- sp_getapplock reports a lock timeout (-1), a cancel (-2) and a deadlock (-3) by its return code,
        -- not by an error: without this check a session with a LOCK_TIMEOUT would sync without the lock
        DECLARE @lock_rc int;
        EXEC @lock_rc = sys.sp_getapplock
            @Resource = @lock_resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
        IF @lock_rc < 0
        BEGIN
            DECLARE @lock_msg nvarchar(2048) = CONCAT(
                N'board ', @board_id, N': the lock that keeps two syncs of one board apart was not granted (',
                CASE @lock_rc WHEN -1 THEN N'lock timeout' WHEN -2 THEN N'cancelled' WHEN -3 THEN N'deadlock victim'
                    ELSE CONCAT(N'code ', @lock_rc) END,
                N'): another sync of this board is running. Nothing was changed: sync the board again when it ends.'
            );
            THROW 50108, @lock_msg, 1;
        END;

        UPDATE tgt
        SET
            tgt.board_name = LEFT(@name, 255),
            tgt.board_kind = LEFT(JSON_VALUE(@board_json, '$.board_kind'), 20),
            tgt.parent_board_id = COALESCE(@parent, tgt.parent_board_id),
            tgt.subitems_board_id = @sub,
            tgt.synced_at = @now
        FROM dbo.MON_Board AS tgt
        WHERE tgt.board_id = @board_id;
        IF @@ROWCOUNT = 0
        BEGIN
            INSERT INTO dbo.MON_Board (
                board_id, board_name, board_kind, parent_board_id, subitems_board_id, synced_at
            )
            VALUES (
                @board_id, LEFT(@name, 255), LEFT(JSON_VALUE(@board_json, '$.board_kind'), 20), @parent, @sub, @now
            );
        END;
        IF @sub IS NOT NULL
        BEGIN
            UPDATE dbo.MON_Board
            SET parent_board_id = @board_id
            WHERE board_id = @sub;
        END;

        SELECT
            c.column_id,
            LEFT(c.title, 255) AS title,
            dbo.fn_MON_NormalizeTitle(c.title) AS normalized_title,
            c.column_type,
            c.settings_json,
            COALESCE(t.is_writable, 'N') AS is_writable
        INTO #src_column
        FROM #col AS c
        LEFT JOIN dbo.MON_ColumnType AS t ON c.column_type = t.column_type;
        DELETE tgt
        FROM dbo.MON_BoardColumn AS tgt
        WHERE tgt.board_id = @board_id
            AND NOT EXISTS (
                SELECT 1 FROM #src_column AS src
                WHERE src.column_id = tgt.column_id
            );
        UPDATE tgt
        SET
            tgt.title = src.title,
            tgt.normalized_title = src.normalized_title,
            tgt.column_type = src.column_type,
            tgt.settings_json = src.settings_json,
            tgt.is_writable = src.is_writable,
            tgt.synced_at = @now
        FROM dbo.MON_BoardColumn AS tgt
        INNER JOIN #src_column AS src ON tgt.column_id = src.column_id
        WHERE tgt.board_id = @board_id;
        INSERT INTO dbo.MON_BoardColumn (
            board_id, column_id, title, normalized_title, column_type, settings_json, is_writable, synced_at
        )
        SELECT
            @board_id AS board_id,
            src.column_id,
            src.title,
            src.normalized_title,
            src.column_type,
            src.settings_json,
            src.is_writable,
            @now AS synced_at
        FROM #src_column AS src
        WHERE NOT EXISTS (
            SELECT 1 FROM dbo.MON_BoardColumn AS tgt
            WHERE tgt.board_id = @board_id AND tgt.column_id = src.column_id
        );
        SELECT @cols = COUNT(*) FROM #col;

        IF JSON_QUERY(@board_json, '$.groups') IS NOT NULL
        BEGIN
            SELECT DISTINCT
                JSON_VALUE(e.[value], '$.id') AS group_id,
                LEFT(COALESCE(JSON_VALUE(e.[value], '$.title'), JSON_VALUE(e.[value], '$.id')), 255) AS title
            INTO #src_group
            FROM OPENJSON(@board_json, '$.groups') AS e
            WHERE LEN(JSON_VALUE(e.[value], '$.id')) > 0;
            DELETE tgt
            FROM dbo.MON_BoardGroup AS tgt
            WHERE tgt.board_id = @board_id
                AND NOT EXISTS (
                    SELECT 1 FROM #src_group AS src
                    WHERE src.group_id = tgt.group_id
                );
            UPDATE tgt
            SET tgt.title = src.title, tgt.synced_at = @now
            FROM dbo.MON_BoardGroup AS tgt
            INNER JOIN #src_group AS src ON tgt.group_id = src.group_id
            WHERE tgt.board_id = @board_id;
            INSERT INTO dbo.MON_BoardGroup (board_id, group_id, title, synced_at)
            SELECT
                @board_id AS board_id,
                src.group_id,
                src.title,
                @now AS synced_at
            FROM #src_group AS src
            WHERE NOT EXISTS (
                SELECT 1 FROM dbo.MON_BoardGroup AS tgt
                WHERE tgt.board_id = @board_id AND tgt.group_id = src.group_id
            );
            SELECT @groups = COUNT(*) FROM OPENJSON(@board_json, '$.groups');
        END;

        IF JSON_QUERY(@board_json, '$.items') IS NOT NULL
        BEGIN
            SELECT
                i.item_id,
                MAX(i.item_name) AS item_name,
                MAX(i.group_id) AS group_id,
                MAX(i.parent_item_id) AS parent_item_id
            INTO #src_item
            FROM (
                SELECT
                    CONVERT(bigint, JSON_VALUE(e.[value], '$.id')) AS item_id,
                    LEFT(JSON_VALUE(e.[value], '$.name'), 255) AS item_name,
                    JSON_VALUE(e.[value], '$.group.id') AS group_id,
                    TRY_CONVERT(bigint, JSON_VALUE(e.[value], '$.parent_item.id')) AS parent_item_id
                FROM OPENJSON(@board_json, '$.items') AS e
            ) AS i
            GROUP BY i.item_id;
            DELETE tgt
            FROM dbo.MON_BoardItem AS tgt
            WHERE tgt.board_id = @board_id
                AND NOT EXISTS (
                    SELECT 1 FROM #src_item AS src
                    WHERE src.item_id = tgt.item_id
                );
            -- an item moved from another board is taken over by this one (item ids are global)
            UPDATE tgt
            SET
                tgt.board_id = @board_id,
                tgt.item_name = src.item_name,
                tgt.group_id = src.group_id,
                tgt.parent_item_id = src.parent_item_id,
                tgt.synced_at = @now
            FROM dbo.MON_BoardItem AS tgt
            INNER JOIN #src_item AS src ON tgt.item_id = src.item_id;
            INSERT INTO dbo.MON_BoardItem (item_id, board_id, item_name, group_id, parent_item_id, synced_at)
            SELECT
                src.item_id,
                @board_id AS board_id,
                src.item_name,
                src.group_id,
                src.parent_item_id,
                @now AS synced_at
            FROM #src_item AS src
            WHERE NOT EXISTS (
                SELECT 1 FROM dbo.MON_BoardItem AS tgt
                WHERE tgt.item_id = src.item_id
            );
            SELECT @items = COUNT(*) FROM OPENJSON(@board_json, '$.items');
        END;

        SELECT
            u.user_id,
            u.user_kind,
            MAX(u.user_name) AS user_name,
            MAX(u.email) AS email,
            MAX(u.is_enabled) AS is_enabled
        INTO #src_user
        FROM (
            SELECT
                CONVERT(bigint, JSON_VALUE(e.[value], '$.id')) AS user_id,
                'person' AS user_kind,
                LEFT(JSON_VALUE(e.[value], '$.name'), 255) AS user_name,
                LEFT(JSON_VALUE(e.[value], '$.email'), 255) AS email,
                CASE
                    WHEN JSON_VALUE(e.[value], '$.enabled') = 'false' OR JSON_VALUE(e.[value], '$.is_enabled') = 'N'
                        THEN 'N'
                    ELSE 'Y'
                END AS is_enabled
            FROM OPENJSON(@board_json, '$.users') AS e
            UNION ALL
            SELECT
                CONVERT(bigint, JSON_VALUE(e.[value], '$.id')) AS user_id,
                'team' AS user_kind,
                LEFT(JSON_VALUE(e.[value], '$.name'), 255) AS user_name,
                NULL AS email,
                'Y' AS is_enabled
            FROM OPENJSON(@board_json, '$.teams') AS e
        ) AS u
        GROUP BY u.user_id, u.user_kind;
        UPDATE tgt
        SET
            tgt.user_name = src.user_name,
            tgt.email = src.email,
            tgt.is_enabled = src.is_enabled,
            tgt.synced_at = @now
        FROM dbo.MON_User AS tgt
        INNER JOIN #src_user AS src ON tgt.user_id = src.user_id AND tgt.user_kind = src.user_kind;
        SET @users = @@ROWCOUNT;
        INSERT INTO dbo.MON_User (user_id, user_kind, user_name, email, is_enabled, synced_at)
        SELECT
            src.user_id,
            src.user_kind,
            src.user_name,
            src.email,
            src.is_enabled,
            @now AS synced_at
        FROM #src_user AS src
        WHERE NOT EXISTS (
            SELECT 1 FROM dbo.MON_User AS tgt
            WHERE tgt.user_id = src.user_id AND tgt.user_kind = src.user_kind
        );
        SET @users = @users + @@ROWCOUNT;

        COMMIT TRANSACTION;

        SELECT @columns_now = COUNT(*)
        FROM dbo.MON_BoardColumn
        WHERE board_id = @board_id;
        SET @cols = @cols + @groups + @items + @users;
        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @outcome = 'SUCCEEDED', @rows_affected = @cols;

        SELECT
            brd.board_id,
            brd.board_name,
            brd.board_kind,
            brd.parent_board_id,
            brd.subitems_board_id,
            @columns_now AS columns_synced,
            @groups AS groups_synced,
            @items AS items_synced,
            @users AS users_synced,
            brd.synced_at
        FROM dbo.MON_Board AS brd
        WHERE brd.board_id = @board_id;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        SET @error_number = ERROR_NUMBER();
        SET @error_message = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = 'FAILED',
            @error_number = @error_number,
            @error_message = @error_message;
        THROW;
    END CATCH;
END;
GO
