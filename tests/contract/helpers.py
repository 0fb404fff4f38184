"""Helpers of the staging / validation contract tests: a realistic Planning board and small call wrappers.

Everything goes through sender.db.Database (the sender's own layer), so the tests run unchanged on
SQL Server when MSSQL_DSN is set.
"""

from __future__ import annotations

import json
from typing import Any

from sender.db import MSSQL, Database

BOARD_ID = 8709134353
SUBITEMS_BOARD_ID = 8709134354
ITEM_ID = 1234567890  # the "safe test item" of the owner's plan
OTHER_ITEM_ID = 1234567891

STATUS_LABELS = [
    {"id": 0, "label": "Working on it", "color": "working_orange", "index": 0},
    {"id": 1, "label": "Done", "color": "done_green", "index": 1},
    {"id": 2, "label": "Stuck", "color": "stuck_red", "index": 2},
    {"id": 5, "label": "", "color": "grey", "index": 3},
    {"id": 7, "label": "In Progress", "color": "bright_blue", "index": 4},
    {"id": 11, "label": "2024", "color": "purple", "index": 5},
]

PLANNING_COLUMNS: list[dict[str, Any]] = [
    {"id": "name", "title": "Name", "type": "name", "settings": {}},
    {"id": "status", "title": "Order Status", "type": "status", "settings": {"type": "status", "labels": STATUS_LABELS}},
    {"id": "date4", "title": "Due Date", "type": "date", "settings": {}},
    {"id": "numbers", "title": "Quantity", "type": "numbers", "settings": {}},
    {"id": "person", "title": "Owner", "type": "people", "settings": {}},
    {"id": "email", "title": "Email", "type": "email", "settings": {}},
    {"id": "phone", "title": "Phone", "type": "phone", "settings": {}},
    {"id": "link", "title": "Link", "type": "link", "settings": {}},
    {"id": "checkbox", "title": "Checkbox", "type": "checkbox", "settings": {}},
    {"id": "timeline", "title": "Timeline", "type": "timeline", "settings": {}},
    {"id": "hour", "title": "Hour", "type": "hour", "settings": {}},
    {"id": "rating", "title": "Rating", "type": "rating", "settings": {"max": 5}},
    {"id": "country", "title": "Country", "type": "country", "settings": {}},
    {"id": "long_text", "title": "Notes", "type": "long_text", "settings": {}},
    {
        "id": "dropdown",
        "title": "Product Line",
        "type": "dropdown",
        "settings": {"labels": [{"id": 1, "name": "Cookie"}, {"id": 2, "name": "Cupcake"}, {"id": 3, "name": "2024"}]},
    },
    {"id": "text", "title": "Customer Name", "type": "text", "settings": {}},
    {"id": "formula", "title": "Total", "type": "formula", "settings": {"formula": "{numbers}*2"}},
    {"id": "subtasks", "title": "Subitems", "type": "subtasks", "settings": {"allowMultipleItems": True, "boardIds": [SUBITEMS_BOARD_ID]}},
]

USERS = [
    {"id": 4616627, "name": "Pat Planner", "email": "pat@example.com"},
    {"id": 4616628, "name": "Sam Scheduler", "email": "Sam@Example.com"},
]
TEAMS = [{"id": 51166, "name": "Planning team"}]


def planning_board(**overrides: Any) -> dict[str, Any]:
    board = {
        "id": str(BOARD_ID),
        "name": "Planning",
        "board_kind": "public",
        "columns": PLANNING_COLUMNS,
        "groups": [{"id": "topics", "title": "This week"}, {"id": "group_title", "title": "Next week"}],
        "users": USERS,
        "teams": TEAMS,
    }
    board.update(overrides)
    return board


def subitems_board(**overrides: Any) -> dict[str, Any]:
    board = {
        "id": str(SUBITEMS_BOARD_ID),
        "name": "Subitems of Planning",
        "board_kind": "sub_items_board",
        "columns": [
            {"id": "name", "title": "Name", "type": "name", "settings": {}},
            {"id": "status", "title": "Order Status", "type": "status", "settings": {"labels": {"1": "Done", "7": "In Progress"}}},
            {"id": "date0", "title": "Due Date", "type": "date", "settings": {}},
        ],
        "groups": [{"id": "topics", "title": "Subitems"}],
    }
    board.update(overrides)
    return board


