-- usp_ReleaseLease: gives claimed rows back (graceful stop of a sender): READY again at once, the attempt
-- not counted. Fenced: only rows CLAIMED by @worker_id. @queue_ids NULL releases every row the worker
-- holds. A SENDING batch of the released rows goes back to READY when nothing of it was sent or answered
-- (no row SENT, SKIPPED, FAILED or DEAD) and no row of it is claimed any more (e.g. monday refused the
-- token before the first row was sent). Twin of db/postgres/procedures/usp_ReleaseLease.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_ReleaseLease', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_ReleaseLease AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_ReleaseLease
    @worker_id varchar(100) = NULL,
    @queue_ids nvarchar(MAX) = NULL,
    @released int = NULL OUTPUT,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_ReleaseLease: gives claimed queue rows back: READY at once, the attempt not counted.
A SENDING batch none of whose rows was sent or answered, and none is claimed any more, is READY again.

Parameters:
  @worker_id  varchar(100)   required  the worker that holds the leases
  @queue_ids  nvarchar(max)  NULL      JSON array of queue ids, e.g. ''[41, 42]''; NULL: every row the worker holds
  @released   int            OUTPUT    how many rows were released
  @help       char(1)        ''N''       ''Y'' prints this text and does nothing else

Examples:
  DECLARE @n int;
  EXEC dbo.usp_ReleaseLease @worker_id = ''sender-1'', @queue_ids = N''[41, 42]'', @released = @n OUTPUT;
  EXEC dbo.usp_ReleaseLease @worker_id = ''sender-1'', @released = @n OUTPUT;';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_ReleaseLease';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(@errors + N' ', N'@worker_id is required: pass the worker id that claimed the rows.');
    END;
    IF @queue_ids IS NOT NULL AND EXISTS (
        SELECT 1
        FROM dbo.fn_MON_Private_ParseIdArray(@queue_ids) AS i
        WHERE i.id IS NULL
    )
    BEGIN
        SET @first = COALESCE(@first, 50604);
        SET @errors = CONCAT(
            @errors + N' ', N'@queue_ids = ''', LEFT(@queue_ids, 200),
            N''' is not a JSON array of queue ids: pass e.g. ''[41, 42]'', or NULL for every row the worker holds.'
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N'DECLARE @n int; EXEC dbo.usp_ReleaseLease @worker_id = ',
            COALESCE(N'''' + REPLACE(@worker_id, N'''', N'''''') + N'''', N'NULL'),
            N', @queue_ids = ', COALESCE(N'N''' + REPLACE(@queue_ids, N'''', N'''''') + N'''', N'NULL'),
            N', @released = @n OUTPUT;'
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_ReleaseLease', @parameters_used = @params, @run_id = @run_id OUTPUT;

    DECLARE @rows TABLE (queue_id bigint NOT NULL PRIMARY KEY, batch_id varchar(50) COLLATE DATABASE_DEFAULT NOT NULL);
    DECLARE @locked int;

    BEGIN TRY
        BEGIN TRANSACTION;
        -- the lock order of every procedure: the batch rows first, then their queue rows (docs/sql_conventions.md);
        -- the worker's rows and their batches are read, the batches locked, then the rows updated
        INSERT INTO @rows (queue_id, batch_id)
        SELECT
            q.queue_id,
            q.batch_id
        FROM dbo.MON_UpdateQueue AS q
        WHERE (
            @queue_ids IS NULL
            OR q.queue_id IN (SELECT i.id FROM dbo.fn_MON_Private_ParseIdArray(@queue_ids) AS i)
        )
        AND q.queue_status = 'CLAIMED'
        AND q.lease_owner = @worker_id COLLATE Latin1_General_100_BIN2
        AND DATALENGTH(q.lease_owner) = DATALENGTH(@worker_id)
        -- compiled per call: the catch-all filter (@queue_ids IS NULL OR ...) must not reuse a cached plan
        OPTION (RECOMPILE);

        SELECT @locked = COUNT(*)
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE b.batch_id IN (SELECT r.batch_id FROM @rows AS r);

        -- the fence again: a row whose lease expired meanwhile may have been claimed by another worker
        UPDATE q
        SET
            q.queue_status = 'READY',
            q.lease_owner = NULL,
            q.lease_expires_at = NULL,
            q.visible_after = SYSUTCDATETIME(),
            q.attempt_count = CASE WHEN q.attempt_count > 0 THEN q.attempt_count - 1 ELSE 0 END
        FROM dbo.MON_UpdateQueue AS q
        INNER JOIN @rows AS r ON q.queue_id = r.queue_id
        WHERE q.queue_status = 'CLAIMED'
            AND q.lease_owner = @worker_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(q.lease_owner) = DATALENGTH(@worker_id);
        SET @released = @@ROWCOUNT;

        -- a batch whose rows all went back before anything of it was sent is READY again, not SENDING
        UPDATE b
        SET b.batch_status = 'READY'
        FROM dbo.MON_UpdateBatch AS b
        WHERE
            b.batch_id IN (SELECT r.batch_id FROM @rows AS r)
            AND b.batch_status = 'SENDING'
            AND NOT EXISTS (
                SELECT 1
                FROM dbo.MON_UpdateQueue AS q
                WHERE q.batch_id = b.batch_id AND q.queue_status IN ('CLAIMED', 'SENT', 'SKIPPED', 'FAILED', 'DEAD')
            );
        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @released;
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
