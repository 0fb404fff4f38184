"""Contract tests of the sender's pre-images and the cells held back as changed since the dry run
(usp_RecordPreImage, dbo.vw_MON_PreImage, dbo.vw_MON_HeldBackCells), engine-neutral: the pre-image is
written by the lease owner only and kept apart from the dry-run preview (review finding D6), so a dry run
during a send cannot replace it; the held-back cells keep both values."""

from __future__ import annotations

import pytest

from sender import values as V
from tests.contract.queue_helpers import (
    BOARD,
    claim,
    expect_error,
    json_of,
    make_batch,
    make_board,
    record,
    sent_cells,
)


@pytest.fixture
def board(db):
    make_board(db)
    return BOARD


def _pre_image(cur, held: str = "N", preview=None, preview_text: str | None = None) -> str:
    """The cells of a pre-image as the sender gives them: each value inside a one-element array."""
    cell = {"column_id": "order_status", "current_value": V.carried(cur), "current_text": "t",
            "new_value": V.carried({"index": 2}), "would_change": "N" if held == "Y" else "Y", "held": held}
    if held == "Y":
        cell.update(preview_value=V.carried(preview), preview_text=preview_text)
    return V.dumps([cell, {"column_id": "notes", "current_value": V.carried("a"), "current_text": "a",
                           "new_value": V.carried("b"), "would_change": "Y", "held": "N"}])


def _pre(db, queue_id):
    return db.query("SELECT column_id, current_value, would_change, worker_id FROM dbo.vw_MON_PreImage "
                    "WHERE queue_id = ? ORDER BY column_id", (queue_id,))


def test_a_dry_run_during_a_send_does_not_replace_the_pre_image(db, board):
    ids = make_batch(db, "B1", 1)
    claim(db, "w1", batch_id="B1")
    db.call("usp_RecordPreImage", queue_id=ids[0], worker_id="w1", cells=_pre_image({"index": 0}))
    before = _pre(db, ids[0])
    assert [(r["column_id"], json_of(r["current_value"]), r["would_change"], r["worker_id"]) for r in before] == [
        ("notes", "a", "Y", "w1"), ("order_status", {"index": 0}, "Y", "w1")]
    # a dry run of the same row now (the board already holds the new values) writes the preview only
    db.call("usp_RecordPreview", batch_id="B1", queue_id=ids[0], cells=V.dumps([
        {"column_id": "order_status", "current_value": V.carried({"index": 2}), "new_value": V.carried({"index": 2})}]))
    assert _pre(db, ids[0]) == before
    assert db.scalar("SELECT COUNT(*) FROM dbo.vw_MON_UpdatePreview WHERE queue_id = ?", (ids[0],)) == 1


def test_only_the_lease_owner_writes_a_pre_image(db, board):
    ids = make_batch(db, "B1", 2)
    claim(db, "w1", batch_id="B1", max_rows=1)
    expect_error(50606, db.call, "usp_RecordPreImage", queue_id=ids[0], worker_id="W1", cells=_pre_image(1))
    expect_error(50606, db.call, "usp_RecordPreImage", queue_id=ids[0], worker_id="w1 ", cells=_pre_image(1))
    expect_error(50606, db.call, "usp_RecordPreImage", queue_id=ids[1], worker_id="w1", cells=_pre_image(1))
    expect_error(50605, db.call, "usp_RecordPreImage", queue_id=999999, worker_id="w1", cells=_pre_image(1))
    expect_error(50601, db.call, "usp_RecordPreImage", queue_id=ids[0], worker_id="", cells=_pre_image(1))
    expect_error(50608, db.call, "usp_RecordPreImage", queue_id=ids[0], worker_id="w1", cells="not json")
    expect_error(50608, db.call, "usp_RecordPreImage", queue_id=ids[0], worker_id="w1",
                 cells='[{"column_id": "notes", "held": "maybe"}]')
    expect_error(50608, db.call, "usp_RecordPreImage", queue_id=ids[0], worker_id="w1",
                 cells='[{"column_id": "notes"}, {"column_id": "notes"}]')
    assert db.scalar("SELECT COUNT(*) FROM dbo.vw_MON_PreImage") == 0
    assert db.scalar("SELECT COUNT(*) FROM dbo.vw_MON_HeldBackCells") == 0


def test_held_back_cells_keep_both_values_and_a_later_attempt_replaces_them(db, board):
    ids = make_batch(db, "B1", 1)
    claim(db, "w1", batch_id="B1")
    db.call("usp_RecordPreImage", queue_id=ids[0], worker_id="w1", cells=_pre_image(
        {"index": 1}, held="Y", preview={"index": 0}, preview_text="Working on it"))
    held = db.query("SELECT * FROM dbo.vw_MON_HeldBackCells WHERE batch_id = 'B1'")
    assert [(h["column_id"], json_of(h["preview_value"]), h["preview_text"], json_of(h["board_value"]),
             json_of(h["new_value"]), h["column_title"], h["queue_status"], h["worker_id"]) for h in held] == [
        ("order_status", {"index": 0}, "Working on it", {"index": 1}, {"index": 2}, "Order Status", "CLAIMED",
         "w1")]
    # the rest of the row is sent and recorded; the held cell stays readable with the closed row
    record(db, ids[0], "w1", "SENT", cells=sent_cells(("notes", "a", "b")))
    held = db.query("SELECT column_id, queue_status FROM dbo.vw_MON_HeldBackCells WHERE batch_id = 'B1'")
    assert [(h["column_id"], h["queue_status"]) for h in held] == [("order_status", "SENT")]
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateAudit WHERE batch_id = 'B1'") == 1


def test_a_later_attempt_replaces_the_held_cells_of_the_row(db, board):
    ids = make_batch(db, "B1", 1)
    claim(db, "w1", batch_id="B1")
    db.call("usp_RecordPreImage", queue_id=ids[0], worker_id="w1", cells=_pre_image(
        {"index": 1}, held="Y", preview={"index": 0}, preview_text="Working on it"))
    record(db, ids[0], "w1", "RETRY", error_message="try again")
    db.execute("UPDATE dbo.MON_UpdateQueue SET visible_after = ? WHERE queue_id = ?",
               (db.scalar("SELECT MIN(created_at) FROM dbo.MON_UpdateQueue"), ids[0]))
    assert claim(db, "w2", batch_id="B1")
    db.call("usp_RecordPreImage", queue_id=ids[0], worker_id="w2", cells=_pre_image({"index": 0}))
    assert db.scalar("SELECT COUNT(*) FROM dbo.vw_MON_HeldBackCells WHERE batch_id = 'B1'") == 0
    assert {r["worker_id"] for r in _pre(db, ids[0])} == {"w2"}
