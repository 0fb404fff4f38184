"""The promise under real use (PostgreSQL + the monday API double over HTTP): what is approved reaches the
board (a stale loader copy only informs), one cell staged twice with one value is one change, and the
owner's own query reads the loader's rows only, however many batches were staged before."""

from __future__ import annotations

import json

import pytest

from pipelines.scripts.order_staging.update_operations import UpdateOperations

from .conftest import PLANNING, load_loader_rows
from .queue import audit_rows, queue_rows

OWNER_QUERY = (
    "SELECT monday_item_id, 'In Progress' AS order_status FROM STG_MON_CustMasterSchedule "
    "WHERE monday_board_id = 8709134353 AND monday_item_id = {item}"
)


def _ops(db, cfg, double) -> UpdateOperations:
    load_loader_rows(db, double)
    ops = UpdateOperations(PLANNING, config=cfg)
    ops.sync_board()
    return ops


def test_stale_loader_copy_only_informs_and_the_board_gets_the_value(db, cfg, double):
    ops = _ops(db, cfg, double)
    item = double.planning["item_ids"][0]  # loaded and on the board as 'Working on it'
    # a planner moves the item on the board after the loader ran: the loader's copy is a day old
    double.store.change_column_values(PLANNING, item, {"status": {"label": "In Progress"}})
    assert db.scalar("SELECT order_status FROM dbo.STG_MON_CustMasterSchedule WHERE monday_item_id = ? "
                     "AND update_batch_id IS NULL", [item]) == "Working on it"

    batch_id = ops.stage_updates_from_query(
        f"SELECT monday_item_id, 'Working on it' AS order_status FROM STG_MON_CustMasterSchedule "
        f"WHERE monday_board_id = {PLANNING} AND monday_item_id = {item}")
    v = ops.validate_staged_updates(batch_id)
    assert v.rows_warning == 1
    finding = json.loads(db.scalar("SELECT validation_errors FROM dbo.STG_MON_CustMasterSchedule "
                                   "WHERE update_batch_id = ?", [batch_id]))
    assert [f["rule"] for f in finding] == ["NO_OP"]
    assert "loader's copy" in finding[0]["message"] and "live board" in finding[0]["message"]

    sent = ops.process_staged_updates(batch_id, dry_run=False)
    assert sent.batch_status == "COMPLETED"
    assert double.item(item)["texts"]["status"] == "Working on it"  # the staged value reached the board
    assert len(queue_rows(db, batch_id)) == 1 and len(double.mutation_log) == 1
    audit = audit_rows(db, batch_id)
    assert [(a["column_id"], json.loads(a["old_value"])) for a in audit] == [("status", {"index": 3})]


def test_loader_copy_equal_and_board_equal_is_skipped_not_sent(db, cfg, double):
    ops = _ops(db, cfg, double)
    item = double.planning["item_ids"][0]  # 'Working on it' in both the loader's copy and on the board
    batch_id = ops.stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, 'Working on it' AS order_status")
    sent = ops.process_staged_updates(batch_id, dry_run=False)
    assert sent.batch_status == "COMPLETED"
    assert len(double.mutation_log) == 0  # found equal on the board at send time
    assert [q["queue_status"] for q in queue_rows(db, batch_id)] == ["SKIPPED"]
    detail = json.loads(queue_rows(db, batch_id)[0]["result_detail"])
    assert detail["already_equal"] == ["status"]


def test_same_value_duplicates_are_one_change(db, cfg, double):
    ops = _ops(db, cfg, double)
    item, other = double.planning["item_ids"][0], double.planning["item_ids"][1]  # Working on it, Stuck
    batch_id = ops.stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, 'Done' AS order_status UNION ALL "
        f"SELECT {item}, 'Done' UNION ALL SELECT {other}, 'Done' UNION ALL SELECT {other}, 'Done'")
    v = ops.validate_staged_updates(batch_id)
    assert v.rows_invalid == 0, v
    sent = ops.process_staged_updates(batch_id, dry_run=False)
    assert sent.batch_status == "COMPLETED"
    q = queue_rows(db, batch_id)
    assert sorted(r["monday_item_id"] for r in q) == sorted([item, other])  # one queue row per item
    assert len(double.mutation_log) == 2  # one mutation per item
    audit = audit_rows(db, batch_id)
    assert sorted((a["monday_item_id"], a["column_id"], json.loads(a["old_value"])) for a in audit) == sorted([
        (item, "status", {"index": 0}), (other, "status", {"index": 2})])  # the board's values before


