-- MON_BoardColumn: the columns of each synced board, with type, settings_json (status and dropdown
-- labels) and a normalised title so that a query alias such as order_status finds "Order Status".
CREATE TABLE IF NOT EXISTS dbo.MON_BoardColumn (
    board_id bigint NOT NULL,
    column_id varchar(100) NOT NULL,
    title varchar(255) NOT NULL,
    normalized_title varchar(255) NOT NULL,
    column_type varchar(50) NOT NULL,
    settings_json text NULL,
    is_writable char(1) NOT NULL,
    synced_at timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    CONSTRAINT PK_MON_BoardColumn PRIMARY KEY (board_id, column_id),
    CONSTRAINT FK_MON_BoardColumn_board FOREIGN KEY (board_id) REFERENCES dbo.MON_Board (board_id),
    CONSTRAINT CK_MON_BoardColumn_is_writable CHECK (is_writable IN ('Y', 'N'))
);

CREATE INDEX IF NOT EXISTS IX_MON_BoardColumn_normalized_title ON dbo.MON_BoardColumn (board_id, normalized_title);
