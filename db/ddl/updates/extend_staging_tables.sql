-- extend_staging_tables: the owner's seven update-tracking columns (plus update_row_no, the row's
-- number inside its batch) on both staging tables. Idempotent: each column is added only when missing,
-- existing rows and columns are kept, and the defaults apply to new rows only, so rows already loaded
-- get NULL (never a pending CREATE). Loader inserts that name none of these columns keep working.
-- Rows without update_batch_id are never read by the sender (see usp_ReleaseBatch).

IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule', N'update_operation') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD update_operation varchar(50) NULL;
END;
GO
-- a default may already exist under another name (the owner's ALTER names none): keep it
IF NOT EXISTS (
    SELECT 1 FROM sys.default_constraints AS dc
    WHERE dc.parent_object_id = OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule')
        AND dc.parent_column_id
        = COLUMNPROPERTY(OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule'), N'update_operation', 'ColumnId')
)
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule
    ADD CONSTRAINT DF_STG_MON_CustMasterSchedule_update_operation
    DEFAULT ('CREATE') FOR update_operation;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule', N'update_fields') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD update_fields nvarchar(MAX) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule', N'source_table') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD source_table varchar(100) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule', N'source_query') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD source_query nvarchar(MAX) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule', N'update_batch_id') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD update_batch_id varchar(50) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule', N'validation_status') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD validation_status varchar(20) NULL;
END;
GO
-- a default may already exist under another name (the owner's ALTER names none): keep it
IF NOT EXISTS (
    SELECT 1 FROM sys.default_constraints AS dc
    WHERE dc.parent_object_id = OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule')
        AND dc.parent_column_id
        = COLUMNPROPERTY(OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule'), N'validation_status', 'ColumnId')
)
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule
    ADD CONSTRAINT DF_STG_MON_CustMasterSchedule_validation_status
    DEFAULT ('PENDING') FOR validation_status;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule', N'validation_errors') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD validation_errors nvarchar(MAX) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule', N'update_row_no') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD update_row_no int NULL;
END;
GO
IF OBJECT_ID(N'dbo.CK_STG_MON_CustMasterSchedule_update_operation', N'C') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule  -- WITH CHECK is the default for a new constraint
    ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_update_operation
    CHECK (update_operation IS NULL OR update_operation IN ('CREATE', 'UPDATE', 'ARCHIVE'));
END;
GO
IF OBJECT_ID(N'dbo.CK_STG_MON_CustMasterSchedule_validation_status', N'C') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule  -- WITH CHECK is the default for a new constraint
    ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_validation_status
    CHECK (validation_status IS NULL OR validation_status IN ('PENDING', 'VALID', 'INVALID', 'WARNING'));
END;
GO
-- staged rows are found by batch (update_batch_id = @batch_id, in update_row_no order). A PLAIN index, on
-- purpose: a filtered index (like an indexed view or an index on a computed column) makes SQL Server refuse
-- every INSERT, UPDATE and DELETE on the table (Msg 1934) from a writer whose QUOTED_IDENTIFIER, ANSI_NULLS
-- or the other five options are not set as the index needs - SQL Agent T-SQL job steps, sqlcmd without -I,
-- bcp without -q, procedures created with QUOTED_IDENTIFIER OFF - and this is the owner's loader's table.
-- A plain index needs no SET option. The cost: the loader's rows (update_batch_id NULL) are in the index too,
-- one small entry per row; the seek on a batch id reads only that batch's entries either way.
-- db/upgrades/0.4.0/10 replaces the filtered index of 0.2.0 and 0.3.0.
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE
        name = N'IX_STG_MON_CustMasterSchedule_update_batch_id'
        AND object_id = OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule')
)
BEGIN
    CREATE INDEX IX_STG_MON_CustMasterSchedule_update_batch_id
    ON dbo.STG_MON_CustMasterSchedule (update_batch_id, update_row_no);
END;
GO

IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule_Subitems', N'update_operation') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD update_operation varchar(50) NULL;
END;
GO
-- a default may already exist under another name (the owner's ALTER names none): keep it
IF NOT EXISTS (
    SELECT 1 FROM sys.default_constraints AS dc
    WHERE dc.parent_object_id = OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems')
        AND dc.parent_column_id
        = COLUMNPROPERTY(OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems'), N'update_operation', 'ColumnId')
)
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems
    ADD CONSTRAINT DF_STG_MON_CustMasterSchedule_Subitems_update_operation
    DEFAULT ('CREATE') FOR update_operation;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule_Subitems', N'update_fields') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD update_fields nvarchar(MAX) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule_Subitems', N'source_table') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD source_table varchar(100) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule_Subitems', N'source_query') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD source_query nvarchar(MAX) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule_Subitems', N'update_batch_id') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD update_batch_id varchar(50) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule_Subitems', N'validation_status') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD validation_status varchar(20) NULL;
END;
GO
-- a default may already exist under another name (the owner's ALTER names none): keep it
IF NOT EXISTS (
    SELECT 1 FROM sys.default_constraints AS dc
    WHERE dc.parent_object_id = OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems')
        AND dc.parent_column_id
        = COLUMNPROPERTY(OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems'), N'validation_status', 'ColumnId')
)
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems
    ADD CONSTRAINT DF_STG_MON_CustMasterSchedule_Subitems_validation_status
    DEFAULT ('PENDING') FOR validation_status;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule_Subitems', N'validation_errors') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD validation_errors nvarchar(MAX) NULL;
END;
GO
IF COL_LENGTH(N'dbo.STG_MON_CustMasterSchedule_Subitems', N'update_row_no') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD update_row_no int NULL;
END;
GO
IF OBJECT_ID(N'dbo.CK_STG_MON_CustMasterSchedule_Subitems_update_operation', N'C') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems  -- WITH CHECK is the default for a new constraint
    ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_Subitems_update_operation
    CHECK (update_operation IS NULL OR update_operation IN ('CREATE', 'UPDATE', 'ARCHIVE'));
END;
GO
IF OBJECT_ID(N'dbo.CK_STG_MON_CustMasterSchedule_Subitems_validation_status', N'C') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems  -- WITH CHECK is the default for a new constraint
    ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_Subitems_validation_status
    CHECK (validation_status IS NULL OR validation_status IN ('PENDING', 'VALID', 'INVALID', 'WARNING'));
END;
GO
-- staged rows are found by batch (update_batch_id = @batch_id, in update_row_no order). A PLAIN index, on
-- purpose: a filtered index (like an indexed view or an index on a computed column) makes SQL Server refuse
-- every INSERT, UPDATE and DELETE on the table (Msg 1934) from a writer whose QUOTED_IDENTIFIER, ANSI_NULLS
-- or the other five options are not set as the index needs - SQL Agent T-SQL job steps, sqlcmd without -I,
-- bcp without -q, procedures created with QUOTED_IDENTIFIER OFF - and this is the owner's loader's table.
-- A plain index needs no SET option. The cost: the loader's rows (update_batch_id NULL) are in the index too,
-- one small entry per row; the seek on a batch id reads only that batch's entries either way.
-- db/upgrades/0.4.0/10 replaces the filtered index of 0.2.0 and 0.3.0.
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE
        name = N'IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id'
        AND object_id = OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems')
)
BEGIN
    CREATE INDEX IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id
    ON dbo.STG_MON_CustMasterSchedule_Subitems (update_batch_id, update_row_no);
END;
GO
