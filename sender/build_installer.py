"""Builds db/install.sql, the one-file SQL Server installer, from the T-SQL sources.

The file does what `opus-sender db install` does, in SSMS or `sqlcmd -b -i db/install.sql`: it sets the
SET options the objects need, refuses a compatibility level below 130 and a newer schema, opens one
transaction, runs the checks that may refuse the install (db/ddl/checks/, before anything is changed), then
the upgrade steps the recorded version calls for (each guarded by that version), then
every re-runnable source in db/manifest.txt order, records the version and commits. A failed batch rolls
the transaction back; the guard batch after it then stops every later batch (SET NOEXEC ON), so nothing
is left half-installed even where the client goes on after an error (SSMS).

Run `python -m sender.build_installer` after changing any T-SQL source; a test fails when the committed
install.sql differs from what this builds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import __version__
from .db import split_batches
from .installer import DB_ROOT, MSSQL, TSQL_SET_OPTIONS, is_check, manifest, parse_version, upgrade_steps


def version_rank(version: str) -> int:
    major, minor, patch = parse_version(version)
    return major * 1_000_000 + minor * 1_000 + patch


HEADER = """\
-- =====================================================================================================
-- OPUS Update Boards {version}: SQL Server installer and upgrader (SQL Server 2017 or later, Azure SQL)
-- GENERATED from db/manifest.txt and db/upgrades/ by `python -m sender.build_installer`. Do not edit
-- this file: edit the sources and rebuild.
-- Run it in the target database:   sqlcmd -b -d <database> -i install.sql   (or SSMS, database selected)
-- Safe to run again. One transaction: an error anywhere rolls back everything and stops the script;
-- existing rows and columns are kept. A database at a newer schema version is refused untouched.
-- =====================================================================================================
{set_options}
GO
-- the version found, the refusals, and the one transaction
IF OBJECT_ID(N'tempdb..#opus_install') IS NOT NULL DROP TABLE #opus_install;
CREATE TABLE #opus_install (from_version varchar(20) NULL, from_rank int NULL);
DECLARE @compatibility_level int, @from_version varchar(20), @from_rank int;
SELECT @compatibility_level = compatibility_level FROM sys.databases WHERE database_id = DB_ID();
IF OBJECT_ID(N'dbo.MON_SchemaVersion', N'U') IS NOT NULL
    EXEC sys.sp_executesql
        N'SELECT TOP (1) @v = schema_version,
                 @r = version_major * 1000000 + version_minor * 1000 + version_patch
          FROM dbo.MON_SchemaVersion
          ORDER BY version_major DESC, version_minor DESC, version_patch DESC;',
        N'@v varchar(20) OUTPUT, @r int OUTPUT', @v = @from_version OUTPUT, @r = @from_rank OUTPUT;
IF @compatibility_level < 130 AND CAST(@@VERSION AS nvarchar(4000)) NOT LIKE N'Babelfish%'  -- it reports 120, runs 130
BEGIN
    RAISERROR (N'OPUS install refused (50950): database %s is at compatibility level %d; the procedures need 130 or higher (OPENJSON, STRING_SPLIT). Nothing was changed. Run ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = 130 (or higher) after checking your other code, then run this script again.', 16, 1, @@SERVERNAME, @compatibility_level);
    SET NOEXEC ON;
END
ELSE IF @from_rank > {rank}
BEGIN
    RAISERROR (N'OPUS install refused (50951): the database holds schema version %s, newer than this installer ({version}); nothing was changed. Use the installer of that version or a newer one.', 16, 1, @from_version);
    SET NOEXEC ON;
END
ELSE
BEGIN
    INSERT INTO #opus_install (from_version, from_rank) VALUES (@from_version, @from_rank);
    PRINT N'OPUS Update Boards: ' + COALESCE(N'upgrading from ' + @from_version, N'new install') + N' to {version}';
    BEGIN TRANSACTION;
END;
GO
"""

# after every batch: a failed batch rolled the transaction back, so stop here (nothing was changed)
GUARD = """\
IF @@TRANCOUNT = 0
BEGIN
    RAISERROR (N'OPUS install stopped (50952): the batch above failed and the install was rolled back; nothing was changed. Fix the cause named above and run the script again.', 16, 1);
    SET NOEXEC ON;
END;
GO
"""

STEP = """\
IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < {rank})
    EXEC sys.sp_executesql N'{text}';
GO
"""

FOOTER = """\
-- record the schema version (once per version), then commit everything
IF NOT EXISTS (SELECT 1 FROM dbo.MON_SchemaVersion WHERE schema_version = '{version}')
BEGIN
    INSERT INTO dbo.MON_SchemaVersion (schema_version, version_major, version_minor, version_patch)
    VALUES ('{version}', {major}, {minor}, {patch});
END;
COMMIT TRANSACTION;
PRINT N'OPUS Update Boards {version} installed.';
GO
SET NOEXEC OFF;
GO
"""


def build(version: str = __version__, db_root: Path = DB_ROOT) -> str:
    major, minor, patch = parse_version(version)
    parts = [HEADER.format(version=version, rank=version_rank(version), set_options=TSQL_SET_OPTIONS), GUARD]
    target = parse_version(version)
    rels = manifest(db_root)

    def add_source(rel: str) -> None:
        parts.append(f"-- ---------------------------------------------------------------- source: db/{rel}\n")
        for batch in split_batches((db_root / rel).read_text(encoding="utf-8")):
            parts.append(batch.strip("\n") + "\nGO\n")
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
            text = batch.strip("\n").replace("'", "''")
            parts.append(STEP.format(rank=version_rank(step.version), text=text))
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
