-- vw_MON_BoardLabels: the status and dropdown columns of each synced board with their settings (the labels
-- and their indexes), so a report can show {"index": 1} as the label a planner knows.
-- Twin of db/postgres/views/vw_MON_BoardLabels.sql.
--   SELECT * FROM dbo.vw_MON_BoardLabels WHERE board_id = 8709134353;
DROP VIEW IF EXISTS dbo.vw_MON_BoardLabels;
GO
CREATE VIEW dbo.vw_MON_BoardLabels
AS
SELECT
    bc.board_id,
    bc.column_id,
    bc.title AS column_title,
    bc.column_type,
    bc.settings_json
FROM dbo.MON_BoardColumn AS bc
WHERE bc.column_type IN ('status', 'dropdown');
GO
