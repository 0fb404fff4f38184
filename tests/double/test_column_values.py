"""Per column type: valid writes (value + text as monday renders), invalid writes (error code), clearing."""

from __future__ import annotations

import json

import pytest

from .conftest import gql

BOARD = 8709134353
MUT = """mutation ($b: ID!, $i: ID!, $v: JSON!, $cl: Boolean) {
  change_multiple_column_values(board_id: $b, item_id: $i, column_values: $v, create_labels_if_missing: $cl) {
    id name column_values { id value text }
  }
}"""
SIMPLE = """mutation ($b: ID!, $i: ID!, $c: String!, $v: String) {
  change_simple_column_value(board_id: $b, item_id: $i, column_id: $c, value: $v) {
    id column_values { id value text }
  }
}"""


def write(d, col, value, create_labels=False, item_index=2):
    iid = d.planning["item_ids"][item_index]
    body = gql(d, MUT, {"b": BOARD, "i": iid, "v": json.dumps({col: value}), "cl": create_labels})
    if body.get("errors"):
        return None, body["errors"][0]
    cvs = {c["id"]: c for c in body["data"]["change_multiple_column_values"]["column_values"]}
    return cvs.get(col, body["data"]["change_multiple_column_values"]), None


def write_simple(d, col, value, item_index=2):
    iid = d.planning["item_ids"][item_index]
    body = gql(d, SIMPLE, {"b": BOARD, "i": iid, "c": col, "v": value})
    if body.get("errors"):
        return None, body["errors"][0]
    return {c["id"]: c for c in body["data"]["change_simple_column_value"]["column_values"]}[col], None


VALID = [
    ("text", "Acme Ltd", "Acme Ltd", "Acme Ltd"),
    ("text0", "SO-9", "SO-9", "SO-9"),
    ("long_text", {"text": "line 1\nline 2"}, {"text": "line 1\nline 2"}, "line 1\nline 2"),
    ("numbers", "3", "3", "3"),
    ("numbers", "-12.75", "-12.75", "-12.75"),
    ("status", {"label": "Done"}, {"index": 1}, "Done"),
    ("status", {"index": 3}, {"index": 3}, "In Progress"),
    ("status", {"index": 6}, {"index": 6}, "2024"),  # numeric-looking label set by its id
    ("status", {"label": "2024"}, {"index": 6}, "2024"),  # ... or by its text: {"label"} is always label text
    ("status", "Stuck", {"index": 2}, "Stuck"),
    ("date4", {"date": "2026-06-15"}, {"date": "2026-06-15", "time": None}, "2026-06-15"),
    ("date4", {"date": "2026-06-15", "time": "09:05:00"}, {"date": "2026-06-15", "time": "09:05:00"},
     "2026-06-15 09:05"),
    ("date4", "2026-06-15", {"date": "2026-06-15"}, "2026-06-15"),
    ("person", {"personsAndTeams": [{"id": 4616627, "kind": "person"}, {"id": 51166, "kind": "team"}]},
     {"personsAndTeams": [{"id": 4616627, "kind": "person"}, {"id": 51166, "kind": "team"}]},
     "Ada Planner, Planners"),
    ("person", "4616628, 4616629", {"personsAndTeams": [{"id": 4616628, "kind": "person"},
                                                        {"id": 4616629, "kind": "person"}]}, "Ben Buyer, Cara Chen"),
    ("dropdown", {"ids": [1, 3]}, {"ids": [1, 3]}, "Urgent, Retail"),
    ("dropdown", {"labels": ["Sample"]}, {"ids": [4]}, "Sample"),
    ("email", {"email": "a@b.com", "text": "Buyer"}, {"email": "a@b.com", "text": "Buyer"}, "Buyer - a@b.com"),
    ("phone", {"phone": "+12025550169", "countryShortName": "US"},
     {"phone": "+12025550169", "countryShortName": "US"}, "+12025550169"),
    ("link", {"url": "https://x.example", "text": "X"}, {"url": "https://x.example", "text": "X"},
     "X - https://x.example"),
    ("checkbox", {"checked": "true"}, {"checked": True}, "v"),
    ("checkbox", {"checked": "false"}, {"checked": False}, ""),
    ("timeline", {"from": "2026-01-01", "to": "2026-01-31"}, {"from": "2026-01-01", "to": "2026-01-31"},
     "2026-01-01 - 2026-01-31"),
    ("hour", {"hour": 16, "minute": 42}, {"hour": 16, "minute": 42}, "16:42"),
    ("rating", {"rating": 5}, {"rating": 5}, "5"),
    ("country", {"countryCode": "DE", "countryName": "Germany"}, {"countryCode": "DE", "countryName": "Germany"},
     "Germany"),
]


