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
           "monday_item_id, lease_owner)" in claim_index_definition(db)
    assert "(batch_id, queue_id)" in step


def test_step_21_adds_lease_owner_to_the_claim_index_and_keeps_the_rows(db):
    # 0.3.0's claim index without lease_owner: the cancel's read of every open row needed the table as well
    from tests.contract.queue_helpers import make_batch, make_board

    if is_mssql(db):
        pytest.skip("the T-SQL steps are run by the installer's upgrade on SQL Server")
    make_board(db)
    make_batch(db, "UB-STEP21", 20)
    db.execute("DROP INDEX dbo.ix_mon_updatequeue_claim")
    db.execute("CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id) INCLUDE "
               "(board_id, queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id) "
               "WHERE queue_status IN ('READY', 'CLAIMED')")
    assert "lease_owner" not in claim_index_definition(db)
    before = db.query("SELECT * FROM dbo.MON_UpdateQueue ORDER BY queue_id")
    for _ in range(2):
        run_step(db, "21_queue_claim_index_lease_owner.sql", version="0.4.0")
        definition = claim_index_definition(db)
        assert "(batch_id, queue_id)" in definition and "monday_item_id, lease_owner)" in definition
        assert "READY" in definition and "CLAIMED" in definition
        assert db.query("SELECT * FROM dbo.MON_UpdateQueue ORDER BY queue_id") == before


# -- 0.4.0, step 10: the owner's staging tables lose the filtered batch index --------------------------------

STAGING_TABLES = ("STG_MON_CustMasterSchedule", "STG_MON_CustMasterSchedule_Subitems")


def batch_index(db, table: str) -> dict | None:
    """The batch index of an owner's staging table: its keys, and whether it is filtered (partial)."""
    name = f"IX_{table}_update_batch_id"
    if is_mssql(db):
        rows = db.query(
            "SELECT i.has_filter, c.name AS col FROM sys.indexes AS i INNER JOIN sys.index_columns AS ic "
            "ON i.object_id = ic.object_id AND i.index_id = ic.index_id INNER JOIN sys.columns AS c "
            "ON ic.object_id = c.object_id AND ic.column_id = c.column_id "
            "WHERE i.object_id = OBJECT_ID(?) AND i.name = ? AND ic.key_ordinal > 0 ORDER BY ic.key_ordinal",
            (f"dbo.{table}", name))
        return {"filtered": bool(rows[0]["has_filter"]), "keys": [r["col"] for r in rows]} if rows else None
    definition = db.scalar("SELECT pg_get_indexdef(to_regclass(?))", (f"dbo.{name.lower()}",))
    if definition is None:
        return None
    keys = definition.split("(", 1)[1].split(")", 1)[0]
    return {"filtered": " WHERE " in definition, "keys": [k.strip() for k in keys.split(",")]}


@pytest.mark.engine_gap("index-name-guard")
def test_a_new_install_puts_no_filtered_index_on_the_owners_tables(db):
    for table in STAGING_TABLES:
        assert batch_index(db, table) == {"filtered": False, "keys": ["update_batch_id", "update_row_no"]}
    if is_mssql(db):
        assert db.scalar("SELECT COUNT(*) FROM sys.indexes WHERE has_filter = 1 AND object_id IN "
                         "(OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule'), "
                         "OBJECT_ID(N'dbo.STG_MON_CustMasterSchedule_Subitems'))") == 0
    else:
        assert db.scalar("SELECT count(*) FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indrelid "
                         "JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = 'dbo' "
                         "AND c.relname LIKE 'stg\\_mon\\_%' AND i.indpred IS NOT NULL") == 0


def test_step_10_of_0_4_0_replaces_the_filtered_batch_index_and_keeps_the_rows(db):
    if is_mssql(db):
        pytest.skip("the T-SQL steps are run by the installer's upgrade on SQL Server")
    extend = (ROOT / "db" / "postgres" / "ddl" / "updates" / "extend_staging_tables.sql").read_text(encoding="utf-8")
    for table in STAGING_TABLES:
        db.execute(f"INSERT INTO dbo.{table} (monday_item_id, monday_board_id, item_name) VALUES (1, ?, 'loader')",
                   (BOARD_ID,))
        db.execute(f"INSERT INTO dbo.{table} (monday_item_id, update_batch_id, update_row_no, update_operation, "
                   "validation_status) VALUES (2, 'UB-0.3', 1, 'UPDATE', 'VALID')")
        # the database as 0.2.0 and 0.3.0 left it: the index filtered on staged rows
        db.execute(f"DROP INDEX dbo.ix_{table.lower()}_update_batch_id")
        db.execute(f"CREATE INDEX IX_{table}_update_batch_id ON dbo.{table} (update_batch_id, update_row_no) "
                   "WHERE update_batch_id IS NOT NULL")
        assert batch_index(db, table)["filtered"]
    before = {t: db.query(f"SELECT * FROM dbo.{t} ORDER BY monday_item_id") for t in STAGING_TABLES}
    for _ in range(2):
        run_step(db, "10_staging_index_unfiltered.sql", version="0.4.0")
        db.execute(extend)  # the re-runnable source the installer runs after the steps
        for table in STAGING_TABLES:
            assert batch_index(db, table) == {"filtered": False, "keys": ["update_batch_id", "update_row_no"]}
            assert db.query(f"SELECT * FROM dbo.{table} ORDER BY monday_item_id") == before[table]
    # the staged row is still found by its batch through the index
    db.execute("SET enable_seqscan = off")
    try:
        plan = "\n".join(r["QUERY PLAN"] for r in db.query(
            "EXPLAIN SELECT update_row_no FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id = 'UB-0.3'"))
    finally:
        db.execute("SET enable_seqscan = on")
    assert "ix_stg_mon_custmasterschedule_update_batch_id" in plan
