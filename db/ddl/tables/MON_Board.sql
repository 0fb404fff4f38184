-- MON_Board: boards whose metadata the sender synced from monday (usp_UpsertBoardMetadata).
-- Validation refuses rows of a board with no row here, or with metadata older than the freshness rule.
IF OBJECT_ID(N'dbo.MON_Board', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_Board (
        board_id bigint NOT NULL,
        board_name nvarchar(255) NOT NULL,
        board_kind varchar(20) NULL,
        parent_board_id bigint NULL,
        subitems_board_id bigint NULL,
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_Board_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_Board PRIMARY KEY CLUSTERED (board_id)
    );
END;
GO
