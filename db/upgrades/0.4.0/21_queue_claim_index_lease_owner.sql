-- Schema 0.4.0, step 21: IX_MON_UpdateQueue_claim includes lease_owner.
-- usp_CancelBatch reads every open row of the batch, lease_owner included, WITH (UPDLOCK). Without the column
-- in the index each row was a key lookup into the clustered index, U-locked there as well: twice the locks of
-- a large batch, on the table every claim and record uses. With it the read is one index, locked on its keys.
-- Idempotent: changed only where the index exists without lease_owner (DROP_EXISTING keeps the index in place
-- until the new one is built; the index is filtered on the open rows, so rebuilding it reads only those).
IF EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_UpdateQueue_claim' AND object_id = OBJECT_ID(N'dbo.MON_UpdateQueue')
)
AND NOT EXISTS (
    SELECT 1
    FROM sys.indexes AS i
    INNER JOIN sys.index_columns AS ic ON i.object_id = ic.object_id AND i.index_id = ic.index_id
    INNER JOIN sys.columns AS c ON ic.object_id = c.object_id AND ic.column_id = c.column_id
    WHERE
        i.object_id = OBJECT_ID(N'dbo.MON_UpdateQueue')
        AND i.name = N'IX_MON_UpdateQueue_claim'
        AND c.name = N'lease_owner'
)
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id)
    INCLUDE (
        board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id,
        lease_owner
    )
    WHERE queue_status IN ('READY', 'CLAIMED')
    WITH (DROP_EXISTING = ON);
END;
GO
