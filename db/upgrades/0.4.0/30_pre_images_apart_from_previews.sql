-- Schema 0.4.0, step 30: the sender's pre-images move out of dbo.MON_UpdatePreview into dbo.MON_PreImage.
-- Up to 0.3.0 the sender wrote the pre-image of a row (the board's values just before its mutation) as a
-- dry-run preview, so a dry run during a send could replace it (review finding D6) and a preview was not
-- what the DBA had read. From 0.4.0 previews are only what a dry run showed (the baseline a send compares
-- the board with) and pre-images live in dbo.MON_PreImage, written by the lease owner only.
-- The preview rows of an open row written at or after its last claim are the pre-image of an attempt
-- whose result may be lost: they move (copied, then deleted), so the next attempt still audits it exactly.
-- The table is created here as its re-runnable source creates it (ddl/tables/MON_PreImage.sql, which then
-- finds it). Idempotent: a row already holding a pre-image is left alone; a re-run finds nothing to move.
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
IF OBJECT_ID(N'dbo.MON_UpdatePreview', N'U') IS NOT NULL
BEGIN
    DECLARE @moved TABLE (preview_id bigint NOT NULL PRIMARY KEY);

    INSERT INTO @moved (preview_id)
    SELECT p.preview_id
    FROM dbo.MON_UpdatePreview AS p
    INNER JOIN dbo.MON_UpdateQueue AS q ON p.queue_id = q.queue_id
    WHERE q.queue_status IN ('READY', 'CLAIMED')
        AND q.claimed_at IS NOT NULL
        AND p.previewed_at >= q.claimed_at
        AND NOT EXISTS (
            SELECT 1
            FROM dbo.MON_PreImage AS x
            WHERE x.queue_id = p.queue_id
        );

    INSERT INTO dbo.MON_PreImage (
        batch_id, queue_id, worker_id, monday_item_id, column_id, current_value, current_text, new_value,
        would_change, recorded_at
    )
    SELECT
        p.batch_id,
        p.queue_id,
        q.lease_owner AS worker_id,
        p.monday_item_id,
        p.column_id,
        p.current_value,
        p.current_text,
        p.new_value,
        p.would_change,
        p.previewed_at AS recorded_at
    FROM dbo.MON_UpdatePreview AS p
    INNER JOIN @moved AS m ON p.preview_id = m.preview_id
    INNER JOIN dbo.MON_UpdateQueue AS q ON p.queue_id = q.queue_id;

    DELETE p
    FROM dbo.MON_UpdatePreview AS p
    INNER JOIN @moved AS m ON p.preview_id = m.preview_id;
END;
GO
