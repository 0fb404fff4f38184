"""What a run did: per batch (BatchRun) and in all (RunResult, with the exit code)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import exitcodes
from .. import values as V


@dataclass
class BatchRun:
    batch_id: str
    board_id: int
    dry_run: bool
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retry: int = 0
    lease_lost: int = 0
    released: int = 0
    previewed: int = 0
    cells_changed: int = 0
    cells_unchanged: int = 0
    cells_conflict: int = 0
    cells_held: int = 0  # changed on the board since the dry run: not written
    cells_overwritten: int = 0  # changed since the dry run, written anyway (--overwrite-changed)
    rows_not_previewed: int = 0  # UPDATE rows sent or skipped without a dry run to compare the board with
    status_after: str | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)  # the first 200 cells held back
    held_by: dict[str, Any] = field(default_factory=dict)  # other live senders holding the rows left: until

    def count_baseline(self, plan: Any) -> None:
        """Counts a finished row against its dry run: cells held back or overwritten, or not previewed."""
        if plan.row["update_operation"] != "UPDATE":
            return
        if not plan.previewed:
            self.rows_not_previewed += 1
        self.cells_overwritten += sum(c.overwritten for c in plan.cells)
        for c in plan.held:
            self.cells_held += 1
            if len(self.held) < 200:
                self.held.append({"queue_id": plan.row["queue_id"], "item_id": plan.row.get("monday_item_id"),
                                  "item_name": plan.row.get("item_name"), "column_id": c.column_id,
                                  "previewed": V.describe(c.preview, c.preview_text),
                                  "on_board": V.describe(c.current, c.current_text),
                                  "new": V.describe(c.new)})

    @property
    def rows_done(self) -> int:
        return self.sent + self.skipped + self.failed + self.retry + self.previewed


@dataclass
class RunResult:
    dry_run: bool
    batches: dict[str, BatchRun] = field(default_factory=dict)
    calls: int = 0
    daily_limit: int = 0
    daily_remaining: float = 0
    api_version: str | None = None
    stopped: str | None = None  # why the run stopped early (daily budget, token refused, interrupted)
    stop_kind: str | None = None
    budget_source: str | None = None  # where daily_limit / daily_remaining come from (monday, or a local count)

    @property
    def outcome(self) -> str:
        """The run's outcome in one line, matching the exit code: the report's header and the last log line."""
        sent = sum(b.sent for b in self.batches.values())
        if self.dry_run:
            head = "DRY RUN: nothing was sent to monday"
            return head + (f" (stopped early: {self.stopped})" if self.stop_kind else "")
        if self.stop_kind == "auth":
            return "STOPPED: monday refused the token, " + (
                "nothing was sent" if not sent else f"after {sent} rows were sent")
        if self.stop_kind == "interrupted":
            return f"STOPPED: interrupted, {sent} rows sent; the rest goes back to the queue"
        if self.stop_kind == "budget":
            return f"STOPPED: the daily API budget is spent, {sent} rows sent; run again tomorrow"
        if not self.batches or not any(b.rows_done or b.held_by for b in self.batches.values()):
            return "NOTHING TO SEND"
        code = self.exit_code
        holders = sorted({w for b in self.batches.values() for w in b.held_by})
        others = f" (the rest is being sent by {', '.join(holders)})" if holders else ""
        if code == exitcodes.OK:
            return "SENT" + others
        if code == exitcodes.HELD_BACK:
            return ("SENT, CELLS HELD BACK: changed on the board since the dry run "
                    "(dbo.vw_MON_HeldBackCells)" + others)
        if code == exitcodes.NOTHING_SENT:
            return "NOTHING SENT: every row failed (dbo.vw_MON_StuckOrFailedRows)"
        return "PARTIAL: some rows failed or wait for a retry (dbo.vw_MON_StuckOrFailedRows)" + others

    @property
    def cells_held(self) -> int:
        return sum(b.cells_held for b in self.batches.values())

    @property
    def rows_not_previewed(self) -> int:
        return sum(b.rows_not_previewed for b in self.batches.values())

    @property
    def exit_code(self) -> int:
        if self.stop_kind == "auth":
            return exitcodes.NOTHING_SENT if not any(b.sent for b in self.batches.values()) else exitcodes.PARTIAL
        if self.stop_kind == "interrupted":
            return exitcodes.INTERRUPTED
        if self.dry_run:
            return exitcodes.PARTIAL if self.stop_kind else exitcodes.OK
        if not self.batches:
            return exitcodes.OK
        statuses = [b.status_after for b in self.batches.values()]
        # a batch whose remaining rows another live sender holds is done for this one (that sender finishes it)
        if all(b.status_after == "COMPLETED" or (b.held_by and not b.failed and not b.retry)
               for b in self.batches.values()) and not self.stop_kind:
            return exitcodes.HELD_BACK if self.cells_held else exitcodes.OK
        if all(s == "FAILED" for s in statuses):
            return exitcodes.NOTHING_SENT
        if self.stop_kind and not any(b.sent or b.skipped for b in self.batches.values()):
            return exitcodes.NOTHING_SENT
        return exitcodes.PARTIAL


ProgressFn = Callable[[str, BatchRun], None]

