-- vw_MON_AuditTrail: every cell the sender changed, with the value before and after, the batch it
-- belonged to, who staged it, and whether (and by which batch, why) it was rolled back.
-- Twin of db/views/vw_MON_AuditTrail.sql.
--   SELECT * FROM dbo.vw_MON_AuditTrail WHERE monday_item_id = 1234567890 ORDER BY update_timestamp;
CREATE OR REPLACE VIEW dbo.vw_MON_AuditTrail AS
SELECT
    a.audit_id,
    a.batch_id,
    b.update_operation AS batch_operation,
    a.update_operation,
    a.monday_board_id,
    bd.board_name,
    a.monday_item_id,
    coalesce(q.item_name, bi.item_name) AS item_name,
    a.column_id,
    bc.title AS column_title,
    a.old_value,
    a.new_value,
    a.update_timestamp,
    a.queue_id,
    a.worker_id,
    b.created_by AS batch_created_by,
    b.released_by AS batch_released_by,
    CASE WHEN a.rollback_timestamp IS NULL THEN 'N' ELSE 'Y' END AS rolled_back,
    a.rollback_timestamp,
    a.rollback_reason,
    a.rollback_batch_id,
    b.rollback_of_batch_id
FROM dbo.MON_UpdateAudit AS a
LEFT JOIN dbo.MON_UpdateBatch AS b ON b.batch_id = a.batch_id
LEFT JOIN dbo.MON_UpdateQueue AS q ON q.queue_id = a.queue_id
LEFT JOIN dbo.MON_Board AS bd ON bd.board_id = a.monday_board_id
LEFT JOIN dbo.MON_BoardColumn AS bc ON bc.board_id = a.monday_board_id AND bc.column_id = a.column_id
LEFT JOIN dbo.MON_BoardItem AS bi ON bi.item_id = a.monday_item_id;
