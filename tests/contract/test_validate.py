"""usp_ValidateStagedUpdates and the rules of MON_ValidationRule (rules as data), per rule and column type."""

from __future__ import annotations

import json

import pytest

from sender.db import DbError
from tests.contract.helpers import (
    BOARD_ID,
    ITEM_ID,
    OTHER_ITEM_ID,
    errors_of,
    is_mssql,
    load_item_rows,
    load_planning_board,
    rules_of,
    snapshot,
    stage,
    staged_rows,
)


@pytest.fixture
def board(db):
    load_planning_board(db)
    load_item_rows(db)
    return db


def one(db, fields_sql: str, **params) -> dict:
    """Stage one UPDATE row of ITEM_ID with the given value columns; return the staged row."""
    batch_id = stage(db, f"SELECT {ITEM_ID} AS monday_item_id, {fields_sql}", **params).outputs["batch_id"]
    return dict(staged_rows(db, batch_id)[0], batch_id=batch_id)


def lit(text: str | None) -> str:
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


def validate(db, batch_id: str) -> list[dict]:
    db.call("usp_ValidateStagedUpdates", batch_id=batch_id)
    return staged_rows(db, batch_id)


# -- value formats per column type ---------------------------------------------------------------------
GOOD_BAD = [
    # alias, good values, bad values, rule
    ("order_status", ["In Progress", " in progress ", "2024", "7", "Done"], ["Finished", "99"], "STATUS_LABEL"),
    ("dropdown", ["Cookie", "Cookie, Cupcake", "2024", "3"], ["Brownie", "Cookie, Brownie"], "DROPDOWN_LABEL"),
    ("due_date", ["2026-06-15", "2026-06-15 09:30", "2026-06-15T09:30:00+02:00", "2026-06-15T09:30:00Z",
                  "2026-06-15T09:30:00+14:00", "2026-06-15T09:30:00-14:00"],
     ["2026-02-30", "15/06/2026", "tomorrow", "2026-06-15 25:00", "2026-06-15T09:30:00+14:30",
      "2026-06-15T09:30:00-14:30"], "DATE_FORMAT"),
    ("quantity", ["3", "-12.50", " 7 ", ".5"], ["1,000", "3 units", "1e5", "--1"], "NUMBER_FORMAT"),
    ("email", ["pat@example.com", "pat@example.com Pat"], ["pat", "pat@example", "a@b@c.com", "@example.com"], "EMAIL_FORMAT"),
    ("phone", ["+12025550169 US", "+1 (202) 555-0169 us"], ["+12025550169", "12 US", "call me US"], "PHONE_FORMAT"),
    ("link", ["https://example.com", "http://example.com/x Order"], ["example.com", "ftp://x", "https://"], "LINK_FORMAT"),
    ("checkbox", ["true", "1", "no", "Y"], ["maybe", "2"], "CHECKBOX_FORMAT"),
    ("rating", ["1", "5"], ["0", "6", "4.5", "x"], "RATING_FORMAT"),
    ("hour", ["16:42", "9:05", "00:00"], ["24:00", "16.42", "4pm"], "HOUR_FORMAT"),
    ("timeline", ["2026-06-01/2026-06-30"], ["2026-06-30/2026-06-01", "2026-06-01", "2026-06-01/x"], "TIMELINE_FORMAT"),
    ("country", ["US", "de Germany"], ["USA", "1", "U"], "COUNTRY_FORMAT"),
    ("owner", ["4616627", "pat@example.com", "sam@example.com, team:51166"], ["nobody@example.com", "x"], "PEOPLE_FORMAT"),
]


