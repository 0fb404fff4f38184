-- Schema 0.4.0, step 21: IX_MON_UpdateQueue_claim includes lease_owner (twin of
-- db/upgrades/0.4.0/21_queue_claim_index_lease_owner.sql). usp_CancelBatch reads every open row of the batch,
-- lease_owner included: with the column in the index that read can be an index-only scan. Idempotent:
-- changed only where the index exists without lease_owner.
DO $$
BEGIN
    IF to_regclass('dbo.ix_mon_updatequeue_claim') IS NOT NULL
        AND pg_get_indexdef(to_regclass('dbo.ix_mon_updatequeue_claim')) NOT LIKE '%lease_owner%' THEN
        DROP INDEX dbo.ix_mon_updatequeue_claim;
        CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id)
        INCLUDE (
            board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id,
            lease_owner
        )
        WHERE queue_status IN ('READY', 'CLAIMED');
    END IF;
END;
$$;
