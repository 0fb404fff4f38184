-- usp_StageRollback: builds a ROLLBACK batch that undoes what a sent batch changed, released (READY) but
-- previewed only (send_approved = 'N'): a plain send does not send it until it is approved
-- (usp_ApproveBatch, opus-sender rollback --execute). Twin of db/procedures/usp_StageRollback.sql.
--   * per item one UPDATE queue row setting every audited cell back to its old_value (the first audit
--     row of the cell), with expected_values = the audited new_value (the last audit row of the cell):
--     the sender re-reads the board and skips and reports cells that differ now (changed by someone
--     else since);
--   * every item the batch created becomes an ARCHIVE queue row.
-- Only audit rows not rolled back yet are used, so after a PARTIAL rollback a second call picks up
-- the rest. When the rollback rows are sent, usp_RecordSendResult stamps the original audit rows
-- (rollback_timestamp, rollback_reason, rollback_batch_id).
-- Refused: a batch still being sent (50707), a rollback batch (50708), one with a rollback in progress
-- (50706), nothing audited (50704), everything rolled back already (50705).
CREATE OR REPLACE PROCEDURE dbo.usp_Private_StageRollback_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_batch_id varchar DEFAULT NULL,
    p_reason varchar DEFAULT NULL,
    INOUT p_rollback_batch_id varchar DEFAULT NULL,
    p_send_approved char(1) DEFAULT 'N',
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    v_errors text;
    v_first varchar(5);
    v_run_id bigint;
    v_state text;
    v_msg text;
    v_b dbo.MON_UpdateBatch%ROWTYPE;
    v_open varchar(50);
    v_audited int;
    v_now timestamp(3);
    v_rb varchar(50);
    v_rows int := 0;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_StageRollback: stages a ROLLBACK batch that sets every cell a sent batch changed back to its
audited old value (cells changed by someone else since are skipped and reported by the sender) and
archives the items the batch created. The new batch is READY but previewed only: a dry run previews it,
and a plain send sends it once approved (CALL dbo.usp_ApproveBatch(p_batch_id => <the new batch>), or
opus-sender rollback --execute).

Parameters:
  p_batch_id           varchar(50)   required  the sent batch to undo (COMPLETED, PARTIAL or FAILED)
  p_reason             varchar(500)  required  why; stored on the batch and on the original audit rows
  p_rollback_batch_id  varchar(50)   OUTPUT    the id of the new ROLLBACK batch
  p_send_approved      char(1)       'N'       'N': previewed only until approved (usp_ApproveBatch);
                                               'Y': approved, a plain send sends it (rollback --execute)
  p_help               char(1)       'N'       'Y' prints this text and does nothing else

Examples:
  CALL dbo.usp_StageRollback(p_batch_id => 'UB20260101-0001', p_reason => 'wrong status values', p_rollback_batch_id => NULL);
  SELECT * FROM dbo.vw_MON_AuditTrail WHERE batch_id = 'UB20260101-0001';
