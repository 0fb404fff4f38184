-- usp_StageRollback: builds a ROLLBACK batch that undoes what a sent batch changed, released (READY) but
-- previewed only (send_approved = 'N'): a plain send does not send it until it is approved
-- (usp_ApproveBatch, opus-sender rollback --execute); a dry run previews it.
--   * per item one UPDATE queue row setting every audited cell back to its old_value (the first audit
--     row of the cell), with expected_values = the audited new_value (the last audit row of the cell):
--     the sender re-reads the board and skips and reports cells that differ now (changed by someone
--     else since);
--   * every item the batch created becomes an ARCHIVE queue row.
-- Only audit rows not rolled back yet are used, so after a PARTIAL rollback a second call picks up the
-- rest. When the rollback rows are sent, usp_RecordSendResult stamps the original audit rows
-- (rollback_timestamp, rollback_reason, rollback_batch_id).
-- Refused: a batch still being sent (50707), a rollback batch (50708), one with a rollback in progress
-- (50706), nothing audited (50704), everything rolled back already (50705).
-- Twin of db/postgres/procedures/usp_StageRollback.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_StageRollback', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_StageRollback AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_StageRollback
    @batch_id varchar(50) = NULL,
    @reason nvarchar(500) = NULL,
    @rollback_batch_id varchar(50) = NULL OUTPUT,
    @send_approved char(1) = 'N',
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_StageRollback: stages a ROLLBACK batch that sets every cell a sent batch changed back to its
audited old value (cells changed by someone else since are skipped and reported by the sender) and
archives the items the batch created. The new batch is READY but previewed only: a dry run previews it,
and a plain send sends it once approved (EXEC dbo.usp_ApproveBatch @batch_id = <the new batch>, or
opus-sender rollback --execute).

Parameters:
  @batch_id           varchar(50)    required  the sent batch to undo (COMPLETED, PARTIAL or FAILED)
  @reason             nvarchar(500)  required  why; stored on the batch and on the original audit rows
  @rollback_batch_id  varchar(50)    OUTPUT    the id of the new ROLLBACK batch
  @send_approved      char(1)        ''N''       ''N'': previewed only until approved (usp_ApproveBatch);
                                                 ''Y'': approved, a plain send sends it (rollback --execute)
  @help               char(1)        ''N''       ''Y'' prints this text and does nothing else

