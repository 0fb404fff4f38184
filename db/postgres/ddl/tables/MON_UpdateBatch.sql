-- MON_UpdateBatch: one row per batch of staged updates (the batch header). Status moves
-- STAGED -> VALIDATED -> READY (released) -> SENDING -> COMPLETED | PARTIAL | FAILED, or CANCELLED
-- before anything was sent. A rollback batch names the batch it reverses.
CREATE TABLE IF NOT EXISTS dbo.MON_UpdateBatch (
    batch_id varchar(50) NOT NULL,
    board_id bigint NOT NULL,
    target_level varchar(10) NOT NULL DEFAULT 'ITEMS',
    update_operation varchar(50) NOT NULL,
    source_table varchar(100) NULL,
    source_query text NULL,
    create_labels_if_missing char(1) NOT NULL DEFAULT 'N',
    batch_status varchar(20) NOT NULL DEFAULT 'STAGED',
    rows_staged int NOT NULL DEFAULT 0,
    rows_valid int NOT NULL DEFAULT 0,
    rows_warning int NOT NULL DEFAULT 0,
    rows_invalid int NOT NULL DEFAULT 0,
    rows_queued int NOT NULL DEFAULT 0,
    rollback_of_batch_id varchar(50) NULL,
    rollback_reason varchar(500) NULL,
    created_by varchar(128) NOT NULL DEFAULT session_user,
    created_at timestamp(3) NOT NULL DEFAULT (clock_timestamp() AT TIME ZONE 'UTC'),
    validated_at timestamp(3) NULL,
    released_by varchar(128) NULL,
    released_at timestamp(3) NULL,
    send_started_at timestamp(3) NULL,
    completed_at timestamp(3) NULL,
    cancelled_by varchar(128) NULL,
    cancelled_at timestamp(3) NULL,
    -- 'N': staged or released for a preview only (a rollback staged without --execute, a batch the
    -- Python dry run released): not sent by a plain send until approved (usp_ApproveBatch)
    send_approved char(1) NOT NULL DEFAULT 'Y',
    CONSTRAINT PK_MON_UpdateBatch PRIMARY KEY (batch_id),
    CONSTRAINT CK_MON_UpdateBatch_target_level CHECK (target_level IN ('ITEMS', 'SUBITEMS')),
    CONSTRAINT CK_MON_UpdateBatch_update_operation CHECK (update_operation IN ('UPDATE', 'CREATE', 'ROLLBACK')),
    CONSTRAINT CK_MON_UpdateBatch_create_labels CHECK (create_labels_if_missing IN ('Y', 'N')),
    CONSTRAINT CK_MON_UpdateBatch_send_approved CHECK (send_approved IN ('Y', 'N')),
    CONSTRAINT CK_MON_UpdateBatch_batch_status CHECK (
        batch_status IN ('STAGED', 'VALIDATED', 'READY', 'SENDING', 'COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
    ),
    CONSTRAINT FK_MON_UpdateBatch_rollback_of FOREIGN KEY (rollback_of_batch_id)
    REFERENCES dbo.MON_UpdateBatch (batch_id)
);

CREATE INDEX IF NOT EXISTS IX_MON_UpdateBatch_status ON dbo.MON_UpdateBatch (batch_status, created_at) INCLUDE (board_id);