@pytest.mark.parametrize(("alias", "good", "bad", "rule"), GOOD_BAD, ids=[g[3] for g in GOOD_BAD])
def test_value_rules(board, alias, good, bad, rule):
    db = board
    values = good + bad + [None, ""]
    rows = [f"SELECT {1000 + i} AS monday_item_id, {lit(v)} AS {alias}" for i, v in enumerate(values)]
    batch_id = stage(db, " UNION ALL ".join(rows)).outputs["batch_id"]
    staged = staged_rows(db, batch_id)
    n_good = len(good)
    for row in staged[:n_good]:
        assert row["validation_status"] in ("VALID", "WARNING"), (row["update_fields"], row["validation_errors"])
        assert rule not in rules_of(row)
    for row in staged[n_good:n_good + len(bad)]:
        assert row["validation_status"] == "INVALID", row["update_fields"]
        errs = [e for e in errors_of(row) if e["rule"] == rule]
        assert errs and errs[0]["column"] == alias and errs[0]["severity"] == "ERROR"
    for row in staged[n_good + len(bad):]:  # NULL and '' clear the cell
        assert rule not in rules_of(row), row
    # every cell of a row that passed has a monday write value
    cells = db.query(
        "SELECT c.column_type, c.raw_value, c.settings_json, c.validation_status FROM dbo.fn_MON_StagedCells(?) AS c",
        (batch_id,),
    )
    for c in cells:
        if c["validation_status"] != "INVALID":
            assert db.scalar(
                "SELECT dbo.fn_MON_FormatColumnValue(?, ?, ?)", (c["column_type"], c["raw_value"], c["settings_json"])
            ) is not None, c


def test_rows_of_a_batch_with_many_errors_list_every_error(board):
    row = one(board, "'Nope' AS order_status, 'x' AS quantity, 'y' AS bogus")
    assert row["validation_status"] == "INVALID"
    errs = errors_of(row)
    assert {(e["rule"], e["column"]) for e in errs} == {
        ("STATUS_LABEL", "order_status"), ("NUMBER_FORMAT", "quantity"), ("COLUMN_EXISTS", "bogus"),
    }
    status = next(e for e in errs if e["rule"] == "STATUS_LABEL")
    assert "'Nope'" in status["message"] and "'In Progress'" in status["message"] and "create_labels_if_missing" in status["message"]


def test_create_labels_if_missing_lets_unknown_labels_pass(board):
    row = one(board, "'Brand new' AS order_status, 'Brownie' AS dropdown", create_labels_if_missing="Y")
    assert row["validation_status"] == "VALID", row["validation_errors"]


def test_long_text_and_name_lengths(board):
    db = board
    rep = "REPLICATE" if is_mssql(db) else "repeat"
    ok = one(db, f"{rep}('é', 2000) AS long_text, {rep}('n', 255) AS name")
    assert ok["validation_status"] == "VALID", ok["validation_errors"]
    bad = one(db, f"{rep}('x', 2001) AS long_text, '   ' AS name")
    assert rules_of(bad) == {"LONG_TEXT_LENGTH", "NAME_LENGTH"}
    assert "2001" in next(e for e in errors_of(bad) if e["rule"] == "LONG_TEXT_LENGTH")["message"]


@pytest.mark.engine_gap("len-code-points")
def test_lengths_count_utf16_code_units(board):
    """Text and name limits count UTF-16 code units in both engines (docs/sql_conventions.md): an emoji is two,
    so a value validated here fits monday's limit whether monday counts code units or characters."""
    db = board
    rep, n = ("REPLICATE", "N") if is_mssql(db) else ("repeat", "")
    emoji = "\U0001F600"
    ok = one(db, f"{rep}({n}'{emoji}', 1000) AS long_text, {rep}({n}'{emoji}', 127) AS name")
    assert ok["validation_status"] == "VALID", ok["validation_errors"]
    bad = one(db, f"{rep}({n}'{emoji}', 1001) AS long_text, {rep}({n}'{emoji}', 128) AS name")
    assert rules_of(bad) == {"LONG_TEXT_LENGTH", "NAME_LENGTH"}
    messages = {e["rule"]: e["message"] for e in errors_of(bad)}
    assert "2002" in messages["LONG_TEXT_LENGTH"] and "256 characters" in messages["NAME_LENGTH"], messages
    created = stage(db, f"SELECT {rep}({n}'{emoji}', 127) AS item_name", update_operation="CREATE").outputs["batch_id"]
    assert [rules_of(r) for r in staged_rows(db, created)] == [set()]
    # a key column that does not fit is refused at staging, on both engines, by the same count (50209)
    with pytest.raises(DbError) as err:
        stage(db, f"SELECT {rep}({n}'{emoji}', 128) AS item_name", update_operation="CREATE")
    assert err.value.number == 50209 and "256 characters" in err.value.message


