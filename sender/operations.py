"""``UpdateOperations``: the owner's Python API over the procedures and the sender.

    from sender.operations import UpdateOperations      # or pipelines.scripts.order_staging.update_operations

    ops = UpdateOperations(8709134353)                  # DSN and token from the environment / config file
    ops.sync_board()                                    # board metadata (columns, labels, groups, users)
    batch_id = ops.stage_updates_from_query(
        "SELECT monday_item_id, 'In Progress' AS order_status FROM STG_MON_CustMasterSchedule "
        "WHERE monday_board_id = 8709134353 AND monday_item_id = 1234567890")
    ops.validate_staged_updates(batch_id)               # staging validates already; this re-validates
    result = ops.process_staged_updates(batch_id)       # a DRY RUN: preview + report, nothing sent
    print(result.report)
    result = ops.process_staged_updates(batch_id, dry_run=False)   # sends
    ops.rollback(batch_id, "wrong status")              # stages the rollback batch and previews it
    ops.rollback(batch_id, "wrong status", dry_run=False)   # approves and sends it

Each method is a thin call of a procedure (usp_StageUpdates, usp_ValidateStagedUpdates,
usp_ReleaseBatch, usp_StageRollback) and of the sender; the rules live in the database.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import exitcodes
from .config import Config, load_config
from .db import Database, DbError
from .monday import MondayClient
from .report import batch_summary, validation_errors, write_html_report, write_text_report
from .send import RunResult, Sender
from .sync import SyncResult, sync_board

log = logging.getLogger("opus.operations")

UPDATE_TYPES = {
    "update_items": ("UPDATE", "ITEMS"),
    "create_items": ("CREATE", "ITEMS"),
    "update_subitems": ("UPDATE", "SUBITEMS"),
    "create_subitems": ("CREATE", "SUBITEMS"),
}


# usp_StageUpdates: the query returned no rows, nothing was staged (docs/errors.md)
NO_ROWS_STAGED = 50217
# usp_StageRollback: the batch already has a rollback in progress
ROLLBACK_IN_PROGRESS = 50706


def stage_or_reuse_rollback(db: Database, batch_id: str, reason: str, *, approve: bool) -> tuple[str, bool]:
    """The rollback batch of ``batch_id``: staged now (usp_StageRollback: previewed only), or the one a
    preview staged before and nobody approved yet; approved for sending (usp_ApproveBatch) when ``approve``.
    Returns (rollback batch id, whether it was staged now). CLI and Python share it and its default: a
    rollback is a preview until someone approves it."""
    try:
        # staged and approved in one transaction: a sender killed right after cannot leave it unapproved
        res = db.call("usp_StageRollback", outputs={"rollback_batch_id": "varchar(50)"}, batch_id=batch_id,
                      reason=reason, send_approved="Y" if approve else "N")
        return str(res.outputs.get("rollback_batch_id")), True
    except DbError as exc:
        previewed = db.query(
            "SELECT batch_id FROM dbo.vw_MON_BatchSummary WHERE rollback_of_batch_id = ? "
            "AND batch_status IN ('READY', 'SENDING') AND send_approved = 'N'", [batch_id])
        if exc.number != ROLLBACK_IN_PROGRESS or not previewed:
            raise
        rb = str(previewed[0]["batch_id"])
    if approve:
        db.call("usp_ApproveBatch", batch_id=rb, approved="Y")
    return rb, False


@dataclass
class ValidationSummary:
    batch_id: str
    batch_status: str | None
    rows_staged: int
    rows_valid: int
    rows_warning: int
    rows_invalid: int
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rows_invalid == 0


@dataclass
class ProcessResult:
    """What ``process_staged_updates`` (or ``rollback``) did."""

    batch_id: str
    dry_run: bool
    batch_status: str | None
    run: RunResult
    report: str
    html_path: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return self.run.exit_code

    @property
    def ok(self) -> bool:
        return self.exit_code == exitcodes.OK

    @property
    def counts(self) -> dict[str, int]:
        b = self.run.batches.get(self.batch_id)
        if b is None:
            return {}
        return {"sent": b.sent, "skipped": b.skipped, "failed": b.failed, "retry": b.retry,
                "previewed": b.previewed, "cells_changed": b.cells_changed,
                "cells_unchanged": b.cells_unchanged, "cells_conflict": b.cells_conflict,
                "cells_held": b.cells_held, "cells_overwritten": b.cells_overwritten,
                "rows_not_previewed": b.rows_not_previewed}


def _operation_of(update_type: str | None, operation: str | None, target: str | None) -> tuple[str, str]:
    if operation or target:
        op = (operation or "UPDATE").upper()
        tgt = (target or "ITEMS").upper()
        if op not in ("UPDATE", "CREATE") or tgt not in ("ITEMS", "SUBITEMS"):
            raise ValueError("operation must be UPDATE or CREATE and target ITEMS or SUBITEMS")
        return op, tgt
    key = (update_type or "update_items").lower()
    if key not in UPDATE_TYPES:
        raise ValueError(f"update_type must be one of {', '.join(UPDATE_TYPES)}")
    return UPDATE_TYPES[key]


class UpdateOperations:
    """Stage, validate, preview/send and roll back updates of one monday board."""

    def __init__(self, board_id: int, dsn: str | None = None, config: Config | None = None,
                 config_manager: Any = None, **overrides: Any):
        self.board_id = int(board_id)
        if config is None and isinstance(config_manager, Config):
            config = config_manager
        cfg = config or load_config(dsn=dsn, **overrides)
        if dsn and cfg.dsn != dsn:
            cfg = cfg.with_overrides(dsn=dsn)
        self.config = cfg

    def __repr__(self) -> str:
        return f"UpdateOperations(board_id={self.board_id}, worker_id={self.config.worker_id!r})"

    def _db(self) -> Database:
        return Database(self.config.require_dsn())

    # -- metadata ----------------------------------------------------------------------------------
    def sync_board(self, with_items: bool = True, with_users: bool = True) -> SyncResult:
        with self._db() as db, MondayClient(self.config) as client:
            return sync_board(db, client, self.board_id, with_items=with_items, with_users=with_users)

    # -- stage / validate / release ----------------------------------------------------------------
    def stage_updates_from_query(self, source_query: str, update_type: str = "update_items", *,
                                 operation: str | None = None, target: str | None = None,
                                 source_table: str | None = None, create_labels_if_missing: bool = False) -> str:
        """Stage one row per result row of ``source_query``; returns the batch id (validated already)."""
        op, tgt = _operation_of(update_type, operation, target)
        with self._db() as db:
            try:
                res = db.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"}, query=source_query,
                              board_id=self.board_id, update_operation=op, target_level=tgt, source_table=source_table,
                              create_labels_if_missing="Y" if create_labels_if_missing else "N")
            except DbError as exc:
                if exc.number == NO_ROWS_STAGED:
                    raise ValueError(exc.message) from None
                raise
        batch_id = res.outputs["batch_id"]
        log.info("staged batch %s (%s %s) for board %s", batch_id, op, tgt, self.board_id)
        return str(batch_id)

    def validate_staged_updates(self, batch_id: str) -> ValidationSummary:
        with self._db() as db:
            db.call("usp_ValidateStagedUpdates", batch_id=batch_id)
            return self._validation(db, batch_id)

    def _validation(self, db: Database, batch_id: str) -> ValidationSummary:
        s = (batch_summary(db, batch_id) or [{}])[0]
        return ValidationSummary(batch_id, s.get("batch_status"), int(s.get("rows_staged") or 0),
                                 int(s.get("rows_valid") or 0), int(s.get("rows_warning") or 0),
                                 int(s.get("rows_invalid") or 0), validation_errors(db, batch_id))

    def release_batch(self, batch_id: str, include_warnings: bool = True) -> dict[str, Any]:
        """Release a validated batch; a batch released for a preview only is approved for sending."""
        with self._db() as db:
            s = (batch_summary(db, batch_id) or [{}])[0]
            if s.get("batch_status") in ("READY", "SENDING") and s.get("send_approved") == "N":
                db.call("usp_ApproveBatch", batch_id=batch_id, approved="Y")
            else:
                db.call("usp_ReleaseBatch", batch_id=batch_id, include_warnings="Y" if include_warnings else "N")
            return (batch_summary(db, batch_id) or [{}])[0]

    # -- send ---------------------------------------------------------------------------------------
    def process_staged_updates(self, batch_id: str, dry_run: bool = True, *, html_path: str | None = None,
                               release: bool = True, overwrite_changed: bool = False) -> ProcessResult:
        """Preview (``dry_run=True``, the default: no mutation at all) or send a batch.

        A validated batch is released first (``release=True``): its queue rows carry the exact values
        to send, which both the preview and the send read. A preview never sends: a batch released here
        for a dry run is previewed only (``send_approved = 'N'``), so a plain ``opus-sender send
        --execute`` leaves it alone until it is approved (``release_batch``, or this method with
        ``dry_run=False``, which approves it).

        A row previewed by a dry run is sent only where the board still holds what the preview showed: a
        cell changed on the board since then is held back (``counts["cells_held"]``, exit code 7,
        dbo.vw_MON_HeldBackCells) unless ``overwrite_changed=True``; a new dry run takes the board's
        value as the baseline.
        """
        with self._db() as db:
            s = (batch_summary(db, batch_id) or [{}])[0]
            if release and s.get("batch_status") == "VALIDATED":
                # released to be previewed: no claim takes it until it is approved (set with READY, in one
                # transaction, so that a sender running meanwhile never sees it approved)
                db.call("usp_ReleaseBatch", batch_id=batch_id, include_warnings="Y",
                        send_approved="N" if dry_run else "Y")
            elif release and not dry_run and s.get("batch_status") in ("READY", "SENDING") \
                    and s.get("send_approved") == "N":
                db.call("usp_ApproveBatch", batch_id=batch_id, approved="Y")  # sending it is approving it
        return self._send(batch_id, dry_run, html_path, overwrite_changed)

    def _send(self, batch_id: str, dry_run: bool, html_path: str | None,
              overwrite_changed: bool = False) -> ProcessResult:
        run = Sender(self.config, dry_run=dry_run, overwrite_changed=overwrite_changed).run(batch_id)
        buf = io.StringIO()
        with self._db() as db:
            write_text_report(db, run, buf)
            if html_path:
                with open(html_path, "w", encoding="utf-8") as fh:
                    write_html_report(db, run, fh)
            summary = (batch_summary(db, batch_id) or [{}])[0]
        return ProcessResult(batch_id, dry_run, summary.get("batch_status"), run, buf.getvalue(),
                             str(Path(html_path)) if html_path else None, summary)

    # -- rollback -----------------------------------------------------------------------------------
    def stage_rollback(self, batch_id: str, reason: str) -> str:
        with self._db() as db:
            res = db.call("usp_StageRollback", outputs={"rollback_batch_id": "varchar(50)"}, batch_id=batch_id,
                          reason=reason)
        return str(res.outputs.get("rollback_batch_id"))

    def rollback(self, batch_id: str, reason: str, dry_run: bool = True, *,
                 html_path: str | None = None) -> ProcessResult:
        """Stage the rollback batch of ``batch_id`` (usp_StageRollback) and preview it (the default, as
        ``opus-sender rollback``); ``dry_run=False`` approves and sends it (= ``rollback --execute``).

        A previewed rollback is never sent by a plain ``opus-sender send --execute``: it waits for its
        approval (``rollback(..., dry_run=False)`` again, which reuses it, ``release_batch`` or
        ``opus-sender release --batch-id <rollback batch>``).
        """
        with self._db() as db:
            rollback_batch_id, _ = stage_or_reuse_rollback(db, batch_id, reason, approve=not dry_run)
        log.info("rollback of %s staged as %s", batch_id, rollback_batch_id)
        return self._send(rollback_batch_id, dry_run, html_path)

    def status(self, batch_id: str | None = None) -> list[dict[str, Any]]:
        with self._db() as db:
            return batch_summary(db, batch_id)
