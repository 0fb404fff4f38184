"""Transactions of the committing procedures (issue 10): a caller's open transaction, the isolation level a
procedure runs at. Both engines."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from sender.db import MSSQL, Database, DbError
from tests.contract.helpers import BOARD_ID
from tests.contract.queue_helpers import (
    batch_row,
    expect_error,
    make_batch,
    make_board,
)

REFUSED = 50960

# every public procedure that commits its own work, with arguments it would accept (the refusal comes first)
COMMITTING: dict[str, dict] = {
    "usp_StageUpdates": {"query": "SELECT monday_item_id FROM dbo.STG_MON_CustMasterSchedule", "board_id": BOARD_ID},
    "usp_ValidateStagedUpdates": {"batch_id": "UB-NONE"},
    "usp_ReleaseBatch": {"batch_id": "UB-NONE"},
    "usp_CancelBatch": {"batch_id": "UB-NONE"},
    "usp_StageRollback": {"batch_id": "UB-NONE", "reason": "test"},
    "usp_UpsertBoardMetadata": {"board_json": "{}"},
    "usp_ExtendLease": {"worker_id": "w1", "queue_ids": "[1]"},
    "usp_ReleaseLease": {"worker_id": "w1"},
    "usp_RecordCreatedItem": {"queue_id": 1, "worker_id": "w1", "created_item_id": 5},
    "usp_RecordSendResult": {"queue_id": 1, "worker_id": "w1", "outcome": "SENT"},
    "usp_RecordPreview": {"batch_id": "UB-NONE", "queue_id": 1, "cells": "[]"},
    "usp_PurgeRunLog": {"retention_days": 30},
    "usp_ClaimQueueRows": {"worker_id": "w1"},
}


def _call(db: Database, name: str) -> None:
    if name == "usp_ClaimQueueRows":
        db.call_rows(name, **COMMITTING[name])
    else:
        db.call(name, **COMMITTING[name])


def _run_log_count(db: Database) -> int:
    return db.scalar("SELECT COUNT(*) FROM dbo.MON_RunLog")


@pytest.mark.parametrize("name", sorted(COMMITTING))
def test_a_procedure_that_commits_refuses_the_callers_open_transaction(db, name):
    calls = _run_log_count(db)
    db.execute("BEGIN TRANSACTION")
    db.execute("INSERT INTO dbo.MON_RunLog (proc_name) VALUES ('the caller''s own work')")
    err = expect_error(REFUSED, _call, db, name)
    assert f"dbo.{name}" in err.message and "outside a transaction" in err.message
    if db.dialect == MSSQL:
        # nothing was done, and the caller's transaction is still open and committable, its work in it
        assert "@@TRANCOUNT = 1" in err.message
        assert db.scalar("SELECT XACT_STATE()") == 1
        db.execute("COMMIT TRANSACTION")
        assert _run_log_count(db) == calls + 1
    else:
        # PostgreSQL aborts a transaction block at any error: it can only be rolled back
        db.execute("ROLLBACK TRANSACTION")
        assert _run_log_count(db) == calls
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_RunLog WHERE proc_name = ?", (name,)) == 0


@pytest.mark.parametrize("name", ["usp_CancelBatch", "usp_RecordSendResult", "usp_StageUpdates"])
def test_an_open_transaction_that_has_not_written_is_refused_too(db, name):
    db.execute("BEGIN TRANSACTION")
    with pytest.raises(DbError) as caught:
        _call(db, name)
    if db.dialect == MSSQL:
        assert caught.value.number == REFUSED
        assert db.scalar("SELECT @@TRANCOUNT") == 1
        db.execute("COMMIT TRANSACTION")
    else:
        # nothing tells a PL/pgSQL procedure that its CALL sits in a transaction block that has not written:
        # PostgreSQL refuses the procedure's first COMMIT itself, before anything was done
        assert caught.value.sqlstate == "2D000", caught.value
        db.execute("ROLLBACK TRANSACTION")
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_RunLog WHERE proc_name = ?", (name,)) == 0


def test_help_still_answers_and_a_call_outside_a_transaction_runs(db):
    db.call("usp_CancelBatch", help="Y")
    expect_error(50502, db.call, "usp_CancelBatch", batch_id="UB-NONE")


# -- a call on another connection ----------------------------------------------------------------------------


class Background:
    """A call on its own connection in a thread: whether it is still waiting, and what it returned or raised."""

    def __init__(self, fn: Callable[[], object]):
        self.result: object = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn):
        try:
            self.result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc

    def waiting(self, seconds: float = 1.5) -> bool:
        self.thread.join(seconds)
        return self.thread.is_alive()

    def join(self) -> object:
        self.thread.join(60)
        assert not self.thread.is_alive(), "the call did not finish"
        if self.error is not None:
            raise self.error
        return self.result


# -- isolation: the level each procedure runs at is its own ---------------------------------------------------------


def test_a_procedure_runs_read_committed_whatever_the_session_level(db, db_factory):
    # a session whose transactions default to REPEATABLE READ / SNAPSHOT would fail a cancel that waited for a
    # concurrent update of the batch row (40001 / 3960); the procedure sets its own level and succeeds
    make_board(db)
    make_batch(db, "UB-ISO", 2)
    caller = db_factory()
    if caller.dialect == MSSQL:
        # SNAPSHOT where the database allows it (the level a wait would fail under), SERIALIZABLE otherwise
        snapshot = caller.scalar("SELECT snapshot_isolation_state FROM sys.databases WHERE name = DB_NAME()") == 1
        level, level_number = ("SNAPSHOT", 5) if snapshot else ("SERIALIZABLE", 4)
        caller.execute(f"SET TRANSACTION ISOLATION LEVEL {level}")
    else:
        caller.execute("SET default_transaction_isolation = 'repeatable read'")
    writer = db_factory()
    writer.execute("BEGIN TRANSACTION")
    writer.execute("UPDATE dbo.MON_UpdateBatch SET released_by = 'someone else' WHERE batch_id = 'UB-ISO'")
    call = Background(lambda: caller.call("usp_CancelBatch", batch_id="UB-ISO", reason="iso"))
    assert call.waiting(), f"the cancel should wait for the batch row: {call.error}"
    writer.execute("COMMIT TRANSACTION")
    call.join()
    assert batch_row(db, "UB-ISO")["batch_status"] == "CANCELLED"
    # the session's own level is untouched
    if caller.dialect == MSSQL:
        level = caller.scalar("SELECT transaction_isolation_level FROM sys.dm_exec_sessions WHERE session_id = @@SPID")
        assert level == level_number
    else:
        assert caller.scalar("SHOW default_transaction_isolation") == "repeatable read"