def load_planning_board(db: Database, *, items: bool = False, subitems: bool = True, **overrides: Any) -> None:
    """Sync the sample Planning board (and its subitems board) through usp_UpsertBoardMetadata."""
    board = planning_board(**overrides)
    if items:
        board["items"] = [
            {"id": str(ITEM_ID), "name": "Order 1001", "group": {"id": "topics"}},
            {"id": str(OTHER_ITEM_ID), "name": "Order 1002", "group": {"id": "topics"}},
        ]
    db.call("usp_UpsertBoardMetadata", board_json=json.dumps(board))
    if subitems:
        db.call("usp_UpsertBoardMetadata", board_json=json.dumps(subitems_board()))


def load_item_rows(db: Database) -> None:
    """Rows the owner's board loader would have inserted (no batch: never sent)."""
    db.execute(
        "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, group_id, "
        "order_status, due_date, quantity, customer_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ITEM_ID, BOARD_ID, "Order 1001", "topics", "Working on it", "2026-07-01", 12.5, "ACME",
            OTHER_ITEM_ID, BOARD_ID, "Order 1002", "topics", "Done", "2026-07-02", 3, "Globex",
        ),
    )


def stage(db: Database, query: str, **params: Any):
    """usp_StageUpdates with the Planning board by default; returns the CallResult (outputs has batch_id)."""
    params.setdefault("board_id", BOARD_ID)
    outputs = {
        "batch_id": "varchar(50)", "rows_staged": "int", "rows_valid": "int", "rows_warning": "int", "rows_invalid": "int",
    }
    return db.call("usp_StageUpdates", outputs=outputs, query=query, **params)


def staged_rows(db: Database, batch_id: str, table: str = "STG_MON_CustMasterSchedule") -> list[dict[str, Any]]:
    return db.query(
        f"SELECT update_row_no, monday_item_id, monday_board_id, item_name, group_id, update_operation, update_fields, "
        f"source_table, source_query, validation_status, validation_errors FROM dbo.{table} "
        "WHERE update_batch_id = ? ORDER BY update_row_no",
        (batch_id,),
    )


def errors_of(row: dict[str, Any]) -> list[dict[str, Any]]:
    return json.loads(row["validation_errors"] or "[]")


def rules_of(row: dict[str, Any]) -> set[str]:
    return {e["rule"] for e in errors_of(row)}


def snapshot(db: Database) -> dict[str, Any]:
    """Everything a refused call must leave unchanged: staging tables, batches and the queue."""
    return {
        "items": db.query("SELECT * FROM dbo.STG_MON_CustMasterSchedule ORDER BY monday_item_id, update_batch_id, update_row_no"),
        "subitems": db.query(
            "SELECT * FROM dbo.STG_MON_CustMasterSchedule_Subitems ORDER BY monday_item_id, update_batch_id, update_row_no"
        ),
        "batches": db.query("SELECT * FROM dbo.MON_UpdateBatch ORDER BY batch_id"),
        "queue": db.query("SELECT * FROM dbo.MON_UpdateQueue ORDER BY queue_id"),
    }


def fmt(db: Database, column_type: str, raw: str | None, settings: str | None = None) -> Any:
    """fn_MON_FormatColumnValue as parsed JSON (None for SQL NULL, the string 'SQL NULL' never: see fmt_text)."""
    text = fmt_text(db, column_type, raw, settings)
    return None if text is None else json.loads(text)


def fmt_text(db: Database, column_type: str, raw: str | None, settings: str | None = None) -> str | None:
    return db.scalar("SELECT dbo.fn_MON_FormatColumnValue(?, ?, ?)", (column_type, raw, settings))


def is_mssql(db: Database) -> bool:
    return db.dialect == MSSQL
