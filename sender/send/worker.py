"""The claim loop of one board: claim rows, plan them against the board, send, record; and the dry run."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from .. import values as V
from ..config import Config
from ..db import Database
from ..monday import DailyBudget, MondayClient, Throttle
from .baseline import Baseline
from .leases import Leases
from .mutations import Mutations
from .outcomes import Outcomes
from .plan import Plan, Planner
from .preimages import PreImages
from .queue import batch_status, next_visible_in, open_rows_page
from .results import BatchRun, ProgressFn

log = logging.getLogger("opus.send")


class BoardWorker(Planner, PreImages, Baseline, Mutations, Outcomes, Leases):
    """Sends (or previews) the batches of one board, sequentially, on its own connections."""

    def __init__(self, config: Config, runs: list[BatchRun], *, dry_run: bool, throttle: Throttle,
                 budget: DailyBudget, stop: threading.Event, progress: ProgressFn | None = None,
                 overwrite_changed: bool = False):
        self.config = config
        self.overwrite_changed = overwrite_changed
        self.runs = runs
        self.dry_run = dry_run
        self.throttle = throttle
        self.budget = budget
        self.stop = stop
        self.progress = progress
        self.worker_id = config.worker_id
        self.db = Database(config.require_dsn())
        self.client = MondayClient(config, throttle=throttle, budget=budget)
        self.group_size = 1  # aliases per request; adapted from the measured complexity
        self.cost_per_update: float | None = None
        self._claimed: dict[int, dict[str, Any]] = {}
        self._lease_at = time.monotonic()

    def close(self) -> None:
        self.client.close()
        self.db.close()

    # -- entry ----------------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self.db.connect()
            for run in self.runs:
                if self.stop.is_set():
                    break
                if self.dry_run:
                    self._preview_batch(run)
                else:
                    self._send_batch(run)
                    run.status_after = batch_status(self.db, run.batch_id)
        finally:
            self._release_claimed()
            self.close()

    def _emit(self, run: BatchRun) -> None:
        if self.progress:
            self.progress("row", run)

    # -- dry run ---------------------------------------------------------------------------------
    def _preview_batch(self, run: BatchRun) -> None:
        after = 0
        while not self.stop.is_set():
            rows = open_rows_page(self.db, run.batch_id, after, max(self.config.claim_size, self.config.read_chunk))
            if not rows:
                break
            after = max(r["queue_id"] for r in rows)
            for plan in self._plans(rows):
                self.db.call("usp_RecordPreview", batch_id=run.batch_id, queue_id=plan.row["queue_id"],
                             cells=V.dumps(plan.preview_cells()))
                run.previewed += 1
                run.cells_changed += sum(c.state == "change" for c in plan.cells)
                run.cells_unchanged += sum(c.state == "same" for c in plan.cells)
                run.cells_conflict += sum(c.state == "conflict" for c in plan.cells)
                self._emit(run)

    # -- send ------------------------------------------------------------------------------------
    def _send_batch(self, run: BatchRun) -> None:
        waited = 0.0
        while not self.stop.is_set():
            rows = self.db.call_rows(
                "usp_ClaimQueueRows", worker_id=self.worker_id, batch_id=run.batch_id,
                max_rows=self.config.claim_size, lease_seconds=self.config.lease_seconds,
            )
            if not rows:
                wait = next_visible_in(self.db, run.batch_id)
                if wait is None or waited + wait > self.config.idle_wait:
                    if wait == 0:
                        log.warning("batch %s: rows wait for a batch released before it that writes the same "
                                    "items and is not sent yet; they are sent after it", run.batch_id)
                    break
                pause = min(max(wait, 0.05), 2.0)
                time.sleep(pause)
                waited += pause
                continue
            rows.sort(key=lambda r: r["queue_id"])
            self._claimed = {r["queue_id"]: r for r in rows}
            self._lease_at = time.monotonic()
            log.info("batch %s: claimed %d rows", run.batch_id, len(rows))
            self._send_claim(run, rows)
            self._release_claimed()

    def _send_claim(self, run: BatchRun, rows: list[dict[str, Any]]) -> None:
        creates = [r for r in rows if r["update_operation"] == "CREATE"]
        others = [r for r in rows if r["update_operation"] != "CREATE"]
        for row in creates:
            if self.stop.is_set():
                return
            self._extend_if_due()
            self._send_create(run, row)
        pending: list[Plan] = []
        plans = list(self._plans(others))
        self._apply_pre_images(plans)
        self._apply_baseline(plans)
        for plan in plans:
            op = plan.row["update_operation"]
            if op == "ARCHIVE":
                self._extend_if_due()
                if plan.cells[0].state == "applied":
                    # archived by an earlier attempt whose result was lost: audit it now
                    self._record(run, plan.row, "SENT", plan=plan, detail=plan.detail())
                else:
                    self._send_archive(run, plan)
            elif not plan.to_send:
                if plan.held and not self._write_pre_images(run, [plan]):
                    continue  # the lease was lost: the row's new owner reads the board again
                if any(c.state == "applied" for c in plan.cells):
                    # the earlier attempt's mutation reached the board, its result was lost: audit it now
                    self._record(run, plan.row, "SENT", cells=plan.audit_cells(), plan=plan, detail=plan.detail())
                else:
                    self._record(run, plan.row, "SKIPPED", detail=plan.detail() or None, plan=plan)
            else:
                pending.append(plan)
        while pending and not self.stop.is_set():
            self._extend_if_due()
            group, pending = pending[: self.group_size], pending[self.group_size:]
            group = self._write_pre_images(run, group)
            if group:
                self._send_updates(run, group)

