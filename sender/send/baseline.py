"""Changed since the preview: the board a send finds, compared with what the dry run showed the DBA.

A row previewed by a dry run (its per-cell preview in dbo.vw_MON_UpdatePreview: the baseline) is sent only
where the board still holds what the preview showed. A cell someone changed on the board since then is not
written: it is held back (state ``held``), recorded with both values through usp_RecordPreImage before the
row's other cells are sent, and shown in dbo.vw_MON_HeldBackCells, the summary, the report and the exit
code. ``overwrite_changed`` (``send --overwrite-changed``) writes such cells anyway, per send; a new dry run
takes the board's new value as the baseline. A row never previewed is sent as it is (and counted so).
A change made since the preview by one of our own batches (audited after the preview: an overlapping batch
released earlier, sent first as its OVERLAP_BATCH warning said) is not someone else's: it does not hold
the cell back.
"""

from __future__ import annotations

from typing import Any

from .. import values as V
from ..db import Database
from .plan import Plan


class Baseline:
    db: Database
    overwrite_changed: bool

    def _apply_baseline(self, plans: list[Plan]) -> None:
        rows = [p for p in plans if p.row["update_operation"] == "UPDATE"]
        if not rows:
            return
        marks = ", ".join("?" for _ in rows)
        found = self.db.query(
            "SELECT queue_id, column_id, current_value, current_text, previewed_at FROM dbo.vw_MON_UpdatePreview "  # noqa: S608
            f"WHERE queue_id IN ({marks})", [p.row["queue_id"] for p in rows])
        shown: dict[tuple[int, str], dict[str, Any]] = {(r["queue_id"], r["column_id"]): r for r in found}
        previewed = {r["queue_id"] for r in found}
        for p in rows:
            p.previewed = p.row["queue_id"] in previewed
            if not p.previewed:
                continue
            for c in p.cells:
                prior = shown.get((p.row["queue_id"], c.column_id))
                if c.state != "change" or prior is None or c.column_type is None:
                    continue
                was = V.loads(prior["current_value"])
                if V.same(c.column_type, c.current, c.current_text, was):
                    continue  # the board still holds what the DBA saw
                if self._ours_since(p, c, prior["previewed_at"]):
                    continue  # one of our own batches wrote what the board holds, after the preview
                if self.overwrite_changed:
                    c.overwritten = True
                    continue
                c.state, c.preview, c.preview_text = "held", was, prior.get("current_text")
                c.note = (f"changed on the board since the dry run: it showed "
                          f"{V.describe(was, prior.get('current_text'))!r}, the board holds "
                          f"{V.describe(c.current, c.current_text)!r}")

    def _ours_since(self, plan: Plan, cell: Any, previewed_at: Any) -> bool:
        """Whether the board's value is the one our last audited write of this cell, after the preview, left."""
        last = self.db.query(
            "SELECT new_value FROM dbo.vw_MON_AuditTrail WHERE monday_item_id = ? AND column_id = ? "
            "AND update_timestamp >= ? AND batch_id <> ? ORDER BY update_timestamp DESC, audit_id DESC "
            "OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY",
            [plan.row["monday_item_id"], cell.column_id, previewed_at, plan.row["batch_id"]])
        return bool(last) and V.same(cell.column_type, cell.current, cell.current_text, V.loads(last[0]["new_value"]))
