-- =====================================================================================================
-- OPUS Update Boards: uninstall (PostgreSQL). Twin of db/ops/uninstall.sql; run it in the project's
-- database (psql -d <db> -f db/postgres/ops/uninstall.sql).
--
-- PRINTS the statements (RAISE NOTICE) by default and changes nothing. Read them, then set
-- v_print_only := 'N' in the configuration lines below and run again to execute them, all in one
-- transaction (the DO block is one statement: all or nothing).
--
-- Drops: the project's views, procedures and functions, the foreign keys that point at its tables, its
-- MON_* tables (batches, queue, metadata, run log, schema version: their rows are lost), and the roles
-- opus_stager, opus_sender, opus_reader and opus_owner. Roles are cluster-wide in PostgreSQL: their
-- privileges in this database are revoked, and a role is dropped only when no other database of the
-- cluster still grants it anything (otherwise a notice says which role was kept). Login roles that were
-- members are kept. Only objects that exist are named: a partly installed or partly removed database
-- uninstalls without an error.
-- Keeps: dbo.MON_UpdateAudit, the history of every cell sent and its old value (the owner's plan made this
-- table; a later install uses it again), unless v_drop_audit := 'Y'. Keeps the schema dbo and the loader's
-- tables dbo.STG_MON_CustMasterSchedule and
-- dbo.STG_MON_CustMasterSchedule_Subitems with all their rows and columns. Only with
-- v_drop_update_columns := 'Y' are the update columns the project added to them dropped (with their
-- defaults, checks and index), and then the staged rows (rows with an update_batch_id: rows the project
-- wrote, never the loader's) are deleted first, so that no staged row is left looking like a loaded one.
-- Scheduled jobs (cron, systemd timers) that call opus-sender are not touched.
-- =====================================================================================================
DO $uninstall$
DECLARE
    -- configuration -------------------------------------------------------------------------------------
    v_print_only char(1) := 'Y';          -- 'Y': print the statements only; 'N': execute them
    v_drop_update_columns char(1) := 'N'; -- 'Y': also drop the update columns of STG_MON_* (see above)
    v_drop_audit char(1) := 'N';          -- 'Y': also drop dbo.MON_UpdateAudit and its rows (the history)
    -- ----------------------------------------------------------------------------------------------------
    -- what the uninstall drops, by name: only what the project creates (a database is shared: a view or
    -- routine of someone else's that happens to look like ours is never dropped). Tables hold data and are
    -- listed one by one. A listed name that is not installed is skipped. tests/contract/test_ops.py checks
    -- these lists against the sources.
    v_views text[] := ARRAY['vw_MON_ValidationErrors', 'vw_MON_BatchSummary', 'vw_MON_UpdatePreview',
        'vw_MON_AuditTrail', 'vw_MON_StuckOrFailedRows', 'vw_MON_SendQueue', 'vw_MON_BoardLabels',
        'vw_MON_UserNames', 'vw_MON_HeldBackCells', 'vw_MON_PreImage'];
    v_routines text[] := ARRAY['usp_StageUpdates', 'usp_ValidateStagedUpdates', 'usp_ReleaseBatch',
        'usp_CancelBatch', 'usp_StageRollback', 'usp_ApproveBatch', 'usp_UpsertBoardMetadata', 'usp_ClaimQueueRows',
        'usp_ExtendLease', 'usp_ReleaseLease', 'usp_RecordCreatedItem', 'usp_RecordSendResult',
        'usp_RecordPreview', 'usp_RecordPreImage', 'usp_ApproveBatch', 'usp_PurgeRunLog', 'fn_MON_FormatColumnValue', 'fn_MON_NormalizeTitle',
        'fn_MON_Private_BlankQueryText', 'fn_MON_Private_ClosestColumns', 'fn_MON_Private_ColumnLabels',
        'fn_MON_Private_DateText', 'fn_MON_Private_ForbiddenKeyword', 'fn_MON_Private_QueryParts', 'fn_MON_Private_FormatValue',
        'fn_MON_Private_NormalizeDate', 'fn_MON_Private_NormalizeNumber', 'fn_MON_Private_NumberText',
        'fn_MON_Private_ParseIdArray', 'fn_MON_Private_RatingMax', 'fn_MON_Private_RowHash', 'fn_MON_Private_StringifyExpr',
        'fn_MON_Private_TryJson', 'fn_MON_Private_CellValueText', 'fn_MON_Private_JsonEscape', 'fn_MON_StagedCells', 'fn_MON_Private_StagedFields', 'fn_MON_Private_MapAlias', 'usp_Private_CancelBatch_Work',
        'usp_Private_ApproveBatch_Work', 'usp_Private_RecordPreImage_Work',
        'usp_Private_CloseRunLog', 'usp_Private_ExtendLease_Work', 'usp_Private_FinishBatchIfDone',
        'usp_Private_OpenRunLog', 'usp_Private_RecordCreatedItem_Work',
        'usp_Private_RecordPreview_Work', 'usp_Private_RecordSendResult_Work',
        'usp_Private_RefuseOpenTransaction', 'usp_Private_ReleaseBatch_Work',
        'usp_Private_ReleaseLease_Work', 'usp_Private_StageRollback_Work',
        'usp_Private_StageUpdates_Work', 'usp_Private_UpsertBoardMetadata_Work',
        'usp_Private_ValidateBatch', 'usp_Private_ValidateStagedUpdates_Work'];
    v_tables text[] := ARRAY['MON_UpdatePreview', 'MON_PreImage', 'MON_HeldBackCell', 'MON_UpdateAudit', 'MON_UpdateQueue', 'MON_ValidatedRow', 'MON_UpdateBatch',
        'MON_ValidationRule', 'MON_ColumnMap', 'MON_BoardItem', 'MON_BoardGroup', 'MON_BoardColumn',
        'MON_Board', 'MON_User', 'MON_ColumnType', 'MON_RunLog', 'MON_SchemaVersion'];
    v_roles text[] := ARRAY['opus_stager', 'opus_sender', 'opus_reader', 'opus_owner'];
    v_stg text[] := ARRAY['STG_MON_CustMasterSchedule', 'STG_MON_CustMasterSchedule_Subitems'];
    v_update_columns text[] := ARRAY['update_operation', 'update_fields', 'source_table', 'source_query',
        'update_batch_id', 'validation_status', 'validation_errors', 'update_row_no'];
    v_statements text[] := ARRAY[]::text[];
    v_kept text[] := ARRAY[]::text[];
    v_unlisted text;
    v_kept_audit text;
    v_audit_rows bigint;
    v_stmt text;
    v_role text;
    v_table text;
    v_other_dbs text;
BEGIN
    IF v_print_only IS NULL OR v_print_only NOT IN ('Y', 'N') OR v_drop_update_columns IS NULL
        OR v_drop_update_columns NOT IN ('Y', 'N') OR v_drop_audit IS NULL OR v_drop_audit NOT IN ('Y', 'N') THEN
        RAISE EXCEPTION USING ERRCODE = '50920', MESSAGE =
            'uninstall.sql: v_print_only, v_drop_update_columns and v_drop_audit take ''Y'' or ''N'': fix the configuration lines.';
    END IF;

    -- the audit history stays unless asked for (it holds no foreign key, so nothing else depends on it)
    IF v_drop_audit = 'N' THEN
        v_tables := array_remove(v_tables, 'MON_UpdateAudit');
        IF to_regclass('dbo.mon_updateaudit') IS NOT NULL THEN
            EXECUTE 'SELECT count(*) FROM dbo.mon_updateaudit' INTO v_audit_rows;
            v_kept_audit := format('-- kept: dbo.MON_UpdateAudit with its %s rows (the history of the cells sent); '
                'set v_drop_audit := ''Y'' to drop it too.', v_audit_rows);
        END IF;
    END IF;

    -- 1. views, then procedures and functions (every overload, by its exact signature)
    SELECT v_statements || coalesce(array_agg(format('DROP VIEW dbo.%I;', c.relname) ORDER BY c.relname), '{}')
    INTO v_statements
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'dbo' AND c.relkind IN ('v', 'm') AND c.relname = ANY (SELECT lower(x) FROM unnest(v_views) AS x);

    SELECT v_statements || coalesce(array_agg(format('DROP %s dbo.%I(%s);',
            CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.proname,
            pg_get_function_identity_arguments(p.oid))
        ORDER BY p.prokind DESC, p.proname), '{}')
    INTO v_statements
    FROM pg_proc AS p
    JOIN pg_namespace AS n ON n.oid = p.pronamespace
    WHERE n.nspname = 'dbo' AND p.prokind IN ('p', 'f')
        AND p.proname = ANY (SELECT lower(x) FROM unnest(v_routines) AS x);

    -- 2. every foreign key that points at, or comes from, a table about to be dropped
    SELECT v_statements || coalesce(array_agg(format('ALTER TABLE %I.%I DROP CONSTRAINT %I;',
            tn.nspname, t.relname, con.conname) ORDER BY con.conname), '{}')
    INTO v_statements
    FROM pg_constraint AS con
    JOIN pg_class AS t ON t.oid = con.conrelid
    JOIN pg_namespace AS tn ON tn.oid = t.relnamespace
    WHERE con.contype = 'f'
        AND EXISTS (
            SELECT 1
            FROM pg_class AS c
            JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = 'dbo' AND c.relkind IN ('r', 'p')
                AND c.oid IN (con.confrelid, con.conrelid)
                AND c.relname = ANY (SELECT lower(x) FROM unnest(v_tables) AS x)
        );

    -- 3. the tables
    SELECT v_statements || coalesce(array_agg(format('DROP TABLE dbo.%I;', c.relname) ORDER BY c.relname), '{}')
    INTO v_statements
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'dbo' AND c.relkind IN ('r', 'p')
        AND c.relname = ANY (SELECT lower(x) FROM unnest(v_tables) AS x);

    -- 4. only when asked: the update columns of the loader's tables, after the staged rows (PostgreSQL
    --    drops a column's default, checks and indexes with it)
    IF v_drop_update_columns = 'Y' THEN
        FOREACH v_table IN ARRAY v_stg LOOP
            IF to_regclass(format('dbo.%I', lower(v_table))) IS NULL THEN
                CONTINUE;
            END IF;
            IF EXISTS (
                SELECT 1 FROM information_schema.columns AS col
                WHERE col.table_schema = 'dbo' AND col.table_name = lower(v_table)
                    AND col.column_name = 'update_batch_id'
            ) THEN
                v_statements := v_statements
                    || format('DELETE FROM dbo.%I WHERE update_batch_id IS NOT NULL;', lower(v_table));
            END IF;
            SELECT v_statements || coalesce(array_agg(format('ALTER TABLE dbo.%I DROP COLUMN %I;',
                    lower(v_table), col.column_name) ORDER BY col.ordinal_position), '{}')
            INTO v_statements
            FROM information_schema.columns AS col
            WHERE col.table_schema = 'dbo' AND col.table_name = lower(v_table)
                AND col.column_name = ANY (v_update_columns);
        END LOOP;
    END IF;

    -- 5. the roles: privileges in this database revoked; dropped when no other database still uses them
    FOREACH v_role IN ARRAY v_roles LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = v_role) THEN
            CONTINUE;
        END IF;
        v_statements := v_statements
            || format('REVOKE ALL ON ALL TABLES IN SCHEMA dbo FROM %I;', v_role)
            || format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA dbo FROM %I;', v_role)
            || format('REVOKE ALL ON ALL ROUTINES IN SCHEMA dbo FROM %I;', v_role)
            || format('REVOKE ALL ON SCHEMA dbo FROM %I;', v_role);
        SELECT string_agg(DISTINCT coalesce(d.datname, '(cluster)'), ', ')
        INTO v_other_dbs
        FROM pg_shdepend AS sd
        LEFT JOIN pg_database AS d ON d.oid = sd.dbid
        WHERE sd.refclassid = 'pg_authid'::regclass
            AND sd.refobjid = (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = v_role)
            AND sd.dbid <> (SELECT d2.oid FROM pg_database AS d2 WHERE d2.datname = current_database());
        IF v_other_dbs IS NULL THEN
            v_statements := v_statements || format('DROP ROLE %I;', v_role);
        ELSE
            v_kept := v_kept || format('%s (still used in: %s)', v_role, v_other_dbs);
        END IF;
    END LOOP;

    -- tables, views and routines that look like the project's but are not listed: reported, never dropped
    SELECT string_agg(x.name, ', ' ORDER BY x.name)
    INTO v_unlisted
    FROM (
        SELECT c.relname::text AS name
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'dbo' AND c.relkind IN ('r', 'p') AND c.relname LIKE 'mon\_%'
            AND c.relname <> 'mon_updateaudit'
            AND c.relname <> ALL (SELECT lower(y) FROM unnest(v_tables) AS y)
        UNION ALL
        SELECT p.proname::text
        FROM pg_proc AS p
        JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'dbo' AND (p.proname LIKE 'usp\_%' OR p.proname LIKE 'fn\_mon\_%')
            AND p.proname <> ALL (SELECT lower(y) FROM unnest(v_routines) AS y)
        UNION ALL
        SELECT c.relname::text
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'dbo' AND c.relkind IN ('v', 'm') AND c.relname LIKE 'vw\_mon\_%'
            AND c.relname <> ALL (SELECT lower(y) FROM unnest(v_views) AS y)
    ) AS x;

    IF v_print_only = 'Y' THEN
        RAISE NOTICE '-- OPUS Update Boards uninstall, PRINT ONLY: nothing was changed. Set v_print_only := ''N'' to execute these statements:';
        FOREACH v_stmt IN ARRAY v_statements LOOP
            RAISE NOTICE '%', v_stmt;
        END LOOP;
    ELSE
        FOREACH v_stmt IN ARRAY v_statements LOOP
            RAISE NOTICE '%', v_stmt;
            EXECUTE v_stmt;
        END LOOP;
        RAISE NOTICE '-- OPUS Update Boards uninstalled: % statements executed.', cardinality(v_statements);
    END IF;
    IF v_kept_audit IS NOT NULL THEN
        RAISE NOTICE '%', v_kept_audit;
    END IF;
    IF cardinality(v_kept) > 0 THEN
        RAISE NOTICE '-- roles kept (cluster-wide, still granted in other databases; uninstall there too, then DROP ROLE): %',
            array_to_string(v_kept, '; ');
    END IF;
    IF v_unlisted IS NOT NULL THEN
        RAISE NOTICE '-- left in place (not in the uninstall list; drop by hand if they are the project''s): %', v_unlisted;
    END IF;
END
$uninstall$;
