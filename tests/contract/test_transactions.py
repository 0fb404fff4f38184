"""Transactions and concurrency of the committing procedures (issue 10): a caller's open transaction, two
stages with one batch id, one lock order, a cancel after an expired lease, board syncs side by side, the
isolation level a procedure runs at. Both engines; the locks a test holds are taken in each engine's words."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest

from sender.db import MSSQL, Database, DbError
from tests.contract.helpers import BOARD_ID, ITEM_ID, load_item_rows, load_planning_board, stage
from tests.contract.queue_helpers import (
    audit_rows,
    batch_row,
    cells,
    claim,
    expect_error,
    make_batch,
    make_board,
    past,
    queue_row,
    record,
    run_threads,
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


# -- two stages with one explicit batch id -----------------------------------------------------------------------


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


def _insert_batch(db: Database, batch_id: str) -> None:
    db.execute(
        "INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, rows_staged) "
        "VALUES (?, ?, 'ITEMS', 'UPDATE', 'STAGED', 1)", (batch_id, BOARD_ID))


def test_a_stage_racing_another_with_the_same_batch_id_gets_50202(db, db_factory):
    load_planning_board(db, items=True)
    load_item_rows(db)
    query = (f"SELECT monday_item_id, 'Done' AS order_status FROM dbo.STG_MON_CustMasterSchedule "
             f"WHERE monday_item_id = {ITEM_ID} AND update_batch_id IS NULL")
    other = db_factory()
    # the other stage has written its batch row and not committed yet: the check for an existing id passes
    other.execute("BEGIN TRANSACTION")
    _insert_batch(other, "UB-RACE")
    late = db_factory()
    call = Background(lambda: late.call("usp_StageUpdates", query=query, board_id=BOARD_ID, batch_id="UB-RACE"))
    assert call.waiting(), f"the stage should wait for the other transaction's batch row: {call.error}"
    other.execute("COMMIT TRANSACTION")
    with pytest.raises(DbError) as caught:
        call.join()
    assert caught.value.number == 50202, caught.value
    assert "UB-RACE exists already" in caught.value.message
    # nothing half-staged, the failure in the run log under the project's number
    assert db.scalar("SELECT COUNT(*) FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id = ?", ("UB-RACE",)) == 0
    failed = db.query("SELECT outcome, error_number FROM dbo.MON_RunLog WHERE proc_name = 'usp_StageUpdates'")
    assert failed == [{"outcome": "FAILED", "error_number": 50202}]


# -- one lock order: the batch row, then its queue rows ----------------------------------------------------------


def _lock_batch(db: Database, batch_id: str) -> None:
    if db.dialect == MSSQL:
        db.query("SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, ROWLOCK, HOLDLOCK) "
                 "WHERE b.batch_id = ?", (batch_id,))
    else:
        db.query("SELECT b.batch_status FROM dbo.MON_UpdateBatch AS b WHERE b.batch_id = ? FOR UPDATE", (batch_id,))


def _lock_queue(db: Database, batch_id: str) -> None:
    if db.dialect == MSSQL:
        db.query("SELECT q.queue_status FROM dbo.MON_UpdateQueue AS q WITH (UPDLOCK, ROWLOCK, HOLDLOCK) "
                 "WHERE q.batch_id = ?", (batch_id,))
    else:
        db.query("SELECT q.queue_status FROM dbo.MON_UpdateQueue AS q WHERE q.batch_id = ? "
                 "ORDER BY q.queue_id FOR UPDATE", (batch_id,))


@pytest.mark.engine_gap("updlock-ignored")
def test_release_lease_takes_the_batch_row_before_its_queue_rows(db, db_factory):
    # a cancel-like transaction holds the batch row and then wants the queue rows, while the sender gives its
    # leases back: with one lock order the release waits for the batch row and nobody deadlocks
    make_board(db)
    make_batch(db, "UB-ORDER", 3)
    assert len(claim(db, "w1", batch_id="UB-ORDER")) == 3
    holder = db_factory()
    holder.execute("BEGIN TRANSACTION")
    _lock_batch(holder, "UB-ORDER")
    sender = db_factory()
    call = Background(lambda: sender.call("usp_ReleaseLease", outputs={"released": "int"}, worker_id="w1"))
    assert call.waiting(), "usp_ReleaseLease should wait for the batch row"
    _lock_queue(holder, "UB-ORDER")  # a deadlock here before the fix (the release held the queue rows)
    holder.execute("COMMIT TRANSACTION")
    assert call.join().outputs["released"] == 3
    assert batch_row(db, "UB-ORDER")["batch_status"] == "READY"


# -- a cancel after an expired lease keeps a later SENT result ----------------------------------------------------


def _expire(db: Database, batch_id: str) -> None:
    db.execute("UPDATE dbo.MON_UpdateQueue SET lease_expires_at = ? WHERE batch_id = ? AND queue_status = 'CLAIMED'",
               (past(db, 60), batch_id))


def test_a_row_sent_after_its_lease_expired_and_its_batch_was_cancelled_keeps_its_audit(db):
    make_board(db)
    qids = make_batch(db, "UB-LATE", 2)
    assert [r["queue_id"] for r in claim(db, "w1", batch_id="UB-LATE")] == qids
    _expire(db, "UB-LATE")
    db.call("usp_CancelBatch", batch_id="UB-LATE", reason="stop it")
    assert [queue_row(db, q)["queue_status"] for q in qids] == ["CANCELLED", "CANCELLED"]
    # nothing can claim the rows any more
    assert claim(db, "w2", batch_id="UB-LATE") == []
    # the slow sender had sent the first row: its result and its audit rows are recorded
    record(db, qids[0], "w1", "SENT", cells=cells(("status", '{"index":0}', '{"label":"In Progress"}')))
    row = queue_row(db, qids[0])
    assert row["queue_status"] == "SENT" and row["lease_owner"] is None
    assert row["last_error_code"] == "CANCELLED"  # the row tells both: cancelled, then its result came in
    audit = audit_rows(db, "UB-LATE")
    assert [(a["queue_id"], a["column_id"], a["worker_id"]) for a in audit] == [(qids[0], "status", "w1")]
    assert batch_row(db, "UB-LATE")["batch_status"] == "CANCELLED"
    # only a SENT result of the lease's owner: anything else changes nothing
    expect_error(50606, record, db, qids[1], "w1", "RETRY", error_code="X", error_message="later")
    expect_error(50606, record, db, qids[1], "w1", "FAILED", error_code="X", error_message="refused")
    expect_error(50606, record, db, qids[1], "w2", "SENT", cells=cells(("status", None, '{"index":1}')))
    assert queue_row(db, qids[1])["queue_status"] == "CANCELLED"
    assert len(audit_rows(db, "UB-LATE")) == 1
    # what reached the board can be rolled back like any sent change
    rollback = db.call("usp_StageRollback", outputs={"rollback_batch_id": "varchar(50)"},
                       batch_id="UB-LATE", reason="undo the late row").outputs["rollback_batch_id"]
    assert rollback


def test_a_created_item_of_a_cancelled_row_is_recorded_for_its_lease_owner(db):
    make_board(db)
    qids = make_batch(db, "UB-LATEC", 1, operation="CREATE")
    claim(db, "w1", batch_id="UB-LATEC")
    _expire(db, "UB-LATEC")
    db.call("usp_CancelBatch", batch_id="UB-LATEC", reason="stop it")
    expect_error(50606, db.call, "usp_RecordCreatedItem", queue_id=qids[0], worker_id="w2", created_item_id=77)
    db.call("usp_RecordCreatedItem", queue_id=qids[0], worker_id="w1", created_item_id=77)
    record(db, qids[0], "w1", "SENT")
    row = queue_row(db, qids[0])
    assert (row["queue_status"], row["created_item_id"]) == ("SENT", 77)
    assert [a["column_id"] for a in audit_rows(db, "UB-LATEC")] == ["name"]


# -- lock escalation ----------------------------------------------------------------------------------------------


def test_the_queue_escalates_as_sql_server_does_by_default(db):
    # release and cancel write in committed chunks of a few thousand rows, so no transaction holds enough queue
    # locks to escalate, and none holds millions in lock memory (0.3.0 disabled escalation instead)
    if db.dialect != MSSQL:
        pytest.skip("PostgreSQL keeps row locks in the rows and never escalates them")
    assert db.scalar("SELECT lock_escalation_desc FROM sys.tables WHERE object_id = OBJECT_ID(N'dbo.MON_UpdateQueue')") \
        == "TABLE"


# -- board syncs: one board at a time, boards side by side ---------------------------------------------------------


def _hold_board_sync(db: Database, board_id: int) -> None:
    """Take the lock a sync of board_id takes, in an open transaction of db."""
    db.execute("BEGIN TRANSACTION")
    if db.dialect == MSSQL:
        db.execute("EXEC sys.sp_getapplock @Resource = ?, @LockMode = 'Exclusive', @LockOwner = 'Transaction'",
                   (f"opus_board_sync_{board_id}",))
    else:
        db.query("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (f"opus_board_sync_{board_id}",))


def _board(board_id: int, name: str) -> str:
    return json.dumps({"id": str(board_id), "name": name, "board_kind": "public",
                       "columns": [{"id": "status", "title": "Status", "type": "status", "settings": {}}],
                       "groups": [{"id": "topics", "title": "Group"}]})


def test_a_board_sync_waits_for_a_sync_of_its_board_only(db, db_factory):
    holder = db_factory()
    _hold_board_sync(holder, 501)
    same = db_factory()
    call = Background(lambda: same.call("usp_UpsertBoardMetadata", board_json=_board(501, "First")))
    assert call.waiting(), "a sync of board 501 should wait for the other sync of board 501"
    started = time.monotonic()
    db.call("usp_UpsertBoardMetadata", board_json=_board(502, "Second"))  # another board: not blocked
    assert call.thread.is_alive() and time.monotonic() - started < 30
    holder.execute("COMMIT TRANSACTION")
    call.join()
    names = db.query("SELECT board_id, board_name FROM dbo.MON_Board WHERE board_id IN (501, 502) ORDER BY board_id")
    assert names == [{"board_id": 501, "board_name": "First"}, {"board_id": 502, "board_name": "Second"}]


# -- isolation: the level each procedure runs at is its own ---------------------------------------------------------


@pytest.mark.engine_gap("isolation-in-procedure")
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


# -- implicit transactions (D4) ------------------------------------------------------------------------------------


def test_a_driver_with_autocommit_off_is_refused_and_leaves_no_transaction_open(db, db_factory):
    # SQL Server: a driver with autocommit off runs with IMPLICIT_TRANSACTIONS ON; @@TRANCOUNT is 0 when the
    # procedure starts, and its first write would open a transaction left open after it returns, with its locks.
    # PostgreSQL's counterpart: the driver opens a transaction block before the CALL, and the procedure's COMMIT
    # is refused there. Either way nothing is done and nothing stays open.
    make_board(db)
    make_batch(db, "UB-IMPLICIT", 2)
    caller = db_factory()
    caller.conn.autocommit = False
    with pytest.raises(DbError) as caught:
        caller.call("usp_CancelBatch", batch_id="UB-IMPLICIT", reason="implicit")
    if caller.dialect == MSSQL:
        assert caught.value.number == REFUSED, caught.value
        # SQL Server's drivers turn IMPLICIT_TRANSACTIONS on; others (the T-SQL test engine's) open a transaction
        assert "IMPLICIT_TRANSACTIONS" in caught.value.message or "@@TRANCOUNT = 1" in caught.value.message
        assert caller.scalar("SELECT @@TRANCOUNT") in (0, 1)  # the SELECT itself may open the implicit one
    else:
        assert caught.value.sqlstate == "2D000" or caught.value.number == REFUSED, caught.value
    caller.conn.rollback()
    caller.conn.autocommit = True
    assert batch_row(db, "UB-IMPLICIT")["batch_status"] == "READY"
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_RunLog WHERE proc_name = 'usp_CancelBatch'") == 0
    if caller.dialect == MSSQL:
        caller.execute("SET IMPLICIT_TRANSACTIONS ON")
        expect_error(REFUSED, caller.call, "usp_CancelBatch", batch_id="UB-IMPLICIT")
        caller.execute("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET IMPLICIT_TRANSACTIONS OFF")
    # in autocommit mode the same call runs
    caller.call("usp_CancelBatch", batch_id="UB-IMPLICIT", reason="autocommit")
    assert batch_row(db, "UB-IMPLICIT")["batch_status"] == "CANCELLED"


# -- the last open row closed by a claim while a result of the batch is recorded (D1, earlier D5) ------------------


def _backend_pid(conn: Database) -> int:
    return conn.scalar("SELECT pg_backend_pid()")


def _wait_until_blocked(db: Database, pid: int, what: str) -> None:
    for _ in range(600):
        if db.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = ? AND wait_event_type = 'Lock'", (pid,)):
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} never waited")


@pytest.mark.postgres_only
def test_a_batch_is_finished_when_a_claim_kills_its_last_open_row_while_a_result_is_recorded(db, db_factory):
    # row A is leased by w1 and being recorded SENT; row B's lease expired after its last attempt, and a claim
    # makes it DEAD at the same moment. The recording holds the batch row, so the claim skips finishing the
    # batch; the recording's own check must therefore see B's DEAD, or the batch stays SENDING for ever.
    # Two test hooks (a trigger each) pause the claim after its DEAD update and the recording after its check.
    make_board(db)
    qa, qb = make_batch(db, "UB-FINISH", 2, max_attempts=1)
    assert [r["queue_id"] for r in claim(db, "w1", batch_id="UB-FINISH", max_rows=1)] == [qa]
    assert [r["queue_id"] for r in claim(db, "w2", batch_id="UB-FINISH", max_rows=1)] == [qb]
    db.execute("UPDATE dbo.MON_UpdateQueue SET lease_expires_at = ? WHERE queue_id = ?", (past(db, 60), qb))
    k_claim, k_record = 917101, 917102
    db.execute(f"""
        CREATE FUNCTION dbo.fn_test_pause() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'mon_updatequeue' THEN
                PERFORM pg_advisory_lock_shared({k_claim}); PERFORM pg_advisory_unlock_shared({k_claim});
            ELSE
                PERFORM pg_advisory_lock_shared({k_record}); PERFORM pg_advisory_unlock_shared({k_record});
            END IF;
            RETURN NULL;
        END $$""")
    db.execute("CREATE TRIGGER tr_test_pause_dead AFTER UPDATE ON dbo.MON_UpdateQueue FOR EACH ROW "
               "WHEN (NEW.queue_status = 'DEAD') EXECUTE FUNCTION dbo.fn_test_pause()")
    db.execute("CREATE TRIGGER tr_test_pause_record AFTER UPDATE ON dbo.MON_RunLog FOR EACH ROW "
               "WHEN (NEW.proc_name = 'usp_RecordSendResult') EXECUTE FUNCTION dbo.fn_test_pause()")
    control = db_factory()
    control.query("SELECT pg_advisory_lock(?), pg_advisory_lock(?)", (k_claim, k_record))

    claimer = db_factory()
    claim_pid = _backend_pid(claimer)
    claim_call = Background(lambda: claim(claimer, "w3", batch_id="UB-FINISH"))
    _wait_until_blocked(db, claim_pid, "the claim")
    recorder = db_factory()
    record_pid = _backend_pid(recorder)
    record_call = Background(lambda: record(recorder, qa, "w1", "SENT"))
    _wait_until_blocked(db, record_pid, "the recording")
    control.query("SELECT pg_advisory_unlock(?)", (k_claim,))
    assert claim_call.join() == []
    control.query("SELECT pg_advisory_unlock(?)", (k_record,))
    record_call.join()

    assert [queue_row(db, q)["queue_status"] for q in (qa, qb)] == ["SENT", "DEAD"]
    b = batch_row(db, "UB-FINISH")
    assert b["batch_status"] == "PARTIAL" and b["completed_at"] is not None, b


# -- no deadlock between the pairs that take locks in the owner's table and the queue (D1) -------------------------


def test_two_stages_a_stage_and_a_release_and_a_stage_and_the_loader_never_deadlock(db, db_factory):
    # each pair runs at the same moment on its own connections, several times; a deadlock would abort one of
    # them (PostgreSQL 40P01, SQL Server 1205) and fail the test
    load_planning_board(db, items=True)
    load_item_rows(db)
    query = (f"SELECT monday_item_id, 'Done' AS order_status FROM dbo.STG_MON_CustMasterSchedule "
             f"WHERE monday_item_id = {ITEM_ID} AND update_batch_id IS NULL")
    a, b = db_factory(), db_factory()

    def stage_on(conn):
        return lambda: conn.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"}, query=query,
                                 board_id=BOARD_ID).outputs["batch_id"]

    for _ in range(3):
        first, second = run_threads([stage_on(a), stage_on(b)])
        assert first != second
    # a stage and a release
    for _ in range(3):
        to_release = stage_on(a)()
        staged, _ = run_threads([stage_on(b), lambda r=to_release: a.call("usp_ReleaseBatch", batch_id=r)])
        assert batch_row(db, to_release)["batch_status"] == "READY" and batch_row(db, staged)["rows_staged"] == 1
        db.call("usp_CancelBatch", batch_id=to_release, reason="next round")

    # a stage and the loader, which inserts and deletes its own rows in its own transactions
    def loader():
        for n in range(5):
            b.execute("BEGIN TRANSACTION")
            b.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name) "
                      "VALUES (?, ?, 'loader row')", (990000 + n, BOARD_ID))
            b.execute("DELETE FROM dbo.STG_MON_CustMasterSchedule WHERE monday_item_id = ?", (990000 + n,))
            b.execute("COMMIT TRANSACTION")

    for _ in range(3):
        staged, _ = run_threads([stage_on(a), loader])
        assert batch_row(db, staged)["batch_status"] == "VALIDATED"


@pytest.mark.postgres_only
def test_a_loader_truncate_waits_for_a_stage_and_then_runs(db, db_factory):
    # a TRUNCATE of the owner's table while a stage holds its rows uncommitted waits (it needs the table to
    # itself), then runs; the stage is never aborted, and nothing deadlocks
    load_planning_board(db, items=True)
    load_item_rows(db)
    stager = db_factory()
    stager.execute("BEGIN TRANSACTION")
    stager.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name) "
                   "VALUES (1, ?, 'a stage''s row, uncommitted')", (BOARD_ID,))
    loader = db_factory()
    truncate = Background(lambda: loader.execute("TRUNCATE TABLE dbo.STG_MON_CustMasterSchedule"))
    assert truncate.waiting(), "the TRUNCATE should wait for the open stage"
    stager.execute("COMMIT TRANSACTION")
    truncate.join()
    assert db.scalar("SELECT COUNT(*) FROM dbo.STG_MON_CustMasterSchedule") == 0


# -- a verdict is about the content it was computed from (review C1) -----------------------------------------


@pytest.mark.postgres_only
def test_a_row_changed_while_it_is_validated_gets_no_verdict_and_the_validation_is_refused(db, db_factory):
    # a writer updates a staged row after validation copied it and before the verdicts are written: the verdict
    # (and the hash release compares) would be about content validation never saw. PostgreSQL: the writer holds
    # its row lock, so the verdict UPDATE waits for it and then sees the new content (SQL Server under READ
    # COMMITTED without RCSI makes the copy itself wait; its copy then sees the new content)
    load_planning_board(db, items=True)
    load_item_rows(db)
    query = ("SELECT monday_item_id, 'Done' AS order_status FROM dbo.STG_MON_CustMasterSchedule "
             "WHERE update_batch_id IS NULL ORDER BY monday_item_id")
    batch_id = stage(db, query).outputs["batch_id"]
    before = db.query("SELECT update_row_no, validation_status, update_fields FROM dbo.STG_MON_CustMasterSchedule "
                      "WHERE update_batch_id = ? ORDER BY update_row_no", (batch_id,))
    hashes = db.query("SELECT update_row_no, row_hash FROM dbo.MON_ValidatedRow WHERE batch_id = ? "
                      "ORDER BY update_row_no", (batch_id,))
    statuses = [r["validation_status"] for r in before]
    assert statuses[1] != "INVALID", before
    writer = db_factory()
    writer.execute("BEGIN TRANSACTION")
    writer.execute("UPDATE dbo.STG_MON_CustMasterSchedule SET update_fields = ? WHERE update_batch_id = ? "
                   "AND update_row_no = 2", ('{"order_status":"No such label"}', batch_id))
    validator = db_factory()
    call = Background(lambda: validator.call("usp_ValidateStagedUpdates", batch_id=batch_id))
    assert call.waiting(), f"the verdict should wait for the writer's row: {call.error}"
    writer.execute("COMMIT TRANSACTION")
    with pytest.raises(DbError) as caught:
        call.join()
    assert caught.value.number == 50305, caught.value
    assert "1 of the 2 staged rows" in caught.value.message and "no verdict was written" in caught.value.message
    # nothing of that validation stays: the verdicts and hashes are the earlier ones
    after = db.query("SELECT update_row_no, validation_status FROM dbo.STG_MON_CustMasterSchedule "
                     "WHERE update_batch_id = ? ORDER BY update_row_no", (batch_id,))
    assert [r["validation_status"] for r in after] == statuses
    assert db.query("SELECT update_row_no, row_hash FROM dbo.MON_ValidatedRow WHERE batch_id = ? "
                    "ORDER BY update_row_no", (batch_id,)) == hashes
    # the changed row cannot be released on the old verdict; validated again, it is found INVALID
    expect_error(50412, db.call, "usp_ReleaseBatch", batch_id=batch_id)
    db.call("usp_ValidateStagedUpdates", batch_id=batch_id)
    after = db.query("SELECT update_row_no, validation_status FROM dbo.STG_MON_CustMasterSchedule "
                     "WHERE update_batch_id = ? ORDER BY update_row_no", (batch_id,))
    assert [r["validation_status"] for r in after] == [statuses[0], "INVALID"]
