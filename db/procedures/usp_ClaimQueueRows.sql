-- usp_ClaimQueueRows: the sender's claim. Claims up to @max_rows open rows (READY with visible_after
-- <= now, or CLAIMED with an expired lease) of ONE board, in queue_id order, and returns them.
--   * SELECT TOP (@max_rows) ... WITH (ROWLOCK, READPAST, UPDLOCK) + UPDATE ... OUTPUT: two senders
--     never get the same row, and neither waits for the other's rows;
--   * a short transaction that commits the lease before the sender makes any HTTP call (the sender's
--     connection is in autocommit mode);
--   * sets CLAIMED, lease_owner, lease_expires_at = now + @lease_seconds, claimed_at, attempt_count + 1,
--     and moves the batch READY -> SENDING (READPAST: a batch row locked by a result being recorded is
--     moved by that result instead, so the claim never waits for a batch lock while it holds rows);
--   * a row whose lease expired after its last allowed attempt becomes DEAD instead;
--   * a row waits while a batch released before its own still has an open row for the same item, so
--     overlapping batches reach the board in release order.
--   * only rows of a batch that is READY or SENDING are claimed (the batch gate): usp_ReleaseBatch writes a
--     large batch's queue rows in committed chunks while the batch is still VALIDATED, and usp_CancelBatch
--     marks the batch CANCELLED before it cancels its rows in chunks. The gate is read again for the rows
--     picked, just before they are claimed, WITH (READCOMMITTEDLOCK, READPAST): a batch row a cancel has
--     changed and not committed is passed (its rows are not claimed), and a cancel that has only read its
--     batch row waits for this claim's row locks and then finds the rows leased (50505);
--   * the catch-all filters (@batch_id / @board_id IS NULL OR ...) are compiled per call (OPTION (RECOMPILE)),
--     so that a plan cached for one batch is not reused for all batches.
-- @batch_id is compared exactly (case and trailing spaces count, as on PostgreSQL).
-- The rows are returned after COMMIT, in queue_id order.
-- Twin of db/postgres/procedures/usp_ClaimQueueRows.sql (a FUNCTION RETURNS TABLE there).
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_ClaimQueueRows', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_ClaimQueueRows AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_ClaimQueueRows
    @worker_id varchar(100) = NULL,
    @batch_id varchar(50) = NULL,
    @board_id bigint = NULL,
    @max_rows int = 50,
    @lease_seconds int = 300,
    @help char(1) = 'N'
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_ClaimQueueRows: claims open send-queue rows of one board for a worker, with a lease.
Returns the claimed rows (queue_id order); the sender sends them, then records each result with
dbo.usp_RecordSendResult. A row whose lease expires is claimable again (was_expired = ''Y'').

Parameters:
  @worker_id     varchar(100)  required  who claims (host:pid); results are fenced on it
  @batch_id      varchar(50)   NULL      only rows of this batch; NULL: any released batch
  @board_id      bigint        NULL      only rows of this board; NULL: the board of the oldest open row
  @max_rows      int           50        1..1000 rows per claim
  @lease_seconds int           300       1..86400 seconds until the lease expires
  @help          char(1)       ''N''       ''Y'' prints this text and does nothing else

