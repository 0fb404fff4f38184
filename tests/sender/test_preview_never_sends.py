"""A preview never sends (PostgreSQL + the monday API double over HTTP): a rollback or a batch that was
only previewed is not sent by a plain `opus-sender send --execute` (the SQL Agent job's step) until someone
approves it (`release`, `rollback --execute`, or the Python send of that batch); the CLI and
UpdateOperations.rollback share one default: a preview."""

from __future__ import annotations

from pipelines.scripts.order_staging.update_operations import UpdateOperations
from sender import cli, exitcodes
from sender.send import Sender

from .conftest import PLANNING, load_loader_rows


def _sent_batch(db, double, cfg=None) -> tuple[UpdateOperations, int, str]:
    load_loader_rows(db, double)
    ops = UpdateOperations(PLANNING, config=cfg) if cfg else UpdateOperations(PLANNING)
    ops.sync_board()
    item = double.planning["item_ids"][0]  # 'Working on it'
    batch_id = ops.stage_updates_from_query(f"SELECT {item} AS monday_item_id, 'Done' AS order_status")
    assert ops.process_staged_updates(batch_id, dry_run=False).exit_code == exitcodes.OK
    assert double.item(item)["texts"]["status"] == "Done"
    return ops, item, batch_id


def _approval(db, batch_id):
    return db.scalar("SELECT send_approved FROM dbo.vw_MON_BatchSummary WHERE batch_id = ?", [batch_id])


def test_a_previewed_rollback_is_not_sent_by_the_next_scheduled_send(db, double, cli_env, capsys):
    ops, item, batch_id = _sent_batch(db, double)
    assert cli.main(["rollback", "--batch-id", batch_id, "--reason", "preview only"]) == exitcodes.OK
    out = capsys.readouterr().out
    assert "DRY RUN" in out and "rollback --batch-id" in out
    rb = db.scalar("SELECT batch_id FROM dbo.MON_UpdateBatch WHERE rollback_of_batch_id = ?", [batch_id])
    assert _approval(db, rb) == "N"

    # the Agent job's next plain run leaves it alone and says so
    assert cli.main(["send", "--execute"]) == exitcodes.OK
    assert double.item(item)["texts"]["status"] == "Done"
    assert db.scalar("SELECT batch_status FROM dbo.MON_UpdateBatch WHERE batch_id = ?", [rb]) == "READY"
    # asking for it by id is refused with the way to approve it
    assert cli.main(["send", "--batch-id", rb, "--execute"]) == exitcodes.USAGE
    assert f"release --batch-id {rb}" in capsys.readouterr().err

    # rollback --execute approves the previewed rollback (no second one is staged) and sends it
    assert cli.main(["rollback", "--batch-id", batch_id, "--reason", "now", "--execute"]) == exitcodes.OK
    assert double.item(item)["texts"]["status"] == "Working on it"
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateBatch WHERE rollback_of_batch_id = ?", [batch_id]) == 1
    assert _approval(db, rb) == "Y"


def test_release_approves_a_previewed_rollback(db, double, cli_env, capsys):
    ops, item, batch_id = _sent_batch(db, double)
    assert cli.main(["rollback", "--batch-id", batch_id, "--reason", "preview only"]) == exitcodes.OK
    rb = db.scalar("SELECT batch_id FROM dbo.MON_UpdateBatch WHERE rollback_of_batch_id = ?", [batch_id])
    assert cli.main(["release", "--batch-id", rb]) == exitcodes.OK
    assert _approval(db, rb) == "Y"
    assert cli.main(["send", "--execute"]) == exitcodes.OK
    assert double.item(item)["texts"]["status"] == "Working on it"


def test_python_rollback_previews_by_default_as_the_cli_does(db, cfg, double):
    ops, item, batch_id = _sent_batch(db, double, cfg)
    preview = ops.rollback(batch_id, "preview only")
    assert preview.dry_run and "DRY RUN" in preview.report
    Sender(cfg, dry_run=False).run()  # the scheduled plain send
    assert double.item(item)["texts"]["status"] == "Done"
    sent = ops.rollback(batch_id, "now", dry_run=False)  # reuses and approves the previewed rollback
    assert sent.exit_code == exitcodes.OK and double.item(item)["texts"]["status"] == "Working on it"


def test_a_batch_released_by_a_python_dry_run_waits_for_its_approval(db, cfg, double):
    load_loader_rows(db, double)
    ops = UpdateOperations(PLANNING, config=cfg)
    ops.sync_board()
    item = double.planning["item_ids"][0]
    batch_id = ops.stage_updates_from_query(f"SELECT {item} AS monday_item_id, 'Done' AS order_status")
    preview = ops.process_staged_updates(batch_id)  # releases it to preview it
    assert preview.batch_status == "READY" and _approval(db, batch_id) == "N"
    Sender(cfg, dry_run=False).run()
    assert double.item(item)["texts"]["status"] == "Working on it" and double.mutation_log == []
    summary = ops.release_batch(batch_id)  # the approval
    assert summary["send_approved"] == "Y"
    Sender(cfg, dry_run=False).run()
    assert double.item(item)["texts"]["status"] == "Done"
