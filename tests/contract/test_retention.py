"""Preview retention: usp_PurgeRunLog deletes the dry-run previews of batches that ended before the retention,
in chunks below SQL Server's lock escalation threshold, and keeps those of recent and open batches.
Engine-neutral (plain INSERTs with ? markers): runs on PostgreSQL and on a T-SQL engine."""

from __future__ import annotations

from datetime import timedelta

from sender.db import Database
from tests.contract.queue_helpers import db_now, make_batch, make_board

PREVIEW_COLUMNS = 30


def seed_previews(db: Database) -> None:
    """Three batches with dry-run previews: ended long ago, ended recently, still open (released long ago)."""
    make_board(db)
    now = db_now(db)
    for batch_id, rows, first in (("UB-PRV-OLD", 150, 1000), ("UB-PRV-NEW", 5, 5000), ("UB-PRV-OPEN", 5, 6000)):
        make_batch(db, batch_id, rows, first_item=first)
        db.execute(
            "INSERT INTO dbo.MON_UpdatePreview (batch_id, queue_id, monday_item_id, column_id, new_value, would_change) "
            "SELECT q.batch_id, q.queue_id, q.monday_item_id, c.column_id, '\"x\"', 'Y' FROM dbo.MON_UpdateQueue AS q "
            "CROSS JOIN (VALUES " + ", ".join(f"('col{n}')" for n in range(PREVIEW_COLUMNS)) + ") AS c (column_id) "
            "WHERE q.batch_id = ?", (batch_id,))
    db.execute("UPDATE dbo.MON_UpdateBatch SET batch_status = 'COMPLETED', completed_at = ? WHERE batch_id = ?",
               (now - timedelta(days=40), "UB-PRV-OLD"))
    db.execute("UPDATE dbo.MON_UpdateBatch SET batch_status = 'COMPLETED', completed_at = ? WHERE batch_id = ?",
               (now - timedelta(days=2), "UB-PRV-NEW"))
    db.execute("UPDATE dbo.MON_UpdateBatch SET released_at = ? WHERE batch_id = ?",
               (now - timedelta(days=90), "UB-PRV-OPEN"))
    db.execute("UPDATE dbo.MON_UpdatePreview SET previewed_at = ?", (now - timedelta(days=90),))


def preview_counts(db: Database) -> dict[str, int]:
    rows = db.query("SELECT batch_id, COUNT(*) AS n FROM dbo.MON_UpdatePreview GROUP BY batch_id")
    return {r["batch_id"]: r["n"] for r in rows}


def test_purge_deletes_previews_of_batches_ended_before_the_retention_only(db):
    seed_previews(db)
    before = preview_counts(db)
    assert before == {"UB-PRV-OLD": 150 * PREVIEW_COLUMNS, "UB-PRV-NEW": 5 * PREVIEW_COLUMNS,
                      "UB-PRV-OPEN": 5 * PREVIEW_COLUMNS}
    outputs = {"purge_count": "bigint", "preview_purge_count": "bigint"}
    dry = db.call("usp_PurgeRunLog", outputs=outputs, retention_days=30)
    assert dry.outputs["preview_purge_count"] == 150 * PREVIEW_COLUMNS
    assert preview_counts(db) == before
    assert any("preview rows" in m for m in dry.messages)
    # 4,500 rows: two chunks of at most 4,000
    res = db.call("usp_PurgeRunLog", outputs=outputs, retention_days=30, execute="Y")
    assert res.outputs["preview_purge_count"] == 150 * PREVIEW_COLUMNS
    assert preview_counts(db) == {"UB-PRV-NEW": 5 * PREVIEW_COLUMNS, "UB-PRV-OPEN": 5 * PREVIEW_COLUMNS}
    assert any("4000 preview rows deleted so far" in m for m in res.messages)
    own = db.query("SELECT * FROM dbo.MON_RunLog WHERE proc_name = 'usp_PurgeRunLog' ORDER BY run_id DESC")[0]
    assert own["outcome"] == "SUCCEEDED" and own["rows_affected"] == res.outputs["purge_count"] + 4500
    # the queue rows and batches stay: only the previews are purged
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateQueue WHERE batch_id = 'UB-PRV-OLD'") == 150
    again = db.call("usp_PurgeRunLog", outputs=outputs, retention_days=30, execute="Y")
    assert again.outputs["preview_purge_count"] == 0


def test_purge_deletes_the_staged_rows_of_batches_ended_before_the_retention_only(db):
    # the staged rows of a batch (each with a copy of its query) stay in the owner's staging table until the
    # retention purges them with the batch's other working rows; what was sent stays in the queue
    make_board(db)
    now = db_now(db)
    for batch_id, status, ended in (("UB-STG-OLD", "COMPLETED", 40), ("UB-STG-NEW", "COMPLETED", 2),
                                    ("UB-STG-OPEN", "READY", None)):
        make_batch(db, batch_id, 3, status=status)
        if ended is not None:
            db.execute("UPDATE dbo.MON_UpdateBatch SET completed_at = ? WHERE batch_id = ?",
                       (now - timedelta(days=ended), batch_id))
        for n in (1, 2, 3):
            db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, update_operation, update_fields, "
                       "update_batch_id, update_row_no, validation_status) VALUES (?, 'UPDATE', '{}', ?, ?, 'VALID')",
                       (1000 + n, batch_id, n))
            db.execute("INSERT INTO dbo.MON_ValidatedRow (batch_id, update_row_no, row_hash) VALUES (?, ?, ?)",
                       (batch_id, n, b"\x00" * 32))
    db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, item_name) VALUES (77, 'loader row')")
    outputs = {"purge_count": "bigint", "staged_purge_count": "bigint"}
    dry = db.call("usp_PurgeRunLog", outputs=outputs, retention_days=30)
    assert dry.outputs["staged_purge_count"] == 3
    res = db.call("usp_PurgeRunLog", outputs=outputs, retention_days=30, execute="Y")
    assert res.outputs["staged_purge_count"] == 3
    left = db.query("SELECT update_batch_id, COUNT(*) AS n FROM dbo.STG_MON_CustMasterSchedule "
                    "GROUP BY update_batch_id ORDER BY update_batch_id")
    assert {r["update_batch_id"]: r["n"] for r in left} == {None: 1, "UB-STG-NEW": 3, "UB-STG-OPEN": 3}
    hashes = db.query("SELECT batch_id, COUNT(*) AS n FROM dbo.MON_ValidatedRow GROUP BY batch_id")
    assert {r["batch_id"]: r["n"] for r in hashes} == {"UB-STG-NEW": 3, "UB-STG-OPEN": 3}
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateQueue WHERE batch_id = 'UB-STG-OLD'") == 3