Examples:
  EXEC dbo.usp_ClaimQueueRows @worker_id = ''dba-test'', @batch_id = ''UB20260101-0001'', @max_rows = 10;
  EXEC dbo.usp_ClaimQueueRows @worker_id = ''sender-1'', @board_id = 8709134353, @lease_seconds = 120;';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_ClaimQueueRows';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(
            @errors + N' ',
            N'@worker_id is required: pass a name that identifies the sender process, e.g. ''host-1:4711''.'
        );
    END;
    IF @max_rows IS NULL OR @max_rows NOT BETWEEN 1 AND 1000
    BEGIN
        SET @first = COALESCE(@first, 50602);
        SET @errors = CONCAT(
            @errors + N' ', N'@max_rows = ', COALESCE(CAST(@max_rows AS nvarchar(20)), N'NULL'),
            N' is not supported: pass a number of rows from 1 to 1000.'
        );
    END;
    IF @lease_seconds IS NULL OR @lease_seconds NOT BETWEEN 1 AND 86400
    BEGIN
        SET @first = COALESCE(@first, 50603);
        SET @errors = CONCAT(
            @errors + N' ', N'@lease_seconds = ', COALESCE(CAST(@lease_seconds AS nvarchar(20)), N'NULL'),
            N' is not supported: pass a lease from 1 to 86400 seconds.'
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N'EXEC dbo.usp_ClaimQueueRows @worker_id = ',
            COALESCE(N'''' + REPLACE(@worker_id, N'''', N'''''') + N'''', N'NULL'),
            N', @batch_id = ', COALESCE(N'''' + REPLACE(@batch_id, N'''', N'''''') + N'''', N'NULL'),
            N', @board_id = ', COALESCE(CAST(@board_id AS nvarchar(20)), N'NULL'),
            N', @max_rows = ', @max_rows, N', @lease_seconds = ', @lease_seconds, N';'
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_ClaimQueueRows', @batch_id = @batch_id, @parameters_used = @params, @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @pick_board bigint = @board_id,
        @dead_batch varchar(50),
        @status varchar(20),
        @count int = 0;
    DECLARE @claimed TABLE (
        queue_id bigint NOT NULL PRIMARY KEY,
        batch_id varchar(50) NOT NULL,
        was_expired char(1) NOT NULL
    );
    DECLARE @dead TABLE (batch_id varchar(50) NOT NULL);
    DECLARE @candidate TABLE (queue_id bigint NOT NULL PRIMARY KEY);

    BEGIN TRY
        BEGIN TRANSACTION;

        -- expired leases after the last allowed attempt: DEAD, not claimed again
        UPDATE q
        SET
            q.queue_status = 'DEAD',
            q.completed_at = @now,
            q.last_error_code = 'LEASE_EXPIRED',
            q.last_error = LEFT(CONCAT(
                N'the lease of ', q.lease_owner, N' expired on attempt ', q.attempt_count, N' of ', q.max_attempts,
                N' with no result recorded; the row may or may not have reached the board:',
                N' check the item on monday, then stage it again if needed'
            ), 4000),
            q.lease_owner = NULL,
            q.lease_expires_at = NULL
        OUTPUT INSERTED.batch_id INTO @dead (batch_id)
        FROM dbo.MON_UpdateQueue AS q WITH (ROWLOCK, READPAST, UPDLOCK)
        WHERE q.queue_status = 'CLAIMED'
            AND q.lease_expires_at <= @now
            AND q.attempt_count >= q.max_attempts
            AND (@batch_id IS NULL OR q.batch_id = @batch_id)
            AND (@board_id IS NULL OR q.board_id = @board_id)
        OPTION (RECOMPILE);

        WHILE EXISTS (SELECT 1 FROM @dead)
        BEGIN
            SELECT TOP (1) @dead_batch = d.batch_id FROM @dead AS d;
            DELETE FROM @dead
            WHERE batch_id = @dead_batch;
            IF EXISTS (
                SELECT 1 FROM dbo.MON_UpdateBatch AS b WITH (ROWLOCK, UPDLOCK, READPAST)
                WHERE b.batch_id = @dead_batch
            )
            BEGIN
                EXEC dbo.usp_Private_FinishBatchIfDone @batch_id = @dead_batch, @batch_status = @status OUTPUT;
            END;
        END;

        -- one board per claim: the requested one, else the board of the oldest claimable row
        IF @pick_board IS NULL
        BEGIN
            SELECT TOP (1) @pick_board = q.board_id
            FROM dbo.MON_UpdateQueue AS q WITH (ROWLOCK, READPAST)
            WHERE (@batch_id IS NULL OR q.batch_id = @batch_id)
                -- the filter of IX_MON_UpdateQueue_claim, spelled out so that the index matches
                AND q.queue_status IN ('READY', 'CLAIMED')
                AND (
                    (q.queue_status = 'READY' AND q.visible_after <= @now)
                    OR (q.queue_status = 'CLAIMED' AND q.lease_expires_at <= @now)
                )
                AND EXISTS (
                    SELECT 1 FROM dbo.MON_UpdateBatch AS gate WITH (READCOMMITTEDLOCK, READPAST)
                    WHERE
                        gate.batch_id = q.batch_id AND gate.batch_status IN ('READY', 'SENDING')
                        AND gate.send_approved = 'Y'
                )
            ORDER BY q.queue_id
            OPTION (RECOMPILE);
        END;

        IF @pick_board IS NOT NULL
        BEGIN
            -- the candidates, read without keeping a lock (READPAST: rows another sender holds are passed): a
            -- batch held back by an earlier one on the same items is read by the seek and dropped by the
            -- overlap test, and only the rows that pass are locked below (no U lock per row read)
            INSERT INTO @candidate (queue_id)
            SELECT TOP (@max_rows) q.queue_id
            FROM dbo.MON_UpdateQueue AS q WITH (ROWLOCK, READPAST)
            WHERE q.board_id = @pick_board
                AND (
                    @batch_id IS NULL
                    OR (
                        q.batch_id = @batch_id
                        AND q.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
                        AND DATALENGTH(q.batch_id) = DATALENGTH(@batch_id)
                    )
                )
                AND q.queue_status IN ('READY', 'CLAIMED')
                AND (
                    (q.queue_status = 'READY' AND q.visible_after <= @now)
                    OR (
                        q.queue_status = 'CLAIMED'
                        AND q.lease_expires_at <= @now
                        AND q.attempt_count < q.max_attempts
                    )
                )
                -- overlapping batches go in release order: a row waits while a batch released before its
                -- own still has an open row for the same item. Read uncommitted, on purpose: two claims
                -- never wait on each other's rows (no deadlock), and a row read as still open that is
                -- being closed only makes this row wait for the next claim
                AND NOT EXISTS (
                    SELECT 1
                    FROM dbo.MON_UpdateQueue AS o WITH (READUNCOMMITTED)
                    INNER JOIN dbo.MON_UpdateBatch AS ob WITH (READUNCOMMITTED) ON o.batch_id = ob.batch_id
                    INNER JOIN dbo.MON_UpdateBatch AS qb WITH (READUNCOMMITTED) ON q.batch_id = qb.batch_id
                    WHERE
                        o.monday_item_id = q.monday_item_id
                        AND o.queue_status IN ('READY', 'CLAIMED')
                        AND o.batch_id <> q.batch_id
                        AND (
                            ob.released_at < qb.released_at
                            OR (ob.released_at = qb.released_at AND ob.batch_id < qb.batch_id)
                        )
                )
                AND EXISTS (
                    SELECT 1 FROM dbo.MON_UpdateBatch AS gate WITH (READCOMMITTEDLOCK, READPAST)
                    WHERE
                        gate.batch_id = q.batch_id AND gate.batch_status IN ('READY', 'SENDING')
                        AND gate.send_approved = 'Y'
                )
            ORDER BY q.queue_id
            OPTION (RECOMPILE);

            -- pick, then update: the pick's UPDLOCK holds the rows until COMMIT, READPAST skips rows another
            -- sender holds, so two senders never claim the same row (and no UPDATE through a CTE). Only the
            -- candidates are read, by their key, and their claimable state is tested again under the lock
            INSERT INTO @claimed (queue_id, batch_id, was_expired)
            SELECT
                q.queue_id,
                q.batch_id,
                CASE WHEN q.queue_status = 'CLAIMED' THEN 'Y' ELSE 'N' END AS was_expired
            FROM @candidate AS c
            INNER JOIN dbo.MON_UpdateQueue AS q WITH (ROWLOCK, READPAST, UPDLOCK) ON c.queue_id = q.queue_id
            WHERE
                (q.queue_status = 'READY' AND q.visible_after <= @now)
                OR (
                    q.queue_status = 'CLAIMED'
                    AND q.lease_expires_at <= @now
                    AND q.attempt_count < q.max_attempts
                );

            -- the gate again, for the rows picked (their U locks are held): a batch cancelled meanwhile, or
            -- being cancelled (its row X-locked: passed), keeps its rows
            DELETE c
            FROM @claimed AS c
            WHERE NOT EXISTS (
                SELECT 1 FROM dbo.MON_UpdateBatch AS gate WITH (READCOMMITTEDLOCK, READPAST)
                WHERE
                    gate.batch_id = c.batch_id AND gate.batch_status IN ('READY', 'SENDING')
                    AND gate.send_approved = 'Y'
            );

            UPDATE q
            SET
                q.queue_status = 'CLAIMED',
                q.lease_owner = @worker_id,
                q.lease_expires_at = DATEADD(SECOND, @lease_seconds, @now),
                q.claimed_at = @now,
                q.attempt_count = q.attempt_count + 1
            FROM dbo.MON_UpdateQueue AS q
            INNER JOIN @claimed AS c ON q.queue_id = c.queue_id
            -- the pick's condition again: a row another claim took in between is not taken twice (SQL Server's
            -- UPDLOCK already prevents that; an engine that ignores the hint re-reads the row here)
            WHERE
                (q.queue_status = 'READY' AND q.visible_after <= @now)
                OR (
                    q.queue_status = 'CLAIMED'
                    AND q.lease_expires_at <= @now
                    AND q.attempt_count < q.max_attempts
                );
            -- keep the rows this call holds now (this transaction's locks keep them so until COMMIT)
            DELETE c
            FROM @claimed AS c
            WHERE NOT EXISTS (
                SELECT 1 FROM dbo.MON_UpdateQueue AS q
                WHERE
                    q.queue_id = c.queue_id
                    AND q.queue_status = 'CLAIMED'
                    AND q.claimed_at = @now
                    AND q.lease_owner = @worker_id COLLATE Latin1_General_100_BIN2
                    AND DATALENGTH(q.lease_owner) = DATALENGTH(@worker_id)
            );
            SELECT @count = COUNT(*) FROM @claimed;

            UPDATE b
            SET
                b.batch_status = 'SENDING',
                b.send_started_at = COALESCE(b.send_started_at, @now)
            FROM dbo.MON_UpdateBatch AS b WITH (ROWLOCK, READPAST)
            WHERE b.batch_status = 'READY'
                AND b.batch_id IN (SELECT c.batch_id FROM @claimed AS c);
        END;

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @count;

        SELECT
            q.queue_id,
            q.batch_id,
            q.board_id,
            b.target_level,
            q.update_operation,
            q.monday_item_id,
            q.parent_item_id,
            q.group_id,
            q.item_name,
            q.column_values,
            q.expected_values,
            q.create_labels_if_missing,
            q.idempotency_key,
            q.attempt_count,
            q.max_attempts,
            q.created_item_id,
            q.lease_expires_at,
            c.was_expired
        FROM @claimed AS c
        INNER JOIN dbo.MON_UpdateQueue AS q ON c.queue_id = q.queue_id
        INNER JOIN dbo.MON_UpdateBatch AS b ON q.batch_id = b.batch_id
        ORDER BY q.queue_id;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_message nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = 'FAILED', @error_number = @error_number, @error_message = @error_message;
        THROW;
    END CATCH;
END;
GO
