-- vw_MON_SendQueue: the open queue rows (READY or CLAIMED) of every released batch, with exactly what the
-- sender sends for each (column_values, idempotency key) and when it may be claimed. The sender's dry run
-- reads it instead of the queue table; a DBA sees here what is waiting to be sent.
-- Twin of db/postgres/views/vw_MON_SendQueue.sql.
--   SELECT * FROM dbo.vw_MON_SendQueue WHERE batch_id = 'UB...' ORDER BY queue_id;
DROP VIEW IF EXISTS dbo.vw_MON_SendQueue;
GO
CREATE VIEW dbo.vw_MON_SendQueue
AS
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
    q.queue_status,
    q.attempt_count,
    q.max_attempts,
    q.created_item_id,
    q.visible_after,
    q.lease_expires_at,
    q.lease_owner
FROM dbo.MON_UpdateQueue AS q
INNER JOIN dbo.MON_UpdateBatch AS b ON q.batch_id = b.batch_id
WHERE q.queue_status IN ('READY', 'CLAIMED');
GO
