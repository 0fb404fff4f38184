-- roles.sql: the project's database roles, least privilege (SQL Server). Idempotent: run by every install.
--
--   opus_stager  people and jobs that stage, validate, release, cancel and roll back batches, and read the
--                views. usp_StageUpdates runs the caller's @query with the CALLER's own permissions (dynamic
--                SQL breaks the ownership chain, by design), so a stager also needs SELECT on the source
--                tables of their queries: the DBA grants that separately, e.g.
--                    GRANT SELECT ON dbo.CustMasterSchedule TO opus_stager;
--   opus_sender  the sender process (opus-sender): board metadata upsert, claim / lease / record
--                procedures and SELECT on the views; it reads no table directly.
--   opus_reader  reads the views, nothing else.
--
-- The procedures and views are owned by dbo, as are the tables they use, so ownership chaining lets a role
-- that may EXECUTE a procedure (or SELECT a view) use the tables behind it without any table permission.
-- The only table permission listed below is for what a procedure reads with dynamic SQL (which breaks the
-- ownership chain): validation's no-op check reads the loaded rows of the two staging tables, and calls
-- dbo.fn_MON_Private_NormalizeNumber, as the caller; hence the stager's SELECT on those tables and EXECUTE on
-- that one function. Staged rows are inserted with static SQL, through the chain: no role may insert,
-- update or delete a table. What 0.1.0 granted beyond these lists (INSERT on the staging tables, the
-- sender's direct reads) is revoked below, by an explicit list; nothing the DBA granted is touched.
-- usp_PurgeRunLog is granted to no role (run it as the job owner, see db/ops/create_agent_jobs.sql).
--
-- Procedures and views are added to the product over time: the grants are kept in the list below and a
-- grant is issued only for an object that exists with the expected type; re-run this script (or the
-- installer) after adding objects. Members are added by the DBA:
--     ALTER ROLE opus_reader ADD MEMBER [DOMAIN\planner];
-- Twin of db/postgres/security/roles.sql.

-- a database principal with a role's name that is not a role (a user, say) would receive the grants:
-- refuse rather than grant to it
IF EXISTS (
    SELECT 1
    FROM sys.database_principals AS dp
    WHERE dp.name IN (N'opus_stager', N'opus_sender', N'opus_reader') AND dp.type <> 'R'
)
BEGIN
    DECLARE @msg nvarchar(2048) = CONCAT(
        N'roles.sql: a database principal named opus_stager, opus_sender or opus_reader exists but is not',
        N' a database role, and would receive the grants. Rename or drop that principal (SELECT name,',
        N' type_desc FROM sys.database_principals WHERE name LIKE N''opus[_]%''), then run the install again.'
    );
    THROW 50910, @msg, 1;
END;
GO

IF DATABASE_PRINCIPAL_ID(N'opus_stager') IS NULL
BEGIN
    CREATE ROLE opus_stager;
END;
GO
IF DATABASE_PRINCIPAL_ID(N'opus_sender') IS NULL
BEGIN
    CREATE ROLE opus_sender;
END;
GO
IF DATABASE_PRINCIPAL_ID(N'opus_reader') IS NULL
BEGIN
    CREATE ROLE opus_reader;
END;
GO

SET NOCOUNT ON;

DECLARE @grants TABLE (
    role_name sysname NOT NULL,
    permission_name varchar(20) NOT NULL,
    object_name sysname NOT NULL,
    object_type char(2) NOT NULL,  -- P procedure, V view, U table, FN scalar function
    PRIMARY KEY (role_name, permission_name, object_name)
);

INSERT INTO @grants (role_name, permission_name, object_name, object_type)
VALUES
-- opus_stager: the batch life cycle a DBA or planner drives from SSMS
('opus_stager', 'EXECUTE', N'usp_StageUpdates', 'P'),
('opus_stager', 'EXECUTE', N'usp_ValidateStagedUpdates', 'P'),
('opus_stager', 'EXECUTE', N'usp_ReleaseBatch', 'P'),
('opus_stager', 'EXECUTE', N'usp_CancelBatch', 'P'),
('opus_stager', 'EXECUTE', N'usp_StageRollback', 'P'),
('opus_stager', 'EXECUTE', N'usp_ApproveBatch', 'P'),
('opus_stager', 'SELECT', N'vw_MON_BatchSummary', 'V'),
('opus_stager', 'SELECT', N'vw_MON_ValidationErrors', 'V'),
('opus_stager', 'SELECT', N'vw_MON_UpdatePreview', 'V'),
('opus_stager', 'SELECT', N'vw_MON_AuditTrail', 'V'),
('opus_stager', 'SELECT', N'vw_MON_StuckOrFailedRows', 'V'),
('opus_stager', 'SELECT', N'vw_MON_SendQueue', 'V'),
('opus_stager', 'SELECT', N'vw_MON_BoardLabels', 'V'),
('opus_stager', 'SELECT', N'vw_MON_UserNames', 'V'),
('opus_stager', 'SELECT', N'vw_MON_HeldBackCells', 'V'),
('opus_stager', 'SELECT', N'vw_MON_PreImage', 'V'),
-- ... and what validation's no-op check reads with dynamic SQL, as the caller: the loaded rows of the
-- staging tables and the number normaliser it applies to them. No INSERT, UPDATE or DELETE: staging,
-- validation and release write staged rows with static SQL, through the ownership chain
('opus_stager', 'SELECT', N'STG_MON_CustMasterSchedule', 'U'),
('opus_stager', 'SELECT', N'STG_MON_CustMasterSchedule_Subitems', 'U'),
('opus_stager', 'EXECUTE', N'fn_MON_Private_NormalizeNumber', 'FN'),
-- opus_sender: what opus-sender calls (sync-board, send, dry run) and reads
('opus_sender', 'EXECUTE', N'usp_UpsertBoardMetadata', 'P'),
('opus_sender', 'EXECUTE', N'usp_ClaimQueueRows', 'P'),
('opus_sender', 'EXECUTE', N'usp_ExtendLease', 'P'),
('opus_sender', 'EXECUTE', N'usp_ReleaseLease', 'P'),
('opus_sender', 'EXECUTE', N'usp_RecordCreatedItem', 'P'),
('opus_sender', 'EXECUTE', N'usp_RecordSendResult', 'P'),
('opus_sender', 'EXECUTE', N'usp_RecordPreview', 'P'),
('opus_sender', 'SELECT', N'vw_MON_BatchSummary', 'V'),
('opus_sender', 'SELECT', N'vw_MON_ValidationErrors', 'V'),
('opus_sender', 'SELECT', N'vw_MON_UpdatePreview', 'V'),
('opus_sender', 'SELECT', N'vw_MON_AuditTrail', 'V'),
('opus_sender', 'SELECT', N'vw_MON_StuckOrFailedRows', 'V'),
-- ... the views send, status and the dry-run report read (open queue rows, status labels, user names)
('opus_sender', 'SELECT', N'vw_MON_SendQueue', 'V'),
('opus_sender', 'SELECT', N'vw_MON_BoardLabels', 'V'),
('opus_sender', 'SELECT', N'vw_MON_UserNames', 'V'),
('opus_sender', 'EXECUTE', N'usp_RecordPreImage', 'P'),
('opus_sender', 'SELECT', N'vw_MON_PreImage', 'V'),
('opus_sender', 'SELECT', N'vw_MON_HeldBackCells', 'V'),
-- opus_reader: the views only
('opus_reader', 'SELECT', N'vw_MON_BatchSummary', 'V'),
('opus_reader', 'SELECT', N'vw_MON_ValidationErrors', 'V'),
('opus_reader', 'SELECT', N'vw_MON_UpdatePreview', 'V'),
('opus_reader', 'SELECT', N'vw_MON_AuditTrail', 'V'),
('opus_reader', 'SELECT', N'vw_MON_StuckOrFailedRows', 'V'),
('opus_reader', 'SELECT', N'vw_MON_SendQueue', 'V'),
('opus_reader', 'SELECT', N'vw_MON_BoardLabels', 'V'),
('opus_reader', 'SELECT', N'vw_MON_UserNames', 'V'),
('opus_reader', 'SELECT', N'vw_MON_PreImage', 'V'),
('opus_reader', 'SELECT', N'vw_MON_HeldBackCells', 'V');

DECLARE
    @sql nvarchar(MAX),
    @missing nvarchar(MAX);

-- GRANT is idempotent; names are quoted with QUOTENAME, and only objects that exist with the listed type
-- are granted (a view name that is a table, say, is skipped and reported)
SELECT
    @sql = STRING_AGG(
        CONVERT(
            nvarchar(MAX),
            N'GRANT ' + g.permission_name + N' ON OBJECT::dbo.' + QUOTENAME(g.object_name)
            + N' TO ' + QUOTENAME(g.role_name) + N';'
        ),
        NCHAR(10)
    )
FROM @grants AS g
WHERE OBJECT_ID(N'dbo.' + QUOTENAME(g.object_name), g.object_type) IS NOT NULL;

SELECT
    @missing = STRING_AGG(
        CONVERT(nvarchar(MAX), g.role_name + N': ' + g.permission_name + N' dbo.' + g.object_name), N', '
    )
FROM @grants AS g
WHERE OBJECT_ID(N'dbo.' + QUOTENAME(g.object_name), g.object_type) IS NULL;

IF @sql IS NOT NULL
BEGIN
    EXEC sys.sp_executesql @sql;
END;

-- what an earlier release granted and the lists above no longer hold, named one by one: 0.1.0 granted these
-- (0.2.0 and 0.3.0 granted exactly the lists above). Nothing else is revoked: a permission the DBA grants a
-- role - SELECT on the source tables of the stagers' queries, say - is the DBA's and stays. No list is read
-- from the catalog (tests/static/test_revokes.py). The fn_MON_* functions 0.1.0 granted the stager carry no
-- grant any more: every install drops and creates them again (ddl/drop_code_objects.sql).
-- Only a plain GRANT of a listed permission is revoked, so this is idempotent: a DENY (REVOKE would remove
-- it) and a grant WITH GRANT OPTION (its REVOKE would need CASCADE, Msg 4611) are the DBA's own and stay.
DECLARE @legacy TABLE (
    role_name sysname NOT NULL,
    permission_name varchar(20) NOT NULL,
    object_name sysname NOT NULL,
    granted bit NOT NULL DEFAULT 0,  -- 1: held as a plain GRANT (state 'G'), the only form revoked
    PRIMARY KEY (role_name, permission_name, object_name)
);

INSERT INTO @legacy (role_name, permission_name, object_name)
VALUES
('opus_stager', 'INSERT', N'STG_MON_CustMasterSchedule'),
('opus_stager', 'INSERT', N'STG_MON_CustMasterSchedule_Subitems'),
('opus_stager', 'SELECT', N'MON_SchemaVersion'),
('opus_sender', 'SELECT', N'MON_UpdateBatch'),
('opus_sender', 'SELECT', N'MON_UpdateQueue'),
('opus_sender', 'SELECT', N'MON_SchemaVersion'),
('opus_sender', 'SELECT', N'MON_UpdatePreview'),
('opus_sender', 'SELECT', N'MON_BoardColumn'),
('opus_sender', 'SELECT', N'MON_User');

UPDATE l
SET l.granted = 1
FROM @legacy AS l
WHERE EXISTS (
    SELECT 1
    FROM sys.database_permissions AS dp
    WHERE
        dp.class = 1
        AND dp.major_id = OBJECT_ID(N'dbo.' + QUOTENAME(l.object_name), N'U')
        AND dp.grantee_principal_id = DATABASE_PRINCIPAL_ID(l.role_name)
        AND dp.permission_name = l.permission_name COLLATE DATABASE_DEFAULT
        AND dp.state = 'G'
);

SET @sql = NULL;
SELECT
    @sql = STRING_AGG(
        CONVERT(
            nvarchar(MAX),
            N'REVOKE ' + l.permission_name + N' ON OBJECT::dbo.' + QUOTENAME(l.object_name) + N' FROM '
            + QUOTENAME(l.role_name) + N';'
        ),
        NCHAR(10)
    )
FROM @legacy AS l
WHERE
    l.granted = 1
    AND OBJECT_ID(N'dbo.' + QUOTENAME(l.object_name), N'U') IS NOT NULL
    AND DATABASE_PRINCIPAL_ID(l.role_name) IS NOT NULL;

IF @sql IS NOT NULL
BEGIN
    EXEC sys.sp_executesql @sql;
END;

IF @missing IS NOT NULL
BEGIN
    PRINT N'roles.sql: not granted (the object is not installed yet; run the install again once it is): '
    + @missing;
END;
GO
