"""fn_MON_StagedCells: the cells of a staged batch and the board column each alias maps to (the one mapping
rule of validation and release). Staged rows are written directly (engine-neutral INSERTs), so the
function itself is checked on every engine, staging aside."""

from __future__ import annotations

import json

from sender.db import Database
from tests.contract.queue_helpers import BOARD, make_board

BATCH = "UB-CELLS-1"
FIELDS = {
    "order_status": "Done",          # a column id, exactly
    "NOTES": "n",                    # a column id, ignoring case
    "Due Date": "2026-06-15",        # a normalised title
    "legacy_code": "x",              # the column map
    "Owner-Name": "y",               # two columns with that title: ambiguous
    "nothing_like_it": "z",          # unmapped
}


def seed(db: Database, rows: int = 3) -> None:
    make_board(db)
    for cid, title in (("text_a", "Owner Name"), ("text_b", "Owner  Name")):
        db.execute(
            "INSERT INTO dbo.MON_BoardColumn (board_id, column_id, title, normalized_title, column_type, is_writable) "
            "VALUES (?, ?, ?, 'owner_name', 'text', 'Y')", (BOARD, cid, title))
    db.execute("INSERT INTO dbo.MON_ColumnMap (source_alias, board_id, column_id) VALUES ('legacy_code', ?, 'notes')",
               (BOARD,))
    db.execute(
        "INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, "
        "rows_staged) VALUES (?, ?, 'ITEMS', 'UPDATE', 'VALIDATED', ?)", (BATCH, BOARD, rows))
    no_op = json.dumps([{"rule": "NO_OP", "column": "order_status", "message": "equal"}])
    for n in range(1, rows + 1):
        db.execute(
            "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, update_operation, update_fields, "
            "update_batch_id, update_row_no, validation_status, validation_errors) "
            "VALUES (?, 'UPDATE', ?, ?, ?, 'WARNING', ?)",
            (7000 + n, json.dumps(FIELDS, separators=(",", ":")), BATCH, n, no_op if n == 2 else None))


def test_cells_map_every_alias_once_by_the_rule_and_keep_the_field_order(db):
    seed(db)
    cells = db.query("SELECT * FROM dbo.fn_MON_StagedCells(?) ORDER BY update_row_no, field_no", (BATCH,))
    assert len(cells) == 3 * len(FIELDS)
    first = [c for c in cells if c["update_row_no"] == 1]
    assert [c["column_alias"] for c in first] == list(FIELDS)
    assert [c["field_no"] for c in first] == list(range(1, len(FIELDS) + 1))
    got = {c["column_alias"]: (c["column_id"], c["match_kind"], c["match_count"], c["is_writable"]) for c in first}
    assert got == {
        "order_status": ("order_status", "ID", 1, "Y"),
        "NOTES": ("notes", "ID", 1, "Y"),
        "Due Date": ("due_date", "TITLE", 1, "Y"),
        "legacy_code": ("notes", "MAP", 1, "Y"),
        "Owner-Name": (None, "TITLE", 2, "N"),
        "nothing_like_it": (None, None, 0, "N"),
    }
    status = next(c for c in first if c["column_alias"] == "order_status")
    assert status["column_type"] == "status" and "Working on it" in status["settings_json"]
    assert status["column_title"] == "Order Status" and status["raw_value"] == "Done"
    assert {(c["update_row_no"], c["column_alias"]) for c in cells if c["is_no_op"] == "Y"} == {(2, "order_status")}
    assert {c["batch_id"] for c in cells} == {BATCH} and {c["validation_status"] for c in cells} == {"WARNING"}
    assert {c["monday_item_id"] for c in cells} == {7001, 7002, 7003}
    assert {c["metadata_board_id"] for c in cells} == {BOARD}


def test_cells_of_a_batch_without_rows_or_unknown_are_empty(db):
    seed(db, rows=0)
    assert db.query("SELECT * FROM dbo.fn_MON_StagedCells(?)", (BATCH,)) == []
    assert db.query("SELECT * FROM dbo.fn_MON_StagedCells(?)", ("UB-NONE",)) == []


def test_release_formats_every_cell_of_directly_staged_rows(db):
    """usp_ReleaseBatch on validated rows written directly: each cell formatted as monday writes it. (Values
    with JSON escapes are left to test_format_value.py: a T-SQL engine's OPENJSON gap, docs/engine_gaps.md.)"""
    make_board(db)
    rows = 3
    db.execute(
        "INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, "
        "rows_staged, rows_valid) VALUES ('UB-CELLS-REL', ?, 'ITEMS', 'UPDATE', 'VALIDATED', ?, ?)",
        (BOARD, rows, rows))
    for n in range(1, rows + 1):
        fields = {"order_status": " in progress ", "Due Date": "2026-06-15", "notes": f"row {n}"}
        db.execute(
            "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, update_operation, update_fields, "
            "update_batch_id, update_row_no, validation_status) VALUES (?, 'UPDATE', ?, 'UB-CELLS-REL', ?, 'VALID')",
            (7100 + n, json.dumps(fields, separators=(",", ":")), n))
    # the release sends only what validation saw (it compares each row with the hash validation recorded)
    db.call("usp_ValidateStagedUpdates", batch_id="UB-CELLS-REL")
    db.call("usp_ReleaseBatch", batch_id="UB-CELLS-REL")
    queued = db.query("SELECT update_row_no, monday_item_id, column_values FROM dbo.MON_UpdateQueue "
                      "WHERE batch_id = 'UB-CELLS-REL' ORDER BY update_row_no")
    assert [(q["update_row_no"], q["monday_item_id"]) for q in queued] == [(1, 7101), (2, 7102), (3, 7103)]
    assert [json.loads(q["column_values"]) for q in queued] == [
        {"order_status": {"index": 1}, "due_date": {"date": "2026-06-15"}, "notes": f"row {n}"}
        for n in range(1, rows + 1)
    ]
