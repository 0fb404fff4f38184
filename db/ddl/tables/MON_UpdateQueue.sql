-- MON_UpdateQueue: the send queue, one row per item operation of a released batch, holding the exact
-- column_values JSON that will be sent, so that a loader truncating the staging tables cannot change or
-- lose what was released. Rows are claimed with a lease (lease_owner, lease_expires_at); a row whose
-- lease expired is claimable again; completion is fenced on the lease owner.
-- queue_status: READY -> CLAIMED -> SENT | SKIPPED (nothing to change) | FAILED (monday refused it)
-- | DEAD (retryable errors until max_attempts) | CANCELLED.
IF OBJECT_ID(N'dbo.MON_UpdateQueue', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.MON_UpdateQueue (
        queue_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NOT NULL,
        update_row_no int NOT NULL,
        board_id bigint NOT NULL,
        update_operation varchar(20) NOT NULL,
        monday_item_id bigint NULL,
        parent_item_id bigint NULL,
        group_id varchar(100) NULL,
        item_name nvarchar(255) NULL,
        column_values nvarchar(MAX) NULL,
        expected_values nvarchar(MAX) NULL,
        create_labels_if_missing char(1) NOT NULL CONSTRAINT DF_MON_UpdateQueue_create_labels DEFAULT ('N'),
        idempotency_key varchar(100) NOT NULL,
        queue_status varchar(20) NOT NULL CONSTRAINT DF_MON_UpdateQueue_queue_status DEFAULT ('READY'),
        lease_owner varchar(100) NULL,
        lease_expires_at datetime2(3) NULL,
        visible_after datetime2(3) NOT NULL CONSTRAINT DF_MON_UpdateQueue_visible_after DEFAULT (SYSUTCDATETIME()),
        attempt_count int NOT NULL CONSTRAINT DF_MON_UpdateQueue_attempt_count DEFAULT (0),
        max_attempts int NOT NULL CONSTRAINT DF_MON_UpdateQueue_max_attempts DEFAULT (8),
        created_item_id bigint NULL,
        result_detail nvarchar(MAX) NULL,
        last_error_code varchar(100) NULL,
        last_error nvarchar(4000) NULL,
        created_at datetime2(3) NOT NULL CONSTRAINT DF_MON_UpdateQueue_created_at DEFAULT (SYSUTCDATETIME()),
        claimed_at datetime2(3) NULL,
        completed_at datetime2(3) NULL,
        CONSTRAINT PK_MON_UpdateQueue PRIMARY KEY CLUSTERED (queue_id),
        CONSTRAINT UQ_MON_UpdateQueue_idempotency_key UNIQUE (idempotency_key),
        CONSTRAINT UQ_MON_UpdateQueue_batch_row UNIQUE (batch_id, update_row_no),
        CONSTRAINT FK_MON_UpdateQueue_batch FOREIGN KEY (batch_id) REFERENCES dbo.MON_UpdateBatch (batch_id),
        CONSTRAINT CK_MON_UpdateQueue_update_operation CHECK (update_operation IN ('UPDATE', 'CREATE', 'ARCHIVE')),
        CONSTRAINT CK_MON_UpdateQueue_create_labels CHECK (create_labels_if_missing IN ('Y', 'N')),
        CONSTRAINT CK_MON_UpdateQueue_queue_status CHECK (
            queue_status IN ('READY', 'CLAIMED', 'SENT', 'SKIPPED', 'FAILED', 'DEAD', 'CANCELLED')
        ),
        CONSTRAINT CK_MON_UpdateQueue_lease CHECK (
            queue_status <> 'CLAIMED' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)
        )
    );
END;
GO
-- lock escalation stays at SQL Server's default (TABLE): release and cancel write a large batch's queue rows
-- in committed chunks of a few thousand rows (usp_ReleaseBatch, usp_CancelBatch), so no transaction holds
-- enough row locks to escalate, and none holds millions of them in lock memory (0.3.0 set DISABLE; upgrade step
-- db/upgrades/0.4.0/20_queue_lock_escalation.sql sets it back)
-- the claim: the open rows of a batch in the claim's order (ORDER BY queue_id), so that TOP (@max_rows)
-- reads the first rows of the range and stops, with no sort; the columns the claim tests are included, and
-- lease_owner, which the cancel reads of every open row (one index read, its locks on index keys only)
-- (upgrade steps db/upgrades/0.3.0/10_queue_claim_index_order.sql and 0.4.0/21 change earlier definitions)
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_UpdateQueue_claim' AND object_id = OBJECT_ID(N'dbo.MON_UpdateQueue')
)
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id)
    INCLUDE (
        board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id,
        lease_owner
    )
    WHERE queue_status IN ('READY', 'CLAIMED');
END;
GO
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_UpdateQueue_batch_status' AND object_id = OBJECT_ID(N'dbo.MON_UpdateQueue')
)
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_batch_status ON dbo.MON_UpdateQueue (batch_id, queue_status);
END;
GO
-- overlapping batches: the open rows of an item (the claim keeps release order, validation names them)
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N'IX_MON_UpdateQueue_open_item' AND object_id = OBJECT_ID(N'dbo.MON_UpdateQueue')
)
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_open_item ON dbo.MON_UpdateQueue (monday_item_id, batch_id)
    INCLUDE (queue_status)
    WHERE queue_status IN ('READY', 'CLAIMED');
END;
GO
