-- vw_MON_HeldBackCells: cells a send held back because they changed on the board after the dry run the DBA
-- read: the value the preview showed, the value the board held when the sender read it, and the value the
-- batch would have written. To write them anyway, send with --overwrite-changed; to take the board's value
-- as the new baseline, dry-run the batch again before sending. Twin of db/postgres/views/vw_MON_HeldBackCells.sql.
--   SELECT * FROM dbo.vw_MON_HeldBackCells WHERE batch_id = 'UB...' ORDER BY queue_id, column_id;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_HeldBackCells;
GO
CREATE VIEW dbo.vw_MON_HeldBackCells
AS
SELECT
    h.batch_id,
    h.queue_id,
    q.board_id,
    q.update_operation,
    h.monday_item_id,
    COALESCE(q.item_name, bi.item_name) AS item_name,
    h.column_id,
    bc.title AS column_title,
    bc.column_type,
    h.preview_text,
    h.preview_value,
    h.board_text,
    h.board_value,
    h.new_value,
    q.queue_status,
    h.worker_id,
    h.held_at
FROM dbo.MON_HeldBackCell AS h
INNER JOIN dbo.MON_UpdateQueue AS q ON h.queue_id = q.queue_id
LEFT JOIN dbo.MON_BoardColumn AS bc ON q.board_id = bc.board_id AND h.column_id = bc.column_id
LEFT JOIN dbo.MON_BoardItem AS bi ON h.monday_item_id = bi.item_id;
GO
