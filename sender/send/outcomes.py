"""Recording outcomes: each row's result through the fenced usp_RecordSendResult (a created item's id
first through usp_RecordCreatedItem), with the counters of its BatchRun."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from .. import values as V
from ..db import Database, DbError
from ..monday import RETRYABLE_CODES, GraphQLResult, RetryableError, error_code, error_message
from .plan import Plan
from .results import BatchRun

log = logging.getLogger("opus.send")

LEASE_LOST = 50606


def _json_or_none(v: Any) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False)



class Outcomes:
    db: Database
    worker_id: str
    _claimed: dict[int, dict[str, Any]]

    def _detail(self, plan: Plan | None, res: GraphQLResult) -> dict[str, Any] | None:
        d = plan.detail() if plan else {}
        if res.request_id:
            d["request_id"] = res.request_id
        if res.api_version:
            d["api_version"] = res.api_version
        if res.replayed:
            d["idempotency_replayed"] = True
        return d or None

    def _record_created(self, run: BatchRun, row: dict[str, Any], item_id: int) -> bool:
        try:
            self.db.call("usp_RecordCreatedItem", queue_id=row["queue_id"], worker_id=self.worker_id,
                         created_item_id=item_id)
            return True
        except DbError as exc:
            if exc.number == LEASE_LOST:
                self._lost(run, row, exc)
                return False
            raise

    def _fail(self, run: BatchRun, row: dict[str, Any], errors: list[dict[str, Any]], res: GraphQLResult) -> None:
        statuses = [(e.get("extensions") or {}).get("status_code") for e in errors]
        if all(isinstance(s, int) and (s == 429 or s >= 500) for s in statuses) or \
                all(error_code(e) in RETRYABLE_CODES for e in errors):
            # a transient error of this one field (the others succeeded): try the row again later
            self._retry(run, row, RetryableError(" | ".join(error_message(e) for e in errors)[:500],
                                                 code=error_code(errors[0]) or "TRANSIENT", uncertain=True))
            return
        code = error_code(errors[0]) or "MONDAY_ERROR"
        message = " | ".join(error_message(e) for e in errors)
        stale = [((e.get("extensions") or {}).get("error_data") or {}).get("column_id") for e in errors
                 if error_code(e) == "InvalidColumnIdException"]
        if stale:
            # the batch was validated against the synced board metadata: the board changed since the sync
            message += (f" (column {stale[0] or '?'!r} is in the board metadata this batch was validated against, "
                        f"but monday has no such column on board {row.get('board_id')} now: deleted or archived "
                        f"since the last sync. Run opus-sender sync-board --board-id {row.get('board_id')}, "
                        "then stage these rows again)")
        detail = {"errors": [{"code": error_code(e), "message": error_message(e),
                              "error_data": (e.get("extensions") or {}).get("error_data")} for e in errors]}
        if res.request_id:
            detail["request_id"] = res.request_id
        self._record(run, row, "FAILED", error_code=code, error_message=message, detail=detail)

    def _retry(self, run: BatchRun, row: dict[str, Any], exc: RetryableError) -> None:
        self._record(run, row, "RETRY", error_code=exc.code or "RETRY", error_message=str(exc),
                     retry_after=exc.retry_after, detail={"uncertain": exc.uncertain} if exc.uncertain else None)

    def _lost(self, run: BatchRun, row: dict[str, Any], exc: DbError) -> None:
        log.warning("queue row %s: lease lost, result not recorded: %s", row["queue_id"], exc.message)
        run.lease_lost += 1
        self._claimed.pop(row["queue_id"], None)

    def _record(self, run: BatchRun, row: dict[str, Any], outcome: str, *, cells: list | None = None,
                created_item_id: int | None = None, error_code: str | None = None,
                error_message: str | None = None, retry_after: float | None = None,
                detail: dict[str, Any] | None = None, plan: Plan | None = None) -> None:
        try:
            self.db.call(
                "usp_RecordSendResult", queue_id=row["queue_id"], worker_id=self.worker_id, outcome=outcome,
                cells=V.dumps(cells) if cells else None, created_item_id=created_item_id,
                error_code=(error_code or None) and error_code[:100],
                error_message=(error_message or None) and error_message[:4000],
                retry_after_seconds=int(math.ceil(retry_after)) if retry_after else None,
                result_detail=_json_or_none(detail),
            )
        except DbError as exc:
            if exc.number == LEASE_LOST:
                self._lost(run, row, exc)
                return
            raise
        self._claimed.pop(row["queue_id"], None)
        if outcome == "SENT":
            run.sent += 1
        elif outcome == "SKIPPED":
            run.skipped += 1
        elif outcome == "FAILED":
            run.failed += 1
            if len(run.failures) < 200:
                run.failures.append({"queue_id": row["queue_id"], "item_id": row.get("monday_item_id"),
                                     "item_name": row.get("item_name"), "code": error_code,
                                     "message": error_message})
        else:
            run.retry += 1
        if plan is not None:
            run.cells_changed += sum(c.state in ("change", "applied") for c in plan.cells) if outcome == "SENT" else 0
            run.cells_unchanged += sum(c.state == "same" for c in plan.cells)
            run.cells_conflict += sum(c.state == "conflict" for c in plan.cells)
        elif outcome == "SENT" and cells:
            run.cells_changed += len(cells)
        if plan is not None and outcome in ("SENT", "SKIPPED"):
            run.count_baseline(plan)
        log.debug("queue row %s: %s %s", row["queue_id"], outcome, error_message or "")
        self._emit(run)

