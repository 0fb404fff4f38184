"""The run: batches to send, the token checked first, one worker per board in threads, the outcome."""

from __future__ import annotations

import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from .. import graphql_ops as ops
from ..config import Config
from ..db import Database
from ..exitcodes import UsageError
from ..monday import AuthError, DailyBudget, DailyBudgetExhausted, MondayClient, Throttle
from .queue import batch_rows, batch_status, other_live_holders
from .results import BatchRun, ProgressFn, RunResult
from .worker import BoardWorker

log = logging.getLogger("opus.send")

OPEN_STATUSES = ("READY", "SENDING")


class Sender:
    """Sends (``dry_run=False``) or previews (the default) released batches."""

    def __init__(self, config: Config, *, dry_run: bool = True, progress: ProgressFn | None = None,
                 overwrite_changed: bool = False):
        self.config = config
        self.overwrite_changed = overwrite_changed
        self.dry_run = dry_run
        self.progress = progress
        self.throttle = Throttle(config.requests_per_minute, config.complexity_per_minute)
        self.budget = DailyBudget(config.daily_calls, config.daily_state_file)
        self.stop = threading.Event()

    def run(self, batch_id: str | None = None) -> RunResult:
        self.config.require_token()
        result = RunResult(dry_run=self.dry_run, daily_limit=self.config.daily_calls,
                           daily_remaining=self.budget.remaining, budget_source=self.budget.source)
        with Database(self.config.require_dsn()) as db:
            headers = batch_rows(db, batch_id)
        if batch_id and not headers:
            raise UsageError(f"batch {batch_id!r} does not exist: check the id in dbo.vw_MON_BatchSummary")
        if batch_id and headers[0]["batch_status"] in ("STAGED", "VALIDATED", "CANCELLED"):
            status = headers[0]["batch_status"]
            raise UsageError(f"batch {batch_id} is {status}: " + (
                "it was cancelled, nothing of it can be sent; stage the rows again" if status == "CANCELLED"
                else "release it first (opus-sender release --batch-id ...), then send it"))
        if batch_id and headers[0]["batch_status"] not in OPEN_STATUSES:
            status = headers[0]["batch_status"]
            hint = ("release it first (opus-sender release --batch-id ...)" if status in ("STAGED", "VALIDATED")
                    else "nothing is left to send")
            log.warning("batch %s is %s: %s", batch_id, status, hint)
            result.batches[batch_id] = BatchRun(batch_id, int(headers[0]["board_id"]), self.dry_run,
                                                status_after=status)
            return result
        if not self.dry_run:
            # a preview never sends: a batch staged or released for a preview only waits for its approval
            held = [h for h in headers if h.get("send_approved") == "N"]
            if batch_id and held:
                raise UsageError(
                    f"batch {batch_id} was only previewed, not approved for sending: approve it with "
                    f"opus-sender release --batch-id {batch_id} (or EXEC dbo.usp_ApproveBatch), then send it; "
                    "a rollback is approved and sent by opus-sender rollback --execute")
            for h in held:
                log.warning("batch %s was only previewed, not approved: not sent (approve it with opus-sender "
                            "release --batch-id %s)", h["batch_id"], h["batch_id"])
            headers = [h for h in headers if h.get("send_approved") != "N"]
        by_board: dict[int, list[BatchRun]] = {}
        for h in headers:
            run = BatchRun(h["batch_id"], int(h["board_id"]), self.dry_run)
            result.batches[run.batch_id] = run
            by_board.setdefault(run.board_id, []).append(run)
        if not by_board:
            log.info("no released batch has rows to send")
            return result
        # the token is checked before anything is claimed: a refused token changes nothing in the database
        try:
            with MondayClient(self.config, throttle=self.throttle, budget=self.budget) as probe:
                probe.query(ops.PING)
                # the day's limit and usage as monday counts them; the local counter is the fallback
                self.budget.from_monday(probe)
                result.daily_limit, result.budget_source = self.budget.limit, self.budget.source
        except AuthError as exc:
            self._halt(result, "auth", str(exc))
            result.calls = self.budget.calls_this_run
            return result
        except DailyBudgetExhausted as exc:
            self._halt(result, "budget", str(exc))
            return result
        if self.progress:
            for runs in by_board.values():
                for run in runs:
                    self.progress("start", run)
        # board threads hand the interpreter over sooner: a 429 read by one thread pauses the others
        # before they send (the default 5 ms switch interval lets a request slip out during a pause)
        if len(by_board) > 1 and sys.getswitchinterval() > 0.001:
            sys.setswitchinterval(0.001)
        workers = [BoardWorker(self.config, runs, dry_run=self.dry_run, throttle=self.throttle, budget=self.budget,
                               stop=self.stop, progress=self.progress, overwrite_changed=self.overwrite_changed)
                   for runs in by_board.values()]
        errors: list[BaseException] = []

        def work(w: BoardWorker) -> None:
            try:
                w.run()
            except DailyBudgetExhausted as exc:
                self._halt(result, "budget", str(exc))
            except AuthError as exc:
                self._halt(result, "auth", str(exc))
            except BaseException as exc:  # noqa: BLE001 - reported after the other boards stop
                self.stop.set()
                errors.append(exc)

        with ThreadPoolExecutor(max_workers=min(self.config.concurrency, len(workers)),
                                thread_name_prefix="board") as pool:
            futures = [pool.submit(work, w) for w in workers]
            try:
                for f in futures:
                    f.result()
            except KeyboardInterrupt:
                # stop at the next row boundary; each worker gives its claimed rows back to the queue
                self.stop.set()
                result.stopped, result.stop_kind = "interrupted", "interrupted"
                log.error("interrupted: stopping after the requests in flight")
        result.calls = self.budget.calls_this_run
        result.daily_remaining, result.daily_limit = self.budget.remaining, self.budget.limit
        result.budget_source = self.budget.source
        result.api_version = next((w.client.last_api_version for w in workers if w.client.last_api_version), None)
        if not self.dry_run:
            with Database(self.config.require_dsn()) as db:
                for run in result.batches.values():
                    run.status_after = batch_status(db, run.batch_id)
                    if run.status_after in OPEN_STATUSES:
                        run.held_by = other_live_holders(db, run.batch_id, self.config.worker_id)
                        for worker, until in run.held_by.items():
                            log.info("batch %s: the remaining rows are held by sender %s (lease until %s UTC), "
                                     "which sends them; this sender stops here", run.batch_id, worker, until)
        if errors:
            raise errors[0]
        return result

    def _halt(self, result: RunResult, kind: str, message: str) -> None:
        self.stop.set()
        if not result.stop_kind:
            result.stop_kind, result.stopped = kind, message
        log.error("stopping: %s", message)

