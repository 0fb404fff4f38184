-- =====================================================================================================
-- OPUS Update Boards: uninstall (SQL Server 2017 or later). Run it in the project's database.
--
-- PRINTS the statements by default and changes nothing. Read them, then set @print_only = 'N' and run
-- again to execute them, all in one transaction (all or nothing).
--
-- Drops: the project's views, procedures and functions, the foreign keys that point at its tables, its
-- MON_* tables (batches, queue, metadata, run log, schema version: their rows are lost), and the roles
-- opus_stager, opus_sender and opus_reader (their members are removed from them first; the members
-- themselves, users and logins, are kept). Only objects that exist are named: a partly installed or
-- partly removed database uninstalls without an error.
-- Keeps: dbo.MON_UpdateAudit, the history of every cell sent and its old value (the owner's plan made this
-- table; a later install uses it again), unless @drop_audit = 'Y'. Keeps the loader's tables
-- dbo.STG_MON_CustMasterSchedule and dbo.STG_MON_CustMasterSchedule_Subitems with all their rows and
-- columns. Only with @drop_update_columns = 'Y' are the update columns the project added to them dropped
-- (update_operation, update_fields, source_table, source_query, update_batch_id, validation_status,
-- validation_errors, update_row_no, with their defaults, checks and index), and then the
-- staged rows (rows with an update_batch_id: rows the project wrote, never the loader's) are deleted first,
-- so that no staged row is left looking like a loaded one.
-- SQL Agent jobs made by db/ops/create_agent_jobs.sql are not touched: delete them in SSMS or with
-- EXEC msdb.dbo.sp_delete_job @job_name = N'...'; tSQLt test classes are not touched either.
-- =====================================================================================================

-- configuration ------------------------------------------------------------------------------------------
DECLARE @print_only char(1) = 'Y';          -- 'Y': print the statements only; 'N': execute them
DECLARE @drop_update_columns char(1) = 'N'; -- 'Y': also drop the update columns of STG_MON_* (see above)
DECLARE @drop_audit char(1) = 'N';          -- 'Y': also drop dbo.MON_UpdateAudit and its rows (the history)
-- --------------------------------------------------------------------------------------------------------

SET NOCOUNT ON;
SET XACT_ABORT ON;

IF @print_only IS NULL OR @print_only NOT IN ('Y', 'N') OR @drop_update_columns IS NULL
    OR @drop_update_columns NOT IN ('Y', 'N') OR @drop_audit IS NULL OR @drop_audit NOT IN ('Y', 'N')
BEGIN
    THROW 50920,
    N'uninstall.sql: @print_only, @drop_update_columns and @drop_audit take ''Y'' or ''N'': fix the configuration.',
    1;
END;

-- what the uninstall drops, by name: only what the project creates (a database is shared: a view, function or
-- procedure of someone else's that happens to look like ours is never dropped). Views, then procedures, then
-- functions in the reverse of their install order (a function may use an earlier one); tables hold data and
-- are listed one by one. A listed name that is not installed, or is not of the listed kind, is skipped.
-- tests/contract/test_ops.py checks these lists against the T-SQL sources.
DECLARE @objects TABLE (
    object_name sysname NOT NULL PRIMARY KEY,
    object_kind varchar(10) NOT NULL,  -- VIEW, PROCEDURE, FUNCTION, TABLE
    list_no int IDENTITY (1, 1) NOT NULL  -- the drop order within a kind
);

INSERT INTO @objects (object_name, object_kind)
VALUES
(N'vw_MON_UserNames', 'VIEW'),
(N'vw_MON_HeldBackCells', 'VIEW'),
(N'vw_MON_PreImage', 'VIEW'),
(N'vw_MON_BoardLabels', 'VIEW'),
(N'vw_MON_SendQueue', 'VIEW'),
(N'vw_MON_StuckOrFailedRows', 'VIEW'),
(N'vw_MON_AuditTrail', 'VIEW'),
(N'vw_MON_UpdatePreview', 'VIEW'),
(N'vw_MON_BatchSummary', 'VIEW'),
(N'vw_MON_ValidationErrors', 'VIEW'),
(N'usp_StageUpdates', 'PROCEDURE'),
(N'usp_ValidateStagedUpdates', 'PROCEDURE'),
(N'usp_ReleaseBatch', 'PROCEDURE'),
(N'usp_CancelBatch', 'PROCEDURE'),
(N'usp_StageRollback', 'PROCEDURE'),
(N'usp_ApproveBatch', 'PROCEDURE'),
(N'usp_UpsertBoardMetadata', 'PROCEDURE'),
(N'usp_ClaimQueueRows', 'PROCEDURE'),
(N'usp_ExtendLease', 'PROCEDURE'),
(N'usp_ReleaseLease', 'PROCEDURE'),
(N'usp_RecordCreatedItem', 'PROCEDURE'),
(N'usp_RecordSendResult', 'PROCEDURE'),
(N'usp_RecordPreview', 'PROCEDURE'),
(N'usp_RecordPreImage', 'PROCEDURE'),
(N'usp_ApproveBatch', 'PROCEDURE'),
(N'usp_RecordPreImage', 'PROCEDURE'),
(N'usp_PurgeRunLog', 'PROCEDURE'),
(N'usp_Private_OpenRunLog', 'PROCEDURE'),
(N'usp_Private_CloseRunLog', 'PROCEDURE'),
(N'usp_Private_RefuseOpenTransaction', 'PROCEDURE'),
(N'usp_Private_ValidateBatch', 'PROCEDURE'),
(N'usp_Private_FinishBatchIfDone', 'PROCEDURE'),
(N'fn_MON_Private_CellValueText', 'FUNCTION'),
(N'fn_MON_Private_ParseIdArray', 'FUNCTION'),
(N'fn_MON_Private_TryJson', 'FUNCTION'),
(N'fn_MON_StagedCells', 'FUNCTION'),
(N'fn_MON_Private_StagedFields', 'FUNCTION'),
(N'fn_MON_Private_MapAlias', 'FUNCTION'),
(N'fn_MON_Private_ClosestColumns', 'FUNCTION'),
(N'fn_MON_Private_ForbiddenKeyword', 'FUNCTION'),
(N'fn_MON_Private_QueryParts', 'FUNCTION'),
(N'fn_MON_Private_RowHash', 'FUNCTION'),
(N'fn_MON_Private_BlankQueryText', 'FUNCTION'),
(N'fn_MON_Private_StringifyExpr', 'FUNCTION'),
(N'fn_MON_Private_RatingMax', 'FUNCTION'),
(N'fn_MON_FormatColumnValue', 'FUNCTION'),
(N'fn_MON_Private_FormatValue', 'FUNCTION'),
(N'fn_MON_Private_ColumnLabels', 'FUNCTION'),
(N'fn_MON_Private_NormalizeDate', 'FUNCTION'),
(N'fn_MON_Private_DateText', 'FUNCTION'),
(N'fn_MON_Private_NormalizeNumber', 'FUNCTION'),
(N'fn_MON_Private_NumberText', 'FUNCTION'),
(N'fn_MON_Private_JsonEscape', 'FUNCTION'),
(N'fn_MON_NormalizeTitle', 'FUNCTION'),
(N'MON_UpdatePreview', 'TABLE'),
(N'MON_PreImage', 'TABLE'),
(N'MON_HeldBackCell', 'TABLE'),
(N'MON_PreImage', 'TABLE'),
(N'MON_HeldBackCell', 'TABLE'),
(N'MON_UpdateAudit', 'TABLE'),
(N'MON_UpdateQueue', 'TABLE'),
(N'MON_ValidatedRow', 'TABLE'),
(N'MON_UpdateBatch', 'TABLE'),
(N'MON_ValidationRule', 'TABLE'),
(N'MON_ColumnMap', 'TABLE'),
(N'MON_BoardItem', 'TABLE'),
(N'MON_BoardGroup', 'TABLE'),
(N'MON_BoardColumn', 'TABLE'),
(N'MON_Board', 'TABLE'),
(N'MON_User', 'TABLE'),
(N'MON_ColumnType', 'TABLE'),
(N'MON_RunLog', 'TABLE'),
(N'MON_SchemaVersion', 'TABLE');

-- the audit history stays unless asked for (it holds no foreign key, so nothing else depends on it)
IF @drop_audit = 'N'
BEGIN
    DELETE FROM @objects
    WHERE object_name = N'MON_UpdateAudit';
END;

DECLARE @statements TABLE (
    step int IDENTITY (1, 1) NOT NULL PRIMARY KEY,
    statement nvarchar(MAX) NOT NULL
);

-- 1. views, procedures, functions (in that order: a view may use a function), each only where the name is
--    installed as that kind of object
INSERT INTO @statements (statement)
SELECT N'DROP ' + o.object_kind + N' dbo.' + QUOTENAME(o.object_name) + N';'
FROM @objects AS o
INNER JOIN sys.objects AS so ON so.object_id = OBJECT_ID(N'dbo.' + QUOTENAME(o.object_name))
WHERE
    (o.object_kind = 'VIEW' AND so.type = 'V')
    OR (o.object_kind = 'PROCEDURE' AND so.type = 'P')
    OR (o.object_kind = 'FUNCTION' AND so.type IN ('FN', 'IF', 'TF'))
ORDER BY CASE o.object_kind WHEN 'VIEW' THEN 1 WHEN 'PROCEDURE' THEN 2 ELSE 3 END, o.list_no;

-- 2. every foreign key that points at, or comes from, a table about to be dropped (any table order works)
INSERT INTO @statements (statement)
SELECT
    N'ALTER TABLE ' + QUOTENAME(OBJECT_SCHEMA_NAME(fk.parent_object_id)) + N'.'
    + QUOTENAME(OBJECT_NAME(fk.parent_object_id)) + N' DROP CONSTRAINT ' + QUOTENAME(fk.name) + N';'
FROM sys.foreign_keys AS fk
WHERE EXISTS (
    SELECT 1
    FROM @objects AS o
    WHERE
        o.object_kind = 'TABLE'
        AND OBJECT_ID(N'dbo.' + QUOTENAME(o.object_name), N'U') IN (fk.referenced_object_id, fk.parent_object_id)
)
ORDER BY fk.name;

-- 3. the tables
INSERT INTO @statements (statement)
SELECT N'DROP TABLE dbo.' + QUOTENAME(o.object_name) + N';'
FROM @objects AS o
WHERE o.object_kind = 'TABLE' AND OBJECT_ID(N'dbo.' + QUOTENAME(o.object_name), N'U') IS NOT NULL
ORDER BY o.object_name;

-- 4. only when asked: the update columns of the loader's tables, after the staged rows
IF @drop_update_columns = 'Y'
BEGIN
    DECLARE @stg TABLE (table_name sysname NOT NULL PRIMARY KEY);
    INSERT INTO @stg (table_name)
    SELECT t.table_name
    FROM (VALUES (N'STG_MON_CustMasterSchedule'), (N'STG_MON_CustMasterSchedule_Subitems')) AS t(table_name)
    WHERE OBJECT_ID(N'dbo.' + QUOTENAME(t.table_name), N'U') IS NOT NULL;

    DECLARE @update_columns TABLE (column_name sysname NOT NULL PRIMARY KEY);
    INSERT INTO @update_columns (column_name)
    VALUES
    (N'update_operation'), (N'update_fields'), (N'source_table'), (N'source_query'), (N'update_batch_id'),
    (N'validation_status'), (N'validation_errors'), (N'update_row_no');

    -- the staged rows are the project's own rows (never the loader's): delete them before their batch id
    INSERT INTO @statements (statement)
    SELECT N'DELETE FROM dbo.' + QUOTENAME(s.table_name) + N' WHERE update_batch_id IS NOT NULL;'
    FROM @stg AS s
    WHERE COL_LENGTH(N'dbo.' + QUOTENAME(s.table_name), N'update_batch_id') IS NOT NULL;

    -- indexes on any of the columns (the project's filtered index on update_batch_id, and any other)
    INSERT INTO @statements (statement)
    SELECT DISTINCT N'DROP INDEX ' + QUOTENAME(i.name) + N' ON dbo.' + QUOTENAME(s.table_name) + N';'
    FROM @stg AS s
    INNER JOIN sys.indexes AS i ON i.object_id = OBJECT_ID(N'dbo.' + QUOTENAME(s.table_name))
    INNER JOIN sys.index_columns AS ic ON i.object_id = ic.object_id AND i.index_id = ic.index_id
    INNER JOIN sys.columns AS c ON ic.object_id = c.object_id AND ic.column_id = c.column_id
    INNER JOIN @update_columns AS uc ON c.name = uc.column_name
    WHERE i.is_primary_key = 0 AND i.is_unique_constraint = 0;

    -- the project's check constraints on the columns
    INSERT INTO @statements (statement)
    SELECT N'ALTER TABLE dbo.' + QUOTENAME(s.table_name) + N' DROP CONSTRAINT ' + QUOTENAME(cc.name) + N';'
    FROM @stg AS s
    INNER JOIN sys.check_constraints AS cc ON cc.parent_object_id = OBJECT_ID(N'dbo.' + QUOTENAME(s.table_name))
    WHERE cc.name IN (
        N'CK_' + s.table_name + N'_update_operation', N'CK_' + s.table_name + N'_validation_status'
    );

    -- the defaults of the columns, whatever their names
    INSERT INTO @statements (statement)
    SELECT N'ALTER TABLE dbo.' + QUOTENAME(s.table_name) + N' DROP CONSTRAINT ' + QUOTENAME(dc.name) + N';'
    FROM @stg AS s
    INNER JOIN sys.default_constraints AS dc ON dc.parent_object_id = OBJECT_ID(N'dbo.' + QUOTENAME(s.table_name))
    INNER JOIN sys.columns AS c ON dc.parent_object_id = c.object_id AND dc.parent_column_id = c.column_id
    INNER JOIN @update_columns AS uc ON c.name = uc.column_name;

    -- the columns
    INSERT INTO @statements (statement)
    SELECT N'ALTER TABLE dbo.' + QUOTENAME(s.table_name) + N' DROP COLUMN ' + QUOTENAME(c.name) + N';'
    FROM @stg AS s
    INNER JOIN sys.columns AS c ON c.object_id = OBJECT_ID(N'dbo.' + QUOTENAME(s.table_name))
    INNER JOIN @update_columns AS uc ON c.name = uc.column_name
    ORDER BY s.table_name, c.column_id;
END;

-- 5. the roles: members out (DROP ROLE refuses a role with members or one that owns securables; the roles
--    own none), then the role. No REVOKE: the permissions granted to a role go with it when it is dropped,
--    and a REVOKE built from the catalog would fail on a grant WITH GRANT OPTION (Msg 4611)
INSERT INTO @statements (statement)
SELECT N'ALTER ROLE ' + QUOTENAME(r.name) + N' DROP MEMBER ' + QUOTENAME(m.name) + N';'
FROM sys.database_principals AS r
INNER JOIN sys.database_role_members AS rm ON r.principal_id = rm.role_principal_id
INNER JOIN sys.database_principals AS m ON rm.member_principal_id = m.principal_id
WHERE r.type = 'R' AND r.name IN (N'opus_stager', N'opus_sender', N'opus_reader')
ORDER BY r.name, m.name;

INSERT INTO @statements (statement)
SELECT N'DROP ROLE ' + QUOTENAME(r.name) + N';'
FROM sys.database_principals AS r
WHERE r.type = 'R' AND r.name IN (N'opus_stager', N'opus_sender', N'opus_reader')
ORDER BY r.name;

-- tables, views, procedures and functions that look like the project's but are not listed: reported, never
-- dropped
DECLARE @unlisted nvarchar(MAX);
SELECT @unlisted = STRING_AGG(CONVERT(nvarchar(MAX), so.name), N', ')
FROM sys.objects AS so
WHERE
    so.schema_id = SCHEMA_ID(N'dbo')
    AND (
        (so.type = 'U' AND so.name LIKE N'MON[_]%' AND so.name <> N'MON_UpdateAudit')
        OR (so.type = 'P' AND so.name LIKE N'usp[_]%')
        OR (so.type = 'V' AND so.name LIKE N'vw[_]MON[_]%')
        OR (so.type IN ('FN', 'IF', 'TF') AND so.name LIKE N'fn[_]MON[_]%')
    )
    AND NOT EXISTS (
        SELECT 1
        FROM @objects AS o
        WHERE o.object_name = so.name
    );

-- the audit kept: said with its row count, so that nobody takes it for a leftover
DECLARE @kept nvarchar(400), @audit_rows bigint;
IF @drop_audit = 'N' AND OBJECT_ID(N'dbo.MON_UpdateAudit', N'U') IS NOT NULL
BEGIN
    EXEC sys.sp_executesql
        N'SELECT @n = COUNT_BIG(*) FROM dbo.MON_UpdateAudit;', N'@n bigint OUTPUT', @n = @audit_rows OUTPUT;
    SET @kept = CONCAT(
        N'/* kept: dbo.MON_UpdateAudit with its ', @audit_rows, N' rows (the history of the cells sent);',
        N' set @drop_audit = ''Y'' to drop it too. */'
    );
END;

DECLARE @step int = 1, @last int, @statement nvarchar(MAX);
SELECT @last = MAX(s.step) FROM @statements AS s;

IF @print_only = 'Y'
BEGIN
    PRINT N'-- OPUS Update Boards uninstall, PRINT ONLY: nothing was changed. '
    + N'Set @print_only = ''N'' to execute these statements:';
    WHILE @step <= @last
    BEGIN
        SELECT @statement = s.statement
        FROM @statements AS s
        WHERE s.step = @step;
        PRINT @statement;
        SET @step = @step + 1;
    END;
    IF @kept IS NOT NULL PRINT @kept;
    IF @unlisted IS NOT NULL
    BEGIN
        PRINT N'-- left in place (not in the uninstall list; drop by hand if they are the project''s): '
        + @unlisted;
    END;
    RETURN;
END;

BEGIN TRY
    BEGIN TRANSACTION;
    WHILE @step <= @last
    BEGIN
        SELECT @statement = s.statement
        FROM @statements AS s
        WHERE s.step = @step;
        PRINT @statement;
        EXEC sys.sp_executesql @statement;
        SET @step = @step + 1;
    END;
    COMMIT TRANSACTION;
    PRINT CONCAT(N'-- OPUS Update Boards uninstalled: ', COALESCE(@last, 0), N' statements executed.');
    IF @kept IS NOT NULL PRINT @kept;
    IF @unlisted IS NOT NULL
    BEGIN
        PRINT N'-- left in place (not in the uninstall list; drop by hand if they are the project''s): '
        + @unlisted;
    END;
END TRY
BEGIN CATCH
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    PRINT CONCAT(N'-- uninstall failed at: ', @statement, N' -- nothing was changed.');
    THROW;
END CATCH;
