"""Contract tests of usp_StageRollback and of sending a rollback batch (audit rows stamped)."""

from __future__ import annotations

import json
import re

import pytest

from tests.contract.queue_helpers import (
    BOARD,
    audit_rows,
    batch_row,
    cells,
    claim,
    expect_error,
    make_batch,
    make_board,
    queue_row,
    record,
    sent_cells,
)


@pytest.fixture
def board(db):
    make_board(db)
    return BOARD


def stage_rollback(db, batch_id, reason="wrong values", send_approved=None):
    """Stage the rollback of batch_id; send_approved='Y' approves it in the same call (as rollback --execute)."""
    extra = {"send_approved": send_approved} if send_approved else {}
    res = db.call("usp_StageRollback", outputs={"rollback_batch_id": "varchar(50)"}, batch_id=batch_id, reason=reason,
                  **extra)
    return res.outputs["rollback_batch_id"]


def queue_of(db, batch_id):
    return db.query("SELECT * FROM dbo.MON_UpdateQueue WHERE batch_id = ? ORDER BY update_row_no", (batch_id,))


def sent_update_batch(db, batch_id="B1"):
    """Three items: two SENT (item 1001 twice-touched cells, item 1002 one cell), one SKIPPED."""
    ids = make_batch(db, batch_id, 3)
    claim(db, "w1", batch_id=batch_id)
    record(db, ids[0], "w1", "SENT", cells=sent_cells(
        ("order_status", {"index": 0}, {"index": 7}), ("notes", "old note", "row 1"), ("due_date", None, {"date": "2026-07-15"})))
    record(db, ids[1], "w1", "SENT", cells=sent_cells(("order_status", {"index": 2}, {"index": 7})))
    record(db, ids[2], "w1", "SKIPPED")
    assert batch_row(db, batch_id)["batch_status"] == "COMPLETED"
    return ids


def test_rollback_restores_audited_old_values_and_expects_the_new_ones(db, board):
    sent_update_batch(db)
    rb = stage_rollback(db, "B1", reason="wrong status values")
    assert rb and rb != "B1"

    b = batch_row(db, rb)
    assert b["update_operation"] == "ROLLBACK" and b["batch_status"] == "READY"
    assert b["rollback_of_batch_id"] == "B1" and b["rollback_reason"] == "wrong status values"
    assert b["board_id"] == BOARD and b["rows_queued"] == 2

    rows = queue_of(db, rb)
    assert [(r["update_operation"], r["monday_item_id"]) for r in rows] == [("UPDATE", 1001), ("UPDATE", 1002)]
    assert json.loads(rows[0]["column_values"]) == {
        "due_date": None, "notes": "old note", "order_status": {"index": 0}}
    assert json.loads(rows[0]["expected_values"]) == {
        "due_date": {"date": "2026-07-15"}, "notes": "row 1", "order_status": {"index": 7}}
    assert json.loads(rows[1]["column_values"]) == {"order_status": {"index": 2}}
    assert [r["idempotency_key"] for r in rows] == [f"{rb}-1", f"{rb}-2"]
    assert all(r["queue_status"] == "READY" and r["board_id"] == BOARD for r in rows)

    # nothing is stamped before the rollback is actually sent
    assert all(a["rollback_timestamp"] is None for a in audit_rows(db, "B1"))
    log = db.query("SELECT outcome, rows_affected FROM dbo.MON_RunLog WHERE proc_name = 'usp_StageRollback'")
    assert log == [{"outcome": "SUCCEEDED", "rows_affected": 2}]


