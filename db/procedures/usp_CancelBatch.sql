-- usp_CancelBatch: cancels a batch from which nothing was sent: the batch becomes CANCELLED and its open
-- queue rows (READY, or CLAIMED with an expired lease) CANCELLED. Refused when a row was already sent,
-- skipped, failed or dead (50504: use usp_StageRollback for sent rows), or when a sender holds a live
-- lease on a row right now (50505: it may be sending it; stop it or wait).
-- Lock order (as in usp_RecordSendResult): batch row, then queue rows.
-- In two steps, so that a batch of a million rows holds neither a million locks nor its log in one
-- transaction (the queue escalates to a table lock past about 5,000 locks, as SQL Server does by default):
--   1. one short transaction checks the batch and its open rows (read WITH (UPDLOCK), through the claim
--      index, without HOLDLOCK: a claim that picked some of them is waited for, then seen leased) and marks
--      the batch CANCELLED: from its commit the claim takes no row of it (its batch gate: READY and SENDING
--      batches only);
--   2. the open rows become CANCELLED in committed chunks of @chunk_rows. A cancel cut off in step 2 leaves
--      a CANCELLED batch with open rows no claim takes; running the cancel again finishes them.
-- A batch whose release was cut off (VALIDATED, with queue rows no claim takes) is cancelled the same way.
-- Cannot be called through INSERT ... EXEC (50960): it commits its own work.
-- Twin of db/postgres/procedures/usp_CancelBatch.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_CancelBatch', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_CancelBatch AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_CancelBatch
    @batch_id varchar(50) = NULL,
    @reason nvarchar(500) = NULL,
    @chunk_rows int = 4000,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_CancelBatch: cancels a batch from which nothing was sent (status STAGED, VALIDATED, READY,
or SENDING with no row sent yet). Its open queue rows become CANCELLED; the sender never sends them.

