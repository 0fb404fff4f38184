-- usp_RecordCreatedItem: stores the id of the item a CREATE queue row has just created, before the rest of
-- the result is recorded, so that a sender that crashes now cannot create the item twice (the next
-- claim returns created_item_id and the sender only finishes the row). Twin of
-- db/procedures/usp_RecordCreatedItem.sql. Fenced like usp_RecordSendResult: refused (50606) unless
-- the row is CLAIMED by p_worker_id. Recording the same id again is accepted; another id is refused.
CREATE OR REPLACE PROCEDURE dbo.usp_Private_RecordCreatedItem_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    p_queue_id bigint DEFAULT NULL,
    p_worker_id varchar DEFAULT NULL,
    p_created_item_id bigint DEFAULT NULL,
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
    v_batch_id varchar(50);
    v_q dbo.MON_UpdateQueue%ROWTYPE;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_RecordCreatedItem: stores the id of the item just created for a claimed CREATE queue row
(called by the sender right after create_item / create_subitem answered, before usp_RecordSendResult).

Parameters:
  p_queue_id        bigint        required  the claimed CREATE row
  p_worker_id       varchar(100)  required  the worker that holds the lease
  p_created_item_id bigint        required  the item id monday returned
  p_help            char(1)       'N'       'Y' prints this text and does nothing else

Example:
  CALL dbo.usp_RecordCreatedItem(p_queue_id => 42, p_worker_id => 'sender-1', p_created_item_id => 1234567890);
$help$;
        RETURN;
    END IF;

    IF p_queue_id IS NULL THEN
        v_first := coalesce(v_first, '50605');
        v_errors := concat_ws(' ', v_errors, 'p_queue_id is required: pass the queue_id of the claimed CREATE row.');
    END IF;
    IF nullif(trim(p_worker_id), '') IS NULL THEN
        v_first := coalesce(v_first, '50601');
        v_errors := concat_ws(' ', v_errors, 'p_worker_id is required: pass the worker id that claimed the row.');
    END IF;
    IF p_created_item_id IS NULL OR p_created_item_id <= 0 THEN
        v_first := coalesce(v_first, '50609');
        v_errors := concat_ws(' ', v_errors, 'p_created_item_id is required: pass the id of the item monday created (a positive number).');
    END IF;
    IF v_errors IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
    END IF;

    SELECT q.batch_id INTO v_batch_id FROM dbo.MON_UpdateQueue AS q WHERE q.queue_id = p_queue_id;
    CALL dbo.usp_Private_OpenRunLog(
        p_proc_name => 'usp_RecordCreatedItem',
        p_batch_id => v_batch_id,
        p_parameters_used => format('CALL dbo.usp_RecordCreatedItem(p_queue_id => %s, p_worker_id => %L, p_created_item_id => %s);',
            p_queue_id, p_worker_id, p_created_item_id),
        p_run_id => v_run_id
    );

    BEGIN
        SELECT * INTO v_q FROM dbo.MON_UpdateQueue AS q WHERE q.queue_id = p_queue_id FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = '50605', MESSAGE = format(
                'queue row %s does not exist: pass a queue_id returned by usp_ClaimQueueRows.', p_queue_id);
        END IF;
        -- the fence: the lease owner's row, CLAIMED, or CANCELLED after its lease expired (the item was created)
        IF v_q.queue_status NOT IN ('CLAIMED', 'CANCELLED') OR v_q.lease_owner IS DISTINCT FROM p_worker_id THEN
            RAISE EXCEPTION USING ERRCODE = '50606', MESSAGE = format(
                'queue row %s is %s%s, not claimed by %L: the created item id was not recorded and nothing changed. The lease was lost; record item %s by hand in MON_UpdateQueue.created_item_id if it exists on the board, so it is not created twice.',
                p_queue_id, v_q.queue_status,
                CASE WHEN v_q.queue_status = 'CLAIMED'
                    THEN format(' by %L until %s', v_q.lease_owner, v_q.lease_expires_at) ELSE '' END,
                p_worker_id, p_created_item_id);
        END IF;
        IF v_q.update_operation <> 'CREATE' THEN
            RAISE EXCEPTION USING ERRCODE = '50609', MESSAGE = format(
                'queue row %s is an %s row, not a CREATE: only a CREATE row records a created item id.',
                p_queue_id, v_q.update_operation);
        END IF;
        IF v_q.created_item_id IS NOT NULL AND v_q.created_item_id <> p_created_item_id THEN
            RAISE EXCEPTION USING ERRCODE = '50610', MESSAGE = format(
                'queue row %s already recorded created item %s, and p_created_item_id is %s: one CREATE row makes one item. Check both items on the board; archive the duplicate by hand.',
                p_queue_id, v_q.created_item_id, p_created_item_id);
        END IF;
        UPDATE dbo.MON_UpdateQueue AS q SET created_item_id = p_created_item_id WHERE q.queue_id = p_queue_id;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_rows_affected => 1);
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => v_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        -- handed to the shell dbo.usp_RecordCreatedItem, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_RecordCreatedItem: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner, commits (which a SECURITY DEFINER procedure cannot) and raises what the
-- work handed back, so a failed call keeps its run-log row (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_RecordCreatedItem(
    p_queue_id bigint DEFAULT NULL,
    p_worker_id varchar DEFAULT NULL,
    p_created_item_id bigint DEFAULT NULL,
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
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_RecordCreatedItem');
    END IF;
    CALL dbo.usp_Private_RecordCreatedItem_Work(
        p_shell_error_state => v_state,
        p_shell_error_message => v_msg,
        p_queue_id => p_queue_id,
        p_worker_id => p_worker_id,
        p_created_item_id => p_created_item_id,
        p_help => p_help
    );
    COMMIT;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
