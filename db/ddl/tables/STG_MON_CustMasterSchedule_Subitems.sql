-- STG_MON_CustMasterSchedule_Subitems: the board loader's subitem staging table. Created here only on
-- a new install; an existing table (and its rows) is left as it is.
IF OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.STG_MON_CustMasterSchedule_Subitems (
        monday_item_id bigint NULL,
        monday_board_id bigint NULL,
        parent_item_id bigint NULL,
        item_name nvarchar(255) NULL,
        group_id varchar(100) NULL,
        order_status nvarchar(100) NULL,
        due_date date NULL,
        quantity decimal(18, 4) NULL,
        loaded_at datetime2(3) NULL
        CONSTRAINT DF_STG_MON_CustMasterSchedule_Subitems_loaded_at DEFAULT (SYSUTCDATETIME())
    );
END;
GO
