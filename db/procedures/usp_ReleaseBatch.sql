-- usp_ReleaseBatch: batch creation. Turns the VALID (and, with @include_warnings = 'Y', WARNING) staged
-- rows of a VALIDATED batch into MON_UpdateQueue rows holding the final monday column_values JSON
-- (dbo.fn_MON_Private_FormatValue applied per cell, columns mapped by dbo.fn_MON_Private_MapAlias; every cell of a
-- released row is queued, NO_OP ones too: whether a cell already holds its value is decided against the
-- live board at send time; an UPDATE row with no cell is not queued) and idempotency_key = <batch_id>-<update_row_no>.
-- The batch becomes READY with rows_queued set (COMPLETED at once when nothing is left to send). From
-- now on the queue rows carry everything needed to send and audit the batch: a loader that truncates and
-- reloads the staging tables cannot change or lose what was released.
-- How (the same steps as the twin):
--   1. one short transaction checks the batch under its row lock and copies the batch's staged rows, content
--      and hash, into #rel_row in ONE read of the owner's table (READ COMMITTED, no HOLDLOCK: a row lock at a
--      time, never a table lock on the owner's table whatever the batch size), and commits. Nothing reads the
--      owner's table again: the cells come from the copy (dbo.fn_MON_Private_StagedFields, the aliases mapped
--      by dbo.fn_MON_Private_MapAlias), so what is queued is exactly what was hashed;
--   2. the copy is checked against what validation recorded: the row count and numbers (50407, 50411), the
--      statuses (50408), the hash of every row's content in dbo.MON_ValidatedRow (50412) - a row changed or a
--      table truncated and reloaded while the copy ran is refused there - then formatted (50410);
--   3. the queue rows are written in committed chunks of @chunk_rows (below the 5,000 locks at which SQL
--      Server escalates) while the batch stays VALIDATED: the claim takes rows of READY and SENDING batches
--      only, so no chunk is sendable before the last is in;
--   4. one short transaction checks that the queue holds exactly the rows of the copy and opens the batch
--      (READY). A release that fails or is cut off before that leaves a VALIDATED batch whose queue rows no
--      claim takes; running the release again deletes them first (in chunks), usp_CancelBatch cancels them.
-- One release of a batch at a time (an application lock owned by the session, 50413).
-- Refused: a batch not found (50403), released already (50404), not validated (50405), cancelled
-- (50406), whose staged rows vanished (50407) or changed since validation (50408, 50412), with no valid row
-- (50409), or with a cell the formatter cannot write (50410), holding rows staging did not write (50411),
-- being released by another session (50413), validated again or cancelled while it was released (50414).
-- Cannot be called through INSERT ... EXEC (50960): it commits its own work.
-- Twin of db/postgres/procedures/usp_ReleaseBatch.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_ReleaseBatch', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_ReleaseBatch AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_ReleaseBatch
    @batch_id varchar(50) = NULL,
    @include_warnings char(1) = 'Y',
    @chunk_rows int = 4000,
    @send_approved char(1) = 'Y',
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_ReleaseBatch: releases a validated batch: its VALID (and WARNING) rows become send-queue rows
with the exact monday column_values JSON; the batch becomes READY for the sender. Read what will be sent in
dbo.vw_MON_SendQueue (column_values) before running the sender.