def test_column_mapping_by_id_title_and_map(board):
    db = board
    row = one(db, "'Done' AS status, 'Acme' AS \"Customer Name\", '3' AS \"QUANTITY\"")
    assert row["validation_status"] == "VALID", row["validation_errors"]
    unmapped = one(db, "'x' AS cust_name")
    err = errors_of(unmapped)[0]
    assert err["rule"] == "COLUMN_EXISTS" and err["column"] == "cust_name"
    assert "text (Customer Name)" in err["message"] and "MON_ColumnMap" in err["message"]
    db.execute("INSERT INTO dbo.MON_ColumnMap (board_id, source_alias, column_id) VALUES (?, 'cust_name', 'text')", (BOARD_ID,))
    db.execute("INSERT INTO dbo.MON_ColumnMap (board_id, source_alias, column_id) VALUES (NULL, 'qty_any_board', 'numbers')")
    mapped = one(db, "'Acme' AS cust_name, '4' AS qty_any_board")
    assert mapped["validation_status"] == "VALID", mapped["validation_errors"]
    cells = db.query("SELECT column_alias, column_id, match_kind FROM dbo.fn_MON_StagedCells(?) ORDER BY field_no",
                     (mapped["batch_id"],))
    assert [(c["column_id"], c["match_kind"]) for c in cells] == [("text", "MAP"), ("numbers", "MAP")]


def test_ambiguous_title(db):
    board = {
        "id": str(BOARD_ID), "name": "Planning", "groups": [],
        "columns": [
            {"id": "status", "title": "Order Status", "type": "status", "settings": {"labels": {"1": "Done"}}},
            {"id": "status_1", "title": "Order-Status", "type": "status", "settings": {"labels": {"1": "Done"}}},
        ],
    }
    db.call("usp_UpsertBoardMetadata", board_json=json.dumps(board))
    row = one(db, "'Done' AS order_status")
    err = errors_of(row)[0]
    assert err["rule"] == "COLUMN_AMBIGUOUS"
    assert "status (Order Status)" in err["message"] and "status_1 (Order-Status)" in err["message"]


def test_read_only_column_names_its_type(board):
    row = one(board, "'1' AS formula, '2' AS subitems")
    errs = {e["column"]: e for e in errors_of(row)}
    assert errs["formula"]["rule"] == "COLUMN_WRITABLE" and "type formula" in errs["formula"]["message"]
    assert errs["subitems"]["rule"] == "COLUMN_WRITABLE" and "subtasks" in errs["subitems"]["message"]


def test_board_metadata_missing_then_synced(db):
    load_item_rows(db)
    batch_id = stage(db, f"SELECT {ITEM_ID} AS monday_item_id, 'Done' AS order_status").outputs["batch_id"]
    row = staged_rows(db, batch_id)[0]
    assert row["validation_status"] == "INVALID"
    err = errors_of(row)[0]
    assert err["rule"] == "BOARD_METADATA" and "opus-sender sync-board --board-id 8709134353" in err["message"]
    load_planning_board(db)
    assert validate(db, batch_id)[0]["validation_status"] == "VALID"
    assert db.scalar("SELECT rows_valid FROM dbo.MON_UpdateBatch WHERE batch_id = ?", (batch_id,)) == 1


def test_stale_metadata_and_disabling_the_rule(board):
    db = board
    stale = "DATEADD(hour, -30, SYSUTCDATETIME())" if is_mssql(db) else "(now() AT TIME ZONE 'UTC') - interval '30 hours'"
    db.execute(f"UPDATE dbo.MON_Board SET synced_at = {stale} WHERE board_id = ?", (BOARD_ID,))
    row = one(db, "'Done' AS order_status")
    err = errors_of(row)[0]
    assert err["rule"] == "METADATA_FRESH" and "30 hours" in err["message"] and "sync-board" in err["message"]
    batch_id = row["batch_id"]
    db.execute("UPDATE dbo.MON_ValidationRule SET is_enabled = 'N' WHERE rule_code = 'METADATA_FRESH'")
    assert validate(db, batch_id)[0]["validation_status"] == "VALID"
    # severity is data too
    db.execute("UPDATE dbo.MON_ValidationRule SET is_enabled = 'Y', severity = 'WARNING' WHERE rule_code = 'METADATA_FRESH'")
    assert validate(db, batch_id)[0]["validation_status"] == "WARNING"