def test_rows_of_one_item_merge_into_one_queue_row(db, cfg, double):
    ops = _ops(db, cfg, double)
    item = double.planning["item_ids"][0]
    batch_id = ops.stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, 'Done' AS order_status, NULL AS customer_name UNION ALL "
        f"SELECT {item}, NULL, 'Acme Corp'")
    # NULL clears: row 1 clears customer_name and row 2 sets it -> a conflict, the batch refuses both
    v = ops.validate_staged_updates(batch_id)
    assert v.rows_invalid == 2
    batch_id = ops.stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, 'Done' AS order_status UNION ALL "
        f"SELECT {item} AS monday_item_id, 'Done' AS order_status")
    ops.release_batch(batch_id)
    q = queue_rows(db, batch_id)
    assert len(q) == 1 and json.loads(q[0]["column_values"]) == {"status": {"index": 1}}
    assert q[0]["idempotency_key"] == f"{batch_id}-1"


def test_different_values_stay_a_conflict(db, cfg, double):
    ops = _ops(db, cfg, double)
    item = double.planning["item_ids"][0]
    batch_id = ops.stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, 'Done' AS order_status UNION ALL SELECT {item}, 'Stuck'")
    v = ops.validate_staged_updates(batch_id)
    assert v.rows_invalid == 2
    rules = {e["rule_code"] for e in v.errors}
    assert rules == {"DUPLICATE_CONFLICT"}


def test_owner_query_staged_twice_reads_the_loader_row_only(db, cfg, double):
    ops = _ops(db, cfg, double)
    item = double.planning["item_ids"][0]
    first = ops.stage_updates_from_query(OWNER_QUERY.format(item=item))
    second = ops.stage_updates_from_query(OWNER_QUERY.format(item=item))
    third = ops.stage_updates_from_query(OWNER_QUERY.format(item=item))
    for b in (first, second, third):
        assert db.scalar("SELECT COUNT(*) FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id = ?", [b]) == 1
    assert len(db.query(OWNER_QUERY.format(item=item))) == 1  # the loader's row, not the staged copies
    # the staged rows say where they go through their batch, not through a copy of the loader's key
    row = db.query("SELECT s.monday_board_id, b.board_id FROM dbo.STG_MON_CustMasterSchedule s "
                   "JOIN dbo.MON_UpdateBatch b ON b.batch_id = s.update_batch_id WHERE s.update_batch_id = ?",
                   [third])[0]
    assert row == {"monday_board_id": None, "board_id": PLANNING}
    sent = ops.process_staged_updates(third, dry_run=False)
    assert sent.batch_status == "COMPLETED"
    assert double.item(item)["texts"]["status"] == "In Progress"


def test_numeric_label_is_created_as_that_label(db, cfg, double):
    ops = _ops(db, cfg, double)
    item = double.planning["item_ids"][0]
    batch_id = ops.stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, '2031' AS order_status, '2031, Urgent' AS dropdown",
        create_labels_if_missing=True)
    ops.release_batch(batch_id)
    q = queue_rows(db, batch_id)[0]
    values = json.loads(q["column_values"])
    assert values["status"] == {"label": "2031"}  # the form monday reads as label text, never an index
    assert values["dropdown"] == {"labels": ["2031", "Urgent"]}
    sent = ops.process_staged_updates(batch_id, dry_run=False)
    assert sent.batch_status == "COMPLETED", sent.report
    texts = double.item(item)["texts"]
    assert texts["status"] == "2031" and texts["dropdown"] == "2031, Urgent"


