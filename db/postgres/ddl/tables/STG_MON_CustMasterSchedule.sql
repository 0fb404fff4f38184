-- STG_MON_CustMasterSchedule: the board loader's item staging table. Created here only on a new
-- install, with the columns a loader writes; an existing table (and its rows) is left as it is.
CREATE TABLE IF NOT EXISTS dbo.STG_MON_CustMasterSchedule (
    monday_item_id bigint NULL,
    monday_board_id bigint NULL,
    item_name varchar(255) NULL,
    group_id varchar(100) NULL,
    group_title varchar(255) NULL,
    order_number varchar(100) NULL,
    customer_name varchar(255) NULL,
    order_status varchar(100) NULL,
    due_date date NULL,
    quantity numeric(18, 4) NULL,
    owner_email varchar(255) NULL,
    loaded_at timestamp(3) NULL DEFAULT (now() AT TIME ZONE 'UTC')
);
