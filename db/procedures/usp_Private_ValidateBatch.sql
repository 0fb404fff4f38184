-- usp_Private_ValidateBatch: applies every enabled rule of dbo.MON_ValidationRule to the staged rows of one
-- batch, set-based, and writes validation_status / validation_errors on each row and the counts,
-- validated_at and status VALIDATED on the batch. Internal: no run log, no transaction of its own (callers:
-- usp_StageUpdates, usp_ValidateStagedUpdates, inside their transaction). It reads the batch's rows once into
-- #val_row and works from that copy; it refuses rows gone or added (50304), rows changed while it ran (50305)
-- and a batch no longer STAGED or VALIDATED (50303). Same rules, messages and order as the PostgreSQL twin.
--   EXEC dbo.usp_Private_ValidateBatch @batch_id = 'UB20260101120000-a1b2c3';
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_Private_ValidateBatch', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_Private_ValidateBatch AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_Private_ValidateBatch
    @batch_id varchar(50)
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @board_id bigint;
    DECLARE @chunk_from int;
    DECLARE @staged_count int;
    DECLARE @msg nvarchar(2048);
    DECLARE @chunk_last int;
    DECLARE @target_level varchar(10);
    DECLARE @operation varchar(50);
    DECLARE @create_labels char(1);
    DECLARE @meta bigint;
    DECLARE @has_meta bit = 0;
    DECLARE @synced datetime2(3);
    DECLARE @items_synced bit = 0;
    DECLARE @parent_items_synced bit = 0;
    DECLARE @groups_synced bit = 0;
    DECLARE @groups nvarchar(MAX);
    DECLARE @now datetime2(3) = SYSUTCDATETIME();
    DECLARE @table nvarchar(300);
    DECLARE @alias nvarchar(255);
    DECLARE @col sysname;
    DECLARE @type sysname;
    DECLARE @expr nvarchar(MAX);
    DECLARE @sql nvarchar(MAX);
    DECLARE @values nvarchar(MAX);
    DECLARE @ord int = 0;
    DECLARE @rows int;
    DECLARE @valid int;
    DECLARE @warning int;
    DECLARE @invalid int;
    DECLARE @written int;

    SELECT
        @board_id = ub.board_id,
        @target_level = ub.target_level,
        @operation = ub.update_operation,
        @create_labels = ub.create_labels_if_missing
    FROM dbo.MON_UpdateBatch AS ub
    WHERE ub.batch_id = @batch_id;
    IF @board_id IS NULL
    BEGIN
        RETURN;
    END;
    SET @meta = @board_id;
    IF @target_level = 'SUBITEMS'
    BEGIN
        SELECT @meta = COALESCE(brd.subitems_board_id, @board_id)
        FROM dbo.MON_Board AS brd
        WHERE brd.board_id = @board_id;
    END;
    SELECT
        @has_meta = 1,
        @synced = brd.synced_at
    FROM dbo.MON_Board AS brd
    WHERE brd.board_id = @meta;
    IF EXISTS (
        SELECT 1
        FROM dbo.MON_BoardItem
        WHERE board_id = @meta
    )
    BEGIN
        SET @items_synced = 1;
    END;
    IF EXISTS (
        SELECT 1
        FROM dbo.MON_BoardItem
        WHERE board_id = @board_id
    )
    BEGIN
        SET @parent_items_synced = 1;
    END;
    IF EXISTS (
        SELECT 1
        FROM dbo.MON_BoardGroup
        WHERE board_id = @meta
    )
    BEGIN
        SET @groups_synced = 1;
    END;
    SELECT @groups = STRING_AGG(CAST(CONCAT(g.group_id, N' (', g.title, N')') AS nvarchar(MAX)), N', ')
    WITHIN GROUP (ORDER BY g.group_id ASC)
    FROM dbo.MON_BoardGroup AS g
    WHERE g.board_id = @meta;
    SET @table = CASE
        WHEN @target_level = 'ITEMS' THEN N'dbo.STG_MON_CustMasterSchedule'
        ELSE N'dbo.STG_MON_CustMasterSchedule_Subitems'
    END;

    -- the batch's rows, read once: every verdict and the hash stored with it (dbo.MON_ValidatedRow) come from
    -- this copy, never from a second read of the owner's table that a writer could have changed in between
    CREATE TABLE #val_row (
        update_row_no int NOT NULL PRIMARY KEY,
        monday_item_id bigint NULL,
        item_name nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        group_id nvarchar(100) COLLATE DATABASE_DEFAULT NULL,
        parent_item_id bigint NULL,
        update_fields nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL
    );
    IF @target_level = 'ITEMS'
    BEGIN
        INSERT INTO #val_row (
            update_row_no, monday_item_id, item_name, group_id, parent_item_id, update_fields
        )
        SELECT
            s.update_row_no,
            s.monday_item_id,
            s.item_name,
            s.group_id,
            NULL AS parent_item_id,
            s.update_fields
        FROM dbo.STG_MON_CustMasterSchedule AS s
        WHERE s.update_batch_id = @batch_id;
    END;
    ELSE
    BEGIN
        INSERT INTO #val_row (
            update_row_no, monday_item_id, item_name, group_id, parent_item_id, update_fields
        )
        SELECT
            s.update_row_no,
            s.monday_item_id,
            s.item_name,
            s.group_id,
            s.parent_item_id,
            s.update_fields
        FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
        WHERE s.update_batch_id = @batch_id;
    END;

    CREATE INDEX ix_val_row_item ON #val_row (monday_item_id);

    -- the cells of the copied rows (dbo.fn_MON_Private_StagedFields, the aliases mapped once each by
    -- dbo.fn_MON_Private_MapAlias), materialised once per validation with indexes (SQL Server keeps
    -- statistics on them), so that every rule below is one set-based statement over them
    CREATE TABLE #val_cell (
        update_row_no int NOT NULL,
        field_no int NOT NULL,
        monday_item_id bigint NULL,
        column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        raw_value nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        column_type varchar(50) COLLATE DATABASE_DEFAULT NULL,
        is_writable char(1) COLLATE DATABASE_DEFAULT NOT NULL,
        match_count int NOT NULL,
        match_kind varchar(10) COLLATE DATABASE_DEFAULT NULL,
        column_title nvarchar(255) COLLATE DATABASE_DEFAULT NULL
    );
    INSERT INTO #val_cell (
        update_row_no, field_no, monday_item_id, column_alias, raw_value, is_writable, match_count
    )
    SELECT
        r.update_row_no,
        f.field_no,
        r.monday_item_id,
        f.column_alias,
        f.raw_value,
        'N' AS is_writable,
        0 AS match_count
    FROM #val_row AS r
    CROSS APPLY dbo.fn_MON_Private_StagedFields(r.update_fields) AS f;
    CREATE CLUSTERED INDEX cx_val_cell ON #val_cell (update_row_no, field_no);

    -- each distinct alias mapped once, materialised (so that no plan maps it once per cell), then joined
    CREATE TABLE #val_cell_alias (
        column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        match_kind varchar(10) COLLATE DATABASE_DEFAULT NULL,
        match_count int NOT NULL
    );
    INSERT INTO #val_cell_alias (column_alias, column_id, match_kind, match_count)
    SELECT
        a.column_alias,
        m.column_id,
        m.match_kind,
        m.match_count
    FROM (
        SELECT DISTINCT c.column_alias
        FROM #val_cell AS c
    ) AS a
    CROSS APPLY dbo.fn_MON_Private_MapAlias(@board_id, @meta, a.column_alias) AS m
    WHERE m.match_count > 0;
    UPDATE c
    SET
        c.column_id = a.column_id,
        c.column_title = bc.title,
        c.column_type = bc.column_type,
        c.is_writable = CASE WHEN bc.is_writable = 'Y' AND ct.is_writable = 'Y' THEN 'Y' ELSE 'N' END,
        c.match_kind = a.match_kind,
        c.match_count = a.match_count
    FROM #val_cell AS c
    INNER JOIN #val_cell_alias AS a ON c.column_alias = a.column_alias
    LEFT JOIN dbo.MON_BoardColumn AS bc ON bc.board_id = @meta AND a.column_id = bc.column_id
    LEFT JOIN dbo.MON_ColumnType AS ct ON bc.column_type = ct.column_type;
    CREATE INDEX ix_val_cell_row_column ON #val_cell (update_row_no, column_id);
    CREATE INDEX ix_val_cell_item_column ON #val_cell (monday_item_id, column_id);

    -- the settings of the status, dropdown and rating columns the batch writes, once per column (not copied
    -- into every cell): their labels and their maximum rating
    CREATE TABLE #val_column (
        column_id varchar(100) COLLATE DATABASE_DEFAULT NOT NULL PRIMARY KEY,
        column_type varchar(50) COLLATE DATABASE_DEFAULT NOT NULL,
        settings_json nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        rating_max int NULL
    );
    INSERT INTO #val_column (column_id, column_type, settings_json, rating_max)
    SELECT
        bc.column_id,
        bc.column_type,
        bc.settings_json,
        CASE WHEN bc.column_type = 'rating' THEN dbo.fn_MON_Private_RatingMax(bc.settings_json) END AS rating_max
    FROM dbo.MON_BoardColumn AS bc
    WHERE
        bc.board_id = @meta AND bc.column_type IN ('status', 'dropdown', 'rating')
        AND EXISTS (
            SELECT 1 FROM #val_cell AS c
            WHERE c.column_id = bc.column_id
        );

    -- the labels of the status and dropdown columns. label_lower: LOWER under a binary collation, so that
    -- "ignoring case" is the same on every database collation (not accent-, width- or kana-insensitive)
    CREATE TABLE #val_label (
        column_id nvarchar(100) COLLATE DATABASE_DEFAULT NOT NULL,
        label_id int NOT NULL,
        label_text nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        label_lower nvarchar(255) COLLATE Latin1_General_100_BIN2 NULL
    );
    INSERT INTO #val_label (column_id, label_id, label_text, label_lower)
    SELECT
        sc.column_id,
        l.label_id,
        l.label_text,
        LOWER(l.label_text COLLATE Latin1_General_100_BIN2) AS label_lower
    FROM #val_column AS sc
    CROSS APPLY dbo.fn_MON_Private_ColumnLabels(sc.settings_json) AS l
    WHERE sc.column_type IN ('status', 'dropdown');
    CREATE CLUSTERED INDEX cx_val_label ON #val_label (column_id, label_lower);

    CREATE TABLE #val_err (
        update_row_no int NOT NULL,
        rule_code varchar(50) COLLATE DATABASE_DEFAULT NOT NULL,
        column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        column_id nvarchar(100) COLLATE DATABASE_DEFAULT NULL,
        column_type nvarchar(50) COLLATE DATABASE_DEFAULT NULL,
        val nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        labels nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        closest nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        detail nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL
    );

    -- board and keys ------------------------------------------------------------------------------------
    INSERT INTO #val_err (update_row_no, rule_code)
    SELECT
        r.update_row_no,
        'BOARD_METADATA' AS rule_code
    FROM #val_row AS r
    WHERE @has_meta = 0;

    INSERT INTO #val_err (update_row_no, rule_code, detail)
    SELECT
        r.update_row_no,
        'METADATA_FRESH' AS rule_code,
        CONCAT(DATEDIFF(SECOND, @synced, @now) / 3600, N' hours') AS detail
    FROM #val_row AS r
    WHERE @has_meta = 1 AND @synced < DATEADD(HOUR, -24, @now);

    INSERT INTO #val_err (update_row_no, rule_code)
    SELECT
        r.update_row_no,
        'KEY_ITEM_ID' AS rule_code
    FROM #val_row AS r
    WHERE @operation = 'UPDATE' AND r.monday_item_id IS NULL;

    INSERT INTO #val_err (update_row_no, rule_code, detail)
    SELECT
        r.update_row_no,
        'KEY_ITEM_NAME' AS rule_code,
        CASE
            WHEN r.item_name IS NULL THEN N'NULL'
            ELSE CONCAT(
                LEN(CAST(LTRIM(RTRIM(r.item_name)) AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N'.') - 1,
                N' characters after trimming'
            )
        END AS detail
    FROM #val_row AS r
    WHERE
        @operation = 'CREATE'
        AND (
            r.item_name IS NULL
            -- a length in UTF-16 code units (an emoji is two): LEN under a binary collation (not _SC) counts
            -- code units; the '.' keeps trailing spaces, which LEN ignores
            OR (LEN(CAST(LTRIM(RTRIM(r.item_name)) AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N'.') - 1)
            NOT BETWEEN 1 AND 255
        );

    INSERT INTO #val_err (update_row_no, rule_code)
    SELECT
        r.update_row_no,
        'KEY_PARENT' AS rule_code
    FROM #val_row AS r
    WHERE @operation = 'CREATE' AND @target_level = 'SUBITEMS' AND r.parent_item_id IS NULL;

    INSERT INTO #val_err (update_row_no, rule_code, val)
    SELECT
        r.update_row_no,
        'ITEM_ON_BOARD' AS rule_code,
        CONVERT(nvarchar(30), r.monday_item_id) AS val
    FROM #val_row AS r
    WHERE
        @operation = 'UPDATE' AND @items_synced = 1 AND r.monday_item_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1
            FROM dbo.MON_BoardItem AS i
            WHERE i.item_id = r.monday_item_id AND i.board_id = @meta
        )
    UNION ALL
    SELECT
        r.update_row_no,
        'ITEM_ON_BOARD' AS rule_code,
        CONVERT(nvarchar(30), r.parent_item_id) AS val
    FROM #val_row AS r
    WHERE
        @operation = 'CREATE' AND @target_level = 'SUBITEMS' AND @parent_items_synced = 1
        AND r.parent_item_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1
            FROM dbo.MON_BoardItem AS i
            WHERE i.item_id = r.parent_item_id AND i.board_id = @board_id
        );

    INSERT INTO #val_err (update_row_no, rule_code, val, labels)
    SELECT
        r.update_row_no,
        'GROUP_EXISTS' AS rule_code,
        r.group_id,
        @groups AS labels
    FROM #val_row AS r
    WHERE
        @operation = 'CREATE' AND @target_level = 'ITEMS' AND @groups_synced = 1 AND r.group_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1
            FROM dbo.MON_BoardGroup AS g
            -- group ids are case-sensitive in monday ('topics' is not 'Topics'): compare exactly. The
            -- lengths are compared as one type: group_id is varchar here and nvarchar in #val_row, and
            -- DATALENGTH counts bytes (1 and 2 per character)
            WHERE g.board_id = @meta AND g.group_id = r.group_id COLLATE Latin1_General_100_BIN2
                AND DATALENGTH(CAST(g.group_id AS nvarchar(100))) = DATALENGTH(r.group_id)
        );

    INSERT INTO #val_err (update_row_no, rule_code, val)
    SELECT
        r.update_row_no,
        'NO_FIELDS' AS rule_code,
        CONVERT(nvarchar(30), r.monday_item_id) AS val
    FROM #val_row AS r
    WHERE
        @operation = 'UPDATE'
        AND NOT EXISTS (
            SELECT 1
            FROM #val_cell AS c
            WHERE c.update_row_no = r.update_row_no
        );

    -- columns (only against metadata that exists) ---------------------------------------------------------
    IF @has_meta = 1
    BEGIN
        -- closest / candidate columns are looked up once per distinct alias, then joined to the cells
        WITH unmatched AS (
            SELECT DISTINCT x.column_alias
            FROM #val_cell AS x
            WHERE x.match_count = 0
        ),

        a AS (
            SELECT
                unmatched.column_alias,
                COALESCE(dbo.fn_MON_Private_ClosestColumns(@meta, unmatched.column_alias), N'(none alike)') AS closest
            FROM unmatched
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, closest)
        SELECT
            c.update_row_no,
            'COLUMN_EXISTS' AS rule_code,
            c.column_alias,
            a.closest
        FROM #val_cell AS c
        INNER JOIN a ON c.column_alias = a.column_alias
        WHERE c.match_count = 0;

        WITH ambiguous AS (
            SELECT DISTINCT x.column_alias
            FROM #val_cell AS x
            WHERE x.match_count > 1
        ),

        a AS (
            SELECT
                ambiguous.column_alias,
                (
                    SELECT STRING_AGG(CAST(CONCAT(bc.column_id, N' (', bc.title, N')') AS nvarchar(MAX)), N', ')
                        WITHIN GROUP (ORDER BY bc.column_id ASC)
                    FROM dbo.MON_BoardColumn AS bc
                    WHERE
                        bc.board_id = @meta
                        AND bc.normalized_title = dbo.fn_MON_NormalizeTitle(ambiguous.column_alias)
                ) AS closest
            FROM ambiguous
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, closest)
        SELECT
            c.update_row_no,
            'COLUMN_AMBIGUOUS' AS rule_code,
            c.column_alias,
            a.closest
        FROM #val_cell AS c
        INNER JOIN a ON c.column_alias = a.column_alias
        WHERE c.match_count > 1;

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, column_type, detail)
        SELECT
            c.update_row_no,
            'COLUMN_WRITABLE' AS rule_code,
            c.column_alias,
            c.column_id,
            c.column_type,
            COALESCE(
                ct.notes,
                CASE WHEN ct.column_type IS NULL THEN N'a type this project does not know' ELSE N'not writable' END
            ) AS detail
        FROM #val_cell AS c
        LEFT JOIN dbo.MON_ColumnType AS ct ON c.column_type = ct.column_type
        WHERE c.column_id IS NOT NULL AND c.is_writable = 'N';

        -- values of writable columns (NULL or blank clears the cell and needs no format). Labels are
        -- matched through #val_label (text ignoring case, then id). The label tokens are split once: a
        -- status cell's whole value, a dropdown cell's comma-separated parts (trimmed).
        CREATE TABLE #val_ltok (
            update_row_no int NOT NULL,
            column_id nvarchar(100) COLLATE DATABASE_DEFAULT NOT NULL,
            ord int NOT NULL,
            tok nvarchar(MAX) COLLATE DATABASE_DEFAULT NOT NULL
        );
        INSERT INTO #val_ltok (update_row_no, column_id, ord, tok)
        SELECT
            c.update_row_no,
            c.column_id,
            0 AS ord,
            c.raw_value AS tok
        FROM #val_cell AS c
        WHERE c.column_type = 'status' AND c.is_writable = 'Y' AND LEN(LTRIM(RTRIM(c.raw_value))) > 0
        UNION ALL
        SELECT
            c.update_row_no,
            c.column_id,
            CAST(j.[key] AS int) AS ord,
            LTRIM(RTRIM(j.[value])) COLLATE DATABASE_DEFAULT AS tok
        FROM #val_cell AS c
        -- (split at ',' only: a binary REPLACE, or a width-insensitive collation splits at '，' too)
        CROSS APPLY dbo.fn_MON_Private_JsonEscape(c.raw_value) AS esc
        CROSS APPLY OPENJSON(N'["' + REPLACE(esc.escaped COLLATE Latin1_General_100_BIN2, N',', N'","') + N'"]') AS j
        WHERE c.column_type = 'dropdown' AND c.is_writable = 'Y' AND LEN(LTRIM(RTRIM(j.[value]))) > 0;

        CREATE TABLE #val_token (
            update_row_no int NOT NULL,
            column_id nvarchar(100) COLLATE DATABASE_DEFAULT NOT NULL,
            ord int NOT NULL,
            t nvarchar(4000) COLLATE DATABASE_DEFAULT NOT NULL
        );
        INSERT INTO #val_token (update_row_no, column_id, ord, t)
        SELECT
            lt.update_row_no,
            lt.column_id,
            lt.ord,
            lt.tok AS t
        FROM #val_ltok AS lt
        INNER JOIN #val_cell AS c ON lt.update_row_no = c.update_row_no AND lt.column_id = c.column_id
        WHERE
            c.column_type = 'dropdown' AND @create_labels = 'N'
            AND NOT EXISTS (
                SELECT 1 FROM #val_label AS l
                WHERE
                    l.column_id = lt.column_id
                    AND (
                        (
                            l.label_lower = LOWER(lt.tok COLLATE Latin1_General_100_BIN2)
                            AND DATALENGTH(l.label_lower) = DATALENGTH(lt.tok)
                        )
                        OR (
                            lt.tok COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9]%' AND LEN(lt.tok) <= 9
                            AND l.label_id = TRY_CONVERT(int, lt.tok)
                        )
                    )
            );
        CREATE CLUSTERED INDEX cx_val_token ON #val_token (update_row_no, column_id, ord);

        -- first_token: up to the first whitespace (space, tab, line feed, vertical tab, form feed, carriage
        -- return), as the formatting splits an e-mail or a link from its text. formatted: the write value of
        -- the types whose format is checked by formatting them (the formatting applied once per cell)
        WITH v AS (
            SELECT
                c.update_row_no,
                c.column_alias,
                c.column_id,
                c.column_type,
                col.rating_max,
                c.raw_value,
                -- the length in UTF-16 code units (an emoji is two), trailing spaces included: LEN under a binary
                -- collation (not _SC) counts code units; the '.' keeps trailing spaces, which LEN ignores
                LEN(CAST(c.raw_value AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N'.') - 1 AS raw_units,
                LTRIM(RTRIM(c.raw_value)) AS t,
                LEFT(
                    LTRIM(RTRIM(c.raw_value)),
                    PATINDEX(
                        N'%[' + NCHAR(32) + NCHAR(9) + NCHAR(10) + NCHAR(11) + NCHAR(12) + NCHAR(13) + N']%',
                        (LTRIM(RTRIM(c.raw_value)) + N' ') COLLATE Latin1_General_100_BIN2
                    ) - 1
                ) AS first_token,
                f.formatted_value AS formatted
            FROM #val_cell AS c
            LEFT JOIN #val_column AS col ON c.column_id = col.column_id
            CROSS APPLY dbo.fn_MON_Private_FormatValue(
                CASE WHEN c.column_type IN ('checkbox', 'hour', 'timeline', 'country', 'people') THEN c.column_type END,
                CASE WHEN c.column_type IN ('checkbox', 'hour', 'timeline', 'country', 'people') THEN c.raw_value END,
                NULL
            ) AS f
            WHERE c.column_id IS NOT NULL AND c.is_writable = 'Y' AND LEN(LTRIM(RTRIM(c.raw_value))) > 0
        ),

        dd AS (
            SELECT
                tk.update_row_no,
                tk.column_id,
                STRING_AGG(CAST(N'''' + tk.t + N'''' AS nvarchar(MAX)), N', ') WITHIN GROUP (ORDER BY tk.ord ASC)
                    AS unknown
            FROM #val_token AS tk
            GROUP BY tk.update_row_no, tk.column_id
        ),

        lab AS (
            SELECT
                l.column_id,
                STRING_AGG(CAST(N'''' + l.label_text + N'''' AS nvarchar(MAX)), N', ')
                    WITHIN GROUP (ORDER BY l.label_id ASC) AS labels
            FROM #val_label AS l
            GROUP BY l.column_id
        ),

        checked AS (
            SELECT
                v.update_row_no,
                v.column_alias,
                v.column_id,
                v.column_type,
                v.raw_value,
                lab.labels,
                CASE
                    WHEN v.column_type = 'status' AND @create_labels = 'N' AND NOT EXISTS (
                        SELECT 1 FROM #val_label AS l
                        WHERE
                            l.column_id = v.column_id
                            AND (
                                (
                                    l.label_lower = LOWER(v.t COLLATE Latin1_General_100_BIN2)
                                    AND DATALENGTH(l.label_lower) = DATALENGTH(v.t)
                                )
                                OR (
                                    v.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9]%' AND LEN(v.t) <= 9
                                    AND l.label_id = TRY_CONVERT(int, v.t)
                                )
                            )
                    ) THEN 'STATUS_LABEL'
                    WHEN v.column_type = 'dropdown' AND dd.unknown IS NOT NULL THEN 'DROPDOWN_LABEL'
                    WHEN v.column_type = 'date' AND dbo.fn_MON_Private_NormalizeDate(LEFT(v.t, 100)) IS NULL
                        THEN 'DATE_FORMAT'
                    WHEN v.column_type = 'numbers' AND dbo.fn_MON_Private_NormalizeNumber(LEFT(v.t, 4000)) IS NULL
                        THEN 'NUMBER_FORMAT'
                    WHEN
                        v.column_type = 'email'
                        AND NOT (
                            v.first_token COLLATE Latin1_General_100_BIN2 LIKE N'_%@_%._%'
                            AND v.first_token COLLATE Latin1_General_100_BIN2 NOT LIKE N'%@%@%'
                            AND v.first_token COLLATE Latin1_General_100_BIN2 NOT LIKE N'%.'
                        )
                        THEN 'EMAIL_FORMAT'
                    WHEN
                        v.column_type = 'phone'
                        AND NOT (
                            -- BIN2: under the database's collation [A-Za-z] also matches accented letters
                            v.t COLLATE Latin1_General_100_BIN2 LIKE N'% [A-Za-z][A-Za-z]'
                            -- no negative length reaches LEFT, whatever order the optimizer picks
                            AND LEN(RTRIM(LEFT(v.t, CASE WHEN LEN(v.t) > 2 THEN LEN(v.t) - 2 ELSE 0 END))) > 0
                            AND SUBSTRING(
                                RTRIM(LEFT(v.t, CASE WHEN LEN(v.t) > 2 THEN LEN(v.t) - 2 ELSE 0 END)),
                                CASE WHEN LEFT(v.t, 1) = N'+' THEN 2 ELSE 1 END,
                                4000
                            ) COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9 ().-]%'
                            AND LEN(
                                REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
                                    LEFT(v.t, CASE WHEN LEN(v.t) > 2 THEN LEN(v.t) - 2 ELSE 0 END), N' ', N''),
                                    N'(', N''), N')', N''), N'.', N''),
                                    N'-', N''), N'+', N'')
                            ) BETWEEN 6 AND 15
                        )
                        THEN 'PHONE_FORMAT'
                    WHEN
                        v.column_type = 'link'
                        AND NOT (
                            LOWER(v.first_token COLLATE Latin1_General_100_BIN2) LIKE N'http://_%'
                            OR LOWER(v.first_token COLLATE Latin1_General_100_BIN2) LIKE N'https://_%'
                        )
                        THEN 'LINK_FORMAT'
                    WHEN v.column_type = 'checkbox' AND v.formatted IS NULL THEN 'CHECKBOX_FORMAT'
                    WHEN
                        v.column_type = 'rating'
                        AND NOT (
                            v.t COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9]%' AND LEN(v.t) <= 4
                            AND TRY_CONVERT(int, v.t) BETWEEN 1 AND COALESCE(v.rating_max, 5)
                        )
                        THEN 'RATING_FORMAT'
                    WHEN v.column_type = 'hour' AND v.formatted IS NULL THEN 'HOUR_FORMAT'
                    WHEN v.column_type = 'timeline' AND v.formatted IS NULL THEN 'TIMELINE_FORMAT'
                    WHEN v.column_type = 'country' AND v.formatted IS NULL THEN 'COUNTRY_FORMAT'
                    WHEN v.column_type = 'people' AND v.formatted IS NULL THEN 'PEOPLE_FORMAT'
                    WHEN
                        v.column_type = 'long_text' AND v.raw_units > 2000
                        THEN 'LONG_TEXT_LENGTH'
                    WHEN
                        v.column_type = 'text' AND v.raw_units > 2000
                        THEN 'TEXT_LENGTH'
                END AS rule_code,
                CASE
                    WHEN v.column_type IN ('long_text', 'text')
                        THEN CONVERT(nvarchar(20), v.raw_units)
                    WHEN v.column_type = 'rating'
                        THEN CONVERT(nvarchar(20), COALESCE(v.rating_max, 5))
                    WHEN v.column_type = 'dropdown' THEN dd.unknown
                END AS detail
            FROM v
            LEFT JOIN dd ON v.update_row_no = dd.update_row_no AND v.column_id = dd.column_id
            LEFT JOIN lab ON v.column_id = lab.column_id
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, column_type, val, labels, detail)
        SELECT
            checked.update_row_no,
            checked.rule_code,
            checked.column_alias,
            checked.column_id,
            checked.column_type,
            checked.raw_value AS val,
            checked.labels,
            checked.detail
        FROM checked
        WHERE checked.rule_code IS NOT NULL;

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, column_type, detail)
        SELECT
            c.update_row_no,
            'NAME_LENGTH' AS rule_code,
            c.column_alias,
            c.column_id,
            c.column_type,
            CASE
                WHEN c.raw_value IS NULL THEN N'NULL'
                ELSE CONCAT(
                    LEN(CAST(LTRIM(RTRIM(c.raw_value)) AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N'.') - 1,
                    N' characters after trimming'
                )
            END AS detail
        FROM #val_cell AS c
        WHERE
            c.column_type = 'name'
            AND (
                c.raw_value IS NULL
                -- in UTF-16 code units, as KEY_ITEM_NAME counts
                OR (LEN(CAST(LTRIM(RTRIM(c.raw_value)) AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N'.') - 1)
                NOT BETWEEN 1 AND 255
            );

        -- a label or a column matched only after normalising: sent as matched, with a warning that names
        -- what was matched to what (a status value matched after trimming or ignoring case, a dropdown token
        -- after ignoring case; an alias matched to a column title only after its punctuation was ignored).
        -- Exact means exact: binary collation and equal DATALENGTH (SQL Server's = ignores case under the
        -- default collations and trailing spaces always).
        WITH m AS (
            SELECT
                t.update_row_no,
                t.column_id,
                STRING_AGG(CAST(N'''' + t.tok + N''' -> ''' + lm.label_text + N'''' AS nvarchar(MAX)), N', ')
                    WITHIN GROUP (ORDER BY t.ord ASC) AS matched_labels
            FROM #val_ltok AS t
            CROSS APPLY (
                SELECT TOP (1) l.label_text
                FROM #val_label AS l
                WHERE
                    l.column_id = t.column_id
                    AND l.label_lower = LOWER(LTRIM(RTRIM(t.tok)) COLLATE Latin1_General_100_BIN2)
                    AND DATALENGTH(l.label_lower) = DATALENGTH(LTRIM(RTRIM(t.tok)))
                ORDER BY l.label_id
            ) AS lm
            WHERE NOT EXISTS (
                SELECT 1 FROM #val_label AS e
                WHERE
                    e.column_id = t.column_id
                    AND e.label_text COLLATE Latin1_General_100_BIN2 = t.tok COLLATE Latin1_General_100_BIN2
                    AND DATALENGTH(e.label_text) = DATALENGTH(t.tok)
            )
            GROUP BY t.update_row_no, t.column_id
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, column_type, val, detail)
        SELECT
            c.update_row_no,
            'LABEL_NORMALISED' AS rule_code,
            c.column_alias,
            c.column_id,
            c.column_type,
            c.raw_value AS val,
            m.matched_labels AS detail
        FROM #val_cell AS c
        INNER JOIN m ON c.update_row_no = m.update_row_no AND c.column_id = m.column_id
        WHERE c.column_type IN ('status', 'dropdown');

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, detail)
        SELECT
            c.update_row_no,
            'ALIAS_NORMALISED' AS rule_code,
            c.column_alias,
            c.column_id,
            c.column_title AS detail
        FROM #val_cell AS c
        WHERE
            c.match_kind = 'TITLE' AND c.column_id IS NOT NULL
            AND PATINDEX(N'%[^A-Za-z0-9_ ]%', c.column_alias COLLATE Latin1_General_100_BIN2) > 0;

        -- one cell, two different values in the batch
        WITH d AS (
            SELECT
                x.monday_item_id,
                x.column_id,
                STRING_AGG(CAST(x.update_row_no AS nvarchar(MAX)), N', ') WITHIN GROUP (ORDER BY x.update_row_no ASC)
                    AS row_list
            FROM #val_cell AS x
            WHERE x.column_id IS NOT NULL AND x.monday_item_id IS NOT NULL
            GROUP BY x.monday_item_id, x.column_id
            HAVING COUNT(DISTINCT COALESCE(LTRIM(RTRIM(x.raw_value)), NCHAR(1)) COLLATE Latin1_General_100_BIN2) > 1
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, val, detail)
        SELECT
            c.update_row_no,
            'DUPLICATE_CONFLICT' AS rule_code,
            c.column_alias,
            c.column_id,
            CONVERT(nvarchar(30), c.monday_item_id) AS val,
            d.row_list
        FROM #val_cell AS c
        INNER JOIN d ON c.monday_item_id = d.monday_item_id AND c.column_id = d.column_id
        WHERE @operation = 'UPDATE';

        -- another released batch, not yet completed, writes the same cell: named, with the value it sends
        -- (both are sent, in release order: this batch, released after it, is sent after it)
        IF @operation = 'UPDATE'
        BEGIN
            SELECT
                q.batch_id,
                ob.released_at,
                q.monday_item_id,
                j.[key] COLLATE DATABASE_DEFAULT AS column_id,
                CASE WHEN j.[type] = 1 THEN N'"' + esc.escaped + N'"' ELSE j.[value] END
                    COLLATE DATABASE_DEFAULT AS val
            INTO #val_open
            FROM dbo.MON_UpdateQueue AS q
            INNER JOIN dbo.MON_UpdateBatch AS ob ON q.batch_id = ob.batch_id
            CROSS APPLY OPENJSON(CASE WHEN ISJSON(q.column_values) = 1 THEN q.column_values ELSE N'{}' END) AS j
            CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN j.[type] = 1 THEN j.[value] END) AS esc
            WHERE
                q.queue_status IN ('READY', 'CLAIMED') AND ob.batch_status IN ('READY', 'SENDING')
                AND q.batch_id <> @batch_id
                AND q.monday_item_id IN (SELECT r.monday_item_id FROM #val_row AS r);

            INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, val, detail)
            SELECT
                c.update_row_no,
                'OVERLAP_BATCH' AS rule_code,
                c.column_alias,
                c.column_id,
                CONVERT(nvarchar(30), c.monday_item_id) AS val,
                STRING_AGG(CAST(N'batch ' + o.batch_id + N' (' + o.val + N')' AS nvarchar(MAX)), N', ')
                    WITHIN GROUP (ORDER BY o.released_at ASC, o.batch_id ASC) AS detail
            FROM #val_cell AS c
            INNER JOIN #val_open AS o ON c.monday_item_id = o.monday_item_id AND c.column_id = o.column_id
            GROUP BY c.update_row_no, c.column_alias, c.column_id, c.monday_item_id;
        END;

        -- no-op: a loaded row of the item (no batch) holds the same value in a column named like the alias.
        -- The loaded values of the batch's items are read in one pass over the staging table (each loaded
        -- row unpivoted into one value per alias by CROSS APPLY VALUES; an alias is named by its number in
        -- #val_alias, never by its text inside the dynamic SQL) into #val_loaded, then one set-based
        -- statement compares them with the cells.
        IF @operation = 'UPDATE'
        BEGIN
            CREATE TABLE #val_loaded (
                monday_item_id bigint NOT NULL,
                column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NOT NULL,
                loaded_value nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL
            );
            CREATE TABLE #val_alias (
                ord int NOT NULL PRIMARY KEY,
                column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NOT NULL
            );
            DECLARE alias_cursor CURSOR LOCAL FAST_FORWARD FOR
            SELECT DISTINCT
                c.column_alias,
                sc.name,
                TYPE_NAME(sc.system_type_id) AS type_name
            FROM #val_cell AS c
            -- the column named like the alias ignoring case only (PostgreSQL's folded lower-case names)
            INNER JOIN sys.columns AS sc
                ON
                    sc.object_id = OBJECT_ID(@table)
                    AND LOWER(c.column_alias COLLATE Latin1_General_100_BIN2)
                    = LOWER(sc.name COLLATE Latin1_General_100_BIN2)
                    AND DATALENGTH(c.column_alias) = DATALENGTH(sc.name)
            WHERE
                c.column_id IS NOT NULL AND c.is_writable = 'Y'
                AND sc.name NOT IN (
                    N'monday_item_id', N'monday_board_id', N'parent_item_id', N'update_operation', N'update_fields',
                    N'source_table', N'source_query', N'update_batch_id', N'validation_status', N'validation_errors',
                    N'update_row_no'
                );
            OPEN alias_cursor;
            FETCH NEXT FROM alias_cursor INTO @alias, @col, @type;
            WHILE @@FETCH_STATUS = 0
            BEGIN
                SET @expr = dbo.fn_MON_Private_StringifyExpr(N'l.' + QUOTENAME(@col), @type);
                IF @expr IS NOT NULL
                BEGIN
                    SET @ord = @ord + 1;
                    INSERT INTO #val_alias (ord, column_alias) VALUES (@ord, @alias);
                    SET @values = CONCAT(
                        @values + N', ',
                        N'(', @ord, N', CAST(', @expr, N' AS nvarchar(MAX)) COLLATE DATABASE_DEFAULT)'
                    );
                END;
                FETCH NEXT FROM alias_cursor INTO @alias, @col, @type;
            END;
            CLOSE alias_cursor;
            DEALLOCATE alias_cursor;
            IF @values IS NOT NULL
            BEGIN
                SET @sql = N'INSERT INTO #val_loaded (monday_item_id, column_alias, loaded_value)
SELECT l.monday_item_id, a.column_alias, x.loaded_value
FROM ' + @table + N' AS l
CROSS APPLY (VALUES ' + @values + N') AS x (ord, loaded_value)
INNER JOIN #val_alias AS a ON x.ord = a.ord
WHERE l.update_batch_id IS NULL AND l.monday_item_id IN (SELECT r.monday_item_id FROM #val_row AS r);';
                EXEC sys.sp_executesql @sql;
            END;
            CREATE CLUSTERED INDEX cx_val_loaded ON #val_loaded (monday_item_id, column_alias);

            INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, val)
            SELECT
                c.update_row_no,
                'NO_OP' AS rule_code,
                c.column_alias,
                c.column_id,
                CONVERT(nvarchar(30), c.monday_item_id) AS val
            FROM #val_cell AS c
            WHERE
                c.monday_item_id IS NOT NULL
                AND EXISTS (
                    SELECT 1 FROM #val_loaded AS l
                    WHERE
                        l.monday_item_id = c.monday_item_id AND l.column_alias = c.column_alias
                        AND (
                            (l.loaded_value IS NULL AND c.raw_value IS NULL)
                            OR LTRIM(RTRIM(l.loaded_value)) COLLATE Latin1_General_100_BIN2 = LTRIM(RTRIM(
                                CASE
                                    WHEN c.column_type = 'numbers'
                                        THEN COALESCE(
                                            dbo.fn_MON_Private_NormalizeNumber(LEFT(c.raw_value, 4000)), c.raw_value
                                        )
                                    ELSE c.raw_value
                                END
                            ))
                        )
                );
        END;
    END;

    -- messages, per-row JSON, statuses ------------------------------------------------------------------
    WITH e AS (
        SELECT
            er.update_row_no,
            vr.severity,
            vr.rule_code,
            er.column_alias,
            REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
                CAST(vr.message_template AS nvarchar(MAX)),
                N'{column}', COALESCE(N'''' + er.column_alias + N'''', N'')),
                N'{column_id}', COALESCE(er.column_id, N'')),
                N'{type}', COALESCE(er.column_type, N'')),
                N'{value}', COALESCE(
                    N'''' + LEFT(er.val, 100) + CASE WHEN LEN(er.val) > 100 THEN N'...' ELSE N'' END + N'''', N'NULL'
                )),
                N'{labels}', COALESCE(er.labels, N'(none)')),
                N'{closest}', COALESCE(er.closest, N'(none)')),
                N'{board_id}', CONVERT(nvarchar(30), @meta)),
                N'{detail}', COALESCE(er.detail, N'')) AS msg
        FROM #val_err AS er
        INNER JOIN dbo.MON_ValidationRule AS vr ON er.rule_code = vr.rule_code AND vr.is_enabled = 'Y'
    ),

    agg AS (
        SELECT
            e.update_row_no,
            MAX(CASE WHEN e.severity = 'ERROR' THEN 1 ELSE 0 END) AS has_error,
            MAX(CASE WHEN e.severity = 'WARNING' THEN 1 ELSE 0 END) AS has_warning,
            N'[' + STRING_AGG(
                CAST(
                    N'{"rule":"' + STRING_ESCAPE(e.rule_code, 'json')
                    + N'","column":' + ISNULL(N'"' + esc_alias.escaped + N'"', N'null')
                    + N',"severity":"' + STRING_ESCAPE(e.severity, 'json')
                    + N'","message":"' + esc_msg.escaped + N'"}'
                    AS nvarchar(MAX)
                ),
                N','
            ) WITHIN GROUP (
                ORDER BY CASE e.severity WHEN 'ERROR' THEN 0 ELSE 1 END ASC, e.rule_code ASC, e.column_alias ASC
            ) + N']' AS errors
        FROM e
        CROSS APPLY dbo.fn_MON_Private_JsonEscape(e.column_alias) AS esc_alias
        CROSS APPLY dbo.fn_MON_Private_JsonEscape(e.msg) AS esc_msg
        GROUP BY e.update_row_no
    ),

    verdict AS (
        SELECT
            r.update_row_no,
            CAST(
                CASE WHEN a.has_error = 1 THEN 'INVALID' WHEN a.has_warning = 1 THEN 'WARNING' ELSE 'VALID' END
                AS varchar(20)
            ) AS status,
            COALESCE(a.errors, N'[]') AS errors
        FROM #val_row AS r
        LEFT JOIN agg AS a ON r.update_row_no = a.update_row_no
    )

    -- with the hash of each row as this validation saw it (the copy in #val_row): of its content alone, to find
    -- a row changed since the copy, and with the status it is given, to store in dbo.MON_ValidatedRow
    SELECT
        r.update_row_no,
        v.status,
        v.errors,
        hc.row_hash AS content_hash,
        hv.row_hash
    INTO #val_res
    FROM #val_row AS r
    INNER JOIN verdict AS v ON r.update_row_no = v.update_row_no
    CROSS APPLY dbo.fn_MON_Private_RowHash(
        r.monday_item_id, r.parent_item_id, r.item_name, r.group_id, r.update_fields, NULL
    ) AS hc
    CROSS APPLY dbo.fn_MON_Private_RowHash(
        r.monday_item_id, r.parent_item_id, r.item_name, r.group_id, r.update_fields, v.status
    ) AS hv;

    -- the verdicts go onto the owner's rows in statements of at most 4,000 rows: below the 5,000 locks at which
    -- SQL Server escalates a statement's row locks to a table lock on the owner's table. A verdict is written
    -- only onto a row whose content is still the one validated (its hash): a row a writer changed meanwhile is
    -- counted, and the validation refused (50305), never given a verdict about other content
    SET @written = 0;
    SELECT @chunk_last = MAX(x.update_row_no) FROM #val_res AS x;
    SET @chunk_from = 1;
    WHILE @chunk_from <= @chunk_last
    BEGIN
        IF @target_level = 'ITEMS'
        BEGIN
            UPDATE s
            SET
                s.validation_status = x.status,
                s.validation_errors = x.errors
            FROM dbo.STG_MON_CustMasterSchedule AS s
            INNER JOIN #val_res AS x ON s.update_row_no = x.update_row_no
            CROSS APPLY dbo.fn_MON_Private_RowHash(
                s.monday_item_id, NULL, s.item_name, s.group_id, s.update_fields, NULL
            ) AS h
            WHERE
                s.update_batch_id = @batch_id AND x.update_row_no BETWEEN @chunk_from AND @chunk_from + 3999
                AND h.row_hash = x.content_hash;
        END;
        ELSE
        BEGIN
            UPDATE s
            SET
                s.validation_status = x.status,
                s.validation_errors = x.errors
            FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
            INNER JOIN #val_res AS x ON s.update_row_no = x.update_row_no
            CROSS APPLY dbo.fn_MON_Private_RowHash(
                s.monday_item_id, s.parent_item_id, s.item_name, s.group_id, s.update_fields, NULL
            ) AS h
            WHERE
                s.update_batch_id = @batch_id AND x.update_row_no BETWEEN @chunk_from AND @chunk_from + 3999
                AND h.row_hash = x.content_hash;
        END;
        SET @written = @written + @@ROWCOUNT;
        SET @chunk_from = @chunk_from + 4000;
    END;

    SELECT
        @rows = COUNT(*),
        @valid = SUM(CASE WHEN x.status = 'VALID' THEN 1 ELSE 0 END),
        @warning = SUM(CASE WHEN x.status = 'WARNING' THEN 1 ELSE 0 END),
        @invalid = SUM(CASE WHEN x.status = 'INVALID' THEN 1 ELSE 0 END)
    FROM #val_res AS x;

    -- the rows validated must be the rows staged: a loader that truncated the table, or anyone who added rows to
    -- the batch since staging, is refused, never counted in (rows_staged is the stage's own count; 0: not known)
    SELECT @staged_count = ub.rows_staged
    FROM dbo.MON_UpdateBatch AS ub
    WHERE ub.batch_id = @batch_id;
    IF @staged_count > 0 AND @rows <> @staged_count
    BEGIN
        SET @msg = CONCAT(
            N'usp_ValidateStagedUpdates: the ', @staged_count, N' staged rows of batch ', @batch_id, N' are gone from ',
            N'the staging table or were joined by others (', @rows, N' rows carry the batch id now): the loader ',
            N'truncated or reloaded the table, or rows were written there by hand. Cancel the batch and stage again.'
        );
        THROW 50304, @msg, 1;
    END;
    IF @written < @rows
    BEGIN
        SET @msg = CONCAT(
            N'usp_ValidateStagedUpdates: ', @rows - @written, N' of the ', @rows, N' staged rows of batch ', @batch_id,
            N' were changed in the staging table while they were being validated (their monday_item_id,',
            N' parent_item_id, item_name, group_id or update_fields): no verdict was written. Find who writes the',
            N' rows, then validate the batch again (dbo.usp_ValidateStagedUpdates @batch_id = ''', @batch_id, N''').'
        );
        THROW 50305, @msg, 1;
    END;
    -- a batch cancelled (or released) while it was being validated keeps that status: the verdicts are not
    -- written over it
    UPDATE dbo.MON_UpdateBatch
    SET
        rows_staged = CASE WHEN rows_staged > 0 THEN rows_staged ELSE @rows END,
        rows_valid = COALESCE(@valid, 0),
        rows_warning = COALESCE(@warning, 0),
        rows_invalid = COALESCE(@invalid, 0),
        validated_at = SYSUTCDATETIME(),
        batch_status = 'VALIDATED'
    WHERE batch_id = @batch_id AND batch_status IN ('STAGED', 'VALIDATED');
    IF @@ROWCOUNT = 0
    BEGIN
        SET @msg = CONCAT(
            N'usp_ValidateStagedUpdates: batch ', @batch_id, N' was cancelled or released while it was being ',
            N'validated; only STAGED or VALIDATED batches can be validated, and its status is kept.'
        );
        THROW 50303, @msg, 1;
    END;

    -- what was validated, row by row: the hash of each copied row's content with the status it was just
    -- given (computed above from #val_row). usp_ReleaseBatch refuses any row whose content differs (50412), so a
    -- row changed in the owner's staging table after validation is never sent unvalidated
    DELETE FROM dbo.MON_ValidatedRow
    WHERE batch_id = @batch_id;
    INSERT INTO dbo.MON_ValidatedRow (batch_id, update_row_no, row_hash)
    SELECT
        @batch_id AS batch_id,
        x.update_row_no,
        x.row_hash
    FROM #val_res AS x;
END;
GO