def test_message_templates_are_data(board):
    db = board
    db.execute("UPDATE dbo.MON_ValidationRule SET message_template = 'Bad status {value} in {column}' WHERE rule_code = 'STATUS_LABEL'")
    row = one(db, "'Nope' AS order_status")
    assert errors_of(row)[0]["message"] == "Bad status 'Nope' in 'order_status'"


def test_keys_items_and_groups(db):
    load_planning_board(db, items=True)
    batch_id = stage(
        db,
        f"SELECT CAST(NULL AS bigint) AS monday_item_id, 'Done' AS order_status UNION ALL "
        f"SELECT 999, 'Done' UNION ALL SELECT {OTHER_ITEM_ID}, 'Done'",
    ).outputs["batch_id"]
    rows = staged_rows(db, batch_id)
    assert [rules_of(r) for r in rows] == [{"KEY_ITEM_ID"}, {"ITEM_ON_BOARD"}, set()]
    assert "opus-sender sync-board --board-id 8709134353" in errors_of(rows[1])[0]["message"]

    created = stage(
        db, "SELECT '' AS item_name, 'topics' AS group_id UNION ALL SELECT 'ok', 'nogroup' UNION ALL SELECT 'ok', NULL",
        update_operation="CREATE",
    ).outputs["batch_id"]
    rows = staged_rows(db, created)
    assert [rules_of(r) for r in rows] == [{"KEY_ITEM_NAME"}, {"GROUP_EXISTS"}, set()]
    assert "topics (This week)" in errors_of(rows[1])[0]["message"]
    # group ids are case-sensitive in monday: 'Topics' and 'topics ' are not the group 'topics'
    cased = stage(db, "SELECT 'a' AS item_name, 'Topics' AS group_id UNION ALL SELECT 'b', 'topics ' "
                      "UNION ALL SELECT 'c', 'topics'", update_operation="CREATE").outputs["batch_id"]
    assert [rules_of(r) for r in staged_rows(db, cased)] == [{"GROUP_EXISTS"}, {"GROUP_EXISTS"}, set()]

    subs = stage(
        db, f"SELECT CAST(NULL AS bigint) AS parent_item_id, 'a' AS item_name UNION ALL SELECT 5, 'b' "
        f"UNION ALL SELECT {ITEM_ID}, 'c'",
        update_operation="CREATE", target_level="SUBITEMS",
    ).outputs["batch_id"]
    rows = staged_rows(db, subs, "STG_MON_CustMasterSchedule_Subitems")
    assert [rules_of(r) for r in rows] == [{"KEY_PARENT"}, {"ITEM_ON_BOARD"}, set()]


def test_conflicting_duplicates_and_no_op(board):
    db = board
    batch_id = stage(
        db,
        f"SELECT {ITEM_ID} AS monday_item_id, 'Done' AS order_status UNION ALL "
        f"SELECT {ITEM_ID}, 'Stuck' UNION ALL "
        f"SELECT {OTHER_ITEM_ID}, 'Done' UNION ALL SELECT {OTHER_ITEM_ID}, 'Done'",
    ).outputs["batch_id"]
    rows = staged_rows(db, batch_id)
    assert rows[0]["validation_status"] == "INVALID" and rules_of(rows[0]) == {"DUPLICATE_CONFLICT"}
    assert "1, 2" in errors_of(rows[0])[0]["message"]
    assert rows[1]["validation_status"] == "INVALID"
    # item 2's loaded status is 'Done' already: a warning, and the cell is marked for release to leave out
    assert rows[2]["validation_status"] == "WARNING" and rules_of(rows[2]) == {"NO_OP"}
    cells = db.query("SELECT update_row_no, is_no_op FROM dbo.fn_MON_StagedCells(?) ORDER BY update_row_no", (batch_id,))
    assert [c["is_no_op"] for c in cells] == ["N", "N", "Y", "Y"]


