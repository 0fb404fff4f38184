"""Contract tests of the DBA views: batch summary, preview, audit trail, stuck or failed rows."""

from __future__ import annotations

import pytest

from sender import values as V
from tests.contract.queue_helpers import (
    BOARD,
    cells,
    claim,
    json_of,
    make_batch,
    make_board,
    past,
    record,
    sent_cells,
)


@pytest.fixture
def board(db):
    make_board(db)
    return BOARD


def one(rows):
    assert len(rows) == 1, rows
    return rows[0]


def test_batch_summary_counts_the_queue_by_status_and_shows_timings(db, board):
    ids = make_batch(db, "B1", 5)
    make_batch(db, "B2", 1, first_item=3000)
    claim(db, "w1", batch_id="B1", max_rows=4)
    record(db, ids[0], "w1", "SENT", cells=cells(("notes", "a", "b"), ("order_status", None, '{"index":7}')))
    record(db, ids[1], "w1", "SKIPPED")
    record(db, ids[2], "w1", "FAILED", error_message="bad")
    record(db, ids[3], "w1", "RETRY", error_message="429")

    s = one(db.query("SELECT * FROM dbo.vw_MON_BatchSummary WHERE batch_id = 'B1'"))
    assert s["board_name"] == "Planning" and s["update_operation"] == "UPDATE"
    assert s["batch_status"] == "SENDING" and s["rows_queued"] == 5
    assert (s["rows_ready"], s["rows_claimed"], s["rows_sent"], s["rows_skipped"], s["rows_failed"],
            s["rows_dead"], s["rows_cancelled"], s["rows_retrying"]) == (2, 0, 1, 1, 1, 0, 0, 1)
    assert s["cells_audited"] == 2 and s["cells_rolled_back"] == 0
    assert s["released_by"] == "tester" and s["send_started_at"] is not None and s["last_result_at"] is not None
    assert s["completed_at"] is None and s["send_seconds"] is not None and s["send_seconds"] >= 0
    other = one(db.query("SELECT * FROM dbo.vw_MON_BatchSummary WHERE batch_id = 'B2'"))
    assert other["rows_ready"] == 1 and other["send_started_at"] is None and other["send_seconds"] is None


def test_update_preview_joins_column_titles(db, board):
    ids = make_batch(db, "B1", 1)
    db.call("usp_RecordPreview", batch_id="B1", queue_id=ids[0], cells=V.dumps([
        {"column_id": "order_status", "current_value": V.carried({"index": 0}), "current_text": "Working on it",
         "new_value": V.carried({"index": 7}), "would_change": "Y"}]))
    p = one(db.query("SELECT * FROM dbo.vw_MON_UpdatePreview WHERE batch_id = 'B1'"))
    assert (p["column_id"], p["column_title"], p["column_type"]) == ("order_status", "Order Status", "status")
    assert (p["current_text"], json_of(p["new_value"]), p["would_change"]) == ("Working on it", {"index": 7}, "Y")
    assert p["monday_item_id"] == 1001 and p["board_id"] == BOARD and p["queue_status"] == "READY"


def test_audit_trail_shows_before_after_and_rollback(db, board):
    ids = make_batch(db, "B1", 1)
    claim(db, "w1", batch_id="B1")
    record(db, ids[0], "w1", "SENT", cells=sent_cells(("order_status", {"index": 0}, {"index": 7})))
    a = one(db.query("SELECT * FROM dbo.vw_MON_AuditTrail WHERE batch_id = 'B1'"))
    assert (a["column_title"], json_of(a["old_value"]), json_of(a["new_value"])) == (
        "Order Status", {"index": 0}, {"index": 7})
    assert a["board_name"] == "Planning" and a["monday_item_id"] == 1001 and a["worker_id"] == "w1"
    assert a["rolled_back"] == "N" and a["batch_operation"] == "UPDATE"

    rb = db.call("usp_StageRollback", outputs={"rollback_batch_id": "varchar(50)"}, batch_id="B1", send_approved="Y",
                 reason="oops").outputs["rollback_batch_id"]
    (r,) = claim(db, "w1", batch_id=rb)
    record(db, r["queue_id"], "w1", "SENT", cells=sent_cells(("order_status", {"index": 7}, {"index": 0})))
    a = one(db.query("SELECT * FROM dbo.vw_MON_AuditTrail WHERE batch_id = 'B1'"))
    assert a["rolled_back"] == "Y" and a["rollback_reason"] == "oops" and a["rollback_batch_id"] == rb
    back = one(db.query("SELECT * FROM dbo.vw_MON_AuditTrail WHERE batch_id = ?", (rb,)))
    assert back["batch_operation"] == "ROLLBACK" and back["rollback_of_batch_id"] == "B1"
    assert json_of(back["new_value"]) == {"index": 0}


def test_stuck_or_failed_rows_lists_each_problem_once(db, board):
    ids = make_batch(db, "B1", 6, max_attempts=1)
    claim(db, "w1", batch_id="B1", max_rows=3)
    record(db, ids[0], "w1", "FAILED", error_code="ColumnValueException", error_message="invalid label")
    record(db, ids[1], "w1", "RETRY", error_code="500", error_message="boom")  # last attempt: DEAD
    db.execute("UPDATE dbo.MON_UpdateQueue SET lease_expires_at = ? WHERE queue_id = ?", (past(db, 60), ids[2]))
    db.execute("UPDATE dbo.MON_UpdateQueue SET visible_after = ? WHERE queue_id = ?", (past(db, 3600), ids[3]))
    # ids[4]: READY and fresh, ids[5]: READY and fresh: not problems
    rows = db.query("SELECT * FROM dbo.vw_MON_StuckOrFailedRows ORDER BY queue_id")
    assert [(r["queue_id"], r["problem"]) for r in rows] == [
        (ids[0], "FAILED"), (ids[1], "DEAD"), (ids[2], "LEASE_EXPIRED"), (ids[3], "WAITING")]
    assert rows[0]["last_error"] == "invalid label" and rows[0]["suggested_action"]
    assert rows[2]["lease_owner"] == "w1" and rows[2]["seconds_since"] >= 55
    assert rows[3]["seconds_since"] >= 3590

    make_batch(db, "B2", 1, first_item=3000)
    db.execute("UPDATE dbo.MON_UpdateQueue SET visible_after = ? WHERE batch_id = 'B2'", (past(db, 3600),))
    db.call("usp_CancelBatch", batch_id="B2")
    assert db.scalar("SELECT COUNT(*) FROM dbo.vw_MON_StuckOrFailedRows WHERE batch_id = 'B2'") == 0
