-- usp_RecordPreview: a dry run's findings for one queue row: replaces that row's MON_UpdatePreview rows
-- with one row per cell (value on the board now -> value that would be sent, would it change).
-- Does not claim, change or count anything else. A cell without new_value takes the value from the
-- queue row's column_values; without would_change, it is 'Y' when current_value and new_value differ.
-- Twin of db/postgres/procedures/usp_RecordPreview.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_RecordPreview', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_RecordPreview AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_RecordPreview
    @batch_id varchar(50) = NULL,
    @queue_id bigint = NULL,
    @cells nvarchar(MAX) = NULL,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_RecordPreview: stores what a dry run found for one queue row (replaces earlier preview rows).

Parameters:
  @batch_id  varchar(50)    required  the batch of the queue row
  @queue_id  bigint         required  the queue row previewed
  @cells     nvarchar(max)  required  JSON array [{"column_id", "current_value", "current_text", "new_value",
                                      "would_change"}] (would_change ''Y''/''N'' or true/false; computed when
                                      left out); each value in a one-element array ([{"index":0}], [null])
                                      or as JSON text in a string
  @help      char(1)        ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_RecordPreview @batch_id = ''UB20260101-0001'', @queue_id = 42,
       @cells = N''[{"column_id": "status", "current_value": [{"index":0}], "current_text": "Working on it",
                    "new_value": [{"label":"In Progress"}], "would_change": "Y"}]'';
  SELECT * FROM dbo.vw_MON_UpdatePreview WHERE batch_id = ''UB20260101-0001'';';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_RecordPreview';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int, @cells_ok bit = 1;
    IF NULLIF(LTRIM(RTRIM(@batch_id)), '') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50611);
        SET @errors = CONCAT(@errors + N' ', N'@batch_id is required: pass the batch of the queue row previewed.');
    END;
    IF @queue_id IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50605);
        SET @errors = CONCAT(@errors + N' ', N'@queue_id is required: pass the queue row previewed.');
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
            would_change nvarchar(20) '$.would_change'
        ) AS c
        WHERE NULLIF(LTRIM(RTRIM(c.column_id)), N'') IS NULL
            OR UPPER(COALESCE(c.would_change, N'Y')) NOT IN (N'Y', N'N', N'TRUE', N'FALSE')
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
            N'@cells is not a JSON array of objects with a distinct, non-empty "column_id" (would_change ''Y''/''N''):',
            N' pass e.g. [{"column_id": "status", "current_value": null, "current_text": "",',
            N' "new_value": "{\"index\":1}", "would_change": "Y"}].'
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N'EXEC dbo.usp_RecordPreview @batch_id = ''', REPLACE(@batch_id, N'''', N''''''), N'''',
            N', @queue_id = ', @queue_id, N', @cells = N''', REPLACE(@cells, N'''', N''''''), N''';'
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_RecordPreview', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @item bigint,
        @item_name nvarchar(255),
        @column_values nvarchar(MAX),
        @found bit = 0,
        @rows int = 0,
        @msg nvarchar(2048);

    BEGIN TRY
        SELECT
            @found = 1,
            @item = COALESCE(q.monday_item_id, q.created_item_id),
            @item_name = q.item_name,
            @column_values = CASE WHEN ISJSON(q.column_values) = 1 THEN q.column_values END
        FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id = @queue_id
            AND q.batch_id = @batch_id;

        IF @found = 0
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' of batch ''', @batch_id, N''' does not exist: pass a queue_id of that',
                N' batch (SELECT queue_id FROM dbo.MON_UpdateQueue WHERE batch_id = ...).'
            );
            THROW 50611, @msg, 1;
        END;

        BEGIN TRANSACTION;

        -- by the index's key (batch_id, queue_id): the queue row was checked to be of this batch
        DELETE FROM dbo.MON_UpdatePreview
        WHERE batch_id = @batch_id AND queue_id = @queue_id;

        INSERT INTO dbo.MON_UpdatePreview (
            batch_id, queue_id, monday_item_id, item_name, column_id, current_value, current_text, new_value,
            would_change, previewed_at
        )
        SELECT
            @batch_id AS batch_id,
            @queue_id AS queue_id,
            @item AS monday_item_id,
            @item_name AS item_name,
            v.column_id,
            v.current_value,
            v.current_text,
            v.new_value,
            CASE
                WHEN UPPER(v.would_change) IN (N'Y', N'TRUE') THEN 'Y'
                WHEN UPPER(v.would_change) IN (N'N', N'FALSE') THEN 'N'
                -- exactly equal, NULLs included (varbinary compares bytes, not the collation)
                WHEN NOT EXISTS (
                    SELECT CAST(v.current_value AS varbinary(MAX))
                    EXCEPT
                    SELECT CAST(v.new_value AS varbinary(MAX))
                ) THEN 'N'
                ELSE 'Y'
            END AS would_change,
            SYSUTCDATETIME() AS previewed_at
        FROM (
            SELECT
                c.column_id,
                dbo.fn_MON_Private_CellValueText(c.current_value_json, c.current_value_text) AS current_value,
                COALESCE(c.current_text_json, c.current_text_text) AS current_text,
                COALESCE(
                    dbo.fn_MON_Private_CellValueText(c.new_value_json, c.new_value_text), cv.cv_text, cv.cv_json
                ) AS new_value,
                c.would_change
            FROM OPENJSON (@cells) WITH (
                column_id varchar(100) '$.column_id',
                current_value_text nvarchar(MAX) '$.current_value',
                current_value_json nvarchar(MAX) '$.current_value' AS JSON,
                current_text_text nvarchar(MAX) '$.current_text',
                current_text_json nvarchar(MAX) '$.current_text' AS JSON,
                new_value_text nvarchar(MAX) '$.new_value',
                new_value_json nvarchar(MAX) '$.new_value' AS JSON,
                would_change nvarchar(20) '$.would_change'
            ) AS c
            OUTER APPLY (
                SELECT
                    CASE WHEN j.[type] NOT IN (4, 5) THEN j.[value] END AS cv_text,
                    CASE WHEN j.[type] IN (4, 5) THEN j.[value] END AS cv_json
                FROM OPENJSON(COALESCE(@column_values, N'{}')) AS j
                WHERE j.[key] = c.column_id COLLATE Latin1_General_100_BIN2  -- column ids compare exactly
                    AND j.[type] <> 0
            ) AS cv
        ) AS v;
        SET @rows = @@ROWCOUNT;

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
