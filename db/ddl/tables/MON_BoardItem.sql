-- MON_BoardItem: item ids and names of a synced board (optional part of a sync), so that validation
-- can tell an UPDATE of an item that is not on the board before anything is sent.
IF OBJECT_ID(N'dbo.MON_BoardItem', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_BoardItem (
        item_id bigint NOT NULL,
        board_id bigint NOT NULL,
        item_name nvarchar(255) NULL,
        group_id varchar(100) NULL,
        parent_item_id bigint NULL,
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_BoardItem_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_BoardItem PRIMARY KEY CLUSTERED (item_id),
        CONSTRAINT FK_MON_BoardItem_board FOREIGN KEY (board_id) REFERENCES dbo.MON_Board (board_id)
    );
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_BoardItem_board_id' AND object_id = OBJECT_ID(N'dbo.MON_BoardItem')
)
BEGIN
    CREATE INDEX IX_MON_BoardItem_board_id ON dbo.MON_BoardItem (board_id);
END;
GO
