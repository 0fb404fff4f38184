-- roles.sql: the project's database roles, least privilege (PostgreSQL). Idempotent: run by every install.
-- Twin of db/security/roles.sql; the same three roles with the same purpose, and an owner role:
--
--   opus_stager  stages, validates, releases, cancels and rolls back batches, and reads the views.
--                usp_StageUpdates runs the caller's p_query with the caller's own privileges, so a stager
--                also needs SELECT on the source tables of their queries: the DBA grants that separately
--                (GRANT SELECT ON my_schema.my_table TO opus_stager;).
--   opus_sender  the sender process: board metadata upsert, claim / lease / record routines, the views.
--   opus_reader  reads the views, nothing else.
--   opus_owner   owns the project's routines and views, and holds the table privileges they use. No login
--                uses it (NOLOGIN; nobody is made a member but the installing role, which must be able to
--                replace what it owns, unless it is a superuser).
--
-- Roles are cluster-wide in PostgreSQL: each is created once, NOLOGIN, only when missing (another
-- database of the cluster may have created it already, possibly at this very moment); the grants below are
-- per database. Give people and services login roles of their own and make them members:
--     CREATE ROLE planner LOGIN PASSWORD '...' IN ROLE opus_reader;
--
-- Why no role holds a table privilege: PostgreSQL has no ownership chaining, so the procedures are SECURITY
-- DEFINER with a pinned search_path, owned by opus_owner: they use the tables with the owner's privileges,
-- whoever calls them. The fn_MON_* functions are granted to no role: only the owner's procedures call them,
-- as the owner and with the procedure's search_path (SECURITY INVOKER keeps them cheap per row). Two kinds of routine stay SECURITY INVOKER and touch no table themselves: the public
-- procedures that commit (a SECURITY DEFINER procedure cannot), which are shells around their
-- dbo.usp_Private_<name>_Work routine and are granted together with it; and usp_StageUpdates, whose shell
-- also runs the caller's p_query, and nothing else, with the caller's privileges. usp_PurgeRunLog (it
-- commits once per chunk) is granted to no role: the owner of the tables runs it. Views run with their
-- owner's privileges, so readers need SELECT on the views only. PostgreSQL grants EXECUTE on every new
-- routine to PUBLIC; that is revoked from the project's routines here (those ddl/drop_code_objects.sql names,
-- which the install has just created anew, so that they hold no earlier grant).
-- What 0.1.0 granted the roles on tables is revoked by an explicit list; nothing the DBA granted a role
-- (SELECT on the source tables of the stagers' queries, say) is touched, and no REVOKE to a role is built
-- from the catalog (tests/static/test_revokes.py).
--
-- Routines and views are added over time: the lists below name them, and a grant is issued only for an
-- object that exists; re-run this script (or the installer) after adding objects.

-- 1. the roles, NOLOGIN, created only when missing
DO $roles$
DECLARE
    v_role text;
    v_can_create boolean;
BEGIN
    -- a role of that name that can log in is someone's login, not a group role: refuse to grant to it
    -- (the twin of the T-SQL check for a principal that is not a database role)
    SELECT string_agg(r.rolname, ', ') INTO v_role
    FROM pg_roles AS r
    WHERE r.rolname IN ('opus_stager', 'opus_sender', 'opus_reader', 'opus_owner') AND r.rolcanlogin;
    IF v_role IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '50910', MESSAGE = format(
            'roles.sql: the role(s) %s can log in, so they are not the project''s group roles and would receive '
            'its grants. Run ALTER ROLE ... NOLOGIN (give people login roles of their own and GRANT the group '
            'role to them), then install again.', v_role);
    END IF;

    SELECT r.rolsuper OR r.rolcreaterole INTO v_can_create FROM pg_roles AS r WHERE r.rolname = current_user;
    FOREACH v_role IN ARRAY ARRAY['opus_stager', 'opus_sender', 'opus_reader', 'opus_owner'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = v_role) THEN
            CONTINUE;
        END IF;
        IF NOT coalesce(v_can_create, false) THEN
            RAISE WARNING 'roles.sql: role % does not exist and % may not create roles: its grants are skipped. '
                'Ask a superuser to run CREATE ROLE % NOLOGIN; then install again.', v_role, current_user, v_role;
            CONTINUE;
        END IF;
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created concurrently by the install of another database of the cluster
        END;
    END LOOP;
END
$roles$;

-- 2. the owner: opus_owner owns the project's routines and views of schema dbo - those ddl/drop_code_objects.sql
--    names (it passes them on in the setting opus.code_objects; when this script runs on its own, the
--    project's prefixes usp_*, fn_MON_*, vw_MON_*) - and may use every table of it
DO $owner$
DECLARE
    v_obj text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = 'opus_owner') THEN
        RAISE WARNING 'roles.sql: role opus_owner does not exist, so the routines stay owned by %: ask a superuser '
            'to run CREATE ROLE opus_owner NOLOGIN; then install again.', current_user;
        RETURN;
    END IF;
    -- the installing role must be a member to hand its objects over (and to replace them on the next install)
    IF NOT pg_has_role(current_user, 'opus_owner', 'USAGE')
        AND NOT (SELECT r.rolsuper FROM pg_roles AS r WHERE r.rolname = current_user) THEN
        EXECUTE format('GRANT opus_owner TO %I', current_user);
    END IF;
    GRANT USAGE, CREATE ON SCHEMA dbo TO opus_owner;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA dbo TO opus_owner;
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA dbo TO opus_owner;
    FOR v_obj IN
        SELECT format('ALTER ROUTINE %I.%I(%s) OWNER TO opus_owner', n.nspname, p.proname,
            pg_get_function_identity_arguments(p.oid))
        FROM pg_proc AS p
        JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'dbo' AND CASE
                WHEN coalesce(current_setting('opus.code_objects', true), '') = '' THEN p.proname LIKE 'usp\_%' OR p.proname LIKE 'fn\_mon\_%'
                ELSE p.proname = ANY (string_to_array(current_setting('opus.code_objects', true), ',')) END
            AND p.proowner <> (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = 'opus_owner')
        UNION ALL
        SELECT format('ALTER VIEW %I.%I OWNER TO opus_owner', n.nspname, c.relname)
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'dbo' AND c.relkind = 'v' AND CASE
                WHEN coalesce(current_setting('opus.code_objects', true), '') = '' THEN c.relname LIKE 'vw\_mon\_%'
                ELSE c.relname = ANY (string_to_array(current_setting('opus.code_objects', true), ',')) END
            AND c.relowner <> (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = 'opus_owner')
    LOOP
        EXECUTE v_obj;
    END LOOP;
END
$owner$;

-- 3. the grants
DO $grants$
DECLARE
    g record;
    v_sig text;
    v_kind "char";
BEGIN
    -- nobody but the owner and the roles below calls the project's routines: PUBLIC's default EXECUTE on them
    -- goes (the routines were created anew by this install, so the roles hold no earlier grant on them)
    FOR v_sig IN
        SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
        FROM pg_proc AS p
        JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE n.nspname = 'dbo' AND CASE
                WHEN coalesce(current_setting('opus.code_objects', true), '') = '' THEN p.proname LIKE 'usp\_%' OR p.proname LIKE 'fn\_mon\_%'
                ELSE p.proname = ANY (string_to_array(current_setting('opus.code_objects', true), ',')) END
    LOOP
        EXECUTE format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', v_sig);
    END LOOP;
    -- what 0.1.0 granted the roles on tables, named one by one (0.2.0 and 0.3.0 granted none). A privilege
    -- held WITH GRANT OPTION is the DBA's (its REVOKE would need CASCADE) and stays; REVOKE of a privilege
    -- that is not granted does nothing, so this is idempotent
    FOR g IN
        SELECT v.role_name, v.privilege, v.table_name
        FROM (VALUES
            ('opus_stager', 'SELECT', 'STG_MON_CustMasterSchedule'),
            ('opus_stager', 'INSERT', 'STG_MON_CustMasterSchedule'),
            ('opus_stager', 'UPDATE', 'STG_MON_CustMasterSchedule'),
            ('opus_stager', 'SELECT', 'STG_MON_CustMasterSchedule_Subitems'),
            ('opus_stager', 'INSERT', 'STG_MON_CustMasterSchedule_Subitems'),
            ('opus_stager', 'UPDATE', 'STG_MON_CustMasterSchedule_Subitems'),
            ('opus_stager', 'SELECT', 'MON_UpdateBatch'),
            ('opus_stager', 'INSERT', 'MON_UpdateBatch'),
            ('opus_stager', 'UPDATE', 'MON_UpdateBatch'),
            ('opus_stager', 'SELECT', 'MON_UpdateQueue'),
            ('opus_stager', 'INSERT', 'MON_UpdateQueue'),
            ('opus_stager', 'UPDATE', 'MON_UpdateQueue'),
            ('opus_stager', 'SELECT', 'MON_RunLog'),
            ('opus_stager', 'INSERT', 'MON_RunLog'),
            ('opus_stager', 'UPDATE', 'MON_RunLog'),
            ('opus_stager', 'SELECT', 'MON_UpdateAudit'),
            ('opus_stager', 'SELECT', 'MON_Board'),
            ('opus_stager', 'SELECT', 'MON_BoardColumn'),
            ('opus_stager', 'SELECT', 'MON_BoardGroup'),
            ('opus_stager', 'SELECT', 'MON_BoardItem'),
            ('opus_stager', 'SELECT', 'MON_User'),
            ('opus_stager', 'SELECT', 'MON_ColumnType'),
            ('opus_stager', 'SELECT', 'MON_ColumnMap'),
            ('opus_stager', 'SELECT', 'MON_ValidationRule'),
            ('opus_stager', 'SELECT', 'MON_SchemaVersion'),
            ('opus_sender', 'SELECT', 'MON_Board'),
            ('opus_sender', 'INSERT', 'MON_Board'),
            ('opus_sender', 'UPDATE', 'MON_Board'),
            ('opus_sender', 'SELECT', 'MON_BoardColumn'),
            ('opus_sender', 'INSERT', 'MON_BoardColumn'),
            ('opus_sender', 'UPDATE', 'MON_BoardColumn'),
            ('opus_sender', 'DELETE', 'MON_BoardColumn'),
            ('opus_sender', 'SELECT', 'MON_BoardGroup'),
            ('opus_sender', 'INSERT', 'MON_BoardGroup'),
            ('opus_sender', 'UPDATE', 'MON_BoardGroup'),
            ('opus_sender', 'DELETE', 'MON_BoardGroup'),
            ('opus_sender', 'SELECT', 'MON_BoardItem'),
            ('opus_sender', 'INSERT', 'MON_BoardItem'),
            ('opus_sender', 'UPDATE', 'MON_BoardItem'),
            ('opus_sender', 'DELETE', 'MON_BoardItem'),
            ('opus_sender', 'SELECT', 'MON_User'),
            ('opus_sender', 'INSERT', 'MON_User'),
            ('opus_sender', 'UPDATE', 'MON_User'),
            ('opus_sender', 'SELECT', 'MON_ColumnType'),
            ('opus_sender', 'SELECT', 'MON_UpdateBatch'),
            ('opus_sender', 'UPDATE', 'MON_UpdateBatch'),
            ('opus_sender', 'SELECT', 'MON_UpdateQueue'),
            ('opus_sender', 'UPDATE', 'MON_UpdateQueue'),
            ('opus_sender', 'SELECT', 'MON_UpdateAudit'),
            ('opus_sender', 'INSERT', 'MON_UpdateAudit'),
            ('opus_sender', 'UPDATE', 'MON_UpdateAudit'),
            ('opus_sender', 'SELECT', 'MON_UpdatePreview'),
            ('opus_sender', 'INSERT', 'MON_UpdatePreview'),
            ('opus_sender', 'DELETE', 'MON_UpdatePreview'),
            ('opus_sender', 'SELECT', 'MON_RunLog'),
            ('opus_sender', 'INSERT', 'MON_RunLog'),
            ('opus_sender', 'UPDATE', 'MON_RunLog'),
            ('opus_sender', 'SELECT', 'MON_SchemaVersion')
        ) AS v (role_name, privilege, table_name)
        WHERE EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = v.role_name)
            AND to_regclass('dbo.' || lower(v.table_name)) IS NOT NULL
    LOOP
        IF NOT has_table_privilege(g.role_name, 'dbo.' || lower(g.table_name), g.privilege || ' WITH GRANT OPTION') THEN
            EXECUTE format('REVOKE %s ON TABLE dbo.%I FROM %I', g.privilege, lower(g.table_name), g.role_name);
        END IF;
    END LOOP;

    FOR g IN
        SELECT v.role_name, v.privileges, v.object_name, v.kind
        FROM (VALUES
            -- opus_stager: the batch life cycle (each public procedure with the work routine of its shell)
            ('opus_stager', 'EXECUTE', 'usp_StageUpdates', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_Private_StageUpdates_Work', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_ValidateStagedUpdates', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_Private_ValidateStagedUpdates_Work', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_ReleaseBatch', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_Private_ReleaseBatch_Work', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_CancelBatch', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_Private_CancelBatch_Work', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_StageRollback', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_Private_StageRollback_Work', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_ApproveBatch', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_Private_ApproveBatch_Work', 'routine'),
            -- the shells' first call: refuses a caller's open transaction (touches no table)
            ('opus_stager', 'EXECUTE', 'usp_Private_RefuseOpenTransaction', 'routine'),
            ('opus_stager', 'SELECT', 'vw_MON_BatchSummary', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_ValidationErrors', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_UpdatePreview', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_AuditTrail', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_StuckOrFailedRows', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_SendQueue', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_BoardLabels', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_UserNames', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_HeldBackCells', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_PreImage', 'view'),
            -- opus_sender: what opus-sender calls (sync-board, send, dry run) and reads
            ('opus_sender', 'EXECUTE', 'usp_UpsertBoardMetadata', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_Private_UpsertBoardMetadata_Work', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_ClaimQueueRows', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_ExtendLease', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_Private_ExtendLease_Work', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_ReleaseLease', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_Private_ReleaseLease_Work', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_RecordCreatedItem', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_Private_RecordCreatedItem_Work', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_RecordSendResult', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_Private_RecordSendResult_Work', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_RecordPreview', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_Private_RecordPreview_Work', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_Private_RefuseOpenTransaction', 'routine'),
            ('opus_sender', 'SELECT', 'vw_MON_BatchSummary', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_ValidationErrors', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_UpdatePreview', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_AuditTrail', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_StuckOrFailedRows', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_SendQueue', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_BoardLabels', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_UserNames', 'view'),
            ('opus_sender', 'EXECUTE', 'usp_RecordPreImage', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_Private_RecordPreImage_Work', 'routine'),
            ('opus_sender', 'SELECT', 'vw_MON_PreImage', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_HeldBackCells', 'view'),
            -- opus_reader: the views
            ('opus_reader', 'SELECT', 'vw_MON_BatchSummary', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_ValidationErrors', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_UpdatePreview', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_AuditTrail', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_StuckOrFailedRows', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_SendQueue', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_BoardLabels', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_UserNames', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_PreImage', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_HeldBackCells', 'view')
        ) AS v (role_name, privileges, object_name, kind)
        WHERE EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = v.role_name)
    LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA dbo TO %I', g.role_name);
        IF g.kind = 'routine' THEN
            -- every overload of an existing routine, by its exact signature
            FOR v_sig IN
                SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
                FROM pg_proc AS p
                JOIN pg_namespace AS n ON n.oid = p.pronamespace
                WHERE n.nspname = 'dbo' AND p.proname = lower(g.object_name)
            LOOP
                EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO %I', v_sig, g.role_name);
            END LOOP;
        ELSE
            SELECT c.relkind INTO v_kind
            FROM pg_class AS c
            JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = 'dbo' AND c.relname = lower(g.object_name);
            IF v_kind IN ('v', 'm') THEN
                EXECUTE format('GRANT %s ON TABLE dbo.%I TO %I', g.privileges, lower(g.object_name), g.role_name);
            ELSIF v_kind IS NULL THEN
                RAISE NOTICE 'roles.sql: % not granted % on dbo.%: not installed yet (install again once it is)',
                    g.role_name, g.privileges, g.object_name;
            END IF;
            v_kind := NULL;
        END IF;
    END LOOP;
END
$grants$;
