-- owner_table_shapes: runs before anything is changed (a check, like staging_check_constraints.sql). Twin of
-- db/ddl/checks/owner_table_shapes.sql. The staging tables and dbo.MON_UpdateAudit come from the owner's plan
-- and may exist before the install with a shape of their own. The views and routines bind to the columns
-- listed below; on a table without one of them, or with a type the code cannot write or compare, the install
-- would stop late (column does not exist) or the first stage would fail. This refuses the install first,
-- with one error (50957) that names every such column, what it is, what the code needs and what to do.
-- Owner's columns must exist when the table exists; the project's columns are added by the install when
-- missing, and must fit when present. A table that does not exist is created by the install.
DO $check$
DECLARE
    v_findings text;
BEGIN
    WITH want (table_name, column_name, kind, min_chars, owners) AS (VALUES
        ('STG_MON_CustMasterSchedule', 'monday_item_id', 'id', NULL, true),
        ('STG_MON_CustMasterSchedule', 'monday_board_id', 'id', NULL, true),
        ('STG_MON_CustMasterSchedule', 'item_name', 'text', 255, true),
        ('STG_MON_CustMasterSchedule', 'group_id', 'text', 100, true),
        ('STG_MON_CustMasterSchedule', 'update_operation', 'text', 7, false),
        ('STG_MON_CustMasterSchedule', 'update_fields', 'max', NULL, false),
        ('STG_MON_CustMasterSchedule', 'source_table', 'text', 100, false),
        ('STG_MON_CustMasterSchedule', 'source_query', 'max', NULL, false),
        ('STG_MON_CustMasterSchedule', 'update_batch_id', 'text', 50, false),
        ('STG_MON_CustMasterSchedule', 'validation_status', 'text', 7, false),
        ('STG_MON_CustMasterSchedule', 'validation_errors', 'max', NULL, false),
        ('STG_MON_CustMasterSchedule', 'update_row_no', 'int', NULL, false),
        ('STG_MON_CustMasterSchedule_Subitems', 'monday_item_id', 'id', NULL, true),
        ('STG_MON_CustMasterSchedule_Subitems', 'monday_board_id', 'id', NULL, true),
        ('STG_MON_CustMasterSchedule_Subitems', 'parent_item_id', 'id', NULL, true),
        ('STG_MON_CustMasterSchedule_Subitems', 'item_name', 'text', 255, true),
        ('STG_MON_CustMasterSchedule_Subitems', 'group_id', 'text', 100, true),
        ('STG_MON_CustMasterSchedule_Subitems', 'update_operation', 'text', 7, false),
        ('STG_MON_CustMasterSchedule_Subitems', 'update_fields', 'max', NULL, false),
        ('STG_MON_CustMasterSchedule_Subitems', 'source_table', 'text', 100, false),
        ('STG_MON_CustMasterSchedule_Subitems', 'source_query', 'max', NULL, false),
        ('STG_MON_CustMasterSchedule_Subitems', 'update_batch_id', 'text', 50, false),
        ('STG_MON_CustMasterSchedule_Subitems', 'validation_status', 'text', 7, false),
        ('STG_MON_CustMasterSchedule_Subitems', 'validation_errors', 'max', NULL, false),
        ('STG_MON_CustMasterSchedule_Subitems', 'update_row_no', 'int', NULL, false),
        ('MON_UpdateAudit', 'audit_id', 'int', NULL, true),
        ('MON_UpdateAudit', 'batch_id', 'text', 50, true),
        ('MON_UpdateAudit', 'update_operation', 'text', 7, true),
        ('MON_UpdateAudit', 'monday_item_id', 'id', NULL, true),
        ('MON_UpdateAudit', 'monday_board_id', 'id', NULL, true),
        ('MON_UpdateAudit', 'column_id', 'text', 100, true),
        ('MON_UpdateAudit', 'old_value', 'max', NULL, true),
        ('MON_UpdateAudit', 'new_value', 'max', NULL, true),
        ('MON_UpdateAudit', 'queue_id', 'id', NULL, false),
        ('MON_UpdateAudit', 'worker_id', 'text', 100, false),
        ('MON_UpdateAudit', 'rollback_batch_id', 'text', 50, false)
    ),
    have AS (
        SELECT w.*, c.data_type, c.character_maximum_length AS chars, c.column_name IS NOT NULL AS present
        FROM want AS w
        LEFT JOIN information_schema.columns AS c
            ON c.table_schema = 'dbo' AND c.table_name = lower(w.table_name) AND c.column_name = w.column_name
        WHERE to_regclass(format('dbo.%I', lower(w.table_name))) IS NOT NULL
    ),
    wrong AS (
        SELECT h.*,
            CASE WHEN NOT h.present THEN 'missing'
                ELSE h.data_type || coalesce('(' || h.chars || ')', '') END AS found,
            CASE h.kind WHEN 'id' THEN 'bigint' WHEN 'int' THEN 'integer or bigint' WHEN 'max' THEN 'text'
                ELSE format('text or varchar of %s characters or more', h.min_chars) END AS needed,
            CASE h.kind WHEN 'id' THEN 'bigint' WHEN 'int' THEN 'integer' WHEN 'max' THEN 'text'
                ELSE format('varchar(%s)', h.min_chars) END AS fix_type
        FROM have AS h
        WHERE (NOT h.present AND h.owners)
            OR (h.present AND NOT (
                (h.kind = 'id' AND h.data_type = 'bigint')
                OR (h.kind = 'int' AND h.data_type IN ('integer', 'bigint'))
                OR (h.kind = 'max' AND h.data_type IN ('text', 'character varying') AND h.chars IS NULL)
                OR (h.kind = 'text' AND h.data_type IN ('text', 'character varying', 'character')
                    AND (h.chars IS NULL OR h.chars >= h.min_chars))))
    )
    SELECT string_agg(format('dbo.%s.%s is %s, the code needs %s (ALTER TABLE dbo.%s %s %s %s)',
            wr.table_name, wr.column_name, wr.found, wr.needed, wr.table_name,
            CASE WHEN wr.found = 'missing' THEN 'ADD COLUMN' ELSE 'ALTER COLUMN' END, wr.column_name,
            CASE WHEN wr.found = 'missing' THEN wr.fix_type || ' NULL;' ELSE 'TYPE ' || wr.fix_type || ';' END),
        '; ' ORDER BY wr.table_name, wr.column_name)
    INTO v_findings
    FROM wrong AS wr;

    IF v_findings IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '50957', MESSAGE = format(
            'OPUS install refused, nothing was changed: the owner''s tables have a shape the code cannot use. %s. '
            'Change those columns (check the loader and reports that use them first), then run the install again.',
            v_findings);
    END IF;
END
$check$;
