"""Reads of the send queue and the batch headers (no claim: the claim loop is in worker.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..db import Database


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)



def batch_rows(db: Database, batch_id: str | None = None) -> list[dict[str, Any]]:
    """Batch headers to send: one batch, or every released batch with open rows."""
    cols = ("batch_id, board_id, target_level, update_operation, batch_status, rows_queued, created_at, "
            "send_approved")
    if batch_id:
        return db.query(f"SELECT {cols} FROM dbo.vw_MON_BatchSummary WHERE batch_id = ?", [batch_id])  # noqa: S608
    return db.query(
        f"SELECT {cols} FROM dbo.vw_MON_BatchSummary WHERE batch_status IN ('READY', 'SENDING') "  # noqa: S608
        "ORDER BY released_at, batch_id"  # release order: overlapping batches reach the board in that order
    )


def batch_status(db: Database, batch_id: str) -> str | None:
    return db.scalar("SELECT batch_status FROM dbo.vw_MON_BatchSummary WHERE batch_id = ?", [batch_id])


def open_rows_page(db: Database, batch_id: str, after_queue_id: int, size: int) -> list[dict[str, Any]]:
    """Open queue rows of a batch without claiming them (the dry run), keyset-paged by queue_id."""
    return db.query(
        "SELECT queue_id, batch_id, board_id, target_level, update_operation, monday_item_id, parent_item_id, "
        "group_id, item_name, column_values, expected_values, create_labels_if_missing, idempotency_key, "
        "attempt_count, max_attempts, created_item_id, lease_expires_at, 'N' AS was_expired "
        "FROM dbo.vw_MON_SendQueue WHERE batch_id = ? AND queue_id > ? "
        "ORDER BY queue_id OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY",
        [batch_id, int(after_queue_id), int(size)],
    )


def next_visible_in(db: Database, batch_id: str) -> float | None:
    """Seconds until the next READY row of the batch becomes claimable (None: no READY row left)."""
    first = db.scalar(
        "SELECT MIN(visible_after) FROM dbo.vw_MON_SendQueue WHERE batch_id = ? AND queue_status = 'READY'",
        [batch_id],
    )
    if first is None:
        return None
    return max(0.0, (first - _utcnow()).total_seconds())



def other_live_holders(db: Database, batch_id: str, worker_id: str) -> dict[str, Any]:
    """The other senders whose live leases hold every open row of the batch left ({worker: lease end}), or {}
    when a row is still READY (or a lease expired): then the batch is not simply someone else's to finish."""
    rows = db.query(
        "SELECT queue_status, lease_owner, lease_expires_at FROM dbo.vw_MON_SendQueue WHERE batch_id = ?",
        [batch_id])
    now = _utcnow()
    holders: dict[str, Any] = {}
    for r in rows:
        if r["queue_status"] != "CLAIMED" or not r["lease_owner"] or r["lease_owner"] == worker_id \
                or r["lease_expires_at"] is None or r["lease_expires_at"] <= now:
            return {}
        until = r["lease_expires_at"]
        holders[r["lease_owner"]] = max(holders.get(r["lease_owner"], until), until)
    return holders
