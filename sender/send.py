"""The send loop (and its dry run): queue rows of released batches onto monday.com boards.

Per batch, in claims of ``claim_size`` rows (memory stays flat whatever the batch size):

1. claim rows through ``usp_ClaimQueueRows`` (a lease, committed before any HTTP call: the database
   layer is autocommit);
2. read the current values of the touched cells in bulk (``items(ids:)``, at most 100 items per read);
3. drop cells that already hold the wanted value, and, for a rollback, cells changed by someone else
   since the batch wrote them (``expected_values``);
4. send ``change_multiple_column_values`` (several aliased per request when the measured complexity
   allows, falling back to one per request on errors), ``create_item`` / ``create_subitem``, or
   ``archive_item``, each with the queue row's ``Idempotency-Key``;
5. record each outcome at once through the fenced ``usp_RecordSendResult`` with the per-cell old and
   new values (a CREATE records the new item id with ``usp_RecordCreatedItem`` first).

Requests are sequential per board; boards run in parallel (threads) within the concurrency limit.
A row claimed before (``was_expired = 'Y'`` or a later attempt) is always re-read first, and a CREATE
whose outcome is uncertain is looked up on the board before it is created again. Just before an UPDATE
is sent, its per-cell preview (the board's values then) is written through ``usp_RecordPreview``: if the
mutation reached the board but its result was lost (a crash, a dropped response), the next attempt finds
the cells already holding the new values, takes the old values from that pre-image and audits the change
(SENT, ``applied_by_earlier_attempt``) instead of skipping it unaudited. Rollback rows and the ARCHIVE rows
of a rollback are protected the same way (a restored cell no longer holds the value the batch wrote, and
would otherwise look changed by someone else since).

The dry run takes the same path without any mutation and without claiming: it reads the open queue
rows, reads the board, and writes the per-cell preview through ``usp_RecordPreview``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import exitcodes
from . import graphql_ops as ops
from . import values as V
from .config import Config
from .db import Database, DbError
from .exitcodes import UsageError
from .monday import (
    RETRYABLE_CODES,
    AuthError,
    DailyBudget,
    DailyBudgetExhausted,
    GraphQLResult,
    MondayClient,
    RetryableError,
    Throttle,
    error_code,
    error_message,
)

log = logging.getLogger("opus.send")

LEASE_LOST = 50606
OPEN_STATUSES = ("READY", "SENDING")


# ---------------------------------------------------------------------------------------------- results

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


# ---------------------------------------------------------------------------------------------- helpers

def _json_or_none(v: Any) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False)


def _group_key(keys: list[str]) -> str:
    return "grp-" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:40]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class StopRun(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Cell:
    column_id: str
    new: Any  # write-shape value (python)
    column_type: str | None = None
    current: Any = None  # write-shape value now on the board
    current_text: str | None = None
    state: str = "change"  # change | same | conflict
    note: str | None = None


@dataclass
class Plan:
    row: dict[str, Any]
    cells: list[Cell]
    item_state: str | None = None
    item_found: bool = True
    board_id: int | None = None  # the item's board as monday reports it (a subitem lives on the subitems board)

    @property
    def to_send(self) -> dict[str, Any]:
        return {c.column_id: c.new for c in self.cells if c.state == "change"}

    def audit_cells(self) -> list[dict[str, Any]]:
        """Cells to audit: sent now, or applied by an earlier attempt whose result was lost."""
        return [{"column_id": c.column_id, "old_value": V.dumps(c.current), "new_value": V.dumps(c.new)}
                for c in self.cells if c.state in ("change", "applied")]

    def preview_cells(self) -> list[dict[str, Any]]:
        return [{"column_id": c.column_id, "current_value": V.dumps(c.current), "current_text": c.current_text,
                 "new_value": V.dumps(c.new), "would_change": "Y" if c.state in ("change", "applied") else "N"}
                for c in self.cells]

    def detail(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        same = [c.column_id for c in self.cells if c.state == "same"]
        applied = [c.column_id for c in self.cells if c.state == "applied"]
        if applied:
            d["applied_by_earlier_attempt"] = applied
        conflicts = [{"column_id": c.column_id, "note": c.note} for c in self.cells if c.state == "conflict"]
        if same:
            d["already_equal"] = same
        if conflicts:
            d["changed_by_someone_else"] = conflicts
        return d


# ---------------------------------------------------------------------------------------------- database

def batch_rows(db: Database, batch_id: str | None = None) -> list[dict[str, Any]]:
    """Batch headers to send: one batch, or every released batch with open rows."""
    cols = "batch_id, board_id, target_level, update_operation, batch_status, rows_queued, created_at"
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


# ---------------------------------------------------------------------------------------------- the worker

class BoardWorker:
    """Sends (or previews) the batches of one board, sequentially, on its own connections."""

    def __init__(self, config: Config, runs: list[BatchRun], *, dry_run: bool, throttle: Throttle,
                 budget: DailyBudget, stop: threading.Event, progress: ProgressFn | None = None):
        self.config = config
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
                             cells=json.dumps(plan.preview_cells(), ensure_ascii=False))
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
            self._write_pre_images(group)
            self._send_updates(run, group)

    # -- pre-images: what the board held just before a send, kept for an attempt whose result is lost ---
    def _write_pre_images(self, group: list[Plan]) -> None:
        """The per-cell preview of each row, written (usp_RecordPreview) just before its mutation is sent:
        if the sender dies or the response is lost after monday applied it, the next attempt still knows
        the old values and audits the change."""
        for p in group:
            self.db.call("usp_RecordPreview", batch_id=p.row["batch_id"], queue_id=p.row["queue_id"],
                         cells=json.dumps(p.preview_cells(), ensure_ascii=False))

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
            "SELECT queue_id, column_id, current_value, new_value, would_change FROM dbo.vw_MON_UpdatePreview "  # noqa: S608
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

    # -- reads -----------------------------------------------------------------------------------
    def _plans(self, rows: list[dict[str, Any]]) -> Iterator[Plan]:
        """Plans of the rows (cells to send, already equal, changed by someone else), in bulk reads."""
        creates = [r for r in rows if r["update_operation"] == "CREATE"]
        for r in creates:  # a preview of a create: every cell is new
            cells = [Cell(k, v) for k, v in (V.loads(r["column_values"]) or {}).items()]
            if not any(c.column_id == "name" for c in cells):
                cells.append(Cell("name", r["item_name"], "name"))
            yield Plan(r, cells)
        rest = [r for r in rows if r["update_operation"] != "CREATE"]
        chunk = self.config.read_chunk
        for i in range(0, len(rest), chunk):
            part = rest[i: i + chunk]
            items = self._read_items(part)
            for r in part:
                yield self._plan(r, items.get(int(r["monday_item_id"] or 0)))

    def _read_items(self, rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        ids = sorted({int(r["monday_item_id"]) for r in rows if r["monday_item_id"]})
        if not ids:
            return {}
        col_ids = sorted({c for r in rows for c in (V.loads(r["column_values"]) or {})} - {"name"})
        res = self.client.query(ops.READ_ITEMS, {"item_ids": [str(i) for i in ids], "column_ids": col_ids or ["name"],
                                                 "limit": len(ids)})
        out: dict[int, dict[str, Any]] = {}
        for it in (res.data or {}).get("items") or []:
            if it:
                out[int(it["id"])] = it
        return out

    def _plan(self, row: dict[str, Any], item: dict[str, Any] | None) -> Plan:
        wanted = V.loads(row["column_values"]) or {}
        expected = V.loads(row.get("expected_values")) or {}
        if row["update_operation"] == "ARCHIVE":
            plan = Plan(row, [Cell("item_state", "archived", current=(item or {}).get("state"),
                                   current_text=(item or {}).get("state"))])
            plan.item_state = (item or {}).get("state")
            plan.item_found = item is not None
            if plan.item_state in ("archived", "deleted"):
                plan.cells[0].state = "same"
            return plan
        cells_now = {c["id"]: c for c in (item or {}).get("column_values") or []}
        cells: list[Cell] = []
        for col_id, new in wanted.items():
            cell = Cell(col_id, new)
            if col_id == "name" and item is not None:
                cell.column_type, cell.current, cell.current_text = "name", item.get("name"), item.get("name")
            elif col_id in cells_now:
                now = cells_now[col_id]
                cell.column_type = now.get("type")
                cell.current = V.from_read(cell.column_type, now.get("value"), now.get("text"))
                cell.current_text = now.get("text")
            if item is not None and cell.column_type is not None:
                if col_id in expected and not V.same(cell.column_type, cell.current, cell.current_text,
                                                     expected[col_id]):
                    cell.state = "conflict"
                    cell.note = (f"the board holds {V.describe(cell.current, cell.current_text)!r}, not the "
                                 f"{V.describe(expected[col_id])!r} the batch wrote: changed by someone else since")
                elif V.same(cell.column_type, cell.current, cell.current_text, new):
                    cell.state = "same"
            cells.append(cell)
        board = ((item or {}).get("board") or {}).get("id")
        return Plan(row, cells, item_state=(item or {}).get("state"), item_found=item is not None,
                    board_id=int(board) if board else None)

    # -- writes ----------------------------------------------------------------------------------
    def _send_updates(self, run: BatchRun, group: list[Plan]) -> None:
        updates = [{"board_id": p.board_id or p.row["board_id"], "item_id": p.row["monday_item_id"],
                    "column_values": json.dumps(p.to_send, ensure_ascii=False),
                    "create_labels_if_missing": p.row.get("create_labels_if_missing") == "Y"} for p in group]
        if len(group) == 1:
            doc = ops.CHANGE_MULTIPLE_COLUMN_VALUES
            u = updates[0]
            variables = {"board_id": str(u["board_id"]), "item_id": str(u["item_id"]),
                         "column_values": u["column_values"],
                         "create_labels_if_missing": u["create_labels_if_missing"]}
            key = group[0].row["idempotency_key"]
            aliases = ["change_multiple_column_values"]
        else:
            doc = ops.change_multiple_document(len(group))
            variables = ops.change_multiple_variables(updates)
            key = _group_key([p.row["idempotency_key"] for p in group])
            aliases = [ops.alias_name(n) for n in range(len(group))]
        try:
            res = self.client.mutate(doc, variables, key)
        except RetryableError as exc:
            for p in group:
                self._retry(run, p.row, exc)
            return
        if res.request_errors() and len(group) > 1:
            log.info("aliased request refused (%s); sending these %d rows one by one",
                     error_message(res.request_errors()[0]), len(group))
            self.group_size = 1
            for p in group:
                self._send_updates(run, [p])
            return
        self._measure(res, len(group))
        for alias, p in zip(aliases, group, strict=True):
            data = (res.data or {}).get(alias)
            errs = res.errors_for(alias) or res.request_errors()
            if data is not None and not errs:
                self._record(run, p.row, "SENT", cells=p.audit_cells(), plan=p,
                             detail=self._detail(p, res))
            elif errs:
                self._fail(run, p.row, errs, res)
            else:
                self._retry(run, p.row, RetryableError("monday returned no result for this item", code="NO_RESULT"))

    def _measure(self, res: GraphQLResult, n: int) -> None:
        cost = (res.complexity or {}).get("query")
        if not cost:
            return
        per = float(cost) / max(1, n)
        self.cost_per_update = per if self.cost_per_update is None else 0.7 * self.cost_per_update + 0.3 * per
        # one request may use at most a twentieth of the minute's complexity budget
        allowed = int((self.config.complexity_per_minute / 20) // max(1.0, self.cost_per_update))
        self.group_size = max(1, min(self.config.max_aliases, allowed))

    def _send_archive(self, run: BatchRun, plan: Plan) -> None:
        row = plan.row
        if plan.item_state in ("archived", "deleted"):
            self._record(run, row, "SKIPPED", detail={"item_state": plan.item_state}, plan=plan)
            return
        self._write_pre_images([plan])
        try:
            res = self.client.mutate(ops.ARCHIVE_ITEM, {"item_id": str(row["monday_item_id"])},
                                     row["idempotency_key"])
        except RetryableError as exc:
            self._retry(run, row, exc)
            return
        if res.errors or not (res.data or {}).get("archive_item"):
            self._fail(run, row, res.errors or [{"message": "monday returned no item"}], res)
        else:
            self._record(run, row, "SENT", cells=None, plan=plan, detail=self._detail(None, res))

    def _send_create(self, run: BatchRun, row: dict[str, Any]) -> None:
        wanted = V.loads(row["column_values"]) or {}
        cells = [{"column_id": k, "old_value": None, "new_value": V.dumps(v)} for k, v in wanted.items()]
        if row.get("created_item_id"):
            # created before a crash, its id recorded: only the result is missing
            self._record(run, row, "SENT", cells=cells, created_item_id=row["created_item_id"],
                         detail={"note": "item created by an earlier attempt"})
            return
        if row.get("was_expired") == "Y" or int(row.get("attempt_count") or 1) > 1:
            found = self._find_created(row, wanted)
            if found:
                log.info("queue row %s: item %s found on the board (created by an earlier attempt)",
                         row["queue_id"], found)
                if self._record_created(run, row, found):
                    self._record(run, row, "SENT", cells=cells, created_item_id=found,
                                 detail={"note": "found on the board: created by an earlier attempt"})
                return
        subitem = row.get("target_level") == "SUBITEMS"
        variables: dict[str, Any] = {
            "item_name": row["item_name"],
            "column_values": json.dumps(wanted, ensure_ascii=False) if wanted else None,
            "create_labels_if_missing": row.get("create_labels_if_missing") == "Y",
        }
        if subitem:
            doc, field_name = ops.CREATE_SUBITEM, "create_subitem"
            variables["parent_item_id"] = str(row["parent_item_id"])
        else:
            doc, field_name = ops.CREATE_ITEM, "create_item"
            variables["board_id"] = str(row["board_id"])
            variables["group_id"] = row.get("group_id") or None
        try:
            res = self.client.mutate(doc, variables, row["idempotency_key"])
        except RetryableError as exc:
            self._retry(run, row, exc)
            return
        created = (res.data or {}).get(field_name)
        if res.errors or not created:
            self._fail(run, row, res.errors or [{"message": "monday returned no item"}], res)
            return
        item_id = int(created["id"])
        if self._record_created(run, row, item_id):
            self._record(run, row, "SENT", cells=cells, created_item_id=item_id, detail=self._detail(None, res))

    def _find_created(self, row: dict[str, Any], wanted: dict[str, Any]) -> int | None:
        """An item this row created in an attempt whose response was lost: same name, same values."""
        col_ids = sorted(set(wanted) - {"name"}) or ["name"]
        if row.get("target_level") == "SUBITEMS":
            res = self.client.query(ops.FIND_SUBITEMS, {"item_ids": [str(row["parent_item_id"])],
                                                        "column_ids": col_ids})
            items = [s for it in (res.data or {}).get("items") or [] if it for s in it.get("subitems") or []]
        else:
            res = self.client.query(ops.FIND_ITEMS_BY_NAME, {
                "board_ids": [str(row["board_id"])], "query_params": ops.find_by_name_params(row["item_name"]),
                "limit": 100, "column_ids": col_ids})
            items = [it for b in (res.data or {}).get("boards") or [] if b
                     for it in (b.get("items_page") or {}).get("items") or []]
        matches = []
        for it in items:
            if not it or it.get("name") != row["item_name"]:
                continue
            now = {c["id"]: c for c in it.get("column_values") or []}
            if all(k in now and V.same(now[k].get("type"), V.from_read(now[k].get("type"), now[k].get("value"),
                                                                      now[k].get("text")),
                                       now[k].get("text"), v)
                   for k, v in wanted.items() if k != "name"):
                matches.append(int(it["id"]))
        return max(matches) if matches else None

    # -- outcomes --------------------------------------------------------------------------------
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
                cells=_json_or_none(cells) if cells else None, created_item_id=created_item_id,
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
        log.debug("queue row %s: %s %s", row["queue_id"], outcome, error_message or "")
        self._emit(run)

    # -- leases ----------------------------------------------------------------------------------
    def _extend_if_due(self) -> None:
        if not self._claimed or time.monotonic() - self._lease_at < self.config.lease_seconds / 3:
            return
        ids = sorted(self._claimed)
        res = self.db.call("usp_ExtendLease", outputs={"extended": "int"}, worker_id=self.worker_id,
                           queue_ids=json.dumps(ids), lease_seconds=self.config.lease_seconds)
        self._lease_at = time.monotonic()
        extended = res.outputs.get("extended")
        if extended is not None and int(extended) < len(ids):
            log.warning("only %s of %d leases could be extended", extended, len(ids))

    def _release_claimed(self) -> None:
        if not self._claimed:
            return
        ids = sorted(self._claimed)
        self._claimed = {}
        try:
            if self.db._conn is None:
                return
            self.db.call("usp_ReleaseLease", outputs={"released": "int"}, worker_id=self.worker_id,
                         queue_ids=json.dumps(ids))
            log.info("released %d unsent rows back to the queue", len(ids))
        except DbError as exc:  # the leases expire on their own
            log.warning("could not release %d leases (%s); they expire on their own", len(ids), exc)


# ---------------------------------------------------------------------------------------------- the run

class Sender:
    """Sends (``dry_run=False``) or previews (the default) released batches."""

    def __init__(self, config: Config, *, dry_run: bool = True, progress: ProgressFn | None = None):
        self.config = config
        self.dry_run = dry_run
        self.progress = progress
        self.throttle = Throttle(config.requests_per_minute, config.complexity_per_minute)
        self.budget = DailyBudget(config.daily_calls, config.daily_state_file)
        self.stop = threading.Event()

    def run(self, batch_id: str | None = None) -> RunResult:
        self.config.require_token()
        result = RunResult(dry_run=self.dry_run, daily_limit=self.config.daily_calls,
                           daily_remaining=self.budget.remaining)
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
                               stop=self.stop, progress=self.progress) for runs in by_board.values()]
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
        result.daily_remaining = self.budget.remaining
        result.api_version = next((w.client.last_api_version for w in workers if w.client.last_api_version), None)
        if not self.dry_run:
            with Database(self.config.require_dsn()) as db:
                for run in result.batches.values():
                    run.status_after = batch_status(db, run.batch_id)
        if errors:
            raise errors[0]
        return result

    def _halt(self, result: RunResult, kind: str, message: str) -> None:
        self.stop.set()
        if not result.stop_kind:
            result.stop_kind, result.stopped = kind, message
        log.error("stopping: %s", message)
