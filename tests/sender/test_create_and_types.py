"""CREATE of items and subitems with column values; UPDATE of every column type the SQL core formats."""

from __future__ import annotations

import pytest

from sender import exitcodes
from sender.operations import UpdateOperations
from sender.send import Sender

from .conftest import PLANNING, PLANNING_SUB, load_loader_rows, make_config
from .queue import audit_rows, queue_rows, released_batch


def _require(db, routine: str) -> None:
    if not db.scalar("SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = 'dbo' "
                     "AND routine_name = ?", [routine.lower()]):
        pytest.skip(f"{routine} is not installed yet")


# ---------------------------------------------------------------------------------------------- staged

def test_update_every_column_type(db, cfg, double):
    """Raw SQL values -> fn_MON_FormatColumnValue -> the queue -> monday: each type lands as intended."""
    _require(db, "usp_StageUpdates")
    load_loader_rows(db, double)
    item = double.planning["item_ids"][2]  # "Order 1003 - Initech": most cells empty
    ops = UpdateOperations(PLANNING, config=cfg)
    ops.sync_board(with_items=True)
    query = (
        "SELECT monday_item_id, 'Done' AS order_status, '2026-07-04' AS due_date, '12.5' AS quantity, "
        "'ben@example.com' AS owner, 'buyer@initech.example Initech Buyer' AS customer_email, "
        "'+447911123456 GB' AS phone, 'https://initech.example/o/1003 Order page' AS link, 'yes' AS approved, "
        "'2026-07-01/2026-07-31' AS timeline, '08:15' AS start_hour, '3' AS priority_rating, 'DE Germany' AS country, "
        "'Ship in two parts' AS notes, 'Retail, Sample' AS tags, 'Initech LLC' AS customer_name, "
        "N'SO-1003-Ü' AS order_number "
        f"FROM STG_MON_CustMasterSchedule WHERE monday_item_id = {item}"
    )
    batch_id = ops.stage_updates_from_query(query)
    v = ops.validate_staged_updates(batch_id)
    assert v.rows_invalid == 0, v.errors
    result = ops.process_staged_updates(batch_id, dry_run=False)
    assert result.exit_code == exitcodes.OK, result.report
    texts = double.item(item)["texts"]
    assert texts["status"] == "Done"
    assert texts["date4"] == "2026-07-04"
    assert texts["numbers"] == "12.5"
    assert texts["person"] == "Ben Buyer"
    assert texts["email"] == "Initech Buyer - buyer@initech.example"
    assert texts["phone"] == "+447911123456"
    assert texts["link"] == "Order page - https://initech.example/o/1003"
    assert texts["checkbox"] == "v"
    assert texts["timeline"] == "2026-07-01 - 2026-07-31"
    assert texts["hour"] == "08:15"
    assert texts["rating"] == "3"
    assert texts["country"] == "Germany"
    assert texts["long_text"] == "Ship in two parts"
    assert texts["dropdown"] == "Retail, Sample"
    assert texts["text"] == "Initech LLC"
    assert texts["text0"] == "SO-1003-Ü"
    audited = {a["column_id"] for a in audit_rows(db, batch_id)}
    assert audited >= {"status", "date4", "numbers", "person", "email", "phone", "link", "checkbox", "timeline",
                       "hour", "rating", "country", "long_text", "dropdown", "text", "text0"}
    # sending the same values again: everything is already equal, nothing is sent
    again = ops.stage_updates_from_query(query)
    before = len(double.mutation_log)
    second = ops.process_staged_updates(again, dry_run=False)
    assert second.exit_code == exitcodes.OK
    assert len(double.mutation_log) == before


