-- Schema 0.2.0, step 21: index IX_MON_UpdateQueue_open_item on the open queue rows by item.
-- usp_ClaimQueueRows holds back a row while a batch released earlier still has an open row for the same
-- item (overlapping batches go in release order), and validation names the other released batches that
-- write a cell of the batch (OVERLAP_BATCH): both look up open rows by monday_item_id. Idempotent: created
-- only where the table exists and the index does not.
IF OBJECT_ID(N'dbo.MON_UpdateQueue', N'U') IS NOT NULL
    AND NOT EXISTS (
        SELECT 1 FROM sys.indexes
        WHERE name = N'IX_MON_UpdateQueue_open_item' AND object_id = OBJECT_ID(N'dbo.MON_UpdateQueue')
    )
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_open_item ON dbo.MON_UpdateQueue (monday_item_id, batch_id)
    INCLUDE (queue_status)
    WHERE queue_status IN ('READY', 'CLAIMED');
END;
GO