Parameters:
  @batch_id    varchar(50)    required  the batch to cancel
  @reason      nvarchar(500)  NULL      why (kept in the run log and on the cancelled queue rows)
  @chunk_rows  int            4000      queue rows cancelled per committed chunk (1..4000, below lock escalation)
  @help        char(1)        ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_CancelBatch @batch_id = ''UB20260101-0001'', @reason = N''wrong source query'';
  SELECT * FROM dbo.vw_MON_BatchSummary WHERE batch_id = ''UB20260101-0001'';';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_CancelBatch';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    IF NULLIF(LTRIM(RTRIM(@batch_id)), '') IS NULL
    BEGIN
        THROW 50501, N'@batch_id is required: pass the batch to cancel (see dbo.vw_MON_BatchSummary).', 1;
    END;
    IF @chunk_rows IS NULL OR @chunk_rows NOT BETWEEN 1 AND 4000
    BEGIN
        DECLARE @chunk_msg nvarchar(2048) = CONCAT(
            N'@chunk_rows = ', COALESCE(CAST(@chunk_rows AS nvarchar(20)), N'NULL'),
            N' is not supported: pass the queue rows to cancel per committed chunk, 1 to 4000 (the default;',
            N' more would let SQL Server escalate the row locks of a chunk to a table lock).'
        );
        THROW 50506, @chunk_msg, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N'EXEC dbo.usp_CancelBatch @batch_id = ''', REPLACE(@batch_id, N'''', N''''''), N'''',
            N', @reason = ', COALESCE(N'N''' + REPLACE(@reason, N'''', N'''''') + N'''', N'NULL'),
            N', @chunk_rows = ', @chunk_rows, N';'
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_CancelBatch', @batch_id = @batch_id, @parameters_used = @params, @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @status varchar(20),
        @cancelled_by nvarchar(128),
        @cancelled_at datetime2(3),
        @closed int,
        @live int,
        @owner varchar(100),
        @open int,
        @done int = 1,
        @last_id bigint = 0,
        @chunk_last_id bigint,
        @rows int = 0,
        @msg nvarchar(2048);

    BEGIN TRY
        -- step 1: the checks and the gate, in one short transaction
        BEGIN TRANSACTION;

        SELECT
            @status = b.batch_status,
            @cancelled_by = b.cancelled_by,
            @cancelled_at = b.cancelled_at
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        -- the batch id exactly (case and trailing spaces count, as on PostgreSQL); the first equality seeks
        WHERE
            b.batch_id = @batch_id
            AND b.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(b.batch_id) = DATALENGTH(@batch_id);

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(N'batch ''', @batch_id, N''' does not exist: check the id in dbo.vw_MON_BatchSummary.');
            THROW 50502, @msg, 1;
        END;

        -- the open rows, through the filtered claim index (lease_owner included: no key lookup, U locks on its keys
        -- only), U-locked to the end of this short transaction, so that a claim that picked some of them is waited
        -- for and then seen leased (no HOLDLOCK: the batch row's lock already keeps release, record and rollback
        -- out; past ~5,000 rows SQL Server escalates to one table lock for this transaction's few statements)
        SELECT
            @open = COUNT(*),
            @live = COUNT(CASE WHEN q.queue_status = 'CLAIMED' AND q.lease_expires_at > @now THEN 1 END),
            @owner = MIN(CASE WHEN q.queue_status = 'CLAIMED' AND q.lease_expires_at > @now THEN q.lease_owner END)
        FROM dbo.MON_UpdateQueue AS q WITH (UPDLOCK)
        WHERE
            q.batch_id = @batch_id
            AND q.queue_status IN ('READY', 'CLAIMED');
        -- the closed rows: counted through IX_MON_UpdateQueue_batch_status, not locked (a row closes only
        -- under its batch row's lock, which this transaction holds)
        SELECT @closed = COUNT(*)
        FROM dbo.MON_UpdateQueue AS q
        WHERE
            q.batch_id = @batch_id
            AND q.queue_status IN ('SENT', 'SKIPPED', 'FAILED', 'DEAD');

        IF @status = 'CANCELLED' AND @open = 0
        BEGIN
            SET @msg = CONCAT(
                N'batch ''', @batch_id, N''' was already cancelled by ', @cancelled_by, N' at ',
                CONVERT(nvarchar(30), @cancelled_at, 121), N': nothing to do.'
            );
            THROW 50503, @msg, 1;
        END;
        IF @status <> 'CANCELLED'
        BEGIN
            IF @status IN ('COMPLETED', 'PARTIAL', 'FAILED') OR @closed > 0
            BEGIN
                SET @msg = CONCAT(
                    N'batch ''', @batch_id, N''' is ', @status, N' and ', @closed,
                    N' of its rows were already sent or answered by monday: it cannot be cancelled.',
                    N' Use dbo.usp_StageRollback to undo what was sent.'
                );
                THROW 50504, @msg, 1;
            END;
            IF @live > 0
            BEGIN
                SET @msg = CONCAT(
                    N'batch ''', @batch_id, N''' has ', @live, N' rows being sent right now (leased by ', @owner,
                    N'): stop the sender or wait until the leases end, then cancel again.'
                );
                THROW 50505, @msg, 1;
            END;

            -- the gate: from this commit on no claim takes a row of the batch
            UPDATE dbo.MON_UpdateBatch
            SET
                batch_status = 'CANCELLED',
                cancelled_by = ORIGINAL_LOGIN(),
                cancelled_at = @now
            WHERE batch_id = @batch_id;
        END;
        -- else: a cancel cut off before its last chunk; this call finishes it

        COMMIT TRANSACTION;

        -- step 2: the open rows, a committed chunk at a time. A row CLAIMED here has an expired lease (a live
        -- one refused the cancel above): its sender may have sent it. lease_owner is kept, so that sender can
        -- still record the SENT result and its audit rows (usp_RecordSendResult, usp_RecordCreatedItem);
        -- nothing else can be recorded or claimed any more
        -- in queue_id order from where the last chunk ended, so that no chunk reads the index entries the
        -- chunks before it closed (ghost records until they are cleaned up)
        WHILE @done > 0
        BEGIN
            SELECT @chunk_last_id = MAX(x.queue_id)
            FROM (
                SELECT TOP (@chunk_rows) o.queue_id
                FROM dbo.MON_UpdateQueue AS o
                WHERE
                    o.batch_id = @batch_id
                    AND o.queue_status IN ('READY', 'CLAIMED')
                    AND o.queue_id > @last_id
                ORDER BY o.queue_id
            ) AS x;

            BEGIN TRANSACTION;
            UPDATE dbo.MON_UpdateQueue
            SET
                queue_status = 'CANCELLED',
                lease_owner = CASE WHEN queue_status = 'CLAIMED' THEN lease_owner END,
                lease_expires_at = NULL,
                completed_at = @now,
                last_error_code = 'CANCELLED',
                last_error = LEFT(CONCAT(N'cancelled by ', ORIGINAL_LOGIN(), N': ' + @reason), 4000)
            WHERE batch_id = @batch_id
                AND queue_status IN ('READY', 'CLAIMED')
                AND queue_id > @last_id
                AND queue_id <= @chunk_last_id;
            SET @done = @@ROWCOUNT;
            SET @rows = @rows + @done;
            COMMIT TRANSACTION;
            SET @last_id = COALESCE(@chunk_last_id, @last_id);
        END;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;

        SELECT
            @batch_id AS batch_id,
            'CANCELLED' AS batch_status,
            @rows AS queue_rows_cancelled,
            @reason AS reason;
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
