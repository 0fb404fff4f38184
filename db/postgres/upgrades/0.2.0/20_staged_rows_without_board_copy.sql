-- Schema 0.2.0, step 20: staged rows carry no monday_board_id (twin of
-- db/upgrades/0.2.0/20_staged_rows_without_board_copy.sql).
-- From 0.2.0 on, usp_StageUpdates writes staged rows (update_batch_id set) with monday_board_id NULL: their
-- board is their batch's (dbo.MON_UpdateBatch.board_id), so a query over the loader's rows by board
-- (WHERE monday_board_id = 8709134353 AND monday_item_id = ...) returns the loader's row only, however many
-- batches were staged before. This step clears the board copy on rows staged by earlier versions; the
-- loader's own rows (update_batch_id NULL) are not touched. Idempotent: a second run changes nothing.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['stg_mon_custmasterschedule', 'stg_mon_custmasterschedule_subitems'] LOOP
        IF EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = 'dbo' AND table_name = t AND column_name = 'update_batch_id')
            AND EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_schema = 'dbo' AND table_name = t AND column_name = 'monday_board_id') THEN
            EXECUTE format('UPDATE dbo.%I SET monday_board_id = NULL WHERE update_batch_id IS NOT NULL AND monday_board_id IS NOT NULL', t);
        END IF;
    END LOOP;
END;
$$;
