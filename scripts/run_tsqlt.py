"""Installs the project's tSQLt test classes (tests/tsqlt/*.sql) into the SQL Server database given by
MSSQL_DSN and runs them with tSQLt.RunAll. Needs the tSQLt framework, V1.0.8083.3529 or later, installed in
that database: the classes run the tests of procedures that commit their own work outside tSQLt's
transaction (--[@tSQLt:NoTransaction]('<cleanup procedure>'), which older releases do not know: they would
run those tests inside a transaction, where the procedures refuse to run)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from sender.db import Database, DbError
from sender.installer import install

ROOT = Path(__file__).resolve().parent.parent
REQUIRED_TSQLT = (1, 0, 8083, 3529)
# T-SQL engines that speak TDS but have no SQLCLR, named by a word of their @@VERSION
ENGINES_WITHOUT_CLR = ("Babelfish",)


def engine_without_clr(version: str) -> str | None:
    """The name of the engine when @@VERSION names one that cannot host tSQLt, else None (SQL Server can)."""
    return next((name for name in ENGINES_WITHOUT_CLR if name in version), None)


def tsqlt_version_problem(version: str | None) -> str | None:
    """Why the installed tSQLt (tSQLt.Info().Version, e.g. '1.0.8083.3529') cannot run the classes, or None."""
    required = ".".join(str(n) for n in REQUIRED_TSQLT)
    parts = re.fullmatch(r"\s*V?(\d+)\.(\d+)\.(\d+)\.(\d+)\s*", version or "")
    if not parts:
        return (f"the installed tSQLt reports version {version!r}, not a version number: install tSQLt "
                f"V{required} or later (tSQLt.class.sql from tsqlt.org)")
    if tuple(int(n) for n in parts.groups()) < REQUIRED_TSQLT:
        return (f"the installed tSQLt is V{version.strip()}; the classes need V{required} or later (the "
                "NoTransaction annotation with a cleanup procedure): install a newer tSQLt.class.sql from "
                "tsqlt.org, then run again")
    return None


def main() -> int:
    dsn = os.environ.get("MSSQL_DSN")
    if not dsn:
        print("MSSQL_DSN is not set: no SQL Server to run tSQLt on", file=sys.stderr)
        return 2
    with Database(dsn) as db:
        if not db.scalar("SELECT OBJECT_ID(N'tSQLt.RunAll')"):
            engine = str(db.scalar("SELECT @@VERSION") or "")
            if host := engine_without_clr(engine):
                # tSQLt is a SQLCLR assembly: an engine without SQLCLR cannot host it; the contract tier ran
                print(f"tSQLt classes not run: {host} cannot host tSQLt (it needs SQLCLR, which that engine does "
                      "not have); the contract tier above is this engine's test. Run them on SQL Server.")
                return 0
            print("tSQLt is not installed in this database: install tSQLt.class.sql (V1.0.8083.3529 or later) "
                  "first", file=sys.stderr)
            return 2
        try:
            version = db.scalar("SELECT Version FROM tSQLt.Info()")
        except DbError as exc:
            version = f"unreadable ({exc})"
        if problem := tsqlt_version_problem(None if version is None else str(version)):
            print(problem, file=sys.stderr)
            return 2
        install(db)
        files = sorted((ROOT / "tests" / "tsqlt").glob("*.sql"))
        for path in files:
            db.run_script(path.read_text(encoding="utf-8"))
        try:
            db.execute("EXEC tSQLt.RunAll;")
        except DbError as exc:
            print(f"tSQLt reported failures: {exc}", file=sys.stderr)
            return 1
        results = db.query("SELECT Class, TestCase, Result, Msg FROM tSQLt.TestResult ORDER BY Class, TestCase")
    for r in results:
        print(f"{r['Result']:8} {r['Class']}.{r['TestCase']} {r['Msg'] or ''}".rstrip())
    failed = sum(r["Result"] != "Success" for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
