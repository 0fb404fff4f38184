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
        if all(s == "COMPLETED" for s in statuses) and not self.stop_kind:
            return exitcodes.HELD_BACK if self.cells_held else exitcodes.OK
        if all(s == "FAILED" for s in statuses):
            return exitcodes.NOTHING_SENT
        if self.stop_kind and not any(b.sent or b.skipped for b in self.batches.values()):
            return exitcodes.NOTHING_SENT
        return exitcodes.PARTIAL


ProgressFn = Callable[[str, BatchRun], None]

