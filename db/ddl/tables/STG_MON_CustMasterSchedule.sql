-- STG_MON_CustMasterSchedule: the board loader's item staging table. Created here only on a new
-- install, with the columns a loader writes; an existing table (and its rows) is left as it is.
IF OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.STG_MON_CustMasterSchedule (
        monday_item_id bigint NULL,
        monday_board_id bigint NULL,
        item_name nvarchar(255) NULL,
        group_id varchar(100) NULL,
        group_title nvarchar(255) NULL,
        order_number nvarchar(100) NULL,
        customer_name nvarchar(255) NULL,
        order_status nvarchar(100) NULL,
        due_date date NULL,
        quantity decimal(18, 4) NULL,
        owner_email nvarchar(255) NULL,
        loaded_at datetime2(3) NULL CONSTRAINT DF_STG_MON_CustMasterSchedule_loaded_at DEFAULT (SYSUTCDATETIME())
    );
END;
GO
