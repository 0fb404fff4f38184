-- =====================================================================================================
-- OPUS Update Boards 0.4.0: SQL Server installer and upgrader (SQL Server 2017 or later, Azure SQL)
-- GENERATED from db/manifest.txt and db/upgrades/ by `python -m sender.build_installer`. Do not edit
-- this file: edit the sources and rebuild.
-- Run it in the target database:   sqlcmd -b -d <database> -i install.sql   (or SSMS, database selected),
-- when the owner's loader does not run (docs/runbook.md, install): the install changes the loader's tables
-- and holds its locks on them until its COMMIT; it waits at most 30 s for a lock, then rolls back.
-- Safe to run again. One transaction: an error anywhere rolls back everything and stops the script, in
-- SSMS as under sqlcmd -b; existing rows and columns are kept. Refused before anything is changed: an open
-- transaction or IMPLICIT_TRANSACTIONS ON, a server before SQL Server 2017, a compatibility level below 130,
-- a database at a newer schema version, owner's tables of another shape or with rows the checks refuse.
--
-- How a failure stops the script (SSMS goes on to the next batch after an error): every source batch runs
-- as dynamic SQL inside TRY...CATCH, so that even its compile errors (which XACT_ABORT does not roll back)
-- are caught, and sets a marker (#opus_install.batch_ok) only when it completed. The guard batch after it
-- checks the marker and the one transaction; if either is missing it rolls back, raises 50952 and sets
-- NOEXEC ON, so no later batch runs and nothing is committed. The last batch sets NOEXEC OFF again.
-- =====================================================================================================
SET NOCOUNT ON;
SET XACT_ABORT ON;
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
SET ANSI_PADDING ON;
SET ANSI_WARNINGS ON;
SET CONCAT_NULL_YIELDS_NULL ON;
SET ARITHABORT ON;
SET NUMERIC_ROUNDABORT OFF;
GO
-- the refusals (before anything is changed), then the one transaction and its marker
DECLARE
    @open_transactions int = @@TRANCOUNT,
    @implicit_transactions int = @@OPTIONS & 2,
    @product_version nvarchar(128) = CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)),
    @product_major int = TRY_CAST(CAST(SERVERPROPERTY('ProductMajorVersion') AS nvarchar(128)) AS int),
    @engine_edition int = CAST(SERVERPROPERTY('EngineEdition') AS int),
    @compatibility_level int,
    @from_version varchar(20),
    @from_rank int;
-- a T-SQL engine that is not SQL Server (Babelfish, the one the tests run on) reports product version 12.0
-- while it runs what the code needs: it names itself in SERVERPROPERTY('babelfish') and @@VERSION, and is
-- accepted; SQL Server returns NULL for that property. Azure SQL Database (5) and Managed Instance (8) are
-- accepted whatever version they report.
DECLARE @is_babelfish bit = CASE
    WHEN CAST(SERVERPROPERTY('babelfish') AS int) = 1 OR CAST(@@VERSION AS nvarchar(4000)) LIKE N'Babelfish%' THEN 1
    ELSE 0
END;
-- nothing is read from a table while a transaction is open or IMPLICIT_TRANSACTIONS is ON (a SELECT would
-- open one): the first refusal below comes first
IF @open_transactions = 0 AND @implicit_transactions = 0
    SELECT @compatibility_level = compatibility_level FROM sys.databases WHERE database_id = DB_ID();
IF OBJECT_ID(N'dbo.MON_SchemaVersion', N'U') IS NOT NULL AND @open_transactions = 0 AND @implicit_transactions = 0
    EXEC sys.sp_executesql
        N'SELECT TOP (1) @v = schema_version,
                 @r = version_major * 1000000 + version_minor * 1000 + version_patch
          FROM dbo.MON_SchemaVersion
          ORDER BY version_major DESC, version_minor DESC, version_patch DESC;',
        N'@v varchar(20) OUTPUT, @r int OUTPUT', @v = @from_version OUTPUT, @r = @from_rank OUTPUT;
IF @open_transactions > 0 OR @implicit_transactions <> 0
BEGIN
    RAISERROR (N'OPUS install refused (50955): this session has %d open transaction(s) and IMPLICIT_TRANSACTIONS %s, so the install''s COMMIT would commit nothing and its locks on the owner''s tables would stay. Nothing was changed. COMMIT or ROLLBACK, run SET IMPLICIT_TRANSACTIONS OFF; (or open a new query window), then run this script again.', 16, 1, @open_transactions, @implicit_transactions);
    SET NOEXEC ON;
END
ELSE IF @is_babelfish = 0 AND COALESCE(@engine_edition, 0) NOT IN (5, 8) AND COALESCE(@product_major, 0) < 14
BEGIN
    RAISERROR (N'OPUS install refused (50956): the server is SQL Server %s; the procedures need SQL Server 2017 (14.x) or later (STRING_AGG, WITHIN GROUP), or Azure SQL. Nothing was changed. Install on a SQL Server 2017 or later instance.', 16, 1, @product_version);
    SET NOEXEC ON;
END
ELSE IF @compatibility_level < 130 AND @is_babelfish = 0  -- that engine reports 120 and runs 130
BEGIN
    DECLARE @database sysname = DB_NAME();
    RAISERROR (N'OPUS install refused (50950): database %s is at compatibility level %d; the procedures need 130 or higher (OPENJSON, STRING_SPLIT). Nothing was changed. Run ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = 130 (or higher) after checking your other code, then run this script again.', 16, 1, @database, @compatibility_level);
    SET NOEXEC ON;
END
ELSE IF @from_rank > 4000
BEGIN
    RAISERROR (N'OPUS install refused (50951): the database holds schema version %s, newer than this installer (0.4.0); nothing was changed. Use the installer of that version or a newer one.', 16, 1, @from_version);
    SET NOEXEC ON;
END
ELSE
BEGIN
    -- never wait long for a lock the owner's loader holds: fail, roll back, say so (reset at the end)
    SET LOCK_TIMEOUT 30000;
    IF OBJECT_ID(N'tempdb..#opus_install') IS NOT NULL DROP TABLE #opus_install;
    CREATE TABLE #opus_install (
        from_version varchar(20) NULL,
        from_rank int NULL,
        batch_ok bit NOT NULL,  -- set by a batch when it completed, cleared by the guard after it
        owner_locks_at datetime2(3) NULL  -- when the install first changed an owner's table
    );
    PRINT N'OPUS Update Boards: ' + COALESCE(N'upgrading from ' + @from_version, N'new install') + N' to 0.4.0';
    BEGIN TRANSACTION;
    -- inside the transaction: a rollback removes the row, and every later guard stops
    INSERT INTO #opus_install (from_version, from_rank, batch_ok) VALUES (@from_version, @from_rank, 1);
END;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/checks/staging_check_constraints.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- staging_check_constraints: runs first, before anything is changed (before the upgrade steps too). The
-- install adds CHECK constraints to the loader''s staging tables (ddl/updates/extend_staging_tables.sql);
-- SQL Server refuses to add one while a row breaks it (Msg 547), and the owner''s tables may already hold
-- such rows (the plan''s ALTER added the columns without checks). This counts, for every constraint that
-- is not there yet, the rows it would refuse, and refuses the install with one error (50953) naming the
-- table, the constraint, the row count and a SELECT that lists the rows. Nothing was changed then: fix
-- the rows and run the install again. tests/static/test_installer_structure.py holds this list equal to
-- the constraints of extend_staging_tables.sql.
DECLARE @checks TABLE (
    check_no int NOT NULL PRIMARY KEY,
    table_name sysname NOT NULL,
    constraint_name sysname NOT NULL,
    column_name sysname NOT NULL,
    allowed_values nvarchar(400) NOT NULL  -- the IN list: column IS NULL OR column IN (allowed_values)
);
INSERT INTO @checks (check_no, table_name, constraint_name, column_name, allowed_values)
VALUES
(
    1, N''STG_MON_CustMasterSchedule'', N''CK_STG_MON_CustMasterSchedule_update_operation'', N''update_operation'',
    N''''''CREATE'''', ''''UPDATE'''', ''''ARCHIVE''''''
),
(
    2, N''STG_MON_CustMasterSchedule'', N''CK_STG_MON_CustMasterSchedule_validation_status'', N''validation_status'',
    N''''''PENDING'''', ''''VALID'''', ''''INVALID'''', ''''WARNING''''''
),
(
    3, N''STG_MON_CustMasterSchedule_Subitems'', N''CK_STG_MON_CustMasterSchedule_Subitems_update_operation'',
    N''update_operation'', N''''''CREATE'''', ''''UPDATE'''', ''''ARCHIVE''''''
),
(
    4, N''STG_MON_CustMasterSchedule_Subitems'', N''CK_STG_MON_CustMasterSchedule_Subitems_validation_status'',
    N''validation_status'', N''''''PENDING'''', ''''VALID'''', ''''INVALID'''', ''''WARNING''''''
);

DECLARE
    @check_no int = 1,
    @last int = (SELECT MAX(c.check_no) FROM @checks AS c),
    @table_name sysname,
    @constraint_name sysname,
    @column_name sysname,
    @allowed nvarchar(400),
    @refused_where nvarchar(MAX),
    @count_sql nvarchar(MAX),
    @refused bigint,
    @findings nvarchar(MAX);

WHILE @check_no <= @last
BEGIN
    SELECT
        @table_name = c.table_name,
        @constraint_name = c.constraint_name,
        @column_name = c.column_name,
        @allowed = c.allowed_values
    FROM @checks AS c
    WHERE c.check_no = @check_no;

    -- only a constraint still to be added can fail; a column still to be added holds only NULLs
    IF OBJECT_ID(N''dbo.'' + QUOTENAME(@table_name), N''U'') IS NOT NULL
        AND COL_LENGTH(N''dbo.'' + QUOTENAME(@table_name), @column_name) IS NOT NULL
        AND OBJECT_ID(N''dbo.'' + QUOTENAME(@constraint_name), N''C'') IS NULL
    BEGIN
        -- the rows for which the constraint''s condition is FALSE, compared under the column''s collation
        -- (the column names are the project''s own, listed above)
        SET @refused_where = @column_name + N'' NOT IN ('' + @allowed + N'')'';  -- NOT IN skips NULLs
        SET @count_sql = N''SELECT @n = COUNT_BIG(*) FROM dbo.'' + QUOTENAME(@table_name)
            + N'' WHERE '' + @refused_where + N'';'';
        EXEC sys.sp_executesql @count_sql, N''@n bigint OUTPUT'', @n = @refused OUTPUT;
        IF @refused > 0
        BEGIN
            SET @findings = CONCAT(
                @findings + N'' '', @constraint_name, N'': '', @refused, N'' row(s): SELECT * FROM dbo.'', @table_name,
                N'' WHERE '', @refused_where, N'';''
            );
        END;
    END;
    SET @check_no = @check_no + 1;
END;

IF @findings IS NOT NULL
BEGIN
    SET @findings = CONCAT(
        N''OPUS install refused, nothing was changed: rows of the staging tables break the CHECK'',
        N'' constraints the install adds. '', @findings, N'' Correct those values (NULL is allowed; the project'',
        N'' never reads them on rows without update_batch_id), then run the install again.''
    );
    THROW 50953, @findings, 1;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/checks/staging_check_constraints.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/checks/owner_table_shapes.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- owner_table_shapes: runs before anything is changed (a check, like staging_check_constraints.sql). The
-- staging tables and dbo.MON_UpdateAudit come from the owner''s plan and may exist before the install with
-- a shape of their own. The views and procedures bind to the columns listed below; on a table without one
-- of them, or with a type the code cannot write or compare, SQL Server would stop late in the install (Msg
-- 207 at CREATE VIEW or ALTER PROCEDURE) or the first stage would fail. This refuses the install first,
-- with one error (50957) that names every such column, what it is, what the code needs and what to do.
-- Owner''s columns must exist when the table exists; the project''s columns are added by the install when
-- missing, and must fit when present. The audit key widening (create_update_audit.sql: int -> bigint,
-- primary key dropped and created again CLUSTERED) is checked too. A table that does not exist is created
-- by the install and is not checked. Twin of db/postgres/ddl/checks/owner_table_shapes.sql.
DECLARE @want TABLE (
    table_name sysname NOT NULL,
    column_name sysname NOT NULL,
    kind varchar(10) NOT NULL,  -- id: bigint; int: int or bigint; text: a character type of min_chars or more;
    -- max: nvarchar(MAX)
    min_chars int NULL,
    owners bit NOT NULL,  -- 1: the owner''s column, must exist; 0: the project''s, added when missing
    PRIMARY KEY (table_name, column_name)
);

INSERT INTO @want (table_name, column_name, kind, min_chars, owners)
VALUES
(N''STG_MON_CustMasterSchedule'', N''monday_item_id'', ''id'', NULL, 1),
(N''STG_MON_CustMasterSchedule'', N''monday_board_id'', ''id'', NULL, 1),
(N''STG_MON_CustMasterSchedule'', N''item_name'', ''text'', 255, 1),
(N''STG_MON_CustMasterSchedule'', N''group_id'', ''text'', 100, 1),
(N''STG_MON_CustMasterSchedule'', N''update_operation'', ''text'', 7, 0),
(N''STG_MON_CustMasterSchedule'', N''update_fields'', ''max'', NULL, 0),
(N''STG_MON_CustMasterSchedule'', N''source_table'', ''text'', 100, 0),
(N''STG_MON_CustMasterSchedule'', N''source_query'', ''max'', NULL, 0),
(N''STG_MON_CustMasterSchedule'', N''update_batch_id'', ''text'', 50, 0),
(N''STG_MON_CustMasterSchedule'', N''validation_status'', ''text'', 7, 0),
(N''STG_MON_CustMasterSchedule'', N''validation_errors'', ''max'', NULL, 0),
(N''STG_MON_CustMasterSchedule'', N''update_row_no'', ''int'', NULL, 0),
(N''STG_MON_CustMasterSchedule_Subitems'', N''monday_item_id'', ''id'', NULL, 1),
(N''STG_MON_CustMasterSchedule_Subitems'', N''monday_board_id'', ''id'', NULL, 1),
(N''STG_MON_CustMasterSchedule_Subitems'', N''parent_item_id'', ''id'', NULL, 1),
(N''STG_MON_CustMasterSchedule_Subitems'', N''item_name'', ''text'', 255, 1),
(N''STG_MON_CustMasterSchedule_Subitems'', N''group_id'', ''text'', 100, 1),
(N''STG_MON_CustMasterSchedule_Subitems'', N''update_operation'', ''text'', 7, 0),
(N''STG_MON_CustMasterSchedule_Subitems'', N''update_fields'', ''max'', NULL, 0),
(N''STG_MON_CustMasterSchedule_Subitems'', N''source_table'', ''text'', 100, 0),
(N''STG_MON_CustMasterSchedule_Subitems'', N''source_query'', ''max'', NULL, 0),
(N''STG_MON_CustMasterSchedule_Subitems'', N''update_batch_id'', ''text'', 50, 0),
(N''STG_MON_CustMasterSchedule_Subitems'', N''validation_status'', ''text'', 7, 0),
(N''STG_MON_CustMasterSchedule_Subitems'', N''validation_errors'', ''max'', NULL, 0),
(N''STG_MON_CustMasterSchedule_Subitems'', N''update_row_no'', ''int'', NULL, 0),
(N''MON_UpdateAudit'', N''audit_id'', ''int'', NULL, 1),
(N''MON_UpdateAudit'', N''batch_id'', ''text'', 50, 1),
(N''MON_UpdateAudit'', N''update_operation'', ''text'', 7, 1),
(N''MON_UpdateAudit'', N''monday_item_id'', ''id'', NULL, 1),
(N''MON_UpdateAudit'', N''monday_board_id'', ''id'', NULL, 1),
(N''MON_UpdateAudit'', N''column_id'', ''text'', 100, 1),
(N''MON_UpdateAudit'', N''old_value'', ''max'', NULL, 1),
(N''MON_UpdateAudit'', N''new_value'', ''max'', NULL, 1),
(N''MON_UpdateAudit'', N''queue_id'', ''id'', NULL, 0),
(N''MON_UpdateAudit'', N''worker_id'', ''text'', 100, 0),
(N''MON_UpdateAudit'', N''rollback_batch_id'', ''text'', 50, 0);

DECLARE @findings nvarchar(MAX);

WITH have AS (
    SELECT
        w.table_name,
        w.column_name,
        w.kind,
        w.min_chars,
        w.owners,
        ty.name AS type_name,
        CASE
            WHEN c.max_length = -1 THEN -1
            WHEN ty.name IN (N''nchar'', N''nvarchar'') THEN c.max_length / 2
            ELSE c.max_length
        END AS chars,
        c.column_id
    FROM @want AS w
    LEFT OUTER JOIN sys.columns AS c
        ON
            c.object_id = OBJECT_ID(N''dbo.'' + QUOTENAME(w.table_name), N''U'')
            AND c.name = w.column_name COLLATE DATABASE_DEFAULT
    LEFT OUTER JOIN sys.types AS ty ON c.user_type_id = ty.user_type_id
    WHERE OBJECT_ID(N''dbo.'' + QUOTENAME(w.table_name), N''U'') IS NOT NULL
),

wrong AS (
    SELECT
        h.table_name,
        h.column_name,
        CASE
            WHEN h.column_id IS NULL THEN N''missing''
            ELSE CONCAT(
                h.type_name,
                CASE
                    WHEN h.chars = -1 THEN N''(MAX)''
                    WHEN h.type_name LIKE N''%char'' THEN CONCAT(N''('', h.chars, N'')'')
                    ELSE N''''
                END
            )
        END AS found,
        CASE h.kind
            WHEN ''id'' THEN N''bigint''
            WHEN ''int'' THEN N''int or bigint''
            WHEN ''max'' THEN N''nvarchar(MAX)''
            ELSE CONCAT(N''varchar or nvarchar of '', h.min_chars, N'' characters or more'')
        END AS needed,
        CASE h.kind
            WHEN ''id'' THEN N''bigint''
            WHEN ''int'' THEN N''int''
            WHEN ''max'' THEN N''nvarchar(MAX)''
            ELSE CONCAT(N''nvarchar('', h.min_chars, N'')'')
        END AS fix_type
    FROM have AS h
    WHERE
        (h.column_id IS NULL AND h.owners = 1)
        OR (
            h.column_id IS NOT NULL
            AND NOT (
                (h.kind = ''id'' AND h.type_name = N''bigint'')
                OR (h.kind = ''int'' AND h.type_name IN (N''int'', N''bigint''))
                OR (h.kind = ''max'' AND h.type_name = N''nvarchar'' AND h.chars = -1)
                OR (
                    h.kind = ''text'' AND h.type_name IN (N''char'', N''varchar'', N''nchar'', N''nvarchar'')
                    AND (h.chars = -1 OR h.chars >= h.min_chars)
                )
            )
        )
)

SELECT
    @findings = STRING_AGG(
        CONVERT(
            nvarchar(MAX),
            CONCAT(
                N''dbo.'', wr.table_name, N''.'', wr.column_name, N'' is '', wr.found, N'', the code needs '', wr.needed,
                N'' ('', CASE WHEN wr.found = N''missing'' THEN N''ALTER TABLE dbo.'' + wr.table_name + N'' ADD ''
                    ELSE N''ALTER TABLE dbo.'' + wr.table_name + N'' ALTER COLUMN '' END,
                wr.column_name, N'' '', wr.fix_type, N'' NULL;)''
            )
        ),
        N''; ''
    ) WITHIN GROUP (ORDER BY wr.table_name, wr.column_name)
FROM wrong AS wr;

-- user-created statistics on the audit key, read through dynamic SQL: a T-SQL engine without sys.stats_columns
-- (a test engine) then still compiles this check, and has no such statistics
DECLARE @audit_key_stats int = 0;
IF OBJECT_ID(N''sys.stats_columns'') IS NOT NULL
BEGIN
    EXEC sys.sp_executesql
        N''SELECT @n = COUNT(*)
FROM sys.stats_columns AS sc
INNER JOIN sys.stats AS s ON sc.object_id = s.object_id AND sc.stats_id = s.stats_id
WHERE sc.object_id = OBJECT_ID(N''''dbo.MON_UpdateAudit'''') AND s.user_created = 1
    AND sc.column_id = COLUMNPROPERTY(OBJECT_ID(N''''dbo.MON_UpdateAudit''''), N''''audit_id'''', ''''ColumnId'''');'',
        N''@n int OUTPUT'',
        @n = @audit_key_stats OUTPUT;
END;

-- the audit key is widened in place when it is int: SQL Server cannot drop and re-create the primary key
-- CLUSTERED beside another clustered index (Msg 1902), nor alter a column a foreign key, another index or
-- statistics depend on (Msg 3725, 5074)
IF EXISTS (
    SELECT 1 FROM sys.columns
    WHERE
        object_id = OBJECT_ID(N''dbo.MON_UpdateAudit'', N''U'') AND name = N''audit_id''
        AND system_type_id = TYPE_ID(N''int'')
)
    AND (
        EXISTS (
            SELECT 1 FROM sys.indexes AS i
            WHERE i.object_id = OBJECT_ID(N''dbo.MON_UpdateAudit'') AND i.type = 1 AND i.is_primary_key = 0
        )
        OR EXISTS (
            SELECT 1 FROM sys.foreign_keys AS fk
            WHERE fk.referenced_object_id = OBJECT_ID(N''dbo.MON_UpdateAudit'')
        )
        OR EXISTS (
            SELECT 1
            FROM sys.index_columns AS ic
            INNER JOIN sys.indexes AS i ON ic.object_id = i.object_id AND ic.index_id = i.index_id
            WHERE
                ic.object_id = OBJECT_ID(N''dbo.MON_UpdateAudit'') AND i.is_primary_key = 0
                AND ic.column_id = COLUMNPROPERTY(OBJECT_ID(N''dbo.MON_UpdateAudit''), N''audit_id'', ''ColumnId'')
        )
        OR @audit_key_stats > 0
    )
BEGIN
    SET @findings = CONCAT(
        @findings + N''; '',
        N''dbo.MON_UpdateAudit.audit_id is int and the install widens it to bigint with its primary key made'',
        N'' CLUSTERED again, which another clustered index, a foreign key to the table, or another index or'',
        N'' statistics on audit_id prevent (drop or move those, or widen audit_id to bigint yourself)''
    );
END;

IF @findings IS NOT NULL
BEGIN
    DECLARE @msg nvarchar(2048) = LEFT(CONCAT(
        N''OPUS install refused, nothing was changed: the owner''''s tables have a shape the code cannot use. '',
        @findings,
        N''. Change those columns (check the loader and reports that use them first), then run the install again.''
    ), 2048);
    THROW 50957, @msg, 1;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/checks/owner_table_shapes.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ------------------------------------------------ upgrade step (from below 0.2.0): db/upgrades/0.2.0/20_staged_rows_without_board_copy.sql
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 2000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'-- Schema 0.2.0, step 20: staged rows carry no monday_board_id.
-- From 0.2.0 on, usp_StageUpdates writes staged rows (update_batch_id set) with monday_board_id NULL: their
-- board is their batch''s (dbo.MON_UpdateBatch.board_id), so a query over the loader''s rows by board
-- (WHERE monday_board_id = 8709134353 AND monday_item_id = ...) returns the loader''s row only, however many
-- batches were staged before. This step clears the board copy on rows staged by earlier versions; the
-- loader''s own rows (update_batch_id NULL) are not touched. Idempotent: a second run changes nothing.
-- Dynamic SQL: the statements compile only where the tables and columns exist.
SET NOCOUNT ON;

DECLARE @sql nvarchar(MAX) = N'''';
SELECT @sql = @sql + N''UPDATE dbo.'' + QUOTENAME(t.table_name)
    + N'' SET monday_board_id = NULL WHERE update_batch_id IS NOT NULL AND monday_board_id IS NOT NULL;''
FROM (VALUES (N''STG_MON_CustMasterSchedule''), (N''STG_MON_CustMasterSchedule_Subitems'')) AS t(table_name)
WHERE COL_LENGTH(N''dbo.'' + t.table_name, N''update_batch_id'') IS NOT NULL
    AND COL_LENGTH(N''dbo.'' + t.table_name, N''monday_board_id'') IS NOT NULL;
IF @sql <> N''''
    EXEC sys.sp_executesql @sql;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.2.0/20_staged_rows_without_board_copy.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ------------------------------------------------ upgrade step (from below 0.2.0): db/upgrades/0.2.0/21_queue_open_item_index.sql
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 2000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'-- Schema 0.2.0, step 21: index IX_MON_UpdateQueue_open_item on the open queue rows by item.
-- usp_ClaimQueueRows holds back a row while a batch released earlier still has an open row for the same
-- item (overlapping batches go in release order), and validation names the other released batches that
-- write a cell of the batch (OVERLAP_BATCH): both look up open rows by monday_item_id. Idempotent: created
-- only where the table exists and the index does not.
IF OBJECT_ID(N''dbo.MON_UpdateQueue'', N''U'') IS NOT NULL
    AND NOT EXISTS (
        SELECT 1 FROM sys.indexes
        WHERE name = N''IX_MON_UpdateQueue_open_item'' AND object_id = OBJECT_ID(N''dbo.MON_UpdateQueue'')
    )
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_open_item ON dbo.MON_UpdateQueue (monday_item_id, batch_id)
    INCLUDE (queue_status)
    WHERE queue_status IN (''READY'', ''CLAIMED'');
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.2.0/21_queue_open_item_index.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ------------------------------------------------ upgrade step (from below 0.3.0): db/upgrades/0.3.0/10_queue_claim_index_order.sql
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 3000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'-- Schema 0.3.0, step 10: index IX_MON_UpdateQueue_claim in the claim''s order.
-- usp_ClaimQueueRows takes the open rows of a batch ORDER BY queue_id; 0.1.0 and 0.2.0 keyed the index on
-- (batch_id, board_id, visible_after, queue_id), so every claim read and sorted all open rows of the batch
-- to return the first 100 (a claim cost grew with the batch; a batch cost O(N^2)). The index becomes
-- (batch_id, queue_id) with the columns the claim tests included: a claim reads its rows in order and stops.
-- The index is filtered on the open rows (READY, CLAIMED), so rebuilding it reads only those.
-- Idempotent: changed only where the index exists with another second key column (DROP_EXISTING keeps
-- the index in place until the new one is built); a database without it gets it from the table''s DDL.
IF OBJECT_ID(N''dbo.MON_UpdateQueue'', N''U'') IS NOT NULL
    AND EXISTS (
        SELECT 1 FROM sys.indexes
        WHERE name = N''IX_MON_UpdateQueue_claim'' AND object_id = OBJECT_ID(N''dbo.MON_UpdateQueue'')
    )
    AND NOT EXISTS (
        SELECT 1
        FROM sys.indexes AS i
        INNER JOIN sys.index_columns AS ic ON i.object_id = ic.object_id AND i.index_id = ic.index_id
        INNER JOIN sys.columns AS c ON ic.object_id = c.object_id AND ic.column_id = c.column_id
        WHERE
            i.object_id = OBJECT_ID(N''dbo.MON_UpdateQueue'')
            AND i.name = N''IX_MON_UpdateQueue_claim''
            AND ic.key_ordinal = 2
            AND c.name = N''queue_id''
    )
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id)
    INCLUDE (board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id)
    WHERE queue_status IN (''READY'', ''CLAIMED'')
    WITH (DROP_EXISTING = ON);
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.3.0/10_queue_claim_index_order.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ------------------------------------------------ upgrade step (from below 0.4.0): db/upgrades/0.4.0/10_staging_index_unfiltered.sql
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 4000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'-- Schema 0.4.0, step 10: the batch index of the owner''s staging tables becomes a plain index.
-- 0.2.0 and 0.3.0 created IX_STG_MON_CustMasterSchedule_update_batch_id and
-- IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id filtered (WHERE update_batch_id IS NOT NULL).
-- A filtered index makes SQL Server refuse every INSERT, UPDATE and DELETE on its table (Msg 1934) from a
-- writer without the index''s SET options (QUOTED_IDENTIFIER and ANSI_NULLS ON among them): SQL Agent T-SQL
-- job steps, sqlcmd without -I, bcp without -q, procedures created with QUOTED_IDENTIFIER OFF. These are
-- the owner''s loader''s tables, so the filter goes. Only a filtered index of that name is dropped here; the
-- re-runnable ddl/updates/extend_staging_tables.sql, which runs after the steps, creates the plain index
-- with the same keys. No row is touched. Idempotent: a plain index (or none) is left alone.
IF EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE
        name = N''IX_STG_MON_CustMasterSchedule_update_batch_id''
        AND object_id = OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule'')
        AND has_filter = 1
)
BEGIN
    DROP INDEX IX_STG_MON_CustMasterSchedule_update_batch_id ON dbo.STG_MON_CustMasterSchedule;
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.4.0/10_staging_index_unfiltered.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 4000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'IF EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE
        name = N''IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id''
        AND object_id = OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule_Subitems'')
        AND has_filter = 1
)
BEGIN
    DROP INDEX IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id ON dbo.STG_MON_CustMasterSchedule_Subitems;
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.4.0/10_staging_index_unfiltered.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ------------------------------------------------ upgrade step (from below 0.4.0): db/upgrades/0.4.0/20_queue_lock_escalation.sql
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 4000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'-- Schema 0.4.0, step 20: MON_UpdateQueue back at SQL Server''s default lock escalation (TABLE).
-- 0.1.0 to 0.3.0 set LOCK_ESCALATION = DISABLE, because a release or cancel wrote all of a batch''s queue rows in
-- one transaction: a 1M-row release then held about 6M row locks (six indexes per row) in instance-wide lock
-- memory until it committed. Release and cancel now write in committed chunks of a few thousand rows, below
-- the ~5,000 locks at which SQL Server escalates, so the default is safe again and bounds lock memory.
-- Idempotent: changed only where the table''s escalation is not TABLE (lock_escalation 0). A metadata change
-- (Sch-M on the table for a moment): run the install in a quiet window, as for any upgrade.
IF EXISTS (
    SELECT 1
    FROM sys.tables
    WHERE object_id = OBJECT_ID(N''dbo.MON_UpdateQueue'') AND lock_escalation <> 0
)
BEGIN
    -- as text: the project''s T-SQL parser (sqlfluff) has no grammar for the table option
    EXEC (N''ALTER TABLE dbo.MON_UpdateQueue SET (LOCK_ESCALATION = TABLE);'');
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.4.0/20_queue_lock_escalation.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ------------------------------------------------ upgrade step (from below 0.4.0): db/upgrades/0.4.0/21_queue_claim_index_lease_owner.sql
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 4000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'-- Schema 0.4.0, step 21: IX_MON_UpdateQueue_claim includes lease_owner.
-- usp_CancelBatch reads every open row of the batch, lease_owner included, WITH (UPDLOCK). Without the column
-- in the index each row was a key lookup into the clustered index, U-locked there as well: twice the locks of
-- a large batch, on the table every claim and record uses. With it the read is one index, locked on its keys.
-- Idempotent: changed only where the index exists without lease_owner (DROP_EXISTING keeps the index in place
-- until the new one is built; the index is filtered on the open rows, so rebuilding it reads only those).
IF EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_UpdateQueue_claim'' AND object_id = OBJECT_ID(N''dbo.MON_UpdateQueue'')
)
AND NOT EXISTS (
    SELECT 1
    FROM sys.indexes AS i
    INNER JOIN sys.index_columns AS ic ON i.object_id = ic.object_id AND i.index_id = ic.index_id
    INNER JOIN sys.columns AS c ON ic.object_id = c.object_id AND ic.column_id = c.column_id
    WHERE
        i.object_id = OBJECT_ID(N''dbo.MON_UpdateQueue'')
        AND i.name = N''IX_MON_UpdateQueue_claim''
        AND c.name = N''lease_owner''
)
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id)
    INCLUDE (
        board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id,
        lease_owner
    )
    WHERE queue_status IN (''READY'', ''CLAIMED'')
    WITH (DROP_EXISTING = ON);
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.4.0/21_queue_claim_index_lease_owner.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ------------------------------------------------ upgrade step (from below 0.4.0): db/upgrades/0.4.0/30_pre_images_apart_from_previews.sql
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 4000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'-- Schema 0.4.0, step 30: the sender''s pre-images move out of dbo.MON_UpdatePreview into dbo.MON_PreImage.
-- Up to 0.3.0 the sender wrote the pre-image of a row (the board''s values just before its mutation) as a
-- dry-run preview, so a dry run during a send could replace it (review finding D6) and a preview was not
-- what the DBA had read. From 0.4.0 previews are only what a dry run showed (the baseline a send compares
-- the board with) and pre-images live in dbo.MON_PreImage, written by the lease owner only.
-- The preview rows of an open row written at or after its last claim are the pre-image of an attempt
-- whose result may be lost: they move (copied, then deleted), so the next attempt still audits it exactly.
-- The table is created here as its re-runnable source creates it (ddl/tables/MON_PreImage.sql, which then
-- finds it). Idempotent: a row already holding a pre-image is left alone; a re-run finds nothing to move.
IF OBJECT_ID(N''dbo.MON_PreImage'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_PreImage (
        pre_image_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NOT NULL,
        queue_id bigint NOT NULL,
        worker_id varchar(100) NULL,
        monday_item_id bigint NULL,
        column_id varchar(100) NOT NULL,
        current_value nvarchar(MAX) NULL,
        current_text nvarchar(MAX) NULL,
        new_value nvarchar(MAX) NULL,
        would_change char(1) NOT NULL,
        recorded_at datetime2(3) NOT NULL CONSTRAINT DF_MON_PreImage_recorded_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_PreImage PRIMARY KEY CLUSTERED (pre_image_id),
        CONSTRAINT FK_MON_PreImage_queue FOREIGN KEY (queue_id) REFERENCES dbo.MON_UpdateQueue (queue_id),
        CONSTRAINT CK_MON_PreImage_would_change CHECK (would_change IN (''Y'', ''N''))
    );
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.4.0/30_pre_images_apart_from_previews.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 4000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'IF OBJECT_ID(N''dbo.MON_UpdatePreview'', N''U'') IS NOT NULL
BEGIN
    DECLARE @moved TABLE (preview_id bigint NOT NULL PRIMARY KEY);

    INSERT INTO @moved (preview_id)
    SELECT p.preview_id
    FROM dbo.MON_UpdatePreview AS p
    INNER JOIN dbo.MON_UpdateQueue AS q ON p.queue_id = q.queue_id
    WHERE q.queue_status IN (''READY'', ''CLAIMED'')
        AND q.claimed_at IS NOT NULL
        AND p.previewed_at >= q.claimed_at
        AND NOT EXISTS (
            SELECT 1
            FROM dbo.MON_PreImage AS x
            WHERE x.queue_id = p.queue_id
        );

    INSERT INTO dbo.MON_PreImage (
        batch_id, queue_id, worker_id, monday_item_id, column_id, current_value, current_text, new_value,
        would_change, recorded_at
    )
    SELECT
        p.batch_id,
        p.queue_id,
        q.lease_owner AS worker_id,
        p.monday_item_id,
        p.column_id,
        p.current_value,
        p.current_text,
        p.new_value,
        p.would_change,
        p.previewed_at AS recorded_at
    FROM dbo.MON_UpdatePreview AS p
    INNER JOIN @moved AS m ON p.preview_id = m.preview_id
    INNER JOIN dbo.MON_UpdateQueue AS q ON p.queue_id = q.queue_id;

    DELETE p
    FROM dbo.MON_UpdatePreview AS p
    INNER JOIN @moved AS m ON p.preview_id = m.preview_id;
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.4.0/30_pre_images_apart_from_previews.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ------------------------------------------------ upgrade step (from below 0.4.0): db/upgrades/0.4.0/31_batch_send_approval.sql
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 4000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'-- Schema 0.4.0, step 31: dbo.MON_UpdateBatch.send_approved. A batch staged or released for a preview only
-- (a rollback staged without --execute, a batch the Python dry run released) is ''N'' and is not sent by a
-- plain send until approved (usp_ApproveBatch, opus-sender release, opus-sender rollback --execute).
-- Every batch of an existing database keeps what 0.3.0 did with it: ''Y'' (a NOT NULL column added with a
-- default takes it on every existing row).
-- Idempotent: added only where the column is missing.
IF OBJECT_ID(N''dbo.MON_UpdateBatch'', N''U'') IS NOT NULL
    AND COL_LENGTH(N''dbo.MON_UpdateBatch'', N''send_approved'') IS NULL
BEGIN
    ALTER TABLE dbo.MON_UpdateBatch
    ADD send_approved char(1) NOT NULL CONSTRAINT DF_MON_UpdateBatch_send_approved DEFAULT (''Y'');
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.4.0/31_batch_send_approval.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < 4000)
    BEGIN
        UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
        EXEC sys.sp_executesql N'IF OBJECT_ID(N''dbo.MON_UpdateBatch'', N''U'') IS NOT NULL
    AND NOT EXISTS (
        SELECT 1 FROM sys.check_constraints
        WHERE name = N''CK_MON_UpdateBatch_send_approved'' AND parent_object_id = OBJECT_ID(N''dbo.MON_UpdateBatch'')
    )
BEGIN
    ALTER TABLE dbo.MON_UpdateBatch ADD CONSTRAINT CK_MON_UpdateBatch_send_approved
    CHECK (send_approved IN (''Y'', ''N''));
END;';
    END;
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/upgrades/0.4.0/31_batch_send_approval.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_SchemaVersion.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_SchemaVersion: one row per installed schema version; the installer and the sender read the newest.
IF OBJECT_ID(N''dbo.MON_SchemaVersion'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_SchemaVersion (
        schema_version varchar(20) NOT NULL,
        version_major int NOT NULL,
        version_minor int NOT NULL,
        version_patch int NOT NULL,
        installed_at datetime2(3) NOT NULL CONSTRAINT DF_MON_SchemaVersion_installed_at DEFAULT (SYSUTCDATETIME()),
        installed_by nvarchar(128) NOT NULL CONSTRAINT DF_MON_SchemaVersion_installed_by DEFAULT (ORIGINAL_LOGIN()),
        CONSTRAINT PK_MON_SchemaVersion PRIMARY KEY CLUSTERED (schema_version)
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_SchemaVersion.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/drop_code_objects.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- Drops the project''s views and functions so that the sources after this one create them anew.
-- Why: a function cannot be ALTERed into another kind (scalar, inline, multi-statement), a schema-bound
-- function cannot change while another references it, and one plain CREATE is the form every T-SQL
-- engine runs. Procedures are not dropped: they are created as a stub once and ALTERed, which keeps
-- their grants. Views go first, then functions in the reverse of their install order (the order of
-- db/manifest.txt; a static check keeps this list in step with it). Grants on views and functions are
-- made again by security/roles.sql.
DROP VIEW IF EXISTS dbo.vw_MON_UserNames;
DROP VIEW IF EXISTS dbo.vw_MON_BoardLabels;
DROP VIEW IF EXISTS dbo.vw_MON_SendQueue;
DROP VIEW IF EXISTS dbo.vw_MON_StuckOrFailedRows;
DROP VIEW IF EXISTS dbo.vw_MON_AuditTrail;
DROP VIEW IF EXISTS dbo.vw_MON_HeldBackCells;
DROP VIEW IF EXISTS dbo.vw_MON_PreImage;
DROP VIEW IF EXISTS dbo.vw_MON_UpdatePreview;
DROP VIEW IF EXISTS dbo.vw_MON_BatchSummary;
DROP VIEW IF EXISTS dbo.vw_MON_ValidationErrors;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_CellValueText;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ParseIdArray;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_TryJson;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_RowHash;
DROP FUNCTION IF EXISTS dbo.fn_MON_StagedCells;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_MapAlias;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_StagedFields;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ClosestColumns;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_QueryParts;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ForbiddenKeyword;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_BlankQueryText;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_StringifyExpr;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_RatingMax;
DROP FUNCTION IF EXISTS dbo.fn_MON_FormatColumnValue;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_FormatValue;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ColumnLabels;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NormalizeDate;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_DateText;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NormalizeNumber;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NumberText;
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_JsonEscape;
DROP FUNCTION IF EXISTS dbo.fn_MON_NormalizeTitle;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/drop_code_objects.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/STG_MON_CustMasterSchedule.sql
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- STG_MON_CustMasterSchedule: the board loader''s item staging table. Created here only on a new
-- install, with the columns a loader writes; an existing table (and its rows) is left as it is.
IF OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.STG_MON_CustMasterSchedule (
        monday_item_id bigint NULL,
        monday_board_id bigint NULL,
        item_name nvarchar(255) NULL,
        group_id varchar(100) NULL,
        group_title nvarchar(255) NULL,
        order_number nvarchar(100) NULL,
        customer_name nvarchar(255) NULL,
        order_status nvarchar(100) NULL,
        due_date date NULL,
        quantity decimal(18, 4) NULL,
        owner_email nvarchar(255) NULL,
        loaded_at datetime2(3) NULL CONSTRAINT DF_STG_MON_CustMasterSchedule_loaded_at DEFAULT (SYSUTCDATETIME())
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/STG_MON_CustMasterSchedule.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/STG_MON_CustMasterSchedule_Subitems.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- STG_MON_CustMasterSchedule_Subitems: the board loader''s subitem staging table. Created here only on
-- a new install; an existing table (and its rows) is left as it is.
IF OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule_Subitems'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.STG_MON_CustMasterSchedule_Subitems (
        monday_item_id bigint NULL,
        monday_board_id bigint NULL,
        parent_item_id bigint NULL,
        item_name nvarchar(255) NULL,
        group_id varchar(100) NULL,
        order_status nvarchar(100) NULL,
        due_date date NULL,
        quantity decimal(18, 4) NULL,
        loaded_at datetime2(3) NULL
        CONSTRAINT DF_STG_MON_CustMasterSchedule_Subitems_loaded_at DEFAULT (SYSUTCDATETIME())
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/STG_MON_CustMasterSchedule_Subitems.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/updates/extend_staging_tables.sql
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- extend_staging_tables: the owner''s seven update-tracking columns (plus update_row_no, the row''s
-- number inside its batch) on both staging tables. Idempotent: each column is added only when missing,
-- existing rows and columns are kept, and the defaults apply to new rows only, so rows already loaded
-- get NULL (never a pending CREATE). Loader inserts that name none of these columns keep working.
-- Rows without update_batch_id are never read by the sender (see usp_ReleaseBatch).

IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule'', N''update_operation'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD update_operation varchar(50) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- a default may already exist under another name (the owner''s ALTER names none): keep it
IF NOT EXISTS (
    SELECT 1 FROM sys.default_constraints AS dc
    WHERE dc.parent_object_id = OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule'')
        AND dc.parent_column_id
        = COLUMNPROPERTY(OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule''), N''update_operation'', ''ColumnId'')
)
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule
    ADD CONSTRAINT DF_STG_MON_CustMasterSchedule_update_operation
    DEFAULT (''CREATE'') FOR update_operation;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule'', N''update_fields'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD update_fields nvarchar(MAX) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule'', N''source_table'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD source_table varchar(100) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule'', N''source_query'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD source_query nvarchar(MAX) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule'', N''update_batch_id'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD update_batch_id varchar(50) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule'', N''validation_status'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD validation_status varchar(20) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- a default may already exist under another name (the owner''s ALTER names none): keep it
IF NOT EXISTS (
    SELECT 1 FROM sys.default_constraints AS dc
    WHERE dc.parent_object_id = OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule'')
        AND dc.parent_column_id
        = COLUMNPROPERTY(OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule''), N''validation_status'', ''ColumnId'')
)
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule
    ADD CONSTRAINT DF_STG_MON_CustMasterSchedule_validation_status
    DEFAULT (''PENDING'') FOR validation_status;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule'', N''validation_errors'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD validation_errors nvarchar(MAX) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule'', N''update_row_no'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD update_row_no int NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF OBJECT_ID(N''dbo.CK_STG_MON_CustMasterSchedule_update_operation'', N''C'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule  -- WITH CHECK is the default for a new constraint
    ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_update_operation
    CHECK (update_operation IS NULL OR update_operation IN (''CREATE'', ''UPDATE'', ''ARCHIVE''));
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF OBJECT_ID(N''dbo.CK_STG_MON_CustMasterSchedule_validation_status'', N''C'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule  -- WITH CHECK is the default for a new constraint
    ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_validation_status
    CHECK (validation_status IS NULL OR validation_status IN (''PENDING'', ''VALID'', ''INVALID'', ''WARNING''));
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- staged rows are found by batch (update_batch_id = @batch_id, in update_row_no order). A PLAIN index, on
-- purpose: a filtered index (like an indexed view or an index on a computed column) makes SQL Server refuse
-- every INSERT, UPDATE and DELETE on the table (Msg 1934) from a writer whose QUOTED_IDENTIFIER, ANSI_NULLS
-- or the other five options are not set as the index needs - SQL Agent T-SQL job steps, sqlcmd without -I,
-- bcp without -q, procedures created with QUOTED_IDENTIFIER OFF - and this is the owner''s loader''s table.
-- A plain index needs no SET option. The cost: the loader''s rows (update_batch_id NULL) are in the index too,
-- one small entry per row; the seek on a batch id reads only that batch''s entries either way.
-- db/upgrades/0.4.0/10 replaces the filtered index of 0.2.0 and 0.3.0.
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE
        name = N''IX_STG_MON_CustMasterSchedule_update_batch_id''
        AND object_id = OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule'')
)
BEGIN
    CREATE INDEX IX_STG_MON_CustMasterSchedule_update_batch_id
    ON dbo.STG_MON_CustMasterSchedule (update_batch_id, update_row_no);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule_Subitems'', N''update_operation'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD update_operation varchar(50) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- a default may already exist under another name (the owner''s ALTER names none): keep it
IF NOT EXISTS (
    SELECT 1 FROM sys.default_constraints AS dc
    WHERE dc.parent_object_id = OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule_Subitems'')
        AND dc.parent_column_id
        = COLUMNPROPERTY(OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule_Subitems''), N''update_operation'', ''ColumnId'')
)
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems
    ADD CONSTRAINT DF_STG_MON_CustMasterSchedule_Subitems_update_operation
    DEFAULT (''CREATE'') FOR update_operation;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule_Subitems'', N''update_fields'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD update_fields nvarchar(MAX) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule_Subitems'', N''source_table'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD source_table varchar(100) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule_Subitems'', N''source_query'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD source_query nvarchar(MAX) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule_Subitems'', N''update_batch_id'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD update_batch_id varchar(50) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule_Subitems'', N''validation_status'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD validation_status varchar(20) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- a default may already exist under another name (the owner''s ALTER names none): keep it
IF NOT EXISTS (
    SELECT 1 FROM sys.default_constraints AS dc
    WHERE dc.parent_object_id = OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule_Subitems'')
        AND dc.parent_column_id
        = COLUMNPROPERTY(OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule_Subitems''), N''validation_status'', ''ColumnId'')
)
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems
    ADD CONSTRAINT DF_STG_MON_CustMasterSchedule_Subitems_validation_status
    DEFAULT (''PENDING'') FOR validation_status;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule_Subitems'', N''validation_errors'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD validation_errors nvarchar(MAX) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF COL_LENGTH(N''dbo.STG_MON_CustMasterSchedule_Subitems'', N''update_row_no'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD update_row_no int NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF OBJECT_ID(N''dbo.CK_STG_MON_CustMasterSchedule_Subitems_update_operation'', N''C'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems  -- WITH CHECK is the default for a new constraint
    ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_Subitems_update_operation
    CHECK (update_operation IS NULL OR update_operation IN (''CREATE'', ''UPDATE'', ''ARCHIVE''));
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF OBJECT_ID(N''dbo.CK_STG_MON_CustMasterSchedule_Subitems_validation_status'', N''C'') IS NULL
BEGIN
    ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems  -- WITH CHECK is the default for a new constraint
    ADD CONSTRAINT CK_STG_MON_CustMasterSchedule_Subitems_validation_status
    CHECK (validation_status IS NULL OR validation_status IN (''PENDING'', ''VALID'', ''INVALID'', ''WARNING''));
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- staged rows are found by batch (update_batch_id = @batch_id, in update_row_no order). A PLAIN index, on
-- purpose: a filtered index (like an indexed view or an index on a computed column) makes SQL Server refuse
-- every INSERT, UPDATE and DELETE on the table (Msg 1934) from a writer whose QUOTED_IDENTIFIER, ANSI_NULLS
-- or the other five options are not set as the index needs - SQL Agent T-SQL job steps, sqlcmd without -I,
-- bcp without -q, procedures created with QUOTED_IDENTIFIER OFF - and this is the owner''s loader''s table.
-- A plain index needs no SET option. The cost: the loader''s rows (update_batch_id NULL) are in the index too,
-- one small entry per row; the seek on a batch id reads only that batch''s entries either way.
-- db/upgrades/0.4.0/10 replaces the filtered index of 0.2.0 and 0.3.0.
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE
        name = N''IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id''
        AND object_id = OBJECT_ID(N''dbo.STG_MON_CustMasterSchedule_Subitems'')
)
BEGIN
    CREATE INDEX IX_STG_MON_CustMasterSchedule_Subitems_update_batch_id
    ON dbo.STG_MON_CustMasterSchedule_Subitems (update_batch_id, update_row_no);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/extend_staging_tables.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/updates/create_update_audit.sql
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- MON_UpdateAudit: one row per board cell the sender changed, with the value before and after, so a
-- batch can be inspected and rolled back. The owner''s columns exactly; queue_id, worker_id and
-- rollback_batch_id are added by this project. Idempotent: created only when missing.
IF OBJECT_ID(N''dbo.MON_UpdateAudit'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_UpdateAudit (
        audit_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NULL,
        update_operation varchar(50) NULL,
        monday_item_id bigint NULL,
        monday_board_id bigint NULL,
        column_id varchar(100) NULL,
        old_value nvarchar(MAX) NULL,
        new_value nvarchar(MAX) NULL,
        update_timestamp datetime2 NULL CONSTRAINT DF_MON_UpdateAudit_update_timestamp DEFAULT (GETUTCDATE()),
        rollback_timestamp datetime2 NULL,
        rollback_reason nvarchar(500) NULL,
        queue_id bigint NULL,
        worker_id varchar(100) NULL,
        rollback_batch_id varchar(50) NULL,
        CONSTRAINT PK_MON_UpdateAudit PRIMARY KEY CLUSTERED (audit_id)
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/create_update_audit.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- A table made from the owner''s plan (or by release 0.1.0) has audit_id int and lacks this project''s columns:
-- widen the key (one row per changed cell adds up) and add the columns, keeping every row.
IF COL_LENGTH(N''dbo.MON_UpdateAudit'', N''queue_id'') IS NULL
BEGIN
    ALTER TABLE dbo.MON_UpdateAudit ADD queue_id bigint NULL;
END;
IF COL_LENGTH(N''dbo.MON_UpdateAudit'', N''worker_id'') IS NULL
BEGIN
    ALTER TABLE dbo.MON_UpdateAudit ADD worker_id varchar(100) NULL;
END;
IF COL_LENGTH(N''dbo.MON_UpdateAudit'', N''rollback_batch_id'') IS NULL
BEGIN
    ALTER TABLE dbo.MON_UpdateAudit ADD rollback_batch_id varchar(50) NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/create_update_audit.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF EXISTS (
    SELECT 1 FROM sys.columns
    WHERE object_id = OBJECT_ID(N''dbo.MON_UpdateAudit'') AND name = N''audit_id'' AND system_type_id = TYPE_ID(N''int'')
)
BEGIN
    DECLARE @pk sysname = (
        SELECT k.name FROM sys.key_constraints AS k
        WHERE k.parent_object_id = OBJECT_ID(N''dbo.MON_UpdateAudit'') AND k.type = ''PK''
    );
    DECLARE @widen nvarchar(MAX) = N'''';
    IF @pk IS NOT NULL
    BEGIN
        SET @widen = N''ALTER TABLE dbo.MON_UpdateAudit DROP CONSTRAINT '' + QUOTENAME(@pk) + N''; '';
    END;
    SET @widen = @widen + N''ALTER TABLE dbo.MON_UpdateAudit ALTER COLUMN audit_id bigint NOT NULL; ''
        + N''ALTER TABLE dbo.MON_UpdateAudit ADD CONSTRAINT '' + QUOTENAME(COALESCE(@pk, N''PK_MON_UpdateAudit''))
        + N'' PRIMARY KEY CLUSTERED (audit_id);'';
    EXEC sys.sp_executesql @widen;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/create_update_audit.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_UpdateAudit_batch_id'' AND object_id = OBJECT_ID(N''dbo.MON_UpdateAudit'')
)
BEGIN
    CREATE INDEX IX_MON_UpdateAudit_batch_id ON dbo.MON_UpdateAudit (batch_id, monday_item_id, column_id);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/create_update_audit.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());
    EXEC sys.sp_executesql N'-- one audit row per queue row and cell: a replayed result cannot audit the same change twice
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''UX_MON_UpdateAudit_queue_cell'' AND object_id = OBJECT_ID(N''dbo.MON_UpdateAudit'')
)
BEGIN
    CREATE UNIQUE INDEX UX_MON_UpdateAudit_queue_cell ON dbo.MON_UpdateAudit (queue_id, column_id)
    WHERE queue_id IS NOT NULL;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/updates/create_update_audit.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_RunLog.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_RunLog: one row per public procedure call, inserted at start and closed at end (CommandLog
-- pattern), so every step can be inspected afterwards, failed calls included.
IF OBJECT_ID(N''dbo.MON_RunLog'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_RunLog (
        run_id bigint IDENTITY (1, 1) NOT NULL,
        proc_name nvarchar(128) NOT NULL,
        batch_id varchar(50) NULL,
        parameters_used nvarchar(MAX) NULL,
        caller_login nvarchar(128) NOT NULL CONSTRAINT DF_MON_RunLog_caller_login DEFAULT (ORIGINAL_LOGIN()),
        host_name nvarchar(128) NULL CONSTRAINT DF_MON_RunLog_host_name DEFAULT (HOST_NAME()),
        start_time datetime2(3) NOT NULL CONSTRAINT DF_MON_RunLog_start_time DEFAULT (SYSUTCDATETIME()),
        end_time datetime2(3) NULL,
        outcome varchar(20) NOT NULL CONSTRAINT DF_MON_RunLog_outcome DEFAULT (''RUNNING''),
        rows_affected int NULL,
        error_number int NULL,
        error_message nvarchar(4000) NULL,
        CONSTRAINT PK_MON_RunLog PRIMARY KEY CLUSTERED (run_id),
        CONSTRAINT CK_MON_RunLog_outcome CHECK (outcome IN (''RUNNING'', ''SUCCEEDED'', ''FAILED''))
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_RunLog.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_RunLog_start_time'' AND object_id = OBJECT_ID(N''dbo.MON_RunLog'')
)
BEGIN
    CREATE INDEX IX_MON_RunLog_start_time ON dbo.MON_RunLog (start_time) INCLUDE (proc_name, outcome);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_RunLog.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_ColumnType.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_ColumnType: what the project knows about each monday column type: whether it can be written
-- through the API and in which shape (monday''s API documentation). Data, seeded by db/data/MON_ColumnType.sql.
IF OBJECT_ID(N''dbo.MON_ColumnType'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_ColumnType (
        column_type varchar(50) NOT NULL,
        is_writable char(1) NOT NULL,
        value_shape nvarchar(400) NULL,
        notes nvarchar(400) NULL,
        CONSTRAINT PK_MON_ColumnType PRIMARY KEY CLUSTERED (column_type),
        CONSTRAINT CK_MON_ColumnType_is_writable CHECK (is_writable IN (''Y'', ''N''))
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_ColumnType.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_Board.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_Board: boards whose metadata the sender synced from monday (usp_UpsertBoardMetadata).
-- Validation refuses rows of a board with no row here, or with metadata older than the freshness rule.
IF OBJECT_ID(N''dbo.MON_Board'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_Board (
        board_id bigint NOT NULL,
        board_name nvarchar(255) NOT NULL,
        board_kind varchar(20) NULL,
        parent_board_id bigint NULL,
        subitems_board_id bigint NULL,
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_Board_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_Board PRIMARY KEY CLUSTERED (board_id)
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_Board.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_BoardColumn.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_BoardColumn: the columns of each synced board, with type, settings_json (status and dropdown
-- labels) and a normalised title so that a query alias such as order_status finds "Order Status".
IF OBJECT_ID(N''dbo.MON_BoardColumn'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_BoardColumn (
        board_id bigint NOT NULL,
        column_id varchar(100) NOT NULL,
        title nvarchar(255) NOT NULL,
        normalized_title nvarchar(255) NOT NULL,
        column_type varchar(50) NOT NULL,
        settings_json nvarchar(MAX) NULL,
        is_writable char(1) NOT NULL,
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_BoardColumn_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_BoardColumn PRIMARY KEY CLUSTERED (board_id, column_id),
        CONSTRAINT FK_MON_BoardColumn_board FOREIGN KEY (board_id) REFERENCES dbo.MON_Board (board_id),
        CONSTRAINT CK_MON_BoardColumn_is_writable CHECK (is_writable IN (''Y'', ''N''))
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_BoardColumn.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_BoardColumn_normalized_title'' AND object_id = OBJECT_ID(N''dbo.MON_BoardColumn'')
)
BEGIN
    CREATE INDEX IX_MON_BoardColumn_normalized_title ON dbo.MON_BoardColumn (board_id, normalized_title);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_BoardColumn.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_BoardGroup.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_BoardGroup: the groups of each synced board (CREATE rows name one).
IF OBJECT_ID(N''dbo.MON_BoardGroup'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_BoardGroup (
        board_id bigint NOT NULL,
        group_id varchar(100) NOT NULL,
        title nvarchar(255) NOT NULL,
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_BoardGroup_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_BoardGroup PRIMARY KEY CLUSTERED (board_id, group_id),
        CONSTRAINT FK_MON_BoardGroup_board FOREIGN KEY (board_id) REFERENCES dbo.MON_Board (board_id)
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_BoardGroup.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_BoardItem.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_BoardItem: item ids and names of a synced board (optional part of a sync), so that validation
-- can tell an UPDATE of an item that is not on the board before anything is sent.
IF OBJECT_ID(N''dbo.MON_BoardItem'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_BoardItem (
        item_id bigint NOT NULL,
        board_id bigint NOT NULL,
        item_name nvarchar(255) NULL,
        group_id varchar(100) NULL,
        parent_item_id bigint NULL,
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_BoardItem_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_BoardItem PRIMARY KEY CLUSTERED (item_id),
        CONSTRAINT FK_MON_BoardItem_board FOREIGN KEY (board_id) REFERENCES dbo.MON_Board (board_id)
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_BoardItem.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_BoardItem_board_id'' AND object_id = OBJECT_ID(N''dbo.MON_BoardItem'')
)
BEGIN
    CREATE INDEX IX_MON_BoardItem_board_id ON dbo.MON_BoardItem (board_id);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_BoardItem.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_User.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_User: monday users and teams (people columns are written by id; an email is resolved here).
IF OBJECT_ID(N''dbo.MON_User'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_User (
        user_id bigint NOT NULL,
        user_kind varchar(10) NOT NULL CONSTRAINT DF_MON_User_user_kind DEFAULT (''person''),
        user_name nvarchar(255) NULL,
        email nvarchar(255) NULL,
        is_enabled char(1) NOT NULL CONSTRAINT DF_MON_User_is_enabled DEFAULT (''Y''),
        synced_at datetime2(3) NOT NULL CONSTRAINT DF_MON_User_synced_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_User PRIMARY KEY CLUSTERED (user_id, user_kind),
        CONSTRAINT CK_MON_User_user_kind CHECK (user_kind IN (''person'', ''team'')),
        CONSTRAINT CK_MON_User_is_enabled CHECK (is_enabled IN (''Y'', ''N''))
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_User.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_User_email'' AND object_id = OBJECT_ID(N''dbo.MON_User'')
)
BEGIN
    CREATE INDEX IX_MON_User_email ON dbo.MON_User (email);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_User.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_ColumnMap.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_ColumnMap: query aliases that are neither a column id nor a column title, mapped to a column id
-- per board (board_id NULL: any board). Looked up after the id and the normalised title.
IF OBJECT_ID(N''dbo.MON_ColumnMap'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_ColumnMap (
        map_id int IDENTITY (1, 1) NOT NULL,
        board_id bigint NULL,
        source_alias nvarchar(128) NOT NULL,
        column_id varchar(100) NOT NULL,
        created_at datetime2(3) NOT NULL CONSTRAINT DF_MON_ColumnMap_created_at DEFAULT (SYSUTCDATETIME()),
        created_by nvarchar(128) NOT NULL CONSTRAINT DF_MON_ColumnMap_created_by DEFAULT (ORIGINAL_LOGIN()),
        CONSTRAINT PK_MON_ColumnMap PRIMARY KEY CLUSTERED (map_id),
        CONSTRAINT UQ_MON_ColumnMap_board_alias UNIQUE (board_id, source_alias)
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_ColumnMap.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'-- one mapping per board and alias: the UNIQUE constraint treats NULLs as equal (one any-board mapping per
-- alias) and compares the alias under the database collation; the lookup (fn_MON_StagedCells) compares
-- LOWER(alias), and so does the PostgreSQL twin''s unique index. Under a case-sensitive database collation
-- the constraint would let ''Foo'' in beside ''foo'': such rows refuse the install (50958), naming them, as on
-- PostgreSQL; they are kept.
DECLARE @duplicates nvarchar(MAX) = (
    SELECT STRING_AGG(CONVERT(nvarchar(MAX), CONCAT(COALESCE(CONVERT(nvarchar(20), d.board_id), N''any board''),
        N'' / '', d.alias, N'' (map_id '', d.ids, N'')'')), N''; '')
    FROM (
        SELECT
            m.board_id,
            MIN(m.source_alias) AS alias,
            STRING_AGG(CONVERT(nvarchar(MAX), m.map_id), N'', '') AS ids
        FROM dbo.MON_ColumnMap AS m
        GROUP BY m.board_id, LOWER(m.source_alias)
        HAVING COUNT(*) > 1
    ) AS d
);
IF @duplicates IS NOT NULL
BEGIN
    DECLARE @msg nvarchar(2048) = LEFT(CONCAT(
        N''OPUS install refused, nothing was changed: dbo.MON_ColumnMap maps the same alias (ignoring case) on'',
        N'' the same board, or on any board, more than once: '', @duplicates, N''. Keep one mapping of each (DELETE'',
        N'' FROM dbo.MON_ColumnMap WHERE map_id IN (...)), then run the install again.''
    ), 2048);
    THROW 50958, @msg, 1;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_ColumnMap.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_ValidationRule.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_ValidationRule: the validation rules as data. usp_ValidateStagedUpdates applies every enabled
-- rule; setting is_enabled = ''N'' or changing severity changes the outcome without code changes.
IF OBJECT_ID(N''dbo.MON_ValidationRule'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_ValidationRule (
        rule_code varchar(50) NOT NULL,
        severity varchar(10) NOT NULL,
        is_enabled char(1) NOT NULL CONSTRAINT DF_MON_ValidationRule_is_enabled DEFAULT (''Y''),
        message_template nvarchar(500) NOT NULL,
        rule_description nvarchar(500) NULL,
        CONSTRAINT PK_MON_ValidationRule PRIMARY KEY CLUSTERED (rule_code),
        CONSTRAINT CK_MON_ValidationRule_severity CHECK (severity IN (''ERROR'', ''WARNING'')),
        CONSTRAINT CK_MON_ValidationRule_is_enabled CHECK (is_enabled IN (''Y'', ''N''))
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_ValidationRule.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_UpdateBatch.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_UpdateBatch: one row per batch of staged updates (the batch header). Status moves
-- STAGED -> VALIDATED -> READY (released) -> SENDING -> COMPLETED | PARTIAL | FAILED, or CANCELLED
-- before anything was sent. A rollback batch names the batch it reverses.
IF OBJECT_ID(N''dbo.MON_UpdateBatch'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_UpdateBatch (
        batch_id varchar(50) NOT NULL,
        board_id bigint NOT NULL,
        target_level varchar(10) NOT NULL CONSTRAINT DF_MON_UpdateBatch_target_level DEFAULT (''ITEMS''),
        update_operation varchar(50) NOT NULL,
        source_table varchar(100) NULL,
        source_query nvarchar(MAX) NULL,
        create_labels_if_missing char(1) NOT NULL CONSTRAINT DF_MON_UpdateBatch_create_labels DEFAULT (''N''),
        batch_status varchar(20) NOT NULL CONSTRAINT DF_MON_UpdateBatch_batch_status DEFAULT (''STAGED''),
        rows_staged int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_staged DEFAULT (0),
        rows_valid int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_valid DEFAULT (0),
        rows_warning int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_warning DEFAULT (0),
        rows_invalid int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_invalid DEFAULT (0),
        rows_queued int NOT NULL CONSTRAINT DF_MON_UpdateBatch_rows_queued DEFAULT (0),
        rollback_of_batch_id varchar(50) NULL,
        rollback_reason nvarchar(500) NULL,
        created_by nvarchar(128) NOT NULL CONSTRAINT DF_MON_UpdateBatch_created_by DEFAULT (ORIGINAL_LOGIN()),
        created_at datetime2(3) NOT NULL CONSTRAINT DF_MON_UpdateBatch_created_at DEFAULT (SYSUTCDATETIME()),
        validated_at datetime2(3) NULL,
        released_by nvarchar(128) NULL,
        released_at datetime2(3) NULL,
        send_started_at datetime2(3) NULL,
        completed_at datetime2(3) NULL,
        cancelled_by nvarchar(128) NULL,
        cancelled_at datetime2(3) NULL,
        -- ''N'': staged or released for a preview only (a rollback staged without --execute, a batch the
        -- Python dry run released): not sent by a plain send until approved (usp_ApproveBatch)
        send_approved char(1) NOT NULL CONSTRAINT DF_MON_UpdateBatch_send_approved DEFAULT (''Y''),
        CONSTRAINT PK_MON_UpdateBatch PRIMARY KEY CLUSTERED (batch_id),
        CONSTRAINT CK_MON_UpdateBatch_target_level CHECK (target_level IN (''ITEMS'', ''SUBITEMS'')),
        CONSTRAINT CK_MON_UpdateBatch_update_operation CHECK (update_operation IN (''UPDATE'', ''CREATE'', ''ROLLBACK'')),
        CONSTRAINT CK_MON_UpdateBatch_create_labels CHECK (create_labels_if_missing IN (''Y'', ''N'')),
        CONSTRAINT CK_MON_UpdateBatch_send_approved CHECK (send_approved IN (''Y'', ''N'')),
        CONSTRAINT CK_MON_UpdateBatch_batch_status CHECK (
            batch_status IN (
                ''STAGED'', ''VALIDATED'', ''READY'', ''SENDING'', ''COMPLETED'', ''PARTIAL'', ''FAILED'', ''CANCELLED''
            )
        ),
        CONSTRAINT FK_MON_UpdateBatch_rollback_of FOREIGN KEY (rollback_of_batch_id)
        REFERENCES dbo.MON_UpdateBatch (batch_id)
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_UpdateBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_UpdateBatch_status'' AND object_id = OBJECT_ID(N''dbo.MON_UpdateBatch'')
)
BEGIN
    CREATE INDEX IX_MON_UpdateBatch_status ON dbo.MON_UpdateBatch (batch_status, created_at) INCLUDE (board_id);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_UpdateBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_ValidatedRow.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_ValidatedRow: what validation saw, one row per staged row of a batch: a SHA-256 hash of the row''s
-- content (monday_item_id, parent_item_id, item_name, group_id, update_fields and the validation_status it
-- was given; dbo.fn_MON_Private_RowHash). Written at the end of every validation (usp_Private_ValidateBatch)
-- and compared by usp_ReleaseBatch, which refuses any row whose content changed since (50412): the staged
-- rows live in the owner''s staging tables, which other accounts can write. Not unique on purpose: a row
-- number staged twice is refused by the release (50411), not by a key violation in validation. No foreign
-- key: the rows are working data of their batch (usp_PurgeRunLog deletes them with its staged rows), and a
-- test double of dbo.MON_UpdateBatch (tSQLt.FakeTable) must not make validation fail on it.
IF OBJECT_ID(N''dbo.MON_ValidatedRow'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_ValidatedRow (
        batch_id varchar(50) NOT NULL,
        update_row_no int NOT NULL,
        row_hash varbinary(32) NOT NULL
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_ValidatedRow.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''CX_MON_ValidatedRow_batch_row'' AND object_id = OBJECT_ID(N''dbo.MON_ValidatedRow'')
)
BEGIN
    CREATE CLUSTERED INDEX CX_MON_ValidatedRow_batch_row ON dbo.MON_ValidatedRow (batch_id, update_row_no);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_ValidatedRow.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_UpdateQueue.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_UpdateQueue: the send queue, one row per item operation of a released batch, holding the exact
-- column_values JSON that will be sent, so that a loader truncating the staging tables cannot change or
-- lose what was released. Rows are claimed with a lease (lease_owner, lease_expires_at); a row whose
-- lease expired is claimable again; completion is fenced on the lease owner.
-- queue_status: READY -> CLAIMED -> SENT | SKIPPED (nothing to change) | FAILED (monday refused it)
-- | DEAD (retryable errors until max_attempts) | CANCELLED.
IF OBJECT_ID(N''dbo.MON_UpdateQueue'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_UpdateQueue (
        queue_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NOT NULL,
        update_row_no int NOT NULL,
        board_id bigint NOT NULL,
        update_operation varchar(20) NOT NULL,
        monday_item_id bigint NULL,
        parent_item_id bigint NULL,
        group_id varchar(100) NULL,
        item_name nvarchar(255) NULL,
        column_values nvarchar(MAX) NULL,
        expected_values nvarchar(MAX) NULL,
        create_labels_if_missing char(1) NOT NULL CONSTRAINT DF_MON_UpdateQueue_create_labels DEFAULT (''N''),
        idempotency_key varchar(100) NOT NULL,
        queue_status varchar(20) NOT NULL CONSTRAINT DF_MON_UpdateQueue_queue_status DEFAULT (''READY''),
        lease_owner varchar(100) NULL,
        lease_expires_at datetime2(3) NULL,
        visible_after datetime2(3) NOT NULL CONSTRAINT DF_MON_UpdateQueue_visible_after DEFAULT (SYSUTCDATETIME()),
        attempt_count int NOT NULL CONSTRAINT DF_MON_UpdateQueue_attempt_count DEFAULT (0),
        max_attempts int NOT NULL CONSTRAINT DF_MON_UpdateQueue_max_attempts DEFAULT (8),
        created_item_id bigint NULL,
        result_detail nvarchar(MAX) NULL,
        last_error_code varchar(100) NULL,
        last_error nvarchar(4000) NULL,
        created_at datetime2(3) NOT NULL CONSTRAINT DF_MON_UpdateQueue_created_at DEFAULT (SYSUTCDATETIME()),
        claimed_at datetime2(3) NULL,
        completed_at datetime2(3) NULL,
        CONSTRAINT PK_MON_UpdateQueue PRIMARY KEY CLUSTERED (queue_id),
        CONSTRAINT UQ_MON_UpdateQueue_idempotency_key UNIQUE (idempotency_key),
        CONSTRAINT UQ_MON_UpdateQueue_batch_row UNIQUE (batch_id, update_row_no),
        CONSTRAINT FK_MON_UpdateQueue_batch FOREIGN KEY (batch_id) REFERENCES dbo.MON_UpdateBatch (batch_id),
        CONSTRAINT CK_MON_UpdateQueue_update_operation CHECK (update_operation IN (''UPDATE'', ''CREATE'', ''ARCHIVE'')),
        CONSTRAINT CK_MON_UpdateQueue_create_labels CHECK (create_labels_if_missing IN (''Y'', ''N'')),
        CONSTRAINT CK_MON_UpdateQueue_queue_status CHECK (
            queue_status IN (''READY'', ''CLAIMED'', ''SENT'', ''SKIPPED'', ''FAILED'', ''DEAD'', ''CANCELLED'')
        ),
        CONSTRAINT CK_MON_UpdateQueue_lease CHECK (
            queue_status <> ''CLAIMED'' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)
        )
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_UpdateQueue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'-- lock escalation stays at SQL Server''s default (TABLE): release and cancel write a large batch''s queue rows
-- in committed chunks of a few thousand rows (usp_ReleaseBatch, usp_CancelBatch), so no transaction holds
-- enough row locks to escalate, and none holds millions of them in lock memory (0.3.0 set DISABLE; upgrade step
-- db/upgrades/0.4.0/20_queue_lock_escalation.sql sets it back)
-- the claim: the open rows of a batch in the claim''s order (ORDER BY queue_id), so that TOP (@max_rows)
-- reads the first rows of the range and stops, with no sort; the columns the claim tests are included, and
-- lease_owner, which the cancel reads of every open row (one index read, its locks on index keys only)
-- (upgrade steps db/upgrades/0.3.0/10_queue_claim_index_order.sql and 0.4.0/21 change earlier definitions)
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_UpdateQueue_claim'' AND object_id = OBJECT_ID(N''dbo.MON_UpdateQueue'')
)
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id)
    INCLUDE (
        board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id,
        lease_owner
    )
    WHERE queue_status IN (''READY'', ''CLAIMED'');
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_UpdateQueue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_UpdateQueue_batch_status'' AND object_id = OBJECT_ID(N''dbo.MON_UpdateQueue'')
)
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_batch_status ON dbo.MON_UpdateQueue (batch_id, queue_status);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_UpdateQueue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'-- overlapping batches: the open rows of an item (the claim keeps release order, validation names them)
IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_UpdateQueue_open_item'' AND object_id = OBJECT_ID(N''dbo.MON_UpdateQueue'')
)
BEGIN
    CREATE INDEX IX_MON_UpdateQueue_open_item ON dbo.MON_UpdateQueue (monday_item_id, batch_id)
    INCLUDE (queue_status)
    WHERE queue_status IN (''READY'', ''CLAIMED'');
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_UpdateQueue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_UpdatePreview.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_UpdatePreview: what a dry run found, one row per cell: the value on the board now, the value that
-- would be sent, and whether it would change anything. A later dry run of the same batch replaces it.
IF OBJECT_ID(N''dbo.MON_UpdatePreview'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_UpdatePreview (
        preview_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NOT NULL,
        queue_id bigint NOT NULL,
        monday_item_id bigint NULL,
        item_name nvarchar(255) NULL,
        column_id varchar(100) NOT NULL,
        current_value nvarchar(MAX) NULL,
        current_text nvarchar(MAX) NULL,
        new_value nvarchar(MAX) NULL,
        would_change char(1) NOT NULL,
        previewed_at datetime2(3) NOT NULL CONSTRAINT DF_MON_UpdatePreview_previewed_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_UpdatePreview PRIMARY KEY CLUSTERED (preview_id),
        CONSTRAINT FK_MON_UpdatePreview_queue FOREIGN KEY (queue_id) REFERENCES dbo.MON_UpdateQueue (queue_id),
        CONSTRAINT CK_MON_UpdatePreview_would_change CHECK (would_change IN (''Y'', ''N''))
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_UpdatePreview.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_UpdatePreview_batch'' AND object_id = OBJECT_ID(N''dbo.MON_UpdatePreview'')
)
BEGIN
    CREATE INDEX IX_MON_UpdatePreview_batch ON dbo.MON_UpdatePreview (batch_id, queue_id);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_UpdatePreview.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_PreImage.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_PreImage: what the board held just before the sender wrote a queue row, one row per cell, written
-- by the lease owner only (usp_RecordPreImage, fenced) right before the mutation. If the mutation reached
-- the board but its result was lost (a crash, a dropped response), the next attempt takes the old values
-- from here and audits the change. Kept apart from MON_UpdatePreview (what a dry run showed the DBA), so
-- that a dry run during a send cannot replace a pre-image. Twin of db/postgres/ddl/tables/MON_PreImage.sql.
IF OBJECT_ID(N''dbo.MON_PreImage'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_PreImage (
        pre_image_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NOT NULL,
        queue_id bigint NOT NULL,
        worker_id varchar(100) NULL,
        monday_item_id bigint NULL,
        column_id varchar(100) NOT NULL,
        current_value nvarchar(MAX) NULL,
        current_text nvarchar(MAX) NULL,
        new_value nvarchar(MAX) NULL,
        would_change char(1) NOT NULL,
        recorded_at datetime2(3) NOT NULL CONSTRAINT DF_MON_PreImage_recorded_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_PreImage PRIMARY KEY CLUSTERED (pre_image_id),
        CONSTRAINT FK_MON_PreImage_queue FOREIGN KEY (queue_id) REFERENCES dbo.MON_UpdateQueue (queue_id),
        CONSTRAINT CK_MON_PreImage_would_change CHECK (would_change IN (''Y'', ''N''))
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_PreImage.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_PreImage_queue'' AND object_id = OBJECT_ID(N''dbo.MON_PreImage'')
)
BEGIN
    CREATE INDEX IX_MON_PreImage_queue ON dbo.MON_PreImage (queue_id, column_id);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_PreImage.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/ddl/tables/MON_HeldBackCell.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_HeldBackCell: cells the sender did not write because the board changed since the dry run the DBA
-- read: one row per cell, with the value the preview showed, the value on the board when the sender read
-- it, and the value the batch would have written. Written by the lease owner (usp_RecordPreImage) before
-- the row''s other cells are sent; a later attempt of the same row replaces them. Read through
-- dbo.vw_MON_HeldBackCells. Twin of db/postgres/ddl/tables/MON_HeldBackCell.sql.
IF OBJECT_ID(N''dbo.MON_HeldBackCell'', N''U'') IS NULL
BEGIN
    CREATE TABLE dbo.MON_HeldBackCell (
        held_id bigint IDENTITY (1, 1) NOT NULL,
        batch_id varchar(50) NOT NULL,
        queue_id bigint NOT NULL,
        worker_id varchar(100) NULL,
        monday_item_id bigint NULL,
        column_id varchar(100) NOT NULL,
        preview_value nvarchar(MAX) NULL,
        preview_text nvarchar(MAX) NULL,
        board_value nvarchar(MAX) NULL,
        board_text nvarchar(MAX) NULL,
        new_value nvarchar(MAX) NULL,
        held_at datetime2(3) NOT NULL CONSTRAINT DF_MON_HeldBackCell_held_at DEFAULT (SYSUTCDATETIME()),
        CONSTRAINT PK_MON_HeldBackCell PRIMARY KEY CLUSTERED (held_id),
        CONSTRAINT FK_MON_HeldBackCell_queue FOREIGN KEY (queue_id) REFERENCES dbo.MON_UpdateQueue (queue_id)
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_HeldBackCell.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_HeldBackCell_batch'' AND object_id = OBJECT_ID(N''dbo.MON_HeldBackCell'')
)
BEGIN
    CREATE INDEX IX_MON_HeldBackCell_batch ON dbo.MON_HeldBackCell (batch_id, queue_id);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_HeldBackCell.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF NOT EXISTS (
    SELECT 1 FROM sys.indexes
    WHERE name = N''IX_MON_HeldBackCell_queue'' AND object_id = OBJECT_ID(N''dbo.MON_HeldBackCell'')
)
BEGIN
    CREATE INDEX IX_MON_HeldBackCell_queue ON dbo.MON_HeldBackCell (queue_id);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/ddl/tables/MON_HeldBackCell.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/data/MON_ColumnType.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_ColumnType data: the monday column types and whether this project writes them (monday''s API documentation).
-- Re-running refreshes the rows; types added by hand are kept.
-- An upsert in two statements (no MERGE): the install runs in one transaction, so nothing runs between them.
DECLARE @type TABLE (
    column_type varchar(50) NOT NULL PRIMARY KEY,
    is_writable char(1) NOT NULL,
    value_shape nvarchar(400) NULL,
    notes nvarchar(400) NULL
);
INSERT INTO @type (column_type, is_writable, value_shape, notes)
VALUES
    (''text'', ''Y'', N''"Sample text"'', N''at most 2,000 characters''),
    (''long_text'', ''Y'', N''{"text": "..."}'', N''at most 2,000 characters''),
    (''numbers'', ''Y'', N''"3"'', N''a string holding an int or float''),
    (''status'', ''Y'', N''{"index": <label id>}'', N''label id from the settings''),
    (''date'', ''Y'', N''{"date": "YYYY-MM-DD", "time": "HH:MM:SS"}'', N''time optional, UTC''),
    (''timeline'', ''Y'', N''{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}'', NULL),
    (''people'', ''Y'', N''{"personsAndTeams": [{"id": 1, "kind": "person"}]}'', N''user ids; emails resolved''),
    (''dropdown'', ''Y'', N''{"ids": [1, 2]} or {"labels": ["A"]}'', N''ids and labels cannot be mixed''),
    (''email'', ''Y'', N''{"email": "a@b.com", "text": "display"}'', N''both keys required''),
    (''phone'', ''Y'', N''{"phone": "+12025550169", "countryShortName": "US"}'', N''ISO-2 country code''),
    (''link'', ''Y'', N''{"url": "https://x", "text": "label"}'', NULL),
    (''checkbox'', ''Y'', N''{"checked": "true"}'', N''null unchecks''),
    (''hour'', ''Y'', N''{"hour": 16, "minute": 42}'', N''24h''),
    (''rating'', ''Y'', N''{"rating": 5}'', N''1..scale''),
    (''country'', ''Y'', N''{"countryCode": "US", "countryName": "United States"}'', NULL),
    (''name'', ''Y'', N''"My Item"'', N''1-255 characters, cannot be cleared''),
    (''tags'', ''N'', NULL, N''tags must exist at account level; not supported by this project''),
    (''location'', ''N'', NULL, N''not supported by this project''),
    (''week'', ''N'', NULL, N''not supported by this project''),
    (''world_clock'', ''N'', NULL, N''not supported by this project''),
    (''board_relation'', ''N'', NULL, N''not supported by this project''),
    (''dependency'', ''N'', NULL, N''not supported by this project''),
    (''color_picker'', ''N'', NULL, N''not supported by this project''),
    (''file'', ''N'', NULL, N''needs the file endpoint''),
    (''formula'', ''N'', NULL, N''read-only''),
    (''mirror'', ''N'', NULL, N''read-only''),
    (''creation_log'', ''N'', NULL, N''read-only''),
    (''last_updated'', ''N'', NULL, N''read-only''),
    (''item_id'', ''N'', NULL, N''read-only''),
    (''auto_number'', ''N'', NULL, N''read-only''),
    (''progress'', ''N'', NULL, N''read-only''),
    (''button'', ''N'', NULL, N''read-only''),
    (''vote'', ''N'', NULL, N''read-only''),
    (''time_tracking'', ''N'', NULL, N''read-only''),
    (''subtasks'', ''N'', NULL, N''use CREATE with target SUBITEMS''),
    (''doc'', ''N'', NULL, N''read-only''),
    (''direct_doc'', ''N'', NULL, N''read-only''),
    (''integration'', ''N'', NULL, N''read-only''),
    (''person'', ''N'', NULL, N''deprecated: use people''),
    (''team'', ''N'', NULL, N''deprecated: use people'');
UPDATE tgt
SET tgt.is_writable = src.is_writable, tgt.value_shape = src.value_shape, tgt.notes = src.notes
FROM dbo.MON_ColumnType AS tgt
INNER JOIN @type AS src ON tgt.column_type = src.column_type;
INSERT INTO dbo.MON_ColumnType (column_type, is_writable, value_shape, notes)
SELECT
    src.column_type,
    src.is_writable,
    src.value_shape,
    src.notes
FROM @type AS src
WHERE NOT EXISTS (
    SELECT 1 FROM dbo.MON_ColumnType AS tgt
    WHERE tgt.column_type = src.column_type
);';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/data/MON_ColumnType.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/data/MON_ValidationRule.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- MON_ValidationRule data: the rules usp_ValidateStagedUpdates applies. Re-running refreshes the
-- messages and descriptions; severity and is_enabled set by a DBA are kept (they are configuration).
-- Placeholders filled per violation: {column} the query alias, {column_id}, {type}, {value} the staged
-- value, {labels} the valid labels, {closest} similar columns, {board_id}, {detail}.
-- An upsert in two statements (no MERGE): the install runs in one transaction, so nothing runs between them.
DECLARE @rule TABLE (
    rule_code varchar(50) NOT NULL PRIMARY KEY,
    severity varchar(10) NOT NULL,
    is_enabled char(1) NOT NULL,
    message_template nvarchar(500) NOT NULL,
    rule_description nvarchar(500) NULL
);
INSERT INTO @rule (rule_code, severity, is_enabled, message_template, rule_description)
VALUES
        (''BOARD_METADATA'', ''ERROR'', ''Y'',
         N''Board {board_id} has no metadata in dbo.MON_Board: run `opus-sender sync-board --board-id ''
         + N''{board_id}`, then validate the batch again.'',
         N''The board (the subitems board for SUBITEMS) must have been synced.''),
        (''METADATA_FRESH'', ''ERROR'', ''Y'',
         N''The metadata of board {board_id} was synced {detail} ago, more than 24 hours: run `opus-sender ''
         + N''sync-board --board-id {board_id}`, then validate the batch again.'',
         N''Board metadata must be at most 24 hours old.''),
        (''KEY_ITEM_ID'', ''ERROR'', ''Y'',
         N''monday_item_id is empty: an UPDATE needs the id of the item to change. Return it from the ''
         + N''query.'',
         N''UPDATE rows need monday_item_id.''),
        (''KEY_ITEM_NAME'', ''ERROR'', ''Y'',
         N''item_name must be 1-255 characters for a CREATE (it is {detail}). Return a name from the query.'',
         N''CREATE rows need an item name of 1-255 characters.''),
        (''KEY_PARENT'', ''ERROR'', ''Y'',
         N''parent_item_id is empty: creating a subitem needs the id of its parent item. Return it from the ''
         + N''query.'',
         N''Subitem CREATE rows need parent_item_id.''),
        (''ITEM_ON_BOARD'', ''ERROR'', ''Y'',
         N''Item {value} is not on board {board_id} (dbo.MON_BoardItem, synced with the board): check the ''
         + N''id, or sync again with `opus-sender sync-board --board-id {board_id}`.'',
         N''When the board''''s items were synced, an UPDATE (or a subitem''''s parent) must name an item of ''
         + N''the board.''),
        (''GROUP_EXISTS'', ''ERROR'', ''Y'',
         N''Group {value} is not on board {board_id}. Groups: {labels}. Use one of them, or leave group_id ''
         + N''NULL for the top group.'',
         N''When the board''''s groups were synced, a CREATE group_id must be one of them.''),
        (''COLUMN_EXISTS'', ''ERROR'', ''Y'',
         N''Column {column} matches no column of board {board_id} (by column id, title or ''
         + N''dbo.MON_ColumnMap). Closest columns: {closest}. Rename the alias in the query to a column id, ''
         + N''or add a row to dbo.MON_ColumnMap.'',
         N''Every query column other than the keys must map to a board column.''),
        (''COLUMN_AMBIGUOUS'', ''ERROR'', ''Y'',
         N''Column {column} matches several columns of board {board_id} by title: {closest}. Use the column ''
         + N''id as the alias.'',
         N''An alias must map to exactly one board column.''),
        (''COLUMN_WRITABLE'', ''ERROR'', ''Y'',
         N''Column {column} ({column_id}) has type {type}, which cannot be written through the API ''
         + N''({detail}). Leave it out of the query.'',
         N''The column type must be writable (dbo.MON_ColumnType.is_writable).''),
        (''STATUS_LABEL'', ''ERROR'', ''Y'',
         N''Value {value} is not a label of status column {column} ({column_id}). Labels: {labels}. Use one ''
         + N''of them, or stage with @create_labels_if_missing = ''''Y''''.'',
         N''Status values must be existing labels (matched by label text first, then label id).''),
        (''DROPDOWN_LABEL'', ''ERROR'', ''Y'',
         N''Value {value} of dropdown column {column} ({column_id}) holds {detail}, not a label of the ''
         + N''column. Labels: {labels}. Use existing labels, or stage with @create_labels_if_missing = ''''Y''''.'',
         N''Dropdown values must be existing labels (comma-separated).''),
        (''DATE_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of date column {column} is not a date: use YYYY-MM-DD, or YYYY-MM-DD HH:MM[:SS] ''
         + N''in UTC (or with Z / +HH:MM, an offset of at most 14:00); the time in UTC must fall in years ''
         + N''0001-9999.'',
         N''Date values must parse.''),
        (''NUMBER_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of numbers column {column} is not a number: use digits with an optional sign and ''
         + N''decimal point, no thousands separators.'',
         N''Numbers must parse.''),
        (''EMAIL_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of email column {column} is not an email address: use name@example.com, ''
         + N''optionally followed by a space and a display text.'',
         N''Email values must look like an address.''),
        (''PHONE_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of phone column {column} is not a phone number with its country: use +12025550169 ''
         + N''US (6-15 digits, then the 2-letter country code).'',
         N''Phone values need 6-15 digits and an ISO-2 country code.''),
        (''LINK_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of link column {column} is not a link: use https://example.com, optionally ''
         + N''followed by a space and a display text.'',
         N''Link values must start with http:// or https://.''),
        (''CHECKBOX_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of checkbox column {column} is not a yes/no value: use true/false, 1/0, yes/no or ''
         + N''y/n (NULL or false unchecks).'',
         N''Checkbox values must be a boolean.''),
        (''RATING_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of rating column {column} is not a rating: use a whole number from 1 to {detail}.'',
         N''Rating values must be whole numbers from 1 to the column''''s maximum.''),
        (''HOUR_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of hour column {column} is not a time of day: use HH:MM, 24-hour (00:00 to ''
         + N''23:59).'',
         N''Hour values must be HH:MM.''),
        (''TIMELINE_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of timeline column {column} is not a date range: use YYYY-MM-DD/YYYY-MM-DD, the ''
         + N''start on or before the end.'',
         N''Timeline values must be two dates.''),
        (''COUNTRY_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of country column {column} is not a country: use the 2-letter ISO code, ''
         + N''optionally followed by the name (US United States).'',
         N''Country values must start with an ISO-2 code.''),
        (''PEOPLE_FORMAT'', ''ERROR'', ''Y'',
         N''Value {value} of people column {column} names someone who is not a known user id or email in ''
         + N''dbo.MON_User: use user ids (team:<id> for teams), or sync the users with `opus-sender ''
         + N''sync-board --board-id {board_id}`.'',
         N''People values must be user ids or emails known in MON_User.''),
        (''LONG_TEXT_LENGTH'', ''ERROR'', ''Y'',
         N''The value of long text column {column} has {detail} characters; at most 2000 are allowed. ''
         + N''Shorten it in the query, e.g. LEFT(x, 2000).'',
         N''Long text values are at most 2,000 characters.''),
        (''TEXT_LENGTH'', ''ERROR'', ''Y'',
         N''The value of text column {column} has {detail} characters; at most 2000 are allowed (monday ''
         + N''refuses longer values when the batch is sent). Shorten it in the query, e.g. LEFT(x, 2000), or ''
         + N''write it to a long text column.'',
         N''Text values are at most 2,000 characters.''),
        (''NAME_LENGTH'', ''ERROR'', ''Y'',
         N''The item name (column {column}) must be 1-255 characters and cannot be cleared; it is {detail}.'',
         N''Item names are 1-255 characters.''),
        (''DUPLICATE_CONFLICT'', ''ERROR'', ''Y'',
         N''Item {value} gets different values for column {column} in rows {detail} of this batch: keep one ''
         + N''row per item and column.'',
         N''Rows of one batch must not set one cell to different values.''),
        (''NO_OP'', ''WARNING'', ''Y'',
         N''Column {column} of item {value} looks equal to this value in the loader''''s copy (the loaded rows ''
         + N''of the staging table, which can be out of date): the cell is still released; the sender compares ''
         + N''it with the live board at send time and leaves it out only if the board already holds it.'',
         N''A value equal to the loader''''s copy is reported; whether it is sent is decided against the live ''
         + N''board.''),
        (''LABEL_NORMALISED'', ''WARNING'', ''Y'',
         N''Value {value} of column {column} ({column_id}) matches a label only after trimming spaces or ''
         + N''ignoring case: {detail}. It is sent as that label; write the label exactly as the board has it to ''
         + N''silence this warning.'',
         N''A status or dropdown value matched to a label only after normalising is reported.''),
        (''ALIAS_NORMALISED'', ''WARNING'', ''Y'',
         N''Column {column} was matched to column {column_id} ({detail}) only after its punctuation was ''
         + N''ignored: check that it is the column you mean, or use the column id as the alias.'',
         N''A query alias matched to a column title only after ignoring punctuation is reported.''),
        (''OVERLAP_BATCH'', ''WARNING'', ''Y'',
         N''Column {column} of item {value} is also written by {detail}, released and not yet completed. Both ''
         + N''are sent, in release order: this batch, released after it, is sent after it, so its value stays ''
         + N''on the board and its audit row records the other batch''''s value as the old one. Cancel one of ''
         + N''them if that is not what you want.'',
         N''A cell another released, not yet completed batch also writes is reported, naming that batch and ''
         + N''its value.''),
        (''NO_FIELDS'', ''WARNING'', ''Y'',
         N''The row has no column to change: nothing is sent for item {value}.'',
         N''An UPDATE row with no value columns sends nothing.'');
UPDATE tgt
SET tgt.message_template = src.message_template, tgt.rule_description = src.rule_description
FROM dbo.MON_ValidationRule AS tgt
INNER JOIN @rule AS src ON tgt.rule_code = src.rule_code;
INSERT INTO dbo.MON_ValidationRule (rule_code, severity, is_enabled, message_template, rule_description)
SELECT
    src.rule_code,
    src.severity,
    src.is_enabled,
    src.message_template,
    src.rule_description
FROM @rule AS src
WHERE NOT EXISTS (
    SELECT 1 FROM dbo.MON_ValidationRule AS tgt
    WHERE tgt.rule_code = src.rule_code
);';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/data/MON_ValidationRule.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_Private_OpenRunLog.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_Private_OpenRunLog: opens one dbo.MON_RunLog row for a procedure call (Ola Hallengren''s
-- CommandLog pattern). Internal helper: every public procedure calls it first, before BEGIN TRAN,
-- and closes the row with dbo.usp_Private_CloseRunLog at the end (SUCCEEDED) or in its CATCH (FAILED).
--
-- Signature (the PostgreSQL twin has the same parameters, prefixed p_, @run_id is INOUT):
--   EXEC dbo.usp_Private_OpenRunLog
--       @proc_name nvarchar(128),              -- required: the calling procedure, e.g. N''usp_StageUpdates''
--       @batch_id varchar(50) = NULL,          -- the batch the call is about, when known at start
--       @parameters_used nvarchar(MAX) = NULL, -- a runnable EXEC text of the call (secrets masked)
--       @run_id bigint = NULL OUTPUT;          -- the new MON_RunLog.run_id
--   Example:
--     DECLARE @run_id bigint;
--     EXEC dbo.usp_Private_OpenRunLog @proc_name = N''usp_ReleaseBatch'', @batch_id = @batch_id,
--         @parameters_used = N''EXEC dbo.usp_ReleaseBatch @batch_id = ''''UB...'''';'', @run_id = @run_id OUTPUT;
-- caller_login, host_name and start_time come from the table''s defaults; outcome starts as RUNNING.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_Private_OpenRunLog'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_Private_OpenRunLog AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_OpenRunLog.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_Private_OpenRunLog
    @proc_name nvarchar(128),
    @batch_id varchar(50) = NULL,
    @parameters_used nvarchar(MAX) = NULL,
    @run_id bigint = NULL OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    INSERT INTO dbo.MON_RunLog (proc_name, batch_id, parameters_used)
    VALUES (COALESCE(@proc_name, N''(unknown)''), @batch_id, @parameters_used);

    SET @run_id = CAST(SCOPE_IDENTITY() AS bigint);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_OpenRunLog.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_Private_CloseRunLog.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_Private_CloseRunLog: closes the dbo.MON_RunLog row opened by dbo.usp_Private_OpenRunLog.
-- Internal helper. Call it after COMMIT with @outcome = ''SUCCEEDED'', or in CATCH after ROLLBACK with
-- @outcome = ''FAILED'' and the error (ERROR_NUMBER(), ERROR_MESSAGE()), then THROW.
--
-- Signature (the PostgreSQL twin has the same parameters, prefixed p_):
--   EXEC dbo.usp_Private_CloseRunLog
--       @run_id bigint,                        -- required: from usp_Private_OpenRunLog (NULL: nothing done)
--       @outcome varchar(20) = ''SUCCEEDED'',    -- ''SUCCEEDED'' | ''FAILED''
--       @rows_affected int = NULL,             -- rows the call staged, queued, changed ...
--       @error_number int = NULL,              -- ERROR_NUMBER() on failure
--       @error_message nvarchar(4000) = NULL,  -- ERROR_MESSAGE() on failure
--       @batch_id varchar(50) = NULL;          -- sets MON_RunLog.batch_id when it was not known at start
--   Example (CATCH block):
--     IF @@TRANCOUNT > 0 ROLLBACK;
--     DECLARE @en int = ERROR_NUMBER(), @em nvarchar(4000) = ERROR_MESSAGE();
--     EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @outcome = ''FAILED'', @error_number = @en,
--         @error_message = @em;
--     THROW;
-- end_time is set to SYSUTCDATETIME(). An unknown outcome is stored as FAILED.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_Private_CloseRunLog'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_Private_CloseRunLog AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_CloseRunLog.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_Private_CloseRunLog
    @run_id bigint,
    @outcome varchar(20) = ''SUCCEEDED'',
    @rows_affected int = NULL,
    @error_number int = NULL,
    @error_message nvarchar(4000) = NULL,
    @batch_id varchar(50) = NULL
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF @run_id IS NULL RETURN;

    UPDATE dbo.MON_RunLog
    SET
        end_time = SYSUTCDATETIME(),
        outcome = CASE WHEN @outcome IN (''SUCCEEDED'', ''FAILED'') THEN @outcome ELSE ''FAILED'' END,
        rows_affected = @rows_affected,
        error_number = @error_number,
        error_message = LEFT(@error_message, 4000),
        batch_id = COALESCE(@batch_id, batch_id)
    WHERE run_id = @run_id;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_CloseRunLog.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_Private_RefuseOpenTransaction.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_Private_RefuseOpenTransaction: refuses a call made inside the caller''s open transaction (50960).
-- Internal helper: every public procedure that commits its own work calls it after its @help text and its
-- SET NOCOUNT / SET XACT_ABORT ON, and before its parameter checks and its run-log row, so that nothing has
-- changed yet. Such a procedure cannot keep a caller''s transaction whole: its CATCH rolls back (ROLLBACK
-- ends every level of nesting) and XACT_ABORT dooms the caller''s work with its own. Refused:
--   * @@TRANCOUNT > 0: an explicit BEGIN TRANSACTION, or a call through INSERT ... EXEC (the INSERT''s
--     statement transaction counts in @@TRANCOUNT): capture the result set another way;
--   * IMPLICIT_TRANSACTIONS ON ((@@OPTIONS & 2) = 2: SET IMPLICIT_TRANSACTIONS ON, SET ANSI_DEFAULTS ON, a
--     driver with autocommit off - ODBC, JDBC, pyodbc - or a manual-commit query window): @@TRANCOUNT is
--     still 0 here, but the procedure''s first write would open a transaction that stays open after it
--     returns, with its locks on the owner''s staging tables, until the client commits or rolls it back.
-- It raises with XACT_ABORT OFF (set here, for its own scope), so the refusal itself ends no transaction:
-- the caller''s stays open and committable (XACT_STATE() = 1). Twin of
-- db/postgres/procedures/usp_Private_RefuseOpenTransaction.sql.
--
--   EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_ReleaseBatch'';
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_Private_RefuseOpenTransaction'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_Private_RefuseOpenTransaction AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_RefuseOpenTransaction.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_Private_RefuseOpenTransaction
    @proc_name nvarchar(128)
AS
BEGIN
    SET NOCOUNT ON;
    -- the setting reverts when this procedure returns; a THROW under XACT_ABORT ON would roll back the
    -- caller''s transaction
    SET XACT_ABORT OFF;

    IF @@TRANCOUNT > 0
    BEGIN
        DECLARE @msg nvarchar(2048) = CONCAT(
            N''dbo.'', @proc_name, N'' commits its own work and cannot run inside an open transaction (@@TRANCOUNT = '',
            @@TRANCOUNT, N''; a BEGIN TRANSACTION, or a call through INSERT ... EXEC): nothing was done and the'',
            N'' transaction is still open. Commit or roll it back, then call dbo.'', @proc_name,
            N'' outside a transaction (not through INSERT ... EXEC).''
        );
        THROW 50960, @msg, 1;
    END;
    IF (@@OPTIONS & 2) = 2
    BEGIN
        DECLARE @implicit nvarchar(2048) = CONCAT(
            N''dbo.'', @proc_name, N'' commits its own work and cannot run with IMPLICIT_TRANSACTIONS ON (SET'',
            N'' IMPLICIT_TRANSACTIONS ON, SET ANSI_DEFAULTS ON, or a driver with autocommit off): its work would stay'',
            N'' in a transaction left open after it returns. Nothing was done. Run SET IMPLICIT_TRANSACTIONS OFF (or'',
            N'' turn autocommit on), then call dbo.'', @proc_name, N'' again.''
        );
        THROW 50960, @implicit, 1;
    END;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_RefuseOpenTransaction.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_PurgeRunLog.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_PurgeRunLog: run-log retention (Ola Hallengren''s "CommandLog Cleanup"). Deletes dbo.MON_RunLog rows
-- that started more than @retention_days days ago, in chunks of 4,000 rows (each chunk its own short
-- transaction under the lock-escalation threshold, so senders writing run-log rows are never blocked for
-- long and the transaction log stays small). Dry run by default: with @execute = ''N'' it only reports how
-- many rows would be deleted. Rows of every outcome are deleted (a RUNNING row older than the retention is
-- the trace of a call that died long ago). The call''s own run-log row is never deleted.
-- Dry-run previews have the same retention: the dbo.MON_UpdatePreview rows of batches that ended
-- (COMPLETED, PARTIAL, FAILED, CANCELLED) more than @retention_days days ago are deleted too, in chunks of
-- 4,000 rows found through IX_MON_UpdatePreview_batch (previews of open batches are kept, whatever their age).
-- So have the staged rows of those batches in the owner''s staging tables (STG_MON_CustMasterSchedule and
-- _Subitems: each keeps a copy of its batch''s query) and their validation hashes (dbo.MON_ValidatedRow), in
-- the same chunks: what was sent stays in the queue and the audit.
-- Run by the SQL Agent job of db/ops/create_agent_jobs.sql (@execute = ''Y''); no project role may run it.
-- Twin of db/postgres/procedures/usp_PurgeRunLog.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_PurgeRunLog'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_PurgeRunLog AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_PurgeRunLog.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_PurgeRunLog
    @retention_days int = 30,
    @execute char(1) = ''N'',
    @help char(1) = ''N'',
    @purge_count bigint = NULL OUTPUT,
    @preview_purge_count bigint = NULL OUTPUT,
    @staged_purge_count bigint = NULL OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_PurgeRunLog: deletes dbo.MON_RunLog rows older than the retention, in chunks of 4,000 rows,
and the dbo.MON_UpdatePreview rows (dry-run previews) of batches that ended before the retention.
Dry run by default: with @execute = ''''N'''' nothing is deleted; the rows that would be are counted and reported.

Parameters:
  @retention_days int     30     keep the run-log rows that started in the last @retention_days days
                                 (1 to 36500); older rows are deleted
  @execute        char(1) ''''N''''    ''''Y'''' deletes; ''''N'''' only reports what would be deleted
  @help           char(1) ''''N''''    ''''Y'''' prints this text and does nothing else
  @purge_count    bigint  OUTPUT run-log rows deleted (''''Y''''), or rows that would be deleted (''''N'''')
  @preview_purge_count bigint OUTPUT preview rows deleted (''''Y''''), or rows that would be deleted (''''N''''):
                                 the previews of batches COMPLETED, PARTIAL, FAILED or CANCELLED before
                                 the cutoff
  @staged_purge_count bigint OUTPUT staged rows of those batches deleted from the staging tables (''''Y''''),
                                 or rows that would be deleted (''''N''''); their validation hashes go too

Result set: one row (retention_days, cutoff_time, execute_mode, rows_older_than_cutoff, rows_deleted,
oldest_start_time, summary, previews_older_than_cutoff, previews_deleted, staged_older_than_cutoff,
staged_deleted). Every call writes its own dbo.MON_RunLog row, dry runs included.

Examples:
  -- what would a 30-day retention delete?
  EXEC dbo.usp_PurgeRunLog @retention_days = 30;
  -- delete it (the SQL Agent job "OPUS Run Log Cleanup" runs this)
  EXEC dbo.usp_PurgeRunLog @retention_days = 30, @execute = ''''Y'''';'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_PurgeRunLog'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE
        @errors nvarchar(2000),
        @first int,
        @execute_u char(1) = UPPER(@execute);

    IF @retention_days IS NULL OR @retention_days < 1 OR @retention_days > 36500
    BEGIN
        SET @first = COALESCE(@first, 50900);
        SET @errors = CONCAT(
            @errors + N'' '', N''@retention_days = '', COALESCE(CAST(@retention_days AS nvarchar(20)), N''NULL''),
            N'' is not supported: pass the number of days of run-log history to keep, 1 to 36500'',
            N'' (e.g. @retention_days = 30).''
        );
    END;
    IF @execute_u IS NULL OR @execute_u NOT IN (''Y'', ''N'')
    BEGIN
        SET @first = COALESCE(@first, 50901);
        SET @errors = CONCAT(
            @errors + N'' '', N''@execute = '', COALESCE(N'''''''' + @execute + N'''''''', N''NULL''),
            N'' is not supported: pass ''''N'''' to see what would be deleted, or ''''Y'''' to delete it.''
        );
    END;
    IF @first IS NOT NULL
    BEGIN
        SET @errors = CONCAT(N''usp_PurgeRunLog: '', @errors, N'' Nothing was deleted.'');
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @cutoff datetime2(3) = DATEADD(DAY, -@retention_days, SYSUTCDATETIME()),
        @chunk_size int = 4000,  -- below the 5,000 locks at which SQL Server escalates to a table lock
        @chunk int,
        @deleted bigint = 0,
        @rows_int int,
        @matching bigint,
        @oldest datetime2(3),
        @preview_matching bigint,
        @preview_deleted bigint = 0,
        @staged_matching bigint,
        @staged_deleted bigint = 0,
        @hash_deleted bigint = 0,
        @message nvarchar(800),
        @progress nvarchar(200),
        @params nvarchar(400) = CONCAT(
            N''EXEC dbo.usp_PurgeRunLog @retention_days = '', @retention_days,
            N'', @execute = '''''', @execute_u, N'''''';''
        );

    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_PurgeRunLog'',
        @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    BEGIN TRY
        SELECT
            @matching = COUNT_BIG(*),
            @oldest = MIN(rl.start_time)
        FROM dbo.MON_RunLog AS rl
        WHERE rl.start_time < @cutoff AND rl.run_id <> @run_id;

        SELECT @preview_matching = COUNT_BIG(*)
        FROM dbo.MON_UpdateBatch AS b
        INNER JOIN dbo.MON_UpdatePreview AS p ON b.batch_id = p.batch_id
        WHERE b.batch_status IN (''COMPLETED'', ''PARTIAL'', ''FAILED'', ''CANCELLED'')
            AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

        SELECT @staged_matching = (
            SELECT COUNT_BIG(*)
            FROM dbo.MON_UpdateBatch AS b
            INNER JOIN dbo.STG_MON_CustMasterSchedule AS s ON b.batch_id = s.update_batch_id
            WHERE b.batch_status IN (''COMPLETED'', ''PARTIAL'', ''FAILED'', ''CANCELLED'')
                AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff
        ) + (
            SELECT COUNT_BIG(*)
            FROM dbo.MON_UpdateBatch AS b
            INNER JOIN dbo.STG_MON_CustMasterSchedule_Subitems AS s ON b.batch_id = s.update_batch_id
            WHERE b.batch_status IN (''COMPLETED'', ''PARTIAL'', ''FAILED'', ''CANCELLED'')
                AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff
        );

        IF @execute_u = ''Y''
        BEGIN
            -- one short transaction per chunk (autocommit); the index on start_time finds the rows
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) FROM dbo.MON_RunLog
                WHERE start_time < @cutoff AND run_id <> @run_id;

                SET @chunk = @@ROWCOUNT;
                SET @deleted = @deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N''usp_PurgeRunLog: '', @deleted, N'' run-log rows deleted so far'');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            -- the previews of ended batches: the same chunks, each its own short transaction; the batch
            -- header (a few rows per day) drives the seek on IX_MON_UpdatePreview_batch
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) p
                FROM dbo.MON_UpdatePreview AS p
                INNER JOIN dbo.MON_UpdateBatch AS b ON p.batch_id = b.batch_id
                WHERE b.batch_status IN (''COMPLETED'', ''PARTIAL'', ''FAILED'', ''CANCELLED'')
                    AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

                SET @chunk = @@ROWCOUNT;
                SET @preview_deleted = @preview_deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N''usp_PurgeRunLog: '', @preview_deleted, N'' preview rows deleted so far'');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            -- the staged rows of ended batches (the owner''s tables: chunks below the escalation threshold),
            -- then their validation hashes
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) s
                FROM dbo.STG_MON_CustMasterSchedule AS s
                INNER JOIN dbo.MON_UpdateBatch AS b ON s.update_batch_id = b.batch_id
                WHERE b.batch_status IN (''COMPLETED'', ''PARTIAL'', ''FAILED'', ''CANCELLED'')
                    AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

                SET @chunk = @@ROWCOUNT;
                SET @staged_deleted = @staged_deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N''usp_PurgeRunLog: '', @staged_deleted, N'' staged rows deleted so far'');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) s
                FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
                INNER JOIN dbo.MON_UpdateBatch AS b ON s.update_batch_id = b.batch_id
                WHERE b.batch_status IN (''COMPLETED'', ''PARTIAL'', ''FAILED'', ''CANCELLED'')
                    AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

                SET @chunk = @@ROWCOUNT;
                SET @staged_deleted = @staged_deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N''usp_PurgeRunLog: '', @staged_deleted, N'' staged rows deleted so far'');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            WHILE 1 = 1
            BEGIN
                DELETE TOP (@chunk_size) vr
                FROM dbo.MON_ValidatedRow AS vr
                INNER JOIN dbo.MON_UpdateBatch AS b ON vr.batch_id = b.batch_id
                WHERE b.batch_status IN (''COMPLETED'', ''PARTIAL'', ''FAILED'', ''CANCELLED'')
                    AND COALESCE(b.completed_at, b.cancelled_at) < @cutoff;

                SET @chunk = @@ROWCOUNT;
                SET @hash_deleted = @hash_deleted + @chunk;
                IF @chunk < @chunk_size BREAK;
                SET @progress = CONCAT(N''usp_PurgeRunLog: '', @hash_deleted, N'' validation-hash rows deleted so far'');
                RAISERROR (@progress, 0, 1) WITH NOWAIT;
            END;
            SET @purge_count = @deleted;
            SET @preview_purge_count = @preview_deleted;
            SET @staged_purge_count = @staged_deleted;
            SET @message = CONCAT(
                @deleted, N'' run-log rows started before '', CONVERT(nvarchar(30), @cutoff, 126),
                N'' UTC were deleted; '', @preview_deleted, N'' preview rows of batches ended before then were deleted; '',
                @staged_deleted, N'' staged rows of those batches were deleted.''
            );
        END
        ELSE
        BEGIN
            SET @purge_count = @matching;
            SET @preview_purge_count = @preview_matching;
            SET @staged_purge_count = @staged_matching;
            SET @message = CONCAT(
                N''Dry run, nothing was deleted: '', @matching, N'' run-log rows started before '',
                CONVERT(nvarchar(30), @cutoff, 126), N'' UTC would be deleted, and '', @preview_matching,
                N'' preview rows of batches ended before then, and '', @staged_matching, N'' staged rows of those'',
                N'' batches. Run again with @execute = ''''Y'''' to delete them.''
            );
        END;

        SET @rows_int = CASE
            WHEN @deleted + @preview_deleted + @staged_deleted > 2147483647 THEN 2147483647
            ELSE @deleted + @preview_deleted + @staged_deleted
        END;
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = ''SUCCEEDED'',
            @rows_affected = @rows_int;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK;
        DECLARE @en int = ERROR_NUMBER(), @em nvarchar(4000) = ERROR_MESSAGE();
        -- chunks deleted before the error stay deleted (each was committed on its own)
        SET @rows_int = CASE
            WHEN @deleted + @preview_deleted + @staged_deleted > 2147483647 THEN 2147483647
            ELSE @deleted + @preview_deleted + @staged_deleted
        END;
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = ''FAILED'',
            @rows_affected = @rows_int,
            @error_number = @en,
            @error_message = @em;
        THROW;
    END CATCH;

    PRINT @message;
    SELECT
        @retention_days AS retention_days,
        @cutoff AS cutoff_time,
        @execute_u AS execute_mode,
        @matching AS rows_older_than_cutoff,
        @deleted AS rows_deleted,
        @oldest AS oldest_start_time,
        @message AS summary,
        @preview_matching AS previews_older_than_cutoff,
        @preview_deleted AS previews_deleted,
        @staged_matching AS staged_older_than_cutoff,
        @staged_deleted AS staged_deleted;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_PurgeRunLog.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_NormalizeTitle.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_NormalizeTitle: a column title or query alias in its comparable form: lower case, every run of
-- characters other than a-z and 0-9 replaced by one underscore, leading/trailing underscores removed
-- ("Order Status" -> order_status, " Due Date (UTC) " -> due_date_utc). NULL stays NULL.
-- Only ASCII letters and digits are kept (same rule as the PostgreSQL twin).
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_NormalizeTitle;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_NormalizeTitle.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_NormalizeTitle(
    @title nvarchar(4000)
)
RETURNS varchar(255)
WITH SCHEMABINDING
AS
BEGIN
    IF @title IS NULL
    BEGIN
        RETURN NULL;
    END;
    DECLARE @s nvarchar(4000) = LOWER(@title);
    DECLARE @out varchar(4000) = '''';
    DECLARE @i int = 1;
    DECLARE @n int = LEN(@s + N''x'') - 1;
    DECLARE @c nchar(1);
    DECLARE @pending bit = 0;

    WHILE @i <= @n
    BEGIN
        SET @c = SUBSTRING(@s, @i, 1);
        IF (UNICODE(@c) BETWEEN 97 AND 122) OR (UNICODE(@c) BETWEEN 48 AND 57)
        BEGIN
            IF @pending = 1 AND LEN(@out) > 0
            BEGIN
                SET @out = @out + ''_'';
            END;
            SET @out = @out + CHAR(UNICODE(@c));
            SET @pending = 0;
        END;
        ELSE
        BEGIN
            SET @pending = 1;
        END;
        SET @i = @i + 1;
    END;
    RETURN LEFT(@out, 255);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_NormalizeTitle.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_JsonEscape.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_JsonEscape: a text escaped for use inside a JSON string, exactly as STRING_ESCAPE(@text,
-- ''json'') writes it (''"'', ''\'', ''/'' and the control characters escaped; every other character as it is).
-- STRING_ESCAPE is called only when the text holds one of those characters: otherwise the text is returned
-- unchanged, which is what STRING_ESCAPE returns for it. The two patterns are read under a binary
-- collation, code unit by code unit: the first finds ''"'', ''/'' or ''\'', the second a character below a
-- space (NCHAR(0) included; the range ends at NCHAR(65535), so a surrogate pair is inside it). The check
-- costs one scan of the text, and it keeps the escaping exact on T-SQL engines whose STRING_ESCAPE
-- also escapes each byte of a non-ASCII character''s UTF-8 form (docs/engine_gaps.md, json-non-ascii).
-- Inline, one row: applied per value with CROSS APPLY (or as a subquery), expanded into the calling
-- statement like an expression. Internal helper; twin of db/postgres/functions/fn_MON_Private_JsonEscape.sql.
--   SELECT e.escaped FROM dbo.fn_MON_Private_JsonEscape(N''a "b" / é'') AS e;  -- a \"b\" \/ é
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_JsonEscape;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_JsonEscape.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_JsonEscape(@text nvarchar(MAX))
RETURNS TABLE -- noqa: CP05
AS
RETURN
SELECT
    CASE
        WHEN
            @text COLLATE Latin1_General_100_BIN2 LIKE N''%["/\]%''
            OR @text COLLATE Latin1_General_100_BIN2 LIKE N''%[^ -'' + NCHAR(65535) + N'']%''
            THEN STRING_ESCAPE(@text, ''json'')
        ELSE @text
    END AS escaped;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_JsonEscape.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_NumberText.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_NumberText: a number given as text in its canonical text form (column number_text), or NULL
-- when the text is not a plain decimal number. Accepted: optional sign, digits, optional decimal point (no
-- thousands separators, no exponent), surrounding spaces; at most 28 integer digits; rounded to 10
-- decimals; trailing zeros removed (''12.5000'' -> ''12.5'', ''+007'' -> ''7'', ''-0.0'' -> ''0'').
-- Inline table-valued function (one row), so that set-based statements (release, through
-- fn_MON_Private_FormatValue) apply it with CROSS APPLY and no scalar function runs per row; the scalar
-- dbo.fn_MON_Private_NormalizeNumber returns its value. Every expression is safe for any input (the
-- optimizer may compute it before the CASE that uses it).
--   SELECT n.number_text FROM dbo.fn_MON_Private_NumberText(N'' 12.5000 '') AS n;  -- ''12.5''
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NumberText;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_NumberText.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_NumberText(@value nvarchar(4000))
RETURNS TABLE -- noqa: CP05
WITH SCHEMABINDING
AS
RETURN
WITH v AS (
    -- read under a binary collation: [0-9] is then the ASCII digits, whatever the database''s collation
    SELECT LTRIM(RTRIM(@value)) COLLATE Latin1_General_100_BIN2 AS v
),

b AS (
    SELECT
        v.v,
        CASE WHEN LEFT(v.v, 1) IN (N''+'', N''-'') THEN SUBSTRING(v.v, 2, 4000) ELSE v.v END AS body
    FROM v
),

d AS (
    -- digits and at most one point, at least one digit
    SELECT
        CASE
            WHEN
                b.v IS NULL OR LEN(b.v) = 0 OR b.body LIKE N''%[^0-9.]%'' OR b.body LIKE N''%.%.%''
                OR b.body NOT LIKE N''%[0-9]%''
                THEN NULL
            ELSE TRY_CONVERT(decimal(38, 10), b.v)
        END AS num
    FROM b
),

r AS (
    SELECT
        d.num,
        REVERSE(CONVERT(varchar(60), d.num)) AS rev
    FROM d
),

z AS (
    -- drop trailing zeros of the fraction (a trailing point is dropped below)
    SELECT
        r.num,
        REVERSE(SUBSTRING(r.rev, PATINDEX(''%[^0]%'', r.rev), 60)) AS txt
    FROM r
)

SELECT
    CAST(
        CASE
            WHEN z.num IS NULL THEN NULL
            WHEN z.num = 0 THEN ''0''
            WHEN RIGHT(z.txt, 1) = ''.'' THEN LEFT(z.txt, LEN(z.txt) - 1)
            ELSE z.txt
        END AS varchar(60)
    ) AS number_text
FROM z;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_NumberText.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_NormalizeNumber.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_NormalizeNumber: a number given as text in its canonical text form, or NULL when the text
-- is not a plain decimal number (the rules: dbo.fn_MON_Private_NumberText, whose value this returns, for
-- the callers that need a scalar: validation, and the staged query''s generated text of numeric columns).
-- Set-based statements apply dbo.fn_MON_Private_NumberText itself with CROSS APPLY.
-- Same rules as the PostgreSQL twin (db/postgres/functions/fn_MON_Private_NormalizeNumber.sql).
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NormalizeNumber;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_NormalizeNumber.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_NormalizeNumber(
    @value nvarchar(4000)
)
RETURNS varchar(60)
WITH SCHEMABINDING
AS
BEGIN
    RETURN (SELECT n.number_text FROM dbo.fn_MON_Private_NumberText(@value) AS n);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_NormalizeNumber.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_DateText.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_DateText: a date or date-time given as text, checked and normalised (column date_text), or
-- NULL when it is not one. Accepted: ''YYYY-MM-DD'', or ''YYYY-MM-DD'' + ''T'' or '' '' + ''HH:MM[:SS[.fffffff]]'',
-- optionally followed (after at most one space) by ''Z'' or an offset ''+HH:MM'' / ''+HHMM''; ''T'' and ''Z'' may be
-- lower case (RFC 3339 5.6), digits are ASCII digits. Gives ''YYYY-MM-DD'' for a date, and
-- ''YYYY-MM-DD HH:MM:SS'' in UTC for a date-time (an offset is applied; a value without offset is taken as
-- UTC already; fractions of a second are dropped). Offsets run from -14:00 to +14:00; a date-time whose
-- UTC time falls outside years 1-9999 is not one. The text is read under a binary collation, so that the
-- rules do not depend on the database''s (a width- or accent-insensitive collation would take ''Ｔ'' for ''T''
-- or a superscript digit for a digit), as in the PostgreSQL twin''s regular expression.
-- Inline table-valued function (one row), so that set-based statements (release, through
-- fn_MON_Private_FormatValue) apply it with CROSS APPLY and no scalar function runs per row; the scalar
-- dbo.fn_MON_Private_NormalizeDate returns its value. Every length and conversion is guarded so that the
-- expression is safe for any input (the optimizer may compute it before the CASE that uses it).
--   SELECT d.date_text FROM dbo.fn_MON_Private_DateText(N''2026-06-15T01:30:00+02:00'') AS d;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_DateText;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_DateText.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_DateText(@value nvarchar(100))
RETURNS TABLE -- noqa: CP05
WITH SCHEMABINDING
AS
RETURN
WITH v AS (
    SELECT LTRIM(RTRIM(@value)) COLLATE Latin1_General_100_BIN2 AS v
),

d AS (
    SELECT
        v.v,
        CASE
            WHEN LEFT(v.v, 10) LIKE N''[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]''
                THEN TRY_CONVERT(date, LEFT(v.v, 10), 23)
        END AS d,
        SUBSTRING(v.v, 12, 100) AS rest
    FROM v
),

zl AS (
    -- the zone: Z, or +HH:MM / -HH:MM / +HHMM at the end: its length
    -- ([-+]: a leading - in a set is the character itself, on every engine)
    SELECT
        d.v,
        d.d,
        d.rest,
        CASE
            WHEN RIGHT(d.rest, 1) IN (N''Z'', N''z'') THEN 1
            WHEN d.rest LIKE N''%[-+][0-1][0-9]:[0-5][0-9]'' THEN 6
            WHEN d.rest LIKE N''%[-+][0-1][0-9][0-5][0-9]'' AND LEN(d.rest) > 8 THEN 5
            ELSE 0
        END AS zone_len
    FROM d
),

zt AS (
    -- the time: what precedes the zone, without the one space that may separate them
    SELECT
        zl.v,
        zl.d,
        CASE zl.zone_len
            WHEN 1 THEN N''+00:00''
            WHEN 6 THEN RIGHT(zl.rest, 6)
            WHEN 5 THEN LEFT(RIGHT(zl.rest, 5), 3) + N'':'' + RIGHT(zl.rest, 2)
        END AS offset_text,
        CASE
            WHEN zl.zone_len = 0 THEN zl.rest
            ELSE LEFT(zl.rest, CASE WHEN LEN(zl.rest) >= zl.zone_len THEN LEN(zl.rest) - zl.zone_len ELSE 0 END)
        END AS time_text
    FROM zl
),

zs AS (
    SELECT
        zt.v,
        zt.d,
        zt.offset_text,
        -- (DATALENGTH counts the trailing spaces that LEN and = ignore; LEN of the text + ''.'' counts them too, in
        -- characters on every engine, where DATALENGTH / 2 assumes two bytes a character)
        CASE
            WHEN DATALENGTH(zt.time_text) <> DATALENGTH(RTRIM(zt.time_text))
                THEN LEFT(zt.time_text, LEN(zt.time_text + N''.'') - 2)
            ELSE zt.time_text
        END AS time_text
    FROM zt
),

tm AS (
    SELECT
        zs.v,
        zs.d,
        zs.offset_text,
        (TRY_CONVERT(int, SUBSTRING(zs.offset_text, 2, 2)) * 60 + TRY_CONVERT(int, RIGHT(zs.offset_text, 2)))
        * CASE WHEN LEFT(zs.offset_text, 1) = N''-'' THEN -1 ELSE 1 END AS offset_minutes,
        CASE
            -- a second space before the zone is left in the time and refused
            WHEN DATALENGTH(zs.time_text) <> DATALENGTH(RTRIM(zs.time_text)) THEN NULL
            WHEN zs.time_text LIKE N''[0-2][0-9]:[0-5][0-9]'' THEN zs.time_text + N'':00''
            WHEN zs.time_text LIKE N''[0-2][0-9]:[0-5][0-9]:[0-5][0-9]'' THEN zs.time_text
            WHEN
                zs.time_text LIKE N''[0-2][0-9]:[0-5][0-9]:[0-5][0-9].[0-9]%''
                AND SUBSTRING(zs.time_text, 10, 100) NOT LIKE N''%[^0-9]%''
                AND LEN(zs.time_text) <= 16
                THEN zs.time_text
        END AS hms
    FROM zs
),

dt AS (
    -- seconds only: fractions are dropped, not rounded
    SELECT
        tm.v,
        tm.d,
        tm.offset_text,
        tm.offset_minutes,
        tm.hms,
        TRY_CONVERT(datetime2(0), CONVERT(varchar(10), tm.d, 23) + ''T'' + LEFT(tm.hms, 8), 126) AS dt
    FROM tm
),

utc AS (
    -- the UTC time''s seconds from the start of the given day (outside 0 .. 86399 on the first or the last
    -- day of the calendar: outside datetimeoffset''s range, which raises instead of returning NULL)
    SELECT
        dt.v,
        dt.d,
        dt.offset_text,
        dt.offset_minutes,
        dt.hms,
        dt.dt,
        DATEDIFF(SECOND, CAST(dt.d AS datetime2(0)), dt.dt) - COALESCE(dt.offset_minutes, 0) * 60 AS utc_second
    FROM dt
)

-- every branch is varchar of its own length: a CASE of char(10) and char(19) is char(19), which padded
-- every date to 19 characters
SELECT
    CASE
        WHEN utc.d IS NULL THEN NULL
        WHEN LEN(utc.v) = 10 THEN CONVERT(varchar(10), utc.d, 23)
        WHEN SUBSTRING(utc.v, 11, 1) NOT IN (N''T'', N''t'', N'' '') THEN NULL
        -- offsets run from -14:00 to +14:00 (beyond, datetimeoffset raises instead of returning NULL)
        WHEN ABS(utc.offset_minutes) > 840 THEN NULL
        WHEN utc.hms IS NULL OR TRY_CONVERT(int, LEFT(utc.hms, 2)) > 23 OR utc.dt IS NULL THEN NULL
        WHEN utc.d = ''9999-12-31'' AND utc.utc_second >= 86400 THEN NULL
        WHEN utc.d = ''0001-01-01'' AND utc.utc_second < 0 THEN NULL
        WHEN utc.offset_text IS NULL THEN CONVERT(varchar(19), utc.dt, 120)
        -- to UTC by arithmetic: the same instant as SWITCHOFFSET(TODATETIMEOFFSET(dt, offset), ''+00:00''), in a
        -- form every T-SQL engine runs (the test engine refuses TODATETIMEOFFSET''s offset argument). The minutes
        -- are 0 where the guards above return NULL, so that an engine that evaluates this branch early (the test
        -- engine folds a call with constant arguments) never overflows
        ELSE CONVERT(
            varchar(19),
            DATEADD(
                MINUTE,
                CASE
                    WHEN utc.d = ''9999-12-31'' AND utc.utc_second >= 86400 THEN 0
                    WHEN utc.d = ''0001-01-01'' AND utc.utc_second < 0 THEN 0
                    ELSE -utc.offset_minutes
                END,
                utc.dt
            ),
            120
        )
    END AS date_text
FROM utc;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_DateText.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_NormalizeDate.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_NormalizeDate: a date or date-time given as text, checked and normalised, or NULL when it
-- is not one (the rules: dbo.fn_MON_Private_DateText, whose value this returns, for the callers that need
-- a scalar: validation). Set-based statements apply dbo.fn_MON_Private_DateText itself with CROSS APPLY.
-- Same rules as the PostgreSQL twin.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_NormalizeDate;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_NormalizeDate.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_NormalizeDate(
    @value nvarchar(100)
)
RETURNS varchar(19)
WITH SCHEMABINDING
AS
BEGIN
    RETURN (SELECT d.date_text FROM dbo.fn_MON_Private_DateText(@value) AS d);
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_NormalizeDate.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_ColumnLabels.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_ColumnLabels: the labels of a status or dropdown column from its settings JSON, one row
-- per label: label_id and label_text. Reads typed settings (`labels` an array of {id, label} or
-- {id, name}) and legacy settings_str (`labels` an object {"<id>": "<label>"}).
-- Inline table-valued function; same rows as the PostgreSQL twin.
--   SELECT label_id, label_text FROM dbo.fn_MON_Private_ColumnLabels(N''{"labels": {"1": "Done"}}'');
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ColumnLabels;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_ColumnLabels.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_ColumnLabels(@settings nvarchar(MAX))
RETURNS table
AS
RETURN
SELECT
    CASE
        WHEN l.[type] = 5 THEN TRY_CONVERT(int, JSON_VALUE(l.[value], ''$.id''))
        ELSE TRY_CONVERT(int, l.[key])
    END AS label_id,
    CAST(
        CASE
            WHEN l.[type] = 5 THEN COALESCE(JSON_VALUE(l.[value], ''$.label''), JSON_VALUE(l.[value], ''$.name''))
            ELSE l.[value]
        END AS nvarchar(255)
    ) COLLATE DATABASE_DEFAULT AS label_text
FROM OPENJSON(CASE WHEN ISJSON(@settings) = 1 THEN @settings END, ''$.labels'') AS l
WHERE
    l.[type] IN (1, 5)
    AND CASE
        WHEN l.[type] = 5 THEN TRY_CONVERT(int, JSON_VALUE(l.[value], ''$.id''))
        ELSE TRY_CONVERT(int, l.[key])
    END IS NOT NULL;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_ColumnLabels.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_FormatValue.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_FormatValue: the exact monday.com write value (column formatted_value: the JSON for one
-- column inside column_values) of one validated raw value; the one definition of the formatting rules
-- (the shapes are listed in db/functions/fn_MON_FormatColumnValue.sql, which returns this value).
-- Inline table-valued function returning one row, applied per cell with CROSS APPLY by usp_ReleaseBatch:
-- the optimizer expands it into the release statement, so formatting a batch is one set-based statement
-- (a scalar function per cell ran row by row, and kept the whole statement serial, before SQL Server 2019;
-- and its table reads and STRING_AGG make it one that 2019''s scalar inlining does not inline).
-- Each type''s work runs only for its own cells (the label, user and token lookups are guarded by the type,
-- which the optimizer turns into start-up filters), and every expression is safe for any input (the
-- optimizer may compute an expression before the CASE that uses it: lengths and conversions are guarded).
-- The rules do not depend on the database''s collation, as in the PostgreSQL twin: patterns ([0-9], [A-Za-z],
-- ''@'', ''/'') and label, e-mail and keyword matches are read under Latin1_General_100_BIN2 (a case-, accent- or
-- width-insensitive collation would take ''Ｄｏｎｅ'' for ''Done'', ''cafe'' for ''Café'' or a superscript digit
-- for a digit); "ignoring case" is LOWER on both sides, then a binary compare of equal lengths. Whitespace
-- (the separator of an e-mail or link and its text, of a country code and its name) is any of space, tab,
-- line feed, vertical tab, form feed and carriage return. The JSON is written as the PostgreSQL twin writes
-- it: a ''/'' is not escaped (fn_MON_Private_JsonEscape writes ''\/'' as STRING_ESCAPE does, and the final
-- REPLACE undoes it; every backslash of the value starts an escape, so a ''\/'' is always an escaped ''/'';
-- the REPLACE is binary, or a width-insensitive collation would take an escaped backslash and a fullwidth
-- ''／'' for one too).
--   SELECT c.column_id, f.formatted_value
--   FROM dbo.MON_BoardColumn AS c
--   CROSS APPLY dbo.fn_MON_Private_FormatValue(c.column_type, N''In Progress'', c.settings_json) AS f
--   WHERE c.board_id = 8709134353 AND c.column_id = ''status'';
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_FormatValue;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_FormatValue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_FormatValue(
    @column_type varchar(50),
    @raw_value nvarchar(MAX),
    @settings nvarchar(MAX)
)
RETURNS TABLE -- noqa: CP05
AS
RETURN
-- people and dropdown: the comma-separated tokens, in order
WITH tok AS (
    SELECT
        CAST(s.[key] AS int) AS ord,
        LTRIM(RTRIM(s.value)) COLLATE DATABASE_DEFAULT AS tok
    -- (split at '','' only: a binary REPLACE, or a width-insensitive collation splits at ''，'' too)
    FROM dbo.fn_MON_Private_JsonEscape(
        CASE WHEN LOWER(LTRIM(RTRIM(@column_type))) IN (''people'', ''dropdown'') THEN LTRIM(RTRIM(@raw_value)) END
    ) AS esc
    CROSS APPLY OPENJSON(
        N''["'' + REPLACE(esc.escaped COLLATE Latin1_General_100_BIN2, N'','', N''","'') + N''"]''
    ) AS s
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) IN (''people'', ''dropdown'')
        AND LEN(LTRIM(RTRIM(s.value))) > 0
),

person AS (
    SELECT
        tok.ord,
        TRY_CONVERT(bigint, SUBSTRING(tok.tok, CHARINDEX(N'':'', tok.tok) + 1, 20)) AS user_id,
        LOWER(LEFT(tok.tok, CASE WHEN CHARINDEX(N'':'', tok.tok) > 0 THEN CHARINDEX(N'':'', tok.tok) - 1 ELSE 0 END))
            AS user_kind,
        0 AS pri
    FROM tok
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) = ''people''
        AND (
            LOWER(tok.tok COLLATE Latin1_General_100_BIN2) LIKE N''person:[0-9]%''
            OR LOWER(tok.tok COLLATE Latin1_General_100_BIN2) LIKE N''team:[0-9]%''
        )
        AND SUBSTRING(tok.tok, CHARINDEX(N'':'', tok.tok) + 1, 20) COLLATE Latin1_General_100_BIN2 NOT LIKE N''%[^0-9]%''
        AND LEN(SUBSTRING(tok.tok, CHARINDEX(N'':'', tok.tok) + 1, 20)) BETWEEN 1 AND 18
    UNION ALL
    SELECT
        tok.ord,
        TRY_CONVERT(bigint, tok.tok) AS user_id,
        COALESCE(u.user_kind, ''person'') AS user_kind,
        1 AS pri
    FROM tok
    LEFT JOIN dbo.MON_User AS u ON u.user_id = TRY_CONVERT(bigint, tok.tok)
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) = ''people''
        AND tok.tok COLLATE Latin1_General_100_BIN2 NOT LIKE N''%[^0-9]%'' AND LEN(tok.tok) BETWEEN 1 AND 18
    UNION ALL
    SELECT
        tok.ord,
        u.user_id,
        u.user_kind,
        2 AS pri
    FROM tok
    INNER JOIN dbo.MON_User AS u
        ON
            LOWER(tok.tok COLLATE Latin1_General_100_BIN2) = LOWER(u.email COLLATE Latin1_General_100_BIN2)
            AND DATALENGTH(tok.tok) = DATALENGTH(u.email)
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) = ''people''
        AND tok.tok COLLATE Latin1_General_100_BIN2 LIKE N''%@%''
),

person_best AS (
    SELECT
        person.ord,
        person.user_id,
        person.user_kind,
        ROW_NUMBER() OVER (
            PARTITION BY person.ord
            ORDER BY person.pri, CASE person.user_kind WHEN ''person'' THEN 0 ELSE 1 END, person.user_id
        ) AS rn
    FROM person
    WHERE person.user_id IS NOT NULL
),

lbl AS (
    SELECT
        l.label_id,
        l.label_text
    FROM dbo.fn_MON_Private_ColumnLabels(@settings) AS l
    WHERE LOWER(LTRIM(RTRIM(@column_type))) IN (''status'', ''dropdown'')
),

dropdown AS (
    SELECT
        tok.ord,
        lbl.label_id,
        lbl.label_text,
        CASE
            WHEN
                lbl.label_text = tok.tok COLLATE Latin1_General_100_BIN2
                AND DATALENGTH(lbl.label_text) = DATALENGTH(tok.tok)
                THEN 0
            ELSE 1
        END AS pri
    FROM tok
    INNER JOIN lbl
        ON
            LOWER(tok.tok COLLATE Latin1_General_100_BIN2) = LOWER(lbl.label_text COLLATE Latin1_General_100_BIN2)
            AND DATALENGTH(tok.tok) = DATALENGTH(lbl.label_text)
    WHERE LOWER(LTRIM(RTRIM(@column_type))) = ''dropdown''
    UNION ALL
    SELECT
        tok.ord,
        lbl.label_id,
        lbl.label_text,
        2 AS pri
    FROM tok
    INNER JOIN lbl ON lbl.label_id = TRY_CONVERT(int, tok.tok)
    WHERE
        LOWER(LTRIM(RTRIM(@column_type))) = ''dropdown''
        AND tok.tok COLLATE Latin1_General_100_BIN2 NOT LIKE N''%[^0-9]%'' AND LEN(tok.tok) BETWEEN 1 AND 9
),

dropdown_best AS (
    SELECT
        dropdown.ord,
        dropdown.label_id,
        dropdown.label_text,
        ROW_NUMBER() OVER (PARTITION BY dropdown.ord ORDER BY dropdown.pri, dropdown.label_id) AS rn
    FROM dropdown
),

-- the aggregates below have no GROUP BY: one row each, whatever the type
person_list AS (
    SELECT
        STRING_AGG(
            CAST(CONCAT(N''{"id":'', person_best.user_id, N'',"kind":"'', person_best.user_kind, N''"}'') AS nvarchar(MAX)),
            N'',''
        ) WITHIN GROUP (ORDER BY tok.ord) AS items,
        SUM(CASE WHEN person_best.user_id IS NULL THEN 1 ELSE 0 END) AS unresolved
    FROM tok
    LEFT JOIN person_best ON tok.ord = person_best.ord AND person_best.rn = 1
    WHERE LOWER(LTRIM(RTRIM(@column_type))) = ''people''
),

dropdown_list AS (
    SELECT
        STRING_AGG(CAST(CONCAT(dropdown_best.label_id, N'''') AS nvarchar(MAX)), N'','')
            WITHIN GROUP (ORDER BY tok.ord) AS ids,
        STRING_AGG(
            CAST(N''"'' + esc_label.escaped + N''"'' AS nvarchar(MAX)),
            N'',''
        ) WITHIN GROUP (ORDER BY tok.ord) AS labels,
        SUM(CASE WHEN dropdown_best.label_id IS NULL THEN 1 ELSE 0 END) AS unresolved
    FROM tok
    LEFT JOIN dropdown_best ON tok.ord = dropdown_best.ord AND dropdown_best.rn = 1
    CROSS APPLY dbo.fn_MON_Private_JsonEscape(COALESCE(dropdown_best.label_text, tok.tok)) AS esc_label
    WHERE LOWER(LTRIM(RTRIM(@column_type))) = ''dropdown''
),

x AS (
    SELECT
        LOWER(LTRIM(RTRIM(@column_type))) AS typ,
        LTRIM(RTRIM(@raw_value)) AS t,
        @raw_value AS raw_value,
        -- whitespace, as a LIKE / PATINDEX set
        N''['' + NCHAR(32) + NCHAR(9) + NCHAR(10) + NCHAR(11) + NCHAR(12) + NCHAR(13) + N'']'' AS ws,
        N''[^'' + NCHAR(32) + NCHAR(9) + NCHAR(10) + NCHAR(11) + NCHAR(12) + NCHAR(13) + N'']'' AS non_ws
),

pos AS (
    SELECT
        x.typ,
        x.t,
        x.raw_value,
        x.ws,
        CHARINDEX(N''/'', x.t COLLATE Latin1_General_100_BIN2) AS slash,
        PATINDEX(N''%'' + x.ws + N''%'', x.t COLLATE Latin1_General_100_BIN2) AS blank_at,
        -- where the text after the address starts (0: none)
        PATINDEX(
            N''%'' + x.non_ws + N''%'',
            SUBSTRING(x.t, PATINDEX(N''%'' + x.ws + N''%'', x.t COLLATE Latin1_General_100_BIN2) + 1, LEN(x.t))
            COLLATE Latin1_General_100_BIN2
        ) AS text_at,
        CHARINDEX(N'':'', x.t) AS colon
    FROM x
),

y AS (
    SELECT
        pos.typ,
        pos.t,
        pos.raw_value,
        pos.slash,
        pos.ws,
        pos.blank_at,
        pos.text_at,
        -- email and link: the address (up to the first whitespace), then the text after the whitespace (the
        -- address again when there is none)
        CASE
            WHEN pos.blank_at = 0 THEN pos.t
            ELSE LEFT(pos.t, CASE WHEN pos.blank_at > 0 THEN pos.blank_at - 1 ELSE 0 END)
        END AS a,
        CASE
            WHEN pos.blank_at = 0 OR pos.text_at = 0
                THEN LEFT(pos.t, CASE WHEN pos.blank_at > 0 THEN pos.blank_at - 1 ELSE LEN(pos.t) END)
            ELSE SUBSTRING(SUBSTRING(pos.t, pos.blank_at + 1, LEN(pos.t)), pos.text_at, LEN(pos.t))
        END AS b,
        -- hour: hours and minutes
        TRY_CONVERT(int, LEFT(pos.t, CASE WHEN pos.colon > 0 THEN pos.colon - 1 ELSE 0 END)) AS h,
        TRY_CONVERT(int, SUBSTRING(pos.t, pos.colon + 1, 2)) AS m,
        -- status: the label text, exactly then ignoring case; else a whole number as a label id
        COALESCE(
            (
                SELECT TOP (1) lbl.label_id
                FROM lbl
                WHERE
                    pos.typ = ''status''
                    AND LOWER(lbl.label_text COLLATE Latin1_General_100_BIN2)
                    = LOWER(pos.t COLLATE Latin1_General_100_BIN2)
                    AND DATALENGTH(lbl.label_text) = DATALENGTH(pos.t)
                ORDER BY
                    CASE WHEN lbl.label_text = pos.t COLLATE Latin1_General_100_BIN2 THEN 0 ELSE 1 END,
                    lbl.label_id
            ),
            (
                SELECT TOP (1) lbl.label_id
                FROM lbl
                WHERE
                    pos.typ = ''status'' AND pos.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''%[^0-9]%''
                    AND LEN(pos.t) BETWEEN 1 AND 9
                    AND lbl.label_id = TRY_CONVERT(int, pos.t)
            )
        ) AS status_label_id
    FROM pos
)

SELECT
    REPLACE(CAST(
        CASE
            -- clearing: NULL or '''' (after trimming, for typed columns)
            WHEN x.typ IN (''text'', ''long_text'', ''name'') AND (x.raw_value IS NULL OR DATALENGTH(x.raw_value) = 0)
                THEN CASE x.typ WHEN ''text'' THEN N''""'' WHEN ''long_text'' THEN N''null'' END
            WHEN x.typ NOT IN (''text'', ''long_text'', ''name'') AND (x.t IS NULL OR LEN(x.t) = 0)
                THEN CASE
                    WHEN x.typ = ''numbers'' THEN N''""''
                    WHEN x.typ IN (
                        ''status'', ''date'', ''timeline'', ''people'', ''dropdown'', ''email'', ''phone'', ''link'', ''checkbox'',
                        ''hour'', ''rating'', ''country''
                    ) THEN N''null''
                END
            WHEN x.typ IN (''text'', ''name'') THEN N''"'' + esc_raw.escaped + N''"''
            WHEN x.typ = ''long_text'' THEN N''{"text":"'' + esc_raw.escaped + N''"}''
            WHEN x.typ = ''numbers''
                THEN CASE WHEN num.number_text IS NOT NULL THEN N''"'' + num.number_text + N''"'' END
            -- status: label text first (a numeric-looking label such as ''2024'' is a label), then a label id
            WHEN x.typ = ''status''
                THEN CASE
                    WHEN x.status_label_id IS NOT NULL
                        THEN N''{"index":'' + CAST(x.status_label_id AS nvarchar(12)) + N''}''
                    ELSE N''{"label":"'' + esc_t.escaped + N''"}''
                END
            WHEN x.typ = ''date''
                THEN CASE
                    WHEN dt.date_text IS NULL THEN NULL
                    WHEN LEN(dt.date_text) = 10 THEN N''{"date":"'' + dt.date_text + N''"}''
                    ELSE N''{"date":"'' + LEFT(dt.date_text, 10) + N''","time":"'' + RIGHT(dt.date_text, 8) + N''"}''
                END
            WHEN x.typ = ''timeline''
                THEN CASE
                    WHEN x.slash < 2 OR CHARINDEX(N''/'', x.t, x.slash + 1) > 0 THEN NULL
                    WHEN
                        tl_from.date_text IS NULL OR tl_to.date_text IS NULL OR LEN(tl_from.date_text) <> 10
                        OR LEN(tl_to.date_text) <> 10 OR tl_from.date_text > tl_to.date_text
                        THEN NULL
                    ELSE N''{"from":"'' + tl_from.date_text + N''","to":"'' + tl_to.date_text + N''"}''
                END
            WHEN x.typ = ''people''
                THEN CASE
                    WHEN ppl.unresolved > 0 THEN NULL
                    ELSE N''{"personsAndTeams":['' + COALESCE(ppl.items, N'''') + N'']}''
                END
            WHEN x.typ = ''dropdown''
                THEN CASE
                    WHEN dd.unresolved = 0 THEN N''{"ids":['' + COALESCE(dd.ids, N'''') + N'']}''
                    ELSE N''{"labels":['' + COALESCE(dd.labels, N'''') + N'']}''
                END
            WHEN x.typ = ''email''
                THEN N''{"email":"'' + esc_a.escaped + N''","text":"'' + esc_b.escaped + N''"}''
            WHEN x.typ = ''link''
                THEN N''{"url":"'' + esc_a.escaped + N''","text":"'' + esc_b.escaped + N''"}''
            WHEN x.typ = ''phone''
                THEN CASE
                    WHEN x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''% [A-Za-z][A-Za-z]'' THEN NULL
                    ELSE N''{"phone":"'' + esc_phone.escaped
                        + N''","countryShortName":"'' + UPPER(RIGHT(x.t, 2)) + N''"}''
                END
            WHEN x.typ = ''checkbox''
                THEN CASE
                    WHEN LOWER(x.t COLLATE Latin1_General_100_BIN2) IN (N''true'', N''1'', N''yes'', N''y'')
                        THEN N''{"checked":"true"}''
                    WHEN LOWER(x.t COLLATE Latin1_General_100_BIN2) IN (N''false'', N''0'', N''no'', N''n'') THEN N''null''
                END
            WHEN x.typ = ''hour''
                THEN CASE
                    WHEN
                        x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''[0-9]:[0-9][0-9]''
                        AND x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''[0-9][0-9]:[0-9][0-9]''
                        AND x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''[0-9]:[0-9][0-9]:[0-9][0-9]''
                        AND x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''[0-9][0-9]:[0-9][0-9]:[0-9][0-9]''
                        THEN NULL
                    WHEN x.h IS NULL OR x.m IS NULL OR x.h > 23 OR x.m > 59 THEN NULL
                    ELSE CONCAT(N''{"hour":'', x.h, N'',"minute":'', x.m, N''}'')
                END
            WHEN x.typ = ''rating''
                THEN CASE
                    WHEN
                        x.t COLLATE Latin1_General_100_BIN2 LIKE N''%[^0-9]%'' OR LEN(x.t) > 4
                        OR TRY_CONVERT(int, x.t) IS NULL
                        THEN NULL
                    ELSE CONCAT(N''{"rating":'', TRY_CONVERT(int, x.t), N''}'')
                END
            WHEN x.typ = ''country''
                THEN CASE
                    WHEN
                        x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''[A-Za-z][A-Za-z]''
                        AND x.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''[A-Za-z][A-Za-z]'' + x.ws + N''%''
                        THEN NULL
                    -- the name: after the code and its whitespace (x.a and x.b split at the first whitespace)
                    -- (the code alone is two ASCII letters: nothing to escape)
                    ELSE N''{"countryCode":"'' + UPPER(LEFT(x.t, 2)) + N''","countryName":"''
                        + CASE WHEN x.blank_at > 0 AND x.text_at > 0 THEN esc_b.escaped ELSE UPPER(LEFT(x.t, 2)) END
                        + N''"}''
                END
        END AS nvarchar(MAX)
    ) COLLATE Latin1_General_100_BIN2, N''\/'', N''/'') COLLATE DATABASE_DEFAULT AS formatted_value
FROM y AS x
CROSS JOIN person_list AS ppl
CROSS JOIN dropdown_list AS dd
CROSS APPLY dbo.fn_MON_Private_NumberText(CASE WHEN x.typ = ''numbers'' THEN x.t END) AS num
CROSS APPLY dbo.fn_MON_Private_DateText(CASE WHEN x.typ = ''date'' THEN x.t END) AS dt
CROSS APPLY dbo.fn_MON_Private_DateText(
    CASE WHEN x.typ = ''timeline'' THEN LEFT(x.t, CASE WHEN x.slash > 1 THEN x.slash - 1 ELSE 0 END) END
) AS tl_from
CROSS APPLY dbo.fn_MON_Private_DateText(
    CASE WHEN x.typ = ''timeline'' THEN SUBSTRING(x.t, x.slash + 1, 4000) END
) AS tl_to
-- the texts written inside JSON strings, each escaped for the types that write it
CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN x.typ IN (''text'', ''long_text'', ''name'') THEN x.raw_value END)
    AS esc_raw
CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN x.typ = ''status'' THEN x.t END) AS esc_t
CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN x.typ IN (''email'', ''link'') THEN x.a END) AS esc_a
CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN x.typ IN (''email'', ''link'', ''country'') THEN x.b END) AS esc_b
CROSS APPLY dbo.fn_MON_Private_JsonEscape(
    CASE
        WHEN x.typ = ''phone''
            THEN REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
                RTRIM(LEFT(x.t, CASE WHEN LEN(x.t) >= 2 THEN LEN(x.t) - 2 ELSE 0 END)),
                N'' '', N''''), N''('', N''''), N'')'', N''''), N''.'', N''''), N''-'', N'''')
    END
) AS esc_phone;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_FormatValue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_FormatColumnValue.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_FormatColumnValue: the exact monday.com write value (the JSON for one column inside
-- column_values) of one validated raw value: the function DBAs call. The rules are defined once, in the
-- inline table-valued function dbo.fn_MON_Private_FormatValue, whose value this returns; dbo.usp_ReleaseBatch
-- applies that inline function per cell with CROSS APPLY (set-based, no scalar function per row).
--
-- Signature (the PostgreSQL twin takes p_column_type, p_raw_value, p_settings and returns text):
--   dbo.fn_MON_FormatColumnValue(
--       @column_type varchar(50),   -- MON_BoardColumn.column_type: status, date, numbers, people, ...
--       @raw_value nvarchar(max),   -- the staged value as text (update_fields value); NULL or '''' clears
--       @settings nvarchar(max))    -- MON_BoardColumn.settings (status/dropdown labels); may be NULL
--   RETURNS nvarchar(max): compact JSON text of the value, e.g. {"index":1}, "3", {"date":"2026-06-15"},
--   null (the JSON literal: clears the cell); SQL NULL when the value cannot be formatted (type not
--   writable, value not valid: validation refuses such rows first).
-- Shapes (monday''s API documentation; the raw input forms are listed in docs/patterns/sql_update_patterns.md):
--   text "x" (clear "") | name "x" (cannot be cleared: NULL) | long_text {"text":"x"} | numbers "3" (clear "")
--   status {"index":<label id>} (label text matched exactly, then case-insensitively, then a whole number
--     as a label id; an unknown label gives {"label":"x"}, sent with create_labels_if_missing)
--   date {"date":"YYYY-MM-DD"} or {"date":"YYYY-MM-DD","time":"HH:MM:SS"} in UTC (offsets applied)
--   timeline ''YYYY-MM-DD/YYYY-MM-DD'' -> {"from":..,"to":..}
--   people ''id, email, team:id'' -> {"personsAndTeams":[{"id":N,"kind":"person"}]} (emails via MON_User)
--   dropdown ''A, B'' -> {"ids":[..]} when every label is known, else {"labels":["A","B"]}
--   email ''a@b.com [text]'' -> {"email","text"} | phone ''+12025550169 US'' -> {"phone","countryShortName"}
--   link ''https://x [text]'' -> {"url","text"} | checkbox true/false/1/0/yes/no/y/n -> {"checked":"true"} / null
--   hour ''HH:MM'' -> {"hour":H,"minute":M} | rating ''N'' -> {"rating":N}
--   country ''US [United States]'' -> {"countryCode":"US","countryName":"United States"}
-- Example:
--   SELECT dbo.fn_MON_FormatColumnValue(c.column_type, N''In Progress'', c.settings_json)
--   FROM dbo.MON_BoardColumn AS c WHERE c.board_id = 8709134353 AND c.column_id = ''status'';
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_FormatColumnValue;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_FormatColumnValue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_FormatColumnValue(
    @column_type varchar(50),
    @raw_value nvarchar(MAX),
    @settings nvarchar(MAX)
)
RETURNS nvarchar(MAX)
AS
BEGIN
    RETURN (
        SELECT f.formatted_value
        FROM dbo.fn_MON_Private_FormatValue(@column_type, @raw_value, @settings) AS f
    );
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_FormatColumnValue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_RatingMax.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_RatingMax: the highest value a rating column takes, from its settings ("max"), 5 when the
-- settings do not say. Same rule as the PostgreSQL twin.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_RatingMax;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_RatingMax.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_RatingMax(@settings nvarchar(MAX))
RETURNS int
AS
BEGIN
    DECLARE @max nvarchar(100) = CASE WHEN ISJSON(@settings) = 1 THEN JSON_VALUE(@settings, ''$.max'') END;
    RETURN CASE
        WHEN @max COLLATE Latin1_General_100_BIN2 NOT LIKE N''%[^0-9]%'' AND LEN(@max) BETWEEN 1 AND 3
            THEN TRY_CONVERT(int, @max)
        ELSE 5
    END;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_RatingMax.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_StringifyExpr.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_StringifyExpr: the T-SQL expression that turns a column of a given type into the text
-- usp_StageUpdates writes into update_fields (and validation compares with loaded values), the same text
-- as the PostgreSQL twin: dates ''YYYY-MM-DD'', date-times ''YYYY-MM-DDTHH:MM:SS'' (datetimeoffset: UTC + ''Z''),
-- times ''HH:MM:SS'', numbers without trailing zeros, bit ''true''/''false'', binary ''0x..'', CLR types
-- (geography, geometry, hierarchyid) their ToString(), everything else its text.
-- @system_type_name as sys.dm_exec_describe_first_result_set gives it (''decimal(18,4)'', ''nvarchar(50)'').
-- Returns NULL for a type it cannot stage (usp_StageUpdates then refuses the query with 50213).
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_StringifyExpr;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_StringifyExpr.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_StringifyExpr(
    @column_expr nvarchar(400),
    @system_type_name nvarchar(256)
)
RETURNS nvarchar(MAX)
AS
BEGIN
    DECLARE @t nvarchar(256) = LOWER(LEFT(@system_type_name, CHARINDEX(N''('', @system_type_name + N''('') - 1));
    DECLARE @c nvarchar(400) = @column_expr;
    RETURN CASE
        WHEN @t IN (N''tinyint'', N''smallint'', N''int'', N''bigint'') THEN N''CONVERT(nvarchar(30), '' + @c + N'')''
        WHEN @t = N''bit'' THEN N''CASE '' + @c + N'' WHEN 1 THEN N''''true'''' WHEN 0 THEN N''''false'''' END''
        WHEN @t IN (N''decimal'', N''numeric'')
            THEN N''COALESCE(dbo.fn_MON_Private_NormalizeNumber(CONVERT(nvarchar(60), '' + @c + N'')), ''
            + N''CONVERT(nvarchar(60), '' + @c + N''))''
        -- money converts with 2 decimals by default (12.3456 -> 12.35): as decimal(19, 4), exact for money and
        -- smallmoney, it keeps all 4 (style 2 would too on SQL Server; the T-SQL test engine ignores the style)
        WHEN @t IN (N''money'', N''smallmoney'')
            THEN N''COALESCE(dbo.fn_MON_Private_NormalizeNumber(CONVERT(nvarchar(60), CAST('' + @c
            + N'' AS decimal(19, 4)))), CONVERT(nvarchar(60), CAST('' + @c + N'' AS decimal(19, 4))))''
        WHEN @t IN (N''float'', N''real'')
            THEN N''COALESCE(dbo.fn_MON_Private_NormalizeNumber(CONVERT(nvarchar(60), TRY_CONVERT(decimal(38, 10), '' + @c
            + N''))), CONVERT(nvarchar(60), '' + @c + N'', 3))''
        WHEN @t = N''date'' THEN N''CONVERT(nchar(10), '' + @c + N'', 23)''
        -- ISO 8601 to the second: style 120 (yyyy-mm-dd hh:mi:ss) with its space made a T, the same text as style
        -- 126 cut at 19 characters (the T-SQL test engine ignores style 126 and writes the space)
        WHEN @t IN (N''datetime'', N''datetime2'', N''smalldatetime'')
            THEN N''REPLACE(CONVERT(nchar(19), '' + @c + N'', 120), N'''' '''', N''''T'''')''
        WHEN @t = N''datetimeoffset''
            THEN N''REPLACE(CONVERT(nchar(19), SWITCHOFFSET('' + @c + N'', ''''+00:00''''), 120), N'''' '''', N''''T'''') + N''''Z''''''
        WHEN @t = N''time'' THEN N''CONVERT(nchar(8), '' + @c + N'', 108)''
        WHEN @t IN (N''char'', N''nchar'') THEN N''RTRIM(CONVERT(nvarchar(MAX), '' + @c + N''))''
        WHEN @t IN (N''varchar'', N''nvarchar'', N''text'', N''ntext'', N''xml'', N''sysname'')
            THEN N''CONVERT(nvarchar(MAX), '' + @c + N'')''
        WHEN @t = N''uniqueidentifier'' THEN N''LOWER(CONVERT(nchar(36), '' + @c + N''))''
        WHEN @t IN (N''binary'', N''varbinary'', N''image'', N''timestamp'', N''rowversion'')
            THEN N''CONVERT(nvarchar(MAX), CONVERT(varbinary(MAX), '' + @c + N''), 1)''
        WHEN @t = N''sql_variant'' THEN N''CONVERT(nvarchar(4000), '' + @c + N'')''
        WHEN @t IN (N''geography'', N''geometry'', N''hierarchyid'') THEN @c + N''.ToString()''
    END;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_StringifyExpr.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_BlankQueryText.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_BlankQueryText: the query text with every comment replaced by spaces and every string
-- literal and quoted identifier by underscores (same length, same positions), so that usp_StageUpdates can
-- look for keywords and statement separators in the code only. T-SQL lexing: -- and nested /* */
-- comments, ''...'' and N''...'' ('''' inside), "..." ("" inside) and [...] (]] inside) identifiers.
-- Linear in the length of the query: the loop jumps from token to token with CHARINDEX (binary collation),
-- keeping the next position of each opening character until the scan passes it, so every character is
-- searched once; the ranges to blank are collected in a table variable and the result is assembled once
-- with STRING_AGG (no STUFF or concatenation of the whole text per token).
-- Twin of the PostgreSQL function (PostgreSQL lexing: E''...'' and $tag$...$tag$, no [..]).
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_BlankQueryText;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_BlankQueryText.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_BlankQueryText(@query nvarchar(MAX))
RETURNS nvarchar(MAX)
AS
BEGIN
    IF @query IS NULL
    BEGIN
        RETURN NULL;
    END;
    DECLARE @n int = LEN(@query + N''x'') - 1;
    DECLARE @i int = 1;
    DECLARE @j int;
    DECLARE @k int;
    DECLARE @depth int;
    DECLARE @c nchar(1);
    DECLARE @close nchar(1);
    -- next position at or after the scan of each opening character (@n + 1: none left)
    DECLARE @p_dash int = 0;
    DECLARE @p_slash int = 0;
    DECLARE @p_quote int = 0;
    DECLARE @p_dquote int = 0;
    DECLARE @p_bracket int = 0;
    -- inside block comments: next /* and next */
    DECLARE @p_open int = 0;
    DECLARE @p_close int = 0;
    DECLARE @out nvarchar(MAX);
    DECLARE @ranges TABLE (
        start_pos int NOT NULL PRIMARY KEY,
        end_pos int NOT NULL,
        fill nchar(1) NOT NULL
    );

    WHILE @i <= @n
    BEGIN
        IF @p_dash < @i
        BEGIN
            SET @p_dash = CHARINDEX(N''-'', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_dash = 0 SET @p_dash = @n + 1;
        END;
        IF @p_slash < @i
        BEGIN
            SET @p_slash = CHARINDEX(N''/'', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_slash = 0 SET @p_slash = @n + 1;
        END;
        IF @p_quote < @i
        BEGIN
            SET @p_quote = CHARINDEX(N'''''''', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_quote = 0 SET @p_quote = @n + 1;
        END;
        IF @p_dquote < @i
        BEGIN
            SET @p_dquote = CHARINDEX(N''"'', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_dquote = 0 SET @p_dquote = @n + 1;
        END;
        IF @p_bracket < @i
        BEGIN
            SET @p_bracket = CHARINDEX(N''['', @query COLLATE Latin1_General_100_BIN2, @i);
            IF @p_bracket = 0 SET @p_bracket = @n + 1;
        END;
        SET @k = @p_dash;
        IF @p_slash < @k SET @k = @p_slash;
        IF @p_quote < @k SET @k = @p_quote;
        IF @p_dquote < @k SET @k = @p_dquote;
        IF @p_bracket < @k SET @k = @p_bracket;
        IF @k > @n
        BEGIN
            BREAK;
        END;
        SET @c = SUBSTRING(@query, @k, 1);
        IF UNICODE(@c) = 45 AND UNICODE(SUBSTRING(@query, @k + 1, 1)) = 45
        BEGIN
            -- -- comment: up to the end of the line
            SET @j = CHARINDEX(NCHAR(10), @query COLLATE Latin1_General_100_BIN2, @k);
            IF @j = 0 SET @j = @n + 1;
            INSERT INTO @ranges (start_pos, end_pos, fill) VALUES (@k, @j, N'' '');
            SET @i = @j;
        END;
        ELSE IF UNICODE(@c) = 47 AND UNICODE(SUBSTRING(@query, @k + 1, 1)) = 42
        BEGIN
            -- /* comment */, nested: jump from one /* or */ to the next
            SET @depth = 1;
            SET @j = @k + 2;
            WHILE @j <= @n AND @depth > 0
            BEGIN
                IF @p_open < @j
                BEGIN
                    SET @p_open = CHARINDEX(N''/*'', @query COLLATE Latin1_General_100_BIN2, @j);
                    IF @p_open = 0 SET @p_open = @n + 1;
                END;
                IF @p_close < @j
                BEGIN
                    SET @p_close = CHARINDEX(N''*/'', @query COLLATE Latin1_General_100_BIN2, @j);
                    IF @p_close = 0 SET @p_close = @n + 1;
                END;
                IF @p_close > @n
                BEGIN
                    SET @j = @n + 1;
                END;
                ELSE IF @p_open < @p_close
                BEGIN
                    SET @depth = @depth + 1;
                    SET @j = @p_open + 2;
                END;
                ELSE
                BEGIN
                    SET @depth = @depth - 1;
                    SET @j = @p_close + 2;
                END;
            END;
            IF @j > @n + 1 SET @j = @n + 1;
            INSERT INTO @ranges (start_pos, end_pos, fill) VALUES (@k, @j, N'' '');
            SET @i = @j;
        END;
        ELSE IF UNICODE(@c) IN (39, 34, 91)
        BEGIN
            -- ''string'', "identifier", [identifier]: a doubled closing character stays inside
            SET @close = CASE UNICODE(@c) WHEN 91 THEN N'']'' ELSE @c END;
            SET @j = @k + 1;
            WHILE 1 = 1
            BEGIN
                SET @j = CHARINDEX(@close, @query COLLATE Latin1_General_100_BIN2, @j);
                IF @j = 0
                BEGIN
                    SET @j = @n + 1;
                    BREAK;
                END;
                IF @j < @n AND UNICODE(SUBSTRING(@query, @j + 1, 1)) = UNICODE(@close)
                BEGIN
                    SET @j = @j + 2;
                END;
                ELSE
                BEGIN
                    SET @j = @j + 1;
                    BREAK;
                END;
            END;
            IF @j > @n + 1 SET @j = @n + 1;
            INSERT INTO @ranges (start_pos, end_pos, fill) VALUES (@k, @j, N''_'');
            SET @i = @j;
        END;
        ELSE
        BEGIN
            -- a lone - or /: code
            SET @i = @k + 1;
        END;
    END;

    IF NOT EXISTS (SELECT 1 FROM @ranges)
    BEGIN
        RETURN @query;
    END;
    -- the code between the ranges, each range blanked, the code after the last one: in one pass
    WITH r AS (
        SELECT
            rg.start_pos,
            rg.end_pos,
            rg.fill,
            LAG(rg.end_pos, 1, 1) OVER (ORDER BY rg.start_pos ASC) AS prev_end
        FROM @ranges AS rg
    ),

    piece AS (
        SELECT
            r.start_pos * 2 - 1 AS ord,
            SUBSTRING(@query, r.prev_end, r.start_pos - r.prev_end) AS txt
        FROM r
        WHERE r.start_pos > r.prev_end
        UNION ALL
        SELECT
            r.start_pos * 2 AS ord,
            REPLICATE(CAST(r.fill AS nvarchar(MAX)), r.end_pos - r.start_pos) AS txt
        FROM r
        UNION ALL
        SELECT
            (@n + 1) * 2 AS ord,
            SUBSTRING(@query, MAX(r.end_pos), @n + 1 - MAX(r.end_pos)) AS txt
        FROM r
        HAVING MAX(r.end_pos) <= @n
    )

    SELECT @out = STRING_AGG(CAST(piece.txt AS nvarchar(MAX)), N'''') WITHIN GROUP (ORDER BY piece.ord ASC)
    FROM piece;
    RETURN @out;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_BlankQueryText.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_ForbiddenKeyword.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_ForbiddenKeyword: the first keyword of a blanked query text (fn_MON_Private_BlankQueryText)
-- that changes data or schema, runs code or leaves the database, or NULL when there is none.
-- usp_StageUpdates refuses such a query. Words match whole and in any case (update_fields and created_at
-- are fine); quoted identifiers and strings were blanked before. The words are T-SQL''s (statements that
-- change data, schema, permissions or the server, run code, or end or start a transaction); the PostgreSQL
-- twin lists PostgreSQL''s, so a column named like a word of the other engine (copy, vacuum) stages.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ForbiddenKeyword;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_ForbiddenKeyword.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_ForbiddenKeyword(@blanked nvarchar(MAX))
RETURNS varchar(30)
AS
BEGIN
    DECLARE @word varchar(30);
    -- lower case under a binary collation: the same letters on every database collation (under a Turkish one
    -- LOWER(''I'') is a dotless i, and an upper-case INSERT or WHILE would not be found)
    DECLARE @text nvarchar(MAX) = N'' '' + LOWER(@blanked COLLATE Latin1_General_100_BIN2) + N'' '';

    WITH k AS (
        SELECT v.word
        FROM (
            VALUES
            (''insert''), (''update''), (''delete''), (''merge''), (''truncate''), (''drop''), (''alter''), (''create''), (''exec''),
            (''execute''), (''grant''), (''revoke''), (''deny''), (''into''), (''backup''), (''restore''), (''dbcc''), (''kill''),
            (''shutdown''), (''waitfor''), (''bulk''), (''openrowset''), (''opendatasource''), (''openquery''), (''openxml''),
            (''reconfigure''), (''xp_cmdshell''), (''writetext''), (''updatetext''), (''checkpoint''), (''receive''),
            (''enable''), (''disable''), (''commit''), (''rollback''), (''save''), (''begin''), (''declare''), (''set''), (''use''),
            -- control of flow: reserved words, so never an unquoted column name; after a SELECT''s ORDER BY they would
            -- start a second statement
            (''while''), (''if''), (''print''), (''raiserror''), (''throw''), (''goto''), (''return'')
        ) AS v(word)
    ),

    f AS (
        SELECT
            k.word,
            PATINDEX(
                N''%[^a-z0-9_@#$]'' + REPLACE(k.word, ''_'', ''[_]'') + N''[^a-z0-9_@#$]%'',
                @text COLLATE Latin1_General_100_BIN2
            ) AS pos
        FROM k
    )

    SELECT TOP (1) @word = UPPER(f.word)
    FROM f
    WHERE f.pos > 0
    ORDER BY f.pos ASC, f.word ASC;

    RETURN @word;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_ForbiddenKeyword.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_QueryParts.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_QueryParts: where the parts of a blanked query text (fn_MON_Private_BlankQueryText: comments
-- and strings blanked, same positions) lie at parenthesis depth 0, so that usp_StageUpdates can run the
-- caller''s query with text of its own placed around it:
--   select_pos  the SELECT (or parenthesis) that starts the final query expression: 1 for a plain SELECT, the
--               first depth-0 SELECT after the CTE list of a WITH query; 0 when there is none
--   tail_pos    where the tail a derived table may not hold starts (length + 1 when none): its ORDER BY
--               (unless a TOP or an OFFSET makes the ORDER BY choose the rows), or else its OPTION clause
--   second_pos  the first depth-0 SELECT after select_pos that no UNION, EXCEPT or INTERSECT joins to the
--               expression: a second statement (T-SQL needs no semicolon between two SELECTs); 0 when none
-- Words inside parentheses (subqueries, CTE bodies, OVER (ORDER BY ...)) are not looked at. Linear in the
-- length of the text: the parenthesis groups are recorded (not blanked with a STUFF of the whole text each),
-- and each search reads a window of at most 4,000 characters from where the last one ended. Twin of the
-- PostgreSQL function.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_QueryParts;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_QueryParts.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_QueryParts(@blanked nvarchar(MAX))
RETURNS @parts TABLE (
    select_pos int NOT NULL,
    tail_pos int NOT NULL,
    second_pos int NOT NULL
)
AS
BEGIN
    DECLARE @n int = LEN(@blanked + N''x'') - 1;
    -- lower case under a binary collation: the same letters whatever the database''s collation (LOWER(''I'') is a
    -- dotless i under a Turkish one, and UNION would no longer be found)
    DECLARE @top nvarchar(MAX) = LOWER(@blanked COLLATE Latin1_General_100_BIN2);
    DECLARE @i int = 1;
    DECLARE @open int;
    DECLARE @close int;
    DECLARE @depth int = 0;
    DECLARE @group_start int = 0;
    DECLARE @rel int;
    DECLARE @start int;
    DECLARE @len int;
    DECLARE @word nvarchar(128);
    DECLARE @previous nvarchar(128) = N'''';
    DECLARE @first nvarchar(128) = NULL;
    DECLARE @select_pos int = 0;
    DECLARE @tail_pos int = 0;
    DECLARE @second_pos int = 0;
    DECLARE @order_pos int = 0;
    DECLARE @order_by_pos int = 0;
    DECLARE @option_pos int = 0;
    DECLARE @words_after_select int = 0;
    DECLARE @keeps_order bit = 0;
    DECLARE @g_open int;
    DECLARE @g_close int;
    DECLARE @g_previous int;
    -- the depth-0 parenthesis groups: the words between open_pos and close_pos are not looked at
    DECLARE @groups TABLE (
        open_pos int NOT NULL PRIMARY KEY,
        close_pos int NOT NULL
    );
    -- identifier characters: ASCII letters, digits, _ @ # $ and every character above U+007F
    DECLARE @word_start nvarchar(40) = N''%[a-z_@#$'' + NCHAR(128) + N''-'' + NCHAR(65535) + N'']%'';
    DECLARE @word_end nvarchar(40) = N''%[^a-z0-9_@#$'' + NCHAR(128) + N''-'' + NCHAR(65535) + N'']%'';

    -- 1. the depth-0 parenthesis groups
    WHILE @i <= @n
    BEGIN
        SET @open = CHARINDEX(N''('', @top COLLATE Latin1_General_100_BIN2, @i);
        SET @close = CHARINDEX(N'')'', @top COLLATE Latin1_General_100_BIN2, @i);
        IF @open = 0 AND @close = 0
        BEGIN
            BREAK;
        END;
        IF @open > 0 AND (@close = 0 OR @open < @close)
        BEGIN
            IF @depth = 0 SET @group_start = @open;
            SET @depth = @depth + 1;
            SET @i = @open + 1;
        END
        ELSE
        BEGIN
            IF @depth > 0
            BEGIN
                SET @depth = @depth - 1;
                IF @depth = 0
                BEGIN
                    INSERT INTO @groups (open_pos, close_pos) VALUES (@group_start, @close);
                END;
            END;
            SET @i = @close + 1;
        END;
    END;
    IF @depth > 0
    BEGIN
        -- an unclosed parenthesis: the engine''s parser names it; nothing after it is looked at
        INSERT INTO @groups (open_pos, close_pos) VALUES (@group_start, @n + 1);
    END;

    -- a query that starts with a parenthesis, ((SELECT ...) UNION (SELECT ...)) ORDER BY 1: its expression starts
    -- there, and every depth-0 word after it is looked at as after a SELECT (its ORDER BY, OPTION, a second SELECT)
    SET @rel = PATINDEX(N''%[^ '' + NCHAR(9) + NCHAR(10) + NCHAR(13) + N'']%'', @blanked COLLATE Latin1_General_100_BIN2);
    IF @rel > 0 AND SUBSTRING(@blanked, @rel, 1) = N''(''
    BEGIN
        SET @select_pos = @rel;
        SET @first = N''('';
    END;

    -- 2. walk the depth-0 words
    SELECT TOP (1)
        @g_open = g.open_pos,
        @g_close = g.close_pos
    FROM @groups AS g
    ORDER BY g.open_pos;
    SET @i = 1;
    WHILE @i <= @n
    BEGIN
        SET @rel = PATINDEX(@word_start, SUBSTRING(@top, @i, 4000) COLLATE Latin1_General_100_BIN2);
        IF @rel = 0
        BEGIN
            SET @i = @i + 4000;
            CONTINUE;
        END;
        SET @start = @i + @rel - 1;
        -- the groups passed, then a word inside a group: go on after the group
        WHILE @g_open IS NOT NULL AND @g_close < @start
        BEGIN
            SET @g_previous = @g_close;
            SET @g_open = NULL;
            SELECT TOP (1)
                @g_open = g.open_pos,
                @g_close = g.close_pos
            FROM @groups AS g
            WHERE g.open_pos > @g_previous
            ORDER BY g.open_pos;
        END;
        IF @g_open IS NOT NULL AND @start > @g_open
        BEGIN
            SET @i = @g_close + 1;
            CONTINUE;
        END;
        -- the word''s end, in windows of 4,000 characters (a blanked string literal is one long word)
        SET @len = 0;
        WHILE 1 = 1
        BEGIN
            SET @rel = PATINDEX(
                @word_end, SUBSTRING(@top, @start + @len, 4000) + N'' '' COLLATE Latin1_General_100_BIN2
            ) - 1;
            SET @len = @len + @rel;
            IF @rel < 4000 OR @start + @len > @n
            BEGIN
                BREAK;
            END;
        END;
        SET @word = LEFT(SUBSTRING(@top, @start, @len), 128);
        IF @first IS NULL
        BEGIN
            SET @first = @word;
            IF @word = N''select'' SET @select_pos = @start;
        END
        ELSE IF @select_pos = 0
        BEGIN
            IF @first = N''with'' AND @word = N''select'' SET @select_pos = @start;
        END
        ELSE
        BEGIN
            IF @word = N''select'' AND @previous NOT IN (N''union'', N''all'', N''except'', N''intersect'')
            BEGIN
                SET @second_pos = @start;
                BREAK;
            END;
            SET @words_after_select = @words_after_select + 1;
            -- a TOP of the first query of a UNION, EXCEPT or INTERSECT does not choose the rows of the whole: the
            -- ORDER BY after the last query orders the whole, and a derived table may not hold it
            IF @word IN (N''union'', N''except'', N''intersect'')
            BEGIN
                SET @keeps_order = 0;
            END;
            -- SELECT [ALL | DISTINCT] TOP (n) ... ORDER BY, and ORDER BY ... OFFSET: a derived table may hold that
            -- ORDER BY (it decides which rows), so it stays in the shape''s text
            IF @word = N''top''
                AND (@words_after_select = 1 OR (@words_after_select = 2 AND @previous IN (N''all'', N''distinct'')))
            BEGIN
                SET @keeps_order = 1;
            END;
            IF @word = N''offset'' AND @order_by_pos > 0
            BEGIN
                SET @keeps_order = 1;
            END;
            IF @word = N''by'' AND @previous = N''order'' AND @order_pos > 0 AND @order_by_pos = 0
            BEGIN
                SET @order_by_pos = @order_pos;
            END;
            IF @word = N''option'' AND @option_pos = 0
            BEGIN
                SET @option_pos = @start;
            END;
            SET @order_pos = CASE WHEN @word = N''order'' THEN @start ELSE 0 END;
        END;
        SET @previous = @word;
        SET @i = @start + @len;
    END;

    SET @tail_pos = CASE
        WHEN @keeps_order = 0 AND @order_by_pos > 0 THEN @order_by_pos
        ELSE @option_pos
    END;
    INSERT INTO @parts (select_pos, tail_pos, second_pos)
    VALUES (@select_pos, CASE WHEN @tail_pos = 0 THEN @n + 1 ELSE @tail_pos END, @second_pos);
    RETURN;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_QueryParts.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_ClosestColumns.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_ClosestColumns: up to three columns of a board that look most like a query alias, as
-- ''column_id (Title), ...'' for validation messages (NULL when nothing is alike). Likeness: how many
-- distinct two-letter pieces of the normalised alias occur in the column''s normalised title or id.
-- Same score and order (score, then column id) as the PostgreSQL twin.
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ClosestColumns;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_ClosestColumns.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_ClosestColumns(
    @board_id bigint,
    @alias nvarchar(4000)
)
RETURNS nvarchar(4000)
AS
BEGIN
    DECLARE @na varchar(255) = COALESCE(dbo.fn_MON_NormalizeTitle(@alias), '''');
    DECLARE @result nvarchar(4000);

    WITH digits AS (
        SELECT d.n FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS d(n)
    ),

    tally AS (
        SELECT a.n * 100 + b.n * 10 + c.n + 1 AS i
        FROM digits AS a CROSS JOIN digits AS b CROSS JOIN digits AS c
    ),

    bigram AS (
        SELECT DISTINCT SUBSTRING(@na, tally.i, 2) AS bg
        FROM tally
        WHERE tally.i < LEN(@na)
    ),

    scored AS (
        SELECT
            bc.column_id,
            bc.title,
            (
                SELECT COUNT(*)
                FROM bigram
                WHERE CHARINDEX(bigram.bg, bc.normalized_title) > 0 OR CHARINDEX(bigram.bg, LOWER(bc.column_id)) > 0
            ) AS score
        FROM dbo.MON_BoardColumn AS bc
        WHERE bc.board_id = @board_id
    ),

    top3 AS (
        SELECT TOP (3)
            scored.column_id,
            scored.title,
            scored.score
        FROM scored
        WHERE scored.score > 0
        ORDER BY scored.score DESC, scored.column_id ASC
    )

    SELECT @result = STRING_AGG(CAST(CONCAT(top3.column_id, N'' ('', top3.title, N'')'') AS nvarchar(4000)), N'', '')
    WITHIN GROUP (ORDER BY top3.score DESC, top3.column_id ASC)
    FROM top3;

    RETURN @result;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_ClosestColumns.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_StagedFields.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_StagedFields: the fields of one staged row''s update_fields, one row per JSON key, with
-- field_no the key''s position in the text (update_fields is written compactly by usp_StageUpdates, so a
-- key''s position gives the field order). Internal: the one shredding of update_fields, applied by
-- dbo.fn_MON_StagedCells and by the procedures that work on their own copy of the staged rows
-- (usp_Private_ValidateBatch, usp_ReleaseBatch), so that the cells they use come from the row they copied
-- and hashed, never from a second read of the owner''s table. Inline: applied set-based (CROSS APPLY).
-- Twin of db/postgres/functions/fn_MON_Private_StagedFields.sql.
--   SELECT f.* FROM dbo.fn_MON_Private_StagedFields(N''{"status":"Done","due":"2026-01-31"}'') AS f;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_StagedFields;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_StagedFields.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_StagedFields(@update_fields nvarchar(MAX))
RETURNS TABLE -- noqa: CP05
AS
RETURN (
    SELECT
        -- found exactly: OPENJSON''s key is BIN2, the column''s collation the database''s (Msg 468 otherwise)
        CAST(
            DENSE_RANK() OVER (
                ORDER BY CHARINDEX(
                    N''"'' + esc.escaped + N''":'', @update_fields COLLATE Latin1_General_100_BIN2
                ) ASC
            ) AS int
        ) AS field_no,
        -- OPENJSON returns BIN2 text: give it the database collation, as the tables it is compared with
        CAST(j.[key] AS nvarchar(255)) COLLATE DATABASE_DEFAULT AS column_alias,
        CAST(j.[value] AS nvarchar(MAX)) COLLATE DATABASE_DEFAULT AS raw_value
    FROM OPENJSON(CASE WHEN ISJSON(@update_fields) = 1 THEN @update_fields ELSE N''{}'' END) AS j
    -- the key as usp_StageUpdates wrote it
    CROSS APPLY dbo.fn_MON_Private_JsonEscape(j.[key]) AS esc
);';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_StagedFields.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_MapAlias.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_MapAlias: the board column a query alias maps to - the one definition of the mapping rule,
-- used by dbo.fn_MON_StagedCells, usp_Private_ValidateBatch and usp_ReleaseBatch. The alias equals a
-- column id (exactly, then ignoring case), else its normalised form equals a column''s normalised title,
-- else dbo.MON_ColumnMap (the batch''s board or the metadata board first, then board_id NULL). Always one
-- row: match_count 0 is unmapped; > 1 ambiguous (column_id NULL).
-- "Exactly" and "ignoring case" do not depend on the database''s collation, as in the PostgreSQL twin: a
-- binary compare of equal lengths, of the LOWER of both sides for "ignoring case" (an accent-, width- or
-- kana-insensitive collation would otherwise map ''Ｓｔａｔｕｓ'' or ''státus'' to the column ''status'').
-- Internal; inline, applied once per distinct alias of a batch. Twin of
-- db/postgres/functions/fn_MON_Private_MapAlias.sql.
--   SELECT m.* FROM dbo.fn_MON_Private_MapAlias(1234567890, 1234567890, N''Status'') AS m;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_MapAlias;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_MapAlias.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_MapAlias(
    @board_id bigint,
    @metadata_board_id bigint,
    @column_alias nvarchar(255)
)
RETURNS TABLE -- noqa: CP05
AS
RETURN (
    WITH candidate AS (
        SELECT
            c.column_id,
            1 AS pri,
            ''ID'' AS match_kind
        FROM dbo.MON_BoardColumn AS c
        WHERE
            c.board_id = @metadata_board_id AND @column_alias = c.column_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(@column_alias) = DATALENGTH(CAST(c.column_id AS nvarchar(100)))
        UNION ALL
        SELECT
            c.column_id,
            2 AS pri,
            ''ID'' AS match_kind
        FROM dbo.MON_BoardColumn AS c
        WHERE
            c.board_id = @metadata_board_id
            AND LOWER(@column_alias COLLATE Latin1_General_100_BIN2)
            = LOWER(c.column_id COLLATE Latin1_General_100_BIN2)
            AND DATALENGTH(@column_alias) = DATALENGTH(CAST(c.column_id AS nvarchar(100)))
        UNION ALL
        SELECT
            c.column_id,
            3 AS pri,
            ''TITLE'' AS match_kind
        FROM dbo.MON_BoardColumn AS c
        WHERE c.board_id = @metadata_board_id AND c.normalized_title = dbo.fn_MON_NormalizeTitle(@column_alias)
        UNION ALL
        SELECT
            mp.column_id,
            CASE WHEN mp.board_id IS NULL THEN 5 ELSE 4 END AS pri,
            ''MAP'' AS match_kind
        FROM dbo.MON_ColumnMap AS mp
        INNER JOIN dbo.MON_BoardColumn AS c
            ON
                c.board_id = @metadata_board_id AND mp.column_id = c.column_id COLLATE Latin1_General_100_BIN2
                AND DATALENGTH(mp.column_id) = DATALENGTH(c.column_id)
        WHERE
            LOWER(@column_alias COLLATE Latin1_General_100_BIN2)
            = LOWER(mp.source_alias COLLATE Latin1_General_100_BIN2)
            AND DATALENGTH(@column_alias) = DATALENGTH(mp.source_alias)
            AND (mp.board_id IS NULL OR mp.board_id IN (@board_id, @metadata_board_id))
    ),

    best AS (
        SELECT MIN(candidate.pri) AS pri
        FROM candidate
    )

    -- an aggregate without GROUP BY: one row also when nothing matches (count 0, column_id NULL)
    SELECT
        CASE WHEN COUNT(DISTINCT candidate.column_id) = 1 THEN MIN(candidate.column_id) END AS column_id,
        MIN(candidate.match_kind) AS match_kind,
        COUNT(DISTINCT candidate.column_id) AS match_count
    FROM candidate
    INNER JOIN best ON candidate.pri = best.pri
);';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_MapAlias.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_StagedCells.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_StagedCells: the cells of a staged batch, one row per staged row and update_fields entry, with
-- the board column each query alias maps to (dbo.fn_MON_Private_MapAlias, the one mapping rule; the fields
-- come from dbo.fn_MON_Private_StagedFields). match_count 0: unmapped; > 1: ambiguous (column_id NULL).
-- metadata_board_id: the board whose columns apply (the subitems board for a SUBITEMS batch).
-- is_no_op ''Y'': validation found the loader''s copy equal (a NO_OP warning). It only informs: release
-- queues the cell all the same, and the sender leaves it out only when the live board holds the value.
-- Multi-statement table-valued function, same columns as the PostgreSQL twin: update_fields is read by
-- OPENJSON once (into the returned table), the distinct aliases are mapped once from it, and the mapping
-- is written back into the cells. A view for people (what a batch holds); validation and release build the
-- same cells from their own copy of the rows, with the same two functions.
--   SELECT * FROM dbo.fn_MON_StagedCells(''UB20260101120000-a1b2c3'') ORDER BY update_row_no, field_no;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_StagedCells;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_StagedCells.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_StagedCells(@batch_id varchar(50))
RETURNS @cells TABLE (
    batch_id varchar(50) NOT NULL,
    target_level varchar(10) NOT NULL,
    board_id bigint NOT NULL,
    metadata_board_id bigint NULL,
    update_row_no int NOT NULL,
    monday_item_id bigint NULL,
    validation_status varchar(20) NULL,
    field_no int NOT NULL,
    column_alias nvarchar(255) NULL,
    raw_value nvarchar(MAX) NULL,
    column_id varchar(100) NULL,
    column_title nvarchar(255) NULL,
    column_type varchar(50) NULL,
    settings_json nvarchar(MAX) NULL,
    is_writable char(1) NOT NULL,
    match_kind varchar(10) NULL,
    match_count int NOT NULL,
    is_no_op char(1) NOT NULL
)
AS
BEGIN
    DECLARE @alias TABLE (
        board_id bigint NOT NULL,
        metadata_board_id bigint NULL,
        column_alias nvarchar(255) NULL
    );
    DECLARE @map TABLE (
        column_alias nvarchar(255) NULL,
        column_id varchar(100) NULL,
        match_kind varchar(10) NULL,
        match_count int NOT NULL
    );

    -- the cells: one OPENJSON pass over the batch''s staged rows
    WITH b AS (
        SELECT
            ub.batch_id,
            ub.board_id,
            ub.target_level,
            CASE
                WHEN ub.target_level = ''SUBITEMS'' THEN COALESCE(brd.subitems_board_id, ub.board_id)
                ELSE ub.board_id
            END AS metadata_board_id
        FROM dbo.MON_UpdateBatch AS ub
        LEFT JOIN dbo.MON_Board AS brd ON ub.board_id = brd.board_id
        WHERE ub.batch_id = @batch_id
    ),

    r AS (
        SELECT
            b.batch_id,
            b.target_level,
            b.board_id,
            b.metadata_board_id,
            s.update_row_no,
            s.monday_item_id,
            s.validation_status,
            s.update_fields,
            s.validation_errors
        FROM b
        INNER JOIN dbo.STG_MON_CustMasterSchedule AS s ON b.batch_id = s.update_batch_id
        WHERE b.target_level = ''ITEMS''
        UNION ALL
        SELECT
            b.batch_id,
            b.target_level,
            b.board_id,
            b.metadata_board_id,
            s.update_row_no,
            s.monday_item_id,
            s.validation_status,
            s.update_fields,
            s.validation_errors
        FROM b
        INNER JOIN dbo.STG_MON_CustMasterSchedule_Subitems AS s ON b.batch_id = s.update_batch_id
        WHERE b.target_level = ''SUBITEMS''
    )

    INSERT INTO @cells (
        batch_id, target_level, board_id, metadata_board_id, update_row_no, monday_item_id, validation_status,
        field_no, column_alias, raw_value, is_writable, match_count, is_no_op
    )
    SELECT
        r.batch_id,
        r.target_level,
        r.board_id,
        r.metadata_board_id,
        r.update_row_no,
        r.monday_item_id,
        r.validation_status,
        f.field_no,
        f.column_alias,
        f.raw_value,
        ''N'' AS is_writable,
        0 AS match_count,
        CAST(
            CASE
                WHEN r.validation_errors LIKE N''%"NO_OP"%'' AND EXISTS (
                    SELECT 1
                    FROM OPENJSON (CASE WHEN ISJSON(r.validation_errors) = 1 THEN r.validation_errors END)
                        WITH (rule_code varchar(50) ''$.rule'', column_alias nvarchar(255) ''$.column'') AS ve
                    WHERE ve.rule_code = ''NO_OP'' AND ve.column_alias = f.column_alias
                ) THEN ''Y''
                ELSE ''N''
            END AS char(1)
        ) AS is_no_op
    FROM r
    CROSS APPLY dbo.fn_MON_Private_StagedFields(r.update_fields) AS f;

    -- each distinct alias of the batch is mapped once (not once per cell), then written back to the cells
    INSERT INTO @alias (board_id, metadata_board_id, column_alias)
    SELECT DISTINCT
        c.board_id,
        c.metadata_board_id,
        c.column_alias
    FROM @cells AS c;

    INSERT INTO @map (column_alias, column_id, match_kind, match_count)
    SELECT
        a.column_alias,
        m.column_id,
        m.match_kind,
        m.match_count
    FROM @alias AS a
    CROSS APPLY dbo.fn_MON_Private_MapAlias(a.board_id, a.metadata_board_id, a.column_alias) AS m
    WHERE m.match_count > 0;

    UPDATE c
    SET
        c.column_id = m.column_id,
        c.column_title = bc.title,
        c.column_type = bc.column_type,
        c.settings_json = bc.settings_json,
        c.is_writable = CASE WHEN bc.is_writable = ''Y'' AND ct.is_writable = ''Y'' THEN ''Y'' ELSE ''N'' END,
        c.match_kind = m.match_kind,
        c.match_count = m.match_count
    FROM @cells AS c
    INNER JOIN @map AS m ON c.column_alias = m.column_alias
    LEFT JOIN dbo.MON_BoardColumn AS bc ON c.metadata_board_id = bc.board_id AND m.column_id = bc.column_id
    LEFT JOIN dbo.MON_ColumnType AS ct ON bc.column_type = ct.column_type;

    RETURN;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_StagedCells.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_RowHash.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_RowHash: the SHA-256 hash of a staged row''s content, as validation saw it (internal): the
-- one definition used by usp_Private_ValidateBatch (which stores it in dbo.MON_ValidatedRow) and by
-- usp_ReleaseBatch (which refuses a row whose hash differs, 50412). Every text is prefixed with its length
-- in bytes, so that NULL, '''' and a value holding the separator never hash alike; the bytes hashed are the
-- column values themselves (no collation, trailing spaces count). Inline, so that it is applied set-based
-- (CROSS APPLY), never once per row as a scalar function. Twin of db/postgres/functions/fn_MON_Private_RowHash.sql
-- (each engine compares only the hashes it wrote itself).
--   SELECT h.row_hash FROM dbo.fn_MON_Private_RowHash(1, NULL, N''Item'', ''topics'', N''{"x":"1"}'', ''VALID'') AS h;
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_RowHash;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_RowHash.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_RowHash(
    @monday_item_id bigint,
    @parent_item_id bigint,
    @item_name nvarchar(255),
    @group_id varchar(100),
    @update_fields nvarchar(MAX),
    @validation_status varchar(20)
)
RETURNS TABLE -- noqa: CP05
AS
RETURN (
    SELECT
        HASHBYTES(
            ''SHA2_256'',
            CONCAT(
                CAST(N''i'' AS nvarchar(MAX)), @monday_item_id,
                N''|p'', @parent_item_id,
                N''|n'', DATALENGTH(@item_name), N'':'', @item_name,
                N''|g'', DATALENGTH(@group_id), N'':'', CAST(@group_id AS nvarchar(100)),
                N''|f'', DATALENGTH(@update_fields), N'':'', @update_fields,
                N''|s'', DATALENGTH(@validation_status), N'':'', CAST(@validation_status AS nvarchar(20))
            )
        ) AS row_hash
);';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_RowHash.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_Private_ValidateBatch.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_Private_ValidateBatch: applies every enabled rule of dbo.MON_ValidationRule to the staged rows of one
-- batch, set-based, and writes validation_status / validation_errors on each row and the counts,
-- validated_at and status VALIDATED on the batch. Internal: no run log, no transaction of its own (callers:
-- usp_StageUpdates, usp_ValidateStagedUpdates, inside their transaction). It reads the batch''s rows once into
-- #val_row and works from that copy; it refuses rows gone or added (50304), rows changed while it ran (50305)
-- and a batch no longer STAGED or VALIDATED (50303). Same rules, messages and order as the PostgreSQL twin.
--   EXEC dbo.usp_Private_ValidateBatch @batch_id = ''UB20260101120000-a1b2c3'';
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_Private_ValidateBatch'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_Private_ValidateBatch AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_ValidateBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_Private_ValidateBatch
    @batch_id varchar(50)
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @board_id bigint;
    DECLARE @chunk_from int;
    DECLARE @staged_count int;
    DECLARE @msg nvarchar(2048);
    DECLARE @chunk_last int;
    DECLARE @target_level varchar(10);
    DECLARE @operation varchar(50);
    DECLARE @create_labels char(1);
    DECLARE @meta bigint;
    DECLARE @has_meta bit = 0;
    DECLARE @synced datetime2(3);
    DECLARE @items_synced bit = 0;
    DECLARE @parent_items_synced bit = 0;
    DECLARE @groups_synced bit = 0;
    DECLARE @groups nvarchar(MAX);
    DECLARE @now datetime2(3) = SYSUTCDATETIME();
    DECLARE @table nvarchar(300);
    DECLARE @alias nvarchar(255);
    DECLARE @col sysname;
    DECLARE @type sysname;
    DECLARE @expr nvarchar(MAX);
    DECLARE @sql nvarchar(MAX);
    DECLARE @values nvarchar(MAX);
    DECLARE @ord int = 0;
    DECLARE @rows int;
    DECLARE @valid int;
    DECLARE @warning int;
    DECLARE @invalid int;
    DECLARE @written int;

    SELECT
        @board_id = ub.board_id,
        @target_level = ub.target_level,
        @operation = ub.update_operation,
        @create_labels = ub.create_labels_if_missing
    FROM dbo.MON_UpdateBatch AS ub
    WHERE ub.batch_id = @batch_id;
    IF @board_id IS NULL
    BEGIN
        RETURN;
    END;
    SET @meta = @board_id;
    IF @target_level = ''SUBITEMS''
    BEGIN
        SELECT @meta = COALESCE(brd.subitems_board_id, @board_id)
        FROM dbo.MON_Board AS brd
        WHERE brd.board_id = @board_id;
    END;
    SELECT
        @has_meta = 1,
        @synced = brd.synced_at
    FROM dbo.MON_Board AS brd
    WHERE brd.board_id = @meta;
    IF EXISTS (
        SELECT 1
        FROM dbo.MON_BoardItem
        WHERE board_id = @meta
    )
    BEGIN
        SET @items_synced = 1;
    END;
    IF EXISTS (
        SELECT 1
        FROM dbo.MON_BoardItem
        WHERE board_id = @board_id
    )
    BEGIN
        SET @parent_items_synced = 1;
    END;
    IF EXISTS (
        SELECT 1
        FROM dbo.MON_BoardGroup
        WHERE board_id = @meta
    )
    BEGIN
        SET @groups_synced = 1;
    END;
    SELECT @groups = STRING_AGG(CAST(CONCAT(g.group_id, N'' ('', g.title, N'')'') AS nvarchar(MAX)), N'', '')
    WITHIN GROUP (ORDER BY g.group_id ASC)
    FROM dbo.MON_BoardGroup AS g
    WHERE g.board_id = @meta;
    SET @table = CASE
        WHEN @target_level = ''ITEMS'' THEN N''dbo.STG_MON_CustMasterSchedule''
        ELSE N''dbo.STG_MON_CustMasterSchedule_Subitems''
    END;

    -- the batch''s rows, read once: every verdict and the hash stored with it (dbo.MON_ValidatedRow) come from
    -- this copy, never from a second read of the owner''s table that a writer could have changed in between
    CREATE TABLE #val_row (
        update_row_no int NOT NULL PRIMARY KEY,
        monday_item_id bigint NULL,
        item_name nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        group_id nvarchar(100) COLLATE DATABASE_DEFAULT NULL,
        parent_item_id bigint NULL,
        update_fields nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL
    );
    IF @target_level = ''ITEMS''
    BEGIN
        INSERT INTO #val_row (
            update_row_no, monday_item_id, item_name, group_id, parent_item_id, update_fields
        )
        SELECT
            s.update_row_no,
            s.monday_item_id,
            s.item_name,
            s.group_id,
            NULL AS parent_item_id,
            s.update_fields
        FROM dbo.STG_MON_CustMasterSchedule AS s
        WHERE s.update_batch_id = @batch_id;
    END;
    ELSE
    BEGIN
        INSERT INTO #val_row (
            update_row_no, monday_item_id, item_name, group_id, parent_item_id, update_fields
        )
        SELECT
            s.update_row_no,
            s.monday_item_id,
            s.item_name,
            s.group_id,
            s.parent_item_id,
            s.update_fields
        FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
        WHERE s.update_batch_id = @batch_id;
    END;

    CREATE INDEX ix_val_row_item ON #val_row (monday_item_id);

    -- the cells of the copied rows (dbo.fn_MON_Private_StagedFields, the aliases mapped once each by
    -- dbo.fn_MON_Private_MapAlias), materialised once per validation with indexes (SQL Server keeps
    -- statistics on them), so that every rule below is one set-based statement over them
    CREATE TABLE #val_cell (
        update_row_no int NOT NULL,
        field_no int NOT NULL,
        monday_item_id bigint NULL,
        column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        raw_value nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        column_type varchar(50) COLLATE DATABASE_DEFAULT NULL,
        is_writable char(1) COLLATE DATABASE_DEFAULT NOT NULL,
        match_count int NOT NULL,
        match_kind varchar(10) COLLATE DATABASE_DEFAULT NULL,
        column_title nvarchar(255) COLLATE DATABASE_DEFAULT NULL
    );
    INSERT INTO #val_cell (
        update_row_no, field_no, monday_item_id, column_alias, raw_value, is_writable, match_count
    )
    SELECT
        r.update_row_no,
        f.field_no,
        r.monday_item_id,
        f.column_alias,
        f.raw_value,
        ''N'' AS is_writable,
        0 AS match_count
    FROM #val_row AS r
    CROSS APPLY dbo.fn_MON_Private_StagedFields(r.update_fields) AS f;
    CREATE CLUSTERED INDEX cx_val_cell ON #val_cell (update_row_no, field_no);

    -- each distinct alias mapped once, materialised (so that no plan maps it once per cell), then joined
    CREATE TABLE #val_cell_alias (
        column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        match_kind varchar(10) COLLATE DATABASE_DEFAULT NULL,
        match_count int NOT NULL
    );
    INSERT INTO #val_cell_alias (column_alias, column_id, match_kind, match_count)
    SELECT
        a.column_alias,
        m.column_id,
        m.match_kind,
        m.match_count
    FROM (
        SELECT DISTINCT c.column_alias
        FROM #val_cell AS c
    ) AS a
    CROSS APPLY dbo.fn_MON_Private_MapAlias(@board_id, @meta, a.column_alias) AS m
    WHERE m.match_count > 0;
    UPDATE c
    SET
        c.column_id = a.column_id,
        c.column_title = bc.title,
        c.column_type = bc.column_type,
        c.is_writable = CASE WHEN bc.is_writable = ''Y'' AND ct.is_writable = ''Y'' THEN ''Y'' ELSE ''N'' END,
        c.match_kind = a.match_kind,
        c.match_count = a.match_count
    FROM #val_cell AS c
    INNER JOIN #val_cell_alias AS a ON c.column_alias = a.column_alias
    LEFT JOIN dbo.MON_BoardColumn AS bc ON bc.board_id = @meta AND a.column_id = bc.column_id
    LEFT JOIN dbo.MON_ColumnType AS ct ON bc.column_type = ct.column_type;
    CREATE INDEX ix_val_cell_row_column ON #val_cell (update_row_no, column_id);
    CREATE INDEX ix_val_cell_item_column ON #val_cell (monday_item_id, column_id);

    -- the settings of the status, dropdown and rating columns the batch writes, once per column (not copied
    -- into every cell): their labels and their maximum rating
    CREATE TABLE #val_column (
        column_id varchar(100) COLLATE DATABASE_DEFAULT NOT NULL PRIMARY KEY,
        column_type varchar(50) COLLATE DATABASE_DEFAULT NOT NULL,
        settings_json nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        rating_max int NULL
    );
    INSERT INTO #val_column (column_id, column_type, settings_json, rating_max)
    SELECT
        bc.column_id,
        bc.column_type,
        bc.settings_json,
        CASE WHEN bc.column_type = ''rating'' THEN dbo.fn_MON_Private_RatingMax(bc.settings_json) END AS rating_max
    FROM dbo.MON_BoardColumn AS bc
    WHERE
        bc.board_id = @meta AND bc.column_type IN (''status'', ''dropdown'', ''rating'')
        AND EXISTS (
            SELECT 1 FROM #val_cell AS c
            WHERE c.column_id = bc.column_id
        );

    -- the labels of the status and dropdown columns. label_lower: LOWER under a binary collation, so that
    -- "ignoring case" is the same on every database collation (not accent-, width- or kana-insensitive)
    CREATE TABLE #val_label (
        column_id nvarchar(100) COLLATE DATABASE_DEFAULT NOT NULL,
        label_id int NOT NULL,
        label_text nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        label_lower nvarchar(255) COLLATE Latin1_General_100_BIN2 NULL
    );
    INSERT INTO #val_label (column_id, label_id, label_text, label_lower)
    SELECT
        sc.column_id,
        l.label_id,
        l.label_text,
        LOWER(l.label_text COLLATE Latin1_General_100_BIN2) AS label_lower
    FROM #val_column AS sc
    CROSS APPLY dbo.fn_MON_Private_ColumnLabels(sc.settings_json) AS l
    WHERE sc.column_type IN (''status'', ''dropdown'');
    CREATE CLUSTERED INDEX cx_val_label ON #val_label (column_id, label_lower);

    CREATE TABLE #val_err (
        update_row_no int NOT NULL,
        rule_code varchar(50) COLLATE DATABASE_DEFAULT NOT NULL,
        column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        column_id nvarchar(100) COLLATE DATABASE_DEFAULT NULL,
        column_type nvarchar(50) COLLATE DATABASE_DEFAULT NULL,
        val nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        labels nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        closest nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        detail nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL
    );

    -- board and keys ------------------------------------------------------------------------------------
    INSERT INTO #val_err (update_row_no, rule_code)
    SELECT
        r.update_row_no,
        ''BOARD_METADATA'' AS rule_code
    FROM #val_row AS r
    WHERE @has_meta = 0;

    INSERT INTO #val_err (update_row_no, rule_code, detail)
    SELECT
        r.update_row_no,
        ''METADATA_FRESH'' AS rule_code,
        CONCAT(DATEDIFF(SECOND, @synced, @now) / 3600, N'' hours'') AS detail
    FROM #val_row AS r
    WHERE @has_meta = 1 AND @synced < DATEADD(HOUR, -24, @now);

    INSERT INTO #val_err (update_row_no, rule_code)
    SELECT
        r.update_row_no,
        ''KEY_ITEM_ID'' AS rule_code
    FROM #val_row AS r
    WHERE @operation = ''UPDATE'' AND r.monday_item_id IS NULL;

    INSERT INTO #val_err (update_row_no, rule_code, detail)
    SELECT
        r.update_row_no,
        ''KEY_ITEM_NAME'' AS rule_code,
        CASE
            WHEN r.item_name IS NULL THEN N''NULL''
            ELSE CONCAT(
                LEN(CAST(LTRIM(RTRIM(r.item_name)) AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N''.'') - 1,
                N'' characters after trimming''
            )
        END AS detail
    FROM #val_row AS r
    WHERE
        @operation = ''CREATE''
        AND (
            r.item_name IS NULL
            -- a length in UTF-16 code units (an emoji is two): LEN under a binary collation (not _SC) counts
            -- code units; the ''.'' keeps trailing spaces, which LEN ignores
            OR (LEN(CAST(LTRIM(RTRIM(r.item_name)) AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N''.'') - 1)
            NOT BETWEEN 1 AND 255
        );

    INSERT INTO #val_err (update_row_no, rule_code)
    SELECT
        r.update_row_no,
        ''KEY_PARENT'' AS rule_code
    FROM #val_row AS r
    WHERE @operation = ''CREATE'' AND @target_level = ''SUBITEMS'' AND r.parent_item_id IS NULL;

    INSERT INTO #val_err (update_row_no, rule_code, val)
    SELECT
        r.update_row_no,
        ''ITEM_ON_BOARD'' AS rule_code,
        CONVERT(nvarchar(30), r.monday_item_id) AS val
    FROM #val_row AS r
    WHERE
        @operation = ''UPDATE'' AND @items_synced = 1 AND r.monday_item_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1
            FROM dbo.MON_BoardItem AS i
            WHERE i.item_id = r.monday_item_id AND i.board_id = @meta
        )
    UNION ALL
    SELECT
        r.update_row_no,
        ''ITEM_ON_BOARD'' AS rule_code,
        CONVERT(nvarchar(30), r.parent_item_id) AS val
    FROM #val_row AS r
    WHERE
        @operation = ''CREATE'' AND @target_level = ''SUBITEMS'' AND @parent_items_synced = 1
        AND r.parent_item_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1
            FROM dbo.MON_BoardItem AS i
            WHERE i.item_id = r.parent_item_id AND i.board_id = @board_id
        );

    INSERT INTO #val_err (update_row_no, rule_code, val, labels)
    SELECT
        r.update_row_no,
        ''GROUP_EXISTS'' AS rule_code,
        r.group_id,
        @groups AS labels
    FROM #val_row AS r
    WHERE
        @operation = ''CREATE'' AND @target_level = ''ITEMS'' AND @groups_synced = 1 AND r.group_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1
            FROM dbo.MON_BoardGroup AS g
            -- group ids are case-sensitive in monday (''topics'' is not ''Topics''): compare exactly. The
            -- lengths are compared as one type: group_id is varchar here and nvarchar in #val_row, and
            -- DATALENGTH counts bytes (1 and 2 per character)
            WHERE g.board_id = @meta AND g.group_id = r.group_id COLLATE Latin1_General_100_BIN2
                AND DATALENGTH(CAST(g.group_id AS nvarchar(100))) = DATALENGTH(r.group_id)
        );

    INSERT INTO #val_err (update_row_no, rule_code, val)
    SELECT
        r.update_row_no,
        ''NO_FIELDS'' AS rule_code,
        CONVERT(nvarchar(30), r.monday_item_id) AS val
    FROM #val_row AS r
    WHERE
        @operation = ''UPDATE''
        AND NOT EXISTS (
            SELECT 1
            FROM #val_cell AS c
            WHERE c.update_row_no = r.update_row_no
        );

    -- columns (only against metadata that exists) ---------------------------------------------------------
    IF @has_meta = 1
    BEGIN
        -- closest / candidate columns are looked up once per distinct alias, then joined to the cells
        WITH unmatched AS (
            SELECT DISTINCT x.column_alias
            FROM #val_cell AS x
            WHERE x.match_count = 0
        ),

        a AS (
            SELECT
                unmatched.column_alias,
                COALESCE(dbo.fn_MON_Private_ClosestColumns(@meta, unmatched.column_alias), N''(none alike)'') AS closest
            FROM unmatched
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, closest)
        SELECT
            c.update_row_no,
            ''COLUMN_EXISTS'' AS rule_code,
            c.column_alias,
            a.closest
        FROM #val_cell AS c
        INNER JOIN a ON c.column_alias = a.column_alias
        WHERE c.match_count = 0;

        WITH ambiguous AS (
            SELECT DISTINCT x.column_alias
            FROM #val_cell AS x
            WHERE x.match_count > 1
        ),

        a AS (
            SELECT
                ambiguous.column_alias,
                (
                    SELECT STRING_AGG(CAST(CONCAT(bc.column_id, N'' ('', bc.title, N'')'') AS nvarchar(MAX)), N'', '')
                        WITHIN GROUP (ORDER BY bc.column_id ASC)
                    FROM dbo.MON_BoardColumn AS bc
                    WHERE
                        bc.board_id = @meta
                        AND bc.normalized_title = dbo.fn_MON_NormalizeTitle(ambiguous.column_alias)
                ) AS closest
            FROM ambiguous
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, closest)
        SELECT
            c.update_row_no,
            ''COLUMN_AMBIGUOUS'' AS rule_code,
            c.column_alias,
            a.closest
        FROM #val_cell AS c
        INNER JOIN a ON c.column_alias = a.column_alias
        WHERE c.match_count > 1;

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, column_type, detail)
        SELECT
            c.update_row_no,
            ''COLUMN_WRITABLE'' AS rule_code,
            c.column_alias,
            c.column_id,
            c.column_type,
            COALESCE(
                ct.notes,
                CASE WHEN ct.column_type IS NULL THEN N''a type this project does not know'' ELSE N''not writable'' END
            ) AS detail
        FROM #val_cell AS c
        LEFT JOIN dbo.MON_ColumnType AS ct ON c.column_type = ct.column_type
        WHERE c.column_id IS NOT NULL AND c.is_writable = ''N'';

        -- values of writable columns (NULL or blank clears the cell and needs no format). Labels are
        -- matched through #val_label (text ignoring case, then id). The label tokens are split once: a
        -- status cell''s whole value, a dropdown cell''s comma-separated parts (trimmed).
        CREATE TABLE #val_ltok (
            update_row_no int NOT NULL,
            column_id nvarchar(100) COLLATE DATABASE_DEFAULT NOT NULL,
            ord int NOT NULL,
            tok nvarchar(MAX) COLLATE DATABASE_DEFAULT NOT NULL
        );
        INSERT INTO #val_ltok (update_row_no, column_id, ord, tok)
        SELECT
            c.update_row_no,
            c.column_id,
            0 AS ord,
            c.raw_value AS tok
        FROM #val_cell AS c
        WHERE c.column_type = ''status'' AND c.is_writable = ''Y'' AND LEN(LTRIM(RTRIM(c.raw_value))) > 0
        UNION ALL
        SELECT
            c.update_row_no,
            c.column_id,
            CAST(j.[key] AS int) AS ord,
            LTRIM(RTRIM(j.[value])) COLLATE DATABASE_DEFAULT AS tok
        FROM #val_cell AS c
        -- (split at '','' only: a binary REPLACE, or a width-insensitive collation splits at ''，'' too)
        CROSS APPLY dbo.fn_MON_Private_JsonEscape(c.raw_value) AS esc
        CROSS APPLY OPENJSON(N''["'' + REPLACE(esc.escaped COLLATE Latin1_General_100_BIN2, N'','', N''","'') + N''"]'') AS j
        WHERE c.column_type = ''dropdown'' AND c.is_writable = ''Y'' AND LEN(LTRIM(RTRIM(j.[value]))) > 0;

        CREATE TABLE #val_token (
            update_row_no int NOT NULL,
            column_id nvarchar(100) COLLATE DATABASE_DEFAULT NOT NULL,
            ord int NOT NULL,
            t nvarchar(4000) COLLATE DATABASE_DEFAULT NOT NULL
        );
        INSERT INTO #val_token (update_row_no, column_id, ord, t)
        SELECT
            lt.update_row_no,
            lt.column_id,
            lt.ord,
            lt.tok AS t
        FROM #val_ltok AS lt
        INNER JOIN #val_cell AS c ON lt.update_row_no = c.update_row_no AND lt.column_id = c.column_id
        WHERE
            c.column_type = ''dropdown'' AND @create_labels = ''N''
            AND NOT EXISTS (
                SELECT 1 FROM #val_label AS l
                WHERE
                    l.column_id = lt.column_id
                    AND (
                        (
                            l.label_lower = LOWER(lt.tok COLLATE Latin1_General_100_BIN2)
                            AND DATALENGTH(l.label_lower) = DATALENGTH(lt.tok)
                        )
                        OR (
                            lt.tok COLLATE Latin1_General_100_BIN2 NOT LIKE N''%[^0-9]%'' AND LEN(lt.tok) <= 9
                            AND l.label_id = TRY_CONVERT(int, lt.tok)
                        )
                    )
            );
        CREATE CLUSTERED INDEX cx_val_token ON #val_token (update_row_no, column_id, ord);

        -- first_token: up to the first whitespace (space, tab, line feed, vertical tab, form feed, carriage
        -- return), as the formatting splits an e-mail or a link from its text. formatted: the write value of
        -- the types whose format is checked by formatting them (the formatting applied once per cell)
        WITH v AS (
            SELECT
                c.update_row_no,
                c.column_alias,
                c.column_id,
                c.column_type,
                col.rating_max,
                c.raw_value,
                -- the length in UTF-16 code units (an emoji is two), trailing spaces included: LEN under a binary
                -- collation (not _SC) counts code units; the ''.'' keeps trailing spaces, which LEN ignores
                LEN(CAST(c.raw_value AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N''.'') - 1 AS raw_units,
                LTRIM(RTRIM(c.raw_value)) AS t,
                LEFT(
                    LTRIM(RTRIM(c.raw_value)),
                    PATINDEX(
                        N''%['' + NCHAR(32) + NCHAR(9) + NCHAR(10) + NCHAR(11) + NCHAR(12) + NCHAR(13) + N'']%'',
                        (LTRIM(RTRIM(c.raw_value)) + N'' '') COLLATE Latin1_General_100_BIN2
                    ) - 1
                ) AS first_token,
                f.formatted_value AS formatted
            FROM #val_cell AS c
            LEFT JOIN #val_column AS col ON c.column_id = col.column_id
            CROSS APPLY dbo.fn_MON_Private_FormatValue(
                CASE WHEN c.column_type IN (''checkbox'', ''hour'', ''timeline'', ''country'', ''people'') THEN c.column_type END,
                CASE WHEN c.column_type IN (''checkbox'', ''hour'', ''timeline'', ''country'', ''people'') THEN c.raw_value END,
                NULL
            ) AS f
            WHERE c.column_id IS NOT NULL AND c.is_writable = ''Y'' AND LEN(LTRIM(RTRIM(c.raw_value))) > 0
        ),

        dd AS (
            SELECT
                tk.update_row_no,
                tk.column_id,
                STRING_AGG(CAST(N'''''''' + tk.t + N'''''''' AS nvarchar(MAX)), N'', '') WITHIN GROUP (ORDER BY tk.ord ASC)
                    AS unknown
            FROM #val_token AS tk
            GROUP BY tk.update_row_no, tk.column_id
        ),

        lab AS (
            SELECT
                l.column_id,
                STRING_AGG(CAST(N'''''''' + l.label_text + N'''''''' AS nvarchar(MAX)), N'', '')
                    WITHIN GROUP (ORDER BY l.label_id ASC) AS labels
            FROM #val_label AS l
            GROUP BY l.column_id
        ),

        checked AS (
            SELECT
                v.update_row_no,
                v.column_alias,
                v.column_id,
                v.column_type,
                v.raw_value,
                lab.labels,
                CASE
                    WHEN v.column_type = ''status'' AND @create_labels = ''N'' AND NOT EXISTS (
                        SELECT 1 FROM #val_label AS l
                        WHERE
                            l.column_id = v.column_id
                            AND (
                                (
                                    l.label_lower = LOWER(v.t COLLATE Latin1_General_100_BIN2)
                                    AND DATALENGTH(l.label_lower) = DATALENGTH(v.t)
                                )
                                OR (
                                    v.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''%[^0-9]%'' AND LEN(v.t) <= 9
                                    AND l.label_id = TRY_CONVERT(int, v.t)
                                )
                            )
                    ) THEN ''STATUS_LABEL''
                    WHEN v.column_type = ''dropdown'' AND dd.unknown IS NOT NULL THEN ''DROPDOWN_LABEL''
                    WHEN v.column_type = ''date'' AND dbo.fn_MON_Private_NormalizeDate(LEFT(v.t, 100)) IS NULL
                        THEN ''DATE_FORMAT''
                    WHEN v.column_type = ''numbers'' AND dbo.fn_MON_Private_NormalizeNumber(LEFT(v.t, 4000)) IS NULL
                        THEN ''NUMBER_FORMAT''
                    WHEN
                        v.column_type = ''email''
                        AND NOT (
                            v.first_token COLLATE Latin1_General_100_BIN2 LIKE N''_%@_%._%''
                            AND v.first_token COLLATE Latin1_General_100_BIN2 NOT LIKE N''%@%@%''
                            AND v.first_token COLLATE Latin1_General_100_BIN2 NOT LIKE N''%.''
                        )
                        THEN ''EMAIL_FORMAT''
                    WHEN
                        v.column_type = ''phone''
                        AND NOT (
                            -- BIN2: under the database''s collation [A-Za-z] also matches accented letters
                            v.t COLLATE Latin1_General_100_BIN2 LIKE N''% [A-Za-z][A-Za-z]''
                            -- no negative length reaches LEFT, whatever order the optimizer picks
                            AND LEN(RTRIM(LEFT(v.t, CASE WHEN LEN(v.t) > 2 THEN LEN(v.t) - 2 ELSE 0 END))) > 0
                            AND SUBSTRING(
                                RTRIM(LEFT(v.t, CASE WHEN LEN(v.t) > 2 THEN LEN(v.t) - 2 ELSE 0 END)),
                                CASE WHEN LEFT(v.t, 1) = N''+'' THEN 2 ELSE 1 END,
                                4000
                            ) COLLATE Latin1_General_100_BIN2 NOT LIKE N''%[^0-9 ().-]%''
                            AND LEN(
                                REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
                                    LEFT(v.t, CASE WHEN LEN(v.t) > 2 THEN LEN(v.t) - 2 ELSE 0 END), N'' '', N''''),
                                    N''('', N''''), N'')'', N''''), N''.'', N''''),
                                    N''-'', N''''), N''+'', N'''')
                            ) BETWEEN 6 AND 15
                        )
                        THEN ''PHONE_FORMAT''
                    WHEN
                        v.column_type = ''link''
                        AND NOT (
                            LOWER(v.first_token COLLATE Latin1_General_100_BIN2) LIKE N''http://_%''
                            OR LOWER(v.first_token COLLATE Latin1_General_100_BIN2) LIKE N''https://_%''
                        )
                        THEN ''LINK_FORMAT''
                    WHEN v.column_type = ''checkbox'' AND v.formatted IS NULL THEN ''CHECKBOX_FORMAT''
                    WHEN
                        v.column_type = ''rating''
                        AND NOT (
                            v.t COLLATE Latin1_General_100_BIN2 NOT LIKE N''%[^0-9]%'' AND LEN(v.t) <= 4
                            AND TRY_CONVERT(int, v.t) BETWEEN 1 AND COALESCE(v.rating_max, 5)
                        )
                        THEN ''RATING_FORMAT''
                    WHEN v.column_type = ''hour'' AND v.formatted IS NULL THEN ''HOUR_FORMAT''
                    WHEN v.column_type = ''timeline'' AND v.formatted IS NULL THEN ''TIMELINE_FORMAT''
                    WHEN v.column_type = ''country'' AND v.formatted IS NULL THEN ''COUNTRY_FORMAT''
                    WHEN v.column_type = ''people'' AND v.formatted IS NULL THEN ''PEOPLE_FORMAT''
                    WHEN
                        v.column_type = ''long_text'' AND v.raw_units > 2000
                        THEN ''LONG_TEXT_LENGTH''
                    WHEN
                        v.column_type = ''text'' AND v.raw_units > 2000
                        THEN ''TEXT_LENGTH''
                END AS rule_code,
                CASE
                    WHEN v.column_type IN (''long_text'', ''text'')
                        THEN CONVERT(nvarchar(20), v.raw_units)
                    WHEN v.column_type = ''rating''
                        THEN CONVERT(nvarchar(20), COALESCE(v.rating_max, 5))
                    WHEN v.column_type = ''dropdown'' THEN dd.unknown
                END AS detail
            FROM v
            LEFT JOIN dd ON v.update_row_no = dd.update_row_no AND v.column_id = dd.column_id
            LEFT JOIN lab ON v.column_id = lab.column_id
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, column_type, val, labels, detail)
        SELECT
            checked.update_row_no,
            checked.rule_code,
            checked.column_alias,
            checked.column_id,
            checked.column_type,
            checked.raw_value AS val,
            checked.labels,
            checked.detail
        FROM checked
        WHERE checked.rule_code IS NOT NULL;

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, column_type, detail)
        SELECT
            c.update_row_no,
            ''NAME_LENGTH'' AS rule_code,
            c.column_alias,
            c.column_id,
            c.column_type,
            CASE
                WHEN c.raw_value IS NULL THEN N''NULL''
                ELSE CONCAT(
                    LEN(CAST(LTRIM(RTRIM(c.raw_value)) AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N''.'') - 1,
                    N'' characters after trimming''
                )
            END AS detail
        FROM #val_cell AS c
        WHERE
            c.column_type = ''name''
            AND (
                c.raw_value IS NULL
                -- in UTF-16 code units, as KEY_ITEM_NAME counts
                OR (LEN(CAST(LTRIM(RTRIM(c.raw_value)) AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N''.'') - 1)
                NOT BETWEEN 1 AND 255
            );

        -- a label or a column matched only after normalising: sent as matched, with a warning that names
        -- what was matched to what (a status value matched after trimming or ignoring case, a dropdown token
        -- after ignoring case; an alias matched to a column title only after its punctuation was ignored).
        -- Exact means exact: binary collation and equal DATALENGTH (SQL Server''s = ignores case under the
        -- default collations and trailing spaces always).
        WITH m AS (
            SELECT
                t.update_row_no,
                t.column_id,
                STRING_AGG(CAST(N'''''''' + t.tok + N'''''' -> '''''' + lm.label_text + N'''''''' AS nvarchar(MAX)), N'', '')
                    WITHIN GROUP (ORDER BY t.ord ASC) AS matched_labels
            FROM #val_ltok AS t
            CROSS APPLY (
                SELECT TOP (1) l.label_text
                FROM #val_label AS l
                WHERE
                    l.column_id = t.column_id
                    AND l.label_lower = LOWER(LTRIM(RTRIM(t.tok)) COLLATE Latin1_General_100_BIN2)
                    AND DATALENGTH(l.label_lower) = DATALENGTH(LTRIM(RTRIM(t.tok)))
                ORDER BY l.label_id
            ) AS lm
            WHERE NOT EXISTS (
                SELECT 1 FROM #val_label AS e
                WHERE
                    e.column_id = t.column_id
                    AND e.label_text COLLATE Latin1_General_100_BIN2 = t.tok COLLATE Latin1_General_100_BIN2
                    AND DATALENGTH(e.label_text) = DATALENGTH(t.tok)
            )
            GROUP BY t.update_row_no, t.column_id
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, column_type, val, detail)
        SELECT
            c.update_row_no,
            ''LABEL_NORMALISED'' AS rule_code,
            c.column_alias,
            c.column_id,
            c.column_type,
            c.raw_value AS val,
            m.matched_labels AS detail
        FROM #val_cell AS c
        INNER JOIN m ON c.update_row_no = m.update_row_no AND c.column_id = m.column_id
        WHERE c.column_type IN (''status'', ''dropdown'');

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, detail)
        SELECT
            c.update_row_no,
            ''ALIAS_NORMALISED'' AS rule_code,
            c.column_alias,
            c.column_id,
            c.column_title AS detail
        FROM #val_cell AS c
        WHERE
            c.match_kind = ''TITLE'' AND c.column_id IS NOT NULL
            AND PATINDEX(N''%[^A-Za-z0-9_ ]%'', c.column_alias COLLATE Latin1_General_100_BIN2) > 0;

        -- one cell, two different values in the batch
        WITH d AS (
            SELECT
                x.monday_item_id,
                x.column_id,
                STRING_AGG(CAST(x.update_row_no AS nvarchar(MAX)), N'', '') WITHIN GROUP (ORDER BY x.update_row_no ASC)
                    AS row_list
            FROM #val_cell AS x
            WHERE x.column_id IS NOT NULL AND x.monday_item_id IS NOT NULL
            GROUP BY x.monday_item_id, x.column_id
            HAVING COUNT(DISTINCT COALESCE(LTRIM(RTRIM(x.raw_value)), NCHAR(1)) COLLATE Latin1_General_100_BIN2) > 1
        )

        INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, val, detail)
        SELECT
            c.update_row_no,
            ''DUPLICATE_CONFLICT'' AS rule_code,
            c.column_alias,
            c.column_id,
            CONVERT(nvarchar(30), c.monday_item_id) AS val,
            d.row_list
        FROM #val_cell AS c
        INNER JOIN d ON c.monday_item_id = d.monday_item_id AND c.column_id = d.column_id
        WHERE @operation = ''UPDATE'';

        -- another released batch, not yet completed, writes the same cell: named, with the value it sends
        -- (both are sent, in release order: this batch, released after it, is sent after it)
        IF @operation = ''UPDATE''
        BEGIN
            SELECT
                q.batch_id,
                ob.released_at,
                q.monday_item_id,
                j.[key] COLLATE DATABASE_DEFAULT AS column_id,
                CASE WHEN j.[type] = 1 THEN N''"'' + esc.escaped + N''"'' ELSE j.[value] END
                    COLLATE DATABASE_DEFAULT AS val
            INTO #val_open
            FROM dbo.MON_UpdateQueue AS q
            INNER JOIN dbo.MON_UpdateBatch AS ob ON q.batch_id = ob.batch_id
            CROSS APPLY OPENJSON(CASE WHEN ISJSON(q.column_values) = 1 THEN q.column_values ELSE N''{}'' END) AS j
            CROSS APPLY dbo.fn_MON_Private_JsonEscape(CASE WHEN j.[type] = 1 THEN j.[value] END) AS esc
            WHERE
                q.queue_status IN (''READY'', ''CLAIMED'') AND ob.batch_status IN (''READY'', ''SENDING'')
                AND q.batch_id <> @batch_id
                AND q.monday_item_id IN (SELECT r.monday_item_id FROM #val_row AS r);

            INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, val, detail)
            SELECT
                c.update_row_no,
                ''OVERLAP_BATCH'' AS rule_code,
                c.column_alias,
                c.column_id,
                CONVERT(nvarchar(30), c.monday_item_id) AS val,
                STRING_AGG(CAST(N''batch '' + o.batch_id + N'' ('' + o.val + N'')'' AS nvarchar(MAX)), N'', '')
                    WITHIN GROUP (ORDER BY o.released_at ASC, o.batch_id ASC) AS detail
            FROM #val_cell AS c
            INNER JOIN #val_open AS o ON c.monday_item_id = o.monday_item_id AND c.column_id = o.column_id
            GROUP BY c.update_row_no, c.column_alias, c.column_id, c.monday_item_id;
        END;

        -- no-op: a loaded row of the item (no batch) holds the same value in a column named like the alias.
        -- The loaded values of the batch''s items are read in one pass over the staging table (each loaded
        -- row unpivoted into one value per alias by CROSS APPLY VALUES; an alias is named by its number in
        -- #val_alias, never by its text inside the dynamic SQL) into #val_loaded, then one set-based
        -- statement compares them with the cells.
        IF @operation = ''UPDATE''
        BEGIN
            CREATE TABLE #val_loaded (
                monday_item_id bigint NOT NULL,
                column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NOT NULL,
                loaded_value nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL
            );
            CREATE TABLE #val_alias (
                ord int NOT NULL PRIMARY KEY,
                column_alias nvarchar(255) COLLATE DATABASE_DEFAULT NOT NULL
            );
            DECLARE alias_cursor CURSOR LOCAL FAST_FORWARD FOR
            SELECT DISTINCT
                c.column_alias,
                sc.name,
                TYPE_NAME(sc.system_type_id) AS type_name
            FROM #val_cell AS c
            -- the column named like the alias ignoring case only (PostgreSQL''s folded lower-case names)
            INNER JOIN sys.columns AS sc
                ON
                    sc.object_id = OBJECT_ID(@table)
                    AND LOWER(c.column_alias COLLATE Latin1_General_100_BIN2)
                    = LOWER(sc.name COLLATE Latin1_General_100_BIN2)
                    AND DATALENGTH(c.column_alias) = DATALENGTH(sc.name)
            WHERE
                c.column_id IS NOT NULL AND c.is_writable = ''Y''
                AND sc.name NOT IN (
                    N''monday_item_id'', N''monday_board_id'', N''parent_item_id'', N''update_operation'', N''update_fields'',
                    N''source_table'', N''source_query'', N''update_batch_id'', N''validation_status'', N''validation_errors'',
                    N''update_row_no''
                );
            OPEN alias_cursor;
            FETCH NEXT FROM alias_cursor INTO @alias, @col, @type;
            WHILE @@FETCH_STATUS = 0
            BEGIN
                SET @expr = dbo.fn_MON_Private_StringifyExpr(N''l.'' + QUOTENAME(@col), @type);
                IF @expr IS NOT NULL
                BEGIN
                    SET @ord = @ord + 1;
                    INSERT INTO #val_alias (ord, column_alias) VALUES (@ord, @alias);
                    SET @values = CONCAT(
                        @values + N'', '',
                        N''('', @ord, N'', CAST('', @expr, N'' AS nvarchar(MAX)) COLLATE DATABASE_DEFAULT)''
                    );
                END;
                FETCH NEXT FROM alias_cursor INTO @alias, @col, @type;
            END;
            CLOSE alias_cursor;
            DEALLOCATE alias_cursor;
            IF @values IS NOT NULL
            BEGIN
                SET @sql = N''INSERT INTO #val_loaded (monday_item_id, column_alias, loaded_value)
SELECT l.monday_item_id, a.column_alias, x.loaded_value
FROM '' + @table + N'' AS l
CROSS APPLY (VALUES '' + @values + N'') AS x (ord, loaded_value)
INNER JOIN #val_alias AS a ON x.ord = a.ord
WHERE l.update_batch_id IS NULL AND l.monday_item_id IN (SELECT r.monday_item_id FROM #val_row AS r);'';
                EXEC sys.sp_executesql @sql;
            END;
            CREATE CLUSTERED INDEX cx_val_loaded ON #val_loaded (monday_item_id, column_alias);

            INSERT INTO #val_err (update_row_no, rule_code, column_alias, column_id, val)
            SELECT
                c.update_row_no,
                ''NO_OP'' AS rule_code,
                c.column_alias,
                c.column_id,
                CONVERT(nvarchar(30), c.monday_item_id) AS val
            FROM #val_cell AS c
            WHERE
                c.monday_item_id IS NOT NULL
                AND EXISTS (
                    SELECT 1 FROM #val_loaded AS l
                    WHERE
                        l.monday_item_id = c.monday_item_id AND l.column_alias = c.column_alias
                        AND (
                            (l.loaded_value IS NULL AND c.raw_value IS NULL)
                            OR LTRIM(RTRIM(l.loaded_value)) COLLATE Latin1_General_100_BIN2 = LTRIM(RTRIM(
                                CASE
                                    WHEN c.column_type = ''numbers''
                                        THEN COALESCE(
                                            dbo.fn_MON_Private_NormalizeNumber(LEFT(c.raw_value, 4000)), c.raw_value
                                        )
                                    ELSE c.raw_value
                                END
                            ))
                        )
                );
        END;
    END;

    -- messages, per-row JSON, statuses ------------------------------------------------------------------
    WITH e AS (
        SELECT
            er.update_row_no,
            vr.severity,
            vr.rule_code,
            er.column_alias,
            REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(
                CAST(vr.message_template AS nvarchar(MAX)),
                N''{column}'', COALESCE(N'''''''' + er.column_alias + N'''''''', N'''')),
                N''{column_id}'', COALESCE(er.column_id, N'''')),
                N''{type}'', COALESCE(er.column_type, N'''')),
                N''{value}'', COALESCE(
                    N'''''''' + LEFT(er.val, 100) + CASE WHEN LEN(er.val) > 100 THEN N''...'' ELSE N'''' END + N'''''''', N''NULL''
                )),
                N''{labels}'', COALESCE(er.labels, N''(none)'')),
                N''{closest}'', COALESCE(er.closest, N''(none)'')),
                N''{board_id}'', CONVERT(nvarchar(30), @meta)),
                N''{detail}'', COALESCE(er.detail, N'''')) AS msg
        FROM #val_err AS er
        INNER JOIN dbo.MON_ValidationRule AS vr ON er.rule_code = vr.rule_code AND vr.is_enabled = ''Y''
    ),

    agg AS (
        SELECT
            e.update_row_no,
            MAX(CASE WHEN e.severity = ''ERROR'' THEN 1 ELSE 0 END) AS has_error,
            MAX(CASE WHEN e.severity = ''WARNING'' THEN 1 ELSE 0 END) AS has_warning,
            N''['' + STRING_AGG(
                CAST(
                    N''{"rule":"'' + STRING_ESCAPE(e.rule_code, ''json'')
                    + N''","column":'' + ISNULL(N''"'' + esc_alias.escaped + N''"'', N''null'')
                    + N'',"severity":"'' + STRING_ESCAPE(e.severity, ''json'')
                    + N''","message":"'' + esc_msg.escaped + N''"}''
                    AS nvarchar(MAX)
                ),
                N'',''
            ) WITHIN GROUP (
                ORDER BY CASE e.severity WHEN ''ERROR'' THEN 0 ELSE 1 END ASC, e.rule_code ASC, e.column_alias ASC
            ) + N'']'' AS errors
        FROM e
        CROSS APPLY dbo.fn_MON_Private_JsonEscape(e.column_alias) AS esc_alias
        CROSS APPLY dbo.fn_MON_Private_JsonEscape(e.msg) AS esc_msg
        GROUP BY e.update_row_no
    ),

    verdict AS (
        SELECT
            r.update_row_no,
            CAST(
                CASE WHEN a.has_error = 1 THEN ''INVALID'' WHEN a.has_warning = 1 THEN ''WARNING'' ELSE ''VALID'' END
                AS varchar(20)
            ) AS status,
            COALESCE(a.errors, N''[]'') AS errors
        FROM #val_row AS r
        LEFT JOIN agg AS a ON r.update_row_no = a.update_row_no
    )

    -- with the hash of each row as this validation saw it (the copy in #val_row): of its content alone, to find
    -- a row changed since the copy, and with the status it is given, to store in dbo.MON_ValidatedRow
    SELECT
        r.update_row_no,
        v.status,
        v.errors,
        hc.row_hash AS content_hash,
        hv.row_hash
    INTO #val_res
    FROM #val_row AS r
    INNER JOIN verdict AS v ON r.update_row_no = v.update_row_no
    CROSS APPLY dbo.fn_MON_Private_RowHash(
        r.monday_item_id, r.parent_item_id, r.item_name, r.group_id, r.update_fields, NULL
    ) AS hc
    CROSS APPLY dbo.fn_MON_Private_RowHash(
        r.monday_item_id, r.parent_item_id, r.item_name, r.group_id, r.update_fields, v.status
    ) AS hv;

    -- the verdicts go onto the owner''s rows in statements of at most 4,000 rows: below the 5,000 locks at which
    -- SQL Server escalates a statement''s row locks to a table lock on the owner''s table. A verdict is written
    -- only onto a row whose content is still the one validated (its hash): a row a writer changed meanwhile is
    -- counted, and the validation refused (50305), never given a verdict about other content
    SET @written = 0;
    SELECT @chunk_last = MAX(x.update_row_no) FROM #val_res AS x;
    SET @chunk_from = 1;
    WHILE @chunk_from <= @chunk_last
    BEGIN
        IF @target_level = ''ITEMS''
        BEGIN
            UPDATE s
            SET
                s.validation_status = x.status,
                s.validation_errors = x.errors
            FROM dbo.STG_MON_CustMasterSchedule AS s
            INNER JOIN #val_res AS x ON s.update_row_no = x.update_row_no
            CROSS APPLY dbo.fn_MON_Private_RowHash(
                s.monday_item_id, NULL, s.item_name, s.group_id, s.update_fields, NULL
            ) AS h
            WHERE
                s.update_batch_id = @batch_id AND x.update_row_no BETWEEN @chunk_from AND @chunk_from + 3999
                AND h.row_hash = x.content_hash;
        END;
        ELSE
        BEGIN
            UPDATE s
            SET
                s.validation_status = x.status,
                s.validation_errors = x.errors
            FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
            INNER JOIN #val_res AS x ON s.update_row_no = x.update_row_no
            CROSS APPLY dbo.fn_MON_Private_RowHash(
                s.monday_item_id, s.parent_item_id, s.item_name, s.group_id, s.update_fields, NULL
            ) AS h
            WHERE
                s.update_batch_id = @batch_id AND x.update_row_no BETWEEN @chunk_from AND @chunk_from + 3999
                AND h.row_hash = x.content_hash;
        END;
        SET @written = @written + @@ROWCOUNT;
        SET @chunk_from = @chunk_from + 4000;
    END;

    SELECT
        @rows = COUNT(*),
        @valid = SUM(CASE WHEN x.status = ''VALID'' THEN 1 ELSE 0 END),
        @warning = SUM(CASE WHEN x.status = ''WARNING'' THEN 1 ELSE 0 END),
        @invalid = SUM(CASE WHEN x.status = ''INVALID'' THEN 1 ELSE 0 END)
    FROM #val_res AS x;

    -- the rows validated must be the rows staged: a loader that truncated the table, or anyone who added rows to
    -- the batch since staging, is refused, never counted in (rows_staged is the stage''s own count; 0: not known)
    SELECT @staged_count = ub.rows_staged
    FROM dbo.MON_UpdateBatch AS ub
    WHERE ub.batch_id = @batch_id;
    IF @staged_count > 0 AND @rows <> @staged_count
    BEGIN
        SET @msg = CONCAT(
            N''usp_ValidateStagedUpdates: the '', @staged_count, N'' staged rows of batch '', @batch_id, N'' are gone from '',
            N''the staging table or were joined by others ('', @rows, N'' rows carry the batch id now): the loader '',
            N''truncated or reloaded the table, or rows were written there by hand. Cancel the batch and stage again.''
        );
        THROW 50304, @msg, 1;
    END;
    IF @written < @rows
    BEGIN
        SET @msg = CONCAT(
            N''usp_ValidateStagedUpdates: '', @rows - @written, N'' of the '', @rows, N'' staged rows of batch '', @batch_id,
            N'' were changed in the staging table while they were being validated (their monday_item_id,'',
            N'' parent_item_id, item_name, group_id or update_fields): no verdict was written. Find who writes the'',
            N'' rows, then validate the batch again (dbo.usp_ValidateStagedUpdates @batch_id = '''''', @batch_id, N'''''').''
        );
        THROW 50305, @msg, 1;
    END;
    -- a batch cancelled (or released) while it was being validated keeps that status: the verdicts are not
    -- written over it
    UPDATE dbo.MON_UpdateBatch
    SET
        rows_staged = CASE WHEN rows_staged > 0 THEN rows_staged ELSE @rows END,
        rows_valid = COALESCE(@valid, 0),
        rows_warning = COALESCE(@warning, 0),
        rows_invalid = COALESCE(@invalid, 0),
        validated_at = SYSUTCDATETIME(),
        batch_status = ''VALIDATED''
    WHERE batch_id = @batch_id AND batch_status IN (''STAGED'', ''VALIDATED'');
    IF @@ROWCOUNT = 0
    BEGIN
        SET @msg = CONCAT(
            N''usp_ValidateStagedUpdates: batch '', @batch_id, N'' was cancelled or released while it was being '',
            N''validated; only STAGED or VALIDATED batches can be validated, and its status is kept.''
        );
        THROW 50303, @msg, 1;
    END;

    -- what was validated, row by row: the hash of each copied row''s content with the status it was just
    -- given (computed above from #val_row). usp_ReleaseBatch refuses any row whose content differs (50412), so a
    -- row changed in the owner''s staging table after validation is never sent unvalidated
    DELETE FROM dbo.MON_ValidatedRow
    WHERE batch_id = @batch_id;
    INSERT INTO dbo.MON_ValidatedRow (batch_id, update_row_no, row_hash)
    SELECT
        @batch_id AS batch_id,
        x.update_row_no,
        x.row_hash
    FROM #val_res AS x;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_ValidateBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_UpsertBoardMetadata.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_UpsertBoardMetadata: stores the metadata of one board as the monday API returns it (columns with
-- settings, groups, and optionally items, users and teams), so that SQL can map and validate staged
-- updates. Upserts MON_Board, MON_BoardColumn (deleting columns no longer on the board), MON_BoardGroup
-- (deleting groups no longer on the board), MON_BoardItem (when "items" is given: the board''s item list
-- is replaced), MON_User (users and teams; never deleted) and sets synced_at. Links a board and its
-- subitems board (the subtasks column''s settings.boardIds[0]) both ways. Returns a one-row summary.
-- Errors 50101-50107 (docs/errors.md).
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_UpsertBoardMetadata'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_UpsertBoardMetadata AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_UpsertBoardMetadata.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_UpsertBoardMetadata
    @board_json nvarchar(MAX) = NULL,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @board_id bigint;
    DECLARE @board_text nvarchar(100);
    DECLARE @name nvarchar(400);
    DECLARE @sub bigint;
    DECLARE @now datetime2(3) = SYSUTCDATETIME();
    DECLARE @run_id bigint;
    DECLARE @params nvarchar(MAX);
    DECLARE @msg nvarchar(2048);
    DECLARE @bad nvarchar(MAX);
    DECLARE @cols int = 0;
    DECLARE @groups int = 0;
    DECLARE @items int = 0;
    DECLARE @users int = 0;
    DECLARE @columns_now int;
    DECLARE @parent bigint;
    DECLARE @error_number int;
    DECLARE @error_message nvarchar(4000);

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''usp_UpsertBoardMetadata: stores one board''''s metadata as the monday API returns it
(the sender''''s sync-board calls it).

Parameters:
  @board_json nvarchar(max) required  {"id": "8709134353", "name": "Planning", "board_kind": "public",
                                       "columns": [{"id", "title", "type", "settings"}], "groups": [{"id", "title"}],
                                       "items": [{"id", "name", "group": {"id"}, "parent_item": {"id"}}] (optional),
                                       "users": [{"id", "name", "email"}] (optional), "teams": [{"id", "name"}]}
                                      settings may be an object (typed settings) or a JSON string (settings_str)
  @help       char(1)       ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  EXEC dbo.usp_UpsertBoardMetadata @board_json = N''''{"id": "8709134353", "name": "Planning", "columns":
      [{"id": "status", "title": "Order Status", "type": "status", "settings": {"labels": [{"id": 1, "label": "Done"}]}}],
      "groups": []}'''';
  opus-sender sync-board --board-id 8709134353'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_UpsertBoardMetadata'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    -- the document: checked before anything is written ----------------------------------------------------
    IF ISJSON(@board_json) = 0 OR @board_json IS NULL OR LEFT(LTRIM(@board_json), 1) <> N''{''
    BEGIN
        SET @msg = N''usp_UpsertBoardMetadata: @board_json is not a JSON object. Pass the board as the monday API ''
            + N''returns it: {"id": "...", "name": "...", "columns": [...], "groups": [...]}.'';
        THROW 50101, @msg, 1;
    END;
    SET @board_text = JSON_VALUE(@board_json, ''$.id'');
    IF
        @board_text IS NULL OR @board_text LIKE N''%[^0-9]%'' OR LEN(@board_text) NOT BETWEEN 1 AND 18
    BEGIN
        SET @msg = CONCAT(
            N''usp_UpsertBoardMetadata: the board JSON has no numeric "id" (found '', COALESCE(@board_text, N''null''),
            N''). Pass the board object with its id, e.g. "id": "8709134353".''
        );
        THROW 50102, @msg, 1;
    END;
    SET @board_id = CONVERT(bigint, @board_text);
    SET @name = LTRIM(RTRIM(JSON_VALUE(@board_json, ''$.name'')));
    IF @name IS NULL OR LEN(@name) = 0
    BEGIN
        SET @msg = CONCAT(
            N''usp_UpsertBoardMetadata: board '', @board_id,
            N'' has no "name" in the JSON. Query the board with its name field.''
        );
        THROW 50103, @msg, 1;
    END;
    IF JSON_QUERY(@board_json, ''$.columns'') IS NULL OR LEFT(LTRIM(JSON_QUERY(@board_json, ''$.columns'')), 1) <> N''[''
    BEGIN
        SET @msg = CONCAT(
            N''usp_UpsertBoardMetadata: board '', @board_id,
            N'' has no "columns" array in the JSON. Query columns { id title type settings } with the board.''
        );
        THROW 50104, @msg, 1;
    END;

    SELECT
        c.column_id,
        c.title,
        c.column_type,
        -- typed settings (an object) as they are; legacy settings_str (a JSON string) as the JSON it holds
        COALESCE(c.settings_object, CASE WHEN ISJSON(c.settings_string) = 1 THEN c.settings_string END) AS settings_json
    INTO #col
    FROM OPENJSON (@board_json, ''$.columns'')
        WITH (
            column_id nvarchar(100) ''$.id'',
            title nvarchar(400) ''$.title'',
            column_type nvarchar(50) ''$.type'',
            settings_object nvarchar(MAX) ''$.settings'' AS JSON,
            settings_string nvarchar(MAX) ''$.settings''
        ) AS c;

    SELECT @bad = STRING_AGG(CAST(COALESCE(c.column_id, N''(no id)'') AS nvarchar(MAX)), N'', '')
    FROM #col AS c
    WHERE COALESCE(c.column_id, N'''') = N'''' OR COALESCE(c.title, N'''') = N'''' OR COALESCE(c.column_type, N'''') = N'''';
    IF @bad IS NOT NULL
    BEGIN
        SET @msg = LEFT(CONCAT(
            N''usp_UpsertBoardMetadata: columns of board '', @board_id, N'' lack an id, title or type: '', @bad,
            N''. Query columns { id title type settings }.''
        ), 2048);
        THROW 50105, @msg, 1;
    END;
    SELECT @bad = STRING_AGG(CAST(d.column_id AS nvarchar(MAX)), N'', '')
    FROM (
        SELECT c.column_id
        FROM #col AS c
        GROUP BY c.column_id
        HAVING COUNT(*) > 1
    ) AS d;
    IF @bad IS NOT NULL
    BEGIN
        SET @msg = LEFT(CONCAT(
            N''usp_UpsertBoardMetadata: board '', @board_id, N'' lists column ids more than once: '', @bad,
            N''. Pass each column once.''
        ), 2048);
        THROW 50106, @msg, 1;
    END;
    SELECT @bad = STRING_AGG(CAST(COALESCE(x.id_text, N''null'') AS nvarchar(MAX)), N'', '')
    FROM (
        SELECT JSON_VALUE(e.[value], ''$.id'') AS id_text
        FROM OPENJSON(@board_json, ''$.items'') AS e
        UNION ALL
        SELECT JSON_VALUE(e.[value], ''$.id'') AS id_text
        FROM OPENJSON(@board_json, ''$.users'') AS e
        UNION ALL
        SELECT JSON_VALUE(e.[value], ''$.id'') AS id_text
        FROM OPENJSON(@board_json, ''$.teams'') AS e
    ) AS x
    WHERE x.id_text IS NULL OR x.id_text LIKE N''%[^0-9]%'' OR LEN(x.id_text) NOT BETWEEN 1 AND 18;
    IF @bad IS NOT NULL
    BEGIN
        SET @msg = LEFT(CONCAT(
            N''usp_UpsertBoardMetadata: items, users or teams of board '', @board_id, N'' have ids that are not numbers: '',
            LEFT(@bad, 200), N''. Pass monday ids.''
        ), 2048);
        THROW 50107, @msg, 1;
    END;

    SET @params = N''EXEC dbo.usp_UpsertBoardMetadata @board_json = N''''''
        + REPLACE(LEFT(@board_json, 4000), N'''''''', N'''''''''''') + N''''''''
        + CASE WHEN LEN(@board_json) > 4000 THEN N'' /* cut at 4000 characters */'' ELSE N'''' END + N'';'';
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_UpsertBoardMetadata'',
        @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    BEGIN TRY
        -- the subitems board named by the subtasks column
        SELECT TOP (1) @sub = TRY_CONVERT(bigint, JSON_VALUE(c.settings_json, ''$.boardIds[0]''))
        FROM #col AS c
        WHERE c.column_type = N''subtasks'';

        BEGIN TRANSACTION;

        SELECT TOP (1) @parent = p.board_id
        FROM dbo.MON_Board AS p
        WHERE p.subitems_board_id = @board_id;

        -- one sync of a board at a time, without locking other boards'' rows (no MERGE, no HOLDLOCK range
        -- over the whole table): upserts below are an UPDATE then an INSERT of what is missing
        DECLARE @lock_resource nvarchar(255) = N''opus_board_sync_'' + CONVERT(nvarchar(20), @board_id);
        -- sp_getapplock reports a lock timeout (-1), a cancel (-2) and a deadlock (-3) by its return code,
        -- not by an error: without this check a session with a LOCK_TIMEOUT would sync without the lock
        DECLARE @lock_rc int;
        EXEC @lock_rc = sys.sp_getapplock
            @Resource = @lock_resource, @LockMode = ''Exclusive'', @LockOwner = ''Transaction'';
        IF @lock_rc < 0
        BEGIN
            DECLARE @lock_msg nvarchar(2048) = CONCAT(
                N''board '', @board_id, N'': the lock that keeps two syncs of one board apart was not granted ('',
                CASE @lock_rc WHEN -1 THEN N''lock timeout'' WHEN -2 THEN N''cancelled'' WHEN -3 THEN N''deadlock victim''
                    ELSE CONCAT(N''code '', @lock_rc) END,
                N''): another sync of this board is running. Nothing was changed: sync the board again when it ends.''
            );
            THROW 50108, @lock_msg, 1;
        END;

        UPDATE tgt
        SET
            tgt.board_name = LEFT(@name, 255),
            tgt.board_kind = LEFT(JSON_VALUE(@board_json, ''$.board_kind''), 20),
            tgt.parent_board_id = COALESCE(@parent, tgt.parent_board_id),
            tgt.subitems_board_id = @sub,
            tgt.synced_at = @now
        FROM dbo.MON_Board AS tgt
        WHERE tgt.board_id = @board_id;
        IF @@ROWCOUNT = 0
        BEGIN
            INSERT INTO dbo.MON_Board (
                board_id, board_name, board_kind, parent_board_id, subitems_board_id, synced_at
            )
            VALUES (
                @board_id, LEFT(@name, 255), LEFT(JSON_VALUE(@board_json, ''$.board_kind''), 20), @parent, @sub, @now
            );
        END;
        IF @sub IS NOT NULL
        BEGIN
            UPDATE dbo.MON_Board
            SET parent_board_id = @board_id
            WHERE board_id = @sub;
        END;

        SELECT
            c.column_id,
            LEFT(c.title, 255) AS title,
            dbo.fn_MON_NormalizeTitle(c.title) AS normalized_title,
            c.column_type,
            c.settings_json,
            COALESCE(t.is_writable, ''N'') AS is_writable
        INTO #src_column
        FROM #col AS c
        LEFT JOIN dbo.MON_ColumnType AS t ON c.column_type = t.column_type;
        DELETE tgt
        FROM dbo.MON_BoardColumn AS tgt
        WHERE tgt.board_id = @board_id
            AND NOT EXISTS (
                SELECT 1 FROM #src_column AS src
                WHERE src.column_id = tgt.column_id
            );
        UPDATE tgt
        SET
            tgt.title = src.title,
            tgt.normalized_title = src.normalized_title,
            tgt.column_type = src.column_type,
            tgt.settings_json = src.settings_json,
            tgt.is_writable = src.is_writable,
            tgt.synced_at = @now
        FROM dbo.MON_BoardColumn AS tgt
        INNER JOIN #src_column AS src ON tgt.column_id = src.column_id
        WHERE tgt.board_id = @board_id;
        INSERT INTO dbo.MON_BoardColumn (
            board_id, column_id, title, normalized_title, column_type, settings_json, is_writable, synced_at
        )
        SELECT
            @board_id AS board_id,
            src.column_id,
            src.title,
            src.normalized_title,
            src.column_type,
            src.settings_json,
            src.is_writable,
            @now AS synced_at
        FROM #src_column AS src
        WHERE NOT EXISTS (
            SELECT 1 FROM dbo.MON_BoardColumn AS tgt
            WHERE tgt.board_id = @board_id AND tgt.column_id = src.column_id
        );
        SELECT @cols = COUNT(*) FROM #col;

        IF JSON_QUERY(@board_json, ''$.groups'') IS NOT NULL
        BEGIN
            SELECT DISTINCT
                JSON_VALUE(e.[value], ''$.id'') AS group_id,
                LEFT(COALESCE(JSON_VALUE(e.[value], ''$.title''), JSON_VALUE(e.[value], ''$.id'')), 255) AS title
            INTO #src_group
            FROM OPENJSON(@board_json, ''$.groups'') AS e
            WHERE LEN(JSON_VALUE(e.[value], ''$.id'')) > 0;
            DELETE tgt
            FROM dbo.MON_BoardGroup AS tgt
            WHERE tgt.board_id = @board_id
                AND NOT EXISTS (
                    SELECT 1 FROM #src_group AS src
                    WHERE src.group_id = tgt.group_id
                );
            UPDATE tgt
            SET tgt.title = src.title, tgt.synced_at = @now
            FROM dbo.MON_BoardGroup AS tgt
            INNER JOIN #src_group AS src ON tgt.group_id = src.group_id
            WHERE tgt.board_id = @board_id;
            INSERT INTO dbo.MON_BoardGroup (board_id, group_id, title, synced_at)
            SELECT
                @board_id AS board_id,
                src.group_id,
                src.title,
                @now AS synced_at
            FROM #src_group AS src
            WHERE NOT EXISTS (
                SELECT 1 FROM dbo.MON_BoardGroup AS tgt
                WHERE tgt.board_id = @board_id AND tgt.group_id = src.group_id
            );
            SELECT @groups = COUNT(*) FROM OPENJSON(@board_json, ''$.groups'');
        END;

        IF JSON_QUERY(@board_json, ''$.items'') IS NOT NULL
        BEGIN
            SELECT
                i.item_id,
                MAX(i.item_name) AS item_name,
                MAX(i.group_id) AS group_id,
                MAX(i.parent_item_id) AS parent_item_id
            INTO #src_item
            FROM (
                SELECT
                    CONVERT(bigint, JSON_VALUE(e.[value], ''$.id'')) AS item_id,
                    LEFT(JSON_VALUE(e.[value], ''$.name''), 255) AS item_name,
                    JSON_VALUE(e.[value], ''$.group.id'') AS group_id,
                    TRY_CONVERT(bigint, JSON_VALUE(e.[value], ''$.parent_item.id'')) AS parent_item_id
                FROM OPENJSON(@board_json, ''$.items'') AS e
            ) AS i
            GROUP BY i.item_id;
            DELETE tgt
            FROM dbo.MON_BoardItem AS tgt
            WHERE tgt.board_id = @board_id
                AND NOT EXISTS (
                    SELECT 1 FROM #src_item AS src
                    WHERE src.item_id = tgt.item_id
                );
            -- an item moved from another board is taken over by this one (item ids are global)
            UPDATE tgt
            SET
                tgt.board_id = @board_id,
                tgt.item_name = src.item_name,
                tgt.group_id = src.group_id,
                tgt.parent_item_id = src.parent_item_id,
                tgt.synced_at = @now
            FROM dbo.MON_BoardItem AS tgt
            INNER JOIN #src_item AS src ON tgt.item_id = src.item_id;
            INSERT INTO dbo.MON_BoardItem (item_id, board_id, item_name, group_id, parent_item_id, synced_at)
            SELECT
                src.item_id,
                @board_id AS board_id,
                src.item_name,
                src.group_id,
                src.parent_item_id,
                @now AS synced_at
            FROM #src_item AS src
            WHERE NOT EXISTS (
                SELECT 1 FROM dbo.MON_BoardItem AS tgt
                WHERE tgt.item_id = src.item_id
            );
            SELECT @items = COUNT(*) FROM OPENJSON(@board_json, ''$.items'');
        END;

        SELECT
            u.user_id,
            u.user_kind,
            MAX(u.user_name) AS user_name,
            MAX(u.email) AS email,
            MAX(u.is_enabled) AS is_enabled
        INTO #src_user
        FROM (
            SELECT
                CONVERT(bigint, JSON_VALUE(e.[value], ''$.id'')) AS user_id,
                ''person'' AS user_kind,
                LEFT(JSON_VALUE(e.[value], ''$.name''), 255) AS user_name,
                LEFT(JSON_VALUE(e.[value], ''$.email''), 255) AS email,
                CASE
                    WHEN JSON_VALUE(e.[value], ''$.enabled'') = ''false'' OR JSON_VALUE(e.[value], ''$.is_enabled'') = ''N''
                        THEN ''N''
                    ELSE ''Y''
                END AS is_enabled
            FROM OPENJSON(@board_json, ''$.users'') AS e
            UNION ALL
            SELECT
                CONVERT(bigint, JSON_VALUE(e.[value], ''$.id'')) AS user_id,
                ''team'' AS user_kind,
                LEFT(JSON_VALUE(e.[value], ''$.name''), 255) AS user_name,
                NULL AS email,
                ''Y'' AS is_enabled
            FROM OPENJSON(@board_json, ''$.teams'') AS e
        ) AS u
        GROUP BY u.user_id, u.user_kind;
        UPDATE tgt
        SET
            tgt.user_name = src.user_name,
            tgt.email = src.email,
            tgt.is_enabled = src.is_enabled,
            tgt.synced_at = @now
        FROM dbo.MON_User AS tgt
        INNER JOIN #src_user AS src ON tgt.user_id = src.user_id AND tgt.user_kind = src.user_kind;
        SET @users = @@ROWCOUNT;
        INSERT INTO dbo.MON_User (user_id, user_kind, user_name, email, is_enabled, synced_at)
        SELECT
            src.user_id,
            src.user_kind,
            src.user_name,
            src.email,
            src.is_enabled,
            @now AS synced_at
        FROM #src_user AS src
        WHERE NOT EXISTS (
            SELECT 1 FROM dbo.MON_User AS tgt
            WHERE tgt.user_id = src.user_id AND tgt.user_kind = src.user_kind
        );
        SET @users = @users + @@ROWCOUNT;

        COMMIT TRANSACTION;

        SELECT @columns_now = COUNT(*)
        FROM dbo.MON_BoardColumn
        WHERE board_id = @board_id;
        SET @cols = @cols + @groups + @items + @users;
        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @outcome = ''SUCCEEDED'', @rows_affected = @cols;

        SELECT
            brd.board_id,
            brd.board_name,
            brd.board_kind,
            brd.parent_board_id,
            brd.subitems_board_id,
            @columns_now AS columns_synced,
            @groups AS groups_synced,
            @items AS items_synced,
            @users AS users_synced,
            brd.synced_at
        FROM dbo.MON_Board AS brd
        WHERE brd.board_id = @board_id;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        SET @error_number = ERROR_NUMBER();
        SET @error_message = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = ''FAILED'',
            @error_number = @error_number,
            @error_message = @error_message;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_UpsertBoardMetadata.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_ValidateStagedUpdates.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_ValidateStagedUpdates: (re)validates the staged rows of a batch against the board metadata with every
-- enabled rule of dbo.MON_ValidationRule; sets validation_status / validation_errors per row and the
-- counts, validated_at and status VALIDATED on the batch, and returns a one-row summary.
-- Re-runnable until the batch is released. Errors 50301-50304 (docs/errors.md).
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_ValidateStagedUpdates'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_ValidateStagedUpdates AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ValidateStagedUpdates.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_ValidateStagedUpdates
    @batch_id varchar(50) = NULL,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @run_id bigint;
    DECLARE @status varchar(20);
    DECLARE @target_level varchar(10);
    DECLARE @rows_staged int;
    DECLARE @found int;
    DECLARE @msg nvarchar(2048);
    DECLARE @params nvarchar(MAX);
    DECLARE @error_number int;
    DECLARE @error_message nvarchar(4000);

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''usp_ValidateStagedUpdates: validates (again) the staged rows of a batch against the board metadata.
Every enabled rule of dbo.MON_ValidationRule is applied; each row gets validation_status VALID, WARNING or INVALID
and validation_errors (JSON array of {rule, column, severity, message}); the batch becomes VALIDATED.

Parameters:
  @batch_id varchar(50)  required  the batch to validate (from usp_StageUpdates)
  @help     char(1)      ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  EXEC dbo.usp_ValidateStagedUpdates @batch_id = ''''UB20260101120000-a1b2c3'''';
  SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = ''''UB20260101120000-a1b2c3'''';
  UPDATE dbo.MON_ValidationRule SET is_enabled = ''''N'''' WHERE rule_code = ''''METADATA_FRESH''''; -- then validate again'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_ValidateStagedUpdates'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    IF @batch_id IS NULL OR LEN(@batch_id) = 0
    BEGIN
        SET @msg = N''usp_ValidateStagedUpdates: @batch_id is required: pass the batch id usp_StageUpdates returned ''
            + N''(see dbo.MON_UpdateBatch).'';
        THROW 50301, @msg, 1;
    END;

    SET @params = N''EXEC dbo.usp_ValidateStagedUpdates @batch_id = '''''' + REPLACE(@batch_id, '''''''', '''''''''''') + N'''''';'';
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_ValidateStagedUpdates'',
        @batch_id = @batch_id,
        @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    BEGIN TRY
        BEGIN TRANSACTION;

        SELECT
            @status = ub.batch_status,
            @target_level = ub.target_level,
            @rows_staged = ub.rows_staged
        FROM dbo.MON_UpdateBatch AS ub WITH (UPDLOCK, HOLDLOCK)
        WHERE ub.batch_id = @batch_id;

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(
                N''usp_ValidateStagedUpdates: batch '', @batch_id,
                N'' does not exist: check the id in dbo.MON_UpdateBatch '',
                N''(or stage the query again with usp_StageUpdates).''
            );
            THROW 50302, @msg, 1;
        END;
        IF @status NOT IN (''STAGED'', ''VALIDATED'')
        BEGIN
            SET @msg = CONCAT(
                N''usp_ValidateStagedUpdates: batch '', @batch_id, N'' is '', @status,
                N''; only STAGED or VALIDATED batches can be validated (a released batch is checked already). '',
                N''Stage the query again for a new batch.''
            );
            THROW 50303, @msg, 1;
        END;
        SELECT @found = COUNT(*) FROM dbo.STG_MON_CustMasterSchedule
        WHERE update_batch_id = @batch_id AND @target_level = ''ITEMS'';
        SELECT @found = @found + COUNT(*) FROM dbo.STG_MON_CustMasterSchedule_Subitems
        WHERE update_batch_id = @batch_id AND @target_level = ''SUBITEMS'';
        IF @found = 0 AND @rows_staged > 0
        BEGIN
            SET @msg = CONCAT(
                N''usp_ValidateStagedUpdates: the '', @rows_staged, N'' staged rows of batch '', @batch_id,
                N'' are gone from the staging table (truncated or reloaded?). '',
                N''Cancel the batch with usp_CancelBatch and stage the query again.''
            );
            THROW 50304, @msg, 1;
        END;

        EXEC dbo.usp_Private_ValidateBatch @batch_id = @batch_id;

        COMMIT TRANSACTION;

        SELECT @rows_staged = ub.rows_staged
        FROM dbo.MON_UpdateBatch AS ub
        WHERE ub.batch_id = @batch_id;
        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @outcome = ''SUCCEEDED'', @rows_affected = @rows_staged;

        SELECT
            ub.batch_id,
            ub.board_id,
            ub.target_level,
            ub.update_operation,
            ub.batch_status,
            ub.rows_staged,
            ub.rows_valid,
            ub.rows_warning,
            ub.rows_invalid,
            ub.validated_at,
            CASE
                WHEN ub.rows_invalid + ub.rows_warning > 0
                    THEN N''SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = '''''' + ub.batch_id + N'''''';''
                ELSE N''EXEC dbo.usp_ReleaseBatch @batch_id = '''''' + ub.batch_id + N'''''';''
            END AS next_step
        FROM dbo.MON_UpdateBatch AS ub
        WHERE ub.batch_id = @batch_id;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        SET @error_number = ERROR_NUMBER();
        SET @error_message = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = ''FAILED'',
            @error_number = @error_number,
            @error_message = @error_message;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ValidateStagedUpdates.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_StageUpdates.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_StageUpdates: runs a SELECT with the caller''s permissions and stages its rows as one batch of
-- updates: one row per result row in dbo.STG_MON_CustMasterSchedule (ITEMS) or
-- dbo.STG_MON_CustMasterSchedule_Subitems (SUBITEMS) with update_batch_id, update_row_no 1..n,
-- update_fields (JSON object alias -> value as text, NULL kept) and source_table, monday_board_id NULL (the
-- board is the batch''s: a query over the loader''s rows by board never returns staged copies) and
-- source_query NULL (the text is kept once, in MON_UpdateBatch.source_query); creates the batch header,
-- validates the batch, and returns its id and counts (OUTPUT) plus a one-row summary.
-- The query is refused, staging nothing, when it holds more than one statement, a statement that changes
-- data or schema, does not parse, fails, repeats a column or lacks the key columns of the operation.
-- No EXECUTE AS: @query reads only what the caller may read. Errors 50201-50218 (docs/errors.md).
-- How the query runs: its shape comes from a SELECT q.* INTO #mon_shape FROM (<query>) AS q WHERE 1 = 0 (no
-- rows), its rows from INSERT INTO #capture placed before its final SELECT (after its CTE list), both as
-- dynamic SQL with the caller''s permissions; fn_MON_Private_QueryParts finds those places in the text.
-- Limits: the caller''s own #temp tables may be read, but not one named #capture, #describe, #staged,
-- #staged_value or #mon_shape; the procedure cannot be called inside a transaction (50960), nor so through
-- INSERT ... EXEC.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_StageUpdates'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_StageUpdates AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_StageUpdates.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_StageUpdates
    @query nvarchar(MAX) = NULL,
    @board_id bigint = NULL,
    @update_operation varchar(20) = ''UPDATE'',
    @target_level varchar(10) = ''ITEMS'',
    @source_table varchar(100) = NULL,
    @create_labels_if_missing char(1) = ''N'',
    @batch_id varchar(100) = NULL OUTPUT,
    @help char(1) = ''N'',
    @rows_staged int = NULL OUTPUT,
    @rows_valid int = NULL OUTPUT,
    @rows_warning int = NULL OUTPUT,
    @rows_invalid int = NULL OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @op varchar(20) = UPPER(LTRIM(RTRIM(COALESCE(@update_operation, ''''))));
    DECLARE @level varchar(10) = UPPER(LTRIM(RTRIM(COALESCE(@target_level, ''''))));
    DECLARE @labels char(1) = UPPER(COALESCE(@create_labels_if_missing, ''''));
    DECLARE @errors nvarchar(MAX) = N'''';
    DECLARE @msg nvarchar(2048);
    DECLARE @params nvarchar(MAX);
    DECLARE @run_id bigint;
    DECLARE @blank nvarchar(MAX);
    DECLARE @code_len int;
    DECLARE @pos int;
    DECLARE @lead nvarchar(200);
    DECLARE @first nvarchar(200);
    DECLARE @word varchar(30);
    DECLARE @sql nvarchar(MAX);
    DECLARE @describe_error nvarchar(4000);
    DECLARE @select_pos int;
    DECLARE @tail_pos int;
    DECLARE @second_pos int;
    DECLARE @ctes nvarchar(MAX);
    DECLARE @body nvarchar(MAX);
    DECLARE @chunk_from int;
    DECLARE @batch_status varchar(20);
    DECLARE @work_table sysname;
    DECLARE @names nvarchar(MAX);
    DECLARE @dynamic nvarchar(MAX);
    DECLARE @rows int;
    DECLARE @new_batch varchar(50);
    DECLARE @fields nvarchar(MAX);
    DECLARE @key_item nvarchar(MAX) = N''CAST(NULL AS bigint)'';
    DECLARE @key_name nvarchar(MAX) = N''CAST(NULL AS nvarchar(255))'';
    DECLARE @key_group nvarchar(MAX) = N''CAST(NULL AS nvarchar(100))'';
    DECLARE @key_parent nvarchar(MAX) = N''CAST(NULL AS bigint)'';
    DECLARE @col_name sysname;
    DECLARE @expr nvarchar(MAX);
    DECLARE @bad_row int;
    DECLARE @bad_value nvarchar(200);
    DECLARE @limit int;
    DECLARE @error_number int;
    DECLARE @describe_count int;
    DECLARE @error_message nvarchar(4000);

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''usp_StageUpdates: stages the rows of a SELECT as one batch of monday.com updates, validates it and
returns the batch id and counts. Nothing is sent: release the batch with usp_ReleaseBatch, then run the sender.

Parameters:
  @query                    nvarchar(max) required   one SELECT (CTEs, ORDER BY, a trailing semicolon are fine);
                                                    key columns: monday_item_id (UPDATE), item_name [, group_id]
                                                    (CREATE), parent_item_id (CREATE of SUBITEMS); every other
                                                    column is an update: its alias is a column id, a column title
                                                    (Order Status ~ order_status) or a dbo.MON_ColumnMap alias
  @board_id                 bigint        required   the board (the parent board for SUBITEMS)
  @update_operation         varchar(20)   ''''UPDATE''''   ''''UPDATE'''' | ''''CREATE''''
  @target_level             varchar(10)   ''''ITEMS''''    ''''ITEMS'''' | ''''SUBITEMS''''
  @source_table             varchar(100)  NULL       recorded with the batch, for the audit trail
  @create_labels_if_missing char(1)       ''''N''''        ''''Y'''' lets unknown status/dropdown labels be created by monday
  @batch_id                 varchar(50)   OUTPUT     the new batch id (pass one to choose it)
  @help                     char(1)       ''''N''''        ''''Y'''' prints this text and does nothing else
  @rows_staged              int           OUTPUT     rows staged into the batch
  @rows_valid               int           OUTPUT     rows VALID after validation
  @rows_warning             int           OUTPUT     rows with a WARNING only
  @rows_invalid             int           OUTPUT     rows refused by validation

Examples:
  DECLARE @b varchar(50);
  EXEC dbo.usp_StageUpdates
      @query = N''''SELECT TOP (1) monday_item_id, ''''''''In Progress'''''''' AS order_status
                 FROM dbo.STG_MON_CustMasterSchedule
                 WHERE monday_board_id = 8709134353 AND monday_item_id = 1234567890'''',
      @board_id = 8709134353, @batch_id = @b OUTPUT;
  EXEC dbo.usp_StageUpdates
      @query = N''''SELECT ''''''''New order'''''''' AS item_name, ''''''''topics'''''''' AS group_id, ''''''''2026-07-01'''''''' AS due_date'''',
      @board_id = 8709134353, @update_operation = ''''CREATE'''';
  SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = @b;'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_StageUpdates'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    -- parameters: collect every problem, raise once
    -- empty or blank: only spaces, tabs, line breaks, form feeds (LEN ignores the trailing spaces left)
    IF @query IS NULL OR LEN(
        REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(@query, NCHAR(9), N'' ''), NCHAR(10), N'' ''), NCHAR(11), N'' ''),
            NCHAR(12), N'' ''), NCHAR(13), N'' '')
    ) = 0
    BEGIN
        SET @errors = @errors + N'' @query is empty: pass the SELECT whose rows become updates.'';
    END;
    IF @board_id IS NULL
    BEGIN
        SET @errors = @errors + N'' @board_id is required: pass the id of the monday board to update (e.g. 8709134353).'';
    END;
    IF @op NOT IN (''UPDATE'', ''CREATE'')
    BEGIN
        SET @errors = @errors + N'' @update_operation '''''' + COALESCE(@update_operation, N''NULL'')
            + N'''''' is not supported. Supported values are UPDATE and CREATE.'';
    END;
    IF @level NOT IN (''ITEMS'', ''SUBITEMS'')
    BEGIN
        SET @errors = @errors + N'' @target_level '''''' + COALESCE(@target_level, N''NULL'')
            + N'''''' is not supported. Supported values are ITEMS and SUBITEMS.'';
    END;
    IF @labels NOT IN (''Y'', ''N'')
    BEGIN
        SET @errors = @errors + N'' @create_labels_if_missing '''''' + COALESCE(@create_labels_if_missing, N''NULL'')
            + N'''''' is not supported. Supported values are Y and N.'';
    END;
    IF @batch_id IS NOT NULL AND (LEN(@batch_id) = 0 OR LEN(@batch_id + ''x'') - 1 > 50)
    BEGIN
        SET @errors = @errors + N'' @batch_id must be 1-50 characters, or NULL for a new id.'';
    END;
    IF LEN(@errors) > 0
    BEGIN
        SET @msg = LEFT(N''usp_StageUpdates:'' + @errors, 2048);
        THROW 50201, @msg, 1;
    END;

    SET @params = CONCAT(
        N''EXEC dbo.usp_StageUpdates @query = N'''''', REPLACE(LEFT(@query, 4000), N'''''''', N''''''''''''), N'''''''',
        CASE WHEN LEN(@query + N''x'') - 1 > 4000 THEN N'' /* cut at 4000 characters */'' ELSE N'''' END,
        N'', @board_id = '', @board_id,
        N'', @update_operation = '''''', @op, N'''''', @target_level = '''''', @level, N'''''', @source_table = '',
        COALESCE(N'''''''' + REPLACE(@source_table, '''''''', '''''''''''') + N'''''''', N''NULL''),
        N'', @create_labels_if_missing = '''''', @labels, N'''''', @batch_id = '',
        COALESCE(N'''''''' + REPLACE(@batch_id, '''''''', '''''''''''') + N'''''''', N''NULL''), N'';''
    );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_StageUpdates'',
        @batch_id = @batch_id,
        @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    BEGIN TRY
        -- 1. the text: one SELECT, nothing that changes data or schema ------------------------------------------
        IF LEN(@query + N''x'') - 1 > 1000000
        BEGIN
            SET @msg = CONCAT(
                N''usp_StageUpdates: the query has '', LEN(@query + N''x'') - 1, N'' characters; at most 1000000 are'',
                N'' accepted (the limit of the query text, not of the rows it returns). Put long values and long'',
                N'' lists of rows in a table and select them from there, or stage them in several batches.''
            );
            THROW 50216, @msg, 1;
        END;
        IF CHARINDEX(N''[SAFE_TEST_ITEM_ID]'', UPPER(@query)) > 0
        BEGIN
            SET @msg = CONCAT(
                N''usp_StageUpdates: the query still holds the placeholder [SAFE_TEST_ITEM_ID]: replace it with the'',
                N'' monday id of a safe test item (e.g. monday_item_id = 1234567890; the loader''''s rows list them:'',
                N'' SELECT monday_item_id, item_name FROM dbo.STG_MON_CustMasterSchedule WHERE monday_board_id = '',
                @board_id, N''), then stage again. Nothing was staged.''
            );
            THROW 50218, @msg, 1;
        END;
        SET @blank = dbo.fn_MON_Private_BlankQueryText(@query);
        SET @code_len = LEN(@blank + N''x'') - 1;
        WHILE @code_len > 0 AND UNICODE(SUBSTRING(@blank, @code_len, 1)) IN (32, 59, 9, 10, 13)
        BEGIN
            SET @code_len = @code_len - 1;
        END;
        SET @pos = CHARINDEX(N'';'', LEFT(@blank, @code_len));
        IF @pos > 0
        BEGIN
            SET @msg = CONCAT(
                N''usp_StageUpdates: the query holds more than one statement (a semicolon at character '', @pos,
                N''). Pass a single SELECT; only a trailing semicolon is allowed.''
            );
            THROW 50211, @msg, 1;
        END;
        SET @lead = LEFT(@blank, 200);
        SET @lead = REPLACE(REPLACE(REPLACE(@lead, NCHAR(9), N'' ''), NCHAR(10), N'' ''), NCHAR(13), N'' '');
        SET @lead = REPLACE(@lead, N''('', N'' '');
        SET @lead = LOWER(LTRIM(@lead) COLLATE Latin1_General_100_BIN2);
        SET @first = LEFT(@lead, PATINDEX(N''%[^a-z]%'', @lead + N'' '' COLLATE Latin1_General_100_BIN2) - 1);
        IF @first NOT IN (N''select'', N''with'')
        BEGIN
            SET @msg = N''usp_StageUpdates: the query must be a SELECT (or WITH ... SELECT); it starts with ''
                + CASE WHEN LEN(@first) > 0 THEN N'''''''' + @first + N'''''''' ELSE N''no statement'' END
                + N''. Pass the SELECT whose rows become updates.'';
            THROW 50212, @msg, 1;
        END;
        SET @word = dbo.fn_MON_Private_ForbiddenKeyword(@blank);
        IF @word IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N''usp_StageUpdates: the query contains '', @word, N''. usp_StageUpdates runs a single read-only SELECT '',
                N''and refuses statements and clauses that change data or schema, run code or lock rows (INSERT, '',
                N''UPDATE, DELETE, MERGE, TRUNCATE, DROP, ALTER, CREATE, EXEC, GRANT, SELECT INTO, ...). Remove '',
                @word, N'' from the query; quote an identifier of that name.''
            );
            THROW 50210, @msg, 1;
        END;
        SET @sql = LEFT(@query, @code_len);

        -- 2. the parts of the text: the CTE list, the final SELECT and its ORDER BY / OPTION tail -------------------
        SELECT
            @select_pos = p.select_pos,
            @tail_pos = p.tail_pos,
            @second_pos = p.second_pos
        FROM dbo.fn_MON_Private_QueryParts(LEFT(@blank, @code_len)) AS p;
        IF @second_pos > 0
        BEGIN
            SET @msg = CONCAT(
                N''usp_StageUpdates: the query holds more than one statement (a second SELECT at character '',
                @second_pos,
                N''; T-SQL needs no semicolon between two statements, and GO is not a separator here). Pass a single'',
                N'' SELECT; join result sets with UNION ALL.''
            );
            THROW 50211, @msg, 1;
        END;
        IF @select_pos = 0
        BEGIN
            SET @msg = N''usp_StageUpdates: the query''''s WITH has no SELECT after its common table expressions. ''
                + N''Pass WITH name AS (...) SELECT ... .'';
            THROW 50212, @msg, 1;
        END;
        SET @ctes = LEFT(@sql, @select_pos - 1);
        SET @body = SUBSTRING(@sql, @select_pos, @code_len);

        -- 3. the shape: the query''s columns and types, from a SELECT ... INTO of no rows run with the caller''s
        -- permissions (the caller''s own temp tables are fine); the ORDER BY tail is left out, as a derived table
        -- may not hold it, and any second statement left in the text is a syntax error there
        CREATE TABLE #describe (
            column_ordinal int NULL,
            column_name sysname COLLATE DATABASE_DEFAULT NULL,
            type_name sysname COLLATE DATABASE_DEFAULT NULL,
            max_length smallint NULL,
            [precision] tinyint NULL,
            [scale] tinyint NULL,
            collation_name sysname COLLATE DATABASE_DEFAULT NULL,
            system_type_name nvarchar(256) COLLATE DATABASE_DEFAULT NULL
        );
        -- SQL Server lists a #table''s columns in tempdb.sys.columns. An engine whose catalog does not (a T-SQL
        -- test engine keeps temp tables out of its catalog, and loses the session''s temp tables once a statement
        -- names tempdb; it lacks SQL Server''s describe function too, which tells it apart) reads the shape from a
        -- work table in dbo instead, created and dropped with the caller''s rights (CREATE TABLE in dbo is then
        -- needed). SESSION_CONTEXT(N''opus.shape_from_work_table'') = N''Y'' takes that way on SQL Server too, for
        -- a member of db_owner only (a test that shows both ways stage the same rows): no stager creates tables.
        -- A work table left by an attention between its CREATE and DROP is listed by uninstall.sql (MON_ tables
        -- it does not know).
        IF OBJECT_ID(N''sys.dm_exec_describe_first_result_set'') IS NOT NULL
            AND (
                COALESCE(CAST(SESSION_CONTEXT(N''opus.shape_from_work_table'') AS nvarchar(10)), N''N'') <> N''Y''
                OR COALESCE(IS_MEMBER(N''db_owner''), 0) = 0
            )
        BEGIN
            SET @dynamic = @ctes + N''SELECT q.* INTO #mon_shape FROM ('' + NCHAR(10)
                + SUBSTRING(@sql, @select_pos, @tail_pos - @select_pos) + NCHAR(10) + N'') AS q WHERE 1 = 0;
INSERT INTO #describe (column_ordinal, column_name, type_name, max_length, [precision], [scale], collation_name)
SELECT
    c.column_id,
    c.[name],
    COALESCE(TYPE_NAME(c.user_type_id), TYPE_NAME(c.system_type_id)),
    c.max_length,
    c.[precision],
    c.[scale],
    c.collation_name
FROM tempdb.sys.columns AS c
WHERE c.[object_id] = OBJECT_ID(N''''tempdb..#mon_shape'''');'';
            BEGIN TRY
                EXEC sys.sp_executesql @dynamic;
            END TRY
            BEGIN CATCH
                SET @error_number = ERROR_NUMBER();
                SET @describe_error = CONCAT(ERROR_MESSAGE(), N'' (error '', @error_number, N'')'');
            END CATCH;
        END
        ELSE
        BEGIN
            SET @work_table = CONCAT(
                N''MON_Private_Shape_'', @@SPID, N''_'', LEFT(REPLACE(CONVERT(nvarchar(36), NEWID()), N''-'', N''''), 8)
            );
            SET @dynamic = @ctes + N''SELECT q.* INTO dbo.'' + QUOTENAME(@work_table) + N'' FROM ('' + NCHAR(10)
                + SUBSTRING(@sql, @select_pos, @tail_pos - @select_pos) + NCHAR(10) + N'') AS q WHERE 1 = 0;'';
            BEGIN TRY
                EXEC sys.sp_executesql @dynamic;
                INSERT INTO #describe (
                    column_ordinal, column_name, type_name, max_length, [precision], [scale], collation_name
                )
                SELECT
                    c.column_id,
                    c.[name],
                    COALESCE(TYPE_NAME(c.user_type_id), TYPE_NAME(c.system_type_id)) AS type_name,
                    c.max_length,
                    c.[precision],
                    c.[scale],
                    c.collation_name
                FROM sys.columns AS c
                WHERE c.[object_id] = OBJECT_ID(N''dbo.'' + QUOTENAME(@work_table));
            END TRY
            BEGIN CATCH
                SET @error_number = ERROR_NUMBER();
                SET @describe_error = CONCAT(ERROR_MESSAGE(), N'' (error '', @error_number, N'')'');
            END CATCH;
            IF OBJECT_ID(N''dbo.'' + QUOTENAME(@work_table), N''U'') IS NOT NULL
            BEGIN
                SET @dynamic = N''DROP TABLE dbo.'' + QUOTENAME(@work_table) + N'';'';
                EXEC sys.sp_executesql @dynamic;
            END;
        END;
        IF @error_number IN (229, 230, 262, 297, 300)
        BEGIN
            -- permission denied: the caller may not read what the query reads
            SET @msg = LEFT(CONCAT(
                N''usp_StageUpdates: the query failed when it ran: '', @describe_error,
                N''. Nothing was staged; fix the query (or the caller''''s permissions) and stage again.''
            ), 2048);
            THROW 50204, @msg, 1;
        END;
        IF @error_number IN (1038, 8155)
        BEGIN
            SET @msg = N''usp_StageUpdates: the query returns a column without a name. Give every column an alias ''
                + N''(e.g. ''''In Progress'''' AS order_status).'';
            THROW 50215, @msg, 1;
        END;
        IF @error_number IN (2705, 8156)
        BEGIN
            SET @msg = LEFT(CONCAT(
                N''usp_StageUpdates: the query returns a column name twice: '', @describe_error,
                N''. Give each column its own alias.''
            ), 2048);
            THROW 50206, @msg, 1;
        END;
        -- a table holds at most 1,024 columns (Msg 1702 from the shape''s SELECT INTO): the project stages at most
        -- 1,000 on both engines, said before anything is run
        SELECT @describe_count = COUNT(*) FROM #describe;
        IF @error_number = 1702 OR @describe_count > 1000
        BEGIN
            SET @msg = CONCAT(
                N''usp_StageUpdates: the query returns '', CASE WHEN @error_number = 1702 THEN N''more than 1024''
                    ELSE CONVERT(nvarchar(10), @describe_count) END,
                N'' columns; at most 1000 can be staged in one batch. Stage the columns in several batches.''
            );
            THROW 50219, @msg, 1;
        END;
        IF @describe_error IS NOT NULL
        BEGIN
            SET @limit = PATINDEX(
                N''%[^a-z0-9_@#$]limit[^a-z0-9_@#$]%'', N'' '' + LOWER(@blank) + N'' '' COLLATE Latin1_General_100_BIN2
            );
            IF @limit > 0
            BEGIN
                SET @msg = LEFT(CONCAT(
                    N''usp_StageUpdates: the query does not parse on SQL Server: LIMIT is PostgreSQL/MySQL syntax ('',
                    @describe_error, N''). Write SELECT TOP (1) ... instead of ... LIMIT 1 and stage again.''
                ), 2048);
                THROW 50205, @msg, 1;
            END;
            -- a run-time error of the query itself (a conversion, a division by zero) is not a parse error
            IF @error_number IN (220, 232, 241, 242, 245, 248, 517, 8114, 8115, 8134, 9809)
            BEGIN
                SET @msg = LEFT(CONCAT(
                    N''usp_StageUpdates: the query failed when it ran: '', @describe_error,
                    N''. Nothing was staged; fix the query (or the caller''''s permissions) and stage again.''
                ), 2048);
                THROW 50204, @msg, 1;
            END;
            SET @msg = LEFT(CONCAT(
                N''usp_StageUpdates: the query does not parse or names something that does not exist: '', @describe_error,
                N''. Nothing was staged; fix the query and stage again.''
            ), 2048);
            THROW 50203, @msg, 1;
        END;
        IF NOT EXISTS (SELECT 1 FROM #describe)
        BEGIN
            THROW 50214, N''usp_StageUpdates: the query returns no result set. Pass a SELECT that returns rows.'', 1;
        END;
        IF EXISTS (
            SELECT 1
            FROM #describe
            WHERE column_name IS NULL OR LEN(column_name) = 0 OR column_name = N''?column?''
        )
        BEGIN
            SET @msg = N''usp_StageUpdates: the query returns a column without a name. Give every column an alias ''
                + N''(e.g. ''''In Progress'''' AS order_status).'';
            THROW 50215, @msg, 1;
        END;
        SELECT TOP (1) @names = LOWER(d.column_name)
        FROM #describe AS d
        GROUP BY LOWER(d.column_name)
        HAVING COUNT(*) > 1;
        IF @names IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N''usp_StageUpdates: the query returns the column '', @names,
                N'' twice (names are compared ignoring case). Give each column its own alias.''
            );
            THROW 50206, @msg, 1;
        END;
        IF EXISTS (
            SELECT 1
            FROM #describe
            WHERE LOWER(column_name) = N''mon_stage_row_no''
        )
        BEGIN
            SET @msg = N''usp_StageUpdates: the query returns a column named mon_stage_row_no, a name this procedure ''
                + N''uses for the row numbers. Give that column another alias.'';
            THROW 50206, @msg, 1;
        END;
        -- the type as it is declared: varchar(20), nvarchar(max), decimal(18,4), datetime2(7), with the
        -- collation of character columns kept (a varchar keeps its code page in tempdb)
        UPDATE #describe
        SET system_type_name = type_name
            + CASE
                WHEN type_name IN (N''varchar'', N''char'', N''varbinary'', N''binary'')
                    THEN N''('' + CASE WHEN max_length = -1 THEN N''max'' ELSE CONVERT(nvarchar(10), max_length) END + N'')''
                WHEN type_name IN (N''nvarchar'', N''nchar'')
                    THEN N''('' + CASE WHEN max_length = -1 THEN N''max'' ELSE CONVERT(nvarchar(10), max_length / 2) END
                    + N'')''
                WHEN type_name IN (N''decimal'', N''numeric'')
                    THEN N''('' + CONVERT(nvarchar(10), [precision]) + N'','' + CONVERT(nvarchar(10), [scale]) + N'')''
                WHEN type_name IN (N''datetime2'', N''time'', N''datetimeoffset'')
                    THEN N''('' + CONVERT(nvarchar(10), [scale]) + N'')''
                ELSE N''''
            END;
        SELECT @names = STRING_AGG(k.key_name, N'', '') WITHIN GROUP (ORDER BY k.ord ASC)
        FROM (
            VALUES
            (1, N''monday_item_id'', ''UPDATE'', NULL),
            (2, N''item_name'', ''CREATE'', NULL),
            (3, N''parent_item_id'', ''CREATE'', ''SUBITEMS'')
        ) AS k(ord, key_name, operation, target_level)
        WHERE
            k.operation = @op AND (k.target_level IS NULL OR k.target_level = @level)
            AND NOT EXISTS (
                SELECT 1
                FROM #describe AS d
                WHERE LOWER(d.column_name) = k.key_name
            );
        IF @names IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N''usp_StageUpdates: the query returns no column '', @names, N'', which '',
                CASE
                    WHEN @op = ''UPDATE'' THEN N''an UPDATE''
                    WHEN @level = ''SUBITEMS'' THEN N''a CREATE of subitems''
                    ELSE N''a CREATE''
                END,
                N'' needs. '',
                CASE
                    WHEN @op = ''UPDATE''
                        THEN N''Return the id of each item (e.g. SELECT s.monday_item_id, ...), or stage with ''
                        + N''@update_operation = ''''CREATE''''.''
                    ELSE N''Return the new item''''s name AS item_name (and parent_item_id for subitems).''
                END
            );
            THROW 50207, @msg, 1;
        END;
        SELECT TOP (1) @names = CONCAT(d.column_name, N'' ('', d.system_type_name, N'')'')
        FROM #describe AS d
        WHERE dbo.fn_MON_Private_StringifyExpr(N''q.c'' + CONVERT(nvarchar(10), d.column_ordinal), d.system_type_name)
            IS NULL;
        IF @names IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N''usp_StageUpdates: the query returns the column '', @names,
                N'', whose type cannot be staged. CAST it to nvarchar in the query.''
            );
            THROW 50213, @msg, 1;
        END;

        -- 4. run the query once, with the caller''s permissions, into #capture: INSERT INTO #capture placed before
        -- its final SELECT (after the CTE list), so the rows keep the query''s ORDER BY in mon_stage_row_no
        -- (its columns are named c<ordinal>: a column''s name, which may hold any character, never enters dynamic SQL)
        CREATE TABLE #capture (mon_stage_row_no int IDENTITY (1, 1) NOT NULL PRIMARY KEY);
        DECLARE column_cursor CURSOR LOCAL FAST_FORWARD FOR
        SELECT
            N''ALTER TABLE #capture ADD c'' + CONVERT(nvarchar(10), d.column_ordinal) + N'' ''
            + CASE
                WHEN d.type_name IN (N''timestamp'', N''rowversion'') THEN N''varbinary(8)''
                ELSE d.system_type_name
            END
            + CASE
                WHEN d.collation_name IS NOT NULL AND d.type_name IN (N''varchar'', N''char'', N''nvarchar'', N''nchar'')
                    THEN N'' COLLATE '' + d.collation_name
                ELSE N''''
            END + N'' NULL;'' AS add_column
        FROM #describe AS d
        ORDER BY d.column_ordinal;
        OPEN column_cursor;
        FETCH NEXT FROM column_cursor INTO @dynamic;
        WHILE @@FETCH_STATUS = 0
        BEGIN
            -- one column per ALTER TABLE: the T-SQL subset every engine runs
            EXEC sys.sp_executesql @dynamic;
            FETCH NEXT FROM column_cursor INTO @dynamic;
        END;
        CLOSE column_cursor;
        DEALLOCATE column_cursor;
        SELECT
            @names = STRING_AGG(CAST(N''c'' + CONVERT(nvarchar(10), d.column_ordinal) AS nvarchar(MAX)), N'', '')
            WITHIN GROUP (ORDER BY d.column_ordinal ASC)
        FROM #describe AS d;
        SET @dynamic = @ctes + N''INSERT INTO #capture ('' + @names + N'')'' + NCHAR(10) + @body + NCHAR(10) + N'';'';
        BEGIN TRY
            EXEC sys.sp_executesql @dynamic;
        END TRY
        BEGIN CATCH
            SET @msg = LEFT(CONCAT(
                N''usp_StageUpdates: the query failed when it ran: '', ERROR_MESSAGE(), N'' (error '', ERROR_NUMBER(),
                N''). Nothing was staged; fix the query (or the caller''''s permissions) and stage again.''
            ), 2048);
            THROW 50204, @msg, 1;
        END CATCH;
        SELECT @rows = COUNT(*) FROM #capture;

        IF @rows = 0
        BEGIN
            SET @msg = N''usp_StageUpdates: the query returned no rows: nothing was staged and no batch was''
                + N'' created. Run the query on its own to check its WHERE clause and joins, then stage again.'';
            THROW 50217, @msg, 1;
        END;
        ELSE
        BEGIN
            -- 4. key values must fit their columns ----------------------------------------------------------------
            DECLARE key_cursor CURSOR LOCAL FAST_FORWARD FOR
            SELECT
                d.column_name,
                dbo.fn_MON_Private_StringifyExpr(
                    N''q.c'' + CONVERT(nvarchar(10), d.column_ordinal), d.system_type_name
                ) AS expr
            FROM #describe AS d
            WHERE
                LOWER(d.column_name) IN (
                    N''monday_item_id'', N''monday_board_id'', N''item_name'', N''group_id'', N''parent_item_id''
                )
            ORDER BY d.column_ordinal;
            OPEN key_cursor;
            FETCH NEXT FROM key_cursor INTO @col_name, @expr;
            WHILE @@FETCH_STATUS = 0
            BEGIN
                SET @bad_row = NULL;
                IF LOWER(@col_name) IN (N''monday_item_id'', N''monday_board_id'', N''parent_item_id'')
                BEGIN
                    SET @dynamic = N''SELECT TOP (1) @n = q.mon_stage_row_no, @v = LEFT('' + @expr + N'', 100)
FROM #capture AS q
WHERE '' + @expr + N'' IS NOT NULL
    AND NOT (
        LTRIM(RTRIM('' + @expr + N'')) NOT LIKE N''''%[^0-9+-]%''''
        AND LEN(LTRIM(RTRIM('' + @expr + N''))) BETWEEN 1 AND 20
        AND TRY_CONVERT(bigint, LTRIM(RTRIM('' + @expr + N''))) IS NOT NULL
    )
ORDER BY q.mon_stage_row_no;'';
                    EXEC sys.sp_executesql
                        @dynamic,
                        N''@n int OUTPUT, @v nvarchar(200) OUTPUT'',
                        @n = @bad_row OUTPUT,
                        @v = @bad_value OUTPUT;
                    IF @bad_row IS NOT NULL
                    BEGIN
                        SET @msg = CONCAT(
                            N''usp_StageUpdates: row '', @bad_row, N'': '', LOWER(@col_name), N'' '''''', @bad_value,
                            N'''''' is not a whole number. Return the monday id as a number (e.g. CAST(x AS bigint)).''
                        );
                        THROW 50208, @msg, 1;
                    END;
                    SET @expr = N''TRY_CONVERT(bigint, LTRIM(RTRIM('' + @expr + N'')))'';
                    IF LOWER(@col_name) = N''monday_item_id'' SET @key_item = @expr;
                    IF LOWER(@col_name) = N''parent_item_id'' SET @key_parent = @expr;
                END;
                ELSE
                BEGIN
                    SET @limit = CASE WHEN LOWER(@col_name) = N''item_name'' THEN 255 ELSE 100 END;
                    -- counted in UTF-16 code units, as validation counts (an emoji is two), trailing spaces included:
                    -- LEN under a binary collation (not _SC) counts code units; the ''.'' keeps trailing spaces
                    SET @dynamic = N''SELECT TOP (1) @n = q.mon_stage_row_no, @v = CONVERT(nvarchar(200), ''
                        + N''LEN(CAST('' + @expr + N'' AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N''''.'''') - 1)
FROM #capture AS q
WHERE LEN(CAST('' + @expr + N'' AS nvarchar(MAX)) COLLATE Latin1_General_100_BIN2 + N''''.'''') - 1 > @limit
ORDER BY q.mon_stage_row_no;'';
                    EXEC sys.sp_executesql
                        @dynamic,
                        N''@limit int, @n int OUTPUT, @v nvarchar(200) OUTPUT'',
                        @limit = @limit,
                        @n = @bad_row OUTPUT,
                        @v = @bad_value OUTPUT;
                    IF @bad_row IS NOT NULL
                    BEGIN
                        SET @msg = CONCAT(
                            N''usp_StageUpdates: row '', @bad_row, N'': '', LOWER(@col_name), N'' has '', @bad_value,
                            N'' characters; at most '', @limit, N'' fit (monday item names are 1-255 characters). '',
                            N''Shorten it in the query, e.g. LEFT(x, '', @limit, N'').''
                        );
                        THROW 50209, @msg, 1;
                    END;
                    IF LOWER(@col_name) = N''item_name'' SET @key_name = N''CONVERT(nvarchar(255), '' + @expr + N'')'';
                    IF LOWER(@col_name) = N''group_id'' SET @key_group = N''CONVERT(nvarchar(100), '' + @expr + N'')'';
                END;
                FETCH NEXT FROM key_cursor INTO @col_name, @expr;
            END;
            CLOSE key_cursor;
            DEALLOCATE key_cursor;

            -- 5. update_fields: {"alias":"text"|null,...} in query column order -----------------------------------
            -- The dynamic SQL makes each value text, one row per value (CROSS APPLY VALUES, field_no the column''s
            -- ordinal); static SQL then writes the JSON, escaping keys and values with fn_MON_Private_JsonEscape
            -- (the caller holds no right on that function: the dynamic SQL does not name it). Each item is cast to
            -- nvarchar(MAX) in the database''s collation: VALUES types its column from all its rows, so an nchar(10)
            -- date next to an nchar(8) time would pad the time, and two collations would conflict (Msg 451).
            SELECT
                @fields = STRING_AGG(
                    CAST(
                        N''('' + CONVERT(nvarchar(10), d.column_ordinal) + N'', CAST(''
                        + dbo.fn_MON_Private_StringifyExpr(
                            N''q.c'' + CONVERT(nvarchar(10), d.column_ordinal), d.system_type_name
                        ) + N'' AS nvarchar(MAX)) COLLATE DATABASE_DEFAULT)'' AS nvarchar(MAX)
                    ),
                    N'', ''
                ) WITHIN GROUP (ORDER BY d.column_ordinal ASC)
            FROM #describe AS d
            WHERE
                LOWER(d.column_name) NOT IN (
                    N''monday_item_id'', N''monday_board_id'', N''item_name'', N''group_id'', N''parent_item_id''
                );

            SET @new_batch = COALESCE(
                @batch_id,
                ''UB'' + REPLACE(REPLACE(REPLACE(CONVERT(varchar(19), SYSUTCDATETIME(), 120), ''-'', ''''), '' '', ''''), '':'', '''')
                + ''-'' + LOWER(LEFT(REPLACE(CONVERT(varchar(36), NEWID()), ''-'', ''''), 6))
            );
            SET @msg = CONCAT(
                N''usp_StageUpdates: batch '', @new_batch,
                N'' exists already. Pass another @batch_id, or NULL for a new one.''
            );
            IF EXISTS (
                SELECT 1
                FROM dbo.MON_UpdateBatch
                WHERE batch_id = @new_batch
            )
            BEGIN
                THROW 50202, @msg, 1;
            END;
            -- the rows in their final shape, built by dynamic SQL into a temp table; the staging tables are then
            -- written by static SQL (ownership chaining: the caller needs no INSERT permission on them)
            CREATE TABLE #staged (
                update_row_no int NOT NULL PRIMARY KEY,
                monday_item_id bigint NULL,
                item_name nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
                group_id nvarchar(100) COLLATE DATABASE_DEFAULT NULL,
                parent_item_id bigint NULL,
                update_fields nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL
            );
            CREATE TABLE #staged_value (
                update_row_no int NOT NULL,
                field_no int NOT NULL,
                value_text nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
                PRIMARY KEY (update_row_no, field_no)
            );
            SET @dynamic = N''INSERT INTO #staged (update_row_no, monday_item_id, item_name, group_id, parent_item_id)
SELECT q.mon_stage_row_no, '' + @key_item + N'', '' + @key_name + N'', '' + @key_group + N'', '' + @key_parent + N''
FROM #capture AS q;''
                + COALESCE(N''
INSERT INTO #staged_value (update_row_no, field_no, value_text)
SELECT q.mon_stage_row_no, v.field_no, v.value_text
FROM #capture AS q
CROSS APPLY (VALUES '' + @fields + N'') AS v (field_no, value_text);'', N'''');
            EXEC sys.sp_executesql @dynamic;
            -- the JSON of each row''s fields, in column order (''{}'' for a row of keys only)
            WITH field AS (
                SELECT
                    d.column_ordinal,
                    esc.escaped AS key_json
                FROM #describe AS d
                CROSS APPLY dbo.fn_MON_Private_JsonEscape(d.column_name) AS esc
            ),

            row_fields AS (
                SELECT
                    sv.update_row_no,
                    N''{'' + STRING_AGG(
                        CAST(
                            N''"'' + f.key_json + N''":''
                            + CASE WHEN sv.value_text IS NULL THEN N''null'' ELSE N''"'' + val.escaped + N''"'' END
                            AS nvarchar(MAX)
                        ),
                        N'',''
                    ) WITHIN GROUP (ORDER BY sv.field_no ASC) + N''}'' AS update_fields
                FROM #staged_value AS sv
                INNER JOIN field AS f ON sv.field_no = f.column_ordinal
                CROSS APPLY dbo.fn_MON_Private_JsonEscape(sv.value_text) AS val
                GROUP BY sv.update_row_no
            )

            UPDATE s
            SET s.update_fields = COALESCE(rf.update_fields, N''{}'')
            FROM #staged AS s
            LEFT JOIN row_fields AS rf ON s.update_row_no = rf.update_row_no;

            -- one short transaction writes the batch and its rows; the rows go into the owner''s table in statements
            -- of at most 4,000 rows, below the 5,000 locks at which SQL Server escalates a statement''s row locks to a
            -- table lock: row locks only (lock-memory pressure aside), held until this COMMIT. A loader''s TRUNCATE,
            -- ALTER or TABLOCK load waits for that COMMIT. Validation runs after it, in transactions of its own:
            -- its reads of the owner''s rows hold nothing of this one.
            BEGIN TRANSACTION;

            BEGIN TRY
                INSERT INTO dbo.MON_UpdateBatch (
                    batch_id, board_id, target_level, update_operation, source_table, source_query,
                    create_labels_if_missing, batch_status, rows_staged
                )
                VALUES (@new_batch, @board_id, @level, @op, @source_table, @query, @labels, ''STAGED'', @rows);
            END TRY
            BEGIN CATCH
                -- a concurrent stage with the same @batch_id committed its batch after the check above
                IF ERROR_NUMBER() IN (2601, 2627)
                BEGIN
                    THROW 50202, @msg, 1;
                END;
                THROW;
            END CATCH;

            -- a staged row carries no monday_board_id: its board is its batch''s (MON_UpdateBatch.board_id), and
            -- queries over the loader''s rows (WHERE monday_board_id = ...) never read staged copies back; nor
            -- source_query: the query text is kept once, in MON_UpdateBatch.source_query, not once per row
            SET @chunk_from = 1;
            WHILE @chunk_from <= @rows
            BEGIN
                IF @level = ''ITEMS''
                BEGIN
                    INSERT INTO dbo.STG_MON_CustMasterSchedule WITH (ROWLOCK) (
                        monday_item_id, monday_board_id, item_name, group_id, update_operation, update_fields,
                        source_table, source_query, update_batch_id, validation_status, validation_errors, update_row_no
                    )
                    SELECT
                        s.monday_item_id,
                        CAST(NULL AS bigint) AS monday_board_id,
                        s.item_name,
                        s.group_id,
                        @op AS update_operation,
                        s.update_fields,
                        @source_table AS source_table,
                        CAST(NULL AS nvarchar(MAX)) AS source_query,
                        @new_batch AS update_batch_id,
                        ''PENDING'' AS validation_status,
                        NULL AS validation_errors,
                        s.update_row_no
                    FROM #staged AS s
                    WHERE s.update_row_no BETWEEN @chunk_from AND @chunk_from + 3999
                    ORDER BY s.update_row_no;
                END;
                ELSE
                BEGIN
                    INSERT INTO dbo.STG_MON_CustMasterSchedule_Subitems WITH (ROWLOCK) (
                        monday_item_id, monday_board_id, parent_item_id, item_name, group_id, update_operation,
                        update_fields, source_table, source_query, update_batch_id, validation_status,
                        validation_errors, update_row_no
                    )
                    SELECT
                        s.monday_item_id,
                        CAST(NULL AS bigint) AS monday_board_id,
                        s.parent_item_id,
                        s.item_name,
                        s.group_id,
                        @op AS update_operation,
                        s.update_fields,
                        @source_table AS source_table,
                        CAST(NULL AS nvarchar(MAX)) AS source_query,
                        @new_batch AS update_batch_id,
                        ''PENDING'' AS validation_status,
                        NULL AS validation_errors,
                        s.update_row_no
                    FROM #staged AS s
                    WHERE s.update_row_no BETWEEN @chunk_from AND @chunk_from + 3999
                    ORDER BY s.update_row_no;
                END;
                SET @chunk_from = @chunk_from + 4000;
            END;

            COMMIT TRANSACTION;
            SET @batch_id = @new_batch;

            -- the batch is staged; a failure of validation leaves it STAGED with its rows PENDING, and the error
            -- says so: usp_ValidateStagedUpdates validates it again
            BEGIN TRY
                BEGIN TRANSACTION;
                EXEC dbo.usp_Private_ValidateBatch @batch_id = @new_batch;
                COMMIT TRANSACTION;
            END TRY
            BEGIN CATCH
                IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
                SET @error_number = ERROR_NUMBER();
                SET @error_message = LEFT(CONCAT(
                    ERROR_MESSAGE(), N'' Batch '', @new_batch, N'' was staged ('', @rows, N'' rows) before its validation '',
                    N''failed; its rows stay PENDING: validate it again with EXEC dbo.usp_ValidateStagedUpdates '',
                    N''@batch_id = '''''', @new_batch, N'''''';''
                ), 2048);
                EXEC dbo.usp_Private_CloseRunLog
                    @run_id = @run_id,
                    @outcome = ''FAILED'',
                    @error_number = @error_number,
                    @error_message = @error_message,
                    @batch_id = @new_batch;
                SET @run_id = NULL;
                -- a project error keeps its number (THROW takes user numbers only); a system error is re-raised as is
                IF @error_number > 49999
                BEGIN
                    THROW @error_number, @error_message, 1;
                END;
                THROW;
            END CATCH;
        END;

        SELECT
            @rows_staged = COALESCE(MAX(ub.rows_staged), 0),
            @rows_valid = COALESCE(MAX(ub.rows_valid), 0),
            @rows_warning = COALESCE(MAX(ub.rows_warning), 0),
            @rows_invalid = COALESCE(MAX(ub.rows_invalid), 0),
            @batch_status = MAX(ub.batch_status)
        FROM dbo.MON_UpdateBatch AS ub
        WHERE ub.batch_id = @batch_id;

        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = ''SUCCEEDED'',
            @rows_affected = @rows_staged,
            @batch_id = @batch_id;

        SET @msg = CONCAT(
            N''Batch '', @batch_id, N'' staged '', @rows_staged, N'' rows for board '', @board_id,
            N'' ('', @op, N'' '', @level,
            N''): '', @rows_valid, N'' valid, '', @rows_warning, N'' warning, '', @rows_invalid, N'' invalid.''
        );
        PRINT @msg;

        SELECT
            @batch_id AS batch_id,
            @board_id AS board_id,
            @level AS target_level,
            @op AS update_operation,
            @batch_status AS batch_status,
            @rows_staged AS rows_staged,
            @rows_valid AS rows_valid,
            @rows_warning AS rows_warning,
            @rows_invalid AS rows_invalid,
            CASE
                WHEN @rows_invalid + @rows_warning > 0
                    THEN N''SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = '''''' + @batch_id + N'''''';''
                ELSE N''EXEC dbo.usp_ReleaseBatch @batch_id = '''''' + @batch_id + N'''''';''
            END AS next_step;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        SET @error_number = ERROR_NUMBER();
        SET @error_message = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id,
            @outcome = ''FAILED'',
            @error_number = @error_number,
            @error_message = @error_message;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_StageUpdates.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_ValidationErrors.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_ValidationErrors: one row per validation finding of the staged rows (both staging tables): which
-- batch, row and item, which rule, which column (the query alias) and the message. Rows with no finding
-- do not appear. Same columns as the PostgreSQL twin.
--   SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = ''UB20260101120000-a1b2c3'' ORDER BY update_row_no;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_ValidationErrors;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_ValidationErrors.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_ValidationErrors
AS
SELECT
    s.update_batch_id AS batch_id,
    CAST(''ITEMS'' AS varchar(10)) AS target_level,
    s.update_row_no,
    s.monday_item_id,
    s.item_name,
    s.validation_status,
    e.severity,
    e.rule_code,
    e.column_id,
    e.message_text AS [message]
FROM dbo.STG_MON_CustMasterSchedule AS s
CROSS APPLY OPENJSON (CASE WHEN ISJSON(s.validation_errors) = 1 THEN s.validation_errors END)
    WITH (
        severity varchar(10) ''$.severity'',
        rule_code varchar(50) ''$.rule'',
        column_id nvarchar(255) ''$.column'',
        message_text nvarchar(4000) ''$.message''
    ) AS e
WHERE s.update_batch_id IS NOT NULL
UNION ALL
SELECT
    s.update_batch_id AS batch_id,
    CAST(''SUBITEMS'' AS varchar(10)) AS target_level,
    s.update_row_no,
    s.monday_item_id,
    s.item_name,
    s.validation_status,
    e.severity,
    e.rule_code,
    e.column_id,
    e.message_text AS [message]
FROM dbo.STG_MON_CustMasterSchedule_Subitems AS s
CROSS APPLY OPENJSON (CASE WHEN ISJSON(s.validation_errors) = 1 THEN s.validation_errors END)
    WITH (
        severity varchar(10) ''$.severity'',
        rule_code varchar(50) ''$.rule'',
        column_id nvarchar(255) ''$.column'',
        message_text nvarchar(4000) ''$.message''
    ) AS e
WHERE s.update_batch_id IS NOT NULL;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_ValidationErrors.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_TryJson.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_TryJson: the text itself when it is one valid JSON value (object, array, string, number,
-- true, false, null), else NULL (internal helper). SQL Server 2017''s ISJSON accepts only objects and
-- arrays, so a scalar is tested inside a one-element array. Twin of
-- db/postgres/functions/fn_MON_Private_TryJson.sql (which returns json).
--   SELECT dbo.fn_MON_Private_TryJson(N''{"index":1}''), dbo.fn_MON_Private_TryJson(N''plain text'');
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_TryJson;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_TryJson.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_TryJson(@text nvarchar(MAX))
RETURNS nvarchar(MAX)
AS
BEGIN
    DECLARE @result nvarchar(MAX) = NULL;
    IF @text IS NOT NULL
    BEGIN
        IF ISJSON(@text) = 1
        BEGIN
            SET @result = @text;
        END
        ELSE IF ISJSON(N''['' + @text + N'']'') = 1
        BEGIN
            IF (SELECT COUNT(*) FROM OPENJSON(N''['' + @text + N'']'')) = 1
            BEGIN
                SET @result = LTRIM(RTRIM(@text));
            END;
        END;
    END;
    RETURN @result;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_TryJson.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_ParseIdArray.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_ParseIdArray: the ids of a JSON array (''[41, 42]'' or ''["41", "42"]''), one row each
-- (internal helper of usp_ExtendLease / usp_ReleaseLease). An element that is not a whole number, or
-- text that is not a JSON array, gives a row whose id is NULL: callers refuse the list when one is.
-- Twin of db/postgres/functions/fn_MON_Private_ParseIdArray.sql (which returns bigint[] or NULL).
--   SELECT id FROM dbo.fn_MON_Private_ParseIdArray(N''[41, 42]'');
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_ParseIdArray;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_ParseIdArray.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_ParseIdArray(@ids nvarchar(MAX))
RETURNS table
AS
RETURN
SELECT
    TRY_CAST(
        CASE
            WHEN e.[type] IN (1, 2) AND LEN(e.[value]) BETWEEN 1 AND 18 AND e.[value] NOT LIKE N''%[^0-9]%''
                THEN e.[value]
        END AS bigint
    ) AS id
FROM OPENJSON(
    CASE WHEN ISJSON(@ids) = 1 AND LEFT(LTRIM(@ids), 1) = N''['' THEN @ids ELSE N''[null]'' END
) AS e;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_ParseIdArray.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/functions/fn_MON_Private_CellValueText.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- fn_MON_Private_CellValueText: the JSON text of one value of a cell the sender records (usp_RecordPreview,
-- usp_RecordPreImage, usp_RecordSendResult), from the two reads of OPENJSON ... WITH: @value_json (the
-- AS JSON read: an object''s or array''s text, else NULL) and @value_text (the plain read: a string''s text).
-- The sender passes each value inside a one-element array, [{"index":3}] or ["Done"] or [null], so that
-- it arrives as JSON and never as JSON text escaped inside a JSON string; the value is the text between the
-- brackets ([null] is NULL). A string holding the JSON text ("{\"index\":3}", the form of a hand-written
-- call) and an object are taken as they are; an array of more or fewer than one element is the value itself.
-- Internal helper. Twin of db/postgres/functions/fn_MON_Private_CellValueText.sql.
--   SELECT dbo.fn_MON_Private_CellValueText(N''[{"index":3}]'', NULL);  -- {"index":3}
-- dropped and created anew (the install drops every view and function first)
DROP FUNCTION IF EXISTS dbo.fn_MON_Private_CellValueText;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_CellValueText.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE FUNCTION dbo.fn_MON_Private_CellValueText(@value_json nvarchar(MAX), @value_text nvarchar(MAX))
RETURNS nvarchar(MAX)
AS
BEGIN
    DECLARE @result nvarchar(MAX) = COALESCE(@value_json, @value_text);
    IF LEFT(@value_json, 1) = N''['' AND (SELECT COUNT(*) FROM OPENJSON(@value_json)) = 1
    BEGIN
        -- the brackets end the text, so LEN (which ignores trailing spaces) counts up to the closing one
        SET @result = NULLIF(LTRIM(RTRIM(SUBSTRING(@value_json, 2, LEN(@value_json) - 2))), N''null'');
    END;
    RETURN @result;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/functions/fn_MON_Private_CellValueText.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_Private_FinishBatchIfDone.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_Private_FinishBatchIfDone: closes a batch whose queue has no open row left (internal helper).
-- Called by usp_RecordSendResult and usp_ClaimQueueRows inside their transaction, with the batch row
-- already locked (UPDLOCK). No open row (READY or CLAIMED) left:
--   COMPLETED  every row SENT or SKIPPED
--   FAILED     no row SENT and at least one FAILED or DEAD
--   PARTIAL    some rows SENT, some FAILED or DEAD
-- and completed_at is set. A batch that is not READY or SENDING is left alone.
-- Twin of db/postgres/procedures/usp_Private_FinishBatchIfDone.sql.
--   EXEC dbo.usp_Private_FinishBatchIfDone @batch_id = @batch_id, @batch_status = @status OUTPUT;
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_Private_FinishBatchIfDone'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_Private_FinishBatchIfDone AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_FinishBatchIfDone.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_Private_FinishBatchIfDone
    @batch_id varchar(50),
    @batch_status varchar(20) = NULL OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE
        @sent int,
        @bad int,
        @now datetime2(3) = SYSUTCDATETIME();

    -- called once per recorded result: while any row is open (the filtered claim index answers that
    -- without reading the batch), there is nothing to count; count the outcomes only at the end.
    -- READCOMMITTEDLOCK: a locking read whether READ_COMMITTED_SNAPSHOT is on or off. An open row that
    -- another transaction is closing right now (a claim making an expired lease DEAD, while it READPASTs
    -- this batch row because the caller holds it) is waited for and read as committed, so the last open
    -- row''s batch is never left SENDING; a row version read under RCSI would still show it open, and the
    -- claim would not finish the batch either. The claim never waits for a batch row: no deadlock.
    IF NOT EXISTS (
        SELECT 1 FROM dbo.MON_UpdateQueue AS q WITH (READCOMMITTEDLOCK)
        WHERE q.batch_id = @batch_id AND q.queue_status IN (''READY'', ''CLAIMED'')
    )
    BEGIN
        SELECT
            @sent = COUNT(CASE WHEN q.queue_status = ''SENT'' THEN 1 END),
            @bad = COUNT(CASE WHEN q.queue_status IN (''FAILED'', ''DEAD'') THEN 1 END)
        FROM dbo.MON_UpdateQueue AS q WITH (READCOMMITTEDLOCK)
        WHERE q.batch_id = @batch_id;

        UPDATE dbo.MON_UpdateBatch
        SET
            batch_status = CASE
                WHEN @bad = 0 THEN ''COMPLETED''
                WHEN @sent = 0 THEN ''FAILED''
                ELSE ''PARTIAL''
            END,
            send_started_at = COALESCE(send_started_at, @now),
            completed_at = @now
        WHERE batch_id = @batch_id
            AND batch_status IN (''READY'', ''SENDING'');
    END;

    SELECT @batch_status = b.batch_status
    FROM dbo.MON_UpdateBatch AS b
    WHERE b.batch_id = @batch_id;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_Private_FinishBatchIfDone.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_ClaimQueueRows.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_ClaimQueueRows: the sender''s claim. Claims up to @max_rows open rows (READY with visible_after
-- <= now, or CLAIMED with an expired lease) of ONE board, in queue_id order, and returns them.
--   * SELECT TOP (@max_rows) ... WITH (ROWLOCK, READPAST, UPDLOCK) + UPDATE ... OUTPUT: two senders
--     never get the same row, and neither waits for the other''s rows;
--   * a short transaction that commits the lease before the sender makes any HTTP call (the sender''s
--     connection is in autocommit mode);
--   * sets CLAIMED, lease_owner, lease_expires_at = now + @lease_seconds, claimed_at, attempt_count + 1,
--     and moves the batch READY -> SENDING (READPAST: a batch row locked by a result being recorded is
--     moved by that result instead, so the claim never waits for a batch lock while it holds rows);
--   * a row whose lease expired after its last allowed attempt becomes DEAD instead;
--   * a row waits while a batch released before its own still has an open row for the same item, so
--     overlapping batches reach the board in release order.
--   * only rows of a batch that is READY or SENDING are claimed (the batch gate): usp_ReleaseBatch writes a
--     large batch''s queue rows in committed chunks while the batch is still VALIDATED, and usp_CancelBatch
--     marks the batch CANCELLED before it cancels its rows in chunks. The gate is read again for the rows
--     picked, just before they are claimed, WITH (READCOMMITTEDLOCK, READPAST): a batch row a cancel has
--     changed and not committed is passed (its rows are not claimed), and a cancel that has only read its
--     batch row waits for this claim''s row locks and then finds the rows leased (50505);
--   * the catch-all filters (@batch_id / @board_id IS NULL OR ...) are compiled per call (OPTION (RECOMPILE)),
--     so that a plan cached for one batch is not reused for all batches.
-- @batch_id is compared exactly (case and trailing spaces count, as on PostgreSQL).
-- The rows are returned after COMMIT, in queue_id order.
-- Twin of db/postgres/procedures/usp_ClaimQueueRows.sql (a FUNCTION RETURNS TABLE there).
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_ClaimQueueRows'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_ClaimQueueRows AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ClaimQueueRows.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_ClaimQueueRows
    @worker_id varchar(100) = NULL,
    @batch_id varchar(50) = NULL,
    @board_id bigint = NULL,
    @max_rows int = 50,
    @lease_seconds int = 300,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_ClaimQueueRows: claims open send-queue rows of one board for a worker, with a lease.
Returns the claimed rows (queue_id order); the sender sends them, then records each result with
dbo.usp_RecordSendResult. A row whose lease expires is claimable again (was_expired = ''''Y'''').

Parameters:
  @worker_id     varchar(100)  required  who claims (host:pid); results are fenced on it
  @batch_id      varchar(50)   NULL      only rows of this batch; NULL: any released batch
  @board_id      bigint        NULL      only rows of this board; NULL: the board of the oldest open row
  @max_rows      int           50        1..1000 rows per claim
  @lease_seconds int           300       1..86400 seconds until the lease expires
  @help          char(1)       ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  EXEC dbo.usp_ClaimQueueRows @worker_id = ''''dba-test'''', @batch_id = ''''UB20260101-0001'''', @max_rows = 10;
  EXEC dbo.usp_ClaimQueueRows @worker_id = ''''sender-1'''', @board_id = 8709134353, @lease_seconds = 120;'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_ClaimQueueRows'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(
            @errors + N'' '',
            N''@worker_id is required: pass a name that identifies the sender process, e.g. ''''host-1:4711''''.''
        );
    END;
    IF @max_rows IS NULL OR @max_rows NOT BETWEEN 1 AND 1000
    BEGIN
        SET @first = COALESCE(@first, 50602);
        SET @errors = CONCAT(
            @errors + N'' '', N''@max_rows = '', COALESCE(CAST(@max_rows AS nvarchar(20)), N''NULL''),
            N'' is not supported: pass a number of rows from 1 to 1000.''
        );
    END;
    IF @lease_seconds IS NULL OR @lease_seconds NOT BETWEEN 1 AND 86400
    BEGIN
        SET @first = COALESCE(@first, 50603);
        SET @errors = CONCAT(
            @errors + N'' '', N''@lease_seconds = '', COALESCE(CAST(@lease_seconds AS nvarchar(20)), N''NULL''),
            N'' is not supported: pass a lease from 1 to 86400 seconds.''
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N''EXEC dbo.usp_ClaimQueueRows @worker_id = '',
            COALESCE(N'''''''' + REPLACE(@worker_id, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @batch_id = '', COALESCE(N'''''''' + REPLACE(@batch_id, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @board_id = '', COALESCE(CAST(@board_id AS nvarchar(20)), N''NULL''),
            N'', @max_rows = '', @max_rows, N'', @lease_seconds = '', @lease_seconds, N'';''
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_ClaimQueueRows'', @batch_id = @batch_id, @parameters_used = @params, @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @pick_board bigint = @board_id,
        @dead_batch varchar(50),
        @status varchar(20),
        @count int = 0;
    DECLARE @claimed TABLE (
        queue_id bigint NOT NULL PRIMARY KEY,
        batch_id varchar(50) NOT NULL,
        was_expired char(1) NOT NULL
    );
    DECLARE @dead TABLE (batch_id varchar(50) NOT NULL);
    DECLARE @candidate TABLE (queue_id bigint NOT NULL PRIMARY KEY);

    BEGIN TRY
        BEGIN TRANSACTION;

        -- expired leases after the last allowed attempt: DEAD, not claimed again
        UPDATE q
        SET
            q.queue_status = ''DEAD'',
            q.completed_at = @now,
            q.last_error_code = ''LEASE_EXPIRED'',
            q.last_error = LEFT(CONCAT(
                N''the lease of '', q.lease_owner, N'' expired on attempt '', q.attempt_count, N'' of '', q.max_attempts,
                N'' with no result recorded; the row may or may not have reached the board:'',
                N'' check the item on monday, then stage it again if needed''
            ), 4000),
            q.lease_owner = NULL,
            q.lease_expires_at = NULL
        OUTPUT INSERTED.batch_id INTO @dead (batch_id)
        FROM dbo.MON_UpdateQueue AS q WITH (ROWLOCK, READPAST, UPDLOCK)
        WHERE q.queue_status = ''CLAIMED''
            AND q.lease_expires_at <= @now
            AND q.attempt_count >= q.max_attempts
            AND (@batch_id IS NULL OR q.batch_id = @batch_id)
            AND (@board_id IS NULL OR q.board_id = @board_id)
        OPTION (RECOMPILE);

        WHILE EXISTS (SELECT 1 FROM @dead)
        BEGIN
            SELECT TOP (1) @dead_batch = d.batch_id FROM @dead AS d;
            DELETE FROM @dead
            WHERE batch_id = @dead_batch;
            IF EXISTS (
                SELECT 1 FROM dbo.MON_UpdateBatch AS b WITH (ROWLOCK, UPDLOCK, READPAST)
                WHERE b.batch_id = @dead_batch
            )
            BEGIN
                EXEC dbo.usp_Private_FinishBatchIfDone @batch_id = @dead_batch, @batch_status = @status OUTPUT;
            END;
        END;

        -- one board per claim: the requested one, else the board of the oldest claimable row
        IF @pick_board IS NULL
        BEGIN
            SELECT TOP (1) @pick_board = q.board_id
            FROM dbo.MON_UpdateQueue AS q WITH (ROWLOCK, READPAST)
            WHERE (@batch_id IS NULL OR q.batch_id = @batch_id)
                -- the filter of IX_MON_UpdateQueue_claim, spelled out so that the index matches
                AND q.queue_status IN (''READY'', ''CLAIMED'')
                AND (
                    (q.queue_status = ''READY'' AND q.visible_after <= @now)
                    OR (q.queue_status = ''CLAIMED'' AND q.lease_expires_at <= @now)
                )
                AND EXISTS (
                    SELECT 1 FROM dbo.MON_UpdateBatch AS gate WITH (READCOMMITTEDLOCK, READPAST)
                    WHERE
                        gate.batch_id = q.batch_id AND gate.batch_status IN (''READY'', ''SENDING'')
                        AND gate.send_approved = ''Y''
                )
            ORDER BY q.queue_id
            OPTION (RECOMPILE);
        END;

        IF @pick_board IS NOT NULL
        BEGIN
            -- the candidates, read without keeping a lock (READPAST: rows another sender holds are passed): a
            -- batch held back by an earlier one on the same items is read by the seek and dropped by the
            -- overlap test, and only the rows that pass are locked below (no U lock per row read)
            INSERT INTO @candidate (queue_id)
            SELECT TOP (@max_rows) q.queue_id
            FROM dbo.MON_UpdateQueue AS q WITH (ROWLOCK, READPAST)
            WHERE q.board_id = @pick_board
                AND (
                    @batch_id IS NULL
                    OR (
                        q.batch_id = @batch_id
                        AND q.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
                        AND DATALENGTH(q.batch_id) = DATALENGTH(@batch_id)
                    )
                )
                AND q.queue_status IN (''READY'', ''CLAIMED'')
                AND (
                    (q.queue_status = ''READY'' AND q.visible_after <= @now)
                    OR (
                        q.queue_status = ''CLAIMED''
                        AND q.lease_expires_at <= @now
                        AND q.attempt_count < q.max_attempts
                    )
                )
                -- overlapping batches go in release order: a row waits while a batch released before its
                -- own still has an open row for the same item. Read uncommitted, on purpose: two claims
                -- never wait on each other''s rows (no deadlock), and a row read as still open that is
                -- being closed only makes this row wait for the next claim
                AND NOT EXISTS (
                    SELECT 1
                    FROM dbo.MON_UpdateQueue AS o WITH (READUNCOMMITTED)
                    INNER JOIN dbo.MON_UpdateBatch AS ob WITH (READUNCOMMITTED) ON o.batch_id = ob.batch_id
                    INNER JOIN dbo.MON_UpdateBatch AS qb WITH (READUNCOMMITTED) ON q.batch_id = qb.batch_id
                    WHERE
                        o.monday_item_id = q.monday_item_id
                        AND o.queue_status IN (''READY'', ''CLAIMED'')
                        AND o.batch_id <> q.batch_id
                        AND (
                            ob.released_at < qb.released_at
                            OR (ob.released_at = qb.released_at AND ob.batch_id < qb.batch_id)
                        )
                )
                AND EXISTS (
                    SELECT 1 FROM dbo.MON_UpdateBatch AS gate WITH (READCOMMITTEDLOCK, READPAST)
                    WHERE
                        gate.batch_id = q.batch_id AND gate.batch_status IN (''READY'', ''SENDING'')
                        AND gate.send_approved = ''Y''
                )
            ORDER BY q.queue_id
            OPTION (RECOMPILE);

            -- pick, then update: the pick''s UPDLOCK holds the rows until COMMIT, READPAST skips rows another
            -- sender holds, so two senders never claim the same row (and no UPDATE through a CTE). Only the
            -- candidates are read, by their key, and their claimable state is tested again under the lock
            INSERT INTO @claimed (queue_id, batch_id, was_expired)
            SELECT
                q.queue_id,
                q.batch_id,
                CASE WHEN q.queue_status = ''CLAIMED'' THEN ''Y'' ELSE ''N'' END AS was_expired
            FROM @candidate AS c
            INNER JOIN dbo.MON_UpdateQueue AS q WITH (ROWLOCK, READPAST, UPDLOCK) ON c.queue_id = q.queue_id
            WHERE
                (q.queue_status = ''READY'' AND q.visible_after <= @now)
                OR (
                    q.queue_status = ''CLAIMED''
                    AND q.lease_expires_at <= @now
                    AND q.attempt_count < q.max_attempts
                );

            -- the gate again, for the rows picked (their U locks are held): a batch cancelled meanwhile, or
            -- being cancelled (its row X-locked: passed), keeps its rows
            DELETE c
            FROM @claimed AS c
            WHERE NOT EXISTS (
                SELECT 1 FROM dbo.MON_UpdateBatch AS gate WITH (READCOMMITTEDLOCK, READPAST)
                WHERE
                    gate.batch_id = c.batch_id AND gate.batch_status IN (''READY'', ''SENDING'')
                    AND gate.send_approved = ''Y''
            );

            UPDATE q
            SET
                q.queue_status = ''CLAIMED'',
                q.lease_owner = @worker_id,
                q.lease_expires_at = DATEADD(SECOND, @lease_seconds, @now),
                q.claimed_at = @now,
                q.attempt_count = q.attempt_count + 1
            FROM dbo.MON_UpdateQueue AS q
            INNER JOIN @claimed AS c ON q.queue_id = c.queue_id
            -- the pick''s condition again: a row another claim took in between is not taken twice (SQL Server''s
            -- UPDLOCK already prevents that; an engine that ignores the hint re-reads the row here)
            WHERE
                (q.queue_status = ''READY'' AND q.visible_after <= @now)
                OR (
                    q.queue_status = ''CLAIMED''
                    AND q.lease_expires_at <= @now
                    AND q.attempt_count < q.max_attempts
                );
            -- keep the rows this call holds now (this transaction''s locks keep them so until COMMIT)
            DELETE c
            FROM @claimed AS c
            WHERE NOT EXISTS (
                SELECT 1 FROM dbo.MON_UpdateQueue AS q
                WHERE
                    q.queue_id = c.queue_id
                    AND q.queue_status = ''CLAIMED''
                    AND q.claimed_at = @now
                    AND q.lease_owner = @worker_id COLLATE Latin1_General_100_BIN2
                    AND DATALENGTH(q.lease_owner) = DATALENGTH(@worker_id)
            );
            SELECT @count = COUNT(*) FROM @claimed;

            UPDATE b
            SET
                b.batch_status = ''SENDING'',
                b.send_started_at = COALESCE(b.send_started_at, @now)
            FROM dbo.MON_UpdateBatch AS b WITH (ROWLOCK, READPAST)
            WHERE b.batch_status = ''READY''
                AND b.batch_id IN (SELECT c.batch_id FROM @claimed AS c);
        END;

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @count;

        SELECT
            q.queue_id,
            q.batch_id,
            q.board_id,
            b.target_level,
            q.update_operation,
            q.monday_item_id,
            q.parent_item_id,
            q.group_id,
            q.item_name,
            q.column_values,
            q.expected_values,
            q.create_labels_if_missing,
            q.idempotency_key,
            q.attempt_count,
            q.max_attempts,
            q.created_item_id,
            q.lease_expires_at,
            c.was_expired
        FROM @claimed AS c
        INNER JOIN dbo.MON_UpdateQueue AS q ON c.queue_id = q.queue_id
        INNER JOIN dbo.MON_UpdateBatch AS b ON q.batch_id = b.batch_id
        ORDER BY q.queue_id;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_message nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_message;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ClaimQueueRows.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_ExtendLease.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_ExtendLease: extends the leases a worker holds (a long send keeps its rows). Fenced: only rows
-- CLAIMED by @worker_id are extended (an expired lease nobody took over yet is extended too); @extended
-- says how many, so a sender that gets fewer than it asked for knows it lost those rows and must not
-- record results for them. Twin of db/postgres/procedures/usp_ExtendLease.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_ExtendLease'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_ExtendLease AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ExtendLease.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_ExtendLease
    @worker_id varchar(100) = NULL,
    @queue_ids nvarchar(MAX) = NULL,
    @lease_seconds int = 300,
    @extended int = NULL OUTPUT,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_ExtendLease: extends the leases of queue rows the worker holds.

Parameters:
  @worker_id     varchar(100)   required  the worker that holds the leases
  @queue_ids     nvarchar(max)  required  JSON array of queue ids, e.g. ''''[41, 42]''''
  @lease_seconds int            300       1..86400: the new lease runs this long from now
  @extended      int            OUTPUT    how many rows were extended (rows not held by the worker are not)
  @help          char(1)        ''''N''''       ''''Y'''' prints this text and does nothing else

Example:
  DECLARE @n int;
  EXEC dbo.usp_ExtendLease @worker_id = ''''sender-1'''', @queue_ids = N''''[41, 42]'''', @lease_seconds = 300,
       @extended = @n OUTPUT;
  SELECT @n AS extended;'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_ExtendLease'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(@errors + N'' '', N''@worker_id is required: pass the worker id that claimed the rows.'');
    END;
    IF @queue_ids IS NULL OR EXISTS (
        SELECT 1
        FROM dbo.fn_MON_Private_ParseIdArray(@queue_ids) AS i
        WHERE i.id IS NULL
    )
    BEGIN
        SET @first = COALESCE(@first, 50604);
        SET @errors = CONCAT(
            @errors + N'' '', N''@queue_ids = '', COALESCE(N'''''''' + LEFT(@queue_ids, 200) + N'''''''', N''NULL''),
            N'' is not a JSON array of queue ids: pass e.g. ''''[41, 42]''''.''
        );
    END;
    IF @lease_seconds IS NULL OR @lease_seconds NOT BETWEEN 1 AND 86400
    BEGIN
        SET @first = COALESCE(@first, 50603);
        SET @errors = CONCAT(
            @errors + N'' '', N''@lease_seconds = '', COALESCE(CAST(@lease_seconds AS nvarchar(20)), N''NULL''),
            N'' is not supported: pass a lease from 1 to 86400 seconds.''
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N''DECLARE @n int; EXEC dbo.usp_ExtendLease @worker_id = '',
            COALESCE(N'''''''' + REPLACE(@worker_id, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @queue_ids = N'''''', REPLACE(@queue_ids, N'''''''', N''''''''''''), N'''''''',
            N'', @lease_seconds = '', @lease_seconds, N'', @extended = @n OUTPUT;''
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_ExtendLease'', @parameters_used = @params, @run_id = @run_id OUTPUT;

    BEGIN TRY
        UPDATE q
        SET q.lease_expires_at = DATEADD(SECOND, @lease_seconds, SYSUTCDATETIME())
        FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id IN (SELECT i.id FROM dbo.fn_MON_Private_ParseIdArray(@queue_ids) AS i)
            AND q.queue_status = ''CLAIMED''
            AND q.lease_owner = @worker_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(q.lease_owner) = DATALENGTH(@worker_id);
        SET @extended = @@ROWCOUNT;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @extended;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ExtendLease.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_ReleaseLease.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_ReleaseLease: gives claimed rows back (graceful stop of a sender): READY again at once, the attempt
-- not counted. Fenced: only rows CLAIMED by @worker_id. @queue_ids NULL releases every row the worker
-- holds. A SENDING batch of the released rows goes back to READY when nothing of it was sent or answered
-- (no row SENT, SKIPPED, FAILED or DEAD) and no row of it is claimed any more (e.g. monday refused the
-- token before the first row was sent). Twin of db/postgres/procedures/usp_ReleaseLease.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_ReleaseLease'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_ReleaseLease AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ReleaseLease.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_ReleaseLease
    @worker_id varchar(100) = NULL,
    @queue_ids nvarchar(MAX) = NULL,
    @released int = NULL OUTPUT,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_ReleaseLease: gives claimed queue rows back: READY at once, the attempt not counted.
A SENDING batch none of whose rows was sent or answered, and none is claimed any more, is READY again.

Parameters:
  @worker_id  varchar(100)   required  the worker that holds the leases
  @queue_ids  nvarchar(max)  NULL      JSON array of queue ids, e.g. ''''[41, 42]''''; NULL: every row the worker holds
  @released   int            OUTPUT    how many rows were released
  @help       char(1)        ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  DECLARE @n int;
  EXEC dbo.usp_ReleaseLease @worker_id = ''''sender-1'''', @queue_ids = N''''[41, 42]'''', @released = @n OUTPUT;
  EXEC dbo.usp_ReleaseLease @worker_id = ''''sender-1'''', @released = @n OUTPUT;'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_ReleaseLease'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(@errors + N'' '', N''@worker_id is required: pass the worker id that claimed the rows.'');
    END;
    IF @queue_ids IS NOT NULL AND EXISTS (
        SELECT 1
        FROM dbo.fn_MON_Private_ParseIdArray(@queue_ids) AS i
        WHERE i.id IS NULL
    )
    BEGIN
        SET @first = COALESCE(@first, 50604);
        SET @errors = CONCAT(
            @errors + N'' '', N''@queue_ids = '''''', LEFT(@queue_ids, 200),
            N'''''' is not a JSON array of queue ids: pass e.g. ''''[41, 42]'''', or NULL for every row the worker holds.''
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N''DECLARE @n int; EXEC dbo.usp_ReleaseLease @worker_id = '',
            COALESCE(N'''''''' + REPLACE(@worker_id, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @queue_ids = '', COALESCE(N''N'''''' + REPLACE(@queue_ids, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @released = @n OUTPUT;''
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_ReleaseLease'', @parameters_used = @params, @run_id = @run_id OUTPUT;

    DECLARE @rows TABLE (queue_id bigint NOT NULL PRIMARY KEY, batch_id varchar(50) COLLATE DATABASE_DEFAULT NOT NULL);
    DECLARE @locked int;

    BEGIN TRY
        BEGIN TRANSACTION;
        -- the lock order of every procedure: the batch rows first, then their queue rows (docs/sql_conventions.md);
        -- the worker''s rows and their batches are read, the batches locked, then the rows updated
        INSERT INTO @rows (queue_id, batch_id)
        SELECT
            q.queue_id,
            q.batch_id
        FROM dbo.MON_UpdateQueue AS q
        WHERE (
            @queue_ids IS NULL
            OR q.queue_id IN (SELECT i.id FROM dbo.fn_MON_Private_ParseIdArray(@queue_ids) AS i)
        )
        AND q.queue_status = ''CLAIMED''
        AND q.lease_owner = @worker_id COLLATE Latin1_General_100_BIN2
        AND DATALENGTH(q.lease_owner) = DATALENGTH(@worker_id)
        -- compiled per call: the catch-all filter (@queue_ids IS NULL OR ...) must not reuse a cached plan
        OPTION (RECOMPILE);

        SELECT @locked = COUNT(*)
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE b.batch_id IN (SELECT r.batch_id FROM @rows AS r);

        -- the fence again: a row whose lease expired meanwhile may have been claimed by another worker
        UPDATE q
        SET
            q.queue_status = ''READY'',
            q.lease_owner = NULL,
            q.lease_expires_at = NULL,
            q.visible_after = SYSUTCDATETIME(),
            q.attempt_count = CASE WHEN q.attempt_count > 0 THEN q.attempt_count - 1 ELSE 0 END
        FROM dbo.MON_UpdateQueue AS q
        INNER JOIN @rows AS r ON q.queue_id = r.queue_id
        WHERE q.queue_status = ''CLAIMED''
            AND q.lease_owner = @worker_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(q.lease_owner) = DATALENGTH(@worker_id);
        SET @released = @@ROWCOUNT;

        -- a batch whose rows all went back before anything of it was sent is READY again, not SENDING
        UPDATE b
        SET b.batch_status = ''READY''
        FROM dbo.MON_UpdateBatch AS b
        WHERE
            b.batch_id IN (SELECT r.batch_id FROM @rows AS r)
            AND b.batch_status = ''SENDING''
            AND NOT EXISTS (
                SELECT 1
                FROM dbo.MON_UpdateQueue AS q
                WHERE q.batch_id = b.batch_id AND q.queue_status IN (''CLAIMED'', ''SENT'', ''SKIPPED'', ''FAILED'', ''DEAD'')
            );
        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @released;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ReleaseLease.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_RecordCreatedItem.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_RecordCreatedItem: stores the id of the item a CREATE queue row has just created, before the rest of
-- the result is recorded, so that a sender that crashes now cannot create the item twice (the next
-- claim returns created_item_id and the sender only finishes the row). Fenced like usp_RecordSendResult:
-- refused (50606) unless the row is CLAIMED by @worker_id. Recording the same id again is accepted;
-- another id is refused (50610). Twin of db/postgres/procedures/usp_RecordCreatedItem.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_RecordCreatedItem'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_RecordCreatedItem AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_RecordCreatedItem.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_RecordCreatedItem
    @queue_id bigint = NULL,
    @worker_id varchar(100) = NULL,
    @created_item_id bigint = NULL,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_RecordCreatedItem: stores the id of the item just created for a claimed CREATE queue row
(called by the sender right after create_item / create_subitem answered, before usp_RecordSendResult).

Parameters:
  @queue_id        bigint        required  the claimed CREATE row
  @worker_id       varchar(100)  required  the worker that holds the lease
  @created_item_id bigint        required  the item id monday returned
  @help            char(1)       ''''N''''       ''''Y'''' prints this text and does nothing else

Example:
  EXEC dbo.usp_RecordCreatedItem @queue_id = 42, @worker_id = ''''sender-1'''', @created_item_id = 1234567890;'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_RecordCreatedItem'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF @queue_id IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50605);
        SET @errors = CONCAT(@errors + N'' '', N''@queue_id is required: pass the queue_id of the claimed CREATE row.'');
    END;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(@errors + N'' '', N''@worker_id is required: pass the worker id that claimed the row.'');
    END;
    IF @created_item_id IS NULL OR @created_item_id <= 0
    BEGIN
        SET @first = COALESCE(@first, 50609);
        SET @errors = CONCAT(
            @errors + N'' '',
            N''@created_item_id is required: pass the id of the item monday created (a positive number).''
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @batch_id varchar(50),
        @params nvarchar(MAX) = CONCAT(
            N''EXEC dbo.usp_RecordCreatedItem @queue_id = '', @queue_id,
            N'', @worker_id = '', COALESCE(N'''''''' + REPLACE(@worker_id, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @created_item_id = '', @created_item_id, N'';''
        );

    SELECT @batch_id = q.batch_id
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.queue_id = @queue_id;

    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_RecordCreatedItem'', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @q_status varchar(20),
        @q_owner varchar(100),
        @q_expires datetime2(3),
        @q_operation varchar(20),
        @q_created bigint,
        @msg nvarchar(2048);

    BEGIN TRY
        BEGIN TRANSACTION;

        SELECT
            @q_status = q.queue_status,
            @q_owner = q.lease_owner,
            @q_expires = q.lease_expires_at,
            @q_operation = q.update_operation,
            @q_created = q.created_item_id
        FROM dbo.MON_UpdateQueue AS q WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE q.queue_id = @queue_id;

        IF @q_status IS NULL
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' does not exist: pass a queue_id returned by usp_ClaimQueueRows.''
            );
            THROW 50605, @msg, 1;
        END;
        -- the fence: the lease owner''s row, CLAIMED, or CANCELLED after its lease expired (the item was created)
        IF @q_status NOT IN (''CLAIMED'', ''CANCELLED'') OR @q_owner IS NULL
            OR @q_owner <> @worker_id COLLATE Latin1_General_100_BIN2 OR DATALENGTH(@q_owner) <> DATALENGTH(@worker_id)
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' is '', @q_status,
                CASE
                    WHEN @q_status = ''CLAIMED''
                        THEN CONCAT(N'' by '''''', @q_owner, N'''''' until '', CONVERT(nvarchar(30), @q_expires, 121))
                    ELSE N''''
                END,
                N'', not claimed by '''''', @worker_id, N'''''': the created item id was not recorded and nothing changed.'',
                N'' The lease was lost; record item '', @created_item_id,
                N'' by hand in MON_UpdateQueue.created_item_id if it exists on the board, so it is not created twice.''
            );
            THROW 50606, @msg, 1;
        END;
        IF @q_operation <> ''CREATE''
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' is an '', @q_operation,
                N'' row, not a CREATE: only a CREATE row records a created item id.''
            );
            THROW 50609, @msg, 1;
        END;
        IF @q_created IS NOT NULL AND @q_created <> @created_item_id
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' already recorded created item '', @q_created,
                N'', and @created_item_id is '', @created_item_id,
                N'': one CREATE row makes one item. Check both items on the board; archive the duplicate by hand.''
            );
            THROW 50610, @msg, 1;
        END;

        UPDATE dbo.MON_UpdateQueue
        SET created_item_id = @created_item_id
        WHERE queue_id = @queue_id;

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = 1;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_RecordCreatedItem.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_RecordSendResult.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_RecordSendResult: records the outcome of sending one claimed queue row (called by the sender).
-- Fenced: refused (50606) unless the row is CLAIMED by @worker_id, so a sender whose lease was lost
-- (expired and claimed by another, released, cancelled) can change nothing.
--   SENT     closes the row; one MON_UpdateAudit row per cell in @cells (and one ''name'' row for a
--            created item); for a ROLLBACK batch the original batch''s audit rows of the restored cells
--            get rollback_timestamp / rollback_reason / rollback_batch_id
--   SKIPPED  closes the row (nothing needed changing); no audit
--   FAILED   closes the row with monday''s error (not retryable); the batch goes on
--   RETRY    back to READY with visible_after = now + the greater of @retry_after_seconds and the
--            backoff 5 s * 2^(attempt_count - 1), capped at 900 s; DEAD after max_attempts
-- When no open row is left the batch becomes COMPLETED, PARTIAL or FAILED (usp_Private_FinishBatchIfDone).
-- Lock order (as in usp_CancelBatch): batch row, then queue row; the claim never waits for a batch row.
-- Twin of db/postgres/procedures/usp_RecordSendResult.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_RecordSendResult'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_RecordSendResult AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_RecordSendResult.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_RecordSendResult
    @queue_id bigint = NULL,
    @worker_id varchar(100) = NULL,
    @outcome varchar(20) = NULL,
    @cells nvarchar(MAX) = NULL,
    @created_item_id bigint = NULL,
    @error_code varchar(100) = NULL,
    @error_message nvarchar(4000) = NULL,
    @retry_after_seconds int = NULL,
    @result_detail nvarchar(MAX) = NULL,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_RecordSendResult: records what happened to one claimed queue row (called by the sender).
Refused unless the row is CLAIMED by @worker_id (a lost lease changes nothing).

Parameters:
  @queue_id            bigint          required  the claimed row
  @worker_id           varchar(100)    required  the worker that holds the lease
  @outcome             varchar(20)     required  ''''SENT'''' | ''''SKIPPED'''' | ''''FAILED'''' | ''''RETRY''''
  @cells               nvarchar(max)   NULL      JSON array [{"column_id","old_value","new_value"}] of the cells
                                                 changed (SENT); each value in a one-element array
                                                 ([{"index":0}], [null]) or as JSON text in a string
  @created_item_id     bigint          NULL      the id of the item a CREATE row created
  @error_code          varchar(100)    NULL      monday''''s error code (FAILED, RETRY)
  @error_message       nvarchar(4000)  NULL      monday''''s error message (FAILED, RETRY)
  @retry_after_seconds int             NULL      the wait monday asked for (RETRY); the SQL backoff applies
                                                 when longer
  @result_detail       nvarchar(max)   NULL      anything worth keeping (request id, skipped cells, ...)
  @help                char(1)         ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  EXEC dbo.usp_RecordSendResult @queue_id = 42, @worker_id = ''''sender-1'''', @outcome = ''''SENT'''',
       @cells = N''''[{"column_id": "status", "old_value": [{"index":0}], "new_value": [{"index":1}]}]'''';
  EXEC dbo.usp_RecordSendResult @queue_id = 43, @worker_id = ''''sender-1'''', @outcome = ''''RETRY'''',
       @error_code = ''''COMPLEXITY_BUDGET_EXHAUSTED'''', @error_message = N''''Complexity budget exhausted'''',
       @retry_after_seconds = 30;'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_RecordSendResult'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE
        @errors nvarchar(MAX),
        @first int,
        @cells_ok bit = 1,
        @outcome_u varchar(20) = UPPER(LTRIM(RTRIM(@outcome)));

    IF @queue_id IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50605);
        SET @errors = CONCAT(
            @errors + N'' '', N''@queue_id is required: pass the queue_id of a row returned by usp_ClaimQueueRows.''
        );
    END;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(@errors + N'' '', N''@worker_id is required: pass the worker id that claimed the row.'');
    END;
    IF @outcome_u IS NULL OR @outcome_u NOT IN (''SENT'', ''SKIPPED'', ''FAILED'', ''RETRY'')
    BEGIN
        SET @first = COALESCE(@first, 50607);
        SET @errors = CONCAT(
            @errors + N'' '', N''@outcome = '', COALESCE(N'''''''' + @outcome + N'''''''', N''NULL''),
            N'' is not supported: pass ''''SENT'''', ''''SKIPPED'''', ''''FAILED'''' or ''''RETRY''''.''
        );
    END;
    IF @retry_after_seconds < 0
    BEGIN
        SET @first = COALESCE(@first, 50612);
        SET @errors = CONCAT(
            @errors + N'' '', N''@retry_after_seconds = '', @retry_after_seconds,
            N'' is negative: pass the seconds monday asked to wait, or NULL.''
        );
    END;
    IF @cells IS NOT NULL
    BEGIN
        IF ISJSON(@cells) = 0 OR LEFT(LTRIM(@cells), 1) <> N''[''
        BEGIN
            SET @cells_ok = 0;
        END
        ELSE IF EXISTS (
            SELECT 1
            FROM OPENJSON(@cells) AS e
            WHERE e.[type] <> 5
        )
        BEGIN
            SET @cells_ok = 0;
        END
        ELSE IF EXISTS (
            SELECT 1
            FROM OPENJSON (@cells) WITH (column_id nvarchar(400) ''$.column_id'') AS c
            WHERE NULLIF(LTRIM(RTRIM(c.column_id)), N'''') IS NULL
        )
        OR EXISTS (
            SELECT c.column_id
            FROM OPENJSON (@cells) WITH (column_id nvarchar(400) ''$.column_id'') AS c
            GROUP BY c.column_id
            HAVING COUNT(*) > 1
        )
        BEGIN
            SET @cells_ok = 0;
        END;
        IF @cells_ok = 0
        BEGIN
            SET @first = COALESCE(@first, 50608);
            SET @errors = CONCAT(
                @errors + N'' '',
                N''@cells is not a JSON array of objects with a distinct, non-empty "column_id" (and "old_value",'',
                N'' "new_value"): pass e.g. [{"column_id": "status", "old_value": null,'',
                N'' "new_value": "{\"index\":1}"}].''
            );
        END;
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @batch_id varchar(50),
        @params nvarchar(MAX) = CONCAT(
            N''EXEC dbo.usp_RecordSendResult @queue_id = '', @queue_id,
            N'', @worker_id = '', COALESCE(N'''''''' + REPLACE(@worker_id, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @outcome = '''''', @outcome_u, N'''''''',
            N'', @cells = '', COALESCE(N''N'''''' + REPLACE(@cells, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @created_item_id = '', COALESCE(CAST(@created_item_id AS nvarchar(20)), N''NULL''),
            N'', @error_code = '', COALESCE(N'''''''' + REPLACE(@error_code, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @error_message = '', COALESCE(N''N'''''' + REPLACE(@error_message, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @retry_after_seconds = '', COALESCE(CAST(@retry_after_seconds AS nvarchar(20)), N''NULL''), N'';''
        );

    SELECT @batch_id = q.batch_id
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.queue_id = @queue_id;

    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_RecordSendResult'', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @batch_operation varchar(50),
        @rollback_of varchar(50),
        @rollback_reason nvarchar(500),
        @q_status varchar(20),
        @q_owner varchar(100),
        @q_expires datetime2(3),
        @q_operation varchar(20),
        @q_item bigint,
        @q_created bigint,
        @q_board bigint,
        @q_name nvarchar(255),
        @q_claimed_at datetime2(3),
        @attempts int,
        @max_attempts int,
        @item bigint,
        @backoff int,
        @wait int,
        @rows int = 0,
        @batch_status varchar(20),
        @msg nvarchar(2048);

    BEGIN TRY
        IF @batch_id IS NULL
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' does not exist: pass a queue_id returned by usp_ClaimQueueRows.''
            );
            THROW 50605, @msg, 1;
        END;

        BEGIN TRANSACTION;

        SELECT
            @batch_operation = b.update_operation,
            @rollback_of = b.rollback_of_batch_id,
            @rollback_reason = b.rollback_reason
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE b.batch_id = @batch_id;

        SELECT
            @q_status = q.queue_status,
            @q_owner = q.lease_owner,
            @q_expires = q.lease_expires_at,
            @q_operation = q.update_operation,
            @q_item = q.monday_item_id,
            @q_created = q.created_item_id,
            @q_board = q.board_id,
            @q_name = q.item_name,
            @q_claimed_at = q.claimed_at,
            @attempts = q.attempt_count,
            @max_attempts = q.max_attempts
        FROM dbo.MON_UpdateQueue AS q WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE q.queue_id = @queue_id;

        -- the fence: the lease owner''s row, CLAIMED; or CANCELLED after its lease expired, for a SENT result only
        -- (the mutation reached the board: its audit rows are kept, the row is SENT, the batch stays CANCELLED)
        IF (@q_status <> ''CLAIMED'' AND NOT (@q_status = ''CANCELLED'' AND @outcome_u = ''SENT'')) OR @q_owner IS NULL
            OR @q_owner <> @worker_id COLLATE Latin1_General_100_BIN2 OR DATALENGTH(@q_owner) <> DATALENGTH(@worker_id)
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' is '', @q_status,
                CASE
                    WHEN @q_status = ''CLAIMED''
                        THEN CONCAT(N'' by '''''', @q_owner, N'''''' until '', CONVERT(nvarchar(30), @q_expires, 121))
                    ELSE N''''
                END,
                N'', not claimed by '''''', @worker_id, N'''''': the result was not recorded and nothing changed.'',
                N'' The lease was lost (expired and claimed again, released or cancelled); do not resend this row,'',
                N'' its current owner will re-read the board and send it.''
            );
            THROW 50606, @msg, 1;
        END;

        SET @item = COALESCE(@q_item, @q_created, @created_item_id);
        IF @created_item_id IS NOT NULL AND @q_created IS NOT NULL AND @created_item_id <> @q_created
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' already recorded created item '', @q_created,
                N'', and @created_item_id is '', @created_item_id,
                N'': one CREATE row makes one item. Check both items on the board; archive the duplicate by hand.''
            );
            THROW 50610, @msg, 1;
        END;
        IF @outcome_u = ''SENT'' AND @q_operation = ''CREATE'' AND @item IS NULL
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' is a CREATE: a SENT result needs @created_item_id (the id monday'',
                N'' returned), or an earlier usp_RecordCreatedItem call.''
            );
            THROW 50609, @msg, 1;
        END;

        IF @outcome_u = ''SENT''
        BEGIN
            INSERT INTO dbo.MON_UpdateAudit (
                batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value,
                update_timestamp, queue_id, worker_id
            )
            SELECT
                @batch_id AS batch_id,
                @batch_operation AS update_operation,
                @item AS monday_item_id,
                @q_board AS monday_board_id,
                c.column_id,
                dbo.fn_MON_Private_CellValueText(c.old_value_json, c.old_value_text) AS old_value,
                dbo.fn_MON_Private_CellValueText(c.new_value_json, c.new_value_text) AS new_value,
                @now AS update_timestamp,
                @queue_id AS queue_id,
                @worker_id AS worker_id
            FROM OPENJSON (COALESCE(@cells, N''[]'')) WITH (
                column_id varchar(100) ''$.column_id'',
                old_value_text nvarchar(MAX) ''$.old_value'',
                old_value_json nvarchar(MAX) ''$.old_value'' AS JSON,
                new_value_text nvarchar(MAX) ''$.new_value'',
                new_value_json nvarchar(MAX) ''$.new_value'' AS JSON
            ) AS c;
            SET @rows = @@ROWCOUNT;

            -- a created item is audited by its name even when no other cell was written
            IF @q_operation = ''CREATE'' AND NOT EXISTS (
                SELECT 1
                FROM OPENJSON (COALESCE(@cells, N''[]'')) WITH (column_id varchar(100) ''$.column_id'') AS c
                WHERE c.column_id = ''name''
            )
            BEGIN
                INSERT INTO dbo.MON_UpdateAudit (
                    batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value,
                    update_timestamp, queue_id, worker_id
                )
                VALUES (
                    @batch_id, @batch_operation, @item, @q_board, ''name'', NULL, @q_name, @now, @queue_id, @worker_id
                );
                SET @rows = @rows + 1;
            END;

            -- an archived item of a rollback: audited once, without cells
            IF @q_operation = ''ARCHIVE'' AND @rows = 0
            BEGIN
                INSERT INTO dbo.MON_UpdateAudit (
                    batch_id, update_operation, monday_item_id, monday_board_id, column_id, old_value, new_value,
                    update_timestamp, queue_id, worker_id
                )
                VALUES (
                    @batch_id, @batch_operation, @item, @q_board, ''item_state'', N''active'', N''archived'', @now,
                    @queue_id, @worker_id
                );
                SET @rows = 1;
            END;

            IF @batch_operation = ''ROLLBACK''
            BEGIN
                UPDATE a
                SET
                    a.rollback_timestamp = @now,
                    a.rollback_reason = @rollback_reason,
                    a.rollback_batch_id = @batch_id
                FROM dbo.MON_UpdateAudit AS a
                WHERE a.batch_id = @rollback_of
                    AND a.monday_item_id = @item
                    AND a.rollback_timestamp IS NULL
                    AND (
                        @q_operation = ''ARCHIVE''
                        OR a.column_id IN (
                            SELECT c.column_id
                            FROM OPENJSON (COALESCE(@cells, N''[]'')) WITH (column_id varchar(100) ''$.column_id'') AS c
                        )
                    );
            END;
        END;

        -- 5 s, 10 s, 20 s ... doubling per attempt, at most 900 s; monday''s own wait wins when longer
        SET @backoff = CASE
            WHEN @attempts >= 9 THEN 900
            WHEN @attempts <= 1 THEN 5
            ELSE 5 * POWER(2, @attempts - 1)
        END;
        SET @wait = CASE WHEN COALESCE(@retry_after_seconds, 0) > @backoff THEN @retry_after_seconds ELSE @backoff END;

        UPDATE dbo.MON_UpdateQueue
        SET
            queue_status = CASE
                WHEN @outcome_u = ''RETRY'' AND @attempts >= @max_attempts THEN ''DEAD''
                WHEN @outcome_u = ''RETRY'' THEN ''READY''
                ELSE @outcome_u
            END,
            visible_after = CASE
                WHEN @outcome_u = ''RETRY'' AND @attempts < @max_attempts THEN DATEADD(SECOND, @wait, @now)
                ELSE visible_after
            END,
            completed_at = CASE WHEN @outcome_u = ''RETRY'' AND @attempts < @max_attempts THEN NULL ELSE @now END,
            lease_owner = NULL,
            lease_expires_at = NULL,
            created_item_id = COALESCE(created_item_id, @created_item_id),
            result_detail = COALESCE(@result_detail, result_detail),
            last_error_code = CASE
                WHEN @outcome_u IN (''FAILED'', ''RETRY'') THEN COALESCE(@error_code, ''UNKNOWN'')
                ELSE last_error_code
            END,
            last_error = CASE
                WHEN @outcome_u IN (''FAILED'', ''RETRY'')
                    THEN LEFT(CONCAT(
                        COALESCE(@error_message, N''the sender gave no message''),
                        CASE
                            WHEN @outcome_u = ''RETRY'' AND @attempts >= @max_attempts
                                THEN CONCAT(
                                    N'' (attempt '', @attempts, N'' of '', @max_attempts,
                                    N'': no attempt left, the row is DEAD)''
                                )
                        END
                    ), 4000)
                ELSE last_error
            END
        WHERE queue_id = @queue_id;

        -- a claim that skipped the locked batch row left it READY: move it here
        UPDATE dbo.MON_UpdateBatch
        SET
            batch_status = ''SENDING'',
            send_started_at = COALESCE(send_started_at, @q_claimed_at, @now)
        WHERE batch_id = @batch_id
            AND batch_status = ''READY'';

        EXEC dbo.usp_Private_FinishBatchIfDone @batch_id = @batch_id, @batch_status = @batch_status OUTPUT;

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;

        SELECT
            q.queue_id,
            q.queue_status,
            q.attempt_count,
            q.max_attempts,
            q.visible_after,
            q.created_item_id,
            @rows AS cells_audited,
            @batch_status AS batch_status
        FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id = @queue_id;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_RecordSendResult.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_RecordPreview.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_RecordPreview: a dry run''s findings for one queue row: replaces that row''s MON_UpdatePreview rows
-- with one row per cell (value on the board now -> value that would be sent, would it change).
-- Does not claim, change or count anything else. A cell without new_value takes the value from the
-- queue row''s column_values; without would_change, it is ''Y'' when current_value and new_value differ.
-- Twin of db/postgres/procedures/usp_RecordPreview.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_RecordPreview'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_RecordPreview AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_RecordPreview.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_RecordPreview
    @batch_id varchar(50) = NULL,
    @queue_id bigint = NULL,
    @cells nvarchar(MAX) = NULL,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_RecordPreview: stores what a dry run found for one queue row (replaces earlier preview rows).

Parameters:
  @batch_id  varchar(50)    required  the batch of the queue row
  @queue_id  bigint         required  the queue row previewed
  @cells     nvarchar(max)  required  JSON array [{"column_id", "current_value", "current_text", "new_value",
                                      "would_change"}] (would_change ''''Y''''/''''N'''' or true/false; computed when
                                      left out); each value in a one-element array ([{"index":0}], [null])
                                      or as JSON text in a string
  @help      char(1)        ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  EXEC dbo.usp_RecordPreview @batch_id = ''''UB20260101-0001'''', @queue_id = 42,
       @cells = N''''[{"column_id": "status", "current_value": [{"index":0}], "current_text": "Working on it",
                    "new_value": [{"label":"In Progress"}], "would_change": "Y"}]'''';
  SELECT * FROM dbo.vw_MON_UpdatePreview WHERE batch_id = ''''UB20260101-0001'''';'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_RecordPreview'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int, @cells_ok bit = 1;
    IF NULLIF(LTRIM(RTRIM(@batch_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50611);
        SET @errors = CONCAT(@errors + N'' '', N''@batch_id is required: pass the batch of the queue row previewed.'');
    END;
    IF @queue_id IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50605);
        SET @errors = CONCAT(@errors + N'' '', N''@queue_id is required: pass the queue row previewed.'');
    END;
    IF @cells IS NULL OR ISJSON(@cells) = 0 OR LEFT(LTRIM(@cells), 1) <> N''[''
    BEGIN
        SET @cells_ok = 0;
    END
    ELSE IF EXISTS (
        SELECT 1
        FROM OPENJSON(@cells) AS e
        WHERE e.[type] <> 5
    )
    BEGIN
        SET @cells_ok = 0;
    END
    ELSE IF EXISTS (
        SELECT 1
        FROM OPENJSON (@cells) WITH (
            column_id nvarchar(400) ''$.column_id'',
            would_change nvarchar(20) ''$.would_change''
        ) AS c
        WHERE NULLIF(LTRIM(RTRIM(c.column_id)), N'''') IS NULL
            OR UPPER(COALESCE(c.would_change, N''Y'')) NOT IN (N''Y'', N''N'', N''TRUE'', N''FALSE'')
    )
    OR EXISTS (
        SELECT c.column_id
        FROM OPENJSON (@cells) WITH (column_id nvarchar(400) ''$.column_id'') AS c
        GROUP BY c.column_id
        HAVING COUNT(*) > 1
    )
    BEGIN
        SET @cells_ok = 0;
    END;
    IF @cells_ok = 0
    BEGIN
        SET @first = COALESCE(@first, 50608);
        SET @errors = CONCAT(
            @errors + N'' '',
            N''@cells is not a JSON array of objects with a distinct, non-empty "column_id" (would_change ''''Y''''/''''N''''):'',
            N'' pass e.g. [{"column_id": "status", "current_value": null, "current_text": "",'',
            N'' "new_value": "{\"index\":1}", "would_change": "Y"}].''
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N''EXEC dbo.usp_RecordPreview @batch_id = '''''', REPLACE(@batch_id, N'''''''', N''''''''''''), N'''''''',
            N'', @queue_id = '', @queue_id, N'', @cells = N'''''', REPLACE(@cells, N'''''''', N''''''''''''), N'''''';''
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_RecordPreview'', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @item bigint,
        @item_name nvarchar(255),
        @column_values nvarchar(MAX),
        @found bit = 0,
        @rows int = 0,
        @msg nvarchar(2048);

    BEGIN TRY
        SELECT
            @found = 1,
            @item = COALESCE(q.monday_item_id, q.created_item_id),
            @item_name = q.item_name,
            @column_values = CASE WHEN ISJSON(q.column_values) = 1 THEN q.column_values END
        FROM dbo.MON_UpdateQueue AS q
        WHERE q.queue_id = @queue_id
            AND q.batch_id = @batch_id;

        IF @found = 0
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' of batch '''''', @batch_id, N'''''' does not exist: pass a queue_id of that'',
                N'' batch (SELECT queue_id FROM dbo.MON_UpdateQueue WHERE batch_id = ...).''
            );
            THROW 50611, @msg, 1;
        END;

        BEGIN TRANSACTION;

        -- by the index''s key (batch_id, queue_id): the queue row was checked to be of this batch
        DELETE FROM dbo.MON_UpdatePreview
        WHERE batch_id = @batch_id AND queue_id = @queue_id;

        INSERT INTO dbo.MON_UpdatePreview (
            batch_id, queue_id, monday_item_id, item_name, column_id, current_value, current_text, new_value,
            would_change, previewed_at
        )
        SELECT
            @batch_id AS batch_id,
            @queue_id AS queue_id,
            @item AS monday_item_id,
            @item_name AS item_name,
            v.column_id,
            v.current_value,
            v.current_text,
            v.new_value,
            CASE
                WHEN UPPER(v.would_change) IN (N''Y'', N''TRUE'') THEN ''Y''
                WHEN UPPER(v.would_change) IN (N''N'', N''FALSE'') THEN ''N''
                -- exactly equal, NULLs included (varbinary compares bytes, not the collation)
                WHEN NOT EXISTS (
                    SELECT CAST(v.current_value AS varbinary(MAX))
                    EXCEPT
                    SELECT CAST(v.new_value AS varbinary(MAX))
                ) THEN ''N''
                ELSE ''Y''
            END AS would_change,
            SYSUTCDATETIME() AS previewed_at
        FROM (
            SELECT
                c.column_id,
                dbo.fn_MON_Private_CellValueText(c.current_value_json, c.current_value_text) AS current_value,
                COALESCE(c.current_text_json, c.current_text_text) AS current_text,
                COALESCE(
                    dbo.fn_MON_Private_CellValueText(c.new_value_json, c.new_value_text), cv.cv_text, cv.cv_json
                ) AS new_value,
                c.would_change
            FROM OPENJSON (@cells) WITH (
                column_id varchar(100) ''$.column_id'',
                current_value_text nvarchar(MAX) ''$.current_value'',
                current_value_json nvarchar(MAX) ''$.current_value'' AS JSON,
                current_text_text nvarchar(MAX) ''$.current_text'',
                current_text_json nvarchar(MAX) ''$.current_text'' AS JSON,
                new_value_text nvarchar(MAX) ''$.new_value'',
                new_value_json nvarchar(MAX) ''$.new_value'' AS JSON,
                would_change nvarchar(20) ''$.would_change''
            ) AS c
            OUTER APPLY (
                SELECT
                    CASE WHEN j.[type] NOT IN (4, 5) THEN j.[value] END AS cv_text,
                    CASE WHEN j.[type] IN (4, 5) THEN j.[value] END AS cv_json
                FROM OPENJSON(COALESCE(@column_values, N''{}'')) AS j
                WHERE j.[key] = c.column_id COLLATE Latin1_General_100_BIN2  -- column ids compare exactly
                    AND j.[type] <> 0
            ) AS cv
        ) AS v;
        SET @rows = @@ROWCOUNT;

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_RecordPreview.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_RecordPreImage.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_RecordPreImage: what the sender read on the board for one claimed queue row, written just before
-- it sends the row''s mutation (called by the sender, never by a dry run):
--   * the pre-image: one dbo.MON_PreImage row per cell (value on the board now -> value to send, would it
--     change), so that an attempt whose result is lost is audited exactly by the next one;
--   * the cells held back: one dbo.MON_HeldBackCell row per cell marked "held" (changed on the board since
--     the dry run the DBA read: not written), with the preview''s value and the board''s value.
-- Both replace what an earlier attempt of the same row wrote. Fenced like usp_RecordSendResult: refused
-- (50606) unless the row is CLAIMED by @worker_id (worker ids compare exactly), so a sender whose lease
-- was lost, or a dry run, can change no pre-image.
-- Twin of db/postgres/procedures/usp_RecordPreImage.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_RecordPreImage'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_RecordPreImage AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_RecordPreImage.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_RecordPreImage
    @queue_id bigint = NULL,
    @worker_id varchar(100) = NULL,
    @cells nvarchar(MAX) = NULL,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_RecordPreImage: stores what the board held just before a claimed queue row is sent, and the
cells held back because they changed on the board since the dry run (called by the sender).
Refused unless the row is CLAIMED by @worker_id (a lost lease changes nothing).

Parameters:
  @queue_id   bigint         required  the claimed row
  @worker_id  varchar(100)   required  the worker that holds the lease
  @cells      nvarchar(max)  required  JSON array [{"column_id", "current_value", "current_text", "new_value",
                                       "would_change", "held", "preview_value", "preview_text"}]
                                       (would_change and held ''''Y''''/''''N''''; held ''''Y'''': not written); each
                                       value in a one-element array ([{"index":0}], [null]) or as JSON text
                                       in a string
  @help       char(1)        ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  EXEC dbo.usp_RecordPreImage @queue_id = 42, @worker_id = ''''sender-1'''',
       @cells = N''''[{"column_id": "status", "current_value": [{"index":0}], "current_text": "Working on it",
                    "new_value": [{"label":"Done"}], "would_change": "Y", "held": "N"}]'''';
  SELECT * FROM dbo.vw_MON_HeldBackCells WHERE batch_id = ''''UB20260101-0001'''';'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_RecordPreImage'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int, @cells_ok bit = 1;
    IF @queue_id IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50605);
        SET @errors = CONCAT(
            @errors + N'' '', N''@queue_id is required: pass the queue_id of a row returned by usp_ClaimQueueRows.''
        );
    END;
    IF NULLIF(LTRIM(RTRIM(@worker_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50601);
        SET @errors = CONCAT(@errors + N'' '', N''@worker_id is required: pass the worker id that claimed the row.'');
    END;
    IF @cells IS NULL OR ISJSON(@cells) = 0 OR LEFT(LTRIM(@cells), 1) <> N''[''
    BEGIN
        SET @cells_ok = 0;
    END
    ELSE IF EXISTS (
        SELECT 1
        FROM OPENJSON(@cells) AS e
        WHERE e.[type] <> 5
    )
    BEGIN
        SET @cells_ok = 0;
    END
    ELSE IF EXISTS (
        SELECT 1
        FROM OPENJSON (@cells) WITH (
            column_id nvarchar(400) ''$.column_id'',
            would_change nvarchar(20) ''$.would_change'',
            held nvarchar(20) ''$.held''
        ) AS c
        WHERE NULLIF(LTRIM(RTRIM(c.column_id)), N'''') IS NULL
            OR UPPER(COALESCE(c.would_change, N''N'')) NOT IN (N''Y'', N''N'')
            OR UPPER(COALESCE(c.held, N''N'')) NOT IN (N''Y'', N''N'')
    )
    OR EXISTS (
        -- column ids compare exactly (monday''s ids are case-sensitive)
        SELECT c.column_id COLLATE Latin1_General_100_BIN2 AS column_id
        FROM OPENJSON (@cells) WITH (column_id nvarchar(400) ''$.column_id'') AS c
        GROUP BY c.column_id COLLATE Latin1_General_100_BIN2
        HAVING COUNT(*) > 1
    )
    BEGIN
        SET @cells_ok = 0;
    END;
    IF @cells_ok = 0
    BEGIN
        SET @first = COALESCE(@first, 50608);
        SET @errors = CONCAT(
            @errors + N'' '',
            N''@cells is not a JSON array of objects with a distinct, non-empty "column_id" (would_change and held'',
            N'' ''''Y''''/''''N''''): pass e.g. [{"column_id": "status", "current_value": null, "current_text": "",'',
            N'' "new_value": "{\"index\":1}", "would_change": "Y", "held": "N"}].''
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @batch_id varchar(50),
        @params nvarchar(MAX) = CONCAT(
            N''EXEC dbo.usp_RecordPreImage @queue_id = '', @queue_id,
            N'', @worker_id = '''''', REPLACE(@worker_id, N'''''''', N''''''''''''), N'''''''',
            N'', @cells = N'''''', REPLACE(@cells, N'''''''', N''''''''''''), N'''''';''
        );

    SELECT @batch_id = q.batch_id
    FROM dbo.MON_UpdateQueue AS q
    WHERE q.queue_id = @queue_id;

    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_RecordPreImage'', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @q_status varchar(20),
        @q_owner varchar(100),
        @q_expires datetime2(3),
        @item bigint,
        @now datetime2(3) = SYSUTCDATETIME(),
        @rows int = 0,
        @msg nvarchar(2048);

    BEGIN TRY
        IF @batch_id IS NULL
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' does not exist: pass a queue_id returned by usp_ClaimQueueRows.''
            );
            THROW 50605, @msg, 1;
        END;

        BEGIN TRANSACTION;

        -- the queue row only (no batch row): nothing here waits for what release, cancel or record lock first
        SELECT
            @q_status = q.queue_status,
            @q_owner = q.lease_owner,
            @q_expires = q.lease_expires_at,
            @item = COALESCE(q.monday_item_id, q.created_item_id)
        FROM dbo.MON_UpdateQueue AS q WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE q.queue_id = @queue_id;

        -- the fence of usp_RecordSendResult: the lease owner''s CLAIMED row, the worker id compared exactly
        IF @q_status <> ''CLAIMED'' OR @q_owner IS NULL
            OR @q_owner <> @worker_id COLLATE Latin1_General_100_BIN2 OR DATALENGTH(@q_owner) <> DATALENGTH(@worker_id)
        BEGIN
            SET @msg = CONCAT(
                N''queue row '', @queue_id, N'' is '', @q_status,
                CASE
                    WHEN @q_status = ''CLAIMED''
                        THEN CONCAT(N'' by '''''', @q_owner, N'''''' until '', CONVERT(nvarchar(30), @q_expires, 121))
                    ELSE N''''
                END,
                N'', not claimed by '''''', @worker_id, N'''''': the pre-image was not recorded and nothing changed.'',
                N'' The lease was lost; do not send this row, its current owner will re-read the board and send it.''
            );
            THROW 50606, @msg, 1;
        END;

        DELETE FROM dbo.MON_PreImage
        WHERE queue_id = @queue_id;

        DELETE FROM dbo.MON_HeldBackCell
        WHERE queue_id = @queue_id;

        INSERT INTO dbo.MON_PreImage (
            batch_id, queue_id, worker_id, monday_item_id, column_id, current_value, current_text, new_value,
            would_change, recorded_at
        )
        SELECT
            @batch_id AS batch_id,
            @queue_id AS queue_id,
            @worker_id AS worker_id,
            @item AS monday_item_id,
            c.column_id,
            dbo.fn_MON_Private_CellValueText(c.current_value_json, c.current_value_text) AS current_value,
            c.current_text,
            dbo.fn_MON_Private_CellValueText(c.new_value_json, c.new_value_text) AS new_value,
            CASE WHEN UPPER(c.would_change) = N''Y'' THEN ''Y'' ELSE ''N'' END AS would_change,
            @now AS recorded_at
        FROM OPENJSON (@cells) WITH (
            column_id varchar(100) ''$.column_id'',
            current_value_text nvarchar(MAX) ''$.current_value'',
            current_value_json nvarchar(MAX) ''$.current_value'' AS JSON,
            current_text nvarchar(MAX) ''$.current_text'',
            new_value_text nvarchar(MAX) ''$.new_value'',
            new_value_json nvarchar(MAX) ''$.new_value'' AS JSON,
            would_change nvarchar(20) ''$.would_change''
        ) AS c;
        SET @rows = @@ROWCOUNT;

        INSERT INTO dbo.MON_HeldBackCell (
            batch_id, queue_id, worker_id, monday_item_id, column_id, preview_value, preview_text, board_value,
            board_text, new_value, held_at
        )
        SELECT
            @batch_id AS batch_id,
            @queue_id AS queue_id,
            @worker_id AS worker_id,
            @item AS monday_item_id,
            c.column_id,
            dbo.fn_MON_Private_CellValueText(c.preview_value_json, c.preview_value_text) AS preview_value,
            c.preview_text,
            dbo.fn_MON_Private_CellValueText(c.current_value_json, c.current_value_text) AS board_value,
            c.current_text AS board_text,
            dbo.fn_MON_Private_CellValueText(c.new_value_json, c.new_value_text) AS new_value,
            @now AS held_at
        FROM OPENJSON (@cells) WITH (
            column_id varchar(100) ''$.column_id'',
            preview_value_text nvarchar(MAX) ''$.preview_value'',
            preview_value_json nvarchar(MAX) ''$.preview_value'' AS JSON,
            preview_text nvarchar(MAX) ''$.preview_text'',
            current_value_text nvarchar(MAX) ''$.current_value'',
            current_value_json nvarchar(MAX) ''$.current_value'' AS JSON,
            current_text nvarchar(MAX) ''$.current_text'',
            new_value_text nvarchar(MAX) ''$.new_value'',
            new_value_json nvarchar(MAX) ''$.new_value'' AS JSON,
            held nvarchar(20) ''$.held''
        ) AS c
        WHERE UPPER(c.held) = N''Y'';
        SET @rows = @rows + @@ROWCOUNT;

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_RecordPreImage.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_ReleaseBatch.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_ReleaseBatch: batch creation. Turns the VALID (and, with @include_warnings = ''Y'', WARNING) staged
-- rows of a VALIDATED batch into MON_UpdateQueue rows holding the final monday column_values JSON
-- (dbo.fn_MON_Private_FormatValue applied per cell, columns mapped by dbo.fn_MON_Private_MapAlias; every cell of a
-- released row is queued, NO_OP ones too: whether a cell already holds its value is decided against the
-- live board at send time; an UPDATE row with no cell is not queued) and idempotency_key = <batch_id>-<update_row_no>.
-- The batch becomes READY with rows_queued set (COMPLETED at once when nothing is left to send). From
-- now on the queue rows carry everything needed to send and audit the batch: a loader that truncates and
-- reloads the staging tables cannot change or lose what was released.
-- How (the same steps as the twin):
--   1. one short transaction checks the batch under its row lock and copies the batch''s staged rows, content
--      and hash, into #rel_row in ONE read of the owner''s table (READ COMMITTED, no HOLDLOCK: a row lock at a
--      time, never a table lock on the owner''s table whatever the batch size), and commits. Nothing reads the
--      owner''s table again: the cells come from the copy (dbo.fn_MON_Private_StagedFields, the aliases mapped
--      by dbo.fn_MON_Private_MapAlias), so what is queued is exactly what was hashed;
--   2. the copy is checked against what validation recorded: the row count and numbers (50407, 50411), the
--      statuses (50408), the hash of every row''s content in dbo.MON_ValidatedRow (50412) - a row changed or a
--      table truncated and reloaded while the copy ran is refused there - then formatted (50410);
--   3. the queue rows are written in committed chunks of @chunk_rows (below the 5,000 locks at which SQL
--      Server escalates) while the batch stays VALIDATED: the claim takes rows of READY and SENDING batches
--      only, so no chunk is sendable before the last is in;
--   4. one short transaction checks that the queue holds exactly the rows of the copy and opens the batch
--      (READY). A release that fails or is cut off before that leaves a VALIDATED batch whose queue rows no
--      claim takes; running the release again deletes them first (in chunks), usp_CancelBatch cancels them.
-- One release of a batch at a time (an application lock owned by the session, 50413).
-- Refused: a batch not found (50403), released already (50404), not validated (50405), cancelled
-- (50406), whose staged rows vanished (50407) or changed since validation (50408, 50412), with no valid row
-- (50409), or with a cell the formatter cannot write (50410), holding rows staging did not write (50411),
-- being released by another session (50413), validated again or cancelled while it was released (50414).
-- Cannot be called through INSERT ... EXEC (50960): it commits its own work.
-- Twin of db/postgres/procedures/usp_ReleaseBatch.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_ReleaseBatch'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_ReleaseBatch AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ReleaseBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_ReleaseBatch
    @batch_id varchar(50) = NULL,
    @include_warnings char(1) = ''Y'',
    @chunk_rows int = 4000,
    @send_approved char(1) = ''Y'',
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_ReleaseBatch: releases a validated batch: its VALID (and WARNING) rows become send-queue rows
with the exact monday column_values JSON; the batch becomes READY for the sender. Read what will be sent in
dbo.vw_MON_SendQueue (column_values) before running the sender.

Parameters:
  @batch_id          varchar(50)  required  the VALIDATED batch (see dbo.vw_MON_BatchSummary)
  @include_warnings  char(1)      ''''Y''''       ''''Y'''': WARNING rows are sent too; ''''N'''': only VALID rows
  @chunk_rows        int          4000      queue rows written per committed chunk (1..4000, below lock escalation)
  @send_approved     char(1)      ''''Y''''       ''''N'''': released to be previewed only; no claim takes its rows until
                                            dbo.usp_ApproveBatch approves it (set in the same transaction as READY)
  @help              char(1)      ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  EXEC dbo.usp_ReleaseBatch @batch_id = ''''UB20260101120000-a1b2c3'''';
  EXEC dbo.usp_ReleaseBatch @batch_id = ''''UB20260101120000-a1b2c3'''', @include_warnings = ''''N'''';
  SELECT queue_id, monday_item_id, column_values, idempotency_key FROM dbo.vw_MON_SendQueue
  WHERE batch_id = ''''UB20260101120000-a1b2c3'''' ORDER BY queue_id;'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transactions are
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_ReleaseBatch'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int, @inc char(1) = UPPER(@include_warnings);
    IF NULLIF(LTRIM(RTRIM(@batch_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50401);
        SET @errors = CONCAT(
            @errors + N'' '',
            N''@batch_id is required: pass the validated batch to release (see dbo.vw_MON_BatchSummary).''
        );
    END;
    IF @inc IS NULL OR @inc NOT IN (''Y'', ''N'')
    BEGIN
        SET @first = COALESCE(@first, 50402);
        SET @errors = CONCAT(
            @errors + N'' '', N''@include_warnings = '', COALESCE(N'''''''' + @include_warnings + N'''''''', N''NULL''),
            N'' is not supported: pass ''''Y'''' (send WARNING rows too) or ''''N''''.''
        );
    END;
    IF @chunk_rows IS NULL OR @chunk_rows NOT BETWEEN 1 AND 4000
    BEGIN
        SET @first = COALESCE(@first, 50415);
        SET @errors = CONCAT(
            @errors + N'' '', N''@chunk_rows = '', COALESCE(CAST(@chunk_rows AS nvarchar(20)), N''NULL''),
            N'' is not supported: pass the queue rows to write per committed chunk, 1 to 4000 (the default;'',
            N'' more would let SQL Server escalate the row locks of a chunk to a table lock).''
        );
    END;
    IF UPPER(@send_approved) IS NULL OR UPPER(@send_approved) NOT IN (''Y'', ''N'')
    BEGIN
        SET @first = COALESCE(@first, 50416);
        SET @errors = CONCAT(
            @errors + N'' '', N''@send_approved = '', COALESCE(N'''''''' + @send_approved + N'''''''', N''NULL''),
            N'' is not supported: pass ''''Y'''' (the sender may send it) or ''''N'''' (previewed only, until approved).''
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N''EXEC dbo.usp_ReleaseBatch @batch_id = '''''', REPLACE(@batch_id, N'''''''', N''''''''''''),
            N'''''', @include_warnings = '''''', @inc, N'''''', @chunk_rows = '', @chunk_rows,
            N'', @send_approved = '''''', UPPER(@send_approved), N'''''';''
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_ReleaseBatch'', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @lock_resource nvarchar(255) = CONCAT(N''opus_release_'', @batch_id),
        @lock_rc int,
        @locked bit = 0,
        @status varchar(20),
        @board_id bigint,
        @target_level varchar(10),
        @operation varchar(50),
        @create_labels char(1),
        @rows_staged int,
        @rows_valid int,
        @rows_warning int,
        @rows_invalid int,
        @rows_queued int,
        @released_by nvarchar(128),
        @released_at datetime2(3),
        @cancelled_by nvarchar(128),
        @cancelled_at datetime2(3),
        @validated_at datetime2(3),
        @subitems_board bigint,
        @staged int,
        @pending int,
        @eligible int,
        @row_numbers int,
        @max_row_no int,
        @n_valid int,
        @n_warning int,
        @n_invalid int,
        @n_changed int,
        @changed_rows nvarchar(MAX),
        @bad_row int,
        @bad_alias nvarchar(400),
        @bad_column varchar(100),
        @bad_type varchar(50),
        @expected int,
        @last_row_no int = 0,
        @phase varchar(10) = ''clean'',
        @now_validated_at datetime2(3),
        @rows int = 0,
        @holder nvarchar(400),
        @msg nvarchar(2048);
    -- the private copy: the batch''s rows (with their content hash) and the cells of the rows to send
    CREATE TABLE #rel_row (
        update_row_no int NOT NULL,
        monday_item_id bigint NULL,
        parent_item_id bigint NULL,
        group_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        item_name nvarchar(255) COLLATE DATABASE_DEFAULT NULL,
        validation_status varchar(20) COLLATE DATABASE_DEFAULT NULL,
        update_fields nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        row_hash varbinary(32) NULL,
        to_send bit NOT NULL DEFAULT (0)
    );
    CREATE TABLE #rel_src (
        src_row_no int NOT NULL,
        field_no int NOT NULL,
        column_alias nvarchar(400) COLLATE DATABASE_DEFAULT NULL,
        raw_value nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        column_type varchar(50) COLLATE DATABASE_DEFAULT NULL,
        metadata_board_id bigint NULL,
        monday_item_id bigint NULL
    );
    -- the distinct aliases of the cells to send, each mapped once
    CREATE TABLE #rel_alias (
        column_alias nvarchar(400) COLLATE DATABASE_DEFAULT NULL,
        metadata_board_id bigint NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL
    );
    -- the formatted cells: a #temp table (statistics, unlike a table variable), so that the joins are planned
    -- for the real row count (a batch can hold a million rows)
    CREATE TABLE #rel_cell (
        update_row_no int NOT NULL,
        src_row_no int NOT NULL,
        field_no int NOT NULL,
        column_alias nvarchar(400) COLLATE DATABASE_DEFAULT NULL,
        column_id varchar(100) COLLATE DATABASE_DEFAULT NULL,
        column_type varchar(50) COLLATE DATABASE_DEFAULT NULL,
        metadata_board_id bigint NULL,
        formatted nvarchar(MAX) COLLATE DATABASE_DEFAULT NULL,
        PRIMARY KEY CLUSTERED (update_row_no, src_row_no, field_no)
    );

    BEGIN TRY
        -- one release of a batch at a time, for all its transactions (checked, not waited for)
        EXEC @lock_rc = sys.sp_getapplock
            @Resource = @lock_resource, @LockMode = ''Exclusive'', @LockOwner = ''Session'', @LockTimeout = 0;
        IF @lock_rc < 0
        BEGIN
            -- who holds it, from the run log: a release whose client was cut off (a query timeout, a cancel in
            -- SSMS) runs no CATCH, and its session keeps the lock until the connection closes
            SELECT TOP (1)
                @holder = CONCAT(
                    N'' (run '', rl.run_id, N'', started by '', rl.caller_login, N'' from '', COALESCE(rl.host_name, N''?''),
                    N'' at '', CONVERT(nvarchar(30), rl.start_time, 121), N'' UTC)''
                )
            FROM dbo.MON_RunLog AS rl
            WHERE
                rl.proc_name = N''usp_ReleaseBatch'' AND rl.batch_id = @batch_id AND rl.outcome = ''RUNNING''
                AND rl.run_id <> @run_id
            ORDER BY rl.run_id DESC;
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' is being released by another session right now'', @holder,
                N'': nothing was done. Wait for that release to end, then see dbo.vw_MON_BatchSummary. A release'',
                N'' whose client was cut off keeps the batch until its connection closes: close that connection'',
                N'' (a DBA finds it in sys.dm_tran_locks, resource_type APPLICATION), then release again.''
            );
            THROW 50413, @msg, 1;
        END;
        SET @locked = 1;

        -- step 1: the copy, in one short transaction
        BEGIN TRANSACTION;

        SELECT
            @status = b.batch_status,
            @board_id = b.board_id,
            @target_level = b.target_level,
            @operation = b.update_operation,
            @create_labels = b.create_labels_if_missing,
            @rows_staged = b.rows_staged,
            @rows_valid = b.rows_valid,
            @rows_warning = b.rows_warning,
            @rows_invalid = b.rows_invalid,
            @rows_queued = b.rows_queued,
            @released_by = b.released_by,
            @released_at = b.released_at,
            @cancelled_by = b.cancelled_by,
            @cancelled_at = b.cancelled_at,
            @validated_at = b.validated_at
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        -- the batch id exactly (case and trailing spaces count, as on PostgreSQL); the first equality seeks
        WHERE
            b.batch_id = @batch_id
            AND b.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(b.batch_id) = DATALENGTH(@batch_id);

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' does not exist: check the id in dbo.vw_MON_BatchSummary, or stage it'',
                N'' with dbo.usp_StageUpdates.''
            );
            THROW 50403, @msg, 1;
        END;
        IF @status = ''CANCELLED''
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' was cancelled by '', @cancelled_by, N'' at '',
                CONVERT(nvarchar(30), @cancelled_at, 121),
                N'': it cannot be released. Stage the rows again with dbo.usp_StageUpdates.''
            );
            THROW 50406, @msg, 1;
        END;
        IF @status IN (''READY'', ''SENDING'', ''COMPLETED'', ''PARTIAL'', ''FAILED'')
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' was already released (by '', COALESCE(@released_by, N''?''), N'' at '',
                COALESCE(CONVERT(nvarchar(30), @released_at, 121), N''?''), N'', '', @rows_queued,
                N'' queue rows; now '', @status,
                N''): releasing twice would send it twice. See dbo.vw_MON_BatchSummary.''
            );
            THROW 50404, @msg, 1;
        END;
        IF @status <> ''VALIDATED''
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' is '', @status, N'', not VALIDATED: run EXEC dbo.usp_ValidateStagedUpdates'',
                N'' @batch_id = '''''', @batch_id, N'''''' first, then release.''
            );
            THROW 50405, @msg, 1;
        END;

        -- one read of the owner''s rows, content and hash together (READ COMMITTED: row locks taken and released
        -- one at a time, so no escalation to a table lock whatever the batch size). A row changed, deleted or
        -- added while this runs fails the checks of step 2 (hash 50412, count 50407/50411)
        IF @target_level = ''ITEMS''
        BEGIN
            INSERT INTO #rel_row (
                update_row_no, monday_item_id, parent_item_id, group_id, item_name, validation_status, update_fields,
                row_hash
            )
            SELECT
                i.update_row_no,
                i.monday_item_id,
                NULL AS parent_item_id,
                i.group_id,
                i.item_name,
                i.validation_status,
                i.update_fields,
                h.row_hash
            FROM dbo.STG_MON_CustMasterSchedule AS i
            CROSS APPLY dbo.fn_MON_Private_RowHash(
                i.monday_item_id, NULL, i.item_name, i.group_id, i.update_fields, i.validation_status
            ) AS h
            WHERE i.update_batch_id = @batch_id;
        END;
        ELSE
        BEGIN
            INSERT INTO #rel_row (
                update_row_no, monday_item_id, parent_item_id, group_id, item_name, validation_status, update_fields,
                row_hash
            )
            SELECT
                si.update_row_no,
                si.monday_item_id,
                si.parent_item_id,
                si.group_id,
                si.item_name,
                si.validation_status,
                si.update_fields,
                h.row_hash
            FROM dbo.STG_MON_CustMasterSchedule_Subitems AS si
            CROSS APPLY dbo.fn_MON_Private_RowHash(
                si.monday_item_id, si.parent_item_id, si.item_name, si.group_id, si.update_fields,
                si.validation_status
            ) AS h
            WHERE si.update_batch_id = @batch_id;
        END;

        COMMIT TRANSACTION;

        -- step 2: the copy checked against what validation recorded, then formatted (no transaction: #temp only)
        SELECT
            @staged = COUNT(*),
            @pending = COUNT(CASE WHEN COALESCE(r.validation_status, ''PENDING'') = ''PENDING'' THEN 1 END),
            @eligible = COUNT(
                CASE WHEN r.validation_status = ''VALID'' OR (@inc = ''Y'' AND r.validation_status = ''WARNING'') THEN 1 END
            ),
            @row_numbers = COUNT(DISTINCT r.update_row_no),
            @max_row_no = MAX(r.update_row_no),
            @n_valid = COUNT(CASE WHEN r.validation_status = ''VALID'' THEN 1 END),
            @n_warning = COUNT(CASE WHEN r.validation_status = ''WARNING'' THEN 1 END),
            @n_invalid = COUNT(CASE WHEN r.validation_status = ''INVALID'' THEN 1 END)
        FROM #rel_row AS r;

        IF @staged < @rows_staged
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' staged '', @rows_staged, N'' rows, but only '', @staged, N'' are still in '',
                CASE WHEN @target_level = ''SUBITEMS'' THEN N''STG_MON_CustMasterSchedule_Subitems''
                    ELSE N''STG_MON_CustMasterSchedule'' END,
                N'': they were deleted or reloaded since (a loader truncating the staging table?).'',
                N'' Nothing was released: stage the rows again with dbo.usp_StageUpdates.''
            );
            THROW 50407, @msg, 1;
        END;
        -- exactly the rows staging wrote (row numbers 1..rows_staged, once each) with the statuses validation
        -- counted: a row added to the batch by other means is never released
        IF @staged > @rows_staged OR @row_numbers <> @staged OR @max_row_no <> @rows_staged
            OR (
                @pending = 0
                AND (@n_valid <> @rows_valid OR @n_warning <> @rows_warning OR @n_invalid <> @rows_invalid)
            )
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' staged '', @rows_staged, N'' rows ('', @rows_valid, N'' VALID, '',
                @rows_warning, N'' WARNING, '', @rows_invalid, N'' INVALID), but '', @staged, N'' rows with '', @row_numbers,
                N'' row numbers ('', @n_valid, N'' VALID, '', @n_warning, N'' WARNING, '', @n_invalid,
                N'' INVALID) carry its id now: rows were added or changed outside dbo.usp_StageUpdates and'',
                N'' dbo.usp_ValidateStagedUpdates. Nothing was released: cancel the batch and stage the rows again.''
            );
            THROW 50411, @msg, 1;
        END;
        IF @pending > 0
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' has '', @pending, N'' staged rows not validated (PENDING): they changed'',
                N'' since validation. Run EXEC dbo.usp_ValidateStagedUpdates @batch_id = '''''', @batch_id,
                N'''''', then release.''
            );
            THROW 50408, @msg, 1;
        END;
        -- every row as validation saw it: its content hash as validation recorded it (dbo.MON_ValidatedRow)
        SELECT
            @n_changed = COUNT(*),
            @changed_rows = STRING_AGG(CAST(x.update_row_no AS nvarchar(MAX)), N'', '')
                WITHIN GROUP (ORDER BY x.update_row_no)
        FROM (
            SELECT r.update_row_no
            FROM #rel_row AS r
            WHERE NOT EXISTS (
                SELECT 1
                FROM dbo.MON_ValidatedRow AS vr
                WHERE
                    vr.batch_id = @batch_id
                    AND vr.update_row_no = r.update_row_no
                    AND vr.row_hash = r.row_hash
            )
        ) AS x;
        IF @n_changed > 0
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''': '', @n_changed, N'' staged rows differ from what validation saw (row_no '',
                LEFT(@changed_rows, 200), CASE WHEN LEN(@changed_rows) > 200 THEN N'' ...'' END,
                N''): their monday_item_id, parent_item_id, item_name, group_id, update_fields or validation_status was'',
                N'' changed in the staging table after validation. Nothing was released: run EXEC'',
                N'' dbo.usp_ValidateStagedUpdates @batch_id = '''''', @batch_id, N'''''' and read the findings, or cancel the'',
                N'' batch; find who wrote the rows.''
            );
            THROW 50412, @msg, 1;
        END;
        -- the cells of the rows to send, from the copy: each field of update_fields, each distinct alias mapped
        -- once to its board column (the board of the batch, or its subitems board)
        SELECT @subitems_board = brd.subitems_board_id
        FROM dbo.MON_Board AS brd
        WHERE brd.board_id = @board_id;
        INSERT INTO #rel_src (
            src_row_no, field_no, column_alias, raw_value, metadata_board_id, monday_item_id
        )
        SELECT
            r.update_row_no,
            f.field_no,
            f.column_alias,
            f.raw_value,
            CASE WHEN @target_level = ''SUBITEMS'' THEN COALESCE(@subitems_board, @board_id) ELSE @board_id END
                AS metadata_board_id,
            r.monday_item_id
        FROM #rel_row AS r
        CROSS APPLY dbo.fn_MON_Private_StagedFields(r.update_fields) AS f
        WHERE r.validation_status = ''VALID'' OR (@inc = ''Y'' AND r.validation_status = ''WARNING'');
        -- each distinct alias mapped once, materialised (no plan maps it once per cell), then joined
        INSERT INTO #rel_alias (column_alias, metadata_board_id, column_id)
        SELECT
            a.column_alias,
            a.metadata_board_id,
            m.column_id
        FROM (
            SELECT DISTINCT
                sc.column_alias,
                sc.metadata_board_id
            FROM #rel_src AS sc
        ) AS a
        CROSS APPLY dbo.fn_MON_Private_MapAlias(@board_id, a.metadata_board_id, a.column_alias) AS m;
        UPDATE sc
        SET
            sc.column_id = a.column_id,
            sc.column_type = bc.column_type
        FROM #rel_src AS sc
        INNER JOIN #rel_alias AS a ON sc.column_alias = a.column_alias
        LEFT JOIN dbo.MON_BoardColumn AS bc ON a.metadata_board_id = bc.board_id AND a.column_id = bc.column_id;

        IF @eligible = 0
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' has no row to send: '', @rows_valid, N'' VALID, '', @rows_warning,
                N'' WARNING'',
                CASE WHEN @inc = ''N'' AND @rows_warning > 0 THEN N'' (not included: @include_warnings = ''''N'''')'' END,
                N'', '', @rows_invalid, N'' INVALID. Read the errors in dbo.vw_MON_ValidationErrors, fix the source'',
                N'' and stage again, or cancel the batch with dbo.usp_CancelBatch.''
            );
            THROW 50409, @msg, 1;
        END;

        -- an UPDATE sends one queue row per item: the cells of every released row of an item go to the
        -- item''s first such row (update_row_no), and a cell staged in several rows with one value (different
        -- values are a DUPLICATE_CONFLICT, never released) is sent once, from its first row (src_row_no).
        -- The settings come from the board column, once per column (not copied per cell)
        WITH c AS (
            SELECT
                sc.src_row_no,
                sc.field_no,
                sc.column_alias,
                sc.column_id,
                sc.column_type,
                sc.metadata_board_id,
                sc.raw_value,
                CASE
                    WHEN @operation = ''UPDATE'' AND sc.monday_item_id IS NOT NULL
                        THEN MIN(sc.src_row_no) OVER (PARTITION BY sc.monday_item_id)
                    ELSE sc.src_row_no
                END AS update_row_no,
                CASE
                    WHEN @operation = ''UPDATE'' AND sc.monday_item_id IS NOT NULL AND sc.column_id IS NOT NULL
                        THEN ROW_NUMBER() OVER (
                            PARTITION BY sc.monday_item_id, sc.column_id ORDER BY sc.src_row_no, sc.field_no
                        )
                    ELSE 1
                END AS dup_no
            FROM #rel_src AS sc
        )

        INSERT INTO #rel_cell (
            update_row_no, src_row_no, field_no, column_alias, column_id, column_type, metadata_board_id, formatted
        )
        SELECT
            c.update_row_no,
            c.src_row_no,
            c.field_no,
            c.column_alias,
            c.column_id,
            c.column_type,
            c.metadata_board_id,
            f.formatted_value AS formatted
        FROM c
        LEFT JOIN dbo.MON_BoardColumn AS bc ON c.metadata_board_id = bc.board_id AND c.column_id = bc.column_id
        -- the formatting rules, inline: one set-based statement, no scalar function per cell
        CROSS APPLY dbo.fn_MON_Private_FormatValue(c.column_type, c.raw_value, bc.settings_json) AS f
        WHERE c.dup_no = 1;

        SELECT TOP (1)
            @bad_row = c.src_row_no,
            @bad_alias = c.column_alias,
            @bad_column = c.column_id,
            @bad_type = c.column_type
        FROM #rel_cell AS c
        WHERE c.column_id IS NULL
            OR c.formatted IS NULL
        ORDER BY c.src_row_no, c.field_no;
        IF @bad_row IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' row '', @bad_row, N'': the value of '''''', @bad_alias, N'''''' (column '',
                COALESCE(@bad_column, ''(unmapped)''), N'', type '', COALESCE(@bad_type, ''?''),
                N'') cannot be written to monday, although the row passed validation (the board metadata or the'',
                N'' rules changed since?). Nothing was released: run EXEC dbo.usp_ValidateStagedUpdates @batch_id = '''''',
                @batch_id, N'''''' again, then release.''
            );
            THROW 50410, @msg, 1;
        END;

        -- what the chunks will write: the eligible rows that have a cell (a CREATE row always)
        UPDATE r
        SET r.to_send = 1
        FROM #rel_row AS r
        WHERE
            (r.validation_status = ''VALID'' OR (@inc = ''Y'' AND r.validation_status = ''WARNING''))
            AND (
                @operation = ''CREATE''
                OR EXISTS (
                    SELECT 1 FROM #rel_cell AS c
                    WHERE c.update_row_no = r.update_row_no
                )
            );
        DELETE FROM #rel_row
        WHERE to_send = 0;
        CREATE CLUSTERED INDEX CX_rel_row ON #rel_row (update_row_no);
        SELECT @expected = COUNT(*) FROM #rel_row;

        -- steps 3 and 4, one transaction each: the batch row locked and found as the copy found it. Queue rows
        -- of an earlier release of this batch that did not finish (never sendable: the batch is still
        -- VALIDATED) are deleted first, in chunks, and written anew from this copy
        WHILE @phase <> ''done''
        BEGIN
            BEGIN TRANSACTION;

            SELECT
                @status = b.batch_status,
                @now_validated_at = b.validated_at
            FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
            WHERE b.batch_id = @batch_id;
            IF @status <> ''VALIDATED'' OR @now_validated_at <> @validated_at
            BEGIN
                SET @msg = CONCAT(
                    N''batch '''''', @batch_id, N'''''' was '',
                    CASE WHEN @status = ''CANCELLED'' THEN N''cancelled'' ELSE N''validated again'' END,
                    N'' while it was being released: nothing is sendable. '',
                    CASE
                        WHEN @status = ''CANCELLED''
                            THEN N''Its queue rows are cancelled by dbo.usp_CancelBatch; stage the rows again.''
                        ELSE CONCAT(N''Run EXEC dbo.usp_ReleaseBatch @batch_id = '''''', @batch_id, N'''''' again.'')
                    END
                );
                THROW 50414, @msg, 1;
            END;

            IF @phase = ''clean''
            BEGIN
                -- a dry run may have previewed them (the previews reference the rows)
                DELETE FROM dbo.MON_UpdatePreview
                WHERE batch_id = @batch_id;
                DELETE TOP (@chunk_rows) FROM dbo.MON_UpdateQueue
                WHERE batch_id = @batch_id;
                IF @@ROWCOUNT < @chunk_rows SET @phase = ''queue'';
            END;
            ELSE IF @phase = ''queue''
            BEGIN
                WITH chunk AS (
                    SELECT TOP (@chunk_rows)
                        r.update_row_no,
                        r.monday_item_id,
                        r.parent_item_id,
                        r.group_id,
                        r.item_name
                    FROM #rel_row AS r
                    WHERE r.update_row_no > @last_row_no
                    ORDER BY r.update_row_no
                ),

                cv AS (
                    SELECT
                        c.update_row_no,
                        MIN(c.metadata_board_id) AS metadata_board_id,
                        N''{'' + STRING_AGG(
                            CAST(N''"'' + STRING_ESCAPE(c.column_id, ''json'') + N''":'' + c.formatted AS nvarchar(MAX)),
                            N'',''
                        ) WITHIN GROUP (ORDER BY c.src_row_no, c.field_no) + N''}'' AS column_values
                    FROM #rel_cell AS c
                    WHERE c.update_row_no IN (SELECT k.update_row_no FROM chunk AS k)
                    GROUP BY c.update_row_no
                )

                INSERT INTO dbo.MON_UpdateQueue (
                    batch_id, update_row_no, board_id, update_operation, monday_item_id, parent_item_id, group_id,
                    item_name, column_values, create_labels_if_missing, idempotency_key, queue_status, visible_after,
                    created_at
                )
                SELECT
                    @batch_id AS batch_id,
                    s.update_row_no,
                    COALESCE(
                        cv.metadata_board_id,
                        CASE
                            WHEN @target_level = ''SUBITEMS'' THEN COALESCE(@subitems_board, @board_id)
                            ELSE @board_id
                        END
                    ) AS board_id,
                    @operation AS update_operation,
                    s.monday_item_id,
                    s.parent_item_id,
                    s.group_id,
                    CASE WHEN @operation = ''CREATE'' THEN LTRIM(RTRIM(s.item_name)) ELSE s.item_name END AS item_name,
                    COALESCE(cv.column_values, N''{}'') AS column_values,
                    @create_labels AS create_labels_if_missing,
                    CONCAT(@batch_id, ''-'', s.update_row_no) AS idempotency_key,
                    ''READY'' AS queue_status,
                    @now AS visible_after,
                    @now AS created_at
                FROM chunk AS s
                LEFT JOIN cv ON s.update_row_no = cv.update_row_no
                ORDER BY s.update_row_no;
                IF @@ROWCOUNT = 0 SET @phase = ''finish'';

                SELECT @last_row_no = COALESCE(MAX(x.update_row_no), @last_row_no)
                FROM (
                    SELECT TOP (@chunk_rows) r.update_row_no
                    FROM #rel_row AS r
                    WHERE r.update_row_no > @last_row_no
                    ORDER BY r.update_row_no
                ) AS x;
            END;
            ELSE
            BEGIN
                -- step 4: the queue holds exactly the rows of the copy, then the batch opens to the claim
                SELECT @rows = COUNT(*)
                FROM dbo.MON_UpdateQueue AS q
                WHERE q.batch_id = @batch_id;
                IF @rows <> @expected
                BEGIN
                    SET @msg = CONCAT(
                        N''batch '''''', @batch_id, N'''''': '', @rows, N'' queue rows were written, but the release copied '',
                        @expected, N'' rows to send: the queue was changed while the batch was being released.'',
                        N'' Nothing is sendable: run EXEC dbo.usp_ReleaseBatch @batch_id = '''''', @batch_id, N'''''' again.''
                    );
                    THROW 50414, @msg, 1;
                END;

                UPDATE dbo.MON_UpdateBatch
                SET
                    batch_status = CASE WHEN @rows = 0 THEN ''COMPLETED'' ELSE ''READY'' END,
                    rows_queued = @rows,
                    released_by = ORIGINAL_LOGIN(),
                    released_at = @now,
                    completed_at = CASE WHEN @rows = 0 THEN @now END,
                    -- in the transaction that opens the batch: a batch released to be previewed is never
                    -- claimable, not even for a moment
                    send_approved = UPPER(@send_approved)
                WHERE batch_id = @batch_id;
                SET @phase = ''done'';
            END;

            COMMIT TRANSACTION;
        END;

        EXEC sys.sp_releaseapplock @Resource = @lock_resource, @LockOwner = ''Session'';
        SET @locked = 0;
        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;

        SELECT
            @batch_id AS batch_id,
            CASE WHEN @rows = 0 THEN ''COMPLETED'' ELSE ''READY'' END AS batch_status,
            @rows AS rows_queued,
            @staged - @rows AS rows_left_out,
            @inc AS include_warnings;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        IF @locked = 1 EXEC sys.sp_releaseapplock @Resource = @lock_resource, @LockOwner = ''Session'';
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ReleaseBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_CancelBatch.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_CancelBatch: cancels a batch from which nothing was sent: the batch becomes CANCELLED and its open
-- queue rows (READY, or CLAIMED with an expired lease) CANCELLED. Refused when a row was already sent,
-- skipped, failed or dead (50504: use usp_StageRollback for sent rows), or when a sender holds a live
-- lease on a row right now (50505: it may be sending it; stop it or wait).
-- Lock order (as in usp_RecordSendResult): batch row, then queue rows.
-- In two steps, so that a batch of a million rows holds neither a million locks nor its log in one
-- transaction (the queue escalates to a table lock past about 5,000 locks, as SQL Server does by default):
--   1. one short transaction checks the batch and its open rows (read WITH (UPDLOCK), through the claim
--      index, without HOLDLOCK: a claim that picked some of them is waited for, then seen leased) and marks
--      the batch CANCELLED: from its commit the claim takes no row of it (its batch gate: READY and SENDING
--      batches only);
--   2. the open rows become CANCELLED in committed chunks of @chunk_rows. A cancel cut off in step 2 leaves
--      a CANCELLED batch with open rows no claim takes; running the cancel again finishes them.
-- A batch whose release was cut off (VALIDATED, with queue rows no claim takes) is cancelled the same way.
-- Cannot be called through INSERT ... EXEC (50960): it commits its own work.
-- Twin of db/postgres/procedures/usp_CancelBatch.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_CancelBatch'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_CancelBatch AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_CancelBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_CancelBatch
    @batch_id varchar(50) = NULL,
    @reason nvarchar(500) = NULL,
    @chunk_rows int = 4000,
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_CancelBatch: cancels a batch from which nothing was sent (status STAGED, VALIDATED, READY,
or SENDING with no row sent yet). Its open queue rows become CANCELLED; the sender never sends them.

Parameters:
  @batch_id    varchar(50)    required  the batch to cancel
  @reason      nvarchar(500)  NULL      why (kept in the run log and on the cancelled queue rows)
  @chunk_rows  int            4000      queue rows cancelled per committed chunk (1..4000, below lock escalation)
  @help        char(1)        ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  EXEC dbo.usp_CancelBatch @batch_id = ''''UB20260101-0001'''', @reason = N''''wrong source query'''';
  SELECT * FROM dbo.vw_MON_BatchSummary WHERE batch_id = ''''UB20260101-0001'''';'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_CancelBatch'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    IF NULLIF(LTRIM(RTRIM(@batch_id)), '''') IS NULL
    BEGIN
        THROW 50501, N''@batch_id is required: pass the batch to cancel (see dbo.vw_MON_BatchSummary).'', 1;
    END;
    IF @chunk_rows IS NULL OR @chunk_rows NOT BETWEEN 1 AND 4000
    BEGIN
        DECLARE @chunk_msg nvarchar(2048) = CONCAT(
            N''@chunk_rows = '', COALESCE(CAST(@chunk_rows AS nvarchar(20)), N''NULL''),
            N'' is not supported: pass the queue rows to cancel per committed chunk, 1 to 4000 (the default;'',
            N'' more would let SQL Server escalate the row locks of a chunk to a table lock).''
        );
        THROW 50506, @chunk_msg, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N''EXEC dbo.usp_CancelBatch @batch_id = '''''', REPLACE(@batch_id, N'''''''', N''''''''''''), N'''''''',
            N'', @reason = '', COALESCE(N''N'''''' + REPLACE(@reason, N'''''''', N'''''''''''') + N'''''''', N''NULL''),
            N'', @chunk_rows = '', @chunk_rows, N'';''
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_CancelBatch'', @batch_id = @batch_id, @parameters_used = @params, @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @status varchar(20),
        @cancelled_by nvarchar(128),
        @cancelled_at datetime2(3),
        @closed int,
        @live int,
        @owner varchar(100),
        @open int,
        @done int = 1,
        @last_id bigint = 0,
        @chunk_last_id bigint,
        @rows int = 0,
        @msg nvarchar(2048);

    BEGIN TRY
        -- step 1: the checks and the gate, in one short transaction
        BEGIN TRANSACTION;

        SELECT
            @status = b.batch_status,
            @cancelled_by = b.cancelled_by,
            @cancelled_at = b.cancelled_at
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        -- the batch id exactly (case and trailing spaces count, as on PostgreSQL); the first equality seeks
        WHERE
            b.batch_id = @batch_id
            AND b.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(b.batch_id) = DATALENGTH(@batch_id);

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(N''batch '''''', @batch_id, N'''''' does not exist: check the id in dbo.vw_MON_BatchSummary.'');
            THROW 50502, @msg, 1;
        END;

        -- the open rows, through the filtered claim index (lease_owner included: no key lookup, U locks on its keys
        -- only), U-locked to the end of this short transaction, so that a claim that picked some of them is waited
        -- for and then seen leased (no HOLDLOCK: the batch row''s lock already keeps release, record and rollback
        -- out; past ~5,000 rows SQL Server escalates to one table lock for this transaction''s few statements)
        SELECT
            @open = COUNT(*),
            @live = COUNT(CASE WHEN q.queue_status = ''CLAIMED'' AND q.lease_expires_at > @now THEN 1 END),
            @owner = MIN(CASE WHEN q.queue_status = ''CLAIMED'' AND q.lease_expires_at > @now THEN q.lease_owner END)
        FROM dbo.MON_UpdateQueue AS q WITH (UPDLOCK)
        WHERE
            q.batch_id = @batch_id
            AND q.queue_status IN (''READY'', ''CLAIMED'');
        -- the closed rows: counted through IX_MON_UpdateQueue_batch_status, not locked (a row closes only
        -- under its batch row''s lock, which this transaction holds)
        SELECT @closed = COUNT(*)
        FROM dbo.MON_UpdateQueue AS q
        WHERE
            q.batch_id = @batch_id
            AND q.queue_status IN (''SENT'', ''SKIPPED'', ''FAILED'', ''DEAD'');

        IF @status = ''CANCELLED'' AND @open = 0
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' was already cancelled by '', @cancelled_by, N'' at '',
                CONVERT(nvarchar(30), @cancelled_at, 121), N'': nothing to do.''
            );
            THROW 50503, @msg, 1;
        END;
        IF @status <> ''CANCELLED''
        BEGIN
            IF @status IN (''COMPLETED'', ''PARTIAL'', ''FAILED'') OR @closed > 0
            BEGIN
                SET @msg = CONCAT(
                    N''batch '''''', @batch_id, N'''''' is '', @status, N'' and '', @closed,
                    N'' of its rows were already sent or answered by monday: it cannot be cancelled.'',
                    N'' Use dbo.usp_StageRollback to undo what was sent.''
                );
                THROW 50504, @msg, 1;
            END;
            IF @live > 0
            BEGIN
                SET @msg = CONCAT(
                    N''batch '''''', @batch_id, N'''''' has '', @live, N'' rows being sent right now (leased by '', @owner,
                    N''): stop the sender or wait until the leases end, then cancel again.''
                );
                THROW 50505, @msg, 1;
            END;

            -- the gate: from this commit on no claim takes a row of the batch
            UPDATE dbo.MON_UpdateBatch
            SET
                batch_status = ''CANCELLED'',
                cancelled_by = ORIGINAL_LOGIN(),
                cancelled_at = @now
            WHERE batch_id = @batch_id;
        END;
        -- else: a cancel cut off before its last chunk; this call finishes it

        COMMIT TRANSACTION;

        -- step 2: the open rows, a committed chunk at a time. A row CLAIMED here has an expired lease (a live
        -- one refused the cancel above): its sender may have sent it. lease_owner is kept, so that sender can
        -- still record the SENT result and its audit rows (usp_RecordSendResult, usp_RecordCreatedItem);
        -- nothing else can be recorded or claimed any more
        -- in queue_id order from where the last chunk ended, so that no chunk reads the index entries the
        -- chunks before it closed (ghost records until they are cleaned up)
        WHILE @done > 0
        BEGIN
            SELECT @chunk_last_id = MAX(x.queue_id)
            FROM (
                SELECT TOP (@chunk_rows) o.queue_id
                FROM dbo.MON_UpdateQueue AS o
                WHERE
                    o.batch_id = @batch_id
                    AND o.queue_status IN (''READY'', ''CLAIMED'')
                    AND o.queue_id > @last_id
                ORDER BY o.queue_id
            ) AS x;

            BEGIN TRANSACTION;
            UPDATE dbo.MON_UpdateQueue
            SET
                queue_status = ''CANCELLED'',
                lease_owner = CASE WHEN queue_status = ''CLAIMED'' THEN lease_owner END,
                lease_expires_at = NULL,
                completed_at = @now,
                last_error_code = ''CANCELLED'',
                last_error = LEFT(CONCAT(N''cancelled by '', ORIGINAL_LOGIN(), N'': '' + @reason), 4000)
            WHERE batch_id = @batch_id
                AND queue_status IN (''READY'', ''CLAIMED'')
                AND queue_id > @last_id
                AND queue_id <= @chunk_last_id;
            SET @done = @@ROWCOUNT;
            SET @rows = @rows + @done;
            COMMIT TRANSACTION;
            SET @last_id = COALESCE(@chunk_last_id, @last_id);
        END;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;

        SELECT
            @batch_id AS batch_id,
            ''CANCELLED'' AS batch_status,
            @rows AS queue_rows_cancelled,
            @reason AS reason;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_CancelBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_StageRollback.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_StageRollback: builds a ROLLBACK batch that undoes what a sent batch changed, released (READY) but
-- previewed only (send_approved = ''N''): a plain send does not send it until it is approved
-- (usp_ApproveBatch, opus-sender rollback --execute); a dry run previews it.
--   * per item one UPDATE queue row setting every audited cell back to its old_value (the first audit
--     row of the cell), with expected_values = the audited new_value (the last audit row of the cell):
--     the sender re-reads the board and skips and reports cells that differ now (changed by someone
--     else since);
--   * every item the batch created becomes an ARCHIVE queue row.
-- Only audit rows not rolled back yet are used, so after a PARTIAL rollback a second call picks up the
-- rest. When the rollback rows are sent, usp_RecordSendResult stamps the original audit rows
-- (rollback_timestamp, rollback_reason, rollback_batch_id).
-- Refused: a batch still being sent (50707), a rollback batch (50708), one with a rollback in progress
-- (50706), nothing audited (50704), everything rolled back already (50705).
-- Twin of db/postgres/procedures/usp_StageRollback.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_StageRollback'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_StageRollback AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_StageRollback.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_StageRollback
    @batch_id varchar(50) = NULL,
    @reason nvarchar(500) = NULL,
    @rollback_batch_id varchar(50) = NULL OUTPUT,
    @send_approved char(1) = ''N'',
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_StageRollback: stages a ROLLBACK batch that sets every cell a sent batch changed back to its
audited old value (cells changed by someone else since are skipped and reported by the sender) and
archives the items the batch created. The new batch is READY but previewed only: a dry run previews it,
and a plain send sends it once approved (EXEC dbo.usp_ApproveBatch @batch_id = <the new batch>, or
opus-sender rollback --execute).

Parameters:
  @batch_id           varchar(50)    required  the sent batch to undo (COMPLETED, PARTIAL or FAILED)
  @reason             nvarchar(500)  required  why; stored on the batch and on the original audit rows
  @rollback_batch_id  varchar(50)    OUTPUT    the id of the new ROLLBACK batch
  @send_approved      char(1)        ''''N''''       ''''N'''': previewed only until approved (usp_ApproveBatch);
                                                 ''''Y'''': approved, a plain send sends it (rollback --execute)
  @help               char(1)        ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  DECLARE @rb varchar(50);
  EXEC dbo.usp_StageRollback @batch_id = ''''UB20260101-0001'''', @reason = N''''wrong status values'''',
       @rollback_batch_id = @rb OUTPUT;
  SELECT * FROM dbo.vw_MON_AuditTrail WHERE batch_id = ''''UB20260101-0001'''';'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_StageRollback'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@batch_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50701);
        SET @errors = CONCAT(
            @errors + N'' '',
            N''@batch_id is required: pass the sent batch to roll back (see dbo.vw_MON_BatchSummary).''
        );
    END;
    IF NULLIF(LTRIM(RTRIM(@reason)), N'''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50702);
        SET @errors = CONCAT(
            @errors + N'' '', N''@reason is required: say why the batch is rolled back; it is kept with the audit rows.''
        );
    END;
    IF @send_approved IS NULL OR UPPER(@send_approved) NOT IN (''Y'', ''N'')
    BEGIN
        SET @first = COALESCE(@first, 50709);
        SET @errors = CONCAT(
            @errors + N'' '', N''@send_approved = '', COALESCE(N'''''''' + @send_approved + N'''''''', N''NULL''),
            N'' is not supported: pass ''''N'''' (previewed only until approved) or ''''Y'''' (approved for sending).''
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N''DECLARE @rb varchar(50); EXEC dbo.usp_StageRollback @batch_id = '''''',
            REPLACE(@batch_id, N'''''''', N''''''''''''), N'''''', @reason = N'''''', REPLACE(@reason, N'''''''', N''''''''''''),
            N'''''', @rollback_batch_id = @rb OUTPUT, @send_approved = '''''', UPPER(@send_approved), N'''''';''
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_StageRollback'', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE
        @now datetime2(3) = SYSUTCDATETIME(),
        @status varchar(20),
        @operation varchar(50),
        @board_id bigint,
        @target_level varchar(10),
        @rollback_of varchar(50),
        @open varchar(50),
        @audited int,
        @rb varchar(50),
        @rows int = 0,
        @msg nvarchar(2048);
    DECLARE @rollback_rows TABLE (
        row_no int NOT NULL PRIMARY KEY,
        row_kind varchar(10) NOT NULL,
        monday_item_id bigint NOT NULL,
        board_id bigint NOT NULL,
        item_name nvarchar(255) NULL,
        column_values nvarchar(MAX) NULL,
        expected_values nvarchar(MAX) NULL
    );

    BEGIN TRY
        BEGIN TRANSACTION;

        SELECT
            @status = b.batch_status,
            @operation = b.update_operation,
            @board_id = b.board_id,
            @target_level = b.target_level,
            @rollback_of = b.rollback_of_batch_id
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        WHERE b.batch_id = @batch_id;

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(N''batch '''''', @batch_id, N'''''' does not exist: check the id in dbo.vw_MON_BatchSummary.'');
            THROW 50703, @msg, 1;
        END;
        IF @operation = ''ROLLBACK''
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' is itself a rollback (of '', @rollback_of,
                N''): it cannot be rolled back. Stage the values you want as a new UPDATE batch with'',
                N'' dbo.usp_StageUpdates.''
            );
            THROW 50708, @msg, 1;
        END;
        IF @status IN (''READY'', ''SENDING'')
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' is '', @status, N'': it is still being sent. Wait until it is COMPLETED,'',
                N'' PARTIAL or FAILED (dbo.vw_MON_BatchSummary), or cancel what is left with dbo.usp_CancelBatch,'',
                N'' then roll back.''
            );
            THROW 50707, @msg, 1;
        END;

        SELECT TOP (1) @open = rb.batch_id
        FROM dbo.MON_UpdateBatch AS rb
        WHERE rb.rollback_of_batch_id = @batch_id
            AND rb.batch_status IN (''STAGED'', ''VALIDATED'', ''READY'', ''SENDING'')
        ORDER BY rb.created_at DESC;
        IF @open IS NOT NULL
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' already has a rollback in progress (batch '', @open,
                N''): let the sender finish it, or cancel it with dbo.usp_CancelBatch, before staging another.''
            );
            THROW 50706, @msg, 1;
        END;

        SELECT @audited = COUNT(*)
        FROM dbo.MON_UpdateAudit AS a
        WHERE a.batch_id = @batch_id;
        IF @audited = 0
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' ('', @status, N'') has no audited change: nothing of it reached the'',
                N'' board, so there is nothing to roll back.''
            );
            THROW 50704, @msg, 1;
        END;

        WITH created AS (
            -- items the batch created: archived
            SELECT
                a.monday_item_id,
                MIN(a.monday_board_id) AS board_id,
                MAX(CASE WHEN a.column_id = ''name'' THEN a.new_value END) AS item_name
            FROM dbo.MON_UpdateAudit AS a
            WHERE a.batch_id = @batch_id
                AND a.update_operation = ''CREATE''
                AND a.rollback_timestamp IS NULL
                AND a.monday_item_id IS NOT NULL
            GROUP BY a.monday_item_id
        ),

        cell AS (
            -- cells the batch changed on existing items: the first old value back, the last new value expected
            SELECT
                a.monday_item_id,
                a.monday_board_id,
                a.column_id,
                FIRST_VALUE(a.old_value) OVER (
                    PARTITION BY a.monday_item_id, a.column_id ORDER BY a.audit_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                ) AS old_value,
                LAST_VALUE(a.new_value) OVER (
                    PARTITION BY a.monday_item_id, a.column_id ORDER BY a.audit_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
                ) AS new_value,
                ROW_NUMBER() OVER (PARTITION BY a.monday_item_id, a.column_id ORDER BY a.audit_id) AS rn
            FROM dbo.MON_UpdateAudit AS a
            WHERE a.batch_id = @batch_id
                AND a.update_operation <> ''CREATE''
                AND a.rollback_timestamp IS NULL
                AND a.monday_item_id IS NOT NULL
                AND a.column_id IS NOT NULL
        ),

        restored AS (
            SELECT
                c.monday_item_id,
                MIN(c.monday_board_id) AS board_id,
                N''{'' + STRING_AGG(
                    CAST(N''"'' + STRING_ESCAPE(c.column_id, ''json'') + N''":'' + ISNULL(
                        dbo.fn_MON_Private_TryJson(c.old_value),
                        ISNULL(N''"'' + esc_old.escaped + N''"'', N''null'')
                    ) AS nvarchar(MAX)), N'',''
                ) WITHIN GROUP (ORDER BY c.column_id) + N''}'' AS column_values,
                N''{'' + STRING_AGG(
                    CAST(N''"'' + STRING_ESCAPE(c.column_id, ''json'') + N''":'' + ISNULL(
                        dbo.fn_MON_Private_TryJson(c.new_value),
                        ISNULL(N''"'' + esc_new.escaped + N''"'', N''null'')
                    ) AS nvarchar(MAX)), N'',''
                ) WITHIN GROUP (ORDER BY c.column_id) + N''}'' AS expected_values
            FROM cell AS c
            CROSS APPLY dbo.fn_MON_Private_JsonEscape(c.old_value) AS esc_old
            CROSS APPLY dbo.fn_MON_Private_JsonEscape(c.new_value) AS esc_new
            WHERE c.rn = 1
                -- exactly distinct (a NULL, a change of case or of trailing spaces counts): varbinary compares bytes
                AND EXISTS (
                    SELECT CAST(c.old_value AS varbinary(MAX))
                    EXCEPT
                    SELECT CAST(c.new_value AS varbinary(MAX))
                )
            GROUP BY c.monday_item_id
        ),

        all_rows AS (
            SELECT
                ''UPDATE'' AS row_kind,
                r.monday_item_id,
                r.board_id,
                CAST(NULL AS nvarchar(255)) AS item_name,
                r.column_values,
                r.expected_values
            FROM restored AS r
            UNION ALL
            SELECT
                ''ARCHIVE'' AS row_kind,
                cr.monday_item_id,
                cr.board_id,
                cr.item_name,
                NULL AS column_values,
                NULL AS expected_values
            FROM created AS cr
        )

        INSERT INTO @rollback_rows (
            row_no, row_kind, monday_item_id, board_id, item_name, column_values, expected_values
        )
        SELECT
            ROW_NUMBER() OVER (ORDER BY x.row_kind DESC, x.monday_item_id ASC) AS row_no,
            x.row_kind,
            x.monday_item_id,
            x.board_id,
            x.item_name,
            x.column_values,
            x.expected_values
        FROM all_rows AS x;
        SET @rows = @@ROWCOUNT;

        IF @rows = 0
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' was already rolled back: every audited change has a rollback'',
                N'' (see dbo.vw_MON_AuditTrail). Nothing was staged.''
            );
            THROW 50705, @msg, 1;
        END;

        -- RByyyymmddhhmmss-xxxxxx, made as usp_StageUpdates makes a UB id (style 120: a T-SQL test engine
        -- ignores styles 112 and 108 for a datetime2)
        SET @rb = CONCAT(
            ''RB'', REPLACE(REPLACE(REPLACE(CONVERT(char(19), @now, 120), ''-'', ''''), '' '', ''''), '':'', ''''), ''-'',
            LOWER(LEFT(REPLACE(CONVERT(char(36), NEWID()), ''-'', ''''), 6))
        );

        INSERT INTO dbo.MON_UpdateBatch (
            batch_id, board_id, target_level, update_operation, source_table, source_query,
            create_labels_if_missing, batch_status, rows_staged, rows_valid, rows_queued,
            rollback_of_batch_id, rollback_reason, created_by, created_at, validated_at, released_by, released_at,
            send_approved
        )
        VALUES (
            @rb, @board_id, @target_level, ''ROLLBACK'', NULL, @params,
            ''N'', ''READY'', @rows, @rows, @rows,
            @batch_id, @reason, ORIGINAL_LOGIN(), @now, @now, ORIGINAL_LOGIN(), @now,
            UPPER(@send_approved)
        );

        INSERT INTO dbo.MON_UpdateQueue (
            batch_id, update_row_no, board_id, update_operation, monday_item_id, item_name, column_values,
            expected_values, create_labels_if_missing, idempotency_key, queue_status, visible_after, created_at
        )
        SELECT
            @rb AS batch_id,
            r.row_no,
            r.board_id,
            r.row_kind,
            r.monday_item_id,
            r.item_name,
            r.column_values,
            r.expected_values,
            ''N'' AS create_labels_if_missing,
            CONCAT(@rb, ''-'', r.row_no) AS idempotency_key,
            ''READY'' AS queue_status,
            @now AS visible_after,
            @now AS created_at
        FROM @rollback_rows AS r;

        COMMIT TRANSACTION;

        SET @rollback_batch_id = @rb;
        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = @rows;

        SELECT
            @rb AS rollback_batch_id,
            @batch_id AS rollback_of_batch_id,
            ''READY'' AS batch_status,
            COUNT(CASE WHEN r.row_kind = ''UPDATE'' THEN 1 END) AS items_restored,
            COUNT(CASE WHEN r.row_kind = ''ARCHIVE'' THEN 1 END) AS items_archived,
            @reason AS reason
        FROM @rollback_rows AS r;
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_StageRollback.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/procedures/usp_ApproveBatch.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- usp_ApproveBatch: approves a released batch that was staged or released for a preview only (a rollback
-- staged by usp_StageRollback, a batch the Python dry run released): a plain send sends it from now on.
-- @approved = ''N'' holds a released batch back as previewed only (what the Python dry run does when it
-- releases a batch to preview it). Only a READY or SENDING batch can change; nothing else changes.
-- Twin of db/postgres/procedures/usp_ApproveBatch.sql.
-- created once as a stub, then ALTERed: a re-run keeps the procedure''s grants
IF OBJECT_ID(N''dbo.usp_ApproveBatch'', N''P'') IS NULL
    EXEC (N''CREATE PROCEDURE dbo.usp_ApproveBatch AS RETURN 0;'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ApproveBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'ALTER PROCEDURE dbo.usp_ApproveBatch
    @batch_id varchar(50) = NULL,
    @approved char(1) = ''Y'',
    @help char(1) = ''N''
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    IF UPPER(@help) = ''Y''
    BEGIN
        PRINT N''dbo.usp_ApproveBatch: approves a released batch that was only previewed, so that a plain send sends it
(a rollback staged by usp_StageRollback is previewed only until approved).

Parameters:
  @batch_id  varchar(50)  required  the READY or SENDING batch (see dbo.vw_MON_BatchSummary.send_approved)
  @approved  char(1)      ''''Y''''       ''''Y'''' approves it; ''''N'''' holds it back as previewed only
  @help      char(1)      ''''N''''       ''''Y'''' prints this text and does nothing else

Examples:
  EXEC dbo.usp_ApproveBatch @batch_id = ''''RB20260101120000-a1b2c3'''';
  SELECT batch_id, batch_status, send_approved FROM dbo.vw_MON_BatchSummary WHERE send_approved = ''''N'''';'';
        RETURN;
    END;

    -- a caller''s open transaction is refused before anything changes, and this procedure''s transaction is
    -- READ COMMITTED whatever the caller''s level (the SET reverts at exit): docs/sql_conventions.md
    EXEC dbo.usp_Private_RefuseOpenTransaction @proc_name = N''usp_ApproveBatch'';
    SET TRANSACTION ISOLATION LEVEL READ COMMITTED;

    DECLARE @errors nvarchar(MAX), @first int;
    IF NULLIF(LTRIM(RTRIM(@batch_id)), '''') IS NULL
    BEGIN
        SET @first = COALESCE(@first, 50720);
        SET @errors = CONCAT(@errors + N'' '', N''@batch_id is required: pass the released batch to approve.'');
    END;
    IF @approved IS NULL OR UPPER(@approved) NOT IN (''Y'', ''N'')
    BEGIN
        SET @first = COALESCE(@first, 50723);
        SET @errors = CONCAT(
            @errors + N'' '', N''@approved = '', COALESCE(N'''''''' + @approved + N'''''''', N''NULL''),
            N'' is not supported: pass ''''Y'''' (approve) or ''''N'''' (previewed only).''
        );
    END;
    IF @errors IS NOT NULL
    BEGIN
        THROW @first, @errors, 1;
    END;

    DECLARE
        @run_id bigint,
        @params nvarchar(MAX) = CONCAT(
            N''EXEC dbo.usp_ApproveBatch @batch_id = '''''', REPLACE(@batch_id, N'''''''', N''''''''''''),
            N'''''', @approved = '''''', UPPER(@approved), N'''''';''
        );
    EXEC dbo.usp_Private_OpenRunLog
        @proc_name = N''usp_ApproveBatch'', @batch_id = @batch_id, @parameters_used = @params,
        @run_id = @run_id OUTPUT;

    DECLARE @status varchar(20), @msg nvarchar(2048);

    BEGIN TRY
        BEGIN TRANSACTION;

        SELECT @status = b.batch_status
        FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK)
        -- the batch id exactly (case and trailing spaces count, as on PostgreSQL); the first equality seeks
        WHERE
            b.batch_id = @batch_id
            AND b.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(b.batch_id) = DATALENGTH(@batch_id);

        IF @status IS NULL
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' does not exist: check the id in dbo.vw_MON_BatchSummary.''
            );
            THROW 50721, @msg, 1;
        END;
        IF @status NOT IN (''READY'', ''SENDING'')
        BEGIN
            SET @msg = CONCAT(
                N''batch '''''', @batch_id, N'''''' is '', @status, N'': only a released batch (READY or SENDING) is'',
                N'' approved for sending. A VALIDATED batch is approved by releasing it (usp_ReleaseBatch).''
            );
            THROW 50722, @msg, 1;
        END;

        UPDATE dbo.MON_UpdateBatch
        SET send_approved = UPPER(@approved)
        WHERE
            batch_id = @batch_id
            AND batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(batch_id) = DATALENGTH(@batch_id);

        COMMIT TRANSACTION;

        EXEC dbo.usp_Private_CloseRunLog @run_id = @run_id, @rows_affected = 1;

        SELECT
            b.batch_id,
            b.batch_status,
            b.send_approved
        FROM dbo.MON_UpdateBatch AS b
        WHERE
            b.batch_id = @batch_id
            AND b.batch_id = @batch_id COLLATE Latin1_General_100_BIN2
            AND DATALENGTH(b.batch_id) = DATALENGTH(@batch_id);
    END TRY
    BEGIN CATCH
        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
        DECLARE @error_number int = ERROR_NUMBER(), @error_text nvarchar(4000) = ERROR_MESSAGE();
        EXEC dbo.usp_Private_CloseRunLog
            @run_id = @run_id, @outcome = ''FAILED'', @error_number = @error_number, @error_message = @error_text;
        THROW;
    END CATCH;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/procedures/usp_ApproveBatch.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_BatchSummary.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_BatchSummary: one row per batch: what it is, where it stands, the queue counted by status, the
-- cells audited, timings and who staged, released and cancelled it.
-- Twin of db/postgres/views/vw_MON_BatchSummary.sql.
--   SELECT * FROM dbo.vw_MON_BatchSummary ORDER BY created_at DESC;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_BatchSummary;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_BatchSummary.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_BatchSummary
AS
WITH q AS (
    SELECT
        qq.batch_id,
        COUNT(CASE WHEN qq.queue_status = ''READY'' THEN 1 END) AS rows_ready,
        COUNT(CASE WHEN qq.queue_status = ''CLAIMED'' THEN 1 END) AS rows_claimed,
        COUNT(CASE WHEN qq.queue_status = ''SENT'' THEN 1 END) AS rows_sent,
        COUNT(CASE WHEN qq.queue_status = ''SKIPPED'' THEN 1 END) AS rows_skipped,
        COUNT(CASE WHEN qq.queue_status = ''FAILED'' THEN 1 END) AS rows_failed,
        COUNT(CASE WHEN qq.queue_status = ''DEAD'' THEN 1 END) AS rows_dead,
        COUNT(CASE WHEN qq.queue_status = ''CANCELLED'' THEN 1 END) AS rows_cancelled,
        COUNT(CASE WHEN qq.queue_status = ''READY'' AND qq.attempt_count > 0 THEN 1 END) AS rows_retrying,
        MAX(qq.completed_at) AS last_result_at
    FROM dbo.MON_UpdateQueue AS qq
    GROUP BY qq.batch_id
),

a AS (
    SELECT
        aa.batch_id,
        COUNT(*) AS cells_audited,
        COUNT(aa.rollback_timestamp) AS cells_rolled_back
    FROM dbo.MON_UpdateAudit AS aa
    GROUP BY aa.batch_id
)

SELECT
    b.batch_id,
    b.board_id,
    bd.board_name,
    b.target_level,
    b.update_operation,
    b.batch_status,
    b.rollback_of_batch_id,
    b.rollback_reason,
    b.rows_staged,
    b.rows_valid,
    b.rows_warning,
    b.rows_invalid,
    b.rows_queued,
    COALESCE(q.rows_ready, 0) AS rows_ready,
    COALESCE(q.rows_claimed, 0) AS rows_claimed,
    COALESCE(q.rows_sent, 0) AS rows_sent,
    COALESCE(q.rows_skipped, 0) AS rows_skipped,
    COALESCE(q.rows_failed, 0) AS rows_failed,
    COALESCE(q.rows_dead, 0) AS rows_dead,
    COALESCE(q.rows_cancelled, 0) AS rows_cancelled,
    COALESCE(q.rows_retrying, 0) AS rows_retrying,
    COALESCE(a.cells_audited, 0) AS cells_audited,
    COALESCE(a.cells_rolled_back, 0) AS cells_rolled_back,
    b.created_by,
    b.created_at,
    b.validated_at,
    b.released_by,
    b.released_at,
    b.send_approved,
    b.send_started_at,
    q.last_result_at,
    b.completed_at,
    b.cancelled_by,
    b.cancelled_at,
    DATEDIFF(
        SECOND,
        b.send_started_at,
        COALESCE(b.completed_at, CASE WHEN b.batch_status = ''SENDING'' THEN SYSUTCDATETIME() END)
    ) AS send_seconds
FROM dbo.MON_UpdateBatch AS b
LEFT JOIN dbo.MON_Board AS bd ON b.board_id = bd.board_id
LEFT JOIN q ON b.batch_id = q.batch_id
LEFT JOIN a ON b.batch_id = a.batch_id;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_BatchSummary.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_UpdatePreview.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_UpdatePreview: what the last dry run of each queue row found, per cell, with the column''s title
-- and type: the value on the board now, the value that would be sent, and whether it would change.
-- Twin of db/postgres/views/vw_MON_UpdatePreview.sql.
--   SELECT * FROM dbo.vw_MON_UpdatePreview WHERE batch_id = ''UB...'' AND would_change = ''Y'';
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_UpdatePreview;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_UpdatePreview.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_UpdatePreview
AS
SELECT
    p.batch_id,
    p.queue_id,
    q.board_id,
    q.update_operation,
    p.monday_item_id,
    COALESCE(p.item_name, bi.item_name) AS item_name,
    p.column_id,
    bc.title AS column_title,
    bc.column_type,
    p.current_text,
    p.current_value,
    p.new_value,
    p.would_change,
    q.queue_status,
    p.previewed_at
FROM dbo.MON_UpdatePreview AS p
INNER JOIN dbo.MON_UpdateQueue AS q ON p.queue_id = q.queue_id
LEFT JOIN dbo.MON_BoardColumn AS bc ON q.board_id = bc.board_id AND p.column_id = bc.column_id
LEFT JOIN dbo.MON_BoardItem AS bi ON p.monday_item_id = bi.item_id;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_UpdatePreview.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_PreImage.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_PreImage: what the board held just before the sender wrote each queue row, per cell (the sender''s
-- pre-image, usp_RecordPreImage): read by the sender when it claims a row again after a lost result.
-- Twin of db/postgres/views/vw_MON_PreImage.sql.
--   SELECT * FROM dbo.vw_MON_PreImage WHERE queue_id = 42;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_PreImage;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_PreImage.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_PreImage
AS
SELECT
    p.batch_id,
    p.queue_id,
    p.worker_id,
    p.monday_item_id,
    p.column_id,
    p.current_value,
    p.current_text,
    p.new_value,
    p.would_change,
    p.recorded_at
FROM dbo.MON_PreImage AS p;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_PreImage.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_HeldBackCells.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_HeldBackCells: cells a send held back because they changed on the board after the dry run the DBA
-- read: the value the preview showed, the value the board held when the sender read it, and the value the
-- batch would have written. To write them anyway, send with --overwrite-changed; to take the board''s value
-- as the new baseline, dry-run the batch again before sending. Twin of db/postgres/views/vw_MON_HeldBackCells.sql.
--   SELECT * FROM dbo.vw_MON_HeldBackCells WHERE batch_id = ''UB...'' ORDER BY queue_id, column_id;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_HeldBackCells;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_HeldBackCells.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_HeldBackCells
AS
SELECT
    h.batch_id,
    h.queue_id,
    q.board_id,
    q.update_operation,
    h.monday_item_id,
    COALESCE(q.item_name, bi.item_name) AS item_name,
    h.column_id,
    bc.title AS column_title,
    bc.column_type,
    h.preview_text,
    h.preview_value,
    h.board_text,
    h.board_value,
    h.new_value,
    q.queue_status,
    h.worker_id,
    h.held_at
FROM dbo.MON_HeldBackCell AS h
INNER JOIN dbo.MON_UpdateQueue AS q ON h.queue_id = q.queue_id
LEFT JOIN dbo.MON_BoardColumn AS bc ON q.board_id = bc.board_id AND h.column_id = bc.column_id
LEFT JOIN dbo.MON_BoardItem AS bi ON h.monday_item_id = bi.item_id;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_HeldBackCells.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_AuditTrail.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_AuditTrail: every cell the sender changed, with the value before and after, the batch it
-- belonged to, who staged it, and whether (and by which batch, why) it was rolled back.
-- Twin of db/postgres/views/vw_MON_AuditTrail.sql.
--   SELECT * FROM dbo.vw_MON_AuditTrail WHERE monday_item_id = 1234567890 ORDER BY update_timestamp;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_AuditTrail;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_AuditTrail.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_AuditTrail
AS
SELECT
    a.audit_id,
    a.batch_id,
    b.update_operation AS batch_operation,
    a.update_operation,
    a.monday_board_id,
    bd.board_name,
    a.monday_item_id,
    COALESCE(q.item_name, bi.item_name) AS item_name,
    a.column_id,
    bc.title AS column_title,
    a.old_value,
    a.new_value,
    a.update_timestamp,
    a.queue_id,
    a.worker_id,
    b.created_by AS batch_created_by,
    b.released_by AS batch_released_by,
    CASE WHEN a.rollback_timestamp IS NULL THEN ''N'' ELSE ''Y'' END AS rolled_back,
    a.rollback_timestamp,
    a.rollback_reason,
    a.rollback_batch_id,
    b.rollback_of_batch_id
FROM dbo.MON_UpdateAudit AS a
LEFT JOIN dbo.MON_UpdateBatch AS b ON a.batch_id = b.batch_id
LEFT JOIN dbo.MON_UpdateQueue AS q ON a.queue_id = q.queue_id
LEFT JOIN dbo.MON_Board AS bd ON a.monday_board_id = bd.board_id
LEFT JOIN dbo.MON_BoardColumn AS bc ON a.monday_board_id = bc.board_id AND a.column_id = bc.column_id
LEFT JOIN dbo.MON_BoardItem AS bi ON a.monday_item_id = bi.item_id;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_AuditTrail.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_StuckOrFailedRows.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_StuckOrFailedRows: queue rows that need a look, with what to do:
--   FAILED         monday refused the row (not retryable)
--   DEAD           retryable errors (or expired leases) until max_attempts
--   LEASE_EXPIRED  CLAIMED, but the lease ran out: the sender died or hangs (the next claim takes it over)
--   WAITING        READY and visible for more than 15 minutes: no sender is running for its board
-- Rows of cancelled batches are left out. Twin of db/postgres/views/vw_MON_StuckOrFailedRows.sql.
--   SELECT * FROM dbo.vw_MON_StuckOrFailedRows ORDER BY batch_id, queue_id;
-- dropped and created anew (the install drops every view and function first)
DROP VIEW IF EXISTS dbo.vw_MON_StuckOrFailedRows;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_StuckOrFailedRows.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_StuckOrFailedRows
AS
WITH s AS (
    SELECT
        qs.queue_id,
        CAST(SYSUTCDATETIME() AS datetime2(3)) AS now_utc,
        CASE
            WHEN qs.queue_status = ''FAILED'' THEN ''FAILED''
            WHEN qs.queue_status = ''DEAD'' THEN ''DEAD''
            WHEN qs.queue_status = ''CLAIMED'' AND qs.lease_expires_at <= SYSUTCDATETIME() THEN ''LEASE_EXPIRED''
            WHEN qs.queue_status = ''READY'' AND qs.visible_after <= DATEADD(MINUTE, -15, SYSUTCDATETIME()) THEN ''WAITING''
        END AS problem
    FROM dbo.MON_UpdateQueue AS qs
    WHERE qs.queue_status IN (''FAILED'', ''DEAD'', ''CLAIMED'', ''READY'')
)

SELECT
    s.problem,
    q.queue_id,
    q.batch_id,
    b.batch_status,
    q.board_id,
    q.update_operation,
    q.monday_item_id,
    q.item_name,
    q.queue_status,
    q.attempt_count,
    q.max_attempts,
    q.lease_owner,
    q.lease_expires_at,
    q.visible_after,
    DATEDIFF(SECOND, COALESCE(q.completed_at, q.lease_expires_at, q.visible_after), s.now_utc) AS seconds_since,
    q.last_error_code,
    q.last_error,
    q.created_at,
    q.claimed_at,
    q.completed_at,
    CASE s.problem
        WHEN ''FAILED'' THEN ''monday refused the row: read last_error, fix the data, then stage the item again''
        WHEN ''DEAD'' THEN ''retries ran out: check monday (status page, limits), then stage the item again''
        WHEN ''LEASE_EXPIRED''
            THEN ''the sender holding it died or hangs: start a sender; it re-reads the board and sends again''
        ELSE ''no sender is taking it: start one, e.g. opus-sender send --execute''
    END AS suggested_action
FROM dbo.MON_UpdateQueue AS q
INNER JOIN dbo.MON_UpdateBatch AS b ON q.batch_id = b.batch_id
INNER JOIN s ON q.queue_id = s.queue_id
WHERE s.problem IS NOT NULL
    AND b.batch_status <> ''CANCELLED'';';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_StuckOrFailedRows.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_SendQueue.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_SendQueue: the open queue rows (READY or CLAIMED) of every released batch, with exactly what the
-- sender sends for each (column_values, idempotency key) and when it may be claimed. The sender''s dry run
-- reads it instead of the queue table; a DBA sees here what is waiting to be sent.
-- Twin of db/postgres/views/vw_MON_SendQueue.sql.
--   SELECT * FROM dbo.vw_MON_SendQueue WHERE batch_id = ''UB...'' ORDER BY queue_id;
DROP VIEW IF EXISTS dbo.vw_MON_SendQueue;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_SendQueue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_SendQueue
AS
SELECT
    q.queue_id,
    q.batch_id,
    q.board_id,
    b.target_level,
    q.update_operation,
    q.monday_item_id,
    q.parent_item_id,
    q.group_id,
    q.item_name,
    q.column_values,
    q.expected_values,
    q.create_labels_if_missing,
    q.idempotency_key,
    q.queue_status,
    q.attempt_count,
    q.max_attempts,
    q.created_item_id,
    q.visible_after,
    q.lease_expires_at,
    q.lease_owner
FROM dbo.MON_UpdateQueue AS q
INNER JOIN dbo.MON_UpdateBatch AS b ON q.batch_id = b.batch_id
WHERE q.queue_status IN (''READY'', ''CLAIMED'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_SendQueue.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_BoardLabels.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_BoardLabels: the status and dropdown columns of each synced board with their settings (the labels
-- and their indexes), so a report can show {"index": 1} as the label a planner knows.
-- Twin of db/postgres/views/vw_MON_BoardLabels.sql.
--   SELECT * FROM dbo.vw_MON_BoardLabels WHERE board_id = 8709134353;
DROP VIEW IF EXISTS dbo.vw_MON_BoardLabels;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_BoardLabels.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_BoardLabels
AS
SELECT
    bc.board_id,
    bc.column_id,
    bc.title AS column_title,
    bc.column_type,
    bc.settings_json
FROM dbo.MON_BoardColumn AS bc
WHERE bc.column_type IN (''status'', ''dropdown'');';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_BoardLabels.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/views/vw_MON_UserNames.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- vw_MON_UserNames: the name of each synced monday user and team, so a report can show a people value by
-- name. E-mail addresses are left out (they stay in dbo.MON_User, which no role may read).
-- Twin of db/postgres/views/vw_MON_UserNames.sql.
--   SELECT * FROM dbo.vw_MON_UserNames ORDER BY user_name;
DROP VIEW IF EXISTS dbo.vw_MON_UserNames;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_UserNames.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'CREATE VIEW dbo.vw_MON_UserNames
AS
SELECT
    u.user_id,
    u.user_kind,
    u.user_name
FROM dbo.MON_User AS u
WHERE u.user_name IS NOT NULL;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/views/vw_MON_UserNames.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- ---------------------------------------------------------------- source: db/security/roles.sql
BEGIN TRY
    EXEC sys.sp_executesql N'-- roles.sql: the project''s database roles, least privilege (SQL Server). Idempotent: run by every install.
--
--   opus_stager  people and jobs that stage, validate, release, cancel and roll back batches, and read the
--                views. usp_StageUpdates runs the caller''s @query with the CALLER''s own permissions (dynamic
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
-- ownership chain): validation''s no-op check reads the loaded rows of the two staging tables, and calls
-- dbo.fn_MON_Private_NormalizeNumber, as the caller; hence the stager''s SELECT on those tables and EXECUTE on
-- that one function. Staged rows are inserted with static SQL, through the chain: no role may insert,
-- update or delete a table. What 0.1.0 granted beyond these lists (INSERT on the staging tables, the
-- sender''s direct reads) is revoked below, by an explicit list; nothing the DBA granted is touched.
-- usp_PurgeRunLog is granted to no role (run it as the job owner, see db/ops/create_agent_jobs.sql).
--
-- Procedures and views are added to the product over time: the grants are kept in the list below and a
-- grant is issued only for an object that exists with the expected type; re-run this script (or the
-- installer) after adding objects. Members are added by the DBA:
--     ALTER ROLE opus_reader ADD MEMBER [DOMAIN\planner];
-- Twin of db/postgres/security/roles.sql.

-- a database principal with a role''s name that is not a role (a user, say) would receive the grants:
-- refuse rather than grant to it
IF EXISTS (
    SELECT 1
    FROM sys.database_principals AS dp
    WHERE dp.name IN (N''opus_stager'', N''opus_sender'', N''opus_reader'') AND dp.type <> ''R''
)
BEGIN
    DECLARE @msg nvarchar(2048) = CONCAT(
        N''roles.sql: a database principal named opus_stager, opus_sender or opus_reader exists but is not'',
        N'' a database role, and would receive the grants. Rename or drop that principal (SELECT name,'',
        N'' type_desc FROM sys.database_principals WHERE name LIKE N''''opus[_]%''''), then run the install again.''
    );
    THROW 50910, @msg, 1;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/security/roles.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF DATABASE_PRINCIPAL_ID(N''opus_stager'') IS NULL
BEGIN
    CREATE ROLE opus_stager;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/security/roles.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF DATABASE_PRINCIPAL_ID(N''opus_sender'') IS NULL
BEGIN
    CREATE ROLE opus_sender;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/security/roles.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'IF DATABASE_PRINCIPAL_ID(N''opus_reader'') IS NULL
BEGIN
    CREATE ROLE opus_reader;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/security/roles.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
BEGIN TRY
    EXEC sys.sp_executesql N'SET NOCOUNT ON;

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
(''opus_stager'', ''EXECUTE'', N''usp_StageUpdates'', ''P''),
(''opus_stager'', ''EXECUTE'', N''usp_ValidateStagedUpdates'', ''P''),
(''opus_stager'', ''EXECUTE'', N''usp_ReleaseBatch'', ''P''),
(''opus_stager'', ''EXECUTE'', N''usp_CancelBatch'', ''P''),
(''opus_stager'', ''EXECUTE'', N''usp_StageRollback'', ''P''),
(''opus_stager'', ''EXECUTE'', N''usp_ApproveBatch'', ''P''),
(''opus_stager'', ''SELECT'', N''vw_MON_BatchSummary'', ''V''),
(''opus_stager'', ''SELECT'', N''vw_MON_ValidationErrors'', ''V''),
(''opus_stager'', ''SELECT'', N''vw_MON_UpdatePreview'', ''V''),
(''opus_stager'', ''SELECT'', N''vw_MON_AuditTrail'', ''V''),
(''opus_stager'', ''SELECT'', N''vw_MON_StuckOrFailedRows'', ''V''),
(''opus_stager'', ''SELECT'', N''vw_MON_SendQueue'', ''V''),
(''opus_stager'', ''SELECT'', N''vw_MON_BoardLabels'', ''V''),
(''opus_stager'', ''SELECT'', N''vw_MON_UserNames'', ''V''),
(''opus_stager'', ''SELECT'', N''vw_MON_HeldBackCells'', ''V''),
(''opus_stager'', ''SELECT'', N''vw_MON_PreImage'', ''V''),
-- ... and what validation''s no-op check reads with dynamic SQL, as the caller: the loaded rows of the
-- staging tables and the number normaliser it applies to them. No INSERT, UPDATE or DELETE: staging,
-- validation and release write staged rows with static SQL, through the ownership chain
(''opus_stager'', ''SELECT'', N''STG_MON_CustMasterSchedule'', ''U''),
(''opus_stager'', ''SELECT'', N''STG_MON_CustMasterSchedule_Subitems'', ''U''),
(''opus_stager'', ''EXECUTE'', N''fn_MON_Private_NormalizeNumber'', ''FN''),
-- opus_sender: what opus-sender calls (sync-board, send, dry run) and reads
(''opus_sender'', ''EXECUTE'', N''usp_UpsertBoardMetadata'', ''P''),
(''opus_sender'', ''EXECUTE'', N''usp_ClaimQueueRows'', ''P''),
(''opus_sender'', ''EXECUTE'', N''usp_ExtendLease'', ''P''),
(''opus_sender'', ''EXECUTE'', N''usp_ReleaseLease'', ''P''),
(''opus_sender'', ''EXECUTE'', N''usp_RecordCreatedItem'', ''P''),
(''opus_sender'', ''EXECUTE'', N''usp_RecordSendResult'', ''P''),
(''opus_sender'', ''EXECUTE'', N''usp_RecordPreview'', ''P''),
(''opus_sender'', ''SELECT'', N''vw_MON_BatchSummary'', ''V''),
(''opus_sender'', ''SELECT'', N''vw_MON_ValidationErrors'', ''V''),
(''opus_sender'', ''SELECT'', N''vw_MON_UpdatePreview'', ''V''),
(''opus_sender'', ''SELECT'', N''vw_MON_AuditTrail'', ''V''),
(''opus_sender'', ''SELECT'', N''vw_MON_StuckOrFailedRows'', ''V''),
-- ... the views send, status and the dry-run report read (open queue rows, status labels, user names)
(''opus_sender'', ''SELECT'', N''vw_MON_SendQueue'', ''V''),
(''opus_sender'', ''SELECT'', N''vw_MON_BoardLabels'', ''V''),
(''opus_sender'', ''SELECT'', N''vw_MON_UserNames'', ''V''),
(''opus_sender'', ''EXECUTE'', N''usp_RecordPreImage'', ''P''),
(''opus_sender'', ''SELECT'', N''vw_MON_PreImage'', ''V''),
(''opus_sender'', ''SELECT'', N''vw_MON_HeldBackCells'', ''V''),
-- opus_reader: the views only
(''opus_reader'', ''SELECT'', N''vw_MON_BatchSummary'', ''V''),
(''opus_reader'', ''SELECT'', N''vw_MON_ValidationErrors'', ''V''),
(''opus_reader'', ''SELECT'', N''vw_MON_UpdatePreview'', ''V''),
(''opus_reader'', ''SELECT'', N''vw_MON_AuditTrail'', ''V''),
(''opus_reader'', ''SELECT'', N''vw_MON_StuckOrFailedRows'', ''V''),
(''opus_reader'', ''SELECT'', N''vw_MON_SendQueue'', ''V''),
(''opus_reader'', ''SELECT'', N''vw_MON_BoardLabels'', ''V''),
(''opus_reader'', ''SELECT'', N''vw_MON_UserNames'', ''V''),
(''opus_reader'', ''SELECT'', N''vw_MON_PreImage'', ''V''),
(''opus_reader'', ''SELECT'', N''vw_MON_HeldBackCells'', ''V'');

DECLARE
    @sql nvarchar(MAX),
    @missing nvarchar(MAX);

-- GRANT is idempotent; names are quoted with QUOTENAME, and only objects that exist with the listed type
-- are granted (a view name that is a table, say, is skipped and reported)
SELECT
    @sql = STRING_AGG(
        CONVERT(
            nvarchar(MAX),
            N''GRANT '' + g.permission_name + N'' ON OBJECT::dbo.'' + QUOTENAME(g.object_name)
            + N'' TO '' + QUOTENAME(g.role_name) + N'';''
        ),
        NCHAR(10)
    )
FROM @grants AS g
WHERE OBJECT_ID(N''dbo.'' + QUOTENAME(g.object_name), g.object_type) IS NOT NULL;

SELECT
    @missing = STRING_AGG(
        CONVERT(nvarchar(MAX), g.role_name + N'': '' + g.permission_name + N'' dbo.'' + g.object_name), N'', ''
    )
FROM @grants AS g
WHERE OBJECT_ID(N''dbo.'' + QUOTENAME(g.object_name), g.object_type) IS NULL;

IF @sql IS NOT NULL
BEGIN
    EXEC sys.sp_executesql @sql;
END;

-- what an earlier release granted and the lists above no longer hold, named one by one: 0.1.0 granted these
-- (0.2.0 and 0.3.0 granted exactly the lists above). Nothing else is revoked: a permission the DBA grants a
-- role - SELECT on the source tables of the stagers'' queries, say - is the DBA''s and stays. No list is read
-- from the catalog (tests/static/test_revokes.py). The fn_MON_* functions 0.1.0 granted the stager carry no
-- grant any more: every install drops and creates them again (ddl/drop_code_objects.sql).
-- Only a plain GRANT of a listed permission is revoked, so this is idempotent: a DENY (REVOKE would remove
-- it) and a grant WITH GRANT OPTION (its REVOKE would need CASCADE, Msg 4611) are the DBA''s own and stay.
DECLARE @legacy TABLE (
    role_name sysname NOT NULL,
    permission_name varchar(20) NOT NULL,
    object_name sysname NOT NULL,
    granted bit NOT NULL DEFAULT 0,  -- 1: held as a plain GRANT (state ''G''), the only form revoked
    PRIMARY KEY (role_name, permission_name, object_name)
);

INSERT INTO @legacy (role_name, permission_name, object_name)
VALUES
(''opus_stager'', ''INSERT'', N''STG_MON_CustMasterSchedule''),
(''opus_stager'', ''INSERT'', N''STG_MON_CustMasterSchedule_Subitems''),
(''opus_stager'', ''SELECT'', N''MON_SchemaVersion''),
(''opus_sender'', ''SELECT'', N''MON_UpdateBatch''),
(''opus_sender'', ''SELECT'', N''MON_UpdateQueue''),
(''opus_sender'', ''SELECT'', N''MON_SchemaVersion''),
(''opus_sender'', ''SELECT'', N''MON_UpdatePreview''),
(''opus_sender'', ''SELECT'', N''MON_BoardColumn''),
(''opus_sender'', ''SELECT'', N''MON_User'');

UPDATE l
SET l.granted = 1
FROM @legacy AS l
WHERE EXISTS (
    SELECT 1
    FROM sys.database_permissions AS dp
    WHERE
        dp.class = 1
        AND dp.major_id = OBJECT_ID(N''dbo.'' + QUOTENAME(l.object_name), N''U'')
        AND dp.grantee_principal_id = DATABASE_PRINCIPAL_ID(l.role_name)
        AND dp.permission_name = l.permission_name COLLATE DATABASE_DEFAULT
        AND dp.state = ''G''
);

SET @sql = NULL;
SELECT
    @sql = STRING_AGG(
        CONVERT(
            nvarchar(MAX),
            N''REVOKE '' + l.permission_name + N'' ON OBJECT::dbo.'' + QUOTENAME(l.object_name) + N'' FROM ''
            + QUOTENAME(l.role_name) + N'';''
        ),
        NCHAR(10)
    )
FROM @legacy AS l
WHERE
    l.granted = 1
    AND OBJECT_ID(N''dbo.'' + QUOTENAME(l.object_name), N''U'') IS NOT NULL
    AND DATABASE_PRINCIPAL_ID(l.role_name) IS NOT NULL;

IF @sql IS NOT NULL
BEGIN
    EXEC sys.sp_executesql @sql;
END;

IF @missing IS NOT NULL
BEGIN
    PRINT N''roles.sql: not granted (the object is not installed yet; run the install again once it is): ''
    + @missing;
END;';
    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: db/security/roles.sql failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL
BEGIN
    IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)
BEGIN
    ROLLBACK TRANSACTION;
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET LOCK_TIMEOUT -1;
    SET NOEXEC ON;
END
ELSE
BEGIN
    UPDATE #opus_install SET batch_ok = 0;
END;
GO
-- record the schema version (once per version), commit everything, then report on the shared database
IF NOT EXISTS (SELECT 1 FROM dbo.MON_SchemaVersion WHERE schema_version = '0.4.0')
BEGIN
    INSERT INTO dbo.MON_SchemaVersion (schema_version, version_major, version_minor, version_patch)
    VALUES ('0.4.0', 0, 4, 0);
END;
DECLARE @owner_locks_ms bigint = (SELECT DATEDIFF_BIG(millisecond, owner_locks_at, SYSDATETIME()) FROM #opus_install);
COMMIT TRANSACTION;
SET LOCK_TIMEOUT -1;
PRINT N'OPUS Update Boards 0.4.0 installed.';
PRINT CONCAT(N'Locks on the owner''s tables were held ', COALESCE(@owner_locks_ms, 0), N' ms (from the first upgrade step or owner-table source to the COMMIT).');
DECLARE @rcsi int = (SELECT CAST(is_read_committed_snapshot_on AS int) FROM sys.databases WHERE database_id = DB_ID());
PRINT CASE @rcsi
    WHEN 1 THEN N'READ_COMMITTED_SNAPSHOT is ON: reads of the staging tables and the queue see committed rows and do not wait for the loader or a stage.'
    WHEN 0 THEN N'READ_COMMITTED_SNAPSHOT is OFF: reads wait for the writers of the same rows (the loader, a stage, a release); stage large batches when the loader does not run (docs/runbook.md).'
    ELSE N'READ_COMMITTED_SNAPSHOT: not reported by this engine.'
END;
-- the project puts no filtered index, index on a computed column or indexed view on the owner's tables, so
-- their writers need no SET option; the modules and Agent steps that would need them if one were added
DECLARE @loader_modules nvarchar(MAX) = (
    SELECT STRING_AGG(CONVERT(nvarchar(MAX), CONCAT(OBJECT_SCHEMA_NAME(m.object_id), N'.', OBJECT_NAME(m.object_id))), N', ')
    FROM sys.sql_modules AS m
    WHERE (m.uses_quoted_identifier = 0 OR m.uses_ansi_nulls = 0) AND m.definition LIKE N'%STG[_]MON[_]CustMasterSchedule%'
);
DECLARE @agent_steps nvarchar(MAX);
BEGIN TRY
    EXEC sys.sp_executesql
        N'SELECT @s = STRING_AGG(CONVERT(nvarchar(MAX), CONCAT(j.name, N'' / '', s.step_name)), N'', '')
          FROM msdb.dbo.sysjobsteps AS s INNER JOIN msdb.dbo.sysjobs AS j ON s.job_id = j.job_id
          WHERE s.subsystem = N''TSQL'' AND s.command LIKE N''%STG[_]MON[_]CustMasterSchedule%''
              AND s.command NOT LIKE N''%SET%QUOTED[_]IDENTIFIER%ON%'';',
        N'@s nvarchar(MAX) OUTPUT', @s = @agent_steps OUTPUT;
    SET @agent_steps = COALESCE(@agent_steps, N'none');
END TRY
BEGIN CATCH
    SET @agent_steps = N'not readable here (msdb needs SQLAgentReaderRole; opus-sender doctor reports them)';
END CATCH;
PRINT CONCAT(N'Info: no index or view of this project needs SET options of the loader. Modules created with QUOTED_IDENTIFIER or ANSI_NULLS OFF that name the staging tables: ', COALESCE(@loader_modules, N'none'), N'. SQL Agent T-SQL steps naming them without SET QUOTED_IDENTIFIER ON: ', @agent_steps, N'. Loaders must name their columns in INSERTs into the staging tables (docs/runbook.md).');
GO
SET NOEXEC OFF;
GO