$help$;
        RETURN;
    END IF;

    IF nullif(trim(p_batch_id), '') IS NULL THEN
        v_first := coalesce(v_first, '50701');
        v_errors := concat_ws(' ', v_errors, 'p_batch_id is required: pass the sent batch to roll back (see dbo.vw_MON_BatchSummary).');
    END IF;
    IF nullif(trim(p_reason), '') IS NULL THEN
        v_first := coalesce(v_first, '50702');
        v_errors := concat_ws(' ', v_errors, 'p_reason is required: say why the batch is rolled back; it is kept with the audit rows.');
    END IF;
    IF p_send_approved IS NULL OR upper(p_send_approved) NOT IN ('Y', 'N') THEN
        v_first := coalesce(v_first, '50709');
        v_errors := concat_ws(' ', v_errors, format(
            'p_send_approved = %s is not supported: pass ''N'' (previewed only until approved) or ''Y'' (approved for sending).',
            coalesce(quote_literal(p_send_approved), 'NULL')));
    END IF;
    IF v_errors IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
    END IF;

    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_StageRollback',
        p_batch_id => p_batch_id,
        p_parameters_used => format('CALL dbo.usp_StageRollback(p_batch_id => %L, p_reason => %L, p_rollback_batch_id => NULL, p_send_approved => %L);',
            p_batch_id, p_reason, upper(p_send_approved)),
        p_run_id => v_run_id
    );

    BEGIN
        v_now := clock_timestamp() AT TIME ZONE 'UTC';
        SELECT * INTO v_b FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = p_batch_id FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = '50703', MESSAGE = format(
                'batch %L does not exist: check the id in dbo.vw_MON_BatchSummary.', p_batch_id);
        END IF;
        IF v_b.update_operation = 'ROLLBACK' THEN
            RAISE EXCEPTION USING ERRCODE = '50708', MESSAGE = format(
                'batch %L is itself a rollback (of %s): it cannot be rolled back. Stage the values you want as a new UPDATE batch with dbo.usp_StageUpdates.',
                p_batch_id, v_b.rollback_of_batch_id);
        END IF;
        IF v_b.batch_status IN ('READY', 'SENDING') THEN
            RAISE EXCEPTION USING ERRCODE = '50707', MESSAGE = format(
                'batch %L is %s: it is still being sent. Wait until it is COMPLETED, PARTIAL or FAILED (dbo.vw_MON_BatchSummary), or cancel what is left with dbo.usp_CancelBatch, then roll back.',
                p_batch_id, v_b.batch_status);
        END IF;
        SELECT rb.batch_id INTO v_open
        FROM dbo.MON_UpdateBatch AS rb
        WHERE rb.rollback_of_batch_id = p_batch_id AND rb.batch_status IN ('STAGED', 'VALIDATED', 'READY', 'SENDING')
        ORDER BY rb.created_at DESC
        LIMIT 1;
        IF v_open IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = '50706', MESSAGE = format(
                'batch %L already has a rollback in progress (batch %s): let the sender finish it, or cancel it with dbo.usp_CancelBatch, before staging another.',
                p_batch_id, v_open);
        END IF;
        SELECT count(*) INTO v_audited FROM dbo.MON_UpdateAudit AS a WHERE a.batch_id = p_batch_id;
        IF v_audited = 0 THEN
            RAISE EXCEPTION USING ERRCODE = '50704', MESSAGE = format(
                'batch %L (%s) has no audited change: nothing of it reached the board, so there is nothing to roll back.',
                p_batch_id, v_b.batch_status);
        END IF;

        CREATE TEMP TABLE IF NOT EXISTS tmp_rollback_rows (
            row_kind varchar(10), monday_item_id bigint, board_id bigint, item_name varchar(255),
            column_values text, expected_values text
        ) ON COMMIT DROP;
        TRUNCATE tmp_rollback_rows;

        -- items the batch created: archived
        INSERT INTO tmp_rollback_rows (row_kind, monday_item_id, board_id, item_name)
        SELECT 'ARCHIVE', a.monday_item_id, min(a.monday_board_id),
            max(CASE WHEN a.column_id = 'name' THEN a.new_value END)
        FROM dbo.MON_UpdateAudit AS a
        WHERE a.batch_id = p_batch_id AND a.update_operation = 'CREATE'
            AND a.rollback_timestamp IS NULL AND a.monday_item_id IS NOT NULL
        GROUP BY a.monday_item_id;

        -- cells the batch changed on existing items: the first old value back, the last new value expected
        INSERT INTO tmp_rollback_rows (row_kind, monday_item_id, board_id, column_values, expected_values)
        SELECT 'UPDATE', c.monday_item_id, min(c.monday_board_id),
            '{' || string_agg(to_json(c.column_id)::text || ':' || coalesce(dbo.fn_MON_Private_TryJson(c.old_value)::text, to_json(c.old_value)::text, 'null'), ',' ORDER BY c.column_id) || '}',
            '{' || string_agg(to_json(c.column_id)::text || ':' || coalesce(dbo.fn_MON_Private_TryJson(c.new_value)::text, to_json(c.new_value)::text, 'null'), ',' ORDER BY c.column_id) || '}'
        FROM (
            SELECT a.monday_item_id, a.monday_board_id, a.column_id,
                first_value(a.old_value) OVER w AS old_value,
                last_value(a.new_value) OVER w AS new_value,
                row_number() OVER (PARTITION BY a.monday_item_id, a.column_id ORDER BY a.audit_id) AS rn
            FROM dbo.MON_UpdateAudit AS a
            WHERE a.batch_id = p_batch_id AND a.update_operation <> 'CREATE'
                AND a.rollback_timestamp IS NULL AND a.monday_item_id IS NOT NULL AND a.column_id IS NOT NULL
            WINDOW w AS (PARTITION BY a.monday_item_id, a.column_id ORDER BY a.audit_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
        ) AS c
        WHERE c.rn = 1 AND c.old_value IS DISTINCT FROM c.new_value
        GROUP BY c.monday_item_id;

        SELECT count(*) INTO v_rows FROM tmp_rollback_rows;
        IF v_rows = 0 THEN
            RAISE EXCEPTION USING ERRCODE = '50705', MESSAGE = format(
                'batch %L was already rolled back: every audited change has a rollback (see dbo.vw_MON_AuditTrail). Nothing was staged.',
                p_batch_id);
        END IF;

        v_rb := 'RB' || to_char(v_now, 'YYYYMMDDHH24MISS') || '-' || substr(md5(random()::text || clock_timestamp()::text), 1, 6);

        INSERT INTO dbo.MON_UpdateBatch (
            batch_id, board_id, target_level, update_operation, source_table, source_query,
            create_labels_if_missing, batch_status, rows_staged, rows_valid, rows_queued,
            rollback_of_batch_id, rollback_reason, created_by, created_at, validated_at, released_by, released_at,
            send_approved
        )
        VALUES (
            v_rb, v_b.board_id, v_b.target_level, 'ROLLBACK', NULL,
            format('CALL dbo.usp_StageRollback(p_batch_id => %L, p_reason => %L)', p_batch_id, p_reason),
            'N', 'READY', v_rows, v_rows, v_rows, p_batch_id, p_reason, session_user, v_now, v_now, session_user, v_now,
            upper(p_send_approved)
        );

        INSERT INTO dbo.MON_UpdateQueue (
            batch_id, update_row_no, board_id, update_operation, monday_item_id, item_name, column_values,
            expected_values, create_labels_if_missing, idempotency_key, queue_status, visible_after, created_at
        )
        SELECT v_rb, r.row_no, r.board_id, r.row_kind, r.monday_item_id, r.item_name, r.column_values,
            r.expected_values, 'N', v_rb || '-' || r.row_no, 'READY', v_now, v_now
        FROM (
            SELECT t.*, row_number() OVER (ORDER BY t.row_kind DESC, t.monday_item_id)::int AS row_no
            FROM tmp_rollback_rows AS t
        ) AS r;

        p_rollback_batch_id := v_rb;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => v_rows);
        RAISE NOTICE 'rollback batch % staged for batch %: % queue rows READY, previewed only until approved (usp_ApproveBatch).', p_rollback_batch_id, p_batch_id, v_rows;
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_StageRollback, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_StageRollback: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_StageRollback(
    p_batch_id varchar DEFAULT NULL,
    p_reason varchar DEFAULT NULL,
    INOUT p_rollback_batch_id varchar DEFAULT NULL,
    p_send_approved char(1) DEFAULT 'N',
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_state text;
    v_msg text;
BEGIN
    IF upper(coalesce(p_help, 'N')) <> 'Y' THEN
        -- a caller's open transaction is refused before anything changes; the work runs READ COMMITTED
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_StageRollback');
    END IF;
    CALL dbo.usp_Private_StageRollback_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_batch_id => p_batch_id,
        p_reason => p_reason,
        p_rollback_batch_id => p_rollback_batch_id,
        p_send_approved => p_send_approved,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
