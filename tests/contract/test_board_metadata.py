"""usp_UpsertBoardMetadata and fn_MON_NormalizeTitle: the board metadata validation works against."""

from __future__ import annotations

import json

import pytest

from sender.db import DbError
from tests.contract.helpers import (
    BOARD_ID,
    ITEM_ID,
    OTHER_ITEM_ID,
    PLANNING_COLUMNS,
    SUBITEMS_BOARD_ID,
    load_planning_board,
    planning_board,
    subitems_board,
)


def upsert(db, board) -> None:
    db.call("usp_UpsertBoardMetadata", board_json=board if isinstance(board, str) else json.dumps(board))


def counts(db) -> dict:
    return {
        t: db.scalar(f"SELECT COUNT(*) FROM dbo.{t}")
        for t in ("MON_Board", "MON_BoardColumn", "MON_BoardGroup", "MON_BoardItem", "MON_User")
    }


@pytest.mark.engine_gap("openjson-unescape")
def test_a_legacy_settings_string_is_stored_as_the_object_it_holds(db):
    """monday's settings_str: the settings as JSON text in a string; stored as the object it holds."""
    labels = {"labels": [{"id": 1, "name": "Cookie"}, {"id": 2, "name": "Cupcake"}]}
    upsert(db, {"id": 77, "name": "Legacy", "board_kind": "public", "columns": [
        {"id": "dropdown", "title": "Product Line", "type": "dropdown", "settings": json.dumps(labels)}]})
    stored = db.scalar("SELECT settings_json FROM dbo.MON_BoardColumn WHERE board_id = 77 AND column_id = 'dropdown'")
    assert json.loads(stored) == labels


def test_planning_board_is_stored_with_columns_groups_users(db):
    load_planning_board(db)
    board = db.query("SELECT * FROM dbo.MON_Board WHERE board_id = ?", (BOARD_ID,))[0]
    assert board["board_name"] == "Planning"
    assert board["board_kind"] == "public"
    assert board["subitems_board_id"] == SUBITEMS_BOARD_ID
    assert board["synced_at"] is not None
    sub = db.query("SELECT * FROM dbo.MON_Board WHERE board_id = ?", (SUBITEMS_BOARD_ID,))[0]
    assert sub["parent_board_id"] == BOARD_ID
    cols = {r["column_id"]: r for r in db.query("SELECT * FROM dbo.MON_BoardColumn WHERE board_id = ?", (BOARD_ID,))}
    assert set(cols) == {c["id"] for c in PLANNING_COLUMNS}
    assert cols["status"]["normalized_title"] == "order_status"
    assert cols["date4"]["normalized_title"] == "due_date"
    assert cols["text"]["normalized_title"] == "customer_name"
    assert cols["formula"]["is_writable"] == "N"
    assert cols["subtasks"]["is_writable"] == "N"
    assert cols["status"]["is_writable"] == "Y"
    assert json.loads(cols["status"]["settings_json"])["labels"][4] == {
        "id": 7, "label": "In Progress", "color": "bright_blue", "index": 4,
    }
    assert json.loads(cols["dropdown"]["settings_json"])["labels"][0] == {"id": 1, "name": "Cookie"}
    groups = db.query("SELECT group_id, title FROM dbo.MON_BoardGroup WHERE board_id = ? ORDER BY group_id", (BOARD_ID,))
    assert groups == [{"group_id": "group_title", "title": "Next week"}, {"group_id": "topics", "title": "This week"}]
    users = db.query("SELECT user_id, user_kind, email FROM dbo.MON_User ORDER BY user_id")
    assert {(u["user_id"], u["user_kind"]) for u in users} == {(4616627, "person"), (4616628, "person"), (51166, "team")}


