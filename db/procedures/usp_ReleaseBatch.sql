-- usp_ReleaseBatch: batch creation. Turns the VALID (and, with @include_warnings = 'Y', WARNING) staged
-- rows of a VALIDATED batch into MON_UpdateQueue rows holding the final monday column_values JSON
-- (dbo.fn_MON_Private_FormatValue applied per cell, columns mapped by dbo.fn_MON_StagedCells; every cell of a
-- released row is queued, NO_OP ones too: whether a cell already holds its value is decided against the
-- live board at send time; an UPDATE row with no cell is not queued) and idempotency_key = <batch_id>-<update_row_no>.
-- The batch becomes READY with rows_queued set (COMPLETED at once when nothing is left to send). From
-- now on the queue rows carry everything needed to send and audit the batch: a loader that truncates and
-- reloads the staging tables cannot change or lose what was released.
-- Refused: a batch not found (50403), released already (50404), not validated (50405), cancelled
-- (50406), whose staged rows vanished (50407) or changed since validation (50408), with no valid row
-- (50409), or with a cell the formatter cannot write (50410), or holding rows staging did not write (50411).
-- Twin of db/postgres/procedures/usp_ReleaseBatch.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_ReleaseBatch', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_ReleaseBatch AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_ReleaseBatch
    @batch_id varchar(50) = NULL,
    @include_warnings char(1) = 'Y',
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_ReleaseBatch: releases a validated batch: its VALID (and WARNING) rows become send-queue rows
with the exact monday column_values JSON; the batch becomes READY for the sender. Read what will be sent in
dbo.MON_UpdateQueue (column_values) before running the sender.

