-- usp_PurgeRunLog: run-log retention (Ola Hallengren's "CommandLog Cleanup"). Deletes dbo.MON_RunLog rows
-- that started more than p_retention_days days ago, in chunks of 4,000 rows, each chunk committed on its
-- own (short transactions, no long lock on the run log). Dry run by default: with p_execute = 'N' it only
-- reports how many rows would be deleted. Rows of every outcome are deleted; the call's own run-log row
-- never is. Dry-run previews have the same retention: the dbo.MON_UpdatePreview rows of batches that ended
-- (COMPLETED, PARTIAL, FAILED, CANCELLED) more than p_retention_days days ago are deleted too, in chunks of
-- 4,000 rows (previews of open batches are kept, whatever their age). So have the staged rows of those
-- batches in the owner's staging tables (STG_MON_CustMasterSchedule and _Subitems: each keeps a copy of its
-- batch's query) and their validation hashes (dbo.MON_ValidatedRow): what was sent stays in the queue and the
-- audit. Twin of db/procedures/usp_PurgeRunLog.sql. Call it outside an explicit transaction (it commits).
CREATE OR REPLACE PROCEDURE dbo.usp_PurgeRunLog(
    p_retention_days int DEFAULT 30,
    p_execute char(1) DEFAULT 'N',
    p_help char(1) DEFAULT 'N',
    INOUT p_purge_count bigint DEFAULT NULL,
    INOUT p_preview_purge_count bigint DEFAULT NULL,
    INOUT p_staged_purge_count bigint DEFAULT NULL
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_execute char(1) := upper(p_execute);
    v_errors text;
    v_first text;
    v_run_id bigint;
    v_cutoff timestamp(3);
    v_chunk_size int := 4000;  -- the T-SQL twin stays below SQL Server's lock escalation threshold
    v_chunk bigint;
    v_deleted bigint := 0;
    v_matching bigint;
    v_oldest timestamp(3);
    v_preview_matching bigint;
    v_preview_deleted bigint := 0;
    v_staged_matching bigint;
    v_staged_deleted bigint := 0;
    v_hash_deleted bigint := 0;
    v_phase int;
    v_state text;
    v_msg text;
    v_summary text;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_PurgeRunLog: deletes dbo.MON_RunLog rows older than the retention, in chunks of 4,000 rows,
and the dbo.MON_UpdatePreview rows (dry-run previews) of batches that ended before the retention.
Dry run by default: with p_execute => 'N' nothing is deleted; the rows that would be are counted and reported.

Parameters:
  p_retention_days int      30      keep the run-log rows that started in the last p_retention_days days
                                    (1 to 36500); older rows are deleted
  p_execute        char(1)  'N'     'Y' deletes; 'N' only reports what would be deleted
  p_help           char(1)  'N'     'Y' prints this text and does nothing else
  p_purge_count    bigint   INOUT   run-log rows deleted ('Y'), or rows that would be deleted ('N')
  p_preview_purge_count bigint INOUT preview rows deleted ('Y'), or rows that would be deleted ('N'):
                                    the previews of batches COMPLETED, PARTIAL, FAILED or CANCELLED
                                    before the cutoff
  p_staged_purge_count bigint INOUT staged rows of those batches deleted from the staging tables ('Y'),
                                    or rows that would be deleted ('N'); their validation hashes go too

A summary is printed (RAISE NOTICE). Every call writes its own dbo.MON_RunLog row, dry runs included.

Examples:
  -- what would a 30-day retention delete?
  CALL dbo.usp_PurgeRunLog(p_retention_days => 30);
  -- delete it (schedule this with cron or a systemd timer: see docs/runbook.md)
  CALL dbo.usp_PurgeRunLog(p_retention_days => 30, p_execute => 'Y');
$help$;
        RETURN;
    END IF;

    -- a caller's open transaction is refused before anything changes; the chunks run READ COMMITTED
    CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_PurgeRunLog');

    IF p_retention_days IS NULL OR p_retention_days < 1 OR p_retention_days > 36500 THEN
        v_first := coalesce(v_first, '50900');
        v_errors := concat_ws(' ', v_errors, format(
            'p_retention_days = %s is not supported: pass the number of days of run-log history to keep, '
            '1 to 36500 (e.g. p_retention_days => 30).', coalesce(p_retention_days::text, 'NULL')));
    END IF;
    IF v_execute IS NULL OR v_execute NOT IN ('Y', 'N') THEN
        v_first := coalesce(v_first, '50901');
        v_errors := concat_ws(' ', v_errors, format(
            'p_execute = %s is not supported: pass ''N'' to see what would be deleted, or ''Y'' to delete it.',
            coalesce(quote_literal(p_execute), 'NULL')));
    END IF;
    IF v_first IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first,
            MESSAGE = format('usp_PurgeRunLog: %s Nothing was deleted.', v_errors);
    END IF;

    v_cutoff := (clock_timestamp() AT TIME ZONE 'UTC') - make_interval(days => p_retention_days);
    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_PurgeRunLog',
        p_parameters_used => format('CALL dbo.usp_PurgeRunLog(p_retention_days => %s, p_execute => %L);',
            p_retention_days, v_execute),
        p_run_id => v_run_id
    );
    COMMIT;

    BEGIN
        SELECT count(*), min(rl.start_time)
        INTO v_matching, v_oldest
        FROM dbo.MON_RunLog AS rl
        WHERE rl.start_time < v_cutoff AND rl.run_id <> v_run_id;

        SELECT count(*)
        INTO v_preview_matching
        FROM dbo.MON_UpdateBatch AS b
        INNER JOIN dbo.MON_UpdatePreview AS p ON p.batch_id = b.batch_id
        WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
            AND coalesce(b.completed_at, b.cancelled_at) < v_cutoff;
        SELECT
            (SELECT count(*) FROM dbo.STG_MON_CustMasterSchedule AS s
             INNER JOIN dbo.MON_UpdateBatch AS b ON b.batch_id = s.update_batch_id
             WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                AND coalesce(b.completed_at, b.cancelled_at) < v_cutoff)
            + (SELECT count(*) FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
             INNER JOIN dbo.MON_UpdateBatch AS b ON b.batch_id = s.update_batch_id
             WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                AND coalesce(b.completed_at, b.cancelled_at) < v_cutoff)
        INTO v_staged_matching;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL AND v_execute = 'Y' THEN
        -- one short transaction per chunk; a COMMIT cannot sit inside a block with a handler, so the
        -- handler wraps each chunk and the loop commits between chunks. Phase 1: the run log; phase 2: the
        -- previews of ended batches; phases 3 and 4: their staged rows (items, subitems); phase 5: their hashes
        FOR v_phase IN 1 .. 5 LOOP
            LOOP
                BEGIN
                    IF v_phase = 1 THEN
                        DELETE FROM dbo.MON_RunLog
                        WHERE run_id IN (
                            SELECT rl.run_id
                            FROM dbo.MON_RunLog AS rl
                            WHERE rl.start_time < v_cutoff AND rl.run_id <> v_run_id
                            ORDER BY rl.start_time
                            LIMIT v_chunk_size
                        );
                    ELSIF v_phase = 2 THEN
                        DELETE FROM dbo.MON_UpdatePreview
                        WHERE preview_id IN (
                            SELECT p.preview_id
                            FROM dbo.MON_UpdateBatch AS b
                            INNER JOIN dbo.MON_UpdatePreview AS p ON p.batch_id = b.batch_id
                            WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                                AND coalesce(b.completed_at, b.cancelled_at) < v_cutoff
                            LIMIT v_chunk_size
                        );
                    ELSIF v_phase = 3 THEN
                        DELETE FROM dbo.STG_MON_CustMasterSchedule
                        WHERE ctid = ANY (ARRAY(
                            SELECT s.ctid
                            FROM dbo.MON_UpdateBatch AS b
                            INNER JOIN dbo.STG_MON_CustMasterSchedule AS s ON s.update_batch_id = b.batch_id
                            WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                                AND coalesce(b.completed_at, b.cancelled_at) < v_cutoff
                            LIMIT v_chunk_size
                        ));
                    ELSIF v_phase = 4 THEN
                        DELETE FROM dbo.STG_MON_CustMasterSchedule_Subitems
                        WHERE ctid = ANY (ARRAY(
                            SELECT s.ctid
                            FROM dbo.MON_UpdateBatch AS b
                            INNER JOIN dbo.STG_MON_CustMasterSchedule_Subitems AS s ON s.update_batch_id = b.batch_id
                            WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                                AND coalesce(b.completed_at, b.cancelled_at) < v_cutoff
                            LIMIT v_chunk_size
                        ));
                    ELSE
                        DELETE FROM dbo.MON_ValidatedRow
                        WHERE ctid = ANY (ARRAY(
                            SELECT vr.ctid
                            FROM dbo.MON_UpdateBatch AS b
                            INNER JOIN dbo.MON_ValidatedRow AS vr ON vr.batch_id = b.batch_id
                            WHERE b.batch_status IN ('COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')
                                AND coalesce(b.completed_at, b.cancelled_at) < v_cutoff
                            LIMIT v_chunk_size
                        ));
                    END IF;
                    GET DIAGNOSTICS v_chunk = ROW_COUNT;
                EXCEPTION WHEN OTHERS THEN
                    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
                END;
                EXIT WHEN v_state IS NOT NULL;
                IF v_phase = 1 THEN
                    v_deleted := v_deleted + v_chunk;
                ELSIF v_phase = 2 THEN
                    v_preview_deleted := v_preview_deleted + v_chunk;
                ELSIF v_phase IN (3, 4) THEN
                    v_staged_deleted := v_staged_deleted + v_chunk;
                ELSE
                    v_hash_deleted := v_hash_deleted + v_chunk;
                END IF;
                COMMIT;
                EXIT WHEN v_chunk < v_chunk_size;
                RAISE NOTICE 'usp_PurgeRunLog: % % rows deleted so far',
                    CASE v_phase WHEN 1 THEN v_deleted WHEN 2 THEN v_preview_deleted WHEN 5 THEN v_hash_deleted
                        ELSE v_staged_deleted END,
                    CASE v_phase WHEN 1 THEN 'run-log' WHEN 2 THEN 'preview' WHEN 5 THEN 'validation-hash'
                        ELSE 'staged' END;
            END LOOP;
            EXIT WHEN v_state IS NOT NULL;
        END LOOP;
    END IF;

    IF v_state IS NOT NULL THEN
        -- chunks deleted before the error stay deleted (each was committed on its own)
        CALL dbo.usp_Private_CloseRunLog(
            p_run_id => v_run_id,
            p_outcome => 'FAILED',
            p_rows_affected => least(v_deleted + v_preview_deleted + v_staged_deleted, 2147483647)::int,
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END,
            p_error_message => v_msg
        );
        COMMIT;
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;

    IF v_execute = 'Y' THEN
        p_purge_count := v_deleted;
        p_preview_purge_count := v_preview_deleted;
        p_staged_purge_count := v_staged_deleted;
        v_summary := format('%s run-log rows started before %s UTC were deleted; %s preview rows of batches ended '
            'before then were deleted; %s staged rows of those batches were deleted.', v_deleted, v_cutoff,
            v_preview_deleted, v_staged_deleted);
    ELSE
        p_purge_count := v_matching;
        p_preview_purge_count := v_preview_matching;
        p_staged_purge_count := v_staged_matching;
        v_summary := format('Dry run, nothing was deleted: %s run-log rows started before %s UTC would be deleted, '
            'and %s preview rows of batches ended before then, and %s staged rows of those batches. Run again with '
            'p_execute => ''Y'' to delete them.', v_matching, v_cutoff, v_preview_matching, v_staged_matching);
    END IF;
    CALL dbo.usp_Private_CloseRunLog(
        p_run_id => v_run_id,
        p_outcome => 'SUCCEEDED',
        p_rows_affected => least(v_deleted + v_preview_deleted + v_staged_deleted, 2147483647)::int
    );
    COMMIT;
    RAISE NOTICE '%', v_summary;
END;
$$;
