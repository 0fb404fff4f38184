"""Test helpers for the send-queue contract tests: boards, batches and queue rows made by direct INSERTs.

The release tests go through the real staging path (usp_StageUpdates -> usp_ValidateStagedUpdates ->
usp_ReleaseBatch); the queue, result and rollback tests only need released queue rows, so they build
them here, engine-neutral (plain INSERTs with ? markers, Python datetimes as naive UTC).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

from sender import values as V
from sender.db import MSSQL, Database, DbError

BOARD = 8709134353
OTHER_BOARD = 8709134999


def db_now(db: Database) -> datetime:
    """The database's UTC clock (naive), as the procedures see it."""
    if db.dialect == MSSQL:
        return db.scalar("SELECT CAST(SYSUTCDATETIME() AS datetime2(3))")
    return db.scalar("SELECT CAST(clock_timestamp() AT TIME ZONE 'UTC' AS timestamp(3))")


def make_board(db: Database, board_id: int = BOARD, name: str = "Planning") -> None:
    db.execute(
        "INSERT INTO dbo.MON_Board (board_id, board_name, board_kind) VALUES (?, ?, 'public')",
        (board_id, name),
    )
    cols = [
        ("order_status", "Order Status", "status", '{"labels": {"0": "Working on it", "1": "In Progress", "2": "Done"}}'),
        ("due_date", "Due Date", "date", None),
        ("notes", "Notes", "text", None),
    ]
    for cid, title, ctype, settings in cols:
        db.execute(
            "INSERT INTO dbo.MON_BoardColumn (board_id, column_id, title, normalized_title, column_type, settings_json, "
            "is_writable) VALUES (?, ?, ?, ?, ?, ?, 'Y')",
            (board_id, cid, title, title.lower().replace(" ", "_"), ctype, settings),
        )


def make_batch(
    db: Database,
    batch_id: str,
    rows: int,
    *,
    board_id: int = BOARD,
    operation: str = "UPDATE",
    status: str = "READY",
    first_item: int = 1000,
    max_attempts: int = 8,
    target_level: str = "ITEMS",
) -> list[int]:
    """A released batch with `rows` READY queue rows; returns their queue ids in order."""
    db.execute(
        "INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, "
        "rows_staged, rows_valid, rows_queued, released_by, released_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'tester', ?)",
        (batch_id, board_id, target_level, operation, status, rows, rows, rows, db_now(db)),
    )
    params = []
    for n in range(1, rows + 1):
        item = None if operation == "CREATE" else first_item + n
        name = f"New item {n}" if operation == "CREATE" else None
        values = json.dumps({"order_status": {"label": "In Progress"}, "notes": f"row {n}"})
        params.append(
            (batch_id, n, board_id, "CREATE" if operation == "CREATE" else "UPDATE", item, name, values,
             f"{batch_id}-{n}", max_attempts)
        )
    if params:
        db.executemany(
            "INSERT INTO dbo.MON_UpdateQueue (batch_id, update_row_no, board_id, update_operation, monday_item_id, "
            "item_name, column_values, idempotency_key, max_attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params,
        )
    ids = db.query("SELECT queue_id FROM dbo.MON_UpdateQueue WHERE batch_id = ? ORDER BY queue_id", (batch_id,))
    return [r["queue_id"] for r in ids]


def claim(db: Database, worker: str, **kw) -> list[dict]:
    rows = db.call_rows("usp_ClaimQueueRows", worker_id=worker, **kw)
    return sorted(rows, key=lambda r: r["queue_id"])


def queue_row(db: Database, queue_id: int) -> dict:
    return db.query("SELECT * FROM dbo.MON_UpdateQueue WHERE queue_id = ?", (queue_id,))[0]


def batch_row(db: Database, batch_id: str) -> dict:
    return db.query("SELECT * FROM dbo.MON_UpdateBatch WHERE batch_id = ?", (batch_id,))[0]


def audit_rows(db: Database, batch_id: str) -> list[dict]:
    return db.query("SELECT * FROM dbo.MON_UpdateAudit WHERE batch_id = ? ORDER BY audit_id", (batch_id,))


def record(db: Database, queue_id: int, worker: str, outcome: str, **kw):
    return db.call("usp_RecordSendResult", queue_id=queue_id, worker_id=worker, outcome=outcome, **kw)


def cells(*triples) -> str:
    """Audited cells as a hand-written call gives them: each value's JSON text in a JSON string."""
    return json.dumps([{"column_id": c, "old_value": o, "new_value": n} for c, o, n in triples])


def sent_cells(*triples) -> str:
    """Audited cells as the sender gives them (values.carried): each value, a Python value here, inside a
    one-element array, so it travels as JSON and not as JSON text escaped inside a string."""
    return V.dumps([{"column_id": c, "old_value": V.carried(o), "new_value": V.carried(n)} for c, o, n in triples])


def json_of(text: str | None):
    """A stored value read as JSON: what it holds, whatever spacing or key order an engine wrote it with."""
    return None if text is None else json.loads(text)


def expect_error(number: int, fn, *args, **kw) -> DbError:
    """Run fn and return the DbError it raised, asserting its project number."""
    try:
        fn(*args, **kw)
    except DbError as exc:
        assert exc.number == number, f"expected error {number}, got {exc.number}: {exc}"
        return exc
    raise AssertionError(f"expected error {number}, but the call succeeded")


def snapshot(db: Database, batch_id: str) -> tuple:
    """Everything a refused call must leave unchanged, for before/after comparisons."""
    return (
        db.query("SELECT * FROM dbo.MON_UpdateBatch WHERE batch_id = ?", (batch_id,)),
        db.query("SELECT * FROM dbo.MON_UpdateQueue WHERE batch_id = ? ORDER BY queue_id", (batch_id,)),
        db.query("SELECT * FROM dbo.MON_UpdateAudit ORDER BY audit_id"),
        db.query("SELECT * FROM dbo.MON_UpdatePreview ORDER BY preview_id"),
    )


def run_threads(targets) -> list:
    """Start one thread per callable at the same moment; return their results (re-raising errors)."""
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)
    errors: list = []

    def wrap(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]
    return results


def past(db: Database, seconds: int = 3600) -> datetime:
    return db_now(db) - timedelta(seconds=seconds)
