"""Installs the project's tSQLt test classes (tests/tsqlt/*.sql) into the SQL Server database given by
MSSQL_DSN and runs them with tSQLt.RunAll. Needs the tSQLt framework installed in that database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sender.db import Database, DbError
from sender.installer import install

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    dsn = os.environ.get("MSSQL_DSN")
    if not dsn:
        print("MSSQL_DSN is not set: no SQL Server to run tSQLt on", file=sys.stderr)
        return 2
    with Database(dsn) as db:
        if not db.scalar("SELECT OBJECT_ID(N'tSQLt.RunAll')"):
            print("tSQLt is not installed in this database: install tSQLt.class.sql first", file=sys.stderr)
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
