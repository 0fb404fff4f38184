"""Shared helpers of the benchmarks (not a benchmark itself: run_bench.sh runs scripts/bench_*.py only)."""

from __future__ import annotations

import os
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sender.db import Database  # noqa: E402
from sender.installer import install  # noqa: E402


def pg_port() -> int:
    if os.environ.get("OPUS_PGPORT"):
        return int(os.environ["OPUS_PGPORT"])
    return int((ROOT / ".run" / "pgport").read_text().strip())


def pg_dsn(database: str) -> str:
    return (f"DRIVER={{PostgreSQL Unicode}};SERVER=127.0.0.1;PORT={pg_port()};DATABASE={database};"
            "UID=postgres;PWD=;")


@contextmanager
def bench_database(prefix: str = "opus_bench"):
    """A freshly installed database for one benchmark run, dropped afterwards; yields its DSN."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with Database(pg_dsn("postgres")) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with Database(pg_dsn(name)) as db:
            install(db)
        yield pg_dsn(name)
    finally:
        with Database(pg_dsn("postgres")) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def values_query(columns: list[str], rows: list[list]) -> str:
    def lit(v):
        return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
    body = ", ".join("(" + ", ".join(lit(v) for v in r) + ")" for r in rows)
    # the text of a @query for usp_StageUpdates (benchmark data, quoted above): building it is the point
    return f"SELECT {', '.join('v.' + c for c in columns)} FROM (VALUES {body}) AS v({', '.join(columns)})"  # noqa: S608
