"""The 0.2.0 upgrade steps of this engine, run on an installed database: each does its work and is
idempotent (a second run changes nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.helpers import BOARD_ID, is_mssql

ROOT = Path(__file__).resolve().parents[2]


def run_step(db, name: str, version: str = "0.2.0") -> None:
    if is_mssql(db):
        pytest.skip("the T-SQL steps are run by the installer's upgrade on SQL Server")
    db.execute((ROOT / "db" / "postgres" / "upgrades" / version / name).read_text(encoding="utf-8"))


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


OLD_CLAIM_INDEX = ("CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, board_id, visible_after, "
                   "queue_id) INCLUDE (queue_status, lease_expires_at) WHERE queue_status IN ('READY', 'CLAIMED')")


def claim_index_definition(db) -> str:
    return db.scalar("SELECT pg_get_indexdef(to_regclass('dbo.ix_mon_updatequeue_claim'))")


def test_step_50_puts_the_claim_index_in_the_claims_order_and_keeps_the_rows(db):
    from tests.contract.queue_helpers import BOARD, claim, make_batch, make_board

    if is_mssql(db):
        pytest.skip("the T-SQL steps are run by the installer's upgrade on SQL Server")
    make_board(db)
    ids = make_batch(db, "UB-STEP50", 250)
    db.execute("UPDATE dbo.MON_UpdateQueue SET queue_status = 'SENT' WHERE queue_id <= ?", (ids[9],))
    # the database as 0.1.0 and 0.2.0 left it: the index keyed by board and visibility
    db.execute("DROP INDEX dbo.ix_mon_updatequeue_claim")
    db.execute(OLD_CLAIM_INDEX)
    assert "(batch_id, board_id, visible_after, queue_id)" in claim_index_definition(db)
    before = db.query("SELECT * FROM dbo.MON_UpdateQueue ORDER BY queue_id")
    for _ in range(2):
        run_step(db, "10_queue_claim_index_order.sql", version="0.3.0")
        definition = claim_index_definition(db)
        assert "(batch_id, queue_id)" in definition
        assert "WHERE" in definition and "READY" in definition and "CLAIMED" in definition
        assert db.query("SELECT * FROM dbo.MON_UpdateQueue ORDER BY queue_id") == before
    # the claim still takes the first open rows of the batch, in order, on the new index
    db.execute("ANALYZE dbo.MON_UpdateQueue")
    rows = claim(db, "w-step50", batch_id="UB-STEP50", max_rows=100)
    assert [r["queue_id"] for r in rows] == ids[10:110]
    assert {r["board_id"] for r in rows} == {BOARD}


def test_new_install_has_the_claim_index_of_step_50(db):
    if is_mssql(db):
        keys = db.query(
            "SELECT c.name FROM sys.indexes AS i INNER JOIN sys.index_columns AS ic ON i.object_id = ic.object_id "
            "AND i.index_id = ic.index_id INNER JOIN sys.columns AS c ON ic.object_id = c.object_id "
            "AND ic.column_id = c.column_id WHERE i.object_id = OBJECT_ID(N'dbo.MON_UpdateQueue') "
            "AND ic.key_ordinal > 0 AND EXISTS (SELECT 1 FROM sys.index_columns AS k "
            "INNER JOIN sys.columns AS kc ON k.object_id = kc.object_id AND k.column_id = kc.column_id "
            "WHERE k.object_id = i.object_id AND k.index_id = i.index_id AND kc.name = N'attempt_count') "
            "ORDER BY ic.key_ordinal")
        assert [k["name"] for k in keys] == ["batch_id", "queue_id"]
        return
    step = (ROOT / "db" / "postgres" / "upgrades" / "0.3.0" / "10_queue_claim_index_order.sql").read_text()
    assert "(batch_id, queue_id)" in claim_index_definition(db)
    assert "INCLUDE (board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, " \
           "monday_item_id)" in claim_index_definition(db)
    assert "(batch_id, queue_id)" in step
