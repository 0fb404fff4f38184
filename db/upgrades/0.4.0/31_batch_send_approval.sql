-- Schema 0.4.0, step 31: dbo.MON_UpdateBatch.send_approved. A batch staged or released for a preview only
-- (a rollback staged without --execute, a batch the Python dry run released) is 'N' and is not sent by a
-- plain send until approved (usp_ApproveBatch, opus-sender release, opus-sender rollback --execute).
-- Every batch of an existing database keeps what 0.3.0 did with it: 'Y' (a NOT NULL column added with a
-- default takes it on every existing row).
-- Idempotent: added only where the column is missing.
IF OBJECT_ID(N'dbo.MON_UpdateBatch', N'U') IS NOT NULL
    AND COL_LENGTH(N'dbo.MON_UpdateBatch', N'send_approved') IS NULL
BEGIN
    ALTER TABLE dbo.MON_UpdateBatch
    ADD send_approved char(1) NOT NULL CONSTRAINT DF_MON_UpdateBatch_send_approved DEFAULT ('Y');
END;
GO
IF OBJECT_ID(N'dbo.MON_UpdateBatch', N'U') IS NOT NULL
    AND NOT EXISTS (
        SELECT 1 FROM sys.check_constraints
        WHERE name = N'CK_MON_UpdateBatch_send_approved' AND parent_object_id = OBJECT_ID(N'dbo.MON_UpdateBatch')
    )
BEGIN
    ALTER TABLE dbo.MON_UpdateBatch ADD CONSTRAINT CK_MON_UpdateBatch_send_approved
    CHECK (send_approved IN ('Y', 'N'));
END;
GO
