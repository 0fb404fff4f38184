-- Schema 0.4.0, step 31: dbo.MON_UpdateBatch.send_approved (twin of
-- db/upgrades/0.4.0/31_batch_send_approval.sql). A batch staged or released for a preview only is 'N' and
-- is not sent by a plain send until approved (usp_ApproveBatch). Every batch of an existing database
-- keeps what 0.3.0 did with it: 'Y'. Idempotent: added only where the column is missing.
ALTER TABLE dbo.MON_UpdateBatch ADD COLUMN IF NOT EXISTS send_approved char(1) NOT NULL DEFAULT 'Y';
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'ck_mon_updatebatch_send_approved' AND conrelid = 'dbo.mon_updatebatch'::regclass
    ) THEN
        ALTER TABLE dbo.MON_UpdateBatch ADD CONSTRAINT CK_MON_UpdateBatch_send_approved
            CHECK (send_approved IN ('Y', 'N'));
    END IF;
END;
$$;