@pytest.mark.parametrize("col,value,expected_value,expected_text", VALID,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(VALID)])
def test_valid_write(monday_double, col, value, expected_value, expected_text):
    cv, err = write(monday_double, col, value)
    assert err is None, err
    assert cv["text"] == expected_text
    stored = json.loads(cv["value"])
    if isinstance(expected_value, dict):
        assert {k: stored.get(k) for k in expected_value} == expected_value
    else:
        assert stored == expected_value
    # the store holds the same raw value the API returned
    item = monday_double.store.item(monday_double.planning["item_ids"][2])
    assert item["column_values"][col] == cv["value"]


INVALID = [
    ("numbers", "abc", "ColumnValueException"),
    ("numbers", {"x": 1}, "ColumnValueException"),
    ("status", {"label": "Nope"}, "ColumnValueException"),
    ("status", "2031", "ColumnValueException"),  # the string form of a numeric text is read as an index
    ("status", {"index": 99}, "ColumnValueException"),
    ("date4", {"date": "15/06/2026"}, "ColumnValueException"),
    ("date4", {"date": "2026-02-30"}, "ColumnValueException"),
    ("date4", {"date": "2026-06-15", "time": "25:00:00"}, "ColumnValueException"),
    ("person", {"personsAndTeams": [{"id": 999, "kind": "person"}]}, "InvalidUserIdException"),
    ("person", {"personAndTeams": [{"id": 4616627, "kind": "person"}]}, "ColumnValueException"),
    ("dropdown", {"ids": [1], "labels": ["Urgent"]}, "ColumnValueException"),
    ("dropdown", {"labels": ["Unknown tag"]}, "ColumnValueException"),
    ("dropdown", {"ids": [42]}, "ColumnValueException"),
    ("email", {"email": "a@b.com"}, "ColumnValueException"),  # both email and text are required
    ("email", {"email": "not-an-email", "text": "x"}, "ColumnValueException"),
    ("phone", {"phone": "+12025550169"}, "ColumnValueException"),
    ("phone", {"phone": "+12025550169", "countryShortName": "us"}, "ColumnValueException"),
    ("phone", {"phone": "12", "countryShortName": "US"}, "ColumnValueException"),
    ("link", {"text": "no url"}, "ColumnValueException"),
    ("checkbox", {"checked": "yes"}, "ColumnValueException"),
    ("checkbox", "true", "CorrectedValueException"),
    ("timeline", {"from": "2026-02-01", "to": "2026-01-01"}, "ColumnValueException"),
    ("timeline", {"from": "2026-02-01"}, "ColumnValueException"),
    ("hour", {"hour": 24, "minute": 0}, "ColumnValueException"),
    ("rating", {"rating": 6}, "ColumnValueException"),
    ("rating", {"rating": 0}, "ColumnValueException"),
    ("country", {"countryCode": "XX", "countryName": "Nowhere"}, "ColumnValueException"),
    ("name", "", "ItemNameTooLongException"),
    ("name", "x" * 256, "ItemNameTooLongException"),
    ("name", None, "ItemNameTooLongException"),
    ("formula", "1", "ColumnValueException"),
    ("subtasks", {"item_ids": [1]}, "ColumnValueException"),
    ("no_such_column", "x", "InvalidColumnIdException"),
]


@pytest.mark.parametrize("col,value,code", INVALID, ids=[f"{c[0]}-{i}" for i, c in enumerate(INVALID)])
def test_invalid_write(monday_double, col, value, code):
    before = monday_double.store.item(monday_double.planning["item_ids"][2])
    cv, err = write(monday_double, col, value)
    assert cv is None
    assert err["extensions"]["code"] == code
    assert err["extensions"]["status_code"] == 200
    assert err["path"] == ["change_multiple_column_values"]
    after = monday_double.store.item(monday_double.planning["item_ids"][2])
    assert after["column_values"] == before["column_values"] and after["name"] == before["name"]
    assert monday_double.mutation_log == []


CLEARABLE = {
    # column: clear forms that must empty it (item 0 has every column set)
    "text": [None], "long_text": [None, "", {}], "numbers": [None], "status": [None, {}],
    "date4": [None, {}], "timeline": [None, {}], "person": [None, "", {}], "dropdown": [None, {"labels": []}],
    "email": [None, "", {}], "phone": [None, ""], "link": [None, "", {}], "checkbox": [None],
    "hour": [None, {}], "country": [None, {}], "rating": [None, {}],
}


@pytest.mark.parametrize("col,clear", [(c, v) for c, vs in CLEARABLE.items() for v in vs])
def test_clear(monday_double, col, clear):
    before = monday_double.store.item(monday_double.planning["item_ids"][0])
    assert before["column_values"][col] is not None
    cv, err = write(monday_double, col, clear, item_index=0)
    assert err is None, err
    assert cv["value"] is None
    assert cv["text"] == ("Not Started" if col == "status" else "")


