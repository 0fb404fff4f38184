-- vw_MON_BatchSummary: one row per batch: what it is, where it stands, the queue counted by status, the
-- cells audited, timings and who staged, released and cancelled it.
-- Twin of db/postgres/views/vw_MON_BatchSummary.sql.
--   SELECT * FROM dbo.vw_MON_BatchSummary ORDER BY created_at DESC;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_BatchSummary;
GO
CREATE VIEW dbo.vw_MON_BatchSummary
AS
WITH q AS (
    SELECT
        qq.batch_id,
        COUNT(CASE WHEN qq.queue_status = 'READY' THEN 1 END) AS rows_ready,
        COUNT(CASE WHEN qq.queue_status = 'CLAIMED' THEN 1 END) AS rows_claimed,
        COUNT(CASE WHEN qq.queue_status = 'SENT' THEN 1 END) AS rows_sent,
        COUNT(CASE WHEN qq.queue_status = 'SKIPPED' THEN 1 END) AS rows_skipped,
        COUNT(CASE WHEN qq.queue_status = 'FAILED' THEN 1 END) AS rows_failed,
        COUNT(CASE WHEN qq.queue_status = 'DEAD' THEN 1 END) AS rows_dead,
        COUNT(CASE WHEN qq.queue_status = 'CANCELLED' THEN 1 END) AS rows_cancelled,
        COUNT(CASE WHEN qq.queue_status = 'READY' AND qq.attempt_count > 0 THEN 1 END) AS rows_retrying,
        MAX(qq.completed_at) AS last_result_at
    FROM dbo.MON_UpdateQueue AS qq
    GROUP BY qq.batch_id
),

a AS (
    SELECT
        aa.batch_id,
        COUNT(*) AS cells_audited,
        COUNT(aa.rollback_timestamp) AS cells_rolled_back
    FROM dbo.MON_UpdateAudit AS aa
    GROUP BY aa.batch_id
)

SELECT
    b.batch_id,
    b.board_id,
    bd.board_name,
    b.target_level,
    b.update_operation,
    b.batch_status,
    b.rollback_of_batch_id,
    b.rollback_reason,
    b.rows_staged,
    b.rows_valid,
    b.rows_warning,
    b.rows_invalid,
    b.rows_queued,
    COALESCE(q.rows_ready, 0) AS rows_ready,
    COALESCE(q.rows_claimed, 0) AS rows_claimed,
    COALESCE(q.rows_sent, 0) AS rows_sent,
    COALESCE(q.rows_skipped, 0) AS rows_skipped,
    COALESCE(q.rows_failed, 0) AS rows_failed,
    COALESCE(q.rows_dead, 0) AS rows_dead,
    COALESCE(q.rows_cancelled, 0) AS rows_cancelled,
    COALESCE(q.rows_retrying, 0) AS rows_retrying,
    COALESCE(a.cells_audited, 0) AS cells_audited,
    COALESCE(a.cells_rolled_back, 0) AS cells_rolled_back,
    b.created_by,
    b.created_at,
    b.validated_at,
    b.released_by,
    b.released_at,
    b.send_approved,
    b.send_started_at,
    q.last_result_at,
    b.completed_at,
    b.cancelled_by,
    b.cancelled_at,
    DATEDIFF(
        SECOND,
        b.send_started_at,
        COALESCE(b.completed_at, CASE WHEN b.batch_status = 'SENDING' THEN SYSUTCDATETIME() END)
    ) AS send_seconds
FROM dbo.MON_UpdateBatch AS b
LEFT JOIN dbo.MON_Board AS bd ON b.board_id = bd.board_id
LEFT JOIN q ON b.batch_id = q.batch_id
LEFT JOIN a ON b.batch_id = a.batch_id;
GO
