-- vw_MON_StuckOrFailedRows: queue rows that need a look, with what to do:
--   FAILED         monday refused the row (not retryable)
--   DEAD           retryable errors (or expired leases) until max_attempts
--   LEASE_EXPIRED  CLAIMED, but the lease ran out: the sender died or hangs (the next claim takes it over)
--   WAITING        READY and visible for more than 15 minutes: no sender is running for its board
-- Rows of cancelled batches are left out. Twin of db/postgres/views/vw_MON_StuckOrFailedRows.sql.
--   SELECT * FROM dbo.vw_MON_StuckOrFailedRows ORDER BY batch_id, queue_id;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_StuckOrFailedRows;
GO
CREATE VIEW dbo.vw_MON_StuckOrFailedRows
AS
WITH s AS (
    SELECT
        qs.queue_id,
        CAST(SYSUTCDATETIME() AS datetime2(3)) AS now_utc,
        CASE
            WHEN qs.queue_status = 'FAILED' THEN 'FAILED'
            WHEN qs.queue_status = 'DEAD' THEN 'DEAD'
            WHEN qs.queue_status = 'CLAIMED' AND qs.lease_expires_at <= SYSUTCDATETIME() THEN 'LEASE_EXPIRED'
            WHEN qs.queue_status = 'READY' AND qs.visible_after <= DATEADD(MINUTE, -15, SYSUTCDATETIME()) THEN 'WAITING'
        END AS problem
    FROM dbo.MON_UpdateQueue AS qs
    WHERE qs.queue_status IN ('FAILED', 'DEAD', 'CLAIMED', 'READY')
)

SELECT
    s.problem,
    q.queue_id,
    q.batch_id,
    b.batch_status,
    q.board_id,
    q.update_operation,
    q.monday_item_id,
    q.item_name,
    q.queue_status,
    q.attempt_count,
    q.max_attempts,
    q.lease_owner,
    q.lease_expires_at,
    q.visible_after,
    DATEDIFF(SECOND, COALESCE(q.completed_at, q.lease_expires_at, q.visible_after), s.now_utc) AS seconds_since,
    q.last_error_code,
    q.last_error,
    q.created_at,
    q.claimed_at,
    q.completed_at,
    CASE s.problem
        WHEN 'FAILED' THEN 'monday refused the row: read last_error, fix the data, then stage the item again'
        WHEN 'DEAD' THEN 'retries ran out: check monday (status page, limits), then stage the item again'
        WHEN 'LEASE_EXPIRED'
            THEN 'the sender holding it died or hangs: start a sender; it re-reads the board and sends again'
        ELSE 'no sender is taking it: start one, e.g. opus-sender send --execute'
    END AS suggested_action
FROM dbo.MON_UpdateQueue AS q
INNER JOIN dbo.MON_UpdateBatch AS b ON q.batch_id = b.batch_id
INNER JOIN s ON q.queue_id = s.queue_id
WHERE s.problem IS NOT NULL
    AND b.batch_status <> 'CANCELLED';
GO
