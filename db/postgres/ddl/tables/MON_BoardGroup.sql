-- MON_BoardGroup: the groups of each synced board (CREATE rows name one).
CREATE TABLE IF NOT EXISTS dbo.MON_BoardGroup (
    board_id bigint NOT NULL,
    group_id varchar(100) NOT NULL,
    title varchar(255) NOT NULL,
    synced_at timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    CONSTRAINT PK_MON_BoardGroup PRIMARY KEY (board_id, group_id),
    CONSTRAINT FK_MON_BoardGroup_board FOREIGN KEY (board_id) REFERENCES dbo.MON_Board (board_id)
);
