-- staging_check_constraints: runs first, before anything is changed (before the upgrade steps too). The
-- install adds CHECK constraints to the loader's staging tables (ddl/updates/extend_staging_tables.sql);
-- PostgreSQL refuses to add one while a row breaks it (SQLSTATE 23514), and the owner's tables may
-- already hold such rows (the plan's ALTER added the columns without checks). This counts, for every
-- constraint that is not there yet, the rows it would refuse, and refuses the install with one error
-- (50953) naming the table, the constraint, the row count and a SELECT that lists the rows. Nothing was
-- changed then: fix the rows and run the install again. tests/static/test_installer_structure.py holds
-- this list equal to the constraints of extend_staging_tables.sql.
DO $check$
DECLARE
    -- table, constraint, column, the constraint's IN list: column IS NULL OR column IN (allowed)
    v_checks text[][] := ARRAY[
        ['STG_MON_CustMasterSchedule', 'CK_STG_MON_CustMasterSchedule_update_operation', 'update_operation',
            '''CREATE'', ''UPDATE'', ''ARCHIVE'''],
        ['STG_MON_CustMasterSchedule', 'CK_STG_MON_CustMasterSchedule_validation_status', 'validation_status',
            '''PENDING'', ''VALID'', ''INVALID'', ''WARNING'''],
        ['STG_MON_CustMasterSchedule_Subitems', 'CK_STG_MON_CustMasterSchedule_Subitems_update_operation',
            'update_operation', '''CREATE'', ''UPDATE'', ''ARCHIVE'''],
        ['STG_MON_CustMasterSchedule_Subitems', 'CK_STG_MON_CustMasterSchedule_Subitems_validation_status',
            'validation_status', '''PENDING'', ''VALID'', ''INVALID'', ''WARNING''']
    ];
    v_i int;
    v_table text;
    v_constraint text;
    v_column text;
    v_allowed text;
    v_where text;
    v_refused bigint;
    v_findings text;
BEGIN
    FOR v_i IN 1 .. array_length(v_checks, 1) LOOP
        v_table := lower(v_checks[v_i][1]);
        v_constraint := lower(v_checks[v_i][2]);
        v_column := v_checks[v_i][3];
        v_allowed := v_checks[v_i][4];
        -- only a constraint still to be added can fail; a column still to be added holds only NULLs
        IF to_regclass(format('dbo.%I', v_table)) IS NULL
            OR NOT EXISTS (
                SELECT 1 FROM information_schema.columns AS col
                WHERE col.table_schema = 'dbo' AND col.table_name = v_table AND col.column_name = v_column
            )
            OR EXISTS (
                SELECT 1 FROM pg_constraint AS con
                WHERE con.conrelid = to_regclass(format('dbo.%I', v_table)) AND con.conname = v_constraint
            ) THEN
            CONTINUE;
        END IF;
        -- the rows for which the constraint's condition is false
        v_where := format('%s NOT IN (%s)', v_column, v_allowed);  -- NOT IN skips NULLs
        EXECUTE format('SELECT count(*) FROM dbo.%I WHERE %s', v_table, v_where) INTO v_refused;
        IF v_refused > 0 THEN
            v_findings := concat_ws(' ', v_findings, format('%s: %s row(s): SELECT * FROM dbo.%s WHERE %s;',
                v_checks[v_i][2], v_refused, v_checks[v_i][1], v_where));
        END IF;
    END LOOP;
    IF v_findings IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '50953', MESSAGE = format(
            'OPUS install refused, nothing was changed: rows of the staging tables break the CHECK '
            'constraints the install adds. %s Correct those values (NULL is allowed; the project never reads '
            'them on rows without update_batch_id), then run the install again.', v_findings);
    END IF;
END
$check$;
