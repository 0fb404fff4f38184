-- usp_RecordPreImage: what the sender read on the board for one claimed queue row, written just before
-- it sends the row's mutation (called by the sender, never by a dry run): the pre-image (one
-- dbo.MON_PreImage row per cell) and the cells held back because they changed on the board since the dry
-- run the DBA read (one dbo.MON_HeldBackCell row per cell marked "held"). Both replace what an earlier
-- attempt of the same row wrote. Twin of db/procedures/usp_RecordPreImage.sql. Fenced like
-- usp_RecordSendResult: refused (50606) unless the row is CLAIMED by p_worker_id.
CREATE OR REPLACE PROCEDURE dbo.usp_Private_RecordPreImage_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_queue_id bigint DEFAULT NULL,
    p_worker_id varchar DEFAULT NULL,
    p_cells text DEFAULT NULL,
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
    v_cells json;
    v_batch_id varchar(50);
    v_q dbo.MON_UpdateQueue%ROWTYPE;
    v_now timestamp(3) := clock_timestamp() AT TIME ZONE 'UTC';
    v_rows int := 0;
    v_held int := 0;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_RecordPreImage: stores what the board held just before a claimed queue row is sent, and the
cells held back because they changed on the board since the dry run (called by the sender).
Refused unless the row is CLAIMED by p_worker_id (a lost lease changes nothing).

Parameters:
  p_queue_id   bigint        required  the claimed row
  p_worker_id  varchar(100)  required  the worker that holds the lease
  p_cells      text          required  JSON array [{"column_id", "current_value", "current_text", "new_value",
                                       "would_change", "held", "preview_value", "preview_text"}]
                                       (would_change and held 'Y'/'N'; held 'Y': not written); each
                                       value in a one-element array ([{"index":0}], [null]) or as JSON text
                                       in a string
  p_help       char(1)       'N'       'Y' prints this text and does nothing else

Examples:
  CALL dbo.usp_RecordPreImage(p_queue_id => 42, p_worker_id => 'sender-1',
       p_cells => '[{"column_id": "status", "current_value": [{"index":0}], "current_text": "Working on it",
                     "new_value": [{"label":"Done"}], "would_change": "Y", "held": "N"}]');
  SELECT * FROM dbo.vw_MON_HeldBackCells WHERE batch_id = 'UB20260101-0001';
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
    BEGIN
        v_cells := p_cells::json;
    EXCEPTION WHEN OTHERS THEN
        v_cells := NULL;
    END;
    IF v_cells IS NULL OR json_typeof(v_cells) <> 'array'
        OR EXISTS (
            SELECT 1 FROM json_array_elements(v_cells) AS e
            WHERE json_typeof(e) <> 'object' OR nullif(trim(e ->> 'column_id'), '') IS NULL
                OR upper(coalesce(e ->> 'would_change', 'N')) NOT IN ('Y', 'N')
                OR upper(coalesce(e ->> 'held', 'N')) NOT IN ('Y', 'N')
        )
        OR EXISTS (
            SELECT 1 FROM json_array_elements(v_cells) AS e GROUP BY e ->> 'column_id' HAVING count(*) > 1
        ) THEN
        v_first := coalesce(v_first, '50608');
        v_errors := concat_ws(' ', v_errors, 'p_cells is not a JSON array of objects with a distinct, non-empty "column_id" (would_change and held ''Y''/''N''): pass e.g. [{"column_id": "status", "current_value": null, "current_text": "", "new_value": "{\"index\":1}", "would_change": "Y", "held": "N"}].');
    END IF;
    IF v_errors IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
    END IF;

    SELECT q.batch_id INTO v_batch_id FROM dbo.MON_UpdateQueue AS q WHERE q.queue_id = p_queue_id;
    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_RecordPreImage',
        p_batch_id => v_batch_id,
        p_parameters_used => format('CALL dbo.usp_RecordPreImage(p_queue_id => %s, p_worker_id => %L, p_cells => %L);',
            p_queue_id, p_worker_id, p_cells),
        p_run_id => v_run_id
    );

    BEGIN
        SELECT * INTO v_q FROM dbo.MON_UpdateQueue AS q WHERE q.queue_id = p_queue_id FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = '50605', MESSAGE = format(
                'queue row %s does not exist: pass a queue_id returned by usp_ClaimQueueRows.', p_queue_id);
        END IF;
        -- the fence of usp_RecordSendResult: the lease owner's CLAIMED row
        IF v_q.queue_status <> 'CLAIMED' OR v_q.lease_owner IS DISTINCT FROM p_worker_id THEN
            RAISE EXCEPTION USING ERRCODE = '50606', MESSAGE = format(
                'queue row %s is %s%s, not claimed by %L: the pre-image was not recorded and nothing changed. The lease was lost; do not send this row, its current owner will re-read the board and send it.',
                p_queue_id, v_q.queue_status,
                CASE WHEN v_q.queue_status = 'CLAIMED'
                    THEN format(' by %L until %s', v_q.lease_owner, v_q.lease_expires_at) ELSE '' END,
                p_worker_id);
        END IF;

        DELETE FROM dbo.MON_PreImage AS p WHERE p.queue_id = p_queue_id;
        DELETE FROM dbo.MON_HeldBackCell AS h WHERE h.queue_id = p_queue_id;

        INSERT INTO dbo.MON_PreImage (
            batch_id, queue_id, worker_id, monday_item_id, column_id, current_value, current_text, new_value,
            would_change, recorded_at
        )
        SELECT v_q.batch_id, p_queue_id, p_worker_id, coalesce(v_q.monday_item_id, v_q.created_item_id),
            e ->> 'column_id',
            dbo.fn_MON_Private_CellValueText(e -> 'current_value', e ->> 'current_value'),
            e ->> 'current_text',
            dbo.fn_MON_Private_CellValueText(e -> 'new_value', e ->> 'new_value'),
            CASE WHEN upper(e ->> 'would_change') = 'Y' THEN 'Y' ELSE 'N' END, v_now
        FROM json_array_elements(v_cells) AS e;
        GET DIAGNOSTICS v_rows = ROW_COUNT;

        INSERT INTO dbo.MON_HeldBackCell (
            batch_id, queue_id, worker_id, monday_item_id, column_id, preview_value, preview_text, board_value,
            board_text, new_value, held_at
        )
        SELECT v_q.batch_id, p_queue_id, p_worker_id, coalesce(v_q.monday_item_id, v_q.created_item_id),
            e ->> 'column_id',
            dbo.fn_MON_Private_CellValueText(e -> 'preview_value', e ->> 'preview_value'),
            e ->> 'preview_text',
            dbo.fn_MON_Private_CellValueText(e -> 'current_value', e ->> 'current_value'),
            e ->> 'current_text',
            dbo.fn_MON_Private_CellValueText(e -> 'new_value', e ->> 'new_value'),
            v_now
        FROM json_array_elements(v_cells) AS e
        WHERE upper(e ->> 'held') = 'Y';
        GET DIAGNOSTICS v_held = ROW_COUNT;
        v_rows := v_rows + v_held;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => v_rows);
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_RecordPreImage, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_RecordPreImage: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_RecordPreImage(
    p_queue_id bigint DEFAULT NULL,
    p_worker_id varchar DEFAULT NULL,
    p_cells text DEFAULT NULL,
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
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_RecordPreImage');
    END IF;
    CALL dbo.usp_Private_RecordPreImage_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_queue_id => p_queue_id,
        p_worker_id => p_worker_id,
        p_cells => p_cells,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
