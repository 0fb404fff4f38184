-- usp_RecordCreatedItem: stores the id of the item a CREATE queue row has just created, before the rest of
-- the result is recorded, so that a sender that crashes now cannot create the item twice (the next
-- claim returns created_item_id and the sender only finishes the row). Fenced like usp_RecordSendResult:
-- refused (50606) unless the row is CLAIMED by @worker_id. Recording the same id again is accepted;
-- another id is refused (50610). Twin of db/postgres/procedures/usp_RecordCreatedItem.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_RecordCreatedItem', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_RecordCreatedItem AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_RecordCreatedItem
    @queue_id bigint = NULL,
    @worker_id varchar(100) = NULL,
    @created_item_id bigint = NULL,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_RecordCreatedItem: stores the id of the item just created for a claimed CREATE queue row
(called by the sender right after create_item / create_subitem answered, before usp_RecordSendResult).

Parameters:
  @queue_id        bigint        required  the claimed CREATE row
  @worker_id       varchar(100)  required  the worker that holds the lease
  @created_item_id bigint        required  the item id monday returned
  @help            char(1)       ''N''       ''Y'' prints this text and does nothing else

Example:
  EXEC dbo.usp_RecordCreatedItem @queue_id = 42, @worker_id = ''sender-1'', @created_item_id = 1234567890;';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_RecordCreatedItem';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF @queue_id IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50605);
        SET @errors = CONCAT(@errors + N' ', N'@queue_id is required: pass the queue_id of the claimed CREATE row.');
    END;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(@errors + N' ', N'@worker_id is required: pass the worker id that claimed the row.');
    END;
    IF @created_item_id IS NULL OR @created_item_id <= 0
    BEGIN
        SET @first = COALESCE(@first, 50609);
        SET @errors = CONCAT(
            @errors + N' ',
            N'@created_item_id is required: pass the id of the item monday created (a positive number).'
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
            N'EXEC dbo.usp_RecordCreatedItem @queue_id = ', @queue_id,
            N', @worker_id = ', COALESCE(N'''' + REPLACE(@worker_id, N'''', N'''''') + N'''', N'NULL'),
            N', @created_item_id = ', @created_item_id, N';'
        );

    SELECT @batch_id = q.batch_id
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.queue_id = @queue_id;

    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_RecordCreatedItem', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @q_status varchar(20),
        @q_owner varchar(100),
        @q_expires datetime2(3),
        @q_operation varchar(20),
        @q_created bigint,
        @msg nvarchar(2048);

    BEGIN TRY
        BEGIN TRANSACTION;

        SELECT
            @q_status = q.queue_status,
            @q_owner = q.lease_owner,
            @q_expires = q.lease_expires_at,
            @q_operation = q.update_operation,
            @q_created = q.created_item_id
        FROM dbo.MON_UpdateQueue AS q WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE q.queue_id = @queue_id;

        IF @q_status IS NULL
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' does not exist: pass a queue_id returned by usp_ClaimQueueRows.'
            );
            THROW 50605, @msg, 1;
        END;
        -- the fence: the lease owner's row, CLAIMED, or CANCELLED after its lease expired (the item was created)
        IF @q_status NOT IN ('CLAIMED', 'CANCELLED') OR @q_owner IS NULL
            OR @q_owner <> @worker_id COLLATE Latin1_General_100_BIN2 OR DATALENGTH(@q_owner) <> DATALENGTH(@worker_id)
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' is ', @q_status,
                CASE
                    WHEN @q_status = 'CLAIMED'
                        THEN CONCAT(N' by ''', @q_owner, N''' until ', CONVERT(nvarchar(30), @q_expires, 121))
                    ELSE N''
                END,
                N', not claimed by ''', @worker_id, N''': the created item id was not recorded and nothing changed.',
                N' The lease was lost; record item ', @created_item_id,
                N' by hand in MON_UpdateQueue.created_item_id if it exists on the board, so it is not created twice.'
            );
            THROW 50606, @msg, 1;
        END;
        IF @q_operation <> 'CREATE'
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' is an ', @q_operation,
                N' row, not a CREATE: only a CREATE row records a created item id.'
            );
            THROW 50609, @msg, 1;
        END;
        IF @q_created IS NOT NULL AND @q_created <> @created_item_id
        BEGIN
            SET @msg = CONCAT(
                N'queue row ', @queue_id, N' already recorded created item ', @q_created,
                N', and @created_item_id is ', @created_item_id,
                N': one CREATE row makes one item. Check both items on the board; archive the duplicate by hand.'
            );
            THROW 50610, @msg, 1;
        END;

        UPDATE dbo.MON_UpdateQueue
        SET created_item_id = @created_item_id
        WHERE queue_id = @queue_id;

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = 1;
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
