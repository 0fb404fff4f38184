-- MON_Board: boards whose metadata the sender synced from monday (usp_UpsertBoardMetadata).
-- Validation refuses rows of a board with no row here, or with metadata older than the freshness rule.
CREATE TABLE IF NOT EXISTS dbo.MON_Board (
    board_id bigint NOT NULL,
    board_name varchar(255) NOT NULL,
    board_kind varchar(20) NULL,
    parent_board_id bigint NULL,
    subitems_board_id bigint NULL,
    synced_at timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    CONSTRAINT PK_MON_Board PRIMARY KEY (board_id)
);
