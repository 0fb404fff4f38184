"""Builds db/install.sql, the one-file SQL Server installer, from the T-SQL sources.

The file does what `opus-sender db install` does, in SSMS or `sqlcmd -b -i db/install.sql`: it sets the
SET options the objects need, refuses an open or implicit transaction, an engine before SQL Server 2017, a
compatibility level below 130 and a newer schema, sets a lock timeout, opens one transaction, runs the checks
that may refuse the install (db/ddl/checks/, before anything is changed), then the upgrade steps the recorded
version calls for (each guarded by that version), then every re-runnable source in db/manifest.txt order,
records the version, commits and reports on the database it shares with the owner's loader.

Failing closed where the client goes on after an error (SSMS): each batch of a source runs as dynamic SQL
inside TRY...CATCH (so a compile error in it, which SET XACT_ABORT does not roll back, is caught as well)
and sets a marker row in #opus_install only when it completed; the guard batch after it rolls back and
stops every later batch (SET NOEXEC ON) when the marker or the transaction is missing. So nothing is left
half-installed, and nothing is committed.

Run `python -m sender.build_installer` after changing any T-SQL source; a test fails when the committed
install.sql differs from what this builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import __version__
from .db import split_batches
from .installer import (
    DB_ROOT,
    LOCK_TIMEOUT_MS,
    MSSQL,
    OWNER_TABLE_SOURCES,
    TSQL_SET_OPTIONS,
    is_check,
    manifest,
    parse_version,
    upgrade_steps,
)


def version_rank(version: str) -> int:
    major, minor, patch = parse_version(version)
    return major * 1_000_000 + minor * 1_000 + patch


HEADER = """\
-- =====================================================================================================
-- OPUS Update Boards {version}: SQL Server installer and upgrader (SQL Server 2017 or later, Azure SQL)
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
{set_options}
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
ELSE IF @from_rank > {rank}
BEGIN
    RAISERROR (N'OPUS install refused (50951): the database holds schema version %s, newer than this installer ({version}); nothing was changed. Use the installer of that version or a newer one.', 16, 1, @from_version);
    SET NOEXEC ON;
END
ELSE
BEGIN
    -- never wait long for a lock the owner's loader holds: fail, roll back, say so (reset at the end)
    SET LOCK_TIMEOUT {lock_timeout};
    IF OBJECT_ID(N'tempdb..#opus_install') IS NOT NULL DROP TABLE #opus_install;
    CREATE TABLE #opus_install (
        from_version varchar(20) NULL,
        from_rank int NULL,
        batch_ok bit NOT NULL,  -- set by a batch when it completed, cleared by the guard after it
        owner_locks_at datetime2(3) NULL  -- when the install first changed an owner's table
    );
    PRINT N'OPUS Update Boards: ' + COALESCE(N'upgrading from ' + @from_version, N'new install') + N' to {version}';
    BEGIN TRANSACTION;
    -- inside the transaction: a rollback removes the row, and every later guard stops
    INSERT INTO #opus_install (from_version, from_rank, batch_ok) VALUES (@from_version, @from_rank, 1);
END;
GO
"""

# after every batch: the batch before it set the marker only if it completed; otherwise (or when the
# transaction is gone) roll back and stop here: nothing was changed
GUARD = """\
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
"""

# one source batch (or upgrade step batch), run as dynamic SQL so that its compile errors are caught too
BODY = """\
BEGIN TRY
{work}    UPDATE #opus_install SET batch_ok = 1;
END TRY
BEGIN CATCH
    DECLARE @opus_number int = ERROR_NUMBER(), @opus_line int = ERROR_LINE(), @opus_message nvarchar(2048) = LEFT(ERROR_MESSAGE(), 1800);
    RAISERROR (N'OPUS install: {label} failed (error %d, line %d): %s', 16, 1, @opus_number, @opus_line, @opus_message);
END CATCH;
GO
"""

STEP_CONDITION = "IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < {rank})"
OWNER_LOCKS = "UPDATE #opus_install SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());"


FOOTER = """\
-- record the schema version (once per version), commit everything, then report on the shared database
IF NOT EXISTS (SELECT 1 FROM dbo.MON_SchemaVersion WHERE schema_version = '{version}')
BEGIN
    INSERT INTO dbo.MON_SchemaVersion (schema_version, version_major, version_minor, version_patch)
    VALUES ('{version}', {major}, {minor}, {patch});
END;
DECLARE @owner_locks_ms bigint = (SELECT DATEDIFF_BIG(millisecond, owner_locks_at, SYSDATETIME()) FROM #opus_install);
COMMIT TRANSACTION;
SET LOCK_TIMEOUT -1;
PRINT N'OPUS Update Boards {version} installed.';
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
"""


def body(text: str, label: str, condition: str = "", owner_locks: bool = False) -> str:
    """One batch of a source or step, run as dynamic SQL in TRY...CATCH, setting the marker when it completed;
    a step's batch runs only under its version condition, and a batch that changes the owner's tables notes
    when it first did (the lock time the install reports)."""
    work = ([OWNER_LOCKS] if owner_locks else []) + [
        "EXEC sys.sp_executesql N'" + text.strip("\n").replace("'", "''") + "';"]
    if condition:
        lines = [condition, "BEGIN", *("    " + w for w in work), "END;"]
    else:
        lines = work
    return BODY.format(work="".join(f"    {ln}\n" for ln in lines),
                       label=label.replace("%", "%%").replace("'", "''"))


def build(version: str = __version__, db_root: Path = DB_ROOT) -> str:
    major, minor, patch = parse_version(version)
    parts = [HEADER.format(version=version, rank=version_rank(version), set_options=TSQL_SET_OPTIONS,
                           lock_timeout=LOCK_TIMEOUT_MS), GUARD]
    target = parse_version(version)
    rels = manifest(db_root)

    def add_source(rel: str) -> None:
        parts.append(f"-- ---------------------------------------------------------------- source: db/{rel}\n")
        for batch in split_batches((db_root / rel).read_text(encoding="utf-8")):
            parts.append(body(batch, f"db/{rel}", owner_locks=rel in OWNER_TABLE_SOURCES))
            parts.append(GUARD)

    for rel in rels:
        if is_check(rel):
            add_source(rel)
    for step in upgrade_steps(MSSQL, db_root):
        if parse_version(step.version) > target:
            continue
        parts.append(f"-- ------------------------------------------------ upgrade step (from below {step.version}): "
                     f"db/{step.rel}\n")
        for batch in split_batches(step.path.read_text(encoding="utf-8")):
            parts.append(body(batch, f"db/{step.rel}", STEP_CONDITION.format(rank=version_rank(step.version)),
                              owner_locks=True))
            parts.append(GUARD)
    for rel in rels:
        if not is_check(rel):
            add_source(rel)
    parts.append(FOOTER.format(version=version, major=major, minor=minor, patch=patch))
    return "".join(parts)


def main() -> int:
    target = DB_ROOT / "install.sql"
    target.write_text(build(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