def test_create_items_and_subitems_staged(db, cfg, double):
    _require(db, "usp_StageUpdates")
    ops = UpdateOperations(PLANNING, config=cfg)
    ops.sync_board(with_items=True)
    items = ops.stage_updates_from_query(
        "SELECT 'Order 3001 - Vandelay' AS item_name, 'new_group' AS group_id, 'Stuck' AS order_status, "
        "'42' AS quantity, 'SO-3001' AS order_number UNION ALL "
        "SELECT 'Order 3002 - Kramerica', 'topics', 'Done', '7', 'SO-3002'", update_type="create_items")
    res = ops.process_staged_updates(items, dry_run=False)
    assert res.exit_code == exitcodes.OK, res.report
    created = {it["name"]: it for it in double.store.board_items(PLANNING)}
    v = created["Order 3001 - Vandelay"]
    assert (v["group_id"], v["texts"]["status"], v["texts"]["numbers"], v["texts"]["text0"]) == (
        "new_group", "Stuck", "42", "SO-3001")
    q = queue_rows(db, items)
    assert all(r["created_item_id"] for r in q)
    parent = double.planning["item_ids"][0]
    subs = UpdateOperations(PLANNING, config=cfg).stage_updates_from_query(
        f"SELECT {parent} AS parent_item_id, 'Hem' AS item_name, 'Stuck' AS sub_status, '5' AS sub_qty, "
        "'2026-06-09' AS sub_due", update_type="create_subitems")
    res = ops.process_staged_updates(subs, dry_run=False)
    assert res.exit_code == exitcodes.OK, res.report
    hem = [s for s in double.store.board_items(PLANNING_SUB) if s["name"] == "Hem"]
    assert len(hem) == 1 and hem[0]["parent_item_id"] == parent
    assert (hem[0]["texts"]["status"], hem[0]["texts"]["numbers"], hem[0]["texts"]["date0"]) == (
        "Stuck", "5", "2026-06-09")
    # rolling the creates back archives the created items
    rb = ops.rollback(items, "created by mistake", dry_run=False)
    assert rb.exit_code == exitcodes.OK, rb.report
    assert {double.item(r["created_item_id"])["state"] for r in q} == {"archived"}


# ---------------------------------------------------------------------------------------------- direct

def test_create_items_and_subitems_from_queue_rows(db, fresh_dsn, double):
    """The send loop's CREATE path on queue rows as usp_ReleaseBatch writes them."""
    parent = double.planning["item_ids"][7]
    released_batch(db, "UB-CI", PLANNING, [
        {"item_name": "Order 4001", "group_id": "new_group",
         "column_values": {"status": {"index": 2}, "numbers": "9", "date4": {"date": "2026-08-01"}}},
        {"item_name": "Order 4002", "column_values": {"text": "No group given"}}], operation="CREATE")
    released_batch(db, "UB-CS", PLANNING_SUB, [
        {"item_name": "Rework", "parent_item_id": parent, "column_values": {"status": {"index": 2}, "text": "v2"}}],
        operation="CREATE", target_level="SUBITEMS")
    result = Sender(make_config(fresh_dsn, double), dry_run=False).run()
    assert result.exit_code == exitcodes.OK
    assert {b: r.sent for b, r in result.batches.items()} == {"UB-CI": 2, "UB-CS": 1}
    by_name = {it["name"]: it for it in double.store.board_items(PLANNING)}
    assert by_name["Order 4001"]["texts"]["status"] == "Stuck" and by_name["Order 4001"]["group_id"] == "new_group"
    sub = [s for s in double.store.board_items(PLANNING_SUB) if s["name"] == "Rework"][0]
    assert sub["parent_item_id"] == parent and sub["texts"]["text"] == "v2"
    # the created ids are recorded and audited (one row per cell, plus the name)
    q = queue_rows(db, "UB-CS")[0]
    assert q["created_item_id"] == sub["id"]
    assert {a["column_id"] for a in audit_rows(db, "UB-CS")} == {"status", "text", "name"}
    create_calls = [e for e in double.mutation_log if e["operation"] in ("create_item", "create_subitem")]
    assert len(create_calls) == 3 and all(e["idempotency_key"] for e in create_calls)


