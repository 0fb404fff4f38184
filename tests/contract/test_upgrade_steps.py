"""The 0.2.0 upgrade steps of this engine, run on an installed database: each does its work and is
idempotent (a second run changes nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.helpers import BOARD_ID, is_mssql

ROOT = Path(__file__).resolve().parents[2]


def run_step(db, name: str) -> None:
    if is_mssql(db):
        pytest.skip("the T-SQL steps are run by the installer's upgrade on SQL Server")
    db.execute((ROOT / "db" / "postgres" / "upgrades" / "0.2.0" / name).read_text(encoding="utf-8"))


def test_step_20_clears_the_board_copy_of_staged_rows_only(db):
    db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name) "
               "VALUES (1, ?, 'loader row')", (BOARD_ID,))
    db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, update_batch_id, "
               "update_row_no) VALUES (1, ?, 'UB-OLD', 1)", (BOARD_ID,))
    db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule_Subitems (monday_item_id, monday_board_id, "
               "update_batch_id, update_row_no) VALUES (2, ?, 'UB-OLD', 1)", (BOARD_ID,))
    for _ in range(2):
        run_step(db, "20_staged_rows_without_board_copy.sql")
        rows = db.query("SELECT update_batch_id, monday_board_id FROM dbo.STG_MON_CustMasterSchedule "
                        "ORDER BY update_batch_id NULLS FIRST")
        assert rows == [{"update_batch_id": None, "monday_board_id": BOARD_ID},
                        {"update_batch_id": "UB-OLD", "monday_board_id": None}]
        assert db.scalar("SELECT monday_board_id FROM dbo.STG_MON_CustMasterSchedule_Subitems") is None
