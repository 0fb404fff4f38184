"""The quick reference's commands and SQL, extracted from the document, run green.

Shell blocks run in bash against a fresh database and the monday API double; PostgreSQL blocks run in
psql; T-SQL blocks (no SQL Server here) must parse and may only call procedures with parameters they
declare."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sender.installer import source_files
from tests.static.catalog import exec_calls, parse_tsql, references, tsql_catalog

ROOT = Path(__file__).resolve().parents[2]
QUICKREF = ROOT / "docs" / "quickref" / "update_operations_quickref.md"
BOARD = 8709134353


def blocks(lang: str) -> list[str]:
    text = QUICKREF.read_text(encoding="utf-8")
    return [m.group(1) for m in re.finditer(rf"```{lang}\n(.*?)```", text, re.S)]


@pytest.fixture
def loaded_board(db, monday_double):
    """The Planning board on the double, and the loader's rows for it in the staging table."""
    for item_id in monday_double.planning["item_ids"]:
        item = monday_double.store.item(item_id)
        db.execute(
            "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, group_id) "
            "VALUES (?, ?, ?, ?)",
            (int(item_id), BOARD, item["name"], item["group_id"]),
        )
    return monday_double


def test_the_quickref_has_blocks_of_every_kind():
    assert len(blocks("sh")) >= 2 and len(blocks("tsql")) >= 2 and len(blocks("postgresql")) >= 1


def test_shell_blocks_run(loaded_board, fresh_dsn, db, tmp_path):
    script = "set -euo pipefail\n" + "\n".join(blocks("sh"))
    env = {**os.environ, "OPUS_DSN": fresh_dsn, "MONDAY_API_URL": loaded_board.url,
           "MONDAY_API_TOKEN": loaded_board.config.token, "OPUS_LEASE_SECONDS": "30",
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (tmp_path / "dry_run.html").is_file()
    # the batch was sent, then rolled back: the board holds its old status again
    batches = db.query("SELECT batch_id, update_operation, batch_status FROM dbo.MON_UpdateBatch ORDER BY created_at")
    assert [(b["update_operation"], b["batch_status"]) for b in batches] == [
        ("UPDATE", "COMPLETED"), ("ROLLBACK", "COMPLETED")]
    audit = db.query("SELECT column_id, rollback_reason FROM dbo.MON_UpdateAudit WHERE batch_id = ?",
                     (batches[0]["batch_id"],))
    assert audit == [{"column_id": "status", "rollback_reason": "wrong status"}]


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql (postgresql-client) is not installed")
def test_postgresql_blocks_run_in_psql(loaded_board, fresh_dsn, db):
    if db.dialect != "postgres":
        pytest.skip("PostgreSQL blocks")
    # the staging needs board metadata: sync it as the shell section does
    env = {**os.environ, "OPUS_DSN": fresh_dsn, "MONDAY_API_URL": loaded_board.url,
           "MONDAY_API_TOKEN": loaded_board.config.token}
    subprocess.run([str(Path(sys.executable).parent / "opus-sender"), "sync-board", "--board-id", str(BOARD)],
                   env=env, check=True, capture_output=True, timeout=120)
    params = dict(re.findall(r"(\w+)=([^;]*);", fresh_dsn))
    proc = subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", params["SERVER"], "-p", params["PORT"], "-U", params["UID"],
         "-d", params["DATABASE"]],
        input="\n".join(blocks("postgresql")), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "usp_StageUpdates" in proc.stderr  # the help text, printed as NOTICEs
    batch = db.query("SELECT batch_status, rows_queued FROM dbo.MON_UpdateBatch")
    assert batch == [{"batch_status": "CANCELLED", "rows_queued": 1}]


def test_tsql_blocks_parse_and_call_real_parameters():
    catalog = tsql_catalog(source_files("mssql"))
    defined = {f"dbo.{n}" for kind in catalog.values() for n in kind}
    for block in blocks("tsql"):
        _, unparsable = parse_tsql(block)
        assert unparsable == [], unparsable
        for ref in references(block):
            assert ref in defined, f"the quick reference names {ref}, which the T-SQL sources do not define"
        for callee, params in exec_calls(block):
            assert params <= catalog["procedure"][callee], f"{callee}: unknown {params - catalog['procedure'][callee]}"


def test_every_public_procedure_and_view_is_on_the_page():
    text = QUICKREF.read_text(encoding="utf-8")
    catalog = tsql_catalog(source_files("mssql"))
    public = [n for n in catalog["procedure"] if not n.startswith("usp_private_")] + list(catalog["view"])
    missing = [n for n in public if n not in text.lower()]
    assert missing == []
