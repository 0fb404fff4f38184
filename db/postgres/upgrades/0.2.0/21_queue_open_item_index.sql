-- Schema 0.2.0, step 21: index IX_MON_UpdateQueue_open_item on the open queue rows by item (twin of
-- db/upgrades/0.2.0/21_queue_open_item_index.sql).
-- usp_ClaimQueueRows holds back a row while a batch released earlier still has an open row for the same
-- item (overlapping batches go in release order), and validation names the other released batches that
-- write a cell of the batch (OVERLAP_BATCH): both look up open rows by monday_item_id. Idempotent: created
-- only where the table exists and the index does not.
DO $$
BEGIN
    IF to_regclass('dbo.mon_updatequeue') IS NOT NULL THEN
        CREATE INDEX IF NOT EXISTS IX_MON_UpdateQueue_open_item ON dbo.MON_UpdateQueue (monday_item_id, batch_id)
        INCLUDE (queue_status)
        WHERE queue_status IN ('READY', 'CLAIMED');
    END IF;
END;
$$;