def test_resync_updates_and_deletes_columns_groups_and_items(db):
    board = planning_board(items=[
        {"id": str(ITEM_ID), "name": "Order 1001", "group": {"id": "topics"}},
        {"id": str(OTHER_ITEM_ID), "name": "Order 1002", "group": {"id": "topics"}},
    ])
    upsert(db, board)
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_BoardItem WHERE board_id = ?", (BOARD_ID,)) == 2
    board2 = planning_board(
        columns=[dict(c, title="Status Of Order") if c["id"] == "status" else c for c in PLANNING_COLUMNS if c["id"] != "rating"],
        groups=[{"id": "topics", "title": "This week"}],
        items=[{"id": str(ITEM_ID), "name": "Order 1001 renamed", "group": {"id": "topics"}}],
    )
    upsert(db, board2)
    ids = {r["column_id"] for r in db.query("SELECT column_id FROM dbo.MON_BoardColumn WHERE board_id = ?", (BOARD_ID,))}
    assert "rating" not in ids and "status" in ids
    assert db.scalar(
        "SELECT normalized_title FROM dbo.MON_BoardColumn WHERE board_id = ? AND column_id = 'status'", (BOARD_ID,)
    ) == "status_of_order"
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_BoardGroup WHERE board_id = ?", (BOARD_ID,)) == 1
    items = db.query("SELECT item_id, item_name, group_id FROM dbo.MON_BoardItem WHERE board_id = ?", (BOARD_ID,))
    assert items == [{"item_id": ITEM_ID, "item_name": "Order 1001 renamed", "group_id": "topics"}]
    # a sync without "items" keeps the items
    upsert(db, planning_board())
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_BoardItem WHERE board_id = ?", (BOARD_ID,)) == 1


def test_subitems_board_synced_first_is_linked_later(db):
    upsert(db, subitems_board())
    upsert(db, planning_board())
    assert db.scalar("SELECT parent_board_id FROM dbo.MON_Board WHERE board_id = ?", (SUBITEMS_BOARD_ID,)) == BOARD_ID
    upsert(db, subitems_board())  # and a resync of the subitems board keeps the link
    assert db.scalar("SELECT parent_board_id FROM dbo.MON_Board WHERE board_id = ?", (SUBITEMS_BOARD_ID,)) == BOARD_ID


def test_sync_is_logged(db):
    load_planning_board(db, subitems=False)
    log = db.query("SELECT proc_name, outcome, end_time, rows_affected FROM dbo.MON_RunLog WHERE proc_name = 'usp_UpsertBoardMetadata'")
    assert len(log) == 1
    assert log[0]["outcome"] == "SUCCEEDED" and log[0]["end_time"] is not None and log[0]["rows_affected"] > 0


@pytest.mark.parametrize(
    ("board", "number", "words"),
    [
        ("not json", 50101, "not a JSON object"),
        ("[1, 2]", 50101, "not a JSON object"),
        (json.dumps(planning_board(id="abc")), 50102, "numeric \"id\""),
        (json.dumps(planning_board(name="  ")), 50103, "no \"name\""),
        (json.dumps({"id": "1", "name": "x"}), 50104, "\"columns\" array"),
        (json.dumps(planning_board(columns=[{"id": "status", "title": "Status"}])), 50105, "status"),
        (json.dumps(planning_board(columns=PLANNING_COLUMNS + [PLANNING_COLUMNS[1]])), 50106, "status"),
        (json.dumps(planning_board(items=[{"id": "x1", "name": "bad"}])), 50107, "x1"),
    ],
)
def test_bad_board_json_is_refused_and_changes_nothing(db, board, number, words):
    load_planning_board(db)
    before = counts(db)
    with pytest.raises(DbError) as err:
        upsert(db, board)
    assert err.value.number == number
    assert words in err.value.message
    assert counts(db) == before


def test_help_prints_parameters_and_does_nothing(db):
    res = db.call("usp_UpsertBoardMetadata", help="Y")
    text = "\n".join(res.messages)
    assert "board_json" in text and "Examples" in text
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_RunLog") == 0


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Order Status", "order_status"),
        (" Due Date (UTC) ", "due_date_utc"),
        ("order_status", "order_status"),
        ("% Complete", "complete"),
        ("Qty--2024", "qty_2024"),
        ("Ünïcode Name 🚀", "n_code_name"),
        ("___", ""),
        (None, None),
    ],
)
def test_normalize_title(db, title, expected):
    assert db.scalar("SELECT dbo.fn_MON_NormalizeTitle(?)", (title,)) == expected
