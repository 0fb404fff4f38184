"""Contract tests of the send queue: claim with a lease, extend and release leases, fenced results,
retry backoff, DEAD after the last attempt, batch status transitions and per-cell audit rows."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.contract.queue_helpers import (
    BOARD,
    OTHER_BOARD,
    audit_rows,
    batch_row,
    cells,
    claim,
    db_now,
    expect_error,
    json_of,
    make_batch,
    make_board,
    past,
    queue_row,
    record,
    run_threads,
    sent_cells,
    snapshot,
)

CLAIM_COLUMNS = {
    "queue_id", "batch_id", "board_id", "target_level", "update_operation", "monday_item_id", "parent_item_id",
    "group_id", "item_name", "column_values", "expected_values", "create_labels_if_missing", "idempotency_key",
    "attempt_count", "max_attempts", "created_item_id", "lease_expires_at", "was_expired",
}


@pytest.fixture
def board(db):
    make_board(db)
    return BOARD


# -- claim ---------------------------------------------------------------------------------------------


def test_claim_returns_contract_columns_in_queue_order_and_moves_batch_to_sending(db, board):
    ids = make_batch(db, "B1", 5)
    before = db_now(db)
    rows = claim(db, "w1", batch_id="B1", max_rows=3, lease_seconds=120)

    assert set(rows[0]) == CLAIM_COLUMNS
    assert [r["queue_id"] for r in rows] == ids[:3]
    r = rows[0]
    assert r["batch_id"] == "B1" and r["board_id"] == BOARD and r["target_level"] == "ITEMS"
    assert r["update_operation"] == "UPDATE" and r["monday_item_id"] == 1001
    assert json.loads(r["column_values"]) == {"order_status": {"label": "In Progress"}, "notes": "row 1"}
    assert r["idempotency_key"] == "B1-1"
    assert r["attempt_count"] == 1 and r["max_attempts"] == 8
    assert r["was_expired"] == "N"
    assert before + timedelta(seconds=115) <= r["lease_expires_at"] <= before + timedelta(seconds=125)

    q = queue_row(db, ids[0])
    assert q["queue_status"] == "CLAIMED" and q["lease_owner"] == "w1" and q["claimed_at"] is not None
    assert queue_row(db, ids[3])["queue_status"] == "READY"
    b = batch_row(db, "B1")
    assert b["batch_status"] == "SENDING" and b["send_started_at"] is not None


def test_claim_takes_rows_of_one_board_only(db, board):
    make_board(db, OTHER_BOARD, "Other")
    a = make_batch(db, "BA", 3, board_id=BOARD)
    b = make_batch(db, "BB", 3, board_id=OTHER_BOARD, first_item=5000)
    first = claim(db, "w1", max_rows=10)
    assert [r["queue_id"] for r in first] == a
    assert {r["board_id"] for r in first} == {BOARD}
    second = claim(db, "w1", max_rows=10)
    assert [r["queue_id"] for r in second] == b
    assert claim(db, "w1", max_rows=10) == []


def test_claim_filters_by_board(db, board):
    make_board(db, OTHER_BOARD, "Other")
    make_batch(db, "BA", 2, board_id=BOARD)
    b = make_batch(db, "BB", 2, board_id=OTHER_BOARD, first_item=5000)
    rows = claim(db, "w1", board_id=OTHER_BOARD)
    assert [r["queue_id"] for r in rows] == b


def test_claim_skips_rows_not_visible_yet(db, board):
    ids = make_batch(db, "B1", 2)
    db.execute("UPDATE dbo.MON_UpdateQueue SET visible_after = ? WHERE queue_id = ?",
               (db_now(db) + timedelta(minutes=5), ids[0]))
    rows = claim(db, "w1", max_rows=10)
    assert [r["queue_id"] for r in rows] == [ids[1]]


def test_live_lease_is_not_claimed_by_another_worker(db, board):
    make_batch(db, "B1", 2)
    assert len(claim(db, "w1", batch_id="B1")) == 2
    assert claim(db, "w2", batch_id="B1") == []


def test_two_connections_claiming_the_same_batch_never_get_the_same_row(db, db_factory, board):
    """Four workers drain one batch at once. A worker whose claim comes back empty while rows are still READY
    claims again: on SQL Server READPAST skips the rows another claim holds, and on an engine where a claim
    waits for them instead (readpast-ignored) the waiting claim finds them taken and returns none."""
    ids = make_batch(db, "BR", 300)
    workers = [db_factory() for _ in range(4)]

    def drain(conn, name):
        got = []
        for _ in range(2000):  # a bound, so that a claim that never succeeds fails the test instead of hanging it
            rows = claim(conn, name, batch_id="BR", max_rows=7)
            got.extend(r["queue_id"] for r in rows)
            if not rows and not conn.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateQueue "
                                             "WHERE batch_id = 'BR' AND queue_status = 'READY'"):
                return got
        raise AssertionError(f"{name} still found READY rows it could not claim")

    results = run_threads([lambda c=c, i=i: drain(c, f"w{i}") for i, c in enumerate(workers)])
    flat = [q for got in results for q in got]
    assert len(flat) == len(set(flat)), "a row was claimed twice"
    assert sorted(flat) == ids
    assert sum(1 for got in results if got) >= 2, "only one connection got rows: no real race"
    owners = db.query("SELECT lease_owner, COUNT(*) AS n FROM dbo.MON_UpdateQueue WHERE batch_id = 'BR' "
                      "AND queue_status = 'CLAIMED' GROUP BY lease_owner")
    assert sum(o["n"] for o in owners) == 300
    for i, got in enumerate(results):
        assert all(queue_row(db, q)["lease_owner"] == f"w{i}" for q in got[:3])


def test_expired_lease_makes_the_row_claimable_again_and_fences_the_old_worker(db, board):
    ids = make_batch(db, "B1", 1)
    claim(db, "w1", batch_id="B1", lease_seconds=1)
    db.execute("UPDATE dbo.MON_UpdateQueue SET lease_expires_at = ? WHERE queue_id = ?", (past(db), ids[0]))

    rows = claim(db, "w2", batch_id="B1")
    assert [r["queue_id"] for r in rows] == ids
    assert rows[0]["was_expired"] == "Y" and rows[0]["attempt_count"] == 2
    assert queue_row(db, ids[0])["lease_owner"] == "w2"

    before = snapshot(db, "B1")
    exc = expect_error(50606, record, db, ids[0], "w1", "SENT", cells=cells(("notes", "a", "b")))
    assert "not claimed by 'w1'" in exc.message and "w2" in exc.message
    assert snapshot(db, "B1") == before

    record(db, ids[0], "w2", "SENT", cells=cells(("notes", "a", "b")))
    assert queue_row(db, ids[0])["queue_status"] == "SENT"


def test_expired_lease_on_the_last_attempt_goes_dead_instead_of_being_claimed(db, board):
    ids = make_batch(db, "B1", 1, max_attempts=1)
    claim(db, "w1", batch_id="B1")
    db.execute("UPDATE dbo.MON_UpdateQueue SET lease_expires_at = ? WHERE queue_id = ?", (past(db), ids[0]))
    assert claim(db, "w2", batch_id="B1") == []
    q = queue_row(db, ids[0])
    assert q["queue_status"] == "DEAD" and q["last_error_code"] == "LEASE_EXPIRED" and q["lease_owner"] is None
    assert batch_row(db, "B1")["batch_status"] == "FAILED"


def test_claim_parameter_errors_are_numbered(db, board):
    expect_error(50601, claim, db, "")
    expect_error(50602, claim, db, "w1", max_rows=0)
    expect_error(50603, claim, db, "w1", lease_seconds=0)
    exc = expect_error(50601, claim, db, None, max_rows=5000)
    assert "p_max_rows" in exc.message or "@max_rows" in exc.message  # every problem in one message


def test_claim_writes_a_run_log_row(db, board):
    make_batch(db, "B1", 2)
    claim(db, "w1", batch_id="B1")
    log = db.query("SELECT * FROM dbo.MON_RunLog WHERE proc_name = 'usp_ClaimQueueRows'")
    assert len(log) == 1
    assert log[0]["outcome"] == "SUCCEEDED" and log[0]["rows_affected"] == 2 and log[0]["end_time"] is not None
    assert "w1" in log[0]["parameters_used"]


def test_help_prints_and_claims_nothing(db, board):
    make_batch(db, "B1", 2)
    assert db.call_rows("usp_ClaimQueueRows", worker_id="w1", help="Y") == []
    assert queue_row(db, make_ids(db, "B1")[0])["queue_status"] == "READY"
    res = db.call("usp_RecordSendResult", help="Y")
    text = "\n".join(res.messages)
    assert "outcome" in text and "RETRY" in text and "Example" in text
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_RunLog") == 0


def make_ids(db, batch_id):
    return [r["queue_id"] for r in db.query(
        "SELECT queue_id FROM dbo.MON_UpdateQueue WHERE batch_id = ? ORDER BY queue_id", (batch_id,))]


# -- leases --------------------------------------------------------------------------------------------


def test_extend_lease_extends_only_the_workers_rows(db, board):
    ids = make_batch(db, "B1", 3)
    claim(db, "w1", batch_id="B1", max_rows=2, lease_seconds=10)
    claim(db, "w2", batch_id="B1", max_rows=1, lease_seconds=10)
    now = db_now(db)
    res = db.call("usp_ExtendLease", outputs={"extended": "int"}, worker_id="w1",
                  queue_ids=json.dumps(ids), lease_seconds=600)
    assert res.outputs["extended"] == 2
    assert queue_row(db, ids[0])["lease_expires_at"] >= now + timedelta(seconds=590)
    assert queue_row(db, ids[2])["lease_expires_at"] <= now + timedelta(seconds=15)
    res = db.call("usp_ExtendLease", outputs={"extended": "int"}, worker_id="w3",
                  queue_ids=json.dumps(ids), lease_seconds=600)
    assert res.outputs["extended"] == 0


def test_extend_lease_refuses_a_bad_id_list(db, board):
    expect_error(50604, db.call, "usp_ExtendLease", outputs={"extended": "int"}, worker_id="w1",
                 queue_ids="41, 42", lease_seconds=60)
    expect_error(50604, db.call, "usp_ExtendLease", outputs={"extended": "int"}, worker_id="w1",
                 queue_ids='[{"id": 1}]', lease_seconds=60)


def test_release_lease_puts_rows_back_without_counting_the_attempt(db, board):
    ids = make_batch(db, "B1", 3)
    claim(db, "w1", batch_id="B1", max_rows=3)
    res = db.call("usp_ReleaseLease", outputs={"released": "int"}, worker_id="w1", queue_ids=json.dumps(ids[:2]))
    assert res.outputs["released"] == 2
    q = queue_row(db, ids[0])
    assert q["queue_status"] == "READY" and q["attempt_count"] == 0 and q["lease_owner"] is None
    assert queue_row(db, ids[2])["queue_status"] == "CLAIMED"
    assert [r["queue_id"] for r in claim(db, "w2", batch_id="B1")] == ids[:2]
    # NULL ids: every row the worker holds
    res = db.call("usp_ReleaseLease", outputs={"released": "int"}, worker_id="w1")
    assert res.outputs["released"] == 1
    assert queue_row(db, ids[2])["queue_status"] == "READY"


def test_release_lease_puts_a_batch_with_nothing_sent_back_to_ready(db, board):
    """N5 (token refused): claimed, then every row given back before anything was sent: the batch is READY
    again, not SENDING; while a row is still claimed, or once one was answered, it stays SENDING."""
    ids = make_batch(db, "B1", 3)
    claim(db, "w1", batch_id="B1", max_rows=2)
    claim(db, "w2", batch_id="B1", max_rows=1)
    assert batch_row(db, "B1")["batch_status"] == "SENDING"
    db.call("usp_ReleaseLease", outputs={"released": "int"}, worker_id="w1")
    assert batch_row(db, "B1")["batch_status"] == "SENDING"  # w2 still holds a row
    res = db.call("usp_ReleaseLease", outputs={"released": "int"}, worker_id="w2", queue_ids=json.dumps(ids))
    assert res.outputs["released"] == 1
    assert batch_row(db, "B1")["batch_status"] == "READY"
    assert [r["queue_id"] for r in claim(db, "w3", batch_id="B1", max_rows=3)] == ids
    assert batch_row(db, "B1")["batch_status"] == "SENDING"

    # one row answered by monday (SENT): giving the others back leaves the batch SENDING
    ids2 = make_batch(db, "B2", 2, first_item=2000)
    rows = claim(db, "w4", batch_id="B2", max_rows=2)
    record(db, rows[0]["queue_id"], "w4", "SENT", cells=cells(("status", None, '{"index":1}')))
    db.call("usp_ReleaseLease", outputs={"released": "int"}, worker_id="w4", queue_ids=json.dumps(ids2))
    assert batch_row(db, "B2")["batch_status"] == "SENDING"
    assert queue_row(db, ids2[1])["queue_status"] == "READY"


# -- results -------------------------------------------------------------------------------------------


def test_sent_writes_one_audit_row_per_cell_and_completes_the_batch(db, board):
    ids = make_batch(db, "B1", 2)
    claim(db, "w1", batch_id="B1")
    record(db, ids[0], "w1", "SENT",
           cells=sent_cells(("order_status", {"index": 0}, {"label": "In Progress"}), ("notes", None, "row 1")),
           result_detail='{"request_id": "r-1"}')
    a = audit_rows(db, "B1")
    assert [(x["column_id"], json_of(x["old_value"]), json_of(x["new_value"])) for x in a] == [
        ("order_status", {"index": 0}, {"label": "In Progress"}), ("notes", None, "row 1")]
    assert all(x["update_operation"] == "UPDATE" and x["monday_item_id"] == 1001 and x["monday_board_id"] == BOARD
               and x["queue_id"] == ids[0] and x["worker_id"] == "w1" and x["rollback_timestamp"] is None for x in a)
    q = queue_row(db, ids[0])
    assert q["queue_status"] == "SENT" and q["lease_owner"] is None and q["completed_at"] is not None
    assert q["result_detail"] == '{"request_id": "r-1"}'
    assert batch_row(db, "B1")["batch_status"] == "SENDING"

    record(db, ids[1], "w1", "SKIPPED")
    assert len(audit_rows(db, "B1")) == 2
    b = batch_row(db, "B1")
    assert b["batch_status"] == "COMPLETED" and b["completed_at"] is not None


def test_failed_rows_make_the_batch_partial_or_failed(db, board):
    ids = make_batch(db, "BP", 2)
    claim(db, "w1", batch_id="BP")
    record(db, ids[0], "w1", "SENT", cells=cells(("notes", "a", "b")))
    record(db, ids[1], "w1", "FAILED", error_code="ColumnValueException", error_message="invalid value")
    q = queue_row(db, ids[1])
    assert q["queue_status"] == "FAILED" and q["last_error_code"] == "ColumnValueException"
    assert q["last_error"] == "invalid value"
    assert batch_row(db, "BP")["batch_status"] == "PARTIAL"

    ids = make_batch(db, "BF", 2, first_item=3000)
    claim(db, "w1", batch_id="BF")
    record(db, ids[0], "w1", "FAILED", error_code="InvalidColumnIdException", error_message="no such column")
    assert batch_row(db, "BF")["batch_status"] == "SENDING"
    record(db, ids[1], "w1", "SKIPPED")
    assert batch_row(db, "BF")["batch_status"] == "FAILED"


def test_retry_waits_for_a_backoff_computed_in_sql(db, board):
    ids = make_batch(db, "B1", 1)
    claim(db, "w1", batch_id="B1")
    now = db_now(db)
    record(db, ids[0], "w1", "RETRY", error_code="COMPLEXITY_BUDGET_EXHAUSTED", error_message="budget")
    q = queue_row(db, ids[0])
    assert q["queue_status"] == "READY" and q["attempt_count"] == 1 and q["lease_owner"] is None
    assert q["last_error_code"] == "COMPLEXITY_BUDGET_EXHAUSTED"
    # attempt 1: 5 s
    assert now + timedelta(seconds=4) <= q["visible_after"] <= now + timedelta(seconds=7)
    assert claim(db, "w1", batch_id="B1") == []  # not visible yet

    # attempt 4: 5 * 2^3 = 40 s; monday's shorter wait does not shorten it
    db.execute("UPDATE dbo.MON_UpdateQueue SET visible_after = ?, attempt_count = 3 WHERE queue_id = ?",
               (past(db), ids[0]))
    assert claim(db, "w1", batch_id="B1")[0]["attempt_count"] == 4
    now = db_now(db)
    record(db, ids[0], "w1", "RETRY", error_code="429", error_message="rate", retry_after_seconds=10)
    assert now + timedelta(seconds=38) <= queue_row(db, ids[0])["visible_after"] <= now + timedelta(seconds=43)

    # monday's longer wait wins
    db.execute("UPDATE dbo.MON_UpdateQueue SET visible_after = ? WHERE queue_id = ?", (past(db), ids[0]))
    claim(db, "w1", batch_id="B1")
    now = db_now(db)
    record(db, ids[0], "w1", "RETRY", error_code="429", error_message="rate", retry_after_seconds=600)
    assert now + timedelta(seconds=598) <= queue_row(db, ids[0])["visible_after"] <= now + timedelta(seconds=603)


def test_retry_on_the_last_attempt_is_dead(db, board):
    ids = make_batch(db, "B1", 1, max_attempts=2)
    claim(db, "w1", batch_id="B1")
    record(db, ids[0], "w1", "RETRY", error_code="500", error_message="Internal Server Error")
    assert queue_row(db, ids[0])["queue_status"] == "READY"
    db.execute("UPDATE dbo.MON_UpdateQueue SET visible_after = ? WHERE queue_id = ?", (past(db), ids[0]))
    assert claim(db, "w1", batch_id="B1")[0]["attempt_count"] == 2
    record(db, ids[0], "w1", "RETRY", error_code="500", error_message="Internal Server Error")
    q = queue_row(db, ids[0])
    assert q["queue_status"] == "DEAD" and q["completed_at"] is not None
    assert "attempt 2 of 2" in q["last_error"]
    assert batch_row(db, "B1")["batch_status"] == "FAILED"
    assert claim(db, "w1", batch_id="B1") == []


def test_result_of_a_row_not_claimed_or_claimed_by_another_is_refused(db, board):
    ids = make_batch(db, "B1", 2)
    claim(db, "w1", batch_id="B1", max_rows=1)
    before = snapshot(db, "B1")
    expect_error(50606, record, db, ids[0], "w2", "SENT", cells=cells(("notes", "a", "b")))
    expect_error(50606, record, db, ids[1], "w1", "FAILED", error_message="x")  # READY, not claimed
    assert snapshot(db, "B1") == before
    expect_error(50605, record, db, 999999, "w1", "SENT")
    failed = db.query("SELECT error_number FROM dbo.MON_RunLog WHERE proc_name = 'usp_RecordSendResult' "
                      "AND outcome = 'FAILED' ORDER BY run_id")
    assert [r["error_number"] for r in failed] == [50606, 50606, 50605]


def test_result_parameter_errors_are_numbered_and_change_nothing(db, board):
    ids = make_batch(db, "B1", 1)
    claim(db, "w1", batch_id="B1")
    before = snapshot(db, "B1")
    expect_error(50607, record, db, ids[0], "w1", "DONE")
    expect_error(50608, record, db, ids[0], "w1", "SENT", cells='{"column_id": "notes"}')
    expect_error(50608, record, db, ids[0], "w1", "SENT", cells='[{"old_value": 1}]')
    expect_error(50608, record, db, ids[0], "w1", "SENT", cells=cells(("notes", "a", "b"), ("notes", "b", "c")))
    expect_error(50612, record, db, ids[0], "w1", "RETRY", retry_after_seconds=-1)
    expect_error(50601, record, db, ids[0], "", "SENT")
    assert snapshot(db, "B1") == before


def test_created_item_is_recorded_before_the_result_and_audited(db, board):
    ids = make_batch(db, "BC", 2, operation="CREATE")
    rows = claim(db, "w1", batch_id="BC")
    assert rows[0]["update_operation"] == "CREATE" and rows[0]["item_name"] == "New item 1"
    expect_error(50606, db.call, "usp_RecordCreatedItem", queue_id=ids[0], worker_id="w2", created_item_id=77)
    db.call("usp_RecordCreatedItem", queue_id=ids[0], worker_id="w1", created_item_id=777)
    db.call("usp_RecordCreatedItem", queue_id=ids[0], worker_id="w1", created_item_id=777)  # same id again: fine
    assert queue_row(db, ids[0])["created_item_id"] == 777
    expect_error(50610, db.call, "usp_RecordCreatedItem", queue_id=ids[0], worker_id="w1", created_item_id=778)

    # a crash now: the next claim sees the created item and does not create it again
    db.execute("UPDATE dbo.MON_UpdateQueue SET lease_expires_at = ? WHERE queue_id = ?", (past(db), ids[0]))
    again = claim(db, "w2", batch_id="BC", max_rows=1)
    assert again[0]["created_item_id"] == 777 and again[0]["was_expired"] == "Y"
    record(db, ids[0], "w2", "SENT", cells=cells(("notes", None, "row 1")))
    a = audit_rows(db, "BC")
    assert {(x["column_id"], x["old_value"], x["new_value"]) for x in a} == {
        ("notes", None, "row 1"), ("name", None, "New item 1")}
    assert {x["monday_item_id"] for x in a} == {777} and {x["update_operation"] for x in a} == {"CREATE"}

    expect_error(50609, record, db, ids[1], "w1", "SENT")  # a CREATE needs the created item id
    record(db, ids[1], "w1", "SENT", created_item_id=778)
    assert queue_row(db, ids[1])["created_item_id"] == 778
    assert batch_row(db, "BC")["batch_status"] == "COMPLETED"


# -- preview -------------------------------------------------------------------------------------------


def test_preview_replaces_the_rows_of_the_queue_row_and_changes_nothing_else(db, board):
    ids = make_batch(db, "B1", 2)
    q_before = db.query("SELECT * FROM dbo.MON_UpdateQueue ORDER BY queue_id")
    db.call("usp_RecordPreview", batch_id="B1", queue_id=ids[0], cells=json.dumps([
        {"column_id": "order_status", "current_value": '{"index":0}', "current_text": "Working on it",
         "new_value": '{"label":"In Progress"}', "would_change": "Y"},
        {"column_id": "notes", "current_value": '"row 1"', "current_text": "row 1", "would_change": "N"},
    ]))
    rows = db.query("SELECT * FROM dbo.MON_UpdatePreview WHERE queue_id = ? ORDER BY column_id", (ids[0],))
    assert [(r["column_id"], r["current_text"], r["would_change"]) for r in rows] == [
        ("notes", "row 1", "N"), ("order_status", "Working on it", "Y")]
    assert rows[0]["new_value"] == "row 1"  # taken from the queue row's column_values
    assert rows[1]["monday_item_id"] == 1001 and rows[1]["batch_id"] == "B1"

    db.call("usp_RecordPreview", batch_id="B1", queue_id=ids[0], cells=json.dumps([
        {"column_id": "notes", "current_value": "x", "current_text": "x", "new_value": "x"},
    ]))
    rows = db.query("SELECT * FROM dbo.MON_UpdatePreview WHERE queue_id = ?", (ids[0],))
    assert [(r["column_id"], r["would_change"]) for r in rows] == [("notes", "N")]  # computed: equal values
    db.call("usp_RecordPreview", batch_id="B1", queue_id=ids[1], cells=json.dumps([
        {"column_id": "notes", "current_value": "x", "new_value": "y"}]))
    assert db.scalar("SELECT would_change FROM dbo.MON_UpdatePreview WHERE queue_id = ?", (ids[1],)) == "Y"
    # computed exactly: a change of case or of trailing spaces, or from empty, is a change
    for current, new in (("Row 1", "row 1"), ("x", "x "), (None, "x")):
        db.call("usp_RecordPreview", batch_id="B1", queue_id=ids[1], cells=json.dumps([
            {"column_id": "notes", "current_value": current, "new_value": new}]))
        assert db.scalar("SELECT would_change FROM dbo.MON_UpdatePreview WHERE queue_id = ?", (ids[1],)) == "Y", (
            current, new)
    assert db.query("SELECT * FROM dbo.MON_UpdateQueue ORDER BY queue_id") == q_before
    assert batch_row(db, "B1")["batch_status"] == "READY"


def test_preview_refuses_a_row_of_another_batch_and_bad_cells(db, board):
    ids = make_batch(db, "B1", 1)
    make_batch(db, "B2", 1, first_item=3000)
    expect_error(50611, db.call, "usp_RecordPreview", batch_id="B2", queue_id=ids[0], cells="[]")
    expect_error(50608, db.call, "usp_RecordPreview", batch_id="B1", queue_id=ids[0], cells="not json")
    expect_error(50608, db.call, "usp_RecordPreview", batch_id="B1", queue_id=ids[0],
                 cells='[{"column_id": "notes", "would_change": "maybe"}]')
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdatePreview") == 0
