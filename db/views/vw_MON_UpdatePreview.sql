-- vw_MON_UpdatePreview: what the last dry run of each queue row found, per cell, with the column's title
-- and type: the value on the board now, the value that would be sent, and whether it would change.
-- Twin of db/postgres/views/vw_MON_UpdatePreview.sql.
--   SELECT * FROM dbo.vw_MON_UpdatePreview WHERE batch_id = 'UB...' AND would_change = 'Y';
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_UpdatePreview;
GO
CREATE VIEW dbo.vw_MON_UpdatePreview
AS
SELECT
    p.batch_id,
    p.queue_id,
    q.board_id,
    q.update_operation,
    p.monday_item_id,
    COALESCE(p.item_name, bi.item_name) AS item_name,
    p.column_id,
    bc.title AS column_title,
    bc.column_type,
    p.current_text,
    p.current_value,
    p.new_value,
    p.would_change,
    q.queue_status,
    p.previewed_at
FROM dbo.MON_UpdatePreview AS p
INNER JOIN dbo.MON_UpdateQueue AS q ON p.queue_id = q.queue_id
LEFT JOIN dbo.MON_BoardColumn AS bc ON q.board_id = bc.board_id AND p.column_id = bc.column_id
LEFT JOIN dbo.MON_BoardItem AS bi ON p.monday_item_id = bi.item_id;
GO
