-- MON_UpdateAudit: one row per board cell the sender changed, with the value before and after, so a
-- batch can be inspected and rolled back. The owner's columns exactly; queue_id, worker_id and
-- rollback_batch_id are added by this project. Idempotent: created only when missing.
IF OBJECT_ID(N'dbo.MON_UpdateAudit', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_UpdateAudit (
        audit_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NULL,
        update_operation varchar(50) NULL,
        monday_item_id bigint NULL,
        monday_board_id bigint NULL,
        column_id varchar(100) NULL,
        old_value nvarchar(MAX) NULL,
        new_value nvarchar(MAX) NULL,
        update_timestamp datetime2 NULL CONSTRAINT DF_MON_UpdateAudit_update_timestamp DEFAULT (GETUTCDATE()),
        rollback_timestamp datetime2 NULL,
        rollback_reason nvarchar(500) NULL,
        queue_id bigint NULL,
        worker_id varchar(100) NULL,
        rollback_batch_id varchar(50) NULL,
        CONSTRAINT PK_MON_UpdateAudit PRIMARY KEY CLUSTERED (audit_id)
    );
END;
GO
-- A table made from the owner's plan (or by release 0.1.0) has audit_id int and lacks this project's columns:
-- widen the key (one row per changed cell adds up) and add the columns, keeping every row.
IF COL_LENGTH(N'dbo.MON_UpdateAudit', N'queue_id') IS NULL
BEGIN
    ALTER TABLE dbo.MON_UpdateAudit ADD queue_id bigint NULL;
END;
IF COL_LENGTH(N'dbo.MON_UpdateAudit', N'worker_id') IS NULL
BEGIN
    ALTER TABLE dbo.MON_UpdateAudit ADD worker_id varchar(100) NULL;
END;
IF COL_LENGTH(N'dbo.MON_UpdateAudit', N'rollback_batch_id') IS NULL
BEGIN
    ALTER TABLE dbo.MON_UpdateAudit ADD rollback_batch_id varchar(50) NULL;
END;
GO
IF EXISTS (
    SELECT 1 FROM sys.columns
    WHERE object_id = OBJECT_ID(N'dbo.MON_UpdateAudit') AND name = N'audit_id' AND system_type_id = TYPE_ID(N'int')
)
BEGIN
    DECLARE @pk sysname = (
        SELECT k.name FROM sys.key_constraints AS k
        WHERE k.parent_object_id = OBJECT_ID(N'dbo.MON_UpdateAudit') AND k.type = 'PK'
    );
    DECLARE @widen nvarchar(MAX) = N'';
    IF @pk IS NOT NULL
    BEGIN
        SET @widen = N'ALTER TABLE dbo.MON_UpdateAudit DROP CONSTRAINT ' + QUOTENAME(@pk) + N'; ';
    END;
    SET @widen = @widen + N'ALTER TABLE dbo.MON_UpdateAudit ALTER COLUMN audit_id bigint NOT NULL; '
        + N'ALTER TABLE dbo.MON_UpdateAudit ADD CONSTRAINT ' + QUOTENAME(COALESCE(@pk, N'PK_MON_UpdateAudit'))
        + N' PRIMARY KEY CLUSTERED (audit_id);';
    EXEC sys.sp_executesql @widen;
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_UpdateAudit_batch_id' AND object_id = OBJECT_ID(N'dbo.MON_UpdateAudit')
)
BEGIN
    CREATE INDEX IX_MON_UpdateAudit_batch_id ON dbo.MON_UpdateAudit (batch_id, monday_item_id, column_id);
END;
GO
-- one audit row per queue row and cell: a replayed result cannot audit the same change twice
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'UX_MON_UpdateAudit_queue_cell' AND object_id = OBJECT_ID(N'dbo.MON_UpdateAudit')
)
BEGIN
    CREATE UNIQUE INDEX UX_MON_UpdateAudit_queue_cell ON dbo.MON_UpdateAudit (queue_id, column_id)
    WHERE queue_id IS NOT NULL;
END;
GO