Examples:
  DECLARE @rb varchar(50);
  EXEC dbo.usp_StageRollback @batch_id = ''UB20260101-0001'', @reason = N''wrong status values'',
       @rollback_batch_id = @rb OUTPUT;
  SELECT * FROM dbo.vw_MON_AuditTrail WHERE batch_id = ''UB20260101-0001'';';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_StageRollback';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@batch_id)), '') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50701);
        SET @errors = CONCAT(
            @errors + N' ',
            N'@batch_id is required: pass the sent batch to roll back (see dbo.vw_MON_BatchSummary).'
        );
    END;
    IF NULLIF(LTRIM(RTRIM(@reason)), N'') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50702);
        SET @errors = CONCAT(
            @errors + N' ', N'@reason is required: say why the batch is rolled back; it is kept with the audit rows.'
        );
    END;
    IF @send_approved IS NULL OR UPPER(@send_approved) NOT IN ('Y', 'N')
    BEGIN
        SET @first = COALESCE(@first, 50709);
        SET @errors = CONCAT(
            @errors + N' ', N'@send_approved = ', COALESCE(N'''' + @send_approved + N'''', N'NULL'),
            N' is not supported: pass ''N'' (previewed only until approved) or ''Y'' (approved for sending).'
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N'DECLARE @rb varchar(50); EXEC dbo.usp_StageRollback @batch_id = ''',
            REPLACE(@batch_id, N'''', N''''''), N''', @reason = N''', REPLACE(@reason, N'''', N''''''),
            N''', @rollback_batch_id = @rb OUTPUT, @send_approved = ''', UPPER(@send_approved), N''';'
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_StageRollback', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @status varchar(20),
        @operation varchar(50),
        @board_id bigint,
        @target_level varchar(10),
        @rollback_of varchar(50),
        @open varchar(50),
        @audited int,
        @rb varchar(50),
        @rows int = 0,
        @msg nvarchar(2048);
    DECLARE @rollback_rows TABLE (
        row_no int NOT NULL PRIMARY KEY,
        row_kind varchar(10) NOT NULL,
        monday_item_id bigint NOT NULL,
        board_id bigint NOT NULL,
        item_name nvarchar(255) NULL,
        column_values nvarchar(MAX) NULL,
        expected_values nvarchar(MAX) NULL
    );

    BEGIN TRY
        BEGIN TRANSACTION;

        SELECT
            @status = b.batch_status,
            @operation = b.update_operation,
            @board_id = b.board_id,
            @target_level = b.target_level,
            @rollback_of = b.rollback_of_batch_id
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE b.batch_id = @batch_id;

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(N'batch ''', @batch_id, N''' does not exist: check the id in dbo.vw_MON_BatchSummary.');
            THROW 50703, @msg, 1;
        END;
        IF @operation = 'ROLLBACK'
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' is itself a rollback (of ', @rollback_of,
                N'): it cannot be rolled back. Stage the values you want as a new UPDATE batch with',
                N' dbo.usp_StageUpdates.'
            );
            THROW 50708, @msg, 1;
        END;
        IF @status IN ('READY', 'SENDING')
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' is ', @status, N': it is still being sent. Wait until it is COMPLETED,',
                N' PARTIAL or FAILED (dbo.vw_MON_BatchSummary), or cancel what is left with dbo.usp_CancelBatch,',
                N' then roll back.'
            );
            THROW 50707, @msg, 1;
        END;

        SELECT TOP (1) @open = rb.batch_id
        FROM dbo.MON_UpdateBatch AS rb
        WHERE rb.rollback_of_batch_id = @batch_id
            AND rb.batch_status IN ('STAGED', 'VALIDATED', 'READY', 'SENDING')
        ORDER BY rb.created_at DESC;
        IF @open IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' already has a rollback in progress (batch ', @open,
                N'): let the sender finish it, or cancel it with dbo.usp_CancelBatch, before staging another.'
            );
            THROW 50706, @msg, 1;
        END;

        SELECT @audited = COUNT(*)
        FROM dbo.MON_UpdateAudit AS a
        WHERE a.batch_id = @batch_id;
        IF @audited = 0
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' (', @status, N') has no audited change: nothing of it reached the',
                N' board, so there is nothing to roll back.'
            );
            THROW 50704, @msg, 1;
        END;

        WITH created AS (
            -- items the batch created: archived
            SELECT
                a.monday_item_id,
                MIN(a.monday_board_id) AS board_id,
                MAX(CASE WHEN a.column_id = 'name' THEN a.new_value END) AS item_name
            FROM dbo.MON_UpdateAudit AS a
            WHERE a.batch_id = @batch_id
                AND a.update_operation = 'CREATE'
                AND a.rollback_timestamp IS NULL
                AND a.monday_item_id IS NOT NULL
            GROUP BY a.monday_item_id
        ),

        cell AS (
            -- cells the batch changed on existing items: the first old value back, the last new value expected
            SELECT
                a.monday_item_id,
                a.monday_board_id,
                a.column_id,
                FIRST_VALUE(a.old_value) OVER (
                    PARTITION BY a.monday_item_id, a.column_id ORDER BY a.audit_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                ) AS old_value,
                LAST_VALUE(a.new_value) OVER (
                    PARTITION BY a.monday_item_id, a.column_id ORDER BY a.audit_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                ) AS new_value,
                ROW_NUMBER() OVER (PARTITION BY a.monday_item_id, a.column_id ORDER BY a.audit_id) AS rn
            FROM dbo.MON_UpdateAudit AS a
            WHERE a.batch_id = @batch_id
                AND a.update_operation <> 'CREATE'
                AND a.rollback_timestamp IS NULL
                AND a.monday_item_id IS NOT NULL
                AND a.column_id IS NOT NULL
        ),

        restored AS (
            SELECT
                c.monday_item_id,
                MIN(c.monday_board_id) AS board_id,
                N'{' + STRING_AGG(
                    CAST(N'"' + STRING_ESCAPE(c.column_id, 'json') + N'":' + ISNULL(
                        dbo.fn_MON_Private_TryJson(c.old_value),
                        ISNULL(N'"' + esc_old.escaped + N'"', N'null')
                    ) AS nvarchar(MAX)), N','
                ) WITHIN GROUP (ORDER BY c.column_id) + N'}' AS column_values,
                N'{' + STRING_AGG(
                    CAST(N'"' + STRING_ESCAPE(c.column_id, 'json') + N'":' + ISNULL(
                        dbo.fn_MON_Private_TryJson(c.new_value),
                        ISNULL(N'"' + esc_new.escaped + N'"', N'null')
                    ) AS nvarchar(MAX)), N','
                ) WITHIN GROUP (ORDER BY c.column_id) + N'}' AS expected_values
            FROM cell AS c
            CROSS APPLY dbo.fn_MON_Private_JsonEscape(c.old_value) AS esc_old
            CROSS APPLY dbo.fn_MON_Private_JsonEscape(c.new_value) AS esc_new
            WHERE c.rn = 1
                -- exactly distinct (a NULL, a change of case or of trailing spaces counts): varbinary compares bytes
                AND EXISTS (
                    SELECT CAST(c.old_value AS varbinary(MAX))
                    EXCEPT
                    SELECT CAST(c.new_value AS varbinary(MAX))
                )
            GROUP BY c.monday_item_id
        ),

        all_rows AS (
            SELECT
                'UPDATE' AS row_kind,
                r.monday_item_id,
                r.board_id,
                CAST(NULL AS nvarchar(255)) AS item_name,
                r.column_values,
                r.expected_values
            FROM restored AS r
            UNION ALL
            SELECT
                'ARCHIVE' AS row_kind,
                cr.monday_item_id,
                cr.board_id,
                cr.item_name,
                NULL AS column_values,
                NULL AS expected_values
            FROM created AS cr
        )

        INSERT INTO @rollback_rows (
            row_no, row_kind, monday_item_id, board_id, item_name, column_values, expected_values
        )
        SELECT
            ROW_NUMBER() OVER (ORDER BY x.row_kind DESC, x.monday_item_id ASC) AS row_no,
            x.row_kind,
            x.monday_item_id,
            x.board_id,
            x.item_name,
            x.column_values,
            x.expected_values
        FROM all_rows AS x;
        SET @rows = @@ROWCOUNT;

        IF @rows = 0
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' was already rolled back: every audited change has a rollback',
                N' (see dbo.vw_MON_AuditTrail). Nothing was staged.'
            );
            THROW 50705, @msg, 1;
        END;

        -- RByyyymmddhhmmss-xxxxxx, made as usp_StageUpdates makes a UB id (style 120: a T-SQL test engine
        -- ignores styles 112 and 108 for a datetime2)
        SET @rb = CONCAT(
            'RB', REPLACE(REPLACE(REPLACE(CONVERT(char(19), @now, 120), '-', ''), ' ', ''), ':', ''), '-',
            LOWER(LEFT(REPLACE(CONVERT(char(36), NEWID()), '-', ''), 6))
        );

        INSERT INTO dbo.MON_UpdateBatch (
            batch_id, board_id, target_level, update_operation, source_table, source_query,
            create_labels_if_missing, batch_status, rows_staged, rows_valid, rows_queued,
            rollback_of_batch_id, rollback_reason, created_by, created_at, validated_at, released_by, released_at,
            send_approved
        )
        VALUES (
            @rb, @board_id, @target_level, 'ROLLBACK', NULL, @params,
            'N', 'READY', @rows, @rows, @rows,
            @batch_id, @reason, ORIGINAL_LOGIN(), @now, @now, ORIGINAL_LOGIN(), @now,
            UPPER(@send_approved)
        );

        INSERT INTO dbo.MON_UpdateQueue (
            batch_id, update_row_no, board_id, update_operation, monday_item_id, item_name, column_values,
            expected_values, create_labels_if_missing, idempotency_key, queue_status, visible_after, created_at
        )
        SELECT
            @rb AS batch_id,
            r.row_no,
            r.board_id,
            r.row_kind,
            r.monday_item_id,
            r.item_name,
            r.column_values,
            r.expected_values,
            'N' AS create_labels_if_missing,
            CONCAT(@rb, '-', r.row_no) AS idempotency_key,
            'READY' AS queue_status,
            @now AS visible_after,
            @now AS created_at
        FROM @rollback_rows AS r;

        COMMIT TRANSACTION;

        SET @rollback_batch_id = @rb;
        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;

        SELECT
            @rb AS rollback_batch_id,
            @batch_id AS rollback_of_batch_id,
            'READY' AS batch_status,
            COUNT(CASE WHEN r.row_kind = 'UPDATE' THEN 1 END) AS items_restored,
            COUNT(CASE WHEN r.row_kind = 'ARCHIVE' THEN 1 END) AS items_archived,
            @reason AS reason
        FROM @rollback_rows AS r;
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
