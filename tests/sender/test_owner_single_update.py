"""The owner's single-update test (plan, TASK 3), end to end: PostgreSQL + the monday API double over HTTP.

Board 8709134353 "Planning", one safe item, order_status -> 'In Progress' staged by the owner's query;
dry run: a detailed report and ZERO mutations; real send: the board changed and one audit row with the
old and the new value; rollback: the old value is back and the audit row has the rollback time and reason.
"""

from __future__ import annotations

import json

from pipelines.scripts.order_staging.update_operations import UpdateOperations
from sender import cli, exitcodes
from sender.db import MSSQL

from .conftest import PLANNING, load_loader_rows
from .queue import audit_rows

OWNER_QUERY = (
    "SELECT monday_item_id, 'In Progress' AS order_status FROM STG_MON_CustMasterSchedule "
    "WHERE monday_board_id = 8709134353 AND monday_item_id = {item} LIMIT 1"
)
# the same query as a SQL Server user writes it
OWNER_QUERY_TSQL = (
    "SELECT TOP (1) monday_item_id, 'In Progress' AS order_status FROM STG_MON_CustMasterSchedule "
    "WHERE monday_board_id = 8709134353 AND monday_item_id = {item}"
)


def test_owner_single_update(db, cfg, double, tmp_path):
    query = OWNER_QUERY_TSQL if db.dialect == MSSQL else OWNER_QUERY
    load_loader_rows(db, double)
    safe_item = double.planning["item_ids"][0]  # "Order 1001 - Acme": status "Working on it"
    assert double.item(safe_item)["texts"]["status"] == "Working on it"
    ops = UpdateOperations(PLANNING, config=cfg)
    sync = ops.sync_board()
    assert sync.board_name == "Planning" and sync.subitems_board is not None

    batch_id = ops.stage_updates_from_query(query.format(item=safe_item))
    validation = ops.validate_staged_updates(batch_id)
    assert (validation.rows_staged, validation.rows_valid, validation.rows_invalid) == (1, 1, 0), validation

    # -- dry run (the default): a detailed report, zero mutations --------------------------------------
    mutations_before = len(double.mutation_log)
    html = tmp_path / "preview.html"
    preview = ops.process_staged_updates(batch_id, html_path=str(html))
    assert preview.dry_run and preview.exit_code == exitcodes.OK
    assert len(double.mutation_log) == mutations_before == 0
    assert double.counters["mutation_requests"] == 0
    assert double.item(safe_item)["texts"]["status"] == "Working on it"
    assert "DRY RUN" in preview.report
    assert "Order Status: Working on it -> In Progress" in preview.report, preview.report
    rows = db.query("SELECT * FROM dbo.vw_MON_UpdatePreview WHERE batch_id = ?", [batch_id])
    assert [(r["monday_item_id"], r["column_id"], r["would_change"]) for r in rows] == [(safe_item, "status", "Y")]
    assert rows[0]["current_text"] == "Working on it"
    page = html.read_text(encoding="utf-8")
    assert "Working on it" in page and "In Progress" in page and "class='change'" in page
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateAudit") == 0

    # -- real send --------------------------------------------------------------------------------------
    sent = ops.process_staged_updates(batch_id, dry_run=False)
    assert sent.exit_code == exitcodes.OK and sent.batch_status == "COMPLETED"
    assert double.item(safe_item)["texts"]["status"] == "In Progress"
    assert len(double.mutation_log) == 1
    assert double.mutation_log[0]["idempotency_key"]  # every mutation carries one
    audit = audit_rows(db, batch_id)
    assert len(audit) == 1
    a = audit[0]
    assert (a["monday_item_id"], a["monday_board_id"], a["column_id"]) == (safe_item, PLANNING, "status")
    assert json.loads(a["old_value"]) == {"index": 0}  # "Working on it"
    assert json.loads(a["new_value"]) == {"index": 3}  # "In Progress"
    assert a["rollback_timestamp"] is None

    # -- rollback ---------------------------------------------------------------------------------------
    rolled = ops.rollback(batch_id, "owner's single-update test", dry_run=False)
    assert rolled.exit_code == exitcodes.OK, rolled.report
    assert double.item(safe_item)["texts"]["status"] == "Working on it"
    a = audit_rows(db, batch_id)[0]
    assert a["rollback_timestamp"] is not None
    assert a["rollback_reason"] == "owner's single-update test"
    assert len(double.mutation_log) == 2


def test_owner_flow_from_the_cli(db, double, cli_env, capsys, tmp_path):
    """The same flow as SQL Agent job steps would run it."""
    load_loader_rows(db, double)
    item = double.planning["item_ids"][4]  # "Order 1005 - Hooli": already "In Progress"
    other = double.planning["item_ids"][1]  # "Order 1002 - Globex": "Stuck"
    assert cli.main(["sync-board", "--board-id", str(PLANNING), "--items"]) == exitcodes.OK
    query = ("SELECT monday_item_id, 'In Progress' AS order_status FROM STG_MON_CustMasterSchedule "
             f"WHERE monday_board_id = 8709134353 AND monday_item_id IN ({item}, {other}) ORDER BY monday_item_id")
    assert cli.main(["stage", "--board-id", str(PLANNING), "--query", query, "--release"]) == exitcodes.OK
    batch_id = capsys.readouterr().out.strip().splitlines()[-1]
    html = tmp_path / "r.html"
    assert cli.main(["send", "--batch-id", batch_id, "--html", str(html)]) == exitcodes.OK
    out = capsys.readouterr().out
    assert "DRY RUN" in out and "Stuck -> In Progress" in out
    assert double.counters["mutation_requests"] == 0 and html.is_file()
    assert cli.main(["send", "--batch-id", batch_id, "--execute"]) == exitcodes.OK
    assert double.item(other)["texts"]["status"] == "In Progress"
    assert len(double.mutation_log) == 1  # the item already "In Progress" was left out (SQL no-op or sender)
    assert cli.main(["status", "--batch-id", batch_id]) == exitcodes.OK
    assert "COMPLETED" in capsys.readouterr().out
    assert cli.main(["rollback", "--batch-id", batch_id, "--reason", "test", "--execute"]) == exitcodes.OK
    assert double.item(other)["texts"]["status"] == "Stuck"
