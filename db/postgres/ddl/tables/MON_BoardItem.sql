-- MON_BoardItem: item ids and names of a synced board (optional part of a sync), so that validation
-- can tell an UPDATE of an item that is not on the board before anything is sent.
CREATE TABLE IF NOT EXISTS dbo.MON_BoardItem (
    item_id bigint NOT NULL,
    board_id bigint NOT NULL,
    item_name varchar(255) NULL,
    group_id varchar(100) NULL,
    parent_item_id bigint NULL,
    synced_at timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    CONSTRAINT PK_MON_BoardItem PRIMARY KEY (item_id),
    CONSTRAINT FK_MON_BoardItem_board FOREIGN KEY (board_id) REFERENCES dbo.MON_Board (board_id)
);

CREATE INDEX IF NOT EXISTS IX_MON_BoardItem_board_id ON dbo.MON_BoardItem (board_id);
