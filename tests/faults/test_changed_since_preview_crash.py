"""Changed since the preview, with a sender process SIGKILLed between its read of the board and its write:
nothing is lost and nothing that changed on the board since the dry run is overwritten. The killed sender
read the board (a planner had changed the status after the dry run), recorded the held-back cell and its
pre-image, and sent a mutation monday refused before applying it (423, the wait then cut by SIGKILL). The
next sender claims the row again, reads the board again, holds the same cell back and writes the rest."""

from __future__ import annotations

import json
import time

import pytest

from pipelines.scripts.order_staging.update_operations import UpdateOperations
from sender import exitcodes
from tests.monday_double import Faults
from tests.sender.conftest import PLANNING, load_loader_rows

from . import harness as H

pytestmark = pytest.mark.faults


def test_sigkill_between_the_read_and_the_write_overwrites_nothing_that_changed(db, tmp_path,
                                                                                 monday_double_factory):
    double = monday_double_factory(token=H.TOKEN, time_scale=0.01)
    load_loader_rows(db, double)
    cfg = H.sender_config(db.dsn, double)
    ops = UpdateOperations(PLANNING, config=cfg)
    ops.sync_board()
    item = double.planning["item_ids"][0]  # 'Working on it', customer 'Acme Corp'
    batch_id = ops.stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, 'Done' AS order_status, 'Acme Ltd' AS customer_name")
    ops.release_batch(batch_id)  # approved for sending (the Agent job's plain send sends it)
    ops.process_staged_updates(batch_id)  # the dry run the DBA read: Working on it -> Done
    double.store.change_column_values(PLANNING, item, {"status": {"label": "Stuck"}})  # a planner, meanwhile

    # every mutation is refused before it is applied (423, retried after a wait): the sender is stuck
    # between its read and its write, and is killed there
    double.set_faults(Faults(locked_423_rate=1.0, locked_retry_after=60.0, on_reads=False))
    log = tmp_path / "sender.log"
    env = H.sender_env(db.dsn, double, tmp_path, lease_seconds=30, claim_size=10)
    proc = H.spawn_sender(env, ["send", "--batch-id", batch_id, "--execute"], log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not db.scalar(
            "SELECT COUNT(*) FROM dbo.vw_MON_HeldBackCells WHERE batch_id = ?", [batch_id]):
        time.sleep(0.05)
    while time.monotonic() < deadline and not double.counters["mutation_requests"]:
        time.sleep(0.05)
    H.kill_sender(proc)
    assert double.item(item)["texts"]["status"] == "Stuck" and double.item(item)["texts"]["text"] == "Acme Corp"
    # killed holding its lease (CLAIMED), or just after it recorded the 423 as a retry (READY): nothing written
    assert db.scalar("SELECT queue_status FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [batch_id]) in (
        "CLAIMED", "READY")
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateAudit WHERE batch_id = ?", [batch_id]) == 0

    double.set_faults(Faults())
    H.expire_leases(db, [batch_id])
    db.execute("UPDATE dbo.MON_UpdateQueue SET visible_after = created_at WHERE batch_id = ?", [batch_id])
    rc = H.run_sender(env, ["send", "--batch-id", batch_id, "--execute"], log)

    assert rc == exitcodes.HELD_BACK, H.tail(log)
    assert double.item(item)["texts"]["status"] == "Stuck"  # the planner's change stands
    assert double.item(item)["texts"]["text"] == "Acme Ltd"  # nothing lost: the rest was written once
    held = db.query("SELECT column_id, preview_text, board_text FROM dbo.vw_MON_HeldBackCells WHERE batch_id = ?",
                    [batch_id])
    assert [(h["column_id"], h["preview_text"], h["board_text"]) for h in held] == [
        ("status", "Working on it", "Stuck")]
    audit = db.query("SELECT column_id, old_value, new_value FROM dbo.vw_MON_AuditTrail WHERE batch_id = ?",
                     [batch_id])
    assert [(a["column_id"], json.loads(a["old_value"]), json.loads(a["new_value"])) for a in audit] == [
        ("text", "Acme Corp", "Acme Ltd")]
    q = db.query("SELECT queue_status, attempt_count FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [batch_id])
    assert q[0]["queue_status"] == "SENT" and q[0]["attempt_count"] >= 2
    assert ops.status(batch_id)[0]["batch_status"] == "COMPLETED"