def test_normalised_label_and_alias_matches_warn_naming_both(db, cfg, double):
    ops = _ops(db, cfg, double)
    a, b, c = double.planning["item_ids"][0], double.planning["item_ids"][1], double.planning["item_ids"][2]
    batch_id = ops.stage_updates_from_query(
        f"SELECT {a} AS monday_item_id, 'In Progress ' AS order_status, 'urgent, Retail' AS dropdown UNION ALL "
        f"SELECT {b}, 'in progress', 'Urgent' UNION ALL SELECT {c}, 'In Progress', 'Retail'")
    rows = db.query("SELECT update_row_no, validation_status, validation_errors FROM dbo.STG_MON_CustMasterSchedule "
                    "WHERE update_batch_id = ? ORDER BY update_row_no", [batch_id])
    found = [{(e["rule"], e["column"]): e["message"] for e in json.loads(r["validation_errors"])} for r in rows]
    assert [r["validation_status"] for r in rows] == ["WARNING", "WARNING", "VALID"]
    assert "'In Progress ' -> 'In Progress'" in found[0][("LABEL_NORMALISED", "order_status")]
    assert "'urgent' -> 'Urgent'" in found[0][("LABEL_NORMALISED", "dropdown")]
    assert "-> 'Retail'" not in found[0][("LABEL_NORMALISED", "dropdown")]  # matched exactly: not named
    assert "'in progress' -> 'In Progress'" in found[1][("LABEL_NORMALISED", "order_status")]
    assert set(found[1]) == {("LABEL_NORMALISED", "order_status")} and found[2] == {}

    punct = ops.stage_updates_from_query(f"SELECT {a} AS monday_item_id, 'Done' AS \"order]status\"")
    errs = json.loads(db.scalar("SELECT validation_errors FROM dbo.STG_MON_CustMasterSchedule "
                                "WHERE update_batch_id = ?", [punct]))
    assert [(e["rule"], e["severity"]) for e in errs] == [("ALIAS_NORMALISED", "WARNING")]
    assert "'order]status'" in errs[0]["message"] and "status (Order Status)" in errs[0]["message"]
    sent = ops.process_staged_updates(punct, dry_run=False)
    assert sent.batch_status == "COMPLETED" and double.item(a)["texts"]["status"] == "Done"
    sent = ops.process_staged_updates(batch_id, dry_run=False)
    assert sent.batch_status == "COMPLETED"
    assert double.item(a)["texts"]["dropdown"] == "Urgent, Retail" and double.item(b)["texts"]["status"] == "In Progress"


@pytest.mark.engine_gap("json-fragment-spacing")
def test_overlapping_batches_are_named_and_sent_in_release_order(db, cfg, double):
    from sender.send import Sender

    ops = _ops(db, cfg, double)
    item = double.planning["item_ids"][0]  # 'Working on it'
    staged_first = ops.stage_updates_from_query(f"SELECT {item} AS monday_item_id, 'Stuck' AS order_status")
    first = ops.stage_updates_from_query(f"SELECT {item} AS monday_item_id, 'Done' AS order_status")
    ops.release_batch(first)
    second = ops.stage_updates_from_query(f"SELECT {item} AS monday_item_id, 'In Progress' AS order_status")
    errs = json.loads(db.scalar("SELECT validation_errors FROM dbo.STG_MON_CustMasterSchedule "
                                "WHERE update_batch_id = ?", [second]))
    assert [(e["rule"], e["severity"]) for e in errs] == [("OVERLAP_BATCH", "WARNING")]
    assert f"batch {first} ({{\"index\":1}})" in errs[0]["message"]
    ops.release_batch(second)  # WARNING rows are released, as documented
    preview = ops.process_staged_updates(second)  # the dry run names the other batch too
    assert "OVERLAP_BATCH" in preview.report and first in preview.report
    # sending the later batch alone sends nothing while the earlier one is open
    alone = ops.process_staged_updates(second, dry_run=False)
    assert double.mutation_log == [] and alone.batch_status == "READY"
    # the batch staged first but released last is sent last
    ops.validate_staged_updates(staged_first)
    ops.release_batch(staged_first)
    run = Sender(cfg, dry_run=False).run()
    assert {b.status_after for b in run.batches.values()} == {"COMPLETED"}
    assert double.item(item)["texts"]["status"] == "Stuck"
    audits = [a for b in (first, second, staged_first) for a in audit_rows(db, b)]
    assert [(a["batch_id"], json.loads(a["old_value"]), json.loads(a["new_value"])) for a in audits] == [
        (first, {"index": 0}, {"index": 1}), (second, {"index": 1}, {"index": 3}),
        (staged_first, {"index": 3}, {"index": 2})]
    assert audits[0]["update_timestamp"] <= audits[1]["update_timestamp"] <= audits[2]["update_timestamp"]
