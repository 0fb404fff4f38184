-- usp_Private_FinishBatchIfDone: closes a batch whose queue has no open row left (internal helper).
-- Called by usp_RecordSendResult and usp_ClaimQueueRows inside their transaction, with the batch row
-- already locked (UPDLOCK). No open row (READY or CLAIMED) left:
--   COMPLETED  every row SENT or SKIPPED
--   FAILED     no row SENT and at least one FAILED or DEAD
--   PARTIAL    some rows SENT, some FAILED or DEAD
-- and completed_at is set. A batch that is not READY or SENDING is left alone.
-- Twin of db/postgres/procedures/usp_Private_FinishBatchIfDone.sql.
--   EXEC dbo.usp_Private_FinishBatchIfDone @batch_id = @batch_id, @batch_status = @status OUTPUT;
-- created once as a stub, then ALTERed: a re-run keeps the procedure's grants
IF OBJECT_ID(N'dbo.usp_Private_FinishBatchIfDone', N'P') IS NULL
    EXEC (N'CREATE PROCEDURE dbo.usp_Private_FinishBatchIfDone AS RETURN 0;');
GO
ALTER PROCEDURE dbo.usp_Private_FinishBatchIfDone
    @batch_id varchar(50),
    @batch_status varchar(20) = NULL OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE
        @sent int,
        @bad int,
        @now datetime2(3) = SYSUTCDATETIME();

    -- called once per recorded result: while any row is open (the filtered claim index answers that
    -- without reading the batch), there is nothing to count; count the outcomes only at the end.
    -- READCOMMITTEDLOCK: a locking read whether READ_COMMITTED_SNAPSHOT is on or off. An open row that
    -- another transaction is closing right now (a claim making an expired lease DEAD, while it READPASTs
    -- this batch row because the caller holds it) is waited for and read as committed, so the last open
    -- row's batch is never left SENDING; a row version read under RCSI would still show it open, and the
    -- claim would not finish the batch either. The claim never waits for a batch row: no deadlock.
    IF NOT EXISTS (
        SELECT 1 FROM dbo.MON_UpdateQueue AS q WITH (READCOMMITTEDLOCK)
        WHERE q.batch_id = @batch_id AND q.queue_status IN ('READY', 'CLAIMED')
    )
    BEGIN
        SELECT
            @sent = COUNT(CASE WHEN q.queue_status = 'SENT' THEN 1 END),
            @bad = COUNT(CASE WHEN q.queue_status IN ('FAILED', 'DEAD') THEN 1 END)
        FROM dbo.MON_UpdateQueue AS q WITH (READCOMMITTEDLOCK)
        WHERE q.batch_id = @batch_id;

        UPDATE dbo.MON_UpdateBatch
        SET
            batch_status = CASE
                WHEN @bad = 0 THEN 'COMPLETED'
                WHEN @sent = 0 THEN 'FAILED'
                ELSE 'PARTIAL'
            END,
            send_started_at = COALESCE(send_started_at, @now),
            completed_at = @now
        WHERE batch_id = @batch_id
            AND batch_status IN ('READY', 'SENDING');
    END;

    SELECT @batch_status = b.batch_status
    FROM dbo.MON_UpdateBatch AS b
    WHERE b.batch_id = @batch_id;
END;
GO
