-- Schema 0.3.0, step 10: index IX_MON_UpdateQueue_claim in the claim's order.
-- usp_ClaimQueueRows takes the open rows of a batch ORDER BY queue_id; 0.1.0 and 0.2.0 keyed the index on
-- (batch_id, board_id, visible_after, queue_id), so every claim read and sorted all open rows of the batch
-- to return the first 100 (a claim cost grew with the batch; a batch cost O(N^2)). The index becomes
-- (batch_id, queue_id) with the columns the claim tests included: a claim reads its rows in order and stops.
-- The index is filtered on the open rows (READY, CLAIMED), so rebuilding it reads only those.
-- Idempotent: changed only where the index exists with another second key column (DROP_EXISTING keeps
-- the index in place until the new one is built); a database without it gets it from the table's DDL.
IF OBJECT_ID(N'dbo.MON_UpdateQueue', N'U') IS NOT NULL
    AND EXISTS (
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
            AND ic.key_ordinal = 2
            AND c.name = N'queue_id'
    )
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id)
    INCLUDE (board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id)
    WHERE queue_status IN ('READY', 'CLAIMED')
    WITH (DROP_EXISTING = ON);
END;
GO