def test_sending_the_rollback_stamps_the_original_audit_rows(db, board):
    sent_update_batch(db)
    rb = stage_rollback(db, "B1", reason="undo", send_approved="Y")
    rows = claim(db, "w2", batch_id=rb)
    assert [r["update_operation"] for r in rows] == ["UPDATE", "UPDATE"]
    assert rows[0]["expected_values"] is not None
    # item 1001: 'notes' was changed by someone else since: the sender restores the two other cells only
    record(db, rows[0]["queue_id"], "w2", "SENT", cells=cells(
        ("order_status", '{"index":7}', '{"index":0}'), ("due_date", '{"date":"2026-07-15"}', None)),
        result_detail='{"skipped": ["notes"]}')
    record(db, rows[1]["queue_id"], "w2", "SENT", cells=sent_cells(("order_status", {"index": 7}, {"index": 2})))
    assert batch_row(db, rb)["batch_status"] == "COMPLETED"

    stamped = {(a["monday_item_id"], a["column_id"]): a for a in audit_rows(db, "B1")}
    for key in [(1001, "order_status"), (1001, "due_date"), (1002, "order_status")]:
        a = stamped[key]
        assert a["rollback_timestamp"] is not None and a["rollback_reason"] == "undo"
        assert a["rollback_batch_id"] == rb
    assert stamped[(1001, "notes")]["rollback_timestamp"] is None
    assert {a["update_operation"] for a in audit_rows(db, rb)} == {"ROLLBACK"}

    # a second rollback picks up what is left: the one cell not restored
    rb2 = stage_rollback(db, "B1", reason="undo the rest")
    (row,) = queue_of(db, rb2)
    assert row["monday_item_id"] == 1001 and json.loads(row["column_values"]) == {"notes": "old note"}


def test_items_the_batch_created_become_archive_rows(db, board):
    ids = make_batch(db, "BC", 2, operation="CREATE")
    claim(db, "w1", batch_id="BC")
    record(db, ids[0], "w1", "SENT", created_item_id=9001, cells=sent_cells(("order_status", None, {"index": 7})))
    record(db, ids[1], "w1", "FAILED", error_code="ColumnValueException", error_message="bad")
    assert batch_row(db, "BC")["batch_status"] == "PARTIAL"

    rb = stage_rollback(db, "BC", send_approved="Y")
    (row,) = queue_of(db, rb)
    assert row["update_operation"] == "ARCHIVE" and row["monday_item_id"] == 9001
    assert row["item_name"] == "New item 1" and row["column_values"] is None

    (c,) = claim(db, "w1", batch_id=rb)
    assert c["update_operation"] == "ARCHIVE"
    record(db, c["queue_id"], "w1", "SENT")
    assert all(a["rollback_batch_id"] == rb for a in audit_rows(db, "BC"))
    (a,) = audit_rows(db, rb)
    assert (a["monday_item_id"], a["column_id"], a["new_value"]) == (9001, "item_state", "archived")
    expect_error(50705, stage_rollback, db, "BC")


def test_rollback_is_refused_when_it_cannot_apply(db, board):
    # nothing audited: every row failed
    ids = make_batch(db, "BF", 1)
    claim(db, "w1", batch_id="BF")
    record(db, ids[0], "w1", "FAILED", error_message="x")
    expect_error(50704, stage_rollback, db, "BF")

    # still being sent
    ids = make_batch(db, "BS", 2, first_item=3000)
    claim(db, "w1", batch_id="BS", max_rows=1)
    record(db, ids[0], "w1", "SENT", cells=cells(("notes", "a", "b")))
    exc = expect_error(50707, stage_rollback, db, "BS")
    assert "SENDING" in exc.message

    # a rollback in progress, and a rollback of a rollback
    sent_update_batch(db, "B1")
    rb = stage_rollback(db, "B1")
    exc = expect_error(50706, stage_rollback, db, "B1")
    assert rb in exc.message
    expect_error(50708, stage_rollback, db, rb)

    before = (db.query("SELECT * FROM dbo.MON_UpdateBatch ORDER BY batch_id"),
              db.query("SELECT * FROM dbo.MON_UpdateQueue ORDER BY queue_id"))
    expect_error(50703, stage_rollback, db, "NOPE")
    expect_error(50702, stage_rollback, db, "B1", reason="  ")
    expect_error(50701, stage_rollback, db, None)
    after = (db.query("SELECT * FROM dbo.MON_UpdateBatch ORDER BY batch_id"),
             db.query("SELECT * FROM dbo.MON_UpdateQueue ORDER BY queue_id"))
    assert after == before


def test_a_cancelled_rollback_can_be_staged_again(db, board):
    sent_update_batch(db)
    rb = stage_rollback(db, "B1")
    db.call("usp_CancelBatch", batch_id=rb, reason="not now")
    rb2 = stage_rollback(db, "B1")
    assert rb2 != rb and len(queue_of(db, rb2)) == 2
    assert queue_row(db, queue_of(db, rb)[0]["queue_id"])["queue_status"] == "CANCELLED"


