-- usp_RecordSendResult: records the outcome of sending one claimed queue row. Twin of
-- db/procedures/usp_RecordSendResult.sql.
-- Fenced: refused (50606) unless the row is CLAIMED by p_worker_id, so a sender whose lease was lost
-- (expired and claimed by another, released, cancelled) can change nothing.
--   SENT     closes the row; one MON_UpdateAudit row per cell in p_cells (and one 'name' row for a
--            created item); for a ROLLBACK batch the original batch's audit rows of the restored cells
--            get rollback_timestamp / rollback_reason / rollback_batch_id
--   SKIPPED  closes the row (nothing needed changing); no audit
--   FAILED   closes the row with monday's error (not retryable); the batch goes on
--   RETRY    back to READY with visible_after = now + greatest(p_retry_after_seconds, backoff), the
--            backoff being 5 s * 2^(attempt_count - 1) capped at 900 s; DEAD after max_attempts
-- When no open row is left the batch becomes COMPLETED, PARTIAL or FAILED (usp_Private_FinishBatchIfDone).
-- Lock order (both engines): batch row, then queue row.
CREATE OR REPLACE PROCEDURE dbo.usp_Private_RecordSendResult_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_queue_id bigint DEFAULT NULL,
    p_worker_id varchar DEFAULT NULL,
    p_outcome varchar DEFAULT NULL,
    p_cells text DEFAULT NULL,
    p_created_item_id bigint DEFAULT NULL,
    p_error_code varchar DEFAULT NULL,
    p_error_message varchar DEFAULT NULL,
    p_retry_after_seconds int DEFAULT NULL,
    p_result_detail text DEFAULT NULL,
    p_help char(1) DEFAULT 'N'
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    v_now timestamp(3);
    v_errors text;
    v_first varchar(5);
    v_run_id bigint;
    v_state text;
    v_msg text;
    v_batch_id varchar(50);
    v_b dbo.MON_UpdateBatch%ROWTYPE;
    v_q dbo.MON_UpdateQueue%ROWTYPE;
    v_outcome varchar(20) := upper(trim(p_outcome));
    v_cells json;
    v_item bigint;
    v_backoff int;
    v_rows int := 0;
    v_status varchar(20);
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_RecordSendResult: records what happened to one claimed queue row (called by the sender).
Refused unless the row is CLAIMED by p_worker_id (a lost lease changes nothing).

Parameters:
  p_queue_id            bigint         required  the claimed row
  p_worker_id           varchar(100)   required  the worker that holds the lease
  p_outcome             varchar(20)    required  'SENT' | 'SKIPPED' | 'FAILED' | 'RETRY'
  p_cells               text           NULL      JSON array [{"column_id","old_value","new_value"}] of the cells changed (SENT);
                                                each value in a one-element array ([{"index":0}], [null]) or as JSON text in a string
  p_created_item_id     bigint         NULL      the id of the item a CREATE row created
  p_error_code          varchar(100)   NULL      monday's error code (FAILED, RETRY)
  p_error_message       varchar(4000)  NULL      monday's error message (FAILED, RETRY)
  p_retry_after_seconds int            NULL      the wait monday asked for (RETRY); the SQL backoff applies when longer
  p_result_detail       text           NULL      anything worth keeping (request id, skipped cells, ...)
  p_help                char(1)        'N'       'Y' prints this text and does nothing else

Examples:
  CALL dbo.usp_RecordSendResult(p_queue_id => 42, p_worker_id => 'sender-1', p_outcome => 'SENT',
       p_cells => '[{"column_id": "status", "old_value": [{"index":0}], "new_value": [{"index":1}]}]');
  CALL dbo.usp_RecordSendResult(p_queue_id => 43, p_worker_id => 'sender-1', p_outcome => 'RETRY',
       p_error_code => 'COMPLEXITY_BUDGET_EXHAUSTED', p_error_message => 'Complexity budget exhausted', p_retry_after_seconds => 30);
