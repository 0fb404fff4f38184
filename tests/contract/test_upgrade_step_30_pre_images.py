"""Schema 0.4.0, step 30 on an installed database: the pre-image a 0.3.0 sender wrote as a preview of a row
it claimed (written at or after the claim) moves to dbo.MON_PreImage, so the next attempt still audits a
lost result exactly; a dry run's preview of an open row not claimed since stays a preview. Idempotent."""

from __future__ import annotations

import json

from tests.contract.queue_helpers import claim, make_batch, make_board
from tests.contract.test_upgrade_steps import run_step

STEP = "30_pre_images_apart_from_previews.sql"


def test_step_30_moves_the_pre_images_of_claimed_rows_and_keeps_previews(db):
    make_board(db)
    ids = make_batch(db, "B1", 2)
    db.call("usp_RecordPreview", batch_id="B1", queue_id=ids[1], cells=json.dumps([
        {"column_id": "notes", "current_value": '"dry run"', "new_value": '"b"'}]))  # a dry run, not claimed
    claim(db, "old-sender", batch_id="B1", max_rows=1)
    # what a 0.3.0 sender wrote just before its mutation: the row's pre-image, as a preview
    db.call("usp_RecordPreview", batch_id="B1", queue_id=ids[0], cells=json.dumps([
        {"column_id": "notes", "current_value": '"before"', "new_value": '"b"', "would_change": "Y"}]))
    for _ in range(2):
        run_step(db, STEP, "0.4.0")
        pre = db.query("SELECT queue_id, column_id, current_value, would_change, worker_id FROM dbo.vw_MON_PreImage")
        assert pre == [{"queue_id": ids[0], "column_id": "notes", "current_value": '"before"', "would_change": "Y",
                        "worker_id": "old-sender"}]
        previews = db.query("SELECT queue_id, current_value FROM dbo.vw_MON_UpdatePreview ORDER BY queue_id")
        assert previews == [{"queue_id": ids[1], "current_value": '"dry run"'}]


def test_step_31_adds_send_approved_and_keeps_existing_batches_approved(db):
    from tests.contract.helpers import is_mssql

    if is_mssql(db):
        import pytest

        pytest.skip("the T-SQL steps are run by the installer's upgrade on SQL Server")
    make_board(db)
    make_batch(db, "B1", 1)
    db.execute("DROP VIEW dbo.vw_MON_BatchSummary")  # recreated by the install's sources after the steps
    db.execute("ALTER TABLE dbo.MON_UpdateBatch DROP COLUMN send_approved")  # a 0.3.0 table
    for _ in range(2):
        run_step(db, "31_batch_send_approval.sql", "0.4.0")
        assert db.scalar("SELECT send_approved FROM dbo.MON_UpdateBatch WHERE batch_id = 'B1'") == "Y"
