-- usp_RecordPreImage: what the sender read on the board for one claimed queue row, written just before
-- it sends the row's mutation (called by the sender, never by a dry run):
--   * the pre-image: one dbo.MON_PreImage row per cell (value on the board now -> value to send, would it
--     change), so that an attempt whose result is lost is audited exactly by the next one;
--   * the cells held back: one dbo.MON_HeldBackCell row per cell marked "held" (changed on the board since
--     the dry run the DBA read: not written), with the preview's value and the board's value.
-- Both replace what an earlier attempt of the same row wrote. Fenced like usp_RecordSendResult: refused
-- (50606) unless the row is CLAIMED by @worker_id (worker ids compare exactly), so a sender whose lease
-- was lost, or a dry run, can change no pre-image.
-- Twin of db/postgres/procedures/usp_RecordPreImage.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_RecordPreImage', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_RecordPreImage AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_RecordPreImage
    @queue_id bigint = NULL,
    @worker_id varchar(100) = NULL,
    @cells nvarchar(MAX) = NULL,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_RecordPreImage: stores what the board held just before a claimed queue row is sent, and the
cells held back because they changed on the board since the dry run (called by the sender).
Refused unless the row is CLAIMED by @worker_id (a lost lease changes nothing).

Parameters:
  @queue_id   bigint         required  the claimed row
  @worker_id  varchar(100)   required  the worker that holds the lease
  @cells      nvarchar(max)  required  JSON array [{"column_id", "current_value", "current_text", "new_value",
                                       "would_change", "held", "preview_value", "preview_text"}]
                                       (would_change and held ''Y''/''N''; held ''Y'': not written); each
                                       value in a one-element array ([{"index":0}], [null]) or as JSON text
                                       in a string
  @help       char(1)        ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_RecordPreImage @queue_id = 42, @worker_id = ''sender-1'',
       @cells = N''[{"column_id": "status", "current_value": [{"index":0}], "current_text": "Working on it",
                    "new_value": [{"label":"Done"}], "would_change": "Y", "held": "N"}]'';
  SELECT * FROM dbo.vw_MON_HeldBackCells WHERE batch_id = ''UB20260101-0001'';';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_RecordPreImage';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int, @cells_ok bit = 1;
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
    IF @cells IS NULL OR ISJSON(@cells) = 0 OR LEFT(LTRIM(@cells), 1) <> N'['
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
        FROM OPENJSON (@cells) WITH (
            column_id nvarchar(400) '$.column_id',
            would_change nvarchar(20) '$.would_change',
            held nvarchar(20) '$.held'
        ) AS c
        WHERE NULLIF(LTRIM(RTRIM(c.column_id)), N'') IS NULL
            OR UPPER(COALESCE(c.would_change, N'N')) NOT IN (N'Y', N'N')
            OR UPPER(COALESCE(c.held, N'N')) NOT IN (N'Y', N'N')
    )
    OR EXISTS (
        -- column ids compare exactly (monday's ids are case-sensitive)
        SELECT c.column_id COLLATE Latin1_General_100_BIN2 AS column_id
        FROM OPENJSON (@cells) WITH (column_id nvarchar(400) '$.column_id') AS c
        GROUP BY c.column_id COLLATE Latin1_General_100_BIN2
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
            N'@cells is not a JSON array of objects with a distinct, non-empty "column_id" (would_change and held',
            N' ''Y''/''N''): pass e.g. [{"column_id": "status", "current_value": null, "current_text": "",',
            N' "new_value": "{\"index\":1}", "would_change": "Y", "held": "N"}].'
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @batch_id varchar(50),
        @params nvarchar(MAX) = CONCAT(
            N'EXEC dbo.usp_RecordPreImage @queue_id = ', @queue_id,
            N', @worker_id = ''', REPLACE(@worker_id, N'''', N''''''), N'''',
            N', @cells = N''', REPLACE(@cells, N'''', N''''''), N''';'
        );

    SELECT @batch_id = q.batch_id
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.queue_id = @queue_id;

    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_RecordPreImage', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @q_status varchar(20),
        @q_owner varchar(100),
        @q_expires datetime2(3),
        @item bigint,
        @now datetime2(3) = SYSUTCDATETIME(),
        @rows int = 0,
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

        -- the queue row only (no batch row): nothing here waits for what release, cancel or record lock first
        SELECT
            @q_status = q.queue_status,
            @q_owner = q.lease_owner,
            @q_expires = q.lease_expires_at,
            @item = COALESCE(q.monday_item_id, q.created_item_id)
        FROM dbo.MON_UpdateQueue AS q WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE q.queue_id = @queue_id;

        -- the fence of usp_RecordSendResult: the lease owner's CLAIMED row, the worker id compared exactly
        IF @q_status <> 'CLAIMED' OR @q_owner IS NULL
            OR @q_owner <> @worker_id COLLATE Latin1_General_100_BIN2 OR DATALENGTH(@q_owner) <> DATALENGTH(@worker_id)
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' is ', @q_status,
                CASE
                    WHEN @q_status = 'CLAIMED'
                        THEN CONCAT(N' by ''', @q_owner, N''' until ', CONVERT(nvarchar(30), @q_expires, 121))
                    ELSE N''
                END,
                N', not claimed by ''', @worker_id, N''': the pre-image was not recorded and nothing changed.',
                N' The lease was lost; do not send this row, its current owner will re-read the board and send it.'
            );
            THROW 50606, @msg, 1;
        END;

        DELETE FROM dbo.MON_PreImage
        WHERE queue_id = @queue_id;

        DELETE FROM dbo.MON_HeldBackCell
        WHERE queue_id = @queue_id;

        INSERT INTO dbo.MON_PreImage (
            batch_id, queue_id, worker_id, monday_item_id, column_id, current_value, current_text, new_value,
            would_change, recorded_at
        )
        SELECT
            @batch_id AS batch_id,
            @queue_id AS queue_id,
            @worker_id AS worker_id,
            @item AS monday_item_id,
            c.column_id,
            dbo.fn_MON_Private_CellValueText(c.current_value_json, c.current_value_text) AS current_value,
            c.current_text,
            dbo.fn_MON_Private_CellValueText(c.new_value_json, c.new_value_text) AS new_value,
            CASE WHEN UPPER(c.would_change) = N'Y' THEN 'Y' ELSE 'N' END AS would_change,
            @now AS recorded_at
        FROM OPENJSON (@cells) WITH (
            column_id varchar(100) '$.column_id',
            current_value_text nvarchar(MAX) '$.current_value',
            current_value_json nvarchar(MAX) '$.current_value' AS JSON,
            current_text nvarchar(MAX) '$.current_text',
            new_value_text nvarchar(MAX) '$.new_value',
            new_value_json nvarchar(MAX) '$.new_value' AS JSON,
            would_change nvarchar(20) '$.would_change'
        ) AS c;
        SET @rows = @@ROWCOUNT;

        INSERT INTO dbo.MON_HeldBackCell (
            batch_id, queue_id, worker_id, monday_item_id, column_id, preview_value, preview_text, board_value,
            board_text, new_value, held_at
        )
        SELECT
            @batch_id AS batch_id,
            @queue_id AS queue_id,
            @worker_id AS worker_id,
            @item AS monday_item_id,
            c.column_id,
            dbo.fn_MON_Private_CellValueText(c.preview_value_json, c.preview_value_text) AS preview_value,
            c.preview_text,
            dbo.fn_MON_Private_CellValueText(c.current_value_json, c.current_value_text) AS board_value,
            c.current_text AS board_text,
            dbo.fn_MON_Private_CellValueText(c.new_value_json, c.new_value_text) AS new_value,
            @now AS held_at
        FROM OPENJSON (@cells) WITH (
            column_id varchar(100) '$.column_id',
            preview_value_text nvarchar(MAX) '$.preview_value',
            preview_value_json nvarchar(MAX) '$.preview_value' AS JSON,
            preview_text nvarchar(MAX) '$.preview_text',
            current_value_text nvarchar(MAX) '$.current_value',
            current_value_json nvarchar(MAX) '$.current_value' AS JSON,
            current_text nvarchar(MAX) '$.current_text',
            new_value_text nvarchar(MAX) '$.new_value',
            new_value_json nvarchar(MAX) '$.new_value' AS JSON,
            held nvarchar(20) '$.held'
        ) AS c
        WHERE UPPER(c.held) = N'Y';
        SET @rows = @rows + @@ROWCOUNT;

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;
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
