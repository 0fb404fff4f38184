-- usp_RecordSendResult: records the outcome of sending one claimed queue row (called by the sender).
-- Fenced: refused (50606) unless the row is CLAIMED by @worker_id, so a sender whose lease was lost
-- (expired and claimed by another, released, cancelled) can change nothing.
--   SENT     closes the row; one MON_UpdateAudit row per cell in @cells (and one 'name' row for a
--            created item); for a ROLLBACK batch the original batch's audit rows of the restored cells
--            get rollback_timestamp / rollback_reason / rollback_batch_id
--   SKIPPED  closes the row (nothing needed changing); no audit
--   FAILED   closes the row with monday's error (not retryable); the batch goes on
--   RETRY    back to READY with visible_after = now + the greater of @retry_after_seconds and the
--            backoff 5 s * 2^(attempt_count - 1), capped at 900 s; DEAD after max_attempts
-- When no open row is left the batch becomes COMPLETED, PARTIAL or FAILED (usp_Private_FinishBatchIfDone).
-- Lock order (as in usp_CancelBatch): batch row, then queue row; the claim never waits for a batch row.
-- Twin of db/postgres/procedures/usp_RecordSendResult.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_RecordSendResult', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_RecordSendResult AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_RecordSendResult
    @queue_id bigint = NULL,
    @worker_id varchar(100) = NULL,
    @outcome varchar(20) = NULL,
    @cells nvarchar(MAX) = NULL,
    @created_item_id bigint = NULL,
    @error_code varchar(100) = NULL,
    @error_message nvarchar(4000) = NULL,
    @retry_after_seconds int = NULL,
    @result_detail nvarchar(MAX) = NULL,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_RecordSendResult: records what happened to one claimed queue row (called by the sender).
Refused unless the row is CLAIMED by @worker_id (a lost lease changes nothing).

