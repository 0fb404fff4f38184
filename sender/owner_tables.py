"""What the install and `opus-sender doctor` say about the owner's loader and the database it shares with us.

The project adds columns, CHECK constraints and a plain index to the owner's staging tables (STG_MON_*). None
of them asks anything of the writers of those tables. Only a filtered index, an index on a computed column or
an indexed view over them would: SQL Server then refuses every INSERT, UPDATE and DELETE (Msg 1934) from a
writer whose QUOTED_IDENTIFIER, ANSI_NULLS or five other options are not as the index needs. The project
creates none (tests/static/test_owner_tables.py); the DBA or an earlier release may have. So the report says
whether such a requirement exists today and, if it does, which loader modules (procedures, triggers created
with QUOTED_IDENTIFIER or ANSI_NULLS OFF, which they keep whatever the caller's session says) and which SQL
Agent T-SQL job steps (they run with QUOTED_IDENTIFIER OFF unless the step sets it) would break.

It also reports READ_COMMITTED_SNAPSHOT (how readers and writers of the shared tables wait for each other),
and loader modules that insert into a staging table without a column list (`INSERT INTO ... SELECT *`):
those break on the columns the install adds (docs/runbook.md, the loader).

SQL Server only; on PostgreSQL none of this exists (no SET options, MVCC), and each function says so.
Every function only reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .db import MSSQL, Database, DbError

STAGING_TABLES = ("STG_MON_CustMasterSchedule", "STG_MON_CustMasterSchedule_Subitems")

# indexes and indexed views on the owner's tables that need the seven SET options of every writer
_SET_OPTION_OBJECTS = """
SELECT CONCAT(OBJECT_NAME(i.object_id), N'.', i.name,
              CASE WHEN i.has_filter = 1 THEN N' (filtered index)' ELSE N' (index on a computed column)' END) AS what
FROM sys.indexes AS i
WHERE i.object_id IN (OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule'), OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems'))
    AND (i.has_filter = 1 OR EXISTS (
        SELECT 1 FROM sys.index_columns AS ic
        INNER JOIN sys.columns AS c ON ic.object_id = c.object_id AND ic.column_id = c.column_id
        WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id AND c.is_computed = 1))
