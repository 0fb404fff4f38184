"""Pre-images: what the board held just before a mutation, kept for an attempt whose result is lost."""

from __future__ import annotations

from typing import Any

from .. import values as V
from ..db import Database, DbError
from .outcomes import LEASE_LOST
from .plan import Plan
from .results import BatchRun


class PreImages:
    db: Database
    worker_id: str

    def _write_pre_images(self, run: BatchRun, group: list[Plan]) -> list[Plan]:
        """The pre-image of each row (the board's values now, and the cells held back as changed since the
        dry run), written through the fenced usp_RecordPreImage just before its mutation is sent: if the
        sender dies or the response is lost after monday applied it, the next attempt still knows the old
        values and audits the change. Returns the rows whose lease still holds (only those are sent)."""
        kept = []
        for p in group:
            try:
                self.db.call("usp_RecordPreImage", queue_id=p.row["queue_id"], worker_id=self.worker_id,
                             cells=V.dumps(p.pre_image_cells()))
            except DbError as exc:
                if exc.number == LEASE_LOST:
                    self._lost(run, p.row, exc)  # type: ignore[attr-defined]
                    continue
                raise
            kept.append(p)
        return kept

    def _apply_pre_images(self, plans: list[Plan]) -> None:
        """A row claimed again (its earlier attempt died or lost its result) whose cells already hold the
        new values, while the pre-image written before that attempt's mutation says they did not: the
        earlier attempt applied them. They are audited now with the pre-image's old values ("applied")
        instead of being skipped unaudited: UPDATE rows, rollback rows (whose cells would otherwise look
        "changed by someone else since", the board no longer holding the value the batch wrote) and the
        ARCHIVE rows of a rollback (the item archived already)."""
        again = [p for p in plans if p.row["update_operation"] in ("UPDATE", "ARCHIVE") and
                 (p.row.get("was_expired") == "Y" or int(p.row.get("attempt_count") or 1) > 1)]
        if not again:
            return
        marks = ", ".join("?" for _ in again)
        rows = self.db.query(
            "SELECT queue_id, column_id, current_value, new_value, would_change FROM dbo.vw_MON_PreImage "  # noqa: S608
            f"WHERE queue_id IN ({marks})", [p.row["queue_id"] for p in again])
        before: dict[tuple[int, str], dict[str, Any]] = {(r["queue_id"], r["column_id"]): r for r in rows}
        for p in again:
            for c in p.cells:
                prior = before.get((p.row["queue_id"], c.column_id))
                if not prior or prior["would_change"] != "Y":
                    continue
                was = V.loads(prior["current_value"])
                if p.row["update_operation"] == "ARCHIVE":
                    if p.item_state == "archived" and was not in ("archived", "deleted"):
                        c.state, c.current, c.current_text = "applied", was, was
                elif (c.state in ("same", "conflict") and c.column_type
                        and V.same(c.column_type, c.current, c.current_text, c.new)
                        and not V.same(c.column_type, was, None, c.new)):
                    c.state, c.current, c.current_text, c.note = "applied", was, None, None

