"""Fixtures of the sender tests: the real monday API double over HTTP and a fresh PostgreSQL database.

No mock anywhere: the sender talks HTTP to the double (tests/monday_double) and ODBC to the database.
The token is a distinctive string so that a test can scan logs, exceptions, rows and reports for it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from sender.config import Config, load_config
from sender.db import Database

TOKEN = "tok-SECRET-7f3a9c1e5b2d-do-not-leak"
PLANNING = 8709134353
PLANNING_SUB = 8709134354

# fast, but honest: every wait monday asks for is still waited (the double runs at 1/100 of real time)
FAST = {
    "requests_per_minute": 600_000,
    "backoff_initial": 0.02,
    "backoff_max": 0.2,
    "max_retry_wait": 10.0,
    "idle_wait": 3.0,
    "lease_seconds": 60,
    "max_attempts": 12,
}


@pytest.fixture
def double(monday_double_factory):
    """The double with the Planning board, our token, no faults."""
    return monday_double_factory(token=TOKEN)


def make_config(dsn: str, double: Any, **kw: Any) -> Config:
    env = {"OPUS_DSN": dsn, "MONDAY_API_URL": double.url, "MONDAY_API_TOKEN": TOKEN}
    return load_config(env=env, **{**FAST, **kw})


@pytest.fixture
def cfg(fresh_dsn, double) -> Config:
    return make_config(fresh_dsn, double)


@pytest.fixture
def cli_env(monkeypatch, fresh_dsn, double, tmp_path) -> Path:
    """Environment and config file for in-process CLI runs; returns the config file path."""
    conf = tmp_path / "opus.toml"
    conf.write_text("[opus]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in FAST.items()), encoding="utf-8")
    for var in ("OPUS_CONFIG", "MONDAY_API_TOKEN_FILE", "OPUS_WORKER_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPUS_DSN", fresh_dsn)
    monkeypatch.setenv("MONDAY_API_URL", double.url)
    monkeypatch.setenv("MONDAY_API_TOKEN", TOKEN)
    monkeypatch.setenv("OPUS_CONFIG", str(conf))
    return conf


@pytest.fixture(autouse=True)
def _debug_logs(caplog):
    caplog.set_level(logging.DEBUG)


def load_loader_rows(db: Database, double: Any) -> list[int]:
    """What the owner's loader (load_boards.py) would have put in STG_MON_CustMasterSchedule: one row per
    item of the Planning board in the double (no update_batch_id: never read by the sender)."""
    ids = []
    for it in double.store.board_items(PLANNING):
        db.execute(
            "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, group_id, "
            "order_status, customer_name) VALUES (?, ?, ?, ?, ?, ?)",
            (it["id"], PLANNING, it["name"], it["group_id"], it["texts"].get("status"), it["texts"].get("text")),
        )
        ids.append(it["id"])
    return ids


def table_texts(db: Database) -> list[str]:
    """Every value of every project table, as text (for the token scan)."""
    tables = db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dbo' AND table_type = 'BASE TABLE'"
    )
    out: list[str] = []
    for t in tables:
        name = t["table_name"]
        for row in db.query(f'SELECT * FROM dbo."{name}"'):  # noqa: S608 - names from the catalog
            out.extend(str(v) for v in row.values() if v is not None)
    return out
