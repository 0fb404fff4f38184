"""Released batches made by direct INSERTs, for send-loop tests that need values the SQL validation would
refuse (so that monday is the one refusing them) or that run before the staging procedures exist.

The rows are exactly what usp_ReleaseBatch writes: one MON_UpdateQueue row per item operation with the
final column_values JSON and the idempotency key <batch_id>-<row no>.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sender.db import Database


def released_batch(db: Database, batch_id: str, board_id: int, rows: list[dict[str, Any]], *,
                   operation: str = "UPDATE", target_level: str = "ITEMS") -> list[int]:
    """rows: dicts with update_operation (default from operation), monday_item_id, parent_item_id,
    group_id, item_name, column_values (dict), expected_values (dict)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    db.execute(
        "INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, "
        "rows_staged, rows_valid, rows_queued, released_by, released_at) VALUES (?, ?, ?, ?, 'READY', ?, ?, ?, "
        "'tester', ?)",
        (batch_id, board_id, target_level, operation, len(rows), len(rows), len(rows), now),
    )
    for n, r in enumerate(rows, start=1):
        db.execute(
            "INSERT INTO dbo.MON_UpdateQueue (batch_id, update_row_no, board_id, update_operation, monday_item_id, "
            "parent_item_id, group_id, item_name, column_values, expected_values, idempotency_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (batch_id, n, r.get("board_id", board_id), r.get("update_operation", operation), r.get("monday_item_id"),
             r.get("parent_item_id"), r.get("group_id"), r.get("item_name"),
             json.dumps(r["column_values"]) if r.get("column_values") is not None else None,
             json.dumps(r["expected_values"]) if r.get("expected_values") is not None else None,
             f"{batch_id}-{n}"),
        )
    return [r["queue_id"] for r in db.query(
        "SELECT queue_id FROM dbo.MON_UpdateQueue WHERE batch_id = ? ORDER BY queue_id", [batch_id])]


def queue_rows(db: Database, batch_id: str) -> list[dict[str, Any]]:
    return db.query("SELECT * FROM dbo.MON_UpdateQueue WHERE batch_id = ? ORDER BY queue_id", [batch_id])


def audit_rows(db: Database, batch_id: str) -> list[dict[str, Any]]:
    return db.query("SELECT * FROM dbo.MON_UpdateAudit WHERE batch_id = ? ORDER BY audit_id", [batch_id])