Parameters:
  @batch_id          varchar(50)  required  the VALIDATED batch (see dbo.vw_MON_BatchSummary)
  @include_warnings  char(1)      ''Y''       ''Y'': WARNING rows are sent too; ''N'': only VALID rows
  @help              char(1)      ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_ReleaseBatch @batch_id = ''UB20260101120000-a1b2c3'';
  EXEC dbo.usp_ReleaseBatch @batch_id = ''UB20260101120000-a1b2c3'', @include_warnings = ''N'';
  SELECT queue_id, monday_item_id, column_values, idempotency_key FROM dbo.MON_UpdateQueue
  WHERE batch_id = ''UB20260101120000-a1b2c3'' ORDER BY queue_id;';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
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
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N'EXEC dbo.usp_ReleaseBatch @batch_id = ''', REPLACE(@batch_id, N'''', N''''''),
            N''', @include_warnings = ''', @inc, N''';'
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_ReleaseBatch', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
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
        @subitems_board bigint,
        @staged int,
        @pending int,
        @eligible int,
        @row_numbers int,
        @max_row_no int,
        @n_valid int,
        @n_warning int,
        @n_invalid int,
        @bad_row int,
        @bad_alias nvarchar(400),
        @bad_column varchar(100),
        @bad_type varchar(50),
        @rows int = 0,
        @msg nvarchar(2048);
    -- the formatted cells: a #temp table (statistics, unlike a table variable), so that the join with the
    -- staged rows is planned for the real row count (a batch can hold 100k rows)
    CREATE TABLE #rel_cell (
        update_row_no int NOT NULL,
        src_row_no int NOT NULL,
        field_no int NOT NULL,
        column_alias nvarchar(400) COLLATE DATABASE_DEFAULT NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        column_type varchar(50) COLLATE DATABASE_DEFAULT NULL,
        metadata_board_id bigint NULL,
        formatted nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        PRIMARY KEY CLUSTERED (src_row_no, field_no)
    );

    BEGIN TRY
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
            @cancelled_at = b.cancelled_at
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE b.batch_id = @batch_id;

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

        SELECT
            @staged = COUNT(*),
            @pending = COUNT(CASE WHEN COALESCE(s.validation_status, 'PENDING') = 'PENDING' THEN 1 END),
            @eligible = COUNT(
                CASE WHEN s.validation_status = 'VALID' OR (@inc = 'Y' AND s.validation_status = 'WARNING') THEN 1 END
            ),
            @row_numbers = COUNT(DISTINCT s.update_row_no),
            @max_row_no = MAX(s.update_row_no),
            @n_valid = COUNT(CASE WHEN s.validation_status = 'VALID' THEN 1 END),
            @n_warning = COUNT(CASE WHEN s.validation_status = 'WARNING' THEN 1 END),
            @n_invalid = COUNT(CASE WHEN s.validation_status = 'INVALID' THEN 1 END)
        FROM (
            SELECT
                i.validation_status,
                i.update_row_no
            FROM dbo.STG_MON_CustMasterSchedule AS i
            WHERE i.update_batch_id = @batch_id
                AND @target_level = 'ITEMS'
            UNION ALL
            SELECT
                si.validation_status,
                si.update_row_no
            FROM dbo.STG_MON_CustMasterSchedule_Subitems AS si
            WHERE si.update_batch_id = @batch_id
                AND @target_level = 'SUBITEMS'
        ) AS s;

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
        -- values are a DUPLICATE_CONFLICT, never released) is sent once, from its first row (src_row_no)
        WITH c AS (
            SELECT
                sc.update_row_no AS src_row_no,
                sc.field_no,
                sc.column_alias,
                sc.column_id,
                sc.column_type,
                sc.metadata_board_id,
                sc.raw_value,
                sc.settings_json,
                CASE
                    WHEN @operation = 'UPDATE' AND sc.monday_item_id IS NOT NULL
                        THEN MIN(sc.update_row_no) OVER (PARTITION BY sc.monday_item_id)
                    ELSE sc.update_row_no
                END AS update_row_no,
                CASE
                    WHEN @operation = 'UPDATE' AND sc.monday_item_id IS NOT NULL AND sc.column_id IS NOT NULL
                        THEN ROW_NUMBER() OVER (
                            PARTITION BY sc.monday_item_id, sc.column_id ORDER BY sc.update_row_no, sc.field_no
                        )
                    ELSE 1
                END AS dup_no
            FROM dbo.fn_MON_StagedCells(@batch_id) AS sc
            WHERE (sc.validation_status = 'VALID' OR (@inc = 'Y' AND sc.validation_status = 'WARNING'))
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
        -- the formatting rules, inline: one set-based statement, no scalar function per cell
        CROSS APPLY dbo.fn_MON_Private_FormatValue(c.column_type, c.raw_value, c.settings_json) AS f
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

        SELECT @subitems_board = brd.subitems_board_id
        FROM dbo.MON_Board AS brd
        WHERE brd.board_id = @board_id;

        WITH staged AS (
            SELECT
                i.update_row_no,
                i.monday_item_id,
                CAST(NULL AS bigint) AS parent_item_id,
                i.group_id,
                i.item_name,
                i.validation_status
            FROM dbo.STG_MON_CustMasterSchedule AS i
            WHERE i.update_batch_id = @batch_id
                AND @target_level = 'ITEMS'
            UNION ALL
            SELECT
                si.update_row_no,
                si.monday_item_id,
                si.parent_item_id,
                si.group_id,
                si.item_name,
                si.validation_status
            FROM dbo.STG_MON_CustMasterSchedule_Subitems AS si
            WHERE si.update_batch_id = @batch_id
                AND @target_level = 'SUBITEMS'
        ),

        cv AS (
            SELECT
                c.update_row_no,
                MIN(c.metadata_board_id) AS metadata_board_id,
                N'{' + STRING_AGG(
                    CAST(N'"' + STRING_ESCAPE(c.column_id, 'json') + N'":' + c.formatted AS nvarchar(MAX)), N','
                ) WITHIN GROUP (ORDER BY c.src_row_no, c.field_no) + N'}' AS column_values
            FROM #rel_cell AS c
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
                CASE WHEN @target_level = 'SUBITEMS' THEN COALESCE(@subitems_board, @board_id) ELSE @board_id END
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
        FROM staged AS s
        LEFT JOIN cv ON s.update_row_no = cv.update_row_no
        WHERE (s.validation_status = 'VALID' OR (@inc = 'Y' AND s.validation_status = 'WARNING'))
            AND (@operation = 'CREATE' OR cv.column_values IS NOT NULL)
        ORDER BY s.update_row_no;
        SET @rows = @@ROWCOUNT;

        UPDATE dbo.MON_UpdateBatch
        SET
            batch_status = CASE WHEN @rows = 0 THEN 'COMPLETED' ELSE 'READY' END,
            rows_queued = @rows,
            released_by = ORIGINAL_LOGIN(),
            released_at = @now,
            completed_at = CASE WHEN @rows = 0 THEN @now END
        WHERE batch_id = @batch_id;

        COMMIT TRANSACTION;

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
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = 'FAILED', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;
GO
