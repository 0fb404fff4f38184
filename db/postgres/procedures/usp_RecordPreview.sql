-- usp_RecordPreview: a dry run's findings for one queue row: replaces that row's MON_UpdatePreview rows
-- with one row per cell (value on the board now -> value that would be sent, would it change).
-- Twin of db/procedures/usp_RecordPreview.sql. Does not claim, change or count anything else.
-- A cell without new_value takes the value from the queue row's column_values; without would_change,
-- it is 'Y' when current_value and new_value differ.
CREATE OR REPLACE PROCEDURE dbo.usp_Private_RecordPreview_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_batch_id varchar DEFAULT NULL,
    p_queue_id bigint DEFAULT NULL,
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
    v_q dbo.MON_UpdateQueue%ROWTYPE;
    v_rows int := 0;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_RecordPreview: stores what a dry run found for one queue row (replaces earlier preview rows).

Parameters:
  p_batch_id  varchar(50)  required  the batch of the queue row
  p_queue_id  bigint       required  the queue row previewed
  p_cells     text         required  JSON array [{"column_id", "current_value", "current_text", "new_value", "would_change"}]
                                     (would_change 'Y'/'N' or true/false; computed when left out); each
                                     value in a one-element array ([{"index":0}], [null]) or as JSON text in a string
  p_help      char(1)      'N'       'Y' prints this text and does nothing else

Examples:
  CALL dbo.usp_RecordPreview(p_batch_id => 'UB20260101-0001', p_queue_id => 42,
       p_cells => '[{"column_id": "status", "current_value": [{"index":0}], "current_text": "Working on it",
                     "new_value": [{"label":"In Progress"}], "would_change": "Y"}]');
  SELECT * FROM dbo.vw_MON_UpdatePreview WHERE batch_id = 'UB20260101-0001';
$help$;
        RETURN;
    END IF;

    IF nullif(trim(p_batch_id), '') IS NULL THEN
        v_first := coalesce(v_first, '50611');
        v_errors := concat_ws(' ', v_errors, 'p_batch_id is required: pass the batch of the queue row previewed.');
    END IF;
    IF p_queue_id IS NULL THEN
        v_first := coalesce(v_first, '50605');
        v_errors := concat_ws(' ', v_errors, 'p_queue_id is required: pass the queue row previewed.');
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
                OR upper(coalesce(e ->> 'would_change', 'Y')) NOT IN ('Y', 'N', 'TRUE', 'FALSE')
        )
        OR EXISTS (
            SELECT 1 FROM json_array_elements(v_cells) AS e GROUP BY e ->> 'column_id' HAVING count(*) > 1
        ) THEN
        v_first := coalesce(v_first, '50608');
        v_errors := concat_ws(' ', v_errors, 'p_cells is not a JSON array of objects with a distinct, non-empty "column_id" (would_change ''Y''/''N''): pass e.g. [{"column_id": "status", "current_value": null, "current_text": "", "new_value": "{\"index\":1}", "would_change": "Y"}].');
    END IF;
    IF v_errors IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
    END IF;

    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_RecordPreview',
        p_batch_id => p_batch_id,
        p_parameters_used => format('CALL dbo.usp_RecordPreview(p_batch_id => %L, p_queue_id => %s, p_cells => %L);',
            p_batch_id, p_queue_id, p_cells),
        p_run_id => v_run_id
    );

    BEGIN
        SELECT * INTO v_q FROM dbo.MON_UpdateQueue AS q WHERE q.queue_id = p_queue_id AND q.batch_id = p_batch_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = '50611', MESSAGE = format(
                'queue row %s of batch %L does not exist: pass a queue_id of that batch (SELECT queue_id FROM dbo.MON_UpdateQueue WHERE batch_id = ...).',
                p_queue_id, p_batch_id);
        END IF;

        -- by the index's key (batch_id, queue_id): the queue row was checked to be of this batch
        DELETE FROM dbo.MON_UpdatePreview AS p WHERE p.batch_id = p_batch_id AND p.queue_id = p_queue_id;

        INSERT INTO dbo.MON_UpdatePreview (
            batch_id, queue_id, monday_item_id, item_name, column_id, current_value, current_text, new_value,
            would_change, previewed_at
        )
        SELECT p_batch_id, p_queue_id, coalesce(v_q.monday_item_id, v_q.created_item_id), v_q.item_name,
            c.column_id, c.current_value, c.current_text, c.new_value,
            CASE
                WHEN upper(c.would_change) IN ('Y', 'TRUE') THEN 'Y'
                WHEN upper(c.would_change) IN ('N', 'FALSE') THEN 'N'
                WHEN c.current_value IS NOT DISTINCT FROM c.new_value THEN 'N'
                ELSE 'Y'
            END,
            clock_timestamp() AT TIME ZONE 'UTC'
        FROM (
            SELECT e ->> 'column_id' AS column_id,
                dbo.fn_MON_Private_CellValueText(e -> 'current_value', e ->> 'current_value') AS current_value,
                e ->> 'current_text' AS current_text,
                coalesce(
                    dbo.fn_MON_Private_CellValueText(e -> 'new_value', e ->> 'new_value'),
                    dbo.fn_MON_Private_TryJson(v_q.column_values) ->> (e ->> 'column_id')
                ) AS new_value,
                e ->> 'would_change' AS would_change
            FROM json_array_elements(v_cells) AS e
        ) AS c;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => v_rows);
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_RecordPreview, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_RecordPreview: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_RecordPreview(
    p_batch_id varchar DEFAULT NULL,
    p_queue_id bigint DEFAULT NULL,
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
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_RecordPreview');
    END IF;
    CALL dbo.usp_Private_RecordPreview_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_batch_id => p_batch_id,
        p_queue_id => p_queue_id,
        p_cells => p_cells,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
