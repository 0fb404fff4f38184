-- Schema 0.2.0, step 20: staged rows carry no monday_board_id.
-- From 0.2.0 on, usp_StageUpdates writes staged rows (update_batch_id set) with monday_board_id NULL: their
-- board is their batch's (dbo.MON_UpdateBatch.board_id), so a query over the loader's rows by board
-- (WHERE monday_board_id = 8709134353 AND monday_item_id = ...) returns the loader's row only, however many
-- batches were staged before. This step clears the board copy on rows staged by earlier versions; the
-- loader's own rows (update_batch_id NULL) are not touched. Idempotent: a second run changes nothing.
-- Dynamic SQL: the statements compile only where the tables and columns exist.
SET NOCOUNT ON;

DECLARE @sql nvarchar(MAX) = N'';
SELECT @sql = @sql + N'UPDATE dbo.' + QUOTENAME(t.table_name)
    + N' SET monday_board_id = NULL WHERE update_batch_id IS NOT NULL AND monday_board_id IS NOT NULL;'
FROM (VALUES (N'STG_MON_CustMasterSchedule'), (N'STG_MON_CustMasterSchedule_Subitems')) AS t(table_name)
WHERE COL_LENGTH(N'dbo.' + t.table_name, N'update_batch_id') IS NOT NULL
    AND COL_LENGTH(N'dbo.' + t.table_name, N'monday_board_id') IS NOT NULL;
IF @sql <> N''
    EXEC sys.sp_executesql @sql;
GO