def test_help_prints_parameters_and_examples(db):
    text = "\n".join(db.call("usp_StageRollback", help="Y").messages)
    assert "reason" in text and "rollback_batch_id" in text and "Example" in text
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_RunLog") == 0


def test_rollback_restores_empty_cells_and_changes_of_case_or_trailing_spaces(db, board):
    """SQL Server's default collation calls 'Row 1' and 'row 1' (and 'x' and 'x ') equal, and NULL = x
    UNKNOWN: the rollback compares exactly, so each of these cells is restored."""
    ids = make_batch(db, "B-EXACT", 1)
    claim(db, "w1", batch_id="B-EXACT")
    record(db, ids[0], "w1", "SENT", cells=sent_cells(
        ("notes", "Row 1", "row 1"), ("text", "x", "x "), ("due_date", None, {"date": "2026-07-15"}),
        ("order_status", {"index": 2}, None), ("numbers", "3", "3")))
    rb = stage_rollback(db, "B-EXACT")
    (row,) = queue_of(db, rb)
    assert json.loads(row["column_values"]) == {
        "due_date": None, "notes": "Row 1", "order_status": {"index": 2}, "text": "x"}
    assert json.loads(row["expected_values"]) == {
        "due_date": {"date": "2026-07-15"}, "notes": "row 1", "order_status": None, "text": "x "}


# -- a preview never sends: a staged rollback waits for its approval --------------------------------------


def test_a_staged_rollback_is_previewed_only_until_approved(db, board):
    sent_update_batch(db)
    rb = stage_rollback(db, "B1")
    assert re.fullmatch(r"RB\d{14}-[0-9a-f]{6}", rb), rb  # the time it was staged, then one case, as UB ids
    assert batch_row(db, rb)["send_approved"] == "N"
    assert db.scalar("SELECT send_approved FROM dbo.vw_MON_BatchSummary WHERE batch_id = ?", (rb,)) == "N"
    # the queue itself keeps a previewed batch: no claim takes its rows, by batch or not
    assert db.call_rows("usp_ClaimQueueRows", worker_id="w-sql", batch_id=rb, max_rows=10, lease_seconds=60) == []
    assert db.call_rows("usp_ClaimQueueRows", worker_id="w-sql", max_rows=10, lease_seconds=60) == []
    db.call("usp_ApproveBatch", batch_id=rb)
    assert batch_row(db, rb)["send_approved"] == "Y" and batch_row(db, rb)["batch_status"] == "READY"
    claimed = db.call_rows("usp_ClaimQueueRows", worker_id="w-sql", batch_id=rb, max_rows=10, lease_seconds=60)
    assert claimed and {r["batch_id"] for r in claimed} == {rb}
    db.call("usp_ReleaseLease", worker_id="w-sql")
    db.call("usp_ApproveBatch", batch_id=rb, approved="N")  # held back again: previewed only
    assert batch_row(db, rb)["send_approved"] == "N"
    log = db.query("SELECT outcome FROM dbo.MON_RunLog WHERE proc_name = 'usp_ApproveBatch'")
    assert [r["outcome"] for r in log] == ["SUCCEEDED", "SUCCEEDED"]


def test_rollback_staged_approved_in_one_call(db, board):
    sent_update_batch(db)
    res = db.call("usp_StageRollback", outputs={"rollback_batch_id": "varchar(50)"}, batch_id="B1",
                  reason="now", send_approved="Y")
    assert batch_row(db, res.outputs["rollback_batch_id"])["send_approved"] == "Y"


def test_approval_errors_are_numbered_and_change_nothing(db, board):
    sent_update_batch(db)
    expect_error(50709, db.call, "usp_StageRollback", batch_id="B1", reason="x", send_approved="maybe")
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateBatch WHERE rollback_of_batch_id = 'B1'") == 0
    expect_error(50720, db.call, "usp_ApproveBatch", batch_id=" ")
    expect_error(50723, db.call, "usp_ApproveBatch", batch_id="B1", approved="X")
    expect_error(50721, db.call, "usp_ApproveBatch", batch_id="NO-SUCH-BATCH")
    expect_error(50722, db.call, "usp_ApproveBatch", batch_id="B1")  # COMPLETED: nothing to approve
    assert batch_row(db, "B1")["send_approved"] == "Y"