Parameters:
  @batch_id          varchar(50)  required  the VALIDATED batch (see dbo.vw_MON_BatchSummary)
  @include_warnings  char(1)      ''Y''       ''Y'': WARNING rows are sent too; ''N'': only VALID rows
  @chunk_rows        int          4000      queue rows written per committed chunk (1..4000, below lock escalation)
  @send_approved     char(1)      ''Y''       ''N'': released to be previewed only; no claim takes its rows until
                                            dbo.usp_ApproveBatch approves it (set in the same transaction as READY)
  @help              char(1)      ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_ReleaseBatch @batch_id = ''UB20260101120000-a1b2c3'';
  EXEC dbo.usp_ReleaseBatch @batch_id = ''UB20260101120000-a1b2c3'', @include_warnings = ''N'';
  SELECT queue_id, monday_item_id, column_values, idempotency_key FROM dbo.vw_MON_SendQueue
  WHERE batch_id = ''UB20260101120000-a1b2c3'' ORDER BY queue_id;';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transactions are
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_ReleaseBatch';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int, @inc char(1) = UPPER(@include_warnings);
    IF NULLIF(LTRIM(RTRIM(@batch_id)), '') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50401);
        SET @errors = CONCAT(
            @errors + N' ',
            N'@batch_id is required: pass the validated batch to release (see dbo.vw_MON_BatchSummary).'
        );
    END;
    IF @inc IS NULL OR @inc NOT IN ('Y', 'N')
    BEGIN
        SET @first = COALESCE(@first, 50402);
        SET @errors = CONCAT(
            @errors + N' ', N'@include_warnings = ', COALESCE(N'''' + @include_warnings + N'''', N'NULL'),
            N' is not supported: pass ''Y'' (send WARNING rows too) or ''N''.'
        );
    END;
    IF @chunk_rows IS NULL OR @chunk_rows NOT BETWEEN 1 AND 4000
    BEGIN
        SET @first = COALESCE(@first, 50415);
        SET @errors = CONCAT(
            @errors + N' ', N'@chunk_rows = ', COALESCE(CAST(@chunk_rows AS nvarchar(20)), N'NULL'),
            N' is not supported: pass the queue rows to write per committed chunk, 1 to 4000 (the default;',
            N' more would let SQL Server escalate the row locks of a chunk to a table lock).'
        );
    END;
    IF UPPER(@send_approved) IS NULL OR UPPER(@send_approved) NOT IN ('Y', 'N')
    BEGIN
        SET @first = COALESCE(@first, 50416);
        SET @errors = CONCAT(
            @errors + N' ', N'@send_approved = ', COALESCE(N'''' + @send_approved + N'''', N'NULL'),
            N' is not supported: pass ''Y'' (the sender may send it) or ''N'' (previewed only, until approved).'
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N'EXEC dbo.usp_ReleaseBatch @batch_id = ''', REPLACE(@batch_id, N'''', N''''''),
            N''', @include_warnings = ''', @inc, N''', @chunk_rows = ', @chunk_rows,
            N', @send_approved = ''', UPPER(@send_approved), N''';'
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_ReleaseBatch', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @lock_resource nvarchar(255) = CONCAT(N'opus_release_', @batch_id),
        @lock_rc int,
        @locked bit = 0,
        @status varchar(20),
        @board_id bigint,
        @target_level varchar(10),
        @operation varchar(50),
        @create_labels char(1),
        @rows_staged int,
        @rows_valid int,
        @rows_warning int,
        @rows_invalid int,
        @rows_queued int,
        @released_by nvarchar(128),
        @released_at datetime2(3),
        @cancelled_by nvarchar(128),
        @cancelled_at datetime2(3),
        @validated_at datetime2(3),
        @subitems_board bigint,
        @staged int,
        @pending int,
        @eligible int,
        @row_numbers int,
        @max_row_no int,
        @n_valid int,
        @n_warning int,
        @n_invalid int,
        @n_changed int,
        @changed_rows nvarchar(MAX),
        @bad_row int,
        @bad_alias nvarchar(400),
        @bad_column varchar(100),
        @bad_type varchar(50),
        @expected int,
        @last_row_no int = 0,
        @phase varchar(10) = 'clean',
        @now_validated_at datetime2(3),
        @rows int = 0,
        @holder nvarchar(400),
        @msg nvarchar(2048);
    -- the private copy: the batch's rows (with their content hash) and the cells of the rows to send
    CREATE TABLE #rel_row (
        update_row_no int NOT NULL,
        monday_item_id bigint NULL,
        parent_item_id bigint NULL,
        group_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        item_name nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        validation_status varchar(20) COLLATE DATABASE_DEFAULT NULL,
        update_fields nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        row_hash varbinary(32) NULL,
        to_send bit NOT NULL DEFAULT (0)
    );
    CREATE TABLE #rel_src (
        src_row_no int NOT NULL,
        field_no int NOT NULL,
        column_alias nvarchar(400) COLLATE DATABASE_DEFAULT NULL,
        raw_value nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        column_type varchar(50) COLLATE DATABASE_DEFAULT NULL,
        metadata_board_id bigint NULL,
        monday_item_id bigint NULL
    );
    -- the distinct aliases of the cells to send, each mapped once
    CREATE TABLE #rel_alias (
        column_alias nvarchar(400) COLLATE DATABASE_DEFAULT NULL,
        metadata_board_id bigint NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL
    );
    -- the formatted cells: a #temp table (statistics, unlike a table variable), so that the joins are planned
    -- for the real row count (a batch can hold a million rows)
    CREATE TABLE #rel_cell (
        update_row_no int NOT NULL,
        src_row_no int NOT NULL,
        field_no int NOT NULL,
        column_alias nvarchar(400) COLLATE DATABASE_DEFAULT NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        column_type varchar(50) COLLATE DATABASE_DEFAULT NULL,
        metadata_board_id bigint NULL,
        formatted nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        PRIMARY KEY CLUSTERED (update_row_no, src_row_no, field_no)
    );

    BEGIN TRY
        -- one release of a batch at a time, for all its transactions (checked, not waited for)
        EXEC @lock_rc = sys.sp_getapplock
            @Resource = @lock_resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0;
        IF @lock_rc < 0
        BEGIN
            -- who holds it, from the run log: a release whose client was cut off (a query timeout, a cancel in
            -- SSMS) runs no CATCH, and its session keeps the lock until the connection closes
            SELECT TOP (1)
                @holder = CONCAT(
                    N' (run ', rl.run_id, N', started by ', rl.caller_login, N' from ', COALESCE(rl.host_name, N'?'),
                    N' at ', CONVERT(nvarchar(30), rl.start_time, 121), N' UTC)'
                )
            FROM dbo.MON_RunLog AS rl
            WHERE
                rl.proc_name = N'usp_ReleaseBatch' AND rl.batch_id = @batch_id AND rl.outcome = 'RUNNING'
                AND rl.run_id <> @run_id
            ORDER BY rl.run_id DESC;
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' is being released by another session right now', @holder,
                N': nothing was done. Wait for that release to end, then see dbo.vw_MON_BatchSummary. A release',
                N' whose client was cut off keeps the batch until its connection closes: close that connection',
                N' (a DBA finds it in sys.dm_tran_locks, resource_type APPLICATION), then release again.'
            );
            THROW 50413, @msg, 1;
        END;
        SET @locked = 1;

        -- step 1: the copy, in one short transaction
        BEGIN TRANSACTION;

        SELECT
            @status = b.batch_status,
            @board_id = b.board_id,
            @target_level = b.target_level,
            @operation = b.update_operation,
            @create_labels = b.create_labels_if_missing,
            @rows_staged = b.rows_staged,
            @rows_valid = b.rows_valid,
            @rows_warning = b.rows_warning,
            @rows_invalid = b.rows_invalid,
            @rows_queued = b.rows_queued,
            @released_by = b.released_by,
            @released_at = b.released_at,
            @cancelled_by = b.cancelled_by,
            @cancelled_at = b.cancelled_at,
            @validated_at = b.validated_at
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        -- the batch id exactly (case and trailing spaces count, as on PostgreSQL); the first equality seeks
        WHERE
            b.batch_id = @batch_id
            AND b.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(b.batch_id) = DATALENGTH(@batch_id);

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' does not exist: check the id in dbo.vw_MON_BatchSummary, or stage it',
                N' with dbo.usp_StageUpdates.'
            );
            THROW 50403, @msg, 1;
        END;
        IF @status = 'CANCELLED'
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' was cancelled by ', @cancelled_by, N' at ',
                CONVERT(nvarchar(30), @cancelled_at, 121),
                N': it cannot be released. Stage the rows again with dbo.usp_StageUpdates.'
            );
            THROW 50406, @msg, 1;
        END;
        IF @status IN ('READY', 'SENDING', 'COMPLETED', 'PARTIAL', 'FAILED')
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' was already released (by ', COALESCE(@released_by, N'?'), N' at ',
                COALESCE(CONVERT(nvarchar(30), @released_at, 121), N'?'), N', ', @rows_queued,
                N' queue rows; now ', @status,
                N'): releasing twice would send it twice. See dbo.vw_MON_BatchSummary.'
            );
            THROW 50404, @msg, 1;
        END;
        IF @status <> 'VALIDATED'
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' is ', @status, N', not VALIDATED: run EXEC dbo.usp_ValidateStagedUpdates',
                N' @batch_id = ''', @batch_id, N''' first, then release.'
            );
            THROW 50405, @msg, 1;
        END;

        -- one read of the owner's rows, content and hash together (READ COMMITTED: row locks taken and released
        -- one at a time, so no escalation to a table lock whatever the batch size). A row changed, deleted or
        -- added while this runs fails the checks of step 2 (hash 50412, count 50407/50411)
        IF @target_level = 'ITEMS'
        BEGIN
            INSERT INTO #rel_row (
                update_row_no, monday_item_id, parent_item_id, group_id, item_name, validation_status, update_fields,
                row_hash
            )
            SELECT
                i.update_row_no,
                i.monday_item_id,
                NULL AS parent_item_id,
                i.group_id,
                i.item_name,
                i.validation_status,
                i.update_fields,
                h.row_hash
            FROM dbo.STG_MON_CustMasterSchedule AS i
            CROSS APPLY dbo.fn_MON_Private_RowHash(
                i.monday_item_id, NULL, i.item_name, i.group_id, i.update_fields, i.validation_status
            ) AS h
            WHERE i.update_batch_id = @batch_id;
        END;
        ELSE
        BEGIN
            INSERT INTO #rel_row (
                update_row_no, monday_item_id, parent_item_id, group_id, item_name, validation_status, update_fields,
                row_hash
            )
            SELECT
                si.update_row_no,
                si.monday_item_id,
                si.parent_item_id,
                si.group_id,
                si.item_name,
                si.validation_status,
                si.update_fields,
                h.row_hash
            FROM dbo.STG_MON_CustMasterSchedule_Subitems AS si
            CROSS APPLY dbo.fn_MON_Private_RowHash(
                si.monday_item_id, si.parent_item_id, si.item_name, si.group_id, si.update_fields,
                si.validation_status
            ) AS h
            WHERE si.update_batch_id = @batch_id;
        END;

        COMMIT TRANSACTION;

        -- step 2: the copy checked against what validation recorded, then formatted (no transaction: #temp only)
        SELECT
            @staged = COUNT(*),
            @pending = COUNT(CASE WHEN COALESCE(r.validation_status, 'PENDING') = 'PENDING' THEN 1 END),
            @eligible = COUNT(
                CASE WHEN r.validation_status = 'VALID' OR (@inc = 'Y' AND r.validation_status = 'WARNING') THEN 1 END
            ),
            @row_numbers = COUNT(DISTINCT r.update_row_no),
            @max_row_no = MAX(r.update_row_no),
            @n_valid = COUNT(CASE WHEN r.validation_status = 'VALID' THEN 1 END),
            @n_warning = COUNT(CASE WHEN r.validation_status = 'WARNING' THEN 1 END),
            @n_invalid = COUNT(CASE WHEN r.validation_status = 'INVALID' THEN 1 END)
        FROM #rel_row AS r;

        IF @staged < @rows_staged
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' staged ', @rows_staged, N' rows, but only ', @staged, N' are still in ',
                CASE WHEN @target_level = 'SUBITEMS' THEN N'STG_MON_CustMasterSchedule_Subitems'
                    ELSE N'STG_MON_CustMasterSchedule' END,
                N': they were deleted or reloaded since (a loader truncating the staging table?).',
                N' Nothing was released: stage the rows again with dbo.usp_StageUpdates.'
            );
            THROW 50407, @msg, 1;
        END;
        -- exactly the rows staging wrote (row numbers 1..rows_staged, once each) with the statuses validation
        -- counted: a row added to the batch by other means is never released
        IF @staged > @rows_staged OR @row_numbers <> @staged OR @max_row_no <> @rows_staged
            OR (
                @pending = 0
                AND (@n_valid <> @rows_valid OR @n_warning <> @rows_warning OR @n_invalid <> @rows_invalid)
            )
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' staged ', @rows_staged, N' rows (', @rows_valid, N' VALID, ',
                @rows_warning, N' WARNING, ', @rows_invalid, N' INVALID), but ', @staged, N' rows with ', @row_numbers,
                N' row numbers (', @n_valid, N' VALID, ', @n_warning, N' WARNING, ', @n_invalid,
                N' INVALID) carry its id now: rows were added or changed outside dbo.usp_StageUpdates and',
                N' dbo.usp_ValidateStagedUpdates. Nothing was released: cancel the batch and stage the rows again.'
            );
            THROW 50411, @msg, 1;
        END;
        IF @pending > 0
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' has ', @pending, N' staged rows not validated (PENDING): they changed',
                N' since validation. Run EXEC dbo.usp_ValidateStagedUpdates @batch_id = ''', @batch_id,
                N''', then release.'
            );
            THROW 50408, @msg, 1;
        END;
        -- every row as validation saw it: its content hash as validation recorded it (dbo.MON_ValidatedRow)
        SELECT
            @n_changed = COUNT(*),
            @changed_rows = STRING_AGG(CAST(x.update_row_no AS nvarchar(MAX)), N', ')
                WITHIN GROUP (ORDER BY x.update_row_no)
        FROM (
            SELECT r.update_row_no
            FROM #rel_row AS r
            WHERE NOT EXISTS (
                SELECT 1
                FROM dbo.MON_ValidatedRow AS vr
                WHERE
                    vr.batch_id = @batch_id
                    AND vr.update_row_no = r.update_row_no
                    AND vr.row_hash = r.row_hash
            )
        ) AS x;
        IF @n_changed > 0
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''': ', @n_changed, N' staged rows differ from what validation saw (row_no ',
                LEFT(@changed_rows, 200), CASE WHEN LEN(@changed_rows) > 200 THEN N' ...' END,
                N'): their monday_item_id, parent_item_id, item_name, group_id, update_fields or validation_status was',
                N' changed in the staging table after validation. Nothing was released: run EXEC',
                N' dbo.usp_ValidateStagedUpdates @batch_id = ''', @batch_id, N''' and read the findings, or cancel the',
                N' batch; find who wrote the rows.'
            );
            THROW 50412, @msg, 1;
        END;
        -- the cells of the rows to send, from the copy: each field of update_fields, each distinct alias mapped
        -- once to its board column (the board of the batch, or its subitems board)
        SELECT @subitems_board = brd.subitems_board_id
        FROM dbo.MON_Board AS brd
        WHERE brd.board_id = @board_id;
        INSERT INTO #rel_src (
            src_row_no, field_no, column_alias, raw_value, metadata_board_id, monday_item_id
        )
        SELECT
            r.update_row_no,
            f.field_no,
            f.column_alias,
            f.raw_value,
            CASE WHEN @target_level = 'SUBITEMS' THEN COALESCE(@subitems_board, @board_id) ELSE @board_id END
                AS metadata_board_id,
            r.monday_item_id
        FROM #rel_row AS r
        CROSS APPLY dbo.fn_MON_Private_StagedFields(r.update_fields) AS f
        WHERE r.validation_status = 'VALID' OR (@inc = 'Y' AND r.validation_status = 'WARNING');
        -- each distinct alias mapped once, materialised (no plan maps it once per cell), then joined
        INSERT INTO #rel_alias (column_alias, metadata_board_id, column_id)
        SELECT
            a.column_alias,
            a.metadata_board_id,
            m.column_id
        FROM (
            SELECT DISTINCT
                sc.column_alias,
                sc.metadata_board_id
            FROM #rel_src AS sc
        ) AS a
        CROSS APPLY dbo.fn_MON_Private_MapAlias(@board_id, a.metadata_board_id, a.column_alias) AS m;
        UPDATE sc
        SET
            sc.column_id = a.column_id,
            sc.column_type = bc.column_type
        FROM #rel_src AS sc
        INNER JOIN #rel_alias AS a ON sc.column_alias = a.column_alias
        LEFT JOIN dbo.MON_BoardColumn AS bc ON a.metadata_board_id = bc.board_id AND a.column_id = bc.column_id;

        IF @eligible = 0
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' has no row to send: ', @rows_valid, N' VALID, ', @rows_warning,
                N' WARNING',
                CASE WHEN @inc = 'N' AND @rows_warning > 0 THEN N' (not included: @include_warnings = ''N'')' END,
                N', ', @rows_invalid, N' INVALID. Read the errors in dbo.vw_MON_ValidationErrors, fix the source',
                N' and stage again, or cancel the batch with dbo.usp_CancelBatch.'
            );
            THROW 50409, @msg, 1;
        END;

        -- an UPDATE sends one queue row per item: the cells of every released row of an item go to the
        -- item's first such row (update_row_no), and a cell staged in several rows with one value (different
        -- values are a DUPLICATE_CONFLICT, never released) is sent once, from its first row (src_row_no).
        -- The settings come from the board column, once per column (not copied per cell)
        WITH c AS (
            SELECT
                sc.src_row_no,
                sc.field_no,
                sc.column_alias,
                sc.column_id,
                sc.column_type,
                sc.metadata_board_id,
                sc.raw_value,
                CASE
                    WHEN @operation = 'UPDATE' AND sc.monday_item_id IS NOT NULL
                        THEN MIN(sc.src_row_no) OVER (PARTITION BY sc.monday_item_id)
                    ELSE sc.src_row_no
                END AS update_row_no,
                CASE
                    WHEN @operation = 'UPDATE' AND sc.monday_item_id IS NOT NULL AND sc.column_id IS NOT NULL
                        THEN ROW_NUMBER() OVER (
                            PARTITION BY sc.monday_item_id, sc.column_id ORDER BY sc.src_row_no, sc.field_no
                        )
                    ELSE 1
                END AS dup_no
            FROM #rel_src AS sc
        )

        INSERT INTO #rel_cell (
            update_row_no, src_row_no, field_no, column_alias, column_id, column_type, metadata_board_id, formatted
        )
        SELECT
            c.update_row_no,
            c.src_row_no,
            c.field_no,
            c.column_alias,
            c.column_id,
            c.column_type,
            c.metadata_board_id,
            f.formatted_value AS formatted
        FROM c
        LEFT JOIN dbo.MON_BoardColumn AS bc ON c.metadata_board_id = bc.board_id AND c.column_id = bc.column_id
        -- the formatting rules, inline: one set-based statement, no scalar function per cell
        CROSS APPLY dbo.fn_MON_Private_FormatValue(c.column_type, c.raw_value, bc.settings_json) AS f
        WHERE c.dup_no = 1;

        SELECT TOP (1)
            @bad_row = c.src_row_no,
            @bad_alias = c.column_alias,
            @bad_column = c.column_id,
            @bad_type = c.column_type
        FROM #rel_cell AS c
        WHERE c.column_id IS NULL
            OR c.formatted IS NULL
        ORDER BY c.src_row_no, c.field_no;
        IF @bad_row IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' row ', @bad_row, N': the value of ''', @bad_alias, N''' (column ',
                COALESCE(@bad_column, '(unmapped)'), N', type ', COALESCE(@bad_type, '?'),
                N') cannot be written to monday, although the row passed validation (the board metadata or the',
                N' rules changed since?). Nothing was released: run EXEC dbo.usp_ValidateStagedUpdates @batch_id = ''',
                @batch_id, N''' again, then release.'
            );
            THROW 50410, @msg, 1;
        END;

        -- what the chunks will write: the eligible rows that have a cell (a CREATE row always)
        UPDATE r
        SET r.to_send = 1
        FROM #rel_row AS r
        WHERE
            (r.validation_status = 'VALID' OR (@inc = 'Y' AND r.validation_status = 'WARNING'))
            AND (
                @operation = 'CREATE'
                OR EXISTS (
                    SELECT 1 FROM #rel_cell AS c
                    WHERE c.update_row_no = r.update_row_no
                )
            );
        DELETE FROM #rel_row
        WHERE to_send = 0;
        CREATE CLUSTERED INDEX CX_rel_row ON #rel_row (update_row_no);
        SELECT @expected = COUNT(*) FROM #rel_row;

        -- steps 3 and 4, one transaction each: the batch row locked and found as the copy found it. Queue rows
        -- of an earlier release of this batch that did not finish (never sendable: the batch is still
        -- VALIDATED) are deleted first, in chunks, and written anew from this copy
        WHILE @phase <> 'done'
        BEGIN
            BEGIN TRANSACTION;

            SELECT
                @status = b.batch_status,
                @now_validated_at = b.validated_at
            FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
            WHERE b.batch_id = @batch_id;
            IF @status <> 'VALIDATED' OR @now_validated_at <> @validated_at
            BEGIN
                SET @msg = CONCAT(
                    N'batch ''', @batch_id, N''' was ',
                    CASE WHEN @status = 'CANCELLED' THEN N'cancelled' ELSE N'validated again' END,
                    N' while it was being released: nothing is sendable. ',
                    CASE
                        WHEN @status = 'CANCELLED'
                            THEN N'Its queue rows are cancelled by dbo.usp_CancelBatch; stage the rows again.'
                        ELSE CONCAT(N'Run EXEC dbo.usp_ReleaseBatch @batch_id = ''', @batch_id, N''' again.')
                    END
                );
                THROW 50414, @msg, 1;
            END;

            IF @phase = 'clean'
            BEGIN
                -- a dry run may have previewed them (the previews reference the rows)
                DELETE FROM dbo.MON_UpdatePreview
                WHERE batch_id = @batch_id;
                DELETE TOP (@chunk_rows) FROM dbo.MON_UpdateQueue
                WHERE batch_id = @batch_id;
                IF @@ROWCOUNT < @chunk_rows SET @phase = 'queue';
            END;
            ELSE IF @phase = 'queue'
            BEGIN
                WITH chunk AS (
                    SELECT TOP (@chunk_rows)
                        r.update_row_no,
                        r.monday_item_id,
                        r.parent_item_id,
                        r.group_id,
                        r.item_name
                    FROM #rel_row AS r
                    WHERE r.update_row_no > @last_row_no
                    ORDER BY r.update_row_no
                ),

                cv AS (
                    SELECT
                        c.update_row_no,
                        MIN(c.metadata_board_id) AS metadata_board_id,
                        N'{' + STRING_AGG(
                            CAST(N'"' + STRING_ESCAPE(c.column_id, 'json') + N'":' + c.formatted AS nvarchar(MAX)),
                            N','
                        ) WITHIN GROUP (ORDER BY c.src_row_no, c.field_no) + N'}' AS column_values
                    FROM #rel_cell AS c
                    WHERE c.update_row_no IN (SELECT k.update_row_no FROM chunk AS k)
                    GROUP BY c.update_row_no
                )

                INSERT INTO dbo.MON_UpdateQueue (
                    batch_id, update_row_no, board_id, update_operation, monday_item_id, parent_item_id, group_id,
                    item_name, column_values, create_labels_if_missing, idempotency_key, queue_status, visible_after,
                    created_at
                )
                SELECT
                    @batch_id AS batch_id,
                    s.update_row_no,
                    COALESCE(
                        cv.metadata_board_id,
                        CASE
                            WHEN @target_level = 'SUBITEMS' THEN COALESCE(@subitems_board, @board_id)
                            ELSE @board_id
                        END
                    ) AS board_id,
                    @operation AS update_operation,
                    s.monday_item_id,
                    s.parent_item_id,
                    s.group_id,
                    CASE WHEN @operation = 'CREATE' THEN LTRIM(RTRIM(s.item_name)) ELSE s.item_name END AS item_name,
                    COALESCE(cv.column_values, N'{}') AS column_values,
                    @create_labels AS create_labels_if_missing,
                    CONCAT(@batch_id, '-', s.update_row_no) AS idempotency_key,
                    'READY' AS queue_status,
                    @now AS visible_after,
                    @now AS created_at
                FROM chunk AS s
                LEFT JOIN cv ON s.update_row_no = cv.update_row_no
                ORDER BY s.update_row_no;
                IF @@ROWCOUNT = 0 SET @phase = 'finish';

                SELECT @last_row_no = COALESCE(MAX(x.update_row_no), @last_row_no)
                FROM (
                    SELECT TOP (@chunk_rows) r.update_row_no
                    FROM #rel_row AS r
                    WHERE r.update_row_no > @last_row_no
                    ORDER BY r.update_row_no
                ) AS x;
            END;
            ELSE
            BEGIN
                -- step 4: the queue holds exactly the rows of the copy, then the batch opens to the claim
                SELECT @rows = COUNT(*)
                FROM dbo.MON_UpdateQueue AS q
                WHERE q.batch_id = @batch_id;
                IF @rows <> @expected
                BEGIN
                    SET @msg = CONCAT(
                        N'batch ''', @batch_id, N''': ', @rows, N' queue rows were written, but the release copied ',
                        @expected, N' rows to send: the queue was changed while the batch was being released.',
                        N' Nothing is sendable: run EXEC dbo.usp_ReleaseBatch @batch_id = ''', @batch_id, N''' again.'
                    );
                    THROW 50414, @msg, 1;
                END;

                UPDATE dbo.MON_UpdateBatch
                SET
                    batch_status = CASE WHEN @rows = 0 THEN 'COMPLETED' ELSE 'READY' END,
                    rows_queued = @rows,
                    released_by = ORIGINAL_LOGIN(),
                    released_at = @now,
                    completed_at = CASE WHEN @rows = 0 THEN @now END,
                    -- in the transaction that opens the batch: a batch released to be previewed is never
                    -- claimable, not even for a moment
                    send_approved = UPPER(@send_approved)
                WHERE batch_id = @batch_id;
                SET @phase = 'done';
            END;

            COMMIT TRANSACTION;
        END;

        EXEC sys.sp_releaseapplock @Resource = @lock_resource, @LockOwner = 'Session';
        SET @locked = 0;
        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;

        SELECT
            @batch_id AS batch_id,
            CASE WHEN @rows = 0 THEN 'COMPLETED' ELSE 'READY' END AS batch_status,
            @rows AS rows_queued,
            @staged - @rows AS rows_left_out,
            @inc AS include_warnings;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        IF @locked = 1 EXEC sys.sp_releaseapplock @Resource = @lock_resource, @LockOwner = 'Session';
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = 'FAILED', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;
GO