def test_dry_run_and_rollback_from_queue_rows(db, fresh_dsn, double):
    """Dry run sends nothing; the rollback restores old values and skips a cell someone changed since."""
    a, b = double.planning["item_ids"][:2]
    released_batch(db, "UB-RB", PLANNING, [
        {"monday_item_id": a, "column_values": {"text": "A2", "numbers": "1"}},
        {"monday_item_id": b, "column_values": {"text": "B2"}}])
    cfg = make_config(fresh_dsn, double)
    dry = Sender(cfg).run("UB-RB")
    assert dry.dry_run and dry.batches["UB-RB"].previewed == 2 and dry.batches["UB-RB"].cells_changed == 3
    assert double.counters["mutation_requests"] == 0
    assert db.scalar("SELECT batch_status FROM dbo.MON_UpdateBatch WHERE batch_id = 'UB-RB'") == "READY"
    assert Sender(cfg, dry_run=False).run("UB-RB").exit_code == exitcodes.OK
    assert double.item(a)["texts"]["text"] == "A2"
    double.store.change_column_values(PLANNING, b, {"text": "changed by a planner"})
    res = db.call("usp_StageRollback", outputs={"rollback_batch_id": "varchar(50)"}, batch_id="UB-RB",
                  reason="test", send_approved="Y")
    rb = res.outputs["rollback_batch_id"]
    run = Sender(cfg, dry_run=False).run(rb)
    assert run.batches[rb].sent == 1 and run.batches[rb].skipped == 1 and run.batches[rb].cells_conflict == 1
    assert double.item(a)["texts"]["text"] == "Acme Corp" and double.item(a)["texts"]["numbers"] == "120"
    assert double.item(b)["texts"]["text"] == "changed by a planner"
    rolled = {(r["monday_item_id"], r["column_id"]): r["rollback_timestamp"] for r in audit_rows(db, "UB-RB")}
    assert rolled[(a, "text")] and rolled[(a, "numbers")] and rolled[(b, "text")] is None
    skipped = [r for r in queue_rows(db, rb) if r["queue_status"] == "SKIPPED"][0]
    assert "changed by someone else" in skipped["result_detail"]


def test_update_subitems_from_queue_rows(db, fresh_dsn, double):
    """A subitem lives on the subitems board: the sender writes it there, whichever board the batch names."""
    parent = double.planning["item_ids"][0]
    cut, sew = double.planning["subitem_ids"][parent]
    released_batch(db, "UB-SU", PLANNING, [
        {"monday_item_id": cut, "column_values": {"status": {"index": 2}}},
        {"monday_item_id": sew, "column_values": {"numbers": "61", "status": {"index": 0}}}],
        target_level="SUBITEMS")
    result = Sender(make_config(fresh_dsn, double), dry_run=False).run("UB-SU")
    assert result.exit_code == exitcodes.OK
    assert double.item(cut)["texts"]["status"] == "Stuck"
    assert double.item(sew)["texts"]["numbers"] == "61"
    assert {a["column_id"] for a in audit_rows(db, "UB-SU")} == {"status", "numbers"}  # sew's status unchanged


def test_a_query_without_rows_stages_nothing(db, cfg, double, cli_env, capsys):
    _require(db, "usp_StageUpdates")
    UpdateOperations(PLANNING, config=cfg).sync_board()
    from sender import cli

    query = "SELECT monday_item_id, 'Done' AS order_status FROM STG_MON_CustMasterSchedule WHERE 1 = 0"
    assert cli.main(["stage", "--board-id", str(PLANNING), "--query", query]) == exitcodes.NOTHING_SENT
    assert "nothing was staged" in capsys.readouterr().err
    with pytest.raises(ValueError, match="no rows"):
        UpdateOperations(PLANNING, config=cfg).stage_updates_from_query(query)
