-- MON_UpdatePreview: what a dry run found, one row per cell: the value on the board now, the value that
-- would be sent, and whether it would change anything. A later dry run of the same batch replaces it.
IF OBJECT_ID(N'dbo.MON_UpdatePreview', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_UpdatePreview (
        preview_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NOT NULL,
        queue_id bigint NOT NULL,
        monday_item_id bigint NULL,
        item_name nvarchar(255) NULL,
        column_id varchar(100) NOT NULL,
        current_value nvarchar(MAX) NULL,
        current_text nvarchar(MAX) NULL,
        new_value nvarchar(MAX) NULL,
        would_change char(1) NOT NULL,
        previewed_at datetime2(3) NOT NULL CONSTRAINT DF_MON_UpdatePreview_previewed_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_UpdatePreview PRIMARY KEY CLUSTERED (preview_id),
        CONSTRAINT FK_MON_UpdatePreview_queue FOREIGN KEY (queue_id) REFERENCES dbo.MON_UpdateQueue (queue_id),
        CONSTRAINT CK_MON_UpdatePreview_would_change CHECK (would_change IN ('Y', 'N'))
    );
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_UpdatePreview_batch' AND object_id = OBJECT_ID(N'dbo.MON_UpdatePreview')
)
BEGIN
    CREATE INDEX IX_MON_UpdatePreview_batch ON dbo.MON_UpdatePreview (batch_id, queue_id);
END;
GO
