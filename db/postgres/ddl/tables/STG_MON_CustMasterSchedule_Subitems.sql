-- STG_MON_CustMasterSchedule_Subitems: the board loader's subitem staging table. Created here only on
-- a new install; an existing table (and its rows) is left as it is.
CREATE TABLE IF NOT EXISTS dbo.STG_MON_CustMasterSchedule_Subitems (
    monday_item_id bigint NULL,
    monday_board_id bigint NULL,
    parent_item_id bigint NULL,
    item_name varchar(255) NULL,
    group_id varchar(100) NULL,
    order_status varchar(100) NULL,
    due_date date NULL,
    quantity numeric(18, 4) NULL,
    loaded_at timestamp(3) NULL DEFAULT (now() AT TIME ZONE 'UTC')
);
