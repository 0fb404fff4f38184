-- extend_staging_tables: the owner's seven update-tracking columns (plus update_row_no, the row's
-- number inside its batch) on both staging tables. Idempotent: each column is added only when missing,
-- existing rows and columns are kept, and the defaults apply to new rows only, so rows already loaded
-- get NULL (never a pending CREATE). Loader inserts that name none of these columns keep working.
-- Rows without update_batch_id are never read by the sender (see usp_ReleaseBatch).

ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN IF NOT EXISTS update_operation varchar(50) NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule ALTER COLUMN update_operation SET DEFAULT 'CREATE';
ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN IF NOT EXISTS update_fields text NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN IF NOT EXISTS source_table varchar(100) NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN IF NOT EXISTS source_query text NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN IF NOT EXISTS update_batch_id varchar(50) NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN IF NOT EXISTS validation_status varchar(20) NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule ALTER COLUMN validation_status SET DEFAULT 'PENDING';
ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN IF NOT EXISTS validation_errors text NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN IF NOT EXISTS update_row_no int NULL;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = lower('CK_STG_MON_CustMasterSchedule_update_operation')) THEN
        ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_update_operation
        CHECK (update_operation IS NULL OR update_operation IN ('CREATE', 'UPDATE', 'ARCHIVE'));
    END IF;
END $$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = lower('CK_STG_MON_CustMasterSchedule_validation_status')) THEN
        ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_validation_status
        CHECK (validation_status IS NULL OR validation_status IN ('PENDING', 'VALID', 'INVALID', 'WARNING'));
    END IF;
END $$;
-- staged rows are found by batch. A plain index, as in the T-SQL twin (where a filtered index would make
-- SQL Server refuse the writes of a loader without the index's SET options); the loader's rows (no batch)
-- are in it too. db/postgres/upgrades/0.4.0/10 replaces the partial index of 0.2.0 and 0.3.0.
CREATE INDEX IF NOT EXISTS IX_STG_MON_CustMasterSchedule_update_batch_id ON dbo.STG_MON_CustMasterSchedule (update_batch_id, update_row_no);

ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD COLUMN IF NOT EXISTS update_operation varchar(50) NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ALTER COLUMN update_operation SET DEFAULT 'CREATE';
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD COLUMN IF NOT EXISTS update_fields text NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD COLUMN IF NOT EXISTS source_table varchar(100) NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD COLUMN IF NOT EXISTS source_query text NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD COLUMN IF NOT EXISTS update_batch_id varchar(50) NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD COLUMN IF NOT EXISTS validation_status varchar(20) NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ALTER COLUMN validation_status SET DEFAULT 'PENDING';
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD COLUMN IF NOT EXISTS validation_errors text NULL;
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD COLUMN IF NOT EXISTS update_row_no int NULL;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = lower('CK_STG_MON_CustMasterSchedule_Subitems_update_operation')) THEN
        ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_Subitems_update_operation
        CHECK (update_operation IS NULL OR update_operation IN ('CREATE', 'UPDATE', 'ARCHIVE'));
    END IF;
END $$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = lower('CK_STG_MON_CustMasterSchedule_Subitems_validation_status')) THEN
        ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_Subitems_validation_status
        CHECK (validation_status IS NULL OR validation_status IN ('PENDING', 'VALID', 'INVALID', 'WARNING'));
    END IF;
END $$;
-- staged rows are found by batch. A plain index, as in the T-SQL twin (where a filtered index would make
-- SQL Server refuse the writes of a loader without the index's SET options); the loader's rows (no batch)
-- are in it too. db/postgres/upgrades/0.4.0/10 replaces the partial index of 0.2.0 and 0.3.0.
CREATE INDEX IF NOT EXISTS IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id ON dbo.STG_MON_CustMasterSchedule_Subitems (update_batch_id, update_row_no);
