-- Schema 0.4.0, step 10: the batch index of the owner's staging tables becomes a plain index.
-- 0.2.0 and 0.3.0 created IX_STG_MON_CustMasterSchedule_update_batch_id and
-- IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id filtered (WHERE update_batch_id IS NOT NULL).
-- A filtered index makes SQL Server refuse every INSERT, UPDATE and DELETE on its table (Msg 1934) from a
-- writer without the index's SET options (QUOTED_IDENTIFIER and ANSI_NULLS ON among them): SQL Agent T-SQL
-- job steps, sqlcmd without -I, bcp without -q, procedures created with QUOTED_IDENTIFIER OFF. These are
-- the owner's loader's tables, so the filter goes. Only a filtered index of that name is dropped here; the
-- re-runnable ddl/updates/extend_staging_tables.sql, which runs after the steps, creates the plain index
-- with the same keys. No row is touched. Idempotent: a plain index (or none) is left alone.
IF EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE
        name = N'IX_STG_MON_CustMasterSchedule_update_batch_id'
        AND object_id = OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule')
        AND has_filter = 1
)
BEGIN
    DROP INDEX IX_STG_MON_CustMasterSchedule_update_batch_id ON dbo.STG_MON_CustMasterSchedule;
END;
GO
IF EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE
        name = N'IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id'
        AND object_id = OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems')
        AND has_filter = 1
)
BEGIN
    DROP INDEX IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id ON dbo.STG_MON_CustMasterSchedule_Subitems;
END;
GO
