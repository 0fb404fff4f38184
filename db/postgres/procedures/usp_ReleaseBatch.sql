-- usp_ReleaseBatch: batch creation. Turns the VALID (and, with p_include_warnings = 'Y', WARNING) staged
-- rows of a VALIDATED batch into MON_UpdateQueue rows holding the final monday column_values JSON
-- (dbo.fn_MON_FormatColumnValue per cell, columns mapped by dbo.fn_MON_Private_MapAlias; every cell of a
-- released row is queued, NO_OP ones too: whether a cell already holds its value is decided against the
-- live board at send time; an UPDATE row with no cell is not queued) and idempotency_key = <batch_id>-<update_row_no>.
-- The batch becomes READY with rows_queued set (COMPLETED at once when nothing is left to send). From
-- now on the queue rows carry everything needed to send and audit the batch: a loader that truncates and
-- reloads the staging tables cannot change or lose what was released.
-- How (the same steps as the twin):
--   1. one statement copies the batch's staged rows, content and hash, into a private temp table (one
--      snapshot); nothing reads the owner's table again: the cells come from the copy (step 2), so what is
--      queued is exactly what was hashed;
--   2. the copy is checked against what validation recorded: the row count and numbers (50407, 50411), the
--      statuses (50408), the hash of every row's content in dbo.MON_ValidatedRow (50412), then its cells are
--      taken from it (dbo.fn_MON_Private_StagedFields, dbo.fn_MON_Private_MapAlias) and formatted (50410);
--   3. the queue rows are written in committed chunks of p_chunk_rows while the batch stays VALIDATED: the
--      claim takes rows of READY and SENDING batches only, so no chunk is sendable before the last is in;
--   4. one short transaction checks that the queue holds exactly the rows of the copy and opens the batch
--      (READY). A release that fails or is cut off before that leaves a VALIDATED batch whose queue rows no
--      claim takes; running the release again deletes them first (in chunks), usp_CancelBatch cancels them.
-- Refused: a batch not found (50403), released already (50404), not validated (50405), cancelled
-- (50406), whose staged rows vanished (50407) or changed since validation (50408, 50412), with no valid row
-- (50409), or with a cell the formatter cannot write (50410), holding rows staging did not write (50411),
-- being released by another session (50413), validated again or cancelled while it was released (50414).
-- Twin of db/procedures/usp_ReleaseBatch.sql.
CREATE OR REPLACE PROCEDURE dbo.usp_Private_ReleaseBatch_Work(
    INOUT p_shell_error_state text,
    INOUT p_shell_error_message text,
    INOUT p_shell_phase text,
    INOUT p_shell_run_id bigint,
    p_batch_id varchar DEFAULT NULL,
    p_include_warnings varchar DEFAULT 'Y',
    p_chunk_rows int DEFAULT 4000,
    p_help char(1) DEFAULT 'N',
    p_send_approved varchar DEFAULT 'Y'
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = dbo, pg_temp
AS $$
DECLARE
    v_errors text;
    v_first varchar(5);
    v_state text;
    v_msg text;
    v_b dbo.MON_UpdateBatch%ROWTYPE;
    v_st record;
    v_now timestamp(3);
    v_staged int;
    v_pending int;
    v_eligible int;
    v_check record;
    v_bad record;
    v_rows int := 0;
    v_done int;
    v_inc varchar := upper(p_include_warnings);
    v_holder text;
    v_lock bigint := hashtextextended('opus_release_' || coalesce(p_batch_id, ''), 0);
    v_copy text;
BEGIN
    IF upper(coalesce(p_help, 'N')) = 'Y' THEN
        RAISE NOTICE '%', $help$
dbo.usp_ReleaseBatch: releases a validated batch: its VALID (and WARNING) rows become send-queue rows with
the exact monday column_values JSON; the batch becomes READY for the sender. Read what will be sent in
dbo.vw_MON_SendQueue (column_values) before running the sender.

Parameters:
  p_batch_id          varchar(50)  required  the VALIDATED batch (see dbo.vw_MON_BatchSummary)
  p_include_warnings  char(1)      'Y'       'Y': WARNING rows are sent too; 'N': only VALID rows
  p_chunk_rows        int          4000      queue rows written per committed chunk (1..4000, below lock escalation)
  p_send_approved     char(1)      'Y'       'N': released to be previewed only; no claim takes its rows until
                                            dbo.usp_ApproveBatch approves it (set in the same transaction as READY)
  p_help              char(1)      'N'       'Y' prints this text and does nothing else

Examples:
  CALL dbo.usp_ReleaseBatch(p_batch_id => 'UB20260101120000-a1b2c3');
  CALL dbo.usp_ReleaseBatch(p_batch_id => 'UB20260101120000-a1b2c3', p_include_warnings => 'N');
  SELECT queue_id, monday_item_id, column_values, idempotency_key FROM dbo.vw_MON_SendQueue
  WHERE batch_id = 'UB20260101120000-a1b2c3' ORDER BY queue_id;
$help$;
        p_shell_phase := 'done';
        RETURN;
    END IF;

    IF p_shell_phase = 'start' THEN
        IF nullif(trim(p_batch_id), '') IS NULL THEN
            v_first := coalesce(v_first, '50401');
            v_errors := concat_ws(' ', v_errors, 'p_batch_id is required: pass the validated batch to release (see dbo.vw_MON_BatchSummary).');
        END IF;
        IF v_inc IS NULL OR v_inc NOT IN ('Y', 'N') THEN
            v_first := coalesce(v_first, '50402');
            v_errors := concat_ws(' ', v_errors, format('p_include_warnings = %s is not supported: pass ''Y'' (send WARNING rows too) or ''N''.', coalesce(quote_literal(p_include_warnings), 'NULL')));
        END IF;
        IF p_chunk_rows IS NULL OR p_chunk_rows NOT BETWEEN 1 AND 4000 THEN
            v_first := coalesce(v_first, '50415');
            v_errors := concat_ws(' ', v_errors, format('p_chunk_rows = %s is not supported: pass the queue rows to write per committed chunk, 1 to 4000 (the default; more would let SQL Server escalate the row locks of a chunk to a table lock).', coalesce(p_chunk_rows::text, 'NULL')));
        END IF;
        IF upper(p_send_approved) IS NULL OR upper(p_send_approved) NOT IN ('Y', 'N') THEN
            v_first := coalesce(v_first, '50416');
            v_errors := concat_ws(' ', v_errors, format('p_send_approved = %s is not supported: pass ''Y'' (the sender may send it) or ''N'' (previewed only, until approved).', coalesce(quote_literal(p_send_approved), 'NULL')));
        END IF;
        IF v_errors IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = v_first, MESSAGE = v_errors;
        END IF;

        CALL dbo.usp_Private_OpenRunLog(
            p_proc_name => 'usp_ReleaseBatch',
            p_batch_id => p_batch_id,
            p_parameters_used => format('CALL dbo.usp_ReleaseBatch(p_batch_id => %L, p_include_warnings => %L, p_chunk_rows => %s, p_send_approved => %L);', p_batch_id, v_inc, p_chunk_rows, upper(p_send_approved)),
            p_run_id => p_shell_run_id
        );
    END IF;

    BEGIN
        -- no JIT: the planner over-estimates the JSON expansion of the cells and compiling takes seconds,
        -- the work milliseconds (as in usp_Private_ValidateBatch)
        PERFORM set_config('jit', 'off', true);
        IF p_shell_phase = 'start' THEN
            -- one release of a batch at a time, for all its transactions: a session lock, released at the end
            IF NOT pg_try_advisory_lock(v_lock) THEN
                -- who holds it, from the run log: a release whose client was cut off keeps its session lock
                -- until the connection closes
                SELECT format(' (run %s, started by %s from %s at %s UTC)', rl.run_id, rl.caller_login,
                    coalesce(rl.host_name, '?'), rl.start_time)
                INTO v_holder
                FROM dbo.MON_RunLog AS rl
                WHERE rl.proc_name = 'usp_ReleaseBatch' AND rl.batch_id = p_batch_id AND rl.outcome = 'RUNNING'
                    AND rl.run_id <> p_shell_run_id
                ORDER BY rl.run_id DESC
                LIMIT 1;
                RAISE EXCEPTION USING ERRCODE = '50413', MESSAGE = format(
                    'batch %L is being released by another session right now%s: nothing was done. Wait for that release to end, then see dbo.vw_MON_BatchSummary. A release whose client was cut off keeps the batch until its connection closes: close that connection (a DBA finds it in pg_locks, locktype advisory), then release again.',
                    p_batch_id, coalesce(v_holder, ''));
            END IF;
            v_now := clock_timestamp() AT TIME ZONE 'UTC';
            SELECT * INTO v_b FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = p_batch_id FOR UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = '50403', MESSAGE = format(
                    'batch %L does not exist: check the id in dbo.vw_MON_BatchSummary, or stage it with dbo.usp_StageUpdates.', p_batch_id);
            END IF;
            IF v_b.batch_status = 'CANCELLED' THEN
                RAISE EXCEPTION USING ERRCODE = '50406', MESSAGE = format(
                    'batch %L was cancelled by %s at %s: it cannot be released. Stage the rows again with dbo.usp_StageUpdates.',
                    p_batch_id, v_b.cancelled_by, v_b.cancelled_at);
            END IF;
            IF v_b.batch_status IN ('READY', 'SENDING', 'COMPLETED', 'PARTIAL', 'FAILED') THEN
                RAISE EXCEPTION USING ERRCODE = '50404', MESSAGE = format(
                    'batch %L was already released (by %s at %s, %s queue rows; now %s): releasing twice would send it twice. See dbo.vw_MON_BatchSummary.',
                    p_batch_id, coalesce(v_b.released_by, '?'), coalesce(v_b.released_at::text, '?'), v_b.rows_queued, v_b.batch_status);
            END IF;
            IF v_b.batch_status <> 'VALIDATED' THEN
                RAISE EXCEPTION USING ERRCODE = '50405', MESSAGE = format(
                    'batch %L is %s, not VALIDATED: run CALL dbo.usp_ValidateStagedUpdates(p_batch_id => %L) first, then release.',
                    p_batch_id, v_b.batch_status, p_batch_id);
            END IF;

            -- the private copy of an earlier call of this session that was cut off
            FOREACH v_copy IN ARRAY ARRAY['mon_rel_row', 'mon_rel_src', 'mon_rel_cell', 'mon_rel_state'] LOOP
                IF to_regclass('pg_temp.' || v_copy) IS NOT NULL THEN
                    EXECUTE format('DROP TABLE pg_temp.%I', v_copy);
                END IF;
            END LOOP;
            CREATE TEMP TABLE mon_rel_row (
                update_row_no int, monday_item_id bigint, parent_item_id bigint, group_id varchar(100),
                item_name varchar(255), validation_status varchar(20), update_fields text, row_hash bytea
            );
            CREATE TEMP TABLE mon_rel_src (
                src_row_no int, field_no int, column_alias varchar, raw_value text, column_id varchar,
                column_type varchar, metadata_board_id bigint, monday_item_id bigint
            );
            -- the private copy: the rows, content and hash, in ONE read of the owner's table; nothing reads it
            -- again (the cells come from this copy, after the checks), so what is queued is what was hashed
            INSERT INTO mon_rel_row
            SELECT s.update_row_no, s.monday_item_id, s.parent_item_id, s.group_id, s.item_name,
                s.validation_status, s.update_fields,
                dbo.fn_MON_Private_RowHash(s.monday_item_id, s.parent_item_id, s.item_name, s.group_id,
                    s.update_fields, s.validation_status)
            FROM (
                SELECT i.update_row_no, i.monday_item_id, NULL::bigint AS parent_item_id, i.group_id, i.item_name,
                    i.validation_status, i.update_fields
                FROM dbo.STG_MON_CustMasterSchedule AS i
                WHERE i.update_batch_id = p_batch_id AND v_b.target_level = 'ITEMS'
                UNION ALL
                SELECT si.update_row_no, si.monday_item_id, si.parent_item_id, si.group_id, si.item_name,
                    si.validation_status, si.update_fields
                FROM dbo.STG_MON_CustMasterSchedule_Subitems AS si
                WHERE si.update_batch_id = p_batch_id AND v_b.target_level = 'SUBITEMS'
            ) AS s;
            CREATE TEMP TABLE mon_rel_state AS
            SELECT v_b.validated_at AS validated_at, v_now AS released_at, NULL::int AS staged, NULL::int AS expected,
                0 AS last_row_no,
                coalesce((SELECT mb.subitems_board_id FROM dbo.MON_Board AS mb WHERE mb.board_id = v_b.board_id),
                    v_b.board_id) AS subitems_board_id;
            -- committed here: the copy's lock on the owner's table ends with the copy
            p_shell_phase := 'check';
            RETURN;
        END IF;

        -- every later step: in its own transaction, the batch row locked and still as the copy found it (the
        -- checks and the formatting read it without a lock: they change nothing but the copy, and every step
        -- after them checks the batch again under its lock)
        IF p_shell_phase = 'check' THEN
            SELECT * INTO v_b FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = p_batch_id;
        ELSE
            SELECT * INTO v_b FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = p_batch_id FOR UPDATE;
        END IF;
        SELECT * INTO v_st FROM mon_rel_state;
        IF v_b.batch_status IS DISTINCT FROM 'VALIDATED' OR v_b.validated_at IS DISTINCT FROM v_st.validated_at THEN
            RAISE EXCEPTION USING ERRCODE = '50414', MESSAGE = format(
                'batch %L was %s while it was being released: nothing is sendable. %s',
                p_batch_id, CASE WHEN v_b.batch_status = 'CANCELLED' THEN 'cancelled' ELSE 'validated again' END,
                CASE WHEN v_b.batch_status = 'CANCELLED' THEN 'Its queue rows are cancelled by dbo.usp_CancelBatch; stage the rows again.'
                    ELSE format('Run CALL dbo.usp_ReleaseBatch(p_batch_id => %L) again.', p_batch_id) END);
        END IF;

        IF p_shell_phase = 'check' THEN
            -- the copy checked against what validation recorded, then formatted (temp tables only)
            ANALYZE mon_rel_row;
            SELECT count(*) AS staged,
                count(*) FILTER (WHERE coalesce(s.validation_status, 'PENDING') = 'PENDING') AS pending,
                count(*) FILTER (WHERE s.validation_status = 'VALID' OR (v_inc = 'Y' AND s.validation_status = 'WARNING')) AS eligible,
                count(DISTINCT s.update_row_no) AS row_numbers, max(s.update_row_no) AS max_row_no,
                count(*) FILTER (WHERE s.validation_status = 'VALID') AS n_valid,
                count(*) FILTER (WHERE s.validation_status = 'WARNING') AS n_warning,
                count(*) FILTER (WHERE s.validation_status = 'INVALID') AS n_invalid
            INTO v_check
            FROM mon_rel_row AS s;
            v_staged := v_check.staged;
            v_pending := v_check.pending;
            v_eligible := v_check.eligible;
            IF v_staged < v_b.rows_staged THEN
                RAISE EXCEPTION USING ERRCODE = '50407', MESSAGE = format(
                    'batch %L staged %s rows, but only %s are still in %s: they were deleted or reloaded since (a loader truncating the staging table?). Nothing was released: stage the rows again with dbo.usp_StageUpdates.',
                    p_batch_id, v_b.rows_staged, v_staged,
                    CASE WHEN v_b.target_level = 'SUBITEMS' THEN 'STG_MON_CustMasterSchedule_Subitems' ELSE 'STG_MON_CustMasterSchedule' END);
            END IF;
            -- exactly the rows staging wrote (row numbers 1..rows_staged, once each) with the statuses validation
            -- counted: a row added to the batch by other means is never released
            IF v_staged > v_b.rows_staged OR v_check.row_numbers <> v_staged OR v_check.max_row_no <> v_b.rows_staged
                OR (v_pending = 0 AND (v_check.n_valid <> v_b.rows_valid OR v_check.n_warning <> v_b.rows_warning
                    OR v_check.n_invalid <> v_b.rows_invalid)) THEN
                RAISE EXCEPTION USING ERRCODE = '50411', MESSAGE = format(
                    'batch %L staged %s rows (%s VALID, %s WARNING, %s INVALID), but %s rows with %s row numbers (%s VALID, %s WARNING, %s INVALID) carry its id now: rows were added or changed outside dbo.usp_StageUpdates and dbo.usp_ValidateStagedUpdates. Nothing was released: cancel the batch and stage the rows again.',
                    p_batch_id, v_b.rows_staged, v_b.rows_valid, v_b.rows_warning, v_b.rows_invalid, v_staged,
                    v_check.row_numbers, v_check.n_valid, v_check.n_warning, v_check.n_invalid);
            END IF;
            IF v_pending > 0 THEN
                RAISE EXCEPTION USING ERRCODE = '50408', MESSAGE = format(
                    'batch %L has %s staged rows not validated (PENDING): they changed since validation. Run CALL dbo.usp_ValidateStagedUpdates(p_batch_id => %L), then release.',
                    p_batch_id, v_pending, p_batch_id);
            END IF;
            -- every row as validation saw it: its content hash as validation recorded it (dbo.MON_ValidatedRow)
            SELECT count(*) AS n, string_agg(x.update_row_no::text, ', ' ORDER BY x.update_row_no) AS row_list
            INTO v_bad
            FROM (
                SELECT r.update_row_no
                FROM mon_rel_row AS r
                WHERE NOT EXISTS (
                    SELECT 1 FROM dbo.MON_ValidatedRow AS vr
                    WHERE vr.batch_id = p_batch_id AND vr.update_row_no = r.update_row_no AND vr.row_hash = r.row_hash
                )
                ORDER BY r.update_row_no
            ) AS x;
            IF v_bad.n > 0 THEN
                RAISE EXCEPTION USING ERRCODE = '50412', MESSAGE = format(
                    'batch %L: %s staged rows differ from what validation saw (row_no %s%s): their monday_item_id, parent_item_id, item_name, group_id, update_fields or validation_status was changed in the staging table after validation. Nothing was released: run CALL dbo.usp_ValidateStagedUpdates(p_batch_id => %L) and read the findings, or cancel the batch; find who wrote the rows.',
                    p_batch_id, v_bad.n, left(v_bad.row_list, 200), CASE WHEN length(v_bad.row_list) > 200 THEN ' ...' ELSE '' END, p_batch_id);
            END IF;
            -- the cells of the rows to send, from the copy: each field of update_fields, each distinct alias
            -- mapped once to its board column (the board of the batch, or its subitems board)
            WITH f AS MATERIALIZED (
                SELECT r.update_row_no, e.field_no, e.column_alias, e.raw_value, r.monday_item_id,
                    CASE WHEN v_b.target_level = 'SUBITEMS' THEN v_st.subitems_board_id ELSE v_b.board_id END
                        AS metadata_board_id
                FROM mon_rel_row AS r
                CROSS JOIN LATERAL dbo.fn_MON_Private_StagedFields(r.update_fields) AS e
                WHERE r.validation_status = 'VALID' OR (v_inc = 'Y' AND r.validation_status = 'WARNING')
            ),
            am AS MATERIALIZED (
                SELECT a.column_alias, a.metadata_board_id, m.column_id
                FROM (SELECT DISTINCT f.column_alias, f.metadata_board_id FROM f) AS a
                CROSS JOIN LATERAL dbo.fn_MON_Private_MapAlias(v_b.board_id, a.metadata_board_id, a.column_alias) AS m
            )
            INSERT INTO mon_rel_src
            SELECT f.update_row_no, f.field_no, f.column_alias, f.raw_value, am.column_id, bc.column_type,
                f.metadata_board_id, f.monday_item_id
            FROM f
            LEFT JOIN am ON am.column_alias = f.column_alias AND am.metadata_board_id = f.metadata_board_id
            LEFT JOIN dbo.MON_BoardColumn AS bc ON bc.board_id = f.metadata_board_id AND bc.column_id = am.column_id;
            IF v_eligible = 0 THEN
                RAISE EXCEPTION USING ERRCODE = '50409', MESSAGE = format(
                    'batch %L has no row to send: %s VALID, %s WARNING%s, %s INVALID. Read the errors in dbo.vw_MON_ValidationErrors, fix the source and stage again, or cancel the batch with dbo.usp_CancelBatch.',
                    p_batch_id, v_b.rows_valid, v_b.rows_warning,
                    CASE WHEN v_inc = 'N' AND v_b.rows_warning > 0 THEN ' (not included: p_include_warnings => ''N'')' ELSE '' END,
                    v_b.rows_invalid);
            END IF;

            -- an UPDATE sends one queue row per item: the cells of every released row of an item go to the
            -- item's first such row (update_row_no), and a cell staged in several rows with one value (different
            -- values are a DUPLICATE_CONFLICT, never released) is sent once, from its first row (src_row_no).
            -- The settings come from the board column, once per column (not copied per cell)
            CREATE TEMP TABLE mon_rel_cell AS
            SELECT x.update_row_no, x.src_row_no, x.field_no, x.column_alias, x.column_id, x.column_type,
                x.metadata_board_id,
                dbo.fn_MON_FormatColumnValue(x.column_type, x.raw_value, bc.settings_json) AS formatted
            FROM (
                SELECT c.src_row_no, c.field_no, c.column_alias, c.column_id, c.column_type, c.raw_value,
                    c.metadata_board_id,
                    CASE WHEN v_b.update_operation = 'UPDATE' AND c.monday_item_id IS NOT NULL
                        THEN min(c.src_row_no) OVER (PARTITION BY c.monday_item_id) ELSE c.src_row_no END AS update_row_no,
                    CASE WHEN v_b.update_operation = 'UPDATE' AND c.monday_item_id IS NOT NULL AND c.column_id IS NOT NULL
                        THEN row_number() OVER (PARTITION BY c.monday_item_id, c.column_id ORDER BY c.src_row_no, c.field_no)
                        ELSE 1 END AS dup_no
                FROM mon_rel_src AS c
            ) AS x
            LEFT JOIN dbo.MON_BoardColumn AS bc ON bc.board_id = x.metadata_board_id AND bc.column_id = x.column_id
            WHERE x.dup_no = 1;
            CREATE INDEX ON mon_rel_cell (update_row_no);
            ANALYZE mon_rel_cell;

            SELECT c.src_row_no, c.column_alias, c.column_id, c.column_type INTO v_bad
            FROM mon_rel_cell AS c
            WHERE c.column_id IS NULL OR c.formatted IS NULL
            ORDER BY c.src_row_no, c.field_no
            LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION USING ERRCODE = '50410', MESSAGE = format(
                    'batch %L row %s: the value of %L (column %s, type %s) cannot be written to monday, although the row passed validation (the board metadata or the rules changed since?). Nothing was released: run CALL dbo.usp_ValidateStagedUpdates(p_batch_id => %L) again, then release.',
                    p_batch_id, v_bad.src_row_no, v_bad.column_alias, coalesce(v_bad.column_id, '(unmapped)'),
                    coalesce(v_bad.column_type, '?'), p_batch_id);
            END IF;

            -- what the chunks will write: the eligible rows that have a cell (a CREATE row always)
            DELETE FROM mon_rel_row AS r
            WHERE NOT (r.validation_status = 'VALID' OR (v_inc = 'Y' AND r.validation_status = 'WARNING'))
                OR (v_b.update_operation <> 'CREATE'
                    AND NOT EXISTS (SELECT 1 FROM mon_rel_cell AS c WHERE c.update_row_no = r.update_row_no));
            CREATE INDEX ON mon_rel_row (update_row_no);
            ANALYZE mon_rel_row;
            UPDATE mon_rel_state SET staged = v_staged, expected = (SELECT count(*)::int FROM mon_rel_row);
            -- queue rows of an earlier release of this batch that did not finish: never sendable (the batch is
            -- still VALIDATED); they are deleted first, in chunks, and written anew from this copy
            p_shell_phase := 'clean';
            RETURN;
        END IF;

        IF p_shell_phase = 'clean' THEN
            -- a dry run may have previewed them (the previews reference the rows)
            DELETE FROM dbo.MON_UpdatePreview AS pv WHERE pv.batch_id = p_batch_id;
            DELETE FROM dbo.MON_UpdateQueue AS q
            WHERE q.queue_id IN (
                SELECT o.queue_id FROM dbo.MON_UpdateQueue AS o
                WHERE o.batch_id = p_batch_id ORDER BY o.queue_id LIMIT p_chunk_rows
            );
            GET DIAGNOSTICS v_done = ROW_COUNT;
            IF v_done < p_chunk_rows THEN
                p_shell_phase := 'queue';
            END IF;
            RETURN;
        END IF;

        IF p_shell_phase = 'queue' THEN
            INSERT INTO dbo.MON_UpdateQueue (
                batch_id, update_row_no, board_id, update_operation, monday_item_id, parent_item_id, group_id,
                item_name, column_values, create_labels_if_missing, idempotency_key, queue_status, visible_after,
                created_at
            )
            SELECT p_batch_id, s.update_row_no,
                coalesce(cv.metadata_board_id, CASE WHEN v_b.target_level = 'SUBITEMS' THEN v_st.subitems_board_id ELSE v_b.board_id END),
                v_b.update_operation, s.monday_item_id, s.parent_item_id, s.group_id,
                CASE WHEN v_b.update_operation = 'CREATE' THEN btrim(s.item_name) ELSE s.item_name END,
                coalesce(cv.column_values, '{}'), v_b.create_labels_if_missing,
                p_batch_id || '-' || s.update_row_no, 'READY', v_st.released_at, v_st.released_at
            FROM (
                SELECT r.* FROM mon_rel_row AS r
                WHERE r.update_row_no > v_st.last_row_no
                ORDER BY r.update_row_no
                LIMIT p_chunk_rows
            ) AS s
            LEFT JOIN LATERAL (
                SELECT min(c.metadata_board_id) AS metadata_board_id,
                    '{' || string_agg(to_json(c.column_id)::text || ':' || c.formatted, ',' ORDER BY c.src_row_no, c.field_no) || '}'
                        AS column_values
                FROM mon_rel_cell AS c
                WHERE c.update_row_no = s.update_row_no
                HAVING count(*) > 0
            ) AS cv ON true
            ORDER BY s.update_row_no;
            GET DIAGNOSTICS v_done = ROW_COUNT;
            IF v_done = 0 THEN
                p_shell_phase := 'finish';
            ELSE
                UPDATE mon_rel_state
                SET last_row_no = (
                    SELECT max(x.update_row_no) FROM (
                        SELECT r.update_row_no FROM mon_rel_row AS r WHERE r.update_row_no > v_st.last_row_no
                        ORDER BY r.update_row_no LIMIT p_chunk_rows
                    ) AS x
                );
            END IF;
            RETURN;
        END IF;

        -- finish: the queue holds exactly the rows of the copy, then the batch opens to the claim
        SELECT count(*)::int INTO v_rows FROM dbo.MON_UpdateQueue AS q WHERE q.batch_id = p_batch_id;
        IF v_rows <> v_st.expected THEN
            RAISE EXCEPTION USING ERRCODE = '50414', MESSAGE = format(
                'batch %L: %s queue rows were written, but the release copied %s rows to send: the queue was changed while the batch was being released. Nothing is sendable: run CALL dbo.usp_ReleaseBatch(p_batch_id => %L) again.',
                p_batch_id, v_rows, v_st.expected, p_batch_id);
        END IF;
        UPDATE dbo.MON_UpdateBatch AS b
        SET batch_status = CASE WHEN v_rows = 0 THEN 'COMPLETED' ELSE 'READY' END,
            rows_queued = v_rows,
            released_by = session_user,
            released_at = v_st.released_at,
            completed_at = CASE WHEN v_rows = 0 THEN v_st.released_at END,
            -- in the transaction that opens the batch: a batch released to be previewed is never claimable
            send_approved = upper(p_send_approved)
        WHERE b.batch_id = p_batch_id;
        v_staged := v_st.staged;
        p_shell_phase := 'done';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
    END;

    -- the end (done or failed): the private copy goes
    FOREACH v_copy IN ARRAY ARRAY['mon_rel_row', 'mon_rel_src', 'mon_rel_cell', 'mon_rel_state'] LOOP
        IF to_regclass('pg_temp.' || v_copy) IS NOT NULL THEN
            EXECUTE format('DROP TABLE pg_temp.%I', v_copy);
        END IF;
    END LOOP;
    IF v_state IS NULL THEN
        CALL dbo.usp_Private_CloseRunLog(p_run_id => p_shell_run_id, p_rows_affected => v_rows);
        PERFORM pg_advisory_unlock(v_lock);
        RAISE NOTICE 'batch % released: % queue rows READY (% rows left out: not valid, not included or without a cell).',
            p_batch_id, v_rows, v_staged - v_rows;
    ELSE
        CALL dbo.usp_Private_CloseRunLog(p_run_id => p_shell_run_id, p_outcome => 'FAILED',
            p_error_number => CASE WHEN v_state ~ '^5[0-9]{4}$' THEN v_state::int END, p_error_message => v_msg);
        IF v_state <> '50413' THEN
            PERFORM pg_advisory_unlock(v_lock);
        END IF;
        -- handed to the shell dbo.usp_ReleaseBatch, which commits the run-log row, then raises it
        p_shell_error_state := v_state;
        p_shell_error_message := v_msg;
        p_shell_phase := 'done';
        RETURN;
    END IF;
