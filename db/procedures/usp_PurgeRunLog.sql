-- usp_PurgeRunLog: run-log retention (Ola Hallengren's "CommandLog Cleanup"). Deletes dbo.MON_RunLog rows
-- that started more than @retention_days days ago, in chunks of 4,000 rows (each chunk its own short
-- transaction under the lock-escalation threshold, so senders writing run-log rows are never blocked for
-- long and the transaction log stays small). Dry run by default: with @execute = 'N' it only reports how
-- many rows would be deleted. Rows of every outcome are deleted (a RUNNING row older than the retention is
-- the trace of a call that died long ago). The call's own run-log row is never deleted.
-- Dry-run previews have the same retention: the dbo.MON_UpdatePreview rows of batches that ended
-- (COMPLETED, PARTIAL, FAILED, CANCELLED) more than @retention_days days ago are deleted too, in chunks of
-- 4,000 rows found through IX_MON_UpdatePreview_batch (previews of open batches are kept, whatever their age).
-- So have the staged rows of those batches in the owner's staging tables (STG_MON_CustMasterSchedule and
-- _Subitems: each keeps a copy of its batch's query) and their validation hashes (dbo.MON_ValidatedRow), in
-- the same chunks: what was sent stays in the queue and the audit.
-- Run by the SQL Agent job of db/ops/create_agent_jobs.sql (@execute = 'Y'); no project role may run it.
-- Twin of db/postgres/procedures/usp_PurgeRunLog.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_PurgeRunLog', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_PurgeRunLog AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_PurgeRunLog
    @retention_days int = 30,
    @execute char(1) = 'N',
    @help char(1) = 'N',
    @purge_count bigint = NULL OUTPUT,
    @preview_purge_count bigint = NULL OUTPUT,
    @staged_purge_count bigint = NULL OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = 'Y'
    BEGIN
        PRINT N'dbo.usp_PurgeRunLog: deletes dbo.MON_RunLog rows older than the retention, in chunks of 4,000 rows,
and the dbo.MON_UpdatePreview rows (dry-run previews) of batches that ended before the retention.
Dry run by default: with @execute = ''N'' nothing is deleted; the rows that would be are counted and reported.

Parameters:
  @retention_days int     30     keep the run-log rows that started in the last @retention_days days
                                 (1 to 36500); older rows are deleted
  @execute        char(1) ''N''    ''Y'' deletes; ''N'' only reports what would be deleted
  @help           char(1) ''N''    ''Y'' prints this text and does nothing else
  @purge_count    bigint  OUTPUT run-log rows deleted (''Y''), or rows that would be deleted (''N'')
  @preview_purge_count bigint OUTPUT preview rows deleted (''Y''), or rows that would be deleted (''N''):
                                 the previews of batches COMPLETED, PARTIAL, FAILED or CANCELLED before
                                 the cutoff
  @staged_purge_count bigint OUTPUT staged rows of those batches deleted from the staging tables (''Y''),
                                 or rows that would be deleted (''N''); their validation hashes go too

Result set: one row (retention_days, cutoff_time, execute_mode, rows_older_than_cutoff, rows_deleted,
oldest_start_time, summary, previews_older_than_cutoff, previews_deleted, staged_older_than_cutoff,
staged_deleted). Every call writes its own dbo.MON_RunLog row, dry runs included.

Examples:
  -- what would a 30-day retention delete?
  EXEC dbo.usp_PurgeRunLog @retention_days = 30;
  -- delete it (the SQL Agent job "OPUS Run Log Cleanup" runs this)
  EXEC dbo.usp_PurgeRunLog @retention_days = 30, @execute = ''Y'';';
        RETURN;
    END;

    -- a caller's open transaction is refused before anything changes, and this procedure's transaction is
    -- READ COMMITTED whatever the caller's level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N'usp_PurgeRunLog';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE
        @errors nvarchar(2000),
        @first int,
        @execute_u char(1) = UPPER(@execute);

    IF @retention_days IS NULL OR @retention_days < 1 OR @retention_days > 36500
    BEGIN
        SET @first = COALESCE(@first, 50900);
        SET @errors = CONCAT(
            @errors + N' ', N'@retention_days = ', COALESCE(CAST(@retention_days AS nvarchar(20)), N'NULL'),
            N' is not supported: pass the number of days of run-log history to keep, 1 to 36500',
            N' (e.g. @retention_days = 30).'
        );
    END;
    IF @execute_u IS NULL OR @execute_u NOT IN ('Y', 'N')
    BEGIN
        SET @first = COALESCE(@first, 50901);
        SET @errors = CONCAT(
            @errors + N' ', N'@execute = ', COALESCE(N'''' + @execute + N'''', N'NULL'),
            N' is not supported: pass ''N'' to see what would be deleted, or ''Y'' to delete it.'
        );
    END;
    IF @first IS NOT NULL
    BEGIN
        SET @errors = CONCAT(N'usp_PurgeRunLog: ', @errors, N' Nothing was deleted.');
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @cutoff datetime2(3) = DATEADD(DAY, -@retention_days, SYSUTCDATETIME()),
        @chunk_size int = 4000,  -- below the 5,000 locks at which SQL Server escalates to a table lock
        @chunk int,
        @deleted bigint = 0,
        @rows_int int,
        @matching bigint,
        @oldest datetime2(3),
        @preview_matching bigint,
        @preview_deleted bigint = 0,
        @staged_matching bigint,
        @staged_deleted bigint = 0,
        @hash_deleted bigint = 0,
        @message nvarchar(800),
        @progress nvarchar(200),
        @params nvarchar(400) = CONCAT(
            N'EXEC dbo.usp_PurgeRunLog @retention_days = ', @retention_days,
            N', @execute = ''', @execute_u, N''';'
        );

    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N'usp_PurgeRunLog',
        @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    BEGIN TRY
        SELECT
            @matching = COUNT_BIG(*),
            @oldest = MIN(rl.start_time)
        FROM dbo.MON_RunLog AS rl
        WHERE rl.start_time < @cutoff AND rl.run_id <> @run_id;

        SELECT @preview_matching = COUNT_BIG(*)
        FROM dbo.MON_UpdateBatch AS b
        INNER JOIN dbo.MON_UpdatePreview AS p ON b.batch_id = p.batch_id
        WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
            AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

        SELECT @staged_matching = (
            SELECT COUNT_BIG(*)
            FROM dbo.MON_UpdateBatch AS b
            INNER JOIN dbo.STG_MON_CustMasterSchedule AS s ON b.batch_id = s.update_batch_id
            WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff
        ) + (
            SELECT COUNT_BIG(*)
            FROM dbo.MON_UpdateBatch AS b
            INNER JOIN dbo.STG_MON_CustMasterSchedule_Subitems AS s ON b.batch_id = s.update_batch_id
            WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff
        );

        IF @execute_u = 'Y'
        BEGIN
            -- one short transaction per chunk (autocommit); the index on start_time finds the rows
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) FROM dbo.MON_RunLog
                WHERE start_time < @cutoff AND run_id <> @run_id;

                SET @chunk = @@ROWCOUNT;
                SET @deleted = @deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N'usp_PurgeRunLog: ', @deleted, N' run-log rows deleted so far');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            -- the previews of ended batches: the same chunks, each its own short transaction; the batch
            -- header (a few rows per day) drives the seek on IX_MON_UpdatePreview_batch
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) p
                FROM dbo.MON_UpdatePreview AS p
                INNER JOIN dbo.MON_UpdateBatch AS b ON p.batch_id = b.batch_id
                WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                    AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

                SET @chunk = @@ROWCOUNT;
                SET @preview_deleted = @preview_deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N'usp_PurgeRunLog: ', @preview_deleted, N' preview rows deleted so far');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            -- the staged rows of ended batches (the owner's tables: chunks below the escalation threshold),
            -- then their validation hashes
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) s
                FROM dbo.STG_MON_CustMasterSchedule AS s
                INNER JOIN dbo.MON_UpdateBatch AS b ON s.update_batch_id = b.batch_id
                WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                    AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

                SET @chunk = @@ROWCOUNT;
                SET @staged_deleted = @staged_deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N'usp_PurgeRunLog: ', @staged_deleted, N' staged rows deleted so far');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) s
                FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
                INNER JOIN dbo.MON_UpdateBatch AS b ON s.update_batch_id = b.batch_id
                WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                    AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

                SET @chunk = @@ROWCOUNT;
                SET @staged_deleted = @staged_deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N'usp_PurgeRunLog: ', @staged_deleted, N' staged rows deleted so far');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) vr
                FROM dbo.MON_ValidatedRow AS vr
                INNER JOIN dbo.MON_UpdateBatch AS b ON vr.batch_id = b.batch_id
                WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                    AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

                SET @chunk = @@ROWCOUNT;
                SET @hash_deleted = @hash_deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N'usp_PurgeRunLog: ', @hash_deleted, N' validation-hash rows deleted so far');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            SET @purge_count = @deleted;
            SET @preview_purge_count = @preview_deleted;
            SET @staged_purge_count = @staged_deleted;
            SET @message = CONCAT(
                @deleted, N' run-log rows started before ', CONVERT(nvarchar(30), @cutoff, 126),
                N' UTC were deleted; ', @preview_deleted, N' preview rows of batches ended before then were deleted; ',
                @staged_deleted, N' staged rows of those batches were deleted.'
            );
        END
        ELSE
        BEGIN
            SET @purge_count = @matching;
            SET @preview_purge_count = @preview_matching;
            SET @staged_purge_count = @staged_matching;
            SET @message = CONCAT(
                N'Dry run, nothing was deleted: ', @matching, N' run-log rows started before ',
                CONVERT(nvarchar(30), @cutoff, 126), N' UTC would be deleted, and ', @preview_matching,
                N' preview rows of batches ended before then, and ', @staged_matching, N' staged rows of those',
                N' batches. Run again with @execute = ''Y'' to delete them.'
            );
        END;

        SET @rows_int = CASE
            WHEN @deleted + @preview_deleted + @staged_deleted > 2147483647 THEN 2147483647
            ELSE @deleted + @preview_deleted + @staged_deleted
        END;
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = 'SUCCEEDED',
            @rows_affected = @rows_int;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK;
        DECLARE @en int = ERROR_NUMBER(), @em nvarchar(4000) = ERROR_MESSAGE();
        -- chunks deleted before the error stay deleted (each was committed on its own)
        SET @rows_int = CASE
            WHEN @deleted + @preview_deleted + @staged_deleted > 2147483647 THEN 2147483647
            ELSE @deleted + @preview_deleted + @staged_deleted
        END;
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = 'FAILED',
            @rows_affected = @rows_int,
            @error_number = @en,
            @error_message = @em;
        THROW;
    END CATCH;

    PRINT @message;
    SELECT
        @retention_days AS retention_days,
        @cutoff AS cutoff_time,
        @execute_u AS execute_mode,
        @matching AS rows_older_than_cutoff,
        @deleted AS rows_deleted,
        @oldest AS oldest_start_time,
        @message AS summary,
        @preview_matching AS previews_older_than_cutoff,
        @preview_deleted AS previews_deleted,
        @staged_matching AS staged_older_than_cutoff,
        @staged_deleted AS staged_deleted;
END;
GO
