-- vw_MON_BatchSummary: one row per batch: what it is, where it stands, the queue counted by status, the
-- cells audited, timings and who staged, released and cancelled it. Twin of db/views/vw_MON_BatchSummary.sql.
--   SELECT * FROM dbo.vw_MON_BatchSummary ORDER BY created_at DESC;
CREATE OR REPLACE VIEW dbo.vw_MON_BatchSummary AS
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
    coalesce(q.rows_ready, 0) AS rows_ready,
    coalesce(q.rows_claimed, 0) AS rows_claimed,
    coalesce(q.rows_sent, 0) AS rows_sent,
    coalesce(q.rows_skipped, 0) AS rows_skipped,
    coalesce(q.rows_failed, 0) AS rows_failed,
    coalesce(q.rows_dead, 0) AS rows_dead,
    coalesce(q.rows_cancelled, 0) AS rows_cancelled,
    coalesce(q.rows_retrying, 0) AS rows_retrying,
    coalesce(a.cells_audited, 0) AS cells_audited,
    coalesce(a.cells_rolled_back, 0) AS cells_rolled_back,
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
    CAST(extract(EPOCH FROM (
        coalesce(b.completed_at, CASE WHEN b.batch_status = 'SENDING' THEN clock_timestamp() AT TIME ZONE 'UTC' END)
        - b.send_started_at
    )) AS int) AS send_seconds
FROM dbo.MON_UpdateBatch AS b
LEFT JOIN dbo.MON_Board AS bd ON bd.board_id = b.board_id
LEFT JOIN (
    SELECT
        q.batch_id,
        count(*) FILTER (WHERE q.queue_status = 'READY') AS rows_ready,
        count(*) FILTER (WHERE q.queue_status = 'CLAIMED') AS rows_claimed,
        count(*) FILTER (WHERE q.queue_status = 'SENT') AS rows_sent,
        count(*) FILTER (WHERE q.queue_status = 'SKIPPED') AS rows_skipped,
        count(*) FILTER (WHERE q.queue_status = 'FAILED') AS rows_failed,
        count(*) FILTER (WHERE q.queue_status = 'DEAD') AS rows_dead,
        count(*) FILTER (WHERE q.queue_status = 'CANCELLED') AS rows_cancelled,
        count(*) FILTER (WHERE q.queue_status = 'READY' AND q.attempt_count > 0) AS rows_retrying,
        max(q.completed_at) AS last_result_at
    FROM dbo.MON_UpdateQueue AS q
    GROUP BY q.batch_id
) AS q ON q.batch_id = b.batch_id
LEFT JOIN (
    SELECT
        a.batch_id,
        count(*) AS cells_audited,
        count(a.rollback_timestamp) AS cells_rolled_back
    FROM dbo.MON_UpdateAudit AS a
    GROUP BY a.batch_id
) AS a ON a.batch_id = b.batch_id;
