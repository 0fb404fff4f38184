-- MON_HeldBackCell: cells the sender did not write because the board changed since the dry run the DBA
-- read: one row per cell, with the value the preview showed, the value on the board when the sender read
-- it, and the value the batch would have written. Written by the lease owner (usp_RecordPreImage) before
-- the row's other cells are sent; a later attempt of the same row replaces them. Read through
-- dbo.vw_MON_HeldBackCells. Twin of db/postgres/ddl/tables/MON_HeldBackCell.sql.
IF OBJECT_ID(N'dbo.MON_HeldBackCell', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_HeldBackCell (
        held_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NOT NULL,
        queue_id bigint NOT NULL,
        worker_id varchar(100) NULL,
        monday_item_id bigint NULL,
        column_id varchar(100) NOT NULL,
        preview_value nvarchar(MAX) NULL,
        preview_text nvarchar(MAX) NULL,
        board_value nvarchar(MAX) NULL,
        board_text nvarchar(MAX) NULL,
        new_value nvarchar(MAX) NULL,
        held_at datetime2(3) NOT NULL CONSTRAINT DF_MON_HeldBackCell_held_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_HeldBackCell PRIMARY KEY CLUSTERED (held_id),
        CONSTRAINT FK_MON_HeldBackCell_queue FOREIGN KEY (queue_id) REFERENCES dbo.MON_UpdateQueue (queue_id)
    );
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_HeldBackCell_batch' AND object_id = OBJECT_ID(N'dbo.MON_HeldBackCell')
)
BEGIN
    CREATE INDEX IX_MON_HeldBackCell_batch ON dbo.MON_HeldBackCell (batch_id, queue_id);
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_HeldBackCell_queue' AND object_id = OBJECT_ID(N'dbo.MON_HeldBackCell')
)
BEGIN
    CREATE INDEX IX_MON_HeldBackCell_queue ON dbo.MON_HeldBackCell (queue_id);
END;
GO
