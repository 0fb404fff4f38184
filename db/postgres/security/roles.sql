-- roles.sql: the project's database roles, least privilege (PostgreSQL). Idempotent: run by every install.
-- Twin of db/security/roles.sql; the same three roles with the same purpose:
--
--   opus_stager  stages, validates, releases, cancels and rolls back batches, and reads the views.
--                usp_StageUpdates runs the caller's p_query with the caller's own privileges (no SECURITY
--                DEFINER, by design), so a stager also needs SELECT on the source tables of their queries:
--                the DBA grants that separately (GRANT SELECT ON my_schema.my_table TO opus_stager;).
--   opus_sender  the sender process: board metadata upsert, claim / lease / record routines, reads the
--                queue, the batches and the views.
--   opus_reader  reads the views, nothing else.
--
-- Roles are cluster-wide in PostgreSQL: each is created once, NOLOGIN, only when missing (another
-- database of the cluster may have created it already, possibly at this very moment); the grants below are
-- per database. Give people and services login roles of their own and make them members:
--     CREATE ROLE planner LOGIN PASSWORD '...' IN ROLE opus_reader;
--
-- Why the table grants (SQL Server needs none of them): PostgreSQL has no ownership chaining. The
-- project's routines are SECURITY INVOKER (usp_StageUpdates must run the caller's query with the caller's
-- privileges, and the rest follow the same rule so both engines behave alike), so every table a routine
-- reads or writes is checked against the CALLER. A role that may EXECUTE a routine therefore needs the
-- table privileges that routine uses: exactly those are granted, per role, and nothing more (no DELETE
-- where no routine of the role deletes, no table a role's routines never touch). The internal helpers
-- (usp_Private_*, fn_MON_*) run as the caller too, so the stager and the sender may execute them. Views run
-- with their owner's privileges, so readers need SELECT on the views only (and EXECUTE on the read-only
-- fn_MON_* helpers, which a view may call: functions in a view are checked against the view's user).
-- PostgreSQL grants EXECUTE on every new routine to PUBLIC; that is revoked on schema dbo here, so only
-- these roles (and the owner) can call the project's routines.
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
    WHERE r.rolname IN ('opus_stager', 'opus_sender', 'opus_reader') AND r.rolcanlogin;
    IF v_role IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '50910', MESSAGE = format(
            'roles.sql: the role(s) %s can log in, so they are not the project''s group roles and would receive '
            'its grants. Run ALTER ROLE ... NOLOGIN (give people login roles of their own and GRANT the group '
            'role to them), then install again.', v_role);
    END IF;

    SELECT r.rolsuper OR r.rolcreaterole INTO v_can_create FROM pg_roles AS r WHERE r.rolname = current_user;
    FOREACH v_role IN ARRAY ARRAY['opus_stager', 'opus_sender', 'opus_reader'] LOOP
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

-- 2. the grants
DO $grants$
DECLARE
    g record;
    v_sig text;
    v_kind "char";
BEGIN
    -- nobody but the owner and the roles below calls the project's routines
    REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA dbo FROM PUBLIC;

    FOR g IN
        SELECT v.role_name, v.privileges, v.object_name, v.kind
        FROM (VALUES
            -- opus_stager: the batch life cycle
            ('opus_stager', 'EXECUTE', 'usp_StageUpdates', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_ValidateStagedUpdates', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_ReleaseBatch', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_CancelBatch', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_StageRollback', 'routine'),
            ('opus_stager', 'EXECUTE', 'usp_Private_%', 'routine pattern'),
            ('opus_stager', 'EXECUTE', 'fn_MON_%', 'routine pattern'),
            -- ... and the tables those routines use, as the caller (no ownership chaining, see above):
            -- staging writes staged rows and batches, validation updates them, release and rollback
            -- write queue rows, cancel updates them; every call writes its run-log row
            ('opus_stager', 'SELECT, INSERT, UPDATE', 'STG_MON_CustMasterSchedule', 'table'),
            ('opus_stager', 'SELECT, INSERT, UPDATE', 'STG_MON_CustMasterSchedule_Subitems', 'table'),
            ('opus_stager', 'SELECT, INSERT, UPDATE', 'MON_UpdateBatch', 'table'),
            ('opus_stager', 'SELECT, INSERT, UPDATE', 'MON_UpdateQueue', 'table'),
            ('opus_stager', 'SELECT, INSERT, UPDATE', 'MON_RunLog', 'table'),
            ('opus_stager', 'SELECT', 'MON_UpdateAudit', 'table'),
            ('opus_stager', 'SELECT', 'MON_Board', 'table'),
            ('opus_stager', 'SELECT', 'MON_BoardColumn', 'table'),
            ('opus_stager', 'SELECT', 'MON_BoardGroup', 'table'),
            ('opus_stager', 'SELECT', 'MON_BoardItem', 'table'),
            ('opus_stager', 'SELECT', 'MON_User', 'table'),
            ('opus_stager', 'SELECT', 'MON_ColumnType', 'table'),
            ('opus_stager', 'SELECT', 'MON_ColumnMap', 'table'),
            ('opus_stager', 'SELECT', 'MON_ValidationRule', 'table'),
            ('opus_stager', 'SELECT', 'MON_SchemaVersion', 'table'),
            ('opus_stager', 'SELECT', 'vw_MON_BatchSummary', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_ValidationErrors', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_UpdatePreview', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_AuditTrail', 'view'),
            ('opus_stager', 'SELECT', 'vw_MON_StuckOrFailedRows', 'view'),
            -- opus_sender: what opus-sender calls
            ('opus_sender', 'EXECUTE', 'usp_UpsertBoardMetadata', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_ClaimQueueRows', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_ExtendLease', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_ReleaseLease', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_RecordCreatedItem', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_RecordSendResult', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_RecordPreview', 'routine'),
            ('opus_sender', 'EXECUTE', 'usp_Private_%', 'routine pattern'),
            ('opus_sender', 'EXECUTE', 'fn_MON_%', 'routine pattern'),
            -- ... and the tables those routines use as the caller: the metadata upsert replaces columns,
            -- groups, items and users of a board; claim and record update queue rows and batches, write
            -- audit rows (and mark the audited rows of a rolled-back batch); the dry run replaces preview
            -- rows. The sender also reads batches and queue rows directly (send, status)
            ('opus_sender', 'SELECT, INSERT, UPDATE', 'MON_Board', 'table'),
            ('opus_sender', 'SELECT, INSERT, UPDATE, DELETE', 'MON_BoardColumn', 'table'),
            ('opus_sender', 'SELECT, INSERT, UPDATE, DELETE', 'MON_BoardGroup', 'table'),
            ('opus_sender', 'SELECT, INSERT, UPDATE, DELETE', 'MON_BoardItem', 'table'),
            ('opus_sender', 'SELECT, INSERT, UPDATE', 'MON_User', 'table'),
            ('opus_sender', 'SELECT', 'MON_ColumnType', 'table'),
            ('opus_sender', 'SELECT, UPDATE', 'MON_UpdateBatch', 'table'),
            ('opus_sender', 'SELECT, UPDATE', 'MON_UpdateQueue', 'table'),
            ('opus_sender', 'SELECT, INSERT, UPDATE', 'MON_UpdateAudit', 'table'),
            ('opus_sender', 'SELECT, INSERT, DELETE', 'MON_UpdatePreview', 'table'),
            ('opus_sender', 'SELECT, INSERT, UPDATE', 'MON_RunLog', 'table'),
            ('opus_sender', 'SELECT', 'MON_SchemaVersion', 'table'),
            ('opus_sender', 'SELECT', 'vw_MON_BatchSummary', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_ValidationErrors', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_UpdatePreview', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_AuditTrail', 'view'),
            ('opus_sender', 'SELECT', 'vw_MON_StuckOrFailedRows', 'view'),
            -- opus_reader: the views (and the read-only helpers a view may call)
            ('opus_reader', 'EXECUTE', 'fn_MON_%', 'routine pattern'),
            ('opus_reader', 'SELECT', 'vw_MON_BatchSummary', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_ValidationErrors', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_UpdatePreview', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_AuditTrail', 'view'),
            ('opus_reader', 'SELECT', 'vw_MON_StuckOrFailedRows', 'view')
        ) AS v (role_name, privileges, object_name, kind)
        WHERE EXISTS (SELECT 1 FROM pg_roles AS r WHERE r.rolname = v.role_name)
    LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA dbo TO %I', g.role_name);
        IF g.kind IN ('routine', 'routine pattern') THEN
            -- every overload of an existing routine, by its exact signature
            FOR v_sig IN
                SELECT format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
                FROM pg_proc AS p
                JOIN pg_namespace AS n ON n.oid = p.pronamespace
                WHERE n.nspname = 'dbo'
                    AND CASE WHEN g.kind = 'routine' THEN p.proname = lower(g.object_name)
                        ELSE p.proname LIKE replace(lower(g.object_name), '_', '\_') END
                    -- a reader may call the fn_MON_* helpers only when they are functions
                    AND (g.role_name <> 'opus_reader' OR p.prokind = 'f')
            LOOP
                EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO %I', v_sig, g.role_name);
            END LOOP;
        ELSE
            SELECT c.relkind INTO v_kind
            FROM pg_class AS c
            JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = 'dbo' AND c.relname = lower(g.object_name);
            IF (g.kind = 'table' AND v_kind IN ('r', 'p')) OR (g.kind = 'view' AND v_kind IN ('v', 'm')) THEN
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
