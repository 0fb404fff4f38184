"""Installs or upgrades the project's schema on either engine.

Two kinds of SQL, the pattern of the best re-runnable installers:
- re-runnable sources, in the order of db/manifest.txt: guarded CREATE TABLE and column additions,
  routines and views (re-created on every install), upserts of data. Installing twice changes nothing.
- versioned upgrade steps, db/upgrades/<version>/NN_<what>.sql (db/postgres/upgrades/... for
  PostgreSQL): what re-running cannot do (reshape a table, move its data, drop an object that is gone).
  A step runs once, when the database's recorded version is older than the step's folder, before the
  re-runnable sources.

Everything runs in one transaction, so a failed install or upgrade changes nothing. The schema version
is recorded in dbo.MON_SchemaVersion; a database holding a newer version than this package is refused
untouched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .db import MSSQL, Database, DbError, split_batches
from .owner_tables import loader_notes, rcsi_note


def _find_db_root() -> Path:
    # a checkout keeps the SQL in db/ beside sender/; a wheel carries it inside the package (sender/sql)
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "db", here / "sql"):
        if (candidate / "manifest.txt").is_file():
            return candidate
    return here.parent / "db"


DB_ROOT = _find_db_root()

# The SET options the T-SQL objects are created under and need at run time (filtered indexes, indexed
# views, OPENJSON): both installers set them first, whatever the client's defaults are (sqlcmd runs with
# QUOTED_IDENTIFIER OFF, ODBC with ARITHABORT OFF).
TSQL_SET_OPTIONS = """\
SET NOCOUNT ON;
SET XACT_ABORT ON;
SET ANSI_NULLS ON;
SET QUOTED_IDENTIFIER ON;
SET ANSI_PADDING ON;
SET ANSI_WARNINGS ON;
SET CONCAT_NULL_YIELDS_NULL ON;
SET ARITHABORT ON;
SET NUMERIC_ROUNDABORT OFF;"""

# OPENJSON and STRING_SPLIT need compatibility level 130 (SQL Server 2016) or higher
MIN_COMPATIBILITY_LEVEL = 130
# STRING_AGG and WITHIN GROUP need the SQL Server 2017 (14.x) engine, whatever the compatibility level
MIN_SQLSERVER_MAJOR = 14
# how long the install waits for a lock (the owner's loader may hold one on its tables) before it gives up,
# rolls everything back and says so; db/install.sql sets the same
LOCK_TIMEOUT_MS = 30000
# the sources that change the owner's tables: their locks are held from here to the COMMIT
OWNER_TABLE_SOURCES = ("ddl/tables/STG_MON_CustMasterSchedule.sql", "ddl/updates/extend_staging_tables.sql",
                       "ddl/updates/create_update_audit.sql")


class InstallError(Exception):
    """The schema could not be installed; the message says why and what to do."""


def parse_version(text: str) -> tuple[int, int, int]:
    parts = (text.split("+")[0].split("-")[0].split(".") + ["0", "0", "0"])[:3]
    try:
        major, minor, patch = (int(p) for p in parts)
    except ValueError:
        raise InstallError(f"not a version number: {text!r}") from None
    return major, minor, patch


def manifest(db_root: Path = DB_ROOT) -> list[str]:
    lines = (db_root / "manifest.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def source_root(dialect: str, db_root: Path = DB_ROOT) -> Path:
    return db_root if dialect == MSSQL else db_root / "postgres"


# manifest entries under this folder are checks that may refuse the install: both installers run them
# first, before the upgrade steps and before anything is changed
CHECKS_DIR = "ddl/checks/"


def is_check(rel: str) -> bool:
    return rel.startswith(CHECKS_DIR)


def source_files(dialect: str, db_root: Path = DB_ROOT) -> list[Path]:
    root = source_root(dialect, db_root)
    files = [root / rel for rel in manifest(db_root)]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InstallError(f"the manifest names files that do not exist: {', '.join(missing)}")
    return files


@dataclass(frozen=True)
class Step:
    """One versioned upgrade step: runs once, on a database older than `version`."""

    version: str
    path: Path

    @property
    def rel(self) -> str:
        return f"upgrades/{self.version}/{self.path.name}"


def upgrade_steps(dialect: str, db_root: Path = DB_ROOT) -> list[Step]:
    """Every upgrade step of one dialect, in the order they run: by version, then by file name."""
    base = source_root(dialect, db_root) / "upgrades"
    if not base.is_dir():
        return []
    steps = []
    for folder in base.iterdir():
        if folder.is_dir():
            parse_version(folder.name)  # a folder that is not a version is a packaging mistake
            steps += [Step(folder.name, p) for p in folder.glob("*.sql")]
    return sorted(steps, key=lambda s: (parse_version(s.version), s.path.name))


def compatibility_level(db: Database) -> int | None:
    """The database's compatibility level (SQL Server), or None where the level says nothing: Babelfish
    reports 120 for every database, cannot change it, and runs what the procedures need of 130."""
    if "babelfish" in str(db.scalar("SELECT CAST(@@VERSION AS nvarchar(4000))") or "").lower():
        return None
    level = db.scalar("SELECT compatibility_level FROM sys.databases WHERE database_id = DB_ID()")
    return None if level is None else int(level)


def engine_refusal(db: Database) -> str | None:
    """Why this SQL Server engine cannot run the code (50956), or None. SQL Server 2017 (14.x) or later, Azure
    SQL Database (EngineEdition 5) and Azure SQL Managed Instance (8) are accepted. A T-SQL engine that is not
    SQL Server (Babelfish, the one the tests run on) reports an older product version (12.0) although it runs
    what the code needs: it is recognised by SERVERPROPERTY('babelfish') = 1 or its @@VERSION, and accepted."""
    row = db.query(
        "SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS nvarchar(128)) AS major, "
        "CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS version, "
        "CAST(SERVERPROPERTY('EngineEdition') AS int) AS edition, "
        "CAST(SERVERPROPERTY('babelfish') AS int) AS babelfish, "
        "CAST(@@VERSION AS nvarchar(4000)) AS banner")[0]
    if row["babelfish"] == 1 or "babelfish" in str(row["banner"] or "").lower():
        return None
    if row["edition"] in (5, 8):
        return None
    major = str(row["major"] or row["version"] or "0").split(".")[0]
    if major.isdigit() and int(major) >= MIN_SQLSERVER_MAJOR:
        return None
    return (f"OPUS install refused (50956): the server is SQL Server {row['version'] or 'of an unknown version'}; the procedures need SQL Server "
            "2017 (14.x) or later (STRING_AGG, WITHIN GROUP), or Azure SQL. Nothing was changed. Install on a "
            "SQL Server 2017 or later instance.")


def transaction_refusal(db: Database) -> str | None:
    """Why the session cannot run the install's own transaction (50955), or None: a transaction is open, or
    (SQL Server) IMPLICIT_TRANSACTIONS is ON, so the install's COMMIT would not commit."""
    if not db.conn.autocommit:
        return ("OPUS install refused (50955): the connection is not in autocommit mode, so the install's COMMIT would not end its transaction. "
                "Nothing was changed. Connect in autocommit mode (opus-sender does) and install again.")
    if db.dialect == MSSQL:
        row = db.query("SELECT @@TRANCOUNT AS open_transactions, @@OPTIONS & 2 AS implicit")[0]
        if row["open_transactions"] or row["implicit"]:
            return (f"OPUS install refused (50955): the session has {row['open_transactions']} open transaction(s) and IMPLICIT_TRANSACTIONS "
                    f"{'ON' if row['implicit'] else 'OFF'}: the install's COMMIT would not commit. Nothing was "
                    "changed. COMMIT or ROLLBACK first, SET IMPLICIT_TRANSACTIONS OFF, and install again.")
    return None