UNION ALL
SELECT DISTINCT CONCAT(OBJECT_NAME(d.referencing_id), N' (indexed view)')
FROM sys.sql_expression_dependencies AS d
INNER JOIN sys.indexes AS vi ON vi.object_id = d.referencing_id
INNER JOIN sys.views AS v ON v.object_id = d.referencing_id
WHERE d.referenced_id IN (OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule'),
                          OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems'))
"""

# modules (procedures, triggers, functions) that name a staging table and were created with an option OFF
_LOADER_MODULES = """
SELECT CONCAT(OBJECT_SCHEMA_NAME(m.object_id), N'.', OBJECT_NAME(m.object_id)) AS name,
       CAST(m.uses_quoted_identifier AS int) AS quoted_identifier, CAST(m.uses_ansi_nulls AS int) AS ansi_nulls
FROM sys.sql_modules AS m
WHERE (m.uses_quoted_identifier = 0 OR m.uses_ansi_nulls = 0)
    AND m.definition LIKE N'%STG[_]MON[_]CustMasterSchedule%'
ORDER BY 1
"""

# SQL Agent T-SQL steps that name a staging table and do not set QUOTED_IDENTIFIER ON themselves
_AGENT_STEPS = """
SELECT CONCAT(j.name, N' / step ', s.step_id, N' ', s.step_name) AS name
FROM msdb.dbo.sysjobsteps AS s
INNER JOIN msdb.dbo.sysjobs AS j ON s.job_id = j.job_id
WHERE s.subsystem = N'TSQL' AND s.command LIKE N'%STG[_]MON[_]CustMasterSchedule%'
    AND s.command NOT LIKE N'%SET%QUOTED[_]IDENTIFIER%ON%'
    AND (s.database_name = DB_NAME() OR s.command LIKE N'%' + DB_NAME() + N'.%')
ORDER BY 1
"""

# modules whose text inserts into a staging table without a column list: positional loaders
_POSITIONAL_INSERT = re.compile(
    r"\bINSERT\s+(?:INTO\s+)?(?:\[?\w+\]?\.)*\[?STG_MON_CustMasterSchedule(?:_Subitems)?\]?\s+(?:WITH\s*\([^)]*\)\s*)?"
    r"(?:SELECT|VALUES|EXEC)\b", re.I)


@dataclass(frozen=True)
class Note:
    """One line of the report: `ok` False only where something would break."""

    name: str
    ok: bool
    found: str
    fix: str = ""


def read_committed_snapshot(db: Database) -> bool | None:
    """READ_COMMITTED_SNAPSHOT of the current database (None where the engine does not report it)."""
    if db.dialect != MSSQL:
        return None
    try:
        value = db.scalar("SELECT CAST(is_read_committed_snapshot_on AS int) FROM sys.databases "
                          "WHERE database_id = DB_ID()")
    except DbError:
        return None
    return None if value is None else bool(value)


def rcsi_note(db: Database) -> Note:
    if db.dialect != MSSQL:
        return Note("READ_COMMITTED_SNAPSHOT", True, "not a setting on PostgreSQL (readers never wait for writers)")
    on = read_committed_snapshot(db)
    if on is None:
        return Note("READ_COMMITTED_SNAPSHOT", True, "not reported by this engine")
    if on:
        return Note("READ_COMMITTED_SNAPSHOT", True,
                    "ON: reads of the staging tables and the queue see the last committed rows and do not wait "
                    "for the loader or a stage (docs/sql_conventions.md, concurrency)")
    return Note("READ_COMMITTED_SNAPSHOT", True,
                "OFF: reads wait for the writers of the same rows (the loader, a stage, a release); the project "
                "works either way, but stage large batches when the loader does not run "
                "(docs/runbook.md, the loader; turning it ON is the DBA's decision: docs/sql_conventions.md)")


def _rows(db: Database, sql: str) -> list[dict]:
    return db.query(sql)


def set_option_objects(db: Database) -> list[str]:
    """Filtered indexes, indexes on computed columns and indexed views over the staging tables."""
    return [r["what"] for r in _rows(db, _SET_OPTION_OBJECTS)]


def loader_notes(db: Database) -> list[Note]:
    """What would make the owner's loader fail, or would fail it after the install (SQL Server)."""
    if db.dialect != MSSQL:
        return [Note("loader SET options", True, "not applicable on PostgreSQL (no SET options)"),
                positional_note(db)]
    notes = []
    try:
        needs = set_option_objects(db)
        modules = _rows(db, _LOADER_MODULES)
    except DbError as exc:
        return [Note("loader SET options", True, f"could not be read ({exc.message})")]
    names = [f"{m['name']} (QUOTED_IDENTIFIER {'ON' if m['quoted_identifier'] else 'OFF'}, "
             f"ANSI_NULLS {'ON' if m['ansi_nulls'] else 'OFF'})" for m in modules]
    try:
        steps = [r["name"] for r in _rows(db, _AGENT_STEPS)]
        steps_text = f"{len(steps)} SQL Agent T-SQL step(s) without SET QUOTED_IDENTIFIER ON name them" + (
            f": {', '.join(steps[:5])}" if steps else "")
    except DbError:
        steps = []
        steps_text = "the SQL Agent job steps could not be read (msdb: needs SQLAgentReaderRole or sysadmin)"
    modules_text = f"{len(names)} module(s) created with QUOTED_IDENTIFIER or ANSI_NULLS OFF name the staging " \
                   "tables" + (f": {', '.join(names[:5])}" if names else "")
    if not needs:
        notes.append(Note("loader SET options", True,
                          "info: no filtered index, index on a computed column or indexed view on the staging "
                          f"tables, so their writers need no SET option; {modules_text}; {steps_text}"))
    else:
        broken = bool(names or steps)
        notes.append(Note(
            "loader SET options", not broken,
            f"{', '.join(needs)} make every writer of the table need QUOTED_IDENTIFIER, ANSI_NULLS and five other "
            f"options ON (Msg 1934 otherwise); {modules_text}; {steps_text}",
            "drop that index or view (the project creates none; run `opus-sender db install` to replace an "
            "earlier release's filtered index), or re-create those modules with SET QUOTED_IDENTIFIER ON and "
            "SET ANSI_NULLS ON and begin those job steps with SET QUOTED_IDENTIFIER ON;"))
    notes.append(positional_note(db))
    return notes


def positional_note(db: Database) -> Note:
    try:
        positional = positional_loaders(db)
    except DbError:
        positional = []
    return Note(
        "positional loaders", not positional,
        "no module inserts into a staging table without a column list" if not positional else
        f"{', '.join(positional[:5])} insert into a staging table without a column list (INSERT ... SELECT * "
        "or VALUES): they fail on the columns the install adds",
        "name the loader's columns in those INSERTs (docs/runbook.md, the loader)")


def positional_loaders(db: Database) -> list[str]:
    """Modules (SQL Server) or routines (PostgreSQL) that insert into a staging table without a column list."""
    if db.dialect == MSSQL:
        rows = db.query("SELECT CONCAT(OBJECT_SCHEMA_NAME(m.object_id), N'.', OBJECT_NAME(m.object_id)) AS name, "
                        "m.definition AS text FROM sys.sql_modules AS m "
                        "WHERE m.definition LIKE N'%STG[_]MON[_]CustMasterSchedule%' ORDER BY 1")
    else:
        rows = db.query("SELECT n.nspname || '.' || p.proname AS name, p.prosrc AS text FROM pg_proc AS p "
                        "JOIN pg_namespace AS n ON n.oid = p.pronamespace "
                        "WHERE p.prosrc ILIKE '%stg\\_mon\\_custmasterschedule%' ORDER BY 1")
    return [r["name"] for r in rows if _POSITIONAL_INSERT.search(r["text"] or "")]