def test_text_and_numbers_empty_string_is_stored_as_recorded(monday_double):
    # recorded: text/numbers written as "" read back value "\"\"" with text ""
    for col in ("text", "numbers"):
        cv, err = write(monday_double, col, "", item_index=0)
        assert err is None and (cv["value"], cv["text"]) == ('""', "")


def test_item_name_via_column_values(monday_double):
    cv, err = write(monday_double, "name", "Renamed order")
    assert err is None and cv["name"] == "Renamed order"
    assert monday_double.store.item(monday_double.planning["item_ids"][2])["name"] == "Renamed order"


def test_create_labels_if_missing(monday_double):
    _, err = write(monday_double, "status", {"label": "On Hold"})
    assert err["extensions"]["code"] == "ColumnValueException"
    cv, err = write(monday_double, "status", {"label": "On Hold"}, create_labels=True)
    assert err is None and cv["text"] == "On Hold"
    new_id = json.loads(cv["value"])["index"]
    assert new_id not in (0, 1, 2, 3, 5, 6)
    settings = gql(monday_double, 'query { boards(ids: [8709134353]) { columns(ids: ["status"]) { settings '
                                  'settings_str } } }')["data"]["boards"][0]["columns"][0]
    assert {"id": new_id, "label": "On Hold"}.items() <= {
        k: v for lab in settings["settings"]["labels"] if lab["label"] == "On Hold" for k, v in lab.items()}.items()
    assert json.loads(settings["settings_str"])["labels"][str(new_id)] == "On Hold"
    cv, err = write(monday_double, "dropdown", {"labels": ["Fragile", "Urgent"]}, create_labels=True)
    assert err is None and cv["text"] == "Fragile, Urgent"



def test_numeric_label_text_is_created_as_a_label(monday_double):
    """monday: {"label": "..."} names a label by its text; only the string form of a numeric text is read
    as an index. A new numeric label is created as that label when labels may be created."""
    _, err = write(monday_double, "status", {"label": "2031"})
    assert err["extensions"]["code"] == "ColumnValueException"  # unknown label, creation not allowed
    cv, err = write(monday_double, "status", {"label": "2031"}, create_labels=True)
    assert err is None and cv["text"] == "2031"
    assert json.loads(cv["value"])["index"] != 2031
    _, err = write(monday_double, "status", "2032", create_labels=True)  # the string form: index 2032
    assert err["extensions"]["code"] == "ColumnValueException"
    cv, err = write(monday_double, "dropdown", {"labels": ["2031"]}, create_labels=True)
    assert err is None and cv["text"] == "2031"


@pytest.mark.parametrize("col,value,text", [
    ("status", "Done", "Done"), ("status", "3", "In Progress"), ("text", "plain", "plain"), ("numbers", "7", "7"),
    ("date4", "2026-06-15 09:00:00", "2026-06-15 09:00"), ("person", "4616627", "Ada Planner"),
    ("dropdown", "Urgent, Retail", "Urgent, Retail"), ("dropdown", "1,2", "Urgent, Wholesale"),
    ("email", "a@b.com Buyer", "Buyer - a@b.com"), ("phone", "+19175998722 US", "+19175998722"),
    ("link", "https://x.example label text", "label text - https://x.example"),
])
def test_simple_string_values(monday_double, col, value, text):
    cv, err = write_simple(monday_double, col, value)
    assert err is None, err
    assert cv["text"] == text


@pytest.mark.parametrize("col", ["timeline", "checkbox", "hour", "country", "rating"])
def test_simple_string_refused_for_json_only_types(monday_double, col):
    _, err = write_simple(monday_double, col, "anything")
    assert err["extensions"]["code"] == "CorrectedValueException"


def test_simple_null_and_empty_clear(monday_double):
    cv, err = write_simple(monday_double, "status", "", item_index=0)
    assert err is None and cv["value"] is None
    cv, err = write_simple(monday_double, "text", None, item_index=0)
    assert err is None and cv["value"] is None


def test_column_values_must_be_a_json_string(monday_double):
    iid = monday_double.planning["item_ids"][2]
    body = gql(monday_double, MUT, {"b": BOARD, "i": iid, "v": {"text": "object, not string"}})
    assert body["errors"][0]["extensions"]["code"] == "JsonParseException"
    body = gql(monday_double, MUT, {"b": BOARD, "i": iid, "v": "{not json"})
    assert body["errors"][0]["extensions"]["code"] == "JsonParseException"


def test_multi_column_write_is_all_or_nothing(monday_double):
    iid = monday_double.planning["item_ids"][2]
    body = gql(monday_double, MUT, {"b": BOARD, "i": iid,
                                    "v": json.dumps({"text": "changed", "numbers": "not a number"})})
    assert body["data"]["change_multiple_column_values"] is None
    assert monday_double.store.item(iid)["column_values"]["text"] == '"Initech"'