def installed_version(db: Database) -> str | None:
    """The newest schema version recorded in the database, or None on an empty database."""
    if db.dialect == MSSQL:
        exists = db.scalar("SELECT OBJECT_ID(N'dbo.MON_SchemaVersion', N'U')")
    else:
        exists = db.scalar("SELECT to_regclass('dbo.mon_schemaversion')::text")
    if not exists:
        return None
    rows = db.query(
        "SELECT schema_version FROM dbo.MON_SchemaVersion "
        "ORDER BY version_major DESC, version_minor DESC, version_patch DESC"
    )
    return rows[0]["schema_version"] if rows else None


@dataclass
class InstallPlan:
    """What an install would do: from which version to which, the checks, the steps, then the sources."""

    dialect: str
    previous_version: str | None
    version: str
    steps: list[Step] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    checks: list[Path] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.previous_version is None:
            return "new install"
        if parse_version(self.previous_version) == parse_version(self.version):
            return "re-install (same version)"
        return "upgrade"

    def lines(self, db_root: Path = DB_ROOT) -> list[str]:
        root = source_root(self.dialect, db_root)
        out = [f"{self.kind}: {self.previous_version or 'nothing installed'} -> {self.version} "
               f"({'SQL Server' if self.dialect == MSSQL else 'PostgreSQL'}, one transaction)"]
        out.append(f"checks before anything is changed ({len(self.checks)}):")
        out += [f"  {p.relative_to(root).as_posix()}" for p in self.checks]
        if self.steps:
            out.append(f"upgrade steps ({len(self.steps)}), once each:")
            out += [f"  {s.rel}" for s in self.steps]
        else:
            out.append("upgrade steps: none")
        out.append(f"re-runnable sources ({len(self.sources)}), in db/manifest.txt order:")
        out += [f"  {p.relative_to(root).as_posix()}" for p in self.sources]
        out.append(f"record schema version {self.version}")
        return out


