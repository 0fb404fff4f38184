-- Schema 0.3.0, step 10: index IX_MON_UpdateQueue_claim in the claim's order (twin of
-- db/upgrades/0.3.0/10_queue_claim_index_order.sql).
-- usp_ClaimQueueRows takes the open rows of a batch ORDER BY queue_id; 0.1.0 and 0.2.0 keyed the index on
-- (batch_id, board_id, visible_after, queue_id), so every claim read and sorted all open rows of the batch
-- to return the first 100. The index becomes (batch_id, queue_id) with the columns the claim tests
-- included: a claim reads its rows in order and stops. Idempotent: changed only where the index exists
-- with another definition; a database without it gets it from the table's DDL.
DO $$
BEGIN
    IF to_regclass('dbo.ix_mon_updatequeue_claim') IS NOT NULL
        AND pg_get_indexdef(to_regclass('dbo.ix_mon_updatequeue_claim')) NOT LIKE '%(batch_id, queue_id)%' THEN
        DROP INDEX dbo.ix_mon_updatequeue_claim;
        CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id)
        INCLUDE (board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id)
        WHERE queue_status IN ('READY', 'CLAIMED');
    END IF;
END;
$$;