def test_no_op_compares_dates_and_numbers_as_loaded(board):
    db = board
    row = one(db, "'2026-07-01' AS due_date, '12.50' AS quantity, 'ACME' AS customer_name")
    assert {(e["rule"], e["column"]) for e in errors_of(row)} == {
        ("NO_OP", "due_date"), ("NO_OP", "quantity"), ("NO_OP", "customer_name"),
    }
    assert row["validation_status"] == "WARNING"
    changed = one(db, "'2026-07-02' AS due_date, '13' AS quantity")
    assert changed["validation_status"] == "VALID"


def test_row_with_nothing_to_change_warns(board):
    db = board
    batch_id = stage(db, f"SELECT {ITEM_ID} AS monday_item_id").outputs["batch_id"]
    row = staged_rows(db, batch_id)[0]
    assert row["validation_status"] == "WARNING" and rules_of(row) == {"NO_FIELDS"}


def test_view_lists_one_row_per_error(board):
    db = board
    row = one(db, "'Nope' AS order_status, 'x' AS quantity")
    batch_id = row["batch_id"]
    view = db.query(
        "SELECT batch_id, target_level, update_row_no, monday_item_id, item_name, validation_status, rule_code, column_id, "
        "message FROM dbo.vw_MON_ValidationErrors WHERE batch_id = ? ORDER BY rule_code", (batch_id,),
    )
    assert [(v["rule_code"], v["column_id"], v["target_level"], v["update_row_no"]) for v in view] == [
        ("NUMBER_FORMAT", "quantity", "ITEMS", 1), ("STATUS_LABEL", "order_status", "ITEMS", 1),
    ]
    assert all(v["monday_item_id"] == ITEM_ID and v["validation_status"] == "INVALID" for v in view)
    assert row["validation_status"] == "INVALID"


def test_validate_errors_and_run_log(board):
    db = board
    batch_id = stage(db, f"SELECT {ITEM_ID} AS monday_item_id, 'Done' AS order_status").outputs["batch_id"]
    before = snapshot(db)
    cases = [(None, 50301), ("NO-SUCH-BATCH", 50302)]
    for bid, number in cases:
        with pytest.raises(DbError) as err:
            db.call("usp_ValidateStagedUpdates", batch_id=bid)
        assert err.value.number == number
    db.execute("UPDATE dbo.MON_UpdateBatch SET batch_status = 'READY' WHERE batch_id = ?", (batch_id,))
    with pytest.raises(DbError) as err:
        db.call("usp_ValidateStagedUpdates", batch_id=batch_id)
    assert err.value.number == 50303 and "READY" in err.value.message
    db.execute("UPDATE dbo.MON_UpdateBatch SET batch_status = 'VALIDATED' WHERE batch_id = ?", (batch_id,))
    assert snapshot(db) == before
    db.execute("DELETE FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id = ?", (batch_id,))
    with pytest.raises(DbError) as err:
        db.call("usp_ValidateStagedUpdates", batch_id=batch_id)
    assert err.value.number == 50304 and "stage the query again" in err.value.message
    log = db.query("SELECT outcome, error_number FROM dbo.MON_RunLog WHERE proc_name = 'usp_ValidateStagedUpdates' ORDER BY run_id")
    assert [(r["outcome"], r["error_number"]) for r in log] == [("FAILED", 50302), ("FAILED", 50303), ("FAILED", 50304)]
    text = "\n".join(db.call("usp_ValidateStagedUpdates", help="Y").messages)
    assert "batch_id" in text and "Examples" in text


def test_revalidation_after_a_fix(board):
    db = board
    row = one(db, "'Finished' AS order_status")
    batch_id = row["batch_id"]
    assert row["validation_status"] == "INVALID"
    labels = json.dumps({"labels": {"1": "Done", "20": "Finished"}})
    db.execute("UPDATE dbo.MON_BoardColumn SET settings_json = ? WHERE board_id = ? AND column_id = 'status'", (labels, BOARD_ID))
    assert validate(db, batch_id)[0]["validation_status"] == "VALID"
    batch = db.query("SELECT batch_status, rows_valid, rows_invalid, validated_at FROM dbo.MON_UpdateBatch WHERE batch_id = ?",
                     (batch_id,))[0]
    assert (batch["batch_status"], batch["rows_valid"], batch["rows_invalid"]) == ("VALIDATED", 1, 0)


