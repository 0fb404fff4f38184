"""What the DBA saw is what the board gets (PostgreSQL + the monday API double over HTTP): a cell a planner
changed on the board after the dry run is held back, not overwritten; the item's other cells go on; the
summary, the report, the exit code and dbo.vw_MON_HeldBackCells say so. ``overwrite_changed`` writes it
anyway; a new dry run takes the board's value as the baseline; a row never previewed is sent as before and
counted as not previewed."""

from __future__ import annotations

import json

from pipelines.scripts.order_staging.update_operations import UpdateOperations
from sender import exitcodes

from .conftest import PLANNING, load_loader_rows
from .queue import audit_rows, queue_rows


def _stage(db, cfg, double) -> tuple[UpdateOperations, int, str]:
    load_loader_rows(db, double)
    ops = UpdateOperations(PLANNING, config=cfg)
    ops.sync_board()
    item = double.planning["item_ids"][0]  # 'Working on it', customer 'Acme Corp'
    batch_id = ops.stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, 'Done' AS order_status, 'Acme Ltd' AS customer_name")
    return ops, item, batch_id


def _held(db, batch_id):
    return db.query("SELECT column_id, preview_text, board_text, new_value, queue_status FROM "
                    "dbo.vw_MON_HeldBackCells WHERE batch_id = ? ORDER BY column_id", [batch_id])


def test_a_cell_changed_after_the_dry_run_is_held_back_and_the_others_go_on(db, cfg, double):
    ops, item, batch_id = _stage(db, cfg, double)
    preview = ops.process_staged_updates(batch_id)  # the dry run the DBA reads: Working on it -> Done
    assert "Working on it -> Done" in preview.report
    double.store.change_column_values(PLANNING, item, {"status": {"label": "Stuck"}})  # a planner, meanwhile

    sent = ops.process_staged_updates(batch_id, dry_run=False)

    assert double.item(item)["texts"]["status"] == "Stuck"  # the planner's edit stands
    assert double.item(item)["texts"]["text"] == "Acme Ltd"  # the item's other cell was written
    assert sent.exit_code == exitcodes.HELD_BACK == 7
    assert sent.counts["cells_held"] == 1 and sent.counts["rows_not_previewed"] == 0
    held = _held(db, batch_id)
    assert [(h["column_id"], h["preview_text"], h["board_text"]) for h in held] == [
        ("status", "Working on it", "Stuck")]
    assert json.loads(held[0]["new_value"]) == {"index": 1}  # Done (label id 1)
    assert [a["column_id"] for a in audit_rows(db, batch_id)] == ["text"]  # only what was written is audited
    assert "HELD BACK 1 cells changed on the board since the dry run" in sent.report
    assert "the dry run showed 'Working on it', the board holds 'Stuck'" in sent.report
    detail = json.loads(queue_rows(db, batch_id)[0]["result_detail"])
    assert detail["held_back_changed_since_preview"][0]["column_id"] == "status"


def test_only_held_cells_left_the_row_is_skipped_with_them_recorded(db, cfg, double):
    load_loader_rows(db, double)
    ops = UpdateOperations(PLANNING, config=cfg)
    ops.sync_board()
    item = double.planning["item_ids"][0]
    batch_id = ops.stage_updates_from_query(f"SELECT {item} AS monday_item_id, 'Done' AS order_status")
    ops.process_staged_updates(batch_id)
    double.store.change_column_values(PLANNING, item, {"status": {"label": "Stuck"}})
    sent = ops.process_staged_updates(batch_id, dry_run=False)
    assert len(double.mutation_log) == 0 and double.item(item)["texts"]["status"] == "Stuck"
    assert [q["queue_status"] for q in queue_rows(db, batch_id)] == ["SKIPPED"]
    assert [h["column_id"] for h in _held(db, batch_id)] == ["status"]
    assert sent.exit_code == exitcodes.HELD_BACK and audit_rows(db, batch_id) == []


def test_overwrite_changed_writes_it_anyway(db, cfg, double):
    ops, item, batch_id = _stage(db, cfg, double)
    ops.process_staged_updates(batch_id)
    double.store.change_column_values(PLANNING, item, {"status": {"label": "Stuck"}})
    sent = ops.process_staged_updates(batch_id, dry_run=False, overwrite_changed=True)
    assert double.item(item)["texts"]["status"] == "Done"
    assert sent.exit_code == exitcodes.OK and sent.counts["cells_overwritten"] == 1
    assert _held(db, batch_id) == []
    audit = {a["column_id"]: json.loads(a["old_value"]) for a in audit_rows(db, batch_id)}
    assert audit["status"] == {"index": 2}  # the audit holds what was overwritten: Stuck, restorable
    assert "1 cells changed on the board since the dry run were overwritten" in sent.report


def test_a_new_dry_run_takes_the_boards_value_as_the_baseline(db, cfg, double):
    ops, item, batch_id = _stage(db, cfg, double)
    ops.process_staged_updates(batch_id)
    double.store.change_column_values(PLANNING, item, {"status": {"label": "Stuck"}})
    again = ops.process_staged_updates(batch_id)  # the DBA reads it again: Stuck -> Done
    assert "Stuck -> Done" in again.report
    sent = ops.process_staged_updates(batch_id, dry_run=False)
    assert double.item(item)["texts"]["status"] == "Done" and sent.exit_code == exitcodes.OK
    assert _held(db, batch_id) == []


def test_a_row_sent_without_a_preview_is_sent_as_before_and_said_so(db, cfg, double):
    ops, item, batch_id = _stage(db, cfg, double)
    double.store.change_column_values(PLANNING, item, {"status": {"label": "Stuck"}})
    sent = ops.process_staged_updates(batch_id, dry_run=False)
    assert double.item(item)["texts"]["status"] == "Done"
    assert sent.exit_code == exitcodes.OK
    assert sent.counts["rows_not_previewed"] == 1 and sent.counts["cells_held"] == 0
    assert "1 rows were not previewed" in sent.report


def test_cli_send_holds_back_and_exits_7_and_overwrite_changed_writes(db, cli_env, double, capsys):
    from sender.cli import main

    load_loader_rows(db, double)
    assert main(["sync-board", "--board-id", str(PLANNING)]) == 0
    item = double.planning["item_ids"][0]
    ops = UpdateOperations(PLANNING, dsn=None)
    batch_id = ops.stage_updates_from_query(f"SELECT {item} AS monday_item_id, 'Done' AS order_status")
    assert main(["release", "--batch-id", batch_id]) == 0
    assert main(["send", "--batch-id", batch_id]) == 0  # the dry run
    double.store.change_column_values(PLANNING, item, {"status": {"label": "Stuck"}})
    capsys.readouterr()
    assert main(["send", "--batch-id", batch_id, "--execute"]) == exitcodes.HELD_BACK
    assert "HELD BACK 1 cells" in capsys.readouterr().out
    assert double.item(item)["texts"]["status"] == "Stuck"
