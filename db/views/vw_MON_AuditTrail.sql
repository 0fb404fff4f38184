-- vw_MON_AuditTrail: every cell the sender changed, with the value before and after, the batch it
-- belonged to, who staged it, and whether (and by which batch, why) it was rolled back.
-- Twin of db/postgres/views/vw_MON_AuditTrail.sql.
--   SELECT * FROM dbo.vw_MON_AuditTrail WHERE monday_item_id = 1234567890 ORDER BY update_timestamp;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_AuditTrail;
GO
CREATE VIEW dbo.vw_MON_AuditTrail
AS
SELECT
    a.audit_id,
    a.batch_id,
    b.update_operation AS batch_operation,
    a.update_operation,
    a.monday_board_id,
    bd.board_name,
    a.monday_item_id,
    COALESCE(q.item_name, bi.item_name) AS item_name,
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
LEFT JOIN dbo.MON_UpdateBatch AS b ON a.batch_id = b.batch_id
LEFT JOIN dbo.MON_UpdateQueue AS q ON a.queue_id = q.queue_id
LEFT JOIN dbo.MON_Board AS bd ON a.monday_board_id = bd.board_id
LEFT JOIN dbo.MON_BoardColumn AS bc ON a.monday_board_id = bc.board_id AND a.column_id = bc.column_id
LEFT JOIN dbo.MON_BoardItem AS bi ON a.monday_item_id = bi.item_id;
GO