Parameters:
  @queue_id            bigint          required  the claimed row
  @worker_id           varchar(100)    required  the worker that holds the lease
  @outcome             varchar(20)     required  ''SENT'' | ''SKIPPED'' | ''FAILED'' | ''RETRY''
  @cells               nvarchar(max)   NULL      JSON array [{"column_id","old_value","new_value"}] of the cells
                                                 changed (SENT); each value in a one-element array
                                                 ([{"index":0}], [null]) or as JSON text in a string
  @created_item_id     bigint          NULL      the id of the item a CREATE row created
  @error_code          varchar(100)    NULL      monday''s error code (FAILED, RETRY)
  @error_message       nvarchar(4000)  NULL      monday''s error message (FAILED, RETRY)
  @retry_after_seconds int             NULL      the wait monday asked for (RETRY); the SQL backoff applies
                                                 when longer
  @result_detail       nvarchar(max)   NULL      anything worth keeping (request id, skipped cells, ...)
  @help                char(1)         ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_RecordSendResult @queue_id = 42, @worker_id = ''sender-1'', @outcome = ''SENT'',
       @cells = N''[{"column_id": "status", "old_value": [{"index":0}], "new_value": [{"index":1}]}]'';
  EXEC dbo.usp_RecordSendResult @queue_id = 43, @worker_id = ''sender-1'', @outcome = ''RETRY'',
       @error_code = ''COMPLEXITY_BUDGET_EXHAUSTED'', @error_message = N''Complexity budget exhausted'',
       @retry_after_seconds = 30;';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_RecordSendResult';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE
        @errors nvarchar(MAX),
        @first int,
        @cells_ok bit = 1,
        @outcome_u varchar(20) = UPPER(LTRIM(RTRIM(@outcome)));

    IF @queue_id IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50605);
        SET @errors = CONCAT(
            @errors + N' ', N'@queue_id is required: pass the queue_id of a row returned by usp_ClaimQueueRows.'
        );
    END;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(@errors + N' ', N'@worker_id is required: pass the worker id that claimed the row.');
    END;
    IF @outcome_u IS NULL OR @outcome_u NOT IN ('SENT', 'SKIPPED', 'FAILED', 'RETRY')
    BEGIN
        SET @first = COALESCE(@first, 50607);
        SET @errors = CONCAT(
            @errors + N' ', N'@outcome = ', COALESCE(N'''' + @outcome + N'''', N'NULL'),
            N' is not supported: pass ''SENT'', ''SKIPPED'', ''FAILED'' or ''RETRY''.'
        );
    END;
    IF @retry_after_seconds < 0
    BEGIN
        SET @first = COALESCE(@first, 50612);
        SET @errors = CONCAT(
            @errors + N' ', N'@retry_after_seconds = ', @retry_after_seconds,
            N' is negative: pass the seconds monday asked to wait, or NULL.'
        );
    END;
    IF @cells IS NOT NULL
    BEGIN
        IF ISJSON(@cells) = 0 OR LEFT(LTRIM(@cells), 1) <> N'['
        BEGIN
            SET @cells_ok = 0;
        END
        ELSE IF EXISTS (
            SELECT 1
            FROM OPENJSON(@cells) AS e
            WHERE e.[type] <> 5
        )
        BEGIN
            SET @cells_ok = 0;
        END
        ELSE IF EXISTS (
            SELECT 1
            FROM OPENJSON (@cells) WITH (column_id nvarchar(400) '$.column_id') AS c
            WHERE NULLIF(LTRIM(RTRIM(c.column_id)), N'') IS NULL
        )
        OR EXISTS (
            SELECT c.column_id
            FROM OPENJSON (@cells) WITH (column_id nvarchar(400) '$.column_id') AS c
            GROUP BY c.column_id
            HAVING COUNT(*) > 1
        )
        BEGIN
            SET @cells_ok = 0;
        END;
        IF @cells_ok = 0
        BEGIN
            SET @first = COALESCE(@first, 50608);
            SET @errors = CONCAT(
                @errors + N' ',
                N'@cells is not a JSON array of objects with a distinct, non-empty "column_id" (and "old_value",',
                N' "new_value"): pass e.g. [{"column_id": "status", "old_value": null,',
                N' "new_value": "{\"index\":1}"}].'
            );
        END;
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @batch_id varchar(50),
        @params nvarchar(MAX) = CONCAT(
            N'EXEC dbo.usp_RecordSendResult @queue_id = ', @queue_id,
            N', @worker_id = ', COALESCE(N'''' + REPLACE(@worker_id, N'''', N'''''') + N'''', N'NULL'),
            N', @outcome = ''', @outcome_u, N'''',
            N', @cells = ', COALESCE(N'N''' + REPLACE(@cells, N'''', N'''''') + N'''', N'NULL'),
            N', @created_item_id = ', COALESCE(CAST(@created_item_id AS nvarchar(20)), N'NULL'),
            N', @error_code = ', COALESCE(N'''' + REPLACE(@error_code, N'''', N'''''') + N'''', N'NULL'),
            N', @error_message = ', COALESCE(N'N''' + REPLACE(@error_message, N'''', N'''''') + N'''', N'NULL'),
            N', @retry_after_seconds = ', COALESCE(CAST(@retry_after_seconds AS nvarchar(20)), N'NULL'), N';'
        );

    SELECT @batch_id = q.batch_id
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.queue_id = @queue_id;

    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_RecordSendResult', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @batch_operation varchar(50),
        @rollback_of varchar(50),
        @rollback_reason nvarchar(500),
        @q_status varchar(20),
        @q_owner varchar(100),
        @q_expires datetime2(3),
        @q_operation varchar(20),
        @q_item bigint,
        @q_created bigint,
        @q_board bigint,
        @q_name nvarchar(255),
        @q_claimed_at datetime2(3),
        @attempts int,
        @max_attempts int,
        @item bigint,
        @backoff int,
        @wait int,
        @rows int = 0,
        @batch_status varchar(20),
        @msg nvarchar(2048);

    BEGIN TRY
        IF @batch_id IS NULL
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' does not exist: pass a queue_id returned by usp_ClaimQueueRows.'
            );
            THROW 50605, @msg, 1;
        END;

        BEGIN TRANSACTION;

        SELECT
            @batch_operation = b.update_operation,
            @rollback_of = b.rollback_of_batch_id,
            @rollback_reason = b.rollback_reason
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE b.batch_id = @batch_id;

        SELECT
            @q_status = q.queue_status,
            @q_owner = q.lease_owner,
            @q_expires = q.lease_expires_at,
            @q_operation = q.update_operation,
            @q_item = q.monday_item_id,
            @q_created = q.created_item_id,
            @q_board = q.board_id,
            @q_name = q.item_name,
            @q_claimed_at = q.claimed_at,
            @attempts = q.attempt_count,
            @max_attempts = q.max_attempts
        FROM dbo.MON_UpdateQueue AS q WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE q.queue_id = @queue_id;

        -- the fence: the lease owner's row, CLAIMED; or CANCELLED after its lease expired, for a SENT result only
        -- (the mutation reached the board: its audit rows are kept, the row is SENT, the batch stays CANCELLED)
        IF (@q_status <> 'CLAIMED' AND NOT (@q_status = 'CANCELLED' AND @outcome_u = 'SENT')) OR @q_owner IS NULL
            OR @q_owner <> @worker_id COLLATE Latin1_General_100_BIN2 OR DATALENGTH(@q_owner) <> DATALENGTH(@worker_id)
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' is ', @q_status,
                CASE
                    WHEN @q_status = 'CLAIMED'
                        THEN CONCAT(N' by ''', @q_owner, N''' until ', CONVERT(nvarchar(30), @q_expires, 121))
                    ELSE N''
                END,
                N', not claimed by ''', @worker_id, N''': the result was not recorded and nothing changed.',
                N' The lease was lost (expired and claimed again, released or cancelled); do not resend this row,',
                N' its current owner will re-read the board and send it.'
            );
            THROW 50606, @msg, 1;
        END;

        SET @item = COALESCE(@q_item, @q_created, @created_item_id);
        IF @created_item_id IS NOT NULL AND @q_created IS NOT NULL AND @created_item_id <> @q_created
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' already recorded created item ', @q_created,
                N', and @created_item_id is ', @created_item_id,
                N': one CREATE row makes one item. Check both items on the board; archive the duplicate by hand.'
            );
            THROW 50610, @msg, 1;
        END;
        IF @outcome_u = 'SENT' AND @q_operation = 'CREATE' AND @item IS NULL
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' is a CREATE: a SENT result needs @created_item_id (the id monday',
                N' returned), or an earlier usp_RecordCreatedItem call.'
            );
            THROW 50609, @msg, 1;
        END;

        IF @outcome_u = 'SENT'
        BEGIN
            INSERT INTO dbo.MON_UpdateAudit (
                batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value,
                update_timestamp, queue_id, worker_id
            )
            SELECT
                @batch_id AS batch_id,
                @batch_operation AS update_operation,
                @item AS monday_item_id,
                @q_board AS monday_board_id,
                c.column_id,
                dbo.fn_MON_Private_CellValueText(c.old_value_json, c.old_value_text) AS old_value,
                dbo.fn_MON_Private_CellValueText(c.new_value_json, c.new_value_text) AS new_value,
                @now AS update_timestamp,
                @queue_id AS queue_id,
                @worker_id AS worker_id
            FROM OPENJSON (COALESCE(@cells, N'[]')) WITH (
                column_id varchar(100) '$.column_id',
                old_value_text nvarchar(MAX) '$.old_value',
                old_value_json nvarchar(MAX) '$.old_value' AS JSON,
                new_value_text nvarchar(MAX) '$.new_value',
                new_value_json nvarchar(MAX) '$.new_value' AS JSON
            ) AS c;
            SET @rows = @@ROWCOUNT;

            -- a created item is audited by its name even when no other cell was written
            IF @q_operation = 'CREATE' AND NOT EXISTS (
                SELECT 1
                FROM OPENJSON (COALESCE(@cells, N'[]')) WITH (column_id varchar(100) '$.column_id') AS c
                WHERE c.column_id = 'name'
            )
            BEGIN
                INSERT INTO dbo.MON_UpdateAudit (
                    batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value,
                    update_timestamp, queue_id, worker_id
                )
                VALUES (
                    @batch_id, @batch_operation, @item, @q_board, 'name', NULL, @q_name, @now, @queue_id, @worker_id
                );
                SET @rows = @rows + 1;
            END;

            -- an archived item of a rollback: audited once, without cells
            IF @q_operation = 'ARCHIVE' AND @rows = 0
            BEGIN
                INSERT INTO dbo.MON_UpdateAudit (
                    batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value,
                    update_timestamp, queue_id, worker_id
                )
                VALUES (
                    @batch_id, @batch_operation, @item, @q_board, 'item_state', N'active', N'archived', @now,
                    @queue_id, @worker_id
                );
                SET @rows = 1;
            END;

            IF @batch_operation = 'ROLLBACK'
            BEGIN
                UPDATE a
                SET
                    a.rollback_timestamp = @now,
                    a.rollback_reason = @rollback_reason,
                    a.rollback_batch_id = @batch_id
                FROM dbo.MON_UpdateAudit AS a
                WHERE a.batch_id = @rollback_of
                    AND a.monday_item_id = @item
                    AND a.rollback_timestamp IS NULL
                    AND (
                        @q_operation = 'ARCHIVE'
                        OR a.column_id IN (
                            SELECT c.column_id
                            FROM OPENJSON (COALESCE(@cells, N'[]')) WITH (column_id varchar(100) '$.column_id') AS c
                        )
                    );
            END;
        END;

        -- 5 s, 10 s, 20 s ... doubling per attempt, at most 900 s; monday's own wait wins when longer
        SET @backoff = CASE
            WHEN @attempts >= 9 THEN 900
            WHEN @attempts <= 1 THEN 5
            ELSE 5 * POWER(2, @attempts - 1)
        END;
        SET @wait = CASE WHEN COALESCE(@retry_after_seconds, 0) > @backoff THEN @retry_after_seconds ELSE @backoff END;

        UPDATE dbo.MON_UpdateQueue
        SET
            queue_status = CASE
                WHEN @outcome_u = 'RETRY' AND @attempts >= @max_attempts THEN 'DEAD'
                WHEN @outcome_u = 'RETRY' THEN 'READY'
                ELSE @outcome_u
            END,
            visible_after = CASE
                WHEN @outcome_u = 'RETRY' AND @attempts < @max_attempts THEN DATEADD(SECOND, @wait, @now)
                ELSE visible_after
            END,
            completed_at = CASE WHEN @outcome_u = 'RETRY' AND @attempts < @max_attempts THEN NULL ELSE @now END,
            lease_owner = NULL,
            lease_expires_at = NULL,
            created_item_id = COALESCE(created_item_id, @created_item_id),
            result_detail = COALESCE(@result_detail, result_detail),
            last_error_code = CASE
                WHEN @outcome_u IN ('FAILED', 'RETRY') THEN COALESCE(@error_code, 'UNKNOWN')
                ELSE last_error_code
            END,
            last_error = CASE
                WHEN @outcome_u IN ('FAILED', 'RETRY')
                    THEN LEFT(CONCAT(
                        COALESCE(@error_message, N'the sender gave no message'),
                        CASE
                            WHEN @outcome_u = 'RETRY' AND @attempts >= @max_attempts
                                THEN CONCAT(
                                    N' (attempt ', @attempts, N' of ', @max_attempts,
                                    N': no attempt left, the row is DEAD)'
                                )
                        END
                    ), 4000)
                ELSE last_error
            END
        WHERE queue_id = @queue_id;

        -- a claim that skipped the locked batch row left it READY: move it here
        UPDATE dbo.MON_UpdateBatch
        SET
            batch_status = 'SENDING',
            send_started_at = COALESCE(send_started_at, @q_claimed_at, @now)
        WHERE batch_id = @batch_id
            AND batch_status = 'READY';

        EXEC dbo.usp_Private_FinishBatchIfDone @batch_id = @batch_id, @batch_status = @batch_status OUTPUT;

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;

        SELECT
            q.queue_id,
            q.queue_status,
            q.attempt_count,
            q.max_attempts,
            q.visible_after,
            q.created_item_id,
            @rows AS cells_audited,
            @batch_status AS batch_status
        FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id = @queue_id;
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
