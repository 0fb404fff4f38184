-- vw_MON_PreImage: what the board held just before the sender wrote each queue row, per cell (the sender's
-- pre-image, usp_RecordPreImage): read by the sender when it claims a row again after a lost result.
-- Twin of db/postgres/views/vw_MON_PreImage.sql.
--   SELECT * FROM dbo.vw_MON_PreImage WHERE queue_id = 42;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_PreImage;
GO
CREATE VIEW dbo.vw_MON_PreImage
AS
SELECT
    p.batch_id,
    p.queue_id,
    p.worker_id,
    p.monday_item_id,
    p.column_id,
    p.current_value,
    p.current_text,
    p.new_value,
    p.would_change,
    p.recorded_at
FROM dbo.MON_PreImage AS p;
GO
