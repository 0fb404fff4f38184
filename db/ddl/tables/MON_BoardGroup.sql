-- MON_BoardGroup: the groups of each synced board (CREATE rows name one).
IF OBJECT_ID(N'dbo.MON_BoardGroup', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_BoardGroup (
        board_id bigint NOT NULL,
        group_id varchar(100) NOT NULL,
        title nvarchar(255) NOT NULL,
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_BoardGroup_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_BoardGroup PRIMARY KEY CLUSTERED (board_id, group_id),
        CONSTRAINT FK_MON_BoardGroup_board FOREIGN KEY (board_id) REFERENCES dbo.MON_Board (board_id)
    );
END;
GO
