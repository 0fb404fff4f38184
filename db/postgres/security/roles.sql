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
-- routine to PUBLIC; that is revoked on schema dbo here, with every privilege an earlier install granted
-- the three roles, before the lists below are granted again.
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

-- 2. the owner: opus_owner owns every routine and view of schema dbo and may use every table of it
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
        WHERE n.nspname = 'dbo' AND p.proowner <> (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = 'opus_owner')
        UNION ALL
        SELECT format('ALTER VIEW %I.%I OWNER TO opus_owner', n.nspname, c.relname)
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'dbo' AND c.relkind = 'v'
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
    v_role text;
BEGIN
    -- nobody but the owner and the roles below calls the project's routines; what an earlier install granted
    -- the roles (table privileges, the internal helpers) is revoked first
    REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA dbo FROM PUBLIC;
    FOREACH v_role IN ARRAY ARRAY['opus_stager', 'opus_sender', 'opus_reader'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = v_role) THEN
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA dbo FROM %I', v_role);
            EXECUTE format('REVOKE ALL ON ALL ROUTINES IN SCHEMA dbo FROM %I', v_role);
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
