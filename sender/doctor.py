"""`opus-sender doctor`: the checklist an operator runs first on a new SQL Agent host.

Each check says what it found and, when it fails, what to do. Nothing is changed anywhere: the database
is only read, and monday is asked three read-only questions (whose token, which API versions, which
boards). The DSN's password and the token never appear in what is printed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from . import graphql_ops as ops
from .config import Config, ConfigError
from .db import MSSQL, Database, DbError, mask_dsn
from .installer import MIN_COMPATIBILITY_LEVEL, compatibility_level, installed_version, parse_version
from .monday import AuthError, DailyBudgetExhausted, MondayApiError, MondayClient
from .owner_tables import loader_notes, rcsi_note
from .privileges import missing_rights

ROLES = {"staging": "opus_stager", "sending": "opus_sender"}
JOBS = {"staging": "stage", "sending": "send"}  # the jobs of sender.privileges
# what filtered indexes and the procedures need on the session that calls them (SQL Server)
SESSION_OPTIONS = {"ANSI_NULLS": 1, "ANSI_PADDING": 1, "ANSI_WARNINGS": 1, "ARITHABORT": 1,
                   "CONCAT_NULL_YIELDS_NULL": 1, "QUOTED_IDENTIFIER": 1, "NUMERIC_ROUNDABORT": 0}
MIN_POSTGRES = 15
MIN_SQLSERVER = 14  # SQL Server 2017
_SUPPORTED_KINDS = {"current", "maintenance", "previous_maintenance", "old__maintenance",
                    "old_previous_maintenance", "release_candidate"}


# what each check needs first: a check whose prerequisite failed is listed as skipped, never as ok
NEEDS_DATABASE = ("engine", "schema version", "rights for staging", "rights for sending", "boards reachable")

# Microsoft's driver for SQL Server, and what installs it (docs/sqlserver_host.md)
MSSQL_DRIVER = "ODBC Driver 18 for SQL Server"
_DRIVER_INSTALL = {
    "sql server": f"install Microsoft's {MSSQL_DRIVER} (Linux: the package msodbcsql18 from Microsoft's apt "
                  "repository; Windows: the msodbcsql.msi installer) and name it in the DSN as "
                  f"DRIVER={{{MSSQL_DRIVER}}}: docs/sqlserver_host.md",
    "freetds": "install FreeTDS's ODBC driver (Debian: tdsodbc)",
    "postgresql": "install psqlODBC (Debian: odbc-postgresql; Windows: the psqlODBC installer)",
}


def missing_driver(exc: Exception, dsn: str | None) -> tuple[str, str] | None:
    """What to install when a connection failed because the DSN's ODBC driver is not installed (pyodbc:
    IM002 "Data source name not found", unixODBC: "Can't open lib"): (what was found, what to install);
    None for any other failure."""
    text = str(exc)
    if isinstance(exc, ImportError):  # pyodbc is there, the driver manager it links to is not
        return (f"pyodbc cannot load the ODBC driver manager ({text})",
                "install unixODBC (Debian: unixodbc; Windows has its own), then the database's ODBC driver: "
                "docs/sqlserver_host.md")
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if not (sqlstate == "IM002" or "Can't open lib" in text or "Data source name not found" in text
            or "file not found" in text and "Driver Manager" in text):
        return None
    m = re.search(r"driver\s*=\s*\{?([^};]+)\}?", dsn or "", re.I)
    named = m.group(1).strip() if m else None
    kind = (named or "").lower()
    how = next((v for k, v in _DRIVER_INSTALL.items() if k in kind), None)
    if how is None:
        how = _DRIVER_INSTALL["sql server"] if not named else f"install the ODBC driver {named!r}"
    try:
        import pyodbc

        have = ", ".join(pyodbc.drivers()) or "none"
    except ImportError:  # no unixODBC at all
        have = "none (unixODBC itself is missing: Debian package unixodbc)"
    found = f"the ODBC driver {named!r} is not installed" if named else "the DSN names no installed ODBC driver"
    return f"{found} (installed drivers: {have})", how


@dataclass
class Check:
    name: str
    ok: bool
    found: str
    fix: str = ""
    skipped: bool = False


@dataclass
class Doctor:
    """Runs the checks in order; a check that cannot run because an earlier one failed is reported too."""

    config: Config
    dsn_setting: str  # where the DSN came from: --dsn, OPUS_DSN or the config file
    checks: list[Check] = field(default_factory=list)
    _db: Database | None = None
    _client: MondayClient | None = None
    _boards: list[int] | None = None  # the boards with batches, once read from the database

    def add(self, name: str, ok: bool, found: str, fix: str = "") -> None:
        self.checks.append(Check(name, ok, found, "" if ok else fix))

    def skip(self, name: str, why: str) -> None:
        self.checks.append(Check(name, False, why, "", skipped=True))

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


    def run(self) -> list[Check]:
        try:
            for step in (self.check_database, self.check_monday):
                step()
        finally:
            if self._db is not None:
                self._db.close()
            if self._client is not None:
                self._client.close()
        return self.checks

    # -- the database ------------------------------------------------------------------------------
    def check_database(self) -> None:
        if not self.config.dsn:
            self.add("database connects", False, "no DSN is set",
                     "pass --dsn, set OPUS_DSN, or put dsn = \"...\" in the config file")
            self._skip_database_checks("no database to ask")
            return
        try:
            self._db = Database(self.config.dsn).connect()
        except (DbError, ConfigError, ImportError) as exc:
            driver = missing_driver(exc, self.config.dsn)
            if driver:
                self.add("ODBC driver", False, *driver)
            else:
                self.add("database connects", False, f"{self.dsn_setting}: {exc}",
                         f"fix the connection string in {self.dsn_setting} (driver, server, database, login); "
                         "the message above is the driver's")
            self._skip_database_checks("the database did not answer")
            return
        self.add("database connects", True, f"{self.dsn_setting}: {mask_dsn(_short_dsn(self.config.dsn))}")
        for step in (self.check_engine, self.check_schema, self.check_session, self.check_roles,
                     self.check_shared_database):
            try:
                step(self._db)
            except DbError as exc:
                self.add(step.__name__.removeprefix("check_").replace("_", " "), False, str(exc),
                         "the login may lack the rights to read it: see docs/runbook.md (roles)")

    def _skip_database_checks(self, why: str) -> None:
        for name in NEEDS_DATABASE[:-1]:
            self.skip(name, why)

    def check_engine(self, db: Database) -> None:
        if db.dialect == MSSQL:
            text = str(db.scalar("SELECT CAST(@@VERSION AS nvarchar(4000))") or "")
            major = int(str(db.scalar("SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS nvarchar(20))")
                            or "0").split(".")[0] or 0)
            first_line = text.splitlines()[0].strip() if text else "unknown"
            if "babelfish" in text.lower():
                self.add("engine", True, f"{first_line} (a T-SQL engine; the product targets SQL Server 2017+)")
                return
            self.add("engine", major >= MIN_SQLSERVER, first_line,
                     "SQL Server 2017 (14.x) or later, or Azure SQL Database, is needed")
        else:
            num = int(db.scalar("SELECT current_setting('server_version_num')") or 0)
            version = db.scalar("SELECT current_setting('server_version')")
            self.add("engine", num >= MIN_POSTGRES * 10000, f"PostgreSQL {version}",
                     f"PostgreSQL {MIN_POSTGRES} or later is needed")

    def check_schema(self, db: Database) -> None:
        current = installed_version(db)
        if current is None:
            self.add("schema version", False, f"not installed (package {__version__})",
                     "run `opus-sender db install` (or db/install.sql on SQL Server) as the database owner")
            return
        have, want = parse_version(current), parse_version(__version__)
        if have < want:
            fix = "upgrade the schema: `opus-sender db install --dry-run`, then `opus-sender db install`"
        else:
            fix = f"this package ({__version__}) is older than the schema: install opus-update-boards {current}"
        self.add("schema version", have == want, f"database {current}, package {__version__}", fix)
        # the boards of open batches only: a batch cancelled or finished long ago (say, staged with a mistyped
        # board id and cancelled) has nothing left to send
        self._boards = [int(r["board_id"]) for r in db.query(
            "SELECT DISTINCT board_id FROM dbo.vw_MON_BatchSummary WHERE board_id IS NOT NULL "
            "AND batch_status IN ('STAGED', 'VALIDATED', 'READY', 'SENDING') ORDER BY board_id")]

    def check_session(self, db: Database) -> None:
        if db.dialect != MSSQL:
            return
        level = compatibility_level(db)
        self.add("compatibility level", level is None or level >= MIN_COMPATIBILITY_LEVEL,
                 f"{level}" if level is not None else "not reported by this engine", f"ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = {MIN_COMPATIBILITY_LEVEL} "
                 "(or higher) after checking the database's other code")
        got = db.query("SELECT " + ", ".join(f"CAST(SESSIONPROPERTY('{o}') AS int) AS {o.lower()}"
                                             for o in SESSION_OPTIONS))[0]
        wrong = [f"{o} {'ON' if want else 'OFF'}" for o, want in SESSION_OPTIONS.items()
                 if got[o.lower()] is not None and int(got[o.lower()]) != want]
        self.add("SET options", not wrong, "as the procedures need" if not wrong else "needs " + ", ".join(wrong),
                 "set them in the connection (ODBC defaults are right except ARITHABORT; the sender sets it)")

    def check_roles(self, db: Database) -> None:
        if db.dialect == MSSQL:
            owner = db.scalar("SELECT IS_ROLEMEMBER(N'db_owner')") == 1 or db.scalar(
                "SELECT CAST(USER_NAME() AS nvarchar(128))") == "dbo"
            member = {job: owner or db.scalar("SELECT IS_ROLEMEMBER(?)", [role]) == 1
                      for job, role in ROLES.items()}
            who = db.scalar("SELECT CAST(USER_NAME() AS nvarchar(128))")
        else:
            owner = bool(db.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
            member = {job: owner or bool(db.scalar(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?) "
                "AND pg_has_role(current_user, ?, 'USAGE')", [role, role])) for job, role in ROLES.items()}
            who = db.scalar("SELECT current_user")
        for job, role in ROLES.items():
            # the rights themselves decide (a member whose role lost a grant fails too); membership explains
            try:
                missing = missing_rights(db, JOBS[job])
            except DbError as exc:  # e.g. no USAGE on schema dbo: no right of the role can be used
                missing = [f"access to schema dbo ({exc.message})"]
            found = f"{who} is {'' if member[job] else 'not '}a member of {role}" + (" (owner)" if owner else "")
            if missing:
                found += f"; lacks {', '.join(missing[:4])}" + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
            self.add(f"rights for {job}", not missing, found,
                     f"add the login's user to {role} (docs/runbook.md, roles), or run `opus-sender db install` "
                     "again to restore the role's grants")

    def check_shared_database(self, db: Database) -> None:
        """The database the project shares with the owner's loader (sender/owner_tables.py): READ_COMMITTED_SNAPSHOT
        and what would make the loader fail - SET options a filtered index or indexed view on its tables would
        need of its modules and SQL Agent steps (info when nothing needs them), INSERTs without a column list."""
        for note in [rcsi_note(db), *loader_notes(db)]:
            self.add(note.name, note.ok, note.found, note.fix)

    # -- monday --------------------------------------------------------------------------------------
    def check_monday(self) -> None:
        try:
            self._client = MondayClient(self.config)
        except ConfigError as exc:
            self.add("monday token", False, str(exc), "set MONDAY_API_TOKEN or MONDAY_API_TOKEN_FILE")
            return
        ok = self._ask("monday token", self.check_token)
        if not ok:
            self.skip("boards reachable", "the monday token check failed")
        elif self._boards is None:
            self.skip("boards reachable", "the boards with batches are read from the database: "
                      + ("it did not answer" if self._db is None else "the schema is not installed"))
        else:
            self._ask("boards reachable", self.check_boards)
        self.check_budget()

    def _ask(self, name: str, step: Callable[[MondayClient], None]) -> bool:
        assert self._client is not None
        try:
            step(self._client)
            return True
        except AuthError as exc:
            self.add(name, False, f"monday refused the token: {exc}",
                     "create a new personal API token (monday: Developers > My access tokens) and set it in "
                     "MONDAY_API_TOKEN or the token file")
        except DailyBudgetExhausted as exc:
            self.add(name, False, str(exc), "wait until after 00:00 UTC")
        except MondayApiError as exc:
            self.add(name, False, f"monday error: {exc}", f"check api_url ({self.config.api_url}) and the network")
        return False

    def check_token(self, client: MondayClient) -> None:
        res = client.query(ops.WHO_AM_I)
        me = (res.data or {}).get("me") or {}
        self.add("monday token", bool(me.get("id")), f"accepted: user {me.get('name')} ({me.get('id')})"
                 if me.get("id") else "monday answered without a user", "check that the token is a user's token")
        served = {v["value"]: v["kind"] for v in (res.data or {}).get("versions") or []}
        wanted = self.config.api_version
        kind = served.get(wanted)
        usable = sorted(v for v, k in served.items() if k in _SUPPORTED_KINDS)
        self.add("API version", kind in _SUPPORTED_KINDS,
                 f"{wanted}: {kind or 'not served by monday'}",
                 f"set api_version / MONDAY_API_VERSION to one monday serves: {', '.join(usable) or 'none listed'}")

    def check_boards(self, client: MondayClient) -> None:
        if not self._boards:
            self.add("boards reachable", True, "no open batch: no board to check")
            return
        res = client.query(ops.BOARDS_REACHABLE, {"board_ids": [str(b) for b in self._boards],
                                                   "limit": len(self._boards)})
        seen = {int(b["id"]) for b in (res.data or {}).get("boards") or [] if b and str(b.get("id", "")).isdigit()}
        missing = [b for b in self._boards if b not in seen]
        self.add("boards reachable", not missing,
                 f"{len(seen)} of {len(self._boards)} boards with open batches"
                 + (f"; not visible: {', '.join(map(str, missing))}" if missing else ""),
                 # monday's boards(ids:) leaves out a board that does not exist and one the user may not see
                 "no such board, or not shared with the token's user: check the board id of the open batches "
                 "(a mistyped id: cancel the batch, opus-sender cancel --batch-id ...), or share the board with "
                 "the token's user (or use that user's token)")

    def check_budget(self) -> None:
        assert self._client is not None
        budget = self._client.budget
        try:  # monday's own count of the account's day; the local counter is the fallback
            budget.from_monday(self._client)
        except (AuthError, DailyBudgetExhausted):
            pass  # reported by the token check; the local count stands
        left = int(budget.remaining)
        self.add("daily call budget", left > 0,
                 f"{left} of {budget.limit} calls left today (UTC)"
                 + (f", {budget.calls_this_run} used by this check" if budget.calls_this_run else "")
                 + f"; {budget.source}",
                 "wait until after 00:00 UTC, or raise daily_calls if the account's plan allows more")


def _short_dsn(dsn: str) -> str:
    """The parts of a DSN that say where it points (driver, server, port, database, user)."""
    keep = ("driver", "server", "port", "database", "uid", "dsn")
    parts = [p for p in dsn.split(";") if p.split("=", 1)[0].strip().lower() in keep]
    return ";".join(parts) or "(set)"


def format_checks(checks: list[Check]) -> str:
    width = max((len(c.name) for c in checks), default=0)
    lines = []
    for c in checks:
        lines.append(f"[{'skip' if c.skipped else 'ok' if c.ok else 'FAIL'}] {c.name:<{width}}  "
                     + (f"skipped: {c.found}" if c.skipped else c.found))
        if c.fix:
            lines.append(f"       {'':<{width}}  -> {c.fix}")
    passed = sum(c.ok for c in checks)
    skipped = sum(c.skipped for c in checks)
    lines.append(f"{passed} of {len(checks)} checks passed" + (f", {skipped} skipped" if skipped else "")
                 + ("" if passed == len(checks) else "; fix the FAIL lines above and run doctor again"))
    return "\n".join(lines)


def dsn_setting(args_dsn: str | None, env: dict[str, Any]) -> str:
    if args_dsn:
        return "--dsn"
    if env.get("OPUS_DSN"):
        return "OPUS_DSN"
    return "dsn in the config file"


