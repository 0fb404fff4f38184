"""What a run did: per batch (BatchRun) and in all (RunResult, with the exit code)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import exitcodes


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
    status_after: str | None = None
    failures: list[dict[str, Any]] = field(default_factory=list)

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
            return exitcodes.OK
        if all(s == "FAILED" for s in statuses):
            return exitcodes.NOTHING_SENT
        if self.stop_kind and not any(b.sent or b.skipped for b in self.batches.values()):
            return exitcodes.NOTHING_SENT
        return exitcodes.PARTIAL


ProgressFn = Callable[[str, BatchRun], None]