END;
$$;

-- dbo.usp_ReleaseBatch: the public procedure, a SECURITY INVOKER shell that touches no table: it runs the work
-- above as the routines' owner step by step, commits after each step (which a SECURITY DEFINER procedure
-- cannot) and raises what the work handed back, so a failed call keeps its run-log row and each chunk of
-- queue rows is its own transaction (docs/sql_conventions.md).
CREATE OR REPLACE PROCEDURE dbo.usp_ReleaseBatch(
    p_batch_id varchar DEFAULT NULL,
    p_include_warnings varchar DEFAULT 'Y',
    p_chunk_rows int DEFAULT 4000,
    p_help char(1) DEFAULT 'N',
    p_send_approved varchar DEFAULT 'Y'
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_state text;
    v_msg text;
    v_phase text := 'start';
    v_run_id bigint;
BEGIN
    IF upper(coalesce(p_help, 'N')) <> 'Y' THEN
        -- a caller's open transaction is refused before anything changes; the work runs READ COMMITTED
        CALL dbo.usp_Private_RefuseOpenTransaction(p_proc_name => 'usp_ReleaseBatch');
    END IF;
    LOOP
        CALL dbo.usp_Private_ReleaseBatch_Work(
            p_shell_error_state => v_state,
            p_shell_error_message => v_msg,
            p_shell_phase => v_phase,
            p_shell_run_id => v_run_id,
            p_batch_id => p_batch_id,
            p_include_warnings => p_include_warnings,
            p_send_approved => p_send_approved,
            p_chunk_rows => p_chunk_rows,
            p_help => p_help
        );
        COMMIT;
        EXIT WHEN v_phase = 'done';
    END LOOP;
    IF v_state IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_msg;
    END IF;
END;
$$;
