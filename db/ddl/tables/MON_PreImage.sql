-- MON_PreImage: what the board held just before the sender wrote a queue row, one row per cell, written
-- by the lease owner only (usp_RecordPreImage, fenced) right before the mutation. If the mutation reached
-- the board but its result was lost (a crash, a dropped response), the next attempt takes the old values
-- from here and audits the change. Kept apart from MON_UpdatePreview (what a dry run showed the DBA), so
-- that a dry run during a send cannot replace a pre-image. Twin of db/postgres/ddl/tables/MON_PreImage.sql.
IF OBJECT_ID(N'dbo.MON_PreImage', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_PreImage (
        pre_image_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NOT NULL,
        queue_id bigint NOT NULL,
        worker_id varchar(100) NULL,
        monday_item_id bigint NULL,
        column_id varchar(100) NOT NULL,
        current_value nvarchar(MAX) NULL,
        current_text nvarchar(MAX) NULL,
        new_value nvarchar(MAX) NULL,
        would_change char(1) NOT NULL,
        recorded_at datetime2(3) NOT NULL CONSTRAINT DF_MON_PreImage_recorded_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_PreImage PRIMARY KEY CLUSTERED (pre_image_id),
        CONSTRAINT FK_MON_PreImage_queue FOREIGN KEY (queue_id) REFERENCES dbo.MON_UpdateQueue (queue_id),
        CONSTRAINT CK_MON_PreImage_would_change CHECK (would_change IN ('Y', 'N'))
    );
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_PreImage_queue' AND object_id = OBJECT_ID(N'dbo.MON_PreImage')
)
BEGIN
    CREATE INDEX IX_MON_PreImage_queue ON dbo.MON_PreImage (queue_id, column_id);
END;
GO
