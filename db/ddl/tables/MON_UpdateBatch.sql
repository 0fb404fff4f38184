-- MON_UpdateBatch: one row per batch of staged updates (the batch header). Status moves
-- STAGED -> VALIDATED -> READY (released) -> SENDING -> COMPLETED | PARTIAL | FAILED, or CANCELLED
-- before anything was sent. A rollback batch names the batch it reverses.
IF OBJECT_ID(N'dbo.MON_UpdateBatch', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_UpdateBatch (
        batch_id varchar(50) NOT NULL,
        board_id bigint NOT NULL,
        target_level varchar(10) NOT NULL CONSTRAINT DF_MON_UpdateBatch_target_level DEFAULT ('ITEMS'),
        update_operation varchar(50) NOT NULL,
        source_table varchar(100) NULL,
        source_query nvarchar(MAX) NULL,
        create_labels_if_missing char(1) NOT NULL CONSTRAINT DF_MON_UpdateBatch_create_labels DEFAULT ('N'),
        batch_status varchar(20) NOT NULL CONSTRAINT DF_MON_UpdateBatch_batch_status DEFAULT ('STAGED'),
        rows_staged int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_staged DEFAULT (0),
        rows_valid int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_valid DEFAULT (0),
        rows_warning int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_warning DEFAULT (0),
        rows_invalid int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_invalid DEFAULT (0),
        rows_queued int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_queued DEFAULT (0),
        rollback_of_batch_id varchar(50) NULL,
        rollback_reason nvarchar(500) NULL,
        created_by nvarchar(128) NOT NULL CONSTRAINT DF_MON_UpdateBatch_created_by DEFAULT (ORIGINAL_LOGIN()),
        created_at datetime2(3) NOT NULL CONSTRAINT DF_MON_UpdateBatch_created_at DEFAULT (SYSUTCDATETIME()),
        validated_at datetime2(3) NULL,
        released_by nvarchar(128) NULL,
        released_at datetime2(3) NULL,
        send_started_at datetime2(3) NULL,
        completed_at datetime2(3) NULL,
        cancelled_by nvarchar(128) NULL,
        cancelled_at datetime2(3) NULL,
        -- 'N': staged or released for a preview only (a rollback staged without --execute, a batch the
        -- Python dry run released): not sent by a plain send until approved (usp_ApproveBatch)
        send_approved char(1) NOT NULL CONSTRAINT DF_MON_UpdateBatch_send_approved DEFAULT ('Y'),
        CONSTRAINT PK_MON_UpdateBatch PRIMARY KEY CLUSTERED (batch_id),
        CONSTRAINT CK_MON_UpdateBatch_target_level CHECK (target_level IN ('ITEMS', 'SUBITEMS')),
        CONSTRAINT CK_MON_UpdateBatch_update_operation CHECK (update_operation IN ('UPDATE', 'CREATE', 'ROLLBACK')),
        CONSTRAINT CK_MON_UpdateBatch_create_labels CHECK (create_labels_if_missing IN ('Y', 'N')),
        CONSTRAINT CK_MON_UpdateBatch_send_approved CHECK (send_approved IN ('Y', 'N')),
        CONSTRAINT CK_MON_UpdateBatch_batch_status CHECK (
            batch_status IN (
                'STAGED', 'VALIDATED', 'READY', 'SENDING', 'COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED'
            )
        ),
        CONSTRAINT FK_MON_UpdateBatch_rollback_of FOREIGN KEY (rollback_of_batch_id)
        REFERENCES dbo.MON_UpdateBatch (batch_id)
    );
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_UpdateBatch_status' AND object_id = OBJECT_ID(N'dbo.MON_UpdateBatch')
)
BEGIN
    CREATE INDEX IX_MON_UpdateBatch_status ON dbo.MON_UpdateBatch (batch_status, created_at) INCLUDE (board_id);
END;
GO