def test_text_length_rule(board):
    """N5: a text value longer than monday accepts is refused by validation (TEXT_LENGTH, 2,000 characters),
    not at send time; the rule is data (disabling it lets the row pass)."""
    db = board
    rep = "REPLICATE" if is_mssql(db) else "repeat"
    ok = one(db, f"{rep}('é', 2000) AS text")
    assert ok["validation_status"] == "VALID", ok["validation_errors"]
    bad = one(db, f"{rep}(CAST('x' AS {'nvarchar(max)' if is_mssql(db) else 'text'}), 1048576) AS customer_name")
    assert bad["validation_status"] == "INVALID" and rules_of(bad) == {"TEXT_LENGTH"}
    err = errors_of(bad)[0]
    assert err["column"] == "customer_name" and "1048576 characters" in err["message"] and "2000" in err["message"]
    db.execute("UPDATE dbo.MON_ValidationRule SET is_enabled = 'N' WHERE rule_code = 'TEXT_LENGTH'")
    assert validate(db, bad["batch_id"])[0]["validation_status"] == "VALID"


def test_unknown_board_never_validates_clean(board):
    """N4: a board with no MON_Board row (never synced) gets every row INVALID, naming the sync command,
    for items and for subitems; release then refuses the batch."""
    db = board
    batch_id = stage(db, "SELECT monday_item_id, 'Done' AS order_status FROM dbo.STG_MON_CustMasterSchedule "
                         "WHERE update_batch_id IS NULL", board_id=999).outputs["batch_id"]
    rows = staged_rows(db, batch_id)
    assert len(rows) == 2 and all(r["validation_status"] == "INVALID" for r in rows)
    for r in rows:
        assert rules_of(r) == {"BOARD_METADATA"}
        assert "`opus-sender sync-board --board-id 999`" in errors_of(r)[0]["message"]
    assert db.scalar("SELECT rows_invalid FROM dbo.MON_UpdateBatch WHERE batch_id = ?", (batch_id,)) == 2
    with pytest.raises(DbError) as err:
        db.call("usp_ReleaseBatch", batch_id=batch_id)
    assert err.value.number == 50409
    sub = stage(db, f"SELECT {ITEM_ID} AS parent_item_id, 'Cut steel' AS item_name", board_id=999,
                update_operation="CREATE", target_level="SUBITEMS").outputs["batch_id"]
    row = staged_rows(db, sub, "STG_MON_CustMasterSchedule_Subitems")[0]
    assert row["validation_status"] == "INVALID" and "BOARD_METADATA" in rules_of(row)


def test_no_op_rule_over_many_loaded_rows(board):
    """The no-op rule compares every cell with the loaded rows of the staging table in one set-based pass
    (growth with the batch size is measured in scripts/bench_db.py, not asserted here)."""
    db = board
    gen = ("(SELECT TOP (3000) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS g FROM sys.all_objects AS a "
           "CROSS JOIN sys.all_objects AS b) AS s") if is_mssql(db) else "generate_series(1, 3000) AS s (g)"
    db.execute(f"INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, customer_name) "
               f"SELECT 5000000000 + g, {BOARD_ID}, 'c' FROM {gen}")
    db.execute("DELETE FROM dbo.MON_BoardItem WHERE board_id = ?", (BOARD_ID,))
    query = ("SELECT monday_item_id, 'Done' AS order_status, '2026-07-01' AS due_date, '3' AS quantity, "
             "'c' AS customer_name, 'n' AS long_text FROM dbo.STG_MON_CustMasterSchedule "
             "WHERE update_batch_id IS NULL AND monday_item_id > 5000000000")
    batch_id = stage(db, query).outputs["batch_id"]
    counts = db.query("SELECT rows_staged, rows_warning FROM dbo.MON_UpdateBatch WHERE batch_id = ?", (batch_id,))[0]
    assert counts == {"rows_staged": 3000, "rows_warning": 3000}  # customer_name equals the loaded value: NO_OP