def plan(db: Database, version: str = __version__, db_root: Path = DB_ROOT) -> InstallPlan:
    """The plan of an install on this database, without changing anything."""
    target = parse_version(version)
    refusal = transaction_refusal(db) or (engine_refusal(db) if db.dialect == MSSQL else None)
    if refusal:
        raise InstallError(refusal)
    if db.dialect == MSSQL:
        level = compatibility_level(db)
        if level is not None and level < MIN_COMPATIBILITY_LEVEL:
            raise InstallError(
                f"the database is at compatibility level {level}; the procedures need "
                f"{MIN_COMPATIBILITY_LEVEL} or higher (OPENJSON, STRING_SPLIT). Nothing was changed. Run "
                f"ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = {MIN_COMPATIBILITY_LEVEL} (or higher) "
                "after checking your other code, then install again."
            )
    current = installed_version(db)
    if current is not None and parse_version(current) > target:
        raise InstallError(
            f"the database holds schema version {current}, newer than this package ({version}); "
            "nothing was changed. Install the matching or a newer opus-update-boards package."
        )
    steps = []
    if current is not None:
        older = parse_version(current)
        steps = [s for s in upgrade_steps(db.dialect, db_root) if older < parse_version(s.version) <= target]
    root = source_root(db.dialect, db_root)
    files = source_files(db.dialect, db_root)
    checks = [p for p in files if is_check(p.relative_to(root).as_posix())]
    sources = [p for p in files if p not in checks]
    return InstallPlan(db.dialect, current, version, steps, sources, checks)


@dataclass
class InstallReport:
    version: str
    previous_version: str | None
    files: int
    batches: int
    steps: int = 0
    # what the install says about the database it shares with the owner's loader (printed after it)
    notes: list[str] = field(default_factory=list)


def _leftover_overloads(db: Database) -> list[str]:
    # PostgreSQL keeps a routine whose parameters changed beside its new version: refuse to commit that
    rows = db.query(
        "SELECT p.oid::regprocedure::text AS routine FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'dbo' AND p.proname IN (SELECT q.proname FROM pg_proc q "
        "  WHERE q.pronamespace = p.pronamespace GROUP BY q.proname HAVING count(*) > 1) ORDER BY 1"
    )
    return [r["routine"] for r in rows]


