-- MON_BoardColumn: the columns of each synced board, with type, settings_json (status and dropdown
-- labels) and a normalised title so that a query alias such as order_status finds "Order Status".
IF OBJECT_ID(N'dbo.MON_BoardColumn', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_BoardColumn (
        board_id bigint NOT NULL,
        column_id varchar(100) NOT NULL,
        title nvarchar(255) NOT NULL,
        normalized_title nvarchar(255) NOT NULL,
        column_type varchar(50) NOT NULL,
        settings_json nvarchar(MAX) NULL,
        is_writable char(1) NOT NULL,
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_BoardColumn_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_BoardColumn PRIMARY KEY CLUSTERED (board_id, column_id),
        CONSTRAINT FK_MON_BoardColumn_board FOREIGN KEY (board_id) REFERENCES dbo.MON_Board (board_id),
        CONSTRAINT CK_MON_BoardColumn_is_writable CHECK (is_writable IN ('Y', 'N'))
    );
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_BoardColumn_normalized_title' AND object_id = OBJECT_ID(N'dbo.MON_BoardColumn')
)
BEGIN
    CREATE INDEX IX_MON_BoardColumn_normalized_title ON dbo.MON_BoardColumn (board_id, normalized_title);
END;
GO