$help$;
        RETURN;
    END IF;

    IF p_queue_id IS NULL THEN
        v_first := coalesce(v_first, '50605');
        v_errors := concat_ws(' ', v_errors, 'p_queue_id is required: pass the queue_id of a row returned by usp_ClaimQueueRows.');
    END IF;
    IF nullif(trim(p_worker_id), '') IS NULL THEN
        v_first := coalesce(v_first, '50601');
        v_errors := concat_ws(' ', v_errors, 'p_worker_id is required: pass the worker id that claimed the row.');
    END IF;
    IF v_outcome IS NULL OR v_outcome NOT IN ('SENT', 'SKIPPED', 'FAILED', 'RETRY') THEN
        v_first := coalesce(v_first, '50607');
        v_errors := concat_ws(' ', v_errors, format('p_outcome = %s is not supported: pass ''SENT'', ''SKIPPED'', ''FAILED'' or ''RETRY''.', coalesce(quote_literal(p_outcome), 'NULL')));
    END IF;
    IF p_retry_after_seconds < 0 THEN
        v_first := coalesce(v_first, '50612');
        v_errors := concat_ws(' ', v_errors, format('p_retry_after_seconds = %s is negative: pass the seconds monday asked to wait, or NULL.', p_retry_after_seconds));
    END IF;
    IF p_cells IS NOT NULL THEN
        BEGIN
            v_cells := p_cells::json;
        EXCEPTION WHEN OTHERS THEN
            v_cells := NULL;
        END;
        IF v_cells IS NULL OR json_typeof(v_cells) <> 'array'
            OR EXISTS (
                SELECT 1 FROM json_array_elements(v_cells) AS e
                WHERE json_typeof(e) <> 'object' OR nullif(trim(e ->> 'column_id'), '') IS NULL
            )
            OR EXISTS (
                SELECT 1 FROM json_array_elements(v_cells) AS e
                GROUP BY e ->> 'column_id' HAVING count(*) > 1
            ) THEN
            v_first := coalesce(v_first, '50608');
            v_errors := concat_ws(' ', v_errors, 'p_cells is not a JSON array of objects with a distinct, non-empty "column_id" (and "old_value", "new_value"): pass e.g. [{"column_id": "status", "old_value": null, "new_value": "{\"index\":1}"}].');
        END IF;
    END IF;
    IF v_errors IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
    END IF;

    SELECT q.batch_id INTO v_batch_id FROM dbo.MON_UpdateQueue AS q WHERE q.queue_id = p_queue_id;

    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_RecordSendResult',
        p_batch_id => v_batch_id,
        p_parameters_used => format(
            'CALL dbo.usp_RecordSendResult(p_queue_id => %s, p_worker_id => %L, p_outcome => %L, p_cells => %L, p_created_item_id => %s, p_error_code => %L, p_error_message => %L, p_retry_after_seconds => %s);',
            p_queue_id, p_worker_id, v_outcome, p_cells, coalesce(p_created_item_id::text, 'NULL'),
            p_error_code, p_error_message, coalesce(p_retry_after_seconds::text, 'NULL')
        ),
        p_run_id => v_run_id
    );

    BEGIN
        v_now := clock_timestamp() AT TIME ZONE 'UTC';
        IF v_batch_id IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '50605', MESSAGE = format(
                'queue row %s does not exist: pass a queue_id returned by usp_ClaimQueueRows.', p_queue_id);
        END IF;

        SELECT * INTO v_b FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = v_batch_id FOR UPDATE;
        SELECT * INTO v_q FROM dbo.MON_UpdateQueue AS q WHERE q.queue_id = p_queue_id FOR UPDATE;

        -- the fence: the lease owner's row, CLAIMED; or CANCELLED after its lease expired, for a SENT result only
        -- (the mutation reached the board: its audit rows are kept, the row is SENT, the batch stays CANCELLED)
        IF (v_q.queue_status <> 'CLAIMED' AND NOT (v_q.queue_status = 'CANCELLED' AND v_outcome = 'SENT'))
            OR v_q.lease_owner IS DISTINCT FROM p_worker_id THEN
            RAISE EXCEPTION USING ERRCODE = '50606', MESSAGE = format(
                'queue row %s is %s%s, not claimed by %L: the result was not recorded and nothing changed. The lease was lost (expired and claimed again, released or cancelled); do not resend this row, its current owner will re-read the board and send it.',
                p_queue_id, v_q.queue_status,
                CASE WHEN v_q.queue_status = 'CLAIMED'
                    THEN format(' by %L until %s', v_q.lease_owner, v_q.lease_expires_at) ELSE '' END,
                p_worker_id);
        END IF;

        v_item := coalesce(v_q.monday_item_id, v_q.created_item_id, p_created_item_id);
        IF p_created_item_id IS NOT NULL AND v_q.created_item_id IS NOT NULL
            AND p_created_item_id <> v_q.created_item_id THEN
            RAISE EXCEPTION USING ERRCODE = '50610', MESSAGE = format(
                'queue row %s already recorded created item %s, and p_created_item_id is %s: one CREATE row makes one item. Check both items on the board; archive the duplicate by hand.',
                p_queue_id, v_q.created_item_id, p_created_item_id);
        END IF;
        IF v_outcome = 'SENT' AND v_q.update_operation = 'CREATE' AND v_item IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = '50609', MESSAGE = format(
                'queue row %s is a CREATE: a SENT result needs p_created_item_id (the id monday returned), or an earlier usp_RecordCreatedItem call.',
                p_queue_id);
        END IF;

        IF v_outcome = 'SENT' THEN
            INSERT INTO dbo.MON_UpdateAudit (
                batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value,
                update_timestamp, queue_id, worker_id
            )
            SELECT v_q.batch_id, v_b.update_operation, v_item, v_q.board_id, e ->> 'column_id',
                dbo.fn_MON_Private_CellValueText(e -> 'old_value', e ->> 'old_value'),
                dbo.fn_MON_Private_CellValueText(e -> 'new_value', e ->> 'new_value'),
                v_now, v_q.queue_id, p_worker_id
            FROM json_array_elements(coalesce(v_cells, '[]'::json)) AS e;
            GET DIAGNOSTICS v_rows = ROW_COUNT;

            -- a created item is audited by its name even when no other cell was written
            IF v_q.update_operation = 'CREATE' AND NOT EXISTS (
                SELECT 1 FROM json_array_elements(coalesce(v_cells, '[]'::json)) AS e WHERE e ->> 'column_id' = 'name'
            ) THEN
                INSERT INTO dbo.MON_UpdateAudit (
                    batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value,
                    update_timestamp, queue_id, worker_id
                )
                VALUES (v_q.batch_id, v_b.update_operation, v_item, v_q.board_id, 'name', NULL, v_q.item_name,
                    v_now, v_q.queue_id, p_worker_id);
                v_rows := v_rows + 1;
            END IF;

            -- an archived item of a rollback: audited once, without cells
            IF v_q.update_operation = 'ARCHIVE' AND v_rows = 0 THEN
                INSERT INTO dbo.MON_UpdateAudit (
                    batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value,
                    update_timestamp, queue_id, worker_id
                )
                VALUES (v_q.batch_id, v_b.update_operation, v_item, v_q.board_id, 'item_state', 'active',
                    'archived', v_now, v_q.queue_id, p_worker_id);
                v_rows := 1;
            END IF;

            IF v_b.update_operation = 'ROLLBACK' THEN
                UPDATE dbo.MON_UpdateAudit AS a
                SET rollback_timestamp = v_now,
                    rollback_reason = v_b.rollback_reason,
                    rollback_batch_id = v_b.batch_id
                WHERE a.batch_id = v_b.rollback_of_batch_id
                    AND a.monday_item_id = v_item
                    AND a.rollback_timestamp IS NULL
                    AND (
                        v_q.update_operation = 'ARCHIVE'
                        OR a.column_id IN (
                            SELECT e ->> 'column_id' FROM json_array_elements(coalesce(v_cells, '[]'::json)) AS e
                        )
                    );
            END IF;
        END IF;

        v_backoff := least(900, 5 * power(2, greatest(v_q.attempt_count - 1, 0))::int);

        UPDATE dbo.MON_UpdateQueue AS q
        SET queue_status = CASE
                WHEN v_outcome = 'RETRY' AND q.attempt_count >= q.max_attempts THEN 'DEAD'
                WHEN v_outcome = 'RETRY' THEN 'READY'
                ELSE v_outcome
            END,
            visible_after = CASE
                WHEN v_outcome = 'RETRY' AND q.attempt_count < q.max_attempts
                    THEN v_now + make_interval(secs => greatest(coalesce(p_retry_after_seconds, 0), v_backoff))
                ELSE q.visible_after
            END,
            completed_at = CASE
                WHEN v_outcome = 'RETRY' AND q.attempt_count < q.max_attempts THEN NULL ELSE v_now
            END,
            lease_owner = NULL,
            lease_expires_at = NULL,
            created_item_id = coalesce(q.created_item_id, p_created_item_id),
            result_detail = coalesce(p_result_detail, q.result_detail),
            last_error_code = CASE
                WHEN v_outcome IN ('FAILED', 'RETRY') THEN coalesce(p_error_code, 'UNKNOWN') ELSE q.last_error_code
            END,
            last_error = CASE
                WHEN v_outcome IN ('FAILED', 'RETRY') THEN left(concat_ws(' ',
                    coalesce(p_error_message, 'the sender gave no message'),
                    CASE WHEN v_outcome = 'RETRY' AND q.attempt_count >= q.max_attempts
                        THEN format('(attempt %s of %s: no attempt left, the row is DEAD)', q.attempt_count, q.max_attempts)
                    END), 4000)
                ELSE q.last_error
            END
        WHERE q.queue_id = p_queue_id;

        -- a claim that skipped the locked batch row leaves it READY: move it here
        UPDATE dbo.MON_UpdateBatch AS b
        SET batch_status = 'SENDING', send_started_at = coalesce(b.send_started_at, v_q.claimed_at, v_now)
        WHERE b.batch_id = v_batch_id AND b.batch_status = 'READY';

        CALL dbo.usp_Private_FinishBatchIfDone(p_batch_id => v_batch_id, p_batch_status => v_status);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => v_rows);
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_RecordSendResult, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_RecordSendResult: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_RecordSendResult(
    p_queue_id bigint DEFAULT NULL,
    p_worker_id varchar DEFAULT NULL,
    p_outcome varchar DEFAULT NULL,
    p_cells text DEFAULT NULL,
    p_created_item_id bigint DEFAULT NULL,
    p_error_code varchar DEFAULT NULL,
    p_error_message varchar DEFAULT NULL,
    p_retry_after_seconds int DEFAULT NULL,
    p_result_detail text DEFAULT NULL,
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
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_RecordSendResult');
    END IF;
    CALL dbo.usp_Private_RecordSendResult_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_queue_id => p_queue_id,
        p_worker_id => p_worker_id,
        p_outcome => p_outcome,
        p_cells => p_cells,
        p_created_item_id => p_created_item_id,
        p_error_code => p_error_code,
        p_error_message => p_error_message,
        p_retry_after_seconds => p_retry_after_seconds,
        p_result_detail => p_result_detail,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