def _rollback(conn) -> None:
    # SQL Server rolls the transaction back itself when XACT_ABORT stops a batch; a second ROLLBACK then
    # fails with 3903, which must not hide the error that caused it
    try:
        conn.rollback()
    except Exception:  # noqa: BLE001 - nothing left to roll back
        pass


def install(db: Database, version: str = __version__, db_root: Path = DB_ROOT) -> InstallReport:
    """Run the checks (they may refuse the install), apply the upgrade steps the database needs, then
    every source in manifest order, in one transaction, then record the version."""
    if db.dialect == MSSQL:
        db.execute(TSQL_SET_OPTIONS)
    the_plan = plan(db, version, db_root)
    batches = 0
    owner_locks_from = None
    conn = db.conn
    if db.dialect == MSSQL:
        # never wait long for a lock the loader holds: fail, roll back, say so (reset in the finally below)
        db.execute(f"SET LOCK_TIMEOUT {LOCK_TIMEOUT_MS};")
    conn.autocommit = False
    try:
        if db.dialect != MSSQL:
            db.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")  # ends with the transaction
        root = source_root(db.dialect, db_root)
        for path, label in [(p, p.relative_to(root).as_posix()) for p in the_plan.checks] + [
            (s.path, s.rel) for s in the_plan.steps
        ] + [(p, p.relative_to(root).as_posix()) for p in the_plan.sources]:
            if owner_locks_from is None and (label in OWNER_TABLE_SOURCES or label.startswith("upgrades/")):
                owner_locks_from = time.monotonic()
            text = path.read_text(encoding="utf-8")
            try:
                before = batches
                for batch in split_batches(text) if db.dialect == MSSQL else [text]:
                    db.execute(batch)
                    batches += 1
                if batches == before:
                    raise InstallError(f"{label} holds no SQL")
            except DbError as exc:
                said = "" if "nothing was changed" in exc.message.lower() else " Nothing was changed."
                raise InstallError(f"installing {label} failed: {str(exc).rstrip('.')}.{said}") from None
        if db.dialect != MSSQL and (left := _leftover_overloads(db)):
            raise InstallError(
                "routines would be left beside their new versions: " + ", ".join(left)
                + ". Nothing was changed. Add an upgrade step that drops the old signature."
            )
        if the_plan.previous_version is None or parse_version(the_plan.previous_version) != parse_version(version):
            major, minor, patch = parse_version(version)
            db.execute(
                "INSERT INTO dbo.MON_SchemaVersion (schema_version, version_major, version_minor, "
                "version_patch) VALUES (?, ?, ?, ?)",
                (version, major, minor, patch),
            )
        conn.commit()
    except BaseException as exc:
        _rollback(conn)
        if isinstance(exc, InstallError) and ("[1222]" in str(exc) or "lock timeout" in str(exc).lower()):
            raise InstallError(f"{exc} The owner's loader (or another session) held a lock on a table the install "
                               f"changes for more than {LOCK_TIMEOUT_MS // 1000} s: install when the loader does "
                               "not run (docs/runbook.md, install).") from None
        raise
    finally:
        try:
            conn.autocommit = True
            if db.dialect == MSSQL:
                db.execute("SET LOCK_TIMEOUT -1;")
        except Exception:  # noqa: BLE001 - the same 3903: the server ended the transaction already
            pass
    held = time.monotonic() - owner_locks_from if owner_locks_from is not None else 0.0
    notes = [f"locks on the owner's tables held {held:.1f} s, from the first upgrade step or owner-table source "
             "to the COMMIT"]
    notes += [f"{'ok' if n.ok else 'WARNING'}: {n.name}: {n.found}" + (f" -> {n.fix}" if n.fix else "")
              for n in [rcsi_note(db), *loader_notes(db)]]
    return InstallReport(version, the_plan.previous_version, len(the_plan.checks) + len(the_plan.sources), batches,
                         len(the_plan.steps), notes)
