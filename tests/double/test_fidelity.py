"""Fidelity to recorded reality: the double answers the recorded requests with the recorded SHAPES.

Recorded payloads are read from ../shared/monday/payloads/ at test time (see its INDEX.md).
"""

# ruff: noqa: UP031  -- %-formatting keeps GraphQL's braces readable in queries

from __future__ import annotations

import json
import re

import pytest

from tests.monday_double import Faults, Limits

from .conftest import cvs, gql, payload, post

TASKS_BOARD = 5096980653


def _shape_cvs(item: dict) -> tuple:
    """Shape of an item with its column_values reduced to their key sets."""
    rest = _shape({k: v for k, v in item.items() if k != "column_values"})
    return rest, {frozenset(cv) for cv in item.get("column_values", [])}


def _shape(v):
    """Field names and JSON types, recursively (lists by their first element)."""
    if isinstance(v, dict):
        return {k: _shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_shape(v[0])] if v else []
    return type(v).__name__


@pytest.fixture
def tasks_double(monday_double):
    """The recorded "Tasks" board (5096980653) rebuilt from the recorded column list and typed settings."""
    board = payload("boards/board_with_groups_2026-04.json")["data"]["boards"][0]
    status_settings = payload("boards/column_typed_settings_status_2026-04.json")["data"]["boards"][0]["columns"][0]
    columns = []
    for c in board["columns"]:
        col = {"id": c["id"], "title": c["title"], "type": c["type"]}
        if c["type"] == "status":
            col["settings"] = status_settings["settings"]
            col["description"] = status_settings["description"]
        columns.append(col)
    groups = [{"id": g["id"], "title": g["title"]} for g in board["groups"]]
    monday_double.store.add_board(TASKS_BOARD, board["name"], columns=columns, groups=groups,
                                  subitem_columns=[{"id": "status", "title": "Status", "type": "status",
                                                    "settings": status_settings["settings"]}],
                                  subitems_board_id=5096982894)
    return monday_double


# ------------------------------------------------------------------------------------------------ items

def test_item_column_values_same_shape_as_recorded_item(tasks_double):
    rec = payload("items/get_item_column_values_with_type_2026-04.json")["data"]["items"][0]
    iid = tasks_double.store.add_item(TASKS_BOARD, "Setup", group_id="topics", column_values={
        "task_status": {"label": "In Progress"}, "task_priority": {"index": 2}, "task_type": {"index": 3},
        "task_estimation": "3", "check": {"checked": "false"}})
    tasks_double.store.archive_item(iid)
    q = ("query { items(ids: [%d]) { id name board { id } group { id title } state "
         "column_values { id text value type } } }" % iid)
    got = gql(tasks_double, q)["data"]["items"][0]
    assert set(got) == set(rec) - {"creator", "created_at", "updated_at"}
    assert got["state"] == rec["state"] == "archived"
    assert _shape({k: got[k] for k in ("board", "group")}) == _shape({k: rec[k] for k in ("board", "group")})
    mine = cvs(got)
    compared = 0
    for r in rec["column_values"]:
        if r["id"] not in mine:
            continue
        m = mine[r["id"]]
        compared += 1
        assert set(m) == set(r) == {"id", "text", "value", "type"}
        assert m["type"] == r["type"]
        assert (m["value"] is None, m["text"] is None) == (r["value"] is None, r["text"] is None), r["id"]
        if r["value"] is not None:
            mine_keys, rec_keys = set(json.loads(m["value"]) if m["value"].startswith("{") else []), \
                set(json.loads(r["value"]) if r["value"].startswith("{") else [])
            assert mine_keys <= rec_keys | {"post_id", "changed_at"}, r["id"]
    assert compared >= 12
    assert mine["task_status"]["text"] == "In Progress" and json.loads(mine["task_status"]["value"])["index"] == 0
    assert mine["task_estimation"]["value"] == '"3"' and mine["task_estimation"]["text"] == "3"
    assert mine["item_id"]["value"] == json.dumps({"item_id": str(iid)}, separators=(",", ":"))


def test_items_page_same_shape_as_recorded(tasks_double):
    rec = payload("items/items_page_column_values_no_type_2026-04.json")["data"]["boards"][0]["items_page"]
    tasks_double.store.add_item(TASKS_BOARD, "Deploy", group_id="topics",
                                column_values={"task_status": {"label": "Done"}})
    q = ("query { boards(ids: [%d]) { items_page(limit: 50) { cursor items { id name created_at updated_at "
         "state group { id title } board { id } column_values { id text value } } } } }" % TASKS_BOARD)
    got = gql(tasks_double, q)["data"]["boards"][0]["items_page"]
    assert got["cursor"] is None and rec["cursor"] is None
    g, r = got["items"][0], rec["items"][0]
    assert set(g) == set(r)
    for k in ("id", "name", "created_at", "updated_at", "state", "group", "board"):
        assert _shape(g[k]) == _shape(r[k]), k
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", g["created_at"])
    assert all(set(cv) == {"id", "text", "value"} for cv in g["column_values"])


def test_items_page_cursor_shape_as_recorded(monday_double):
    rec = payload("items/items_page_cursor_next_page_2025-07.json")
    first = gql(monday_double, "query { boards(ids: [8709134353]) { items_page(limit: 3) { cursor items { id } } } }")
    cursor = first["data"]["boards"][0]["items_page"]["cursor"]
    q = 'query { boards(ids: ["8709134353"]) { items_page(limit: 3, cursor: "%s") { cursor items { id name } } } }'
    got = gql(monday_double, q % cursor)
    # the recorded second page still had more items: cursor is a string
    assert _shape(got) == _shape(rec)
    assert set(got["extensions"]) == set(rec["extensions"]) == {"request_id"}


def test_status_default_label_renders_as_recorded(monday_double):
    # recorded (2025): status never set -> value null, text = the default label ("Not Started")
    rec = payload("items/item_with_subitems_status_default_label_2025.json")
    rec_status = next(c for c in rec["column_values"] if c["type"] == "status")
    assert (rec_status["value"], rec_status["text"]) == (None, "Not Started")
    iid = monday_double.planning["item_ids"][2]  # Order 1003 has no status
    got = cvs(gql(monday_double, "query { items(ids: [%d]) { column_values { id text value type } } }" % iid)
              ["data"]["items"][0])
    assert (got["status"]["value"], got["status"]["text"]) == (None, "Not Started")
    # recorded: a subitem's parent_item / subitems structure
    q = "query { items(ids: [%d]) { id parent_item { id } subitems { id parent_item { id } board { id } } } }"
    parent = monday_double.planning["item_ids"][0]
    item = gql(monday_double, q % parent)["data"]["items"][0]
    assert item["parent_item"] is rec["parent_item"] is None
    assert item["subitems"][0]["parent_item"] == {"id": str(parent)}
    assert item["subitems"][0]["board"]["id"] == "8709134354"


def test_typed_fragments_as_recorded(monday_double):
    iid = monday_double.planning["item_ids"][0]
    empty = monday_double.planning["item_ids"][6]  # Order 1007: no status, date, people, timeline, rating
    q = """query ($ids: [ID!]) { items(ids: $ids) { column_values {
        ... on DateValue { time date }
        ... on StatusValue { index value }
        ... on PeopleValue { persons_and_teams { id } }
        ... on TimelineValue { from to }
        ... on RatingValue { rating updated_at } } } }"""
    items = gql(monday_double, q, {"ids": [iid, empty]})["data"]["items"]
    full, blank = items
    # non-matching fragments come back as {} (recorded status_fragment_index_value_empty_objects)
    rec_status = payload("items/status_fragment_index_value_empty_objects_2024-10.json")["data"]["items"]
    assert {} in rec_status[0]["column_values"] and {} in full["column_values"]
    pick = [c for c in full["column_values"] if "index" in c][0]
    assert _shape(pick) == _shape(rec_status[1]["column_values"][23])
    assert [c for c in blank["column_values"] if "index" in c][0] == {"index": None, "value": None}
    # date: "HH:MM" time / "" for an empty date
    rec_date = payload("items/date_fragment_date_time_2024-10.json")["data"]["items"]
    assert [c for c in blank["column_values"] if "date" in c][0] == rec_date[1]["column_values"][0]
    mine_date = [c for c in full["column_values"] if "date" in c][0]
    assert _shape(mine_date) == _shape(rec_date[0]["column_values"][0])
    # people: ids as strings; [] when empty
    rec_people = payload("items/people_fragment_persons_and_teams_2024-10.json")["data"]["items"]
    assert [c for c in blank["column_values"] if "persons_and_teams" in c][0] == {"persons_and_teams": []}
    assert _shape([c for c in full["column_values"] if "persons_and_teams" in c][0]) == \
        _shape(rec_people[0]["column_values"][1])
    # timeline: ISO datetimes with +00:00; null when empty
    rec_tl = payload("items/timeline_fragment_from_to_2024-10.json")["data"]["items"]
    assert [c for c in blank["column_values"] if "from" in c][0] == rec_tl[0]["column_values"][25]
    tl = [c for c in full["column_values"] if "from" in c][0]
    assert tl == {"from": "2026-06-01T00:00:00+00:00", "to": "2026-06-15T00:00:00+00:00"}
    # rating: int + updated_at "...+00:00"
    rec_rating = payload("items/rating_fragment_updated_at_2024-10.json")["data"]["items"][0]["column_values"][22]
    rating = [c for c in full["column_values"] if "rating" in c][0]
    assert _shape(rating) == _shape(rec_rating)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", rating["updated_at"])


def test_value_json_keys_per_type_as_recorded(monday_double):
    """Raw ``value`` JSON keys for each type equal the keys monday recorded for that type."""
    rec = payload("items/column_values_value_and_type_30_columns_2024-10.json")["data"]["items"][0]
    rec_keys = {}
    for cv in rec["column_values"]:
        if cv["value"] and cv["value"].startswith("{"):
            rec_keys.setdefault(cv["type"], set(json.loads(cv["value"])))
    cols = [{"id": t, "title": t, "type": t} for t in ("hour", "link", "location", "long_text", "phone", "rating",
                                                        "tags", "timeline", "week", "world_clock", "checkbox")]
    monday_double.store.add_tag(295026, "open")
    monday_double.store.add_board(1111, "Types", columns=cols)
    values = {
        "hour": {"hour": 16, "minute": 42}, "link": {"url": "http://monday.com", "text": "go to monday!"},
        "location": {"lat": "29.9772962", "lng": "31.1324955", "address": "Giza Pyramid Complex"},
        "long_text": {"text": "Sample text"}, "phone": {"phone": "11231234567", "countryShortName": "US"},
        "rating": {"rating": 5}, "tags": {"tag_ids": [295026]}, "timeline": {"from": "2019-06-03", "to": "2019-06-07"},
        "week": {"week": {"startDate": "2019-06-10", "endDate": "2019-06-16"}},
        "world_clock": {"timezone": "Europe/London"}, "checkbox": {"checked": "false"},
    }
    iid = monday_double.store.add_item(1111, "x", column_values=values)
    got = cvs(gql(monday_double, "query { items(ids: [%d]) { column_values { id type value text } } }" % iid)
              ["data"]["items"][0])
    checked = 0
    for t, keys in rec_keys.items():
        if t in got:
            assert set(json.loads(got[t]["value"])) == keys, t
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("doc,col_type,write,fragment", [
    ("items/doc_email_value.json", "email", {"email": "test@example.com", "text": "Test Contact"},
     "... on EmailValue { email label }"),
    ("items/doc_people_value.json", "people", {"personsAndTeams": [{"id": 48202303, "kind": "person"},
                                                                    {"id": 331, "kind": "person"}]},
     "... on PeopleValue { persons_and_teams { id kind } }"),
    ("items/doc_dropdown_value.json", "dropdown", {"ids": [1, 3]}, "... on DropdownValue { values { id label } }"),
    ("items/doc_country_value.json", "country", {"countryCode": "US", "countryName": "United States"},
     "... on CountryValue { country { code name } }"),
    ("items/doc_color_picker_value.json", "color_picker", {"color": {"hex": "#FF5733"}},
     "... on ColorPickerValue { color }"),
])
def test_documented_typed_values(monday_double, doc, col_type, write, fragment):
    rec = payload(doc)["data"]["items"][0]["column_values"][0]
    store = monday_double.store
    store.add_user(48202303, "Daniel Hai", "daniel@example.com")
    store.add_user(331, "Roy Mann", "roy@example.com")
    settings = {"labels": [{"id": 1, "label": "Marketing"}, {"id": 2, "label": "Engineering"},
                           {"id": 3, "label": "Design"}]}
    store.add_board(2222, "Doc", columns=[{"id": rec["id"], "title": "c", "type": col_type, "settings": settings}])
    iid = store.add_item(2222, "x", column_values={rec["id"]: write})
    q = "query { items(ids: [%d]) { column_values { id text value %s } } }" % (iid, fragment)
    got = cvs(gql(monday_double, q)["data"]["items"][0])[rec["id"]]
    assert got["text"] == rec["text"]
    assert set(json.loads(got["value"])) == set(json.loads(rec["value"]))
    assert json.loads(got["value"]) | {"changed_at": None} == json.loads(rec["value"]) | {"changed_at": None}
    for k in set(got) - {"id", "text", "value"}:
        assert got[k] == rec[k], k


# ------------------------------------------------------------------------------------------------ boards

def test_typed_status_settings_shape_as_recorded(tasks_double):
    rec = payload("boards/column_typed_settings_status_2026-04.json")
    q = """query ($boardIds: [ID!], $columnIds: [String]) { boards(ids: $boardIds) {
        columns(ids: $columnIds) { id title type description archived width settings } } }"""
    got = gql(tasks_double, q, {"boardIds": [str(TASKS_BOARD)], "columnIds": ["task_status"]})
    assert _shape(got["data"]) == _shape(rec["data"])
    assert got["data"]["boards"][0]["columns"][0]["settings"] == rec["data"]["boards"][0]["columns"][0]["settings"]


def test_settings_str_shapes_as_recorded(monday_double):
    rec = payload("boards/columns_settings_str_many_types_2026-04.json")["data"]["boards"]
    rec_status = next(json.loads(c["settings_str"]) for b in rec for c in b["columns"] if c["type"] == "status")
    rec_sub = next(json.loads(c["settings_str"]) for b in rec for c in b["columns"] if c["type"] == "subtasks")
    got = gql(monday_double, "query { boards(ids: [8709134353]) { id columns { id title type settings_str } } }")
    cols = {c["id"]: c for c in got["data"]["boards"][0]["columns"]}
    assert all(isinstance(c["settings_str"], str) for c in cols.values())
    status = json.loads(cols["status"]["settings_str"])
    assert {"done_colors", "labels", "labels_positions_v2", "labels_colors"} <= set(status)
    assert set(status) <= set(rec_status)
    assert _shape(status["labels_colors"]["1"]) == _shape(rec_status["labels_colors"]["1"])
    assert status["labels"]["5"] == "Not Started" and status["labels"]["6"] == "2024"
    sub = json.loads(cols["subtasks"]["settings_str"])
    assert set(sub) == set(rec_sub) and sub["boardIds"] == [8709134354]
    assert cols["name"]["settings_str"] == "{}"


def test_groups_shape_as_recorded(monday_double):
    rec = payload("boards/groups_list_2026-04.json")
    got = gql(monday_double, "query { boards(ids: 8709134353) { groups { id title color position archived deleted } } }")
    assert _shape(got["data"]) == _shape(rec["data"])
    rec_b = payload("boards/board_with_groups_2026-04.json")["data"]["boards"][0]
    q = "query { boards(ids: [8709134353]) { id name state board_kind updated_at created_at items_count " \
        "groups { id title color position } columns { id title type } } }"
    b = gql(monday_double, q)["data"]["boards"][0]
    for k in b:
        assert _shape(b[k]) == _shape(rec_b[k]), k
    assert b["columns"][0] == {"id": "name", "title": "Name", "type": "name"}


# ------------------------------------------------------------------------------------------------ mutations

def test_change_multiple_column_values_result_as_recorded(monday_double):
    rec = payload("mutations/change_multiple_column_values_returning_column_values_2026-04.json")
    iid = monday_double.planning["item_ids"][2]
    q = ('mutation { change_multiple_column_values( board_id: "8709134353" item_id: "%d" '
         'column_values: "{\\"numbers\\":\\"5\\"}" ) { id name column_values { id text value } } }' % iid)
    got = gql(monday_double, q)
    assert _shape_cvs(got["data"]["change_multiple_column_values"]) == \
        _shape_cvs(rec["data"]["change_multiple_column_values"])
    mine = cvs(got["data"]["change_multiple_column_values"])["numbers"]
    recorded = cvs(rec["data"]["change_multiple_column_values"])["task_estimation"]
    assert (mine["text"], mine["value"]) == (recorded["text"], recorded["value"]) == ("5", '"5"')


def test_change_column_value_result_as_recorded(monday_double):
    rec = payload("mutations/change_column_value_returning_column_values_2026-04.json")
    q = """mutation ($item_id: ID!, $column_id: String!, $value: JSON!, $board_id: ID!, $create_labels_if_missing: Boolean) {
      change_column_value( item_id: $item_id, column_id: $column_id, value: $value, board_id: $board_id,
      create_labels_if_missing: $create_labels_if_missing) { id name column_values { id value text } } }"""
    got = gql(monday_double, q, {"item_id": str(monday_double.planning["item_ids"][0]), "column_id": "status",
                                 "value": json.dumps({"label": "Done"}), "board_id": "8709134353",
                                 "create_labels_if_missing": True})
    assert _shape_cvs(got["data"]["change_column_value"]) == _shape_cvs(rec["data"]["change_column_value"])
    assert cvs(got["data"]["change_column_value"])["status"]["text"] == "Done"


@pytest.mark.parametrize("rel,query", [
    ("mutations/change_simple_column_value_2024-07.json",
     'mutation{change_simple_column_value(board_id: "8709134353", item_id: "%(i)s", column_id: "status", '
     'value: "Working on it"){id name}}'),
    ("mutations/change_column_value_status_label_2024-07.json",
     'mutation{change_column_value(board_id: "8709134353", item_id: "%(i)s", column_id: "status", '
     'value: "{\\"label\\":\\"Working on it\\"}"){id name}}'),
    ("mutations/create_item_with_column_values_2025-07.json",
     'mutation{create_item(board_id: "8709134353", item_name: "Test Item", '
     'column_values: "{\\"status\\":{\\"label\\":\\"Done\\"}}"){id name created_at}}'),
    ("mutations/create_subitem_2024-07.json",
     'mutation{create_subitem(parent_item_id: "%(i)s", item_name: "New Item Test"){id name created_at}}'),
])
def test_mutation_results_shape_as_recorded(monday_double, rel, query):
    rec = payload(rel)
    got = gql(monday_double, query % {"i": monday_double.planning["item_ids"][0]})
    assert _shape(got["data"]) == _shape(rec["data"])
    assert "account_id" not in got  # 2025-01+: no account_id by default
    assert set(got) == {"data", "extensions"}


def test_create_item_and_subitem_as_recorded(monday_double):
    rec = payload("mutations/create_item_2026-04.json")
    got = gql(monday_double, 'mutation { create_item(board_id: 8709134353, item_name: "Test item from Nango action") '
                             '{ id name url board { id } group { id title } } }')
    assert _shape(got) == _shape(rec)
    created = got["data"]["create_item"]
    assert re.fullmatch(r"https://[a-z-]+\.monday\.com/boards/8709134353/pulses/%s" % created["id"], created["url"])
    assert created["group"] == {"id": "topics", "title": "This week"}
    rec_sub = payload("mutations/create_subitem_2026-04.json")
    q = ("mutation ($parentItemId: ID!, $itemName: String!) { create_subitem( parent_item_id: $parentItemId "
         "item_name: $itemName ) { id name board { id } } }")
    sub = gql(monday_double, q, {"parentItemId": created["id"], "itemName": "Test subitem from dryrun"})
    assert _shape(sub) == _shape(rec_sub)
    assert sub["data"]["create_subitem"]["board"]["id"] == "8709134354"  # the subitems board


def test_complexity_field_as_recorded(monday_double_factory):
    rec = payload("mutations/complexity_before_query_after_reset_2024-10.json")
    d = monday_double_factory(time_scale=1.0, limits=Limits())
    got = gql(d, "query { complexity { before query after reset_in_x_seconds } boards(ids: 8709134353) { id name } }")
    assert _shape(got["data"]) == _shape(rec["data"])
    cx = got["data"]["complexity"]
    assert cx["before"] - cx["query"] == cx["after"] and 0 < cx["reset_in_x_seconds"] <= 60


# ------------------------------------------------------------------------------------------------ errors

def _strip(body: dict) -> dict:
    body = json.loads(json.dumps(body))
    body.get("extensions", {}).pop("request_id", None)
    for e in body.get("errors", []):
        e.pop("locations", None)
    return body


@pytest.mark.parametrize("rel,query", [
    ("errors/invalid_board_id_exception_change_column_value_2025-10.json",
     'mutation { change_column_value(board_id: "123", item_id: "123", column_id: "file_123xyz", '
     'value: "{\\"clear_all\\": true}") {id}}'),
    ("errors/invalid_item_id_exception_change_column_value_2025-10.json",
     'mutation { change_column_value(board_id: "8709134353", item_id: "123", column_id: "file_123xyz", '
     'value: "{\\"clear_all\\": true}") {id}}'),
    ("errors/invalid_board_id_exception_create_item_2025-07.json",
     'mutation{create_item(board_id: "123", item_name: "Test Item", '
     'column_values: "{\\"status__1\\":{\\"label\\":\\"Done\\"}}"){id name created_at}}'),
])
def test_application_errors_equal_recorded_2025_format(monday_double, rel, query):
    rec = payload(rel)
    r = post(monday_double, query)
    assert r.status_code == 200
    got = r.json()
    assert _strip(got) == _strip(rec)
    assert set(got["errors"][0]) == set(rec["errors"][0])
    assert isinstance(got["extensions"]["request_id"], str)


def test_group_not_found_shape_as_recorded(monday_double):
    rec = payload("errors/resource_not_found_exception_group_404_2025-07.json")
    got = gql(monday_double, 'mutation{create_item(board_id: "8709134353", item_name: "x", '
                             'group_id: "invalid_group_name"){id}}')
    e, r = got["errors"][0], rec["errors"][0]
    assert (e["message"], e["extensions"]["code"], e["extensions"]["status_code"]) == \
        (r["message"], r["extensions"]["code"], 404)
    assert set(e["extensions"]["error_data"]) == set(r["extensions"]["error_data"])
    assert got["data"] == {"create_item": None}


def test_validation_error_equals_recorded(monday_double):
    rec = payload("errors/graphql_validation_cannot_query_field_2025.json")
    got = gql(monday_double, 'query{items(ids: "18273360069"){invalid_field}}')
    assert _strip(got) == _strip(rec)
    assert got["errors"][0]["locations"] == rec["errors"][0]["locations"]


def test_column_value_exception_as_documented(monday_double):
    rec = payload("errors/doc_column_value_exception_column_type_2024-10plus.json")
    got = gql(monday_double, 'mutation { change_column_value(board_id: 8709134353, item_id: %d, column_id: "status", '
                             'value: "{\\"label\\": \\"No such label\\"}") { id } }' % monday_double.planning["item_ids"][0])
    e = got["errors"][0]
    assert e["message"] == rec["message"]
    assert e["path"] == rec["path"]
    assert {k: e["extensions"][k] for k in ("code", "status_code")} == \
        {k: rec["extensions"][k] for k in ("code", "status_code")}
    assert e["extensions"]["error_data"]["column_type"] == rec["extensions"]["error_data"]["column_type"] == "color"


def test_partial_data_shape_as_documented(monday_double):
    rec = payload("errors/doc_partial_data_asset_unavailable.json")
    iid = monday_double.planning["item_ids"][0]
    got = gql(monday_double, 'mutation { ok: change_simple_column_value(board_id: 8709134353, item_id: %d, '
                             'column_id: "text", value: "A") { id } bad: change_simple_column_value(board_id: '
                             '8709134353, item_id: %d, column_id: "nope", value: "A") { id } '
                             'complexity { query } }' % (iid, iid))
    assert set(got) - {"extensions"} == set(rec) - {"account_id"}
    assert set(got["errors"][0]) == set(rec["errors"][0])
    assert got["data"]["bad"] is None and got["data"]["ok"] == {"id": str(iid)}


def test_401_equals_recorded(monday_double):
    rec = payload("errors/not_authenticated_401_extensions_code.json")
    rec_h = payload("headers/response_headers_401_not_authenticated.json")
    for token in (None, "wrong-token", "Bearer test-token"):
        r = post(monday_double, "query { users { id } }", token=token)
        assert r.status_code == rec_h["status"]["code"] == 401
        assert r.json() == rec
        assert "API-Version" not in r.headers and "Api-Version" not in rec_h["headers"]


def test_500_equals_recorded(monday_double):
    rec = payload("errors/internal_server_error_500_dual_format_2025-10.json")
    rec_h = payload("headers/response_headers_500_2025-10.json")
    monday_double.set_faults(Faults(error_5xx_rate=1.0))
    r = post(monday_double, "query { users { id } }", headers={"API-Version": "2025-10"})
    assert r.status_code == rec_h["status"]["code"] == 500
    assert r.json() == rec
    assert r.headers["API-Version"] == rec_h["headers"]["Api-Version"][0]


def test_complexity_budget_exhausted_as_recorded(monday_double_factory):
    rec = payload("errors/complexity_budget_exhausted_2025-01.json")["errors"][0]
    d = monday_double_factory(time_scale=1.0, limits=Limits(complexity_per_minute=1500))
    q = 'mutation { change_simple_column_value(board_id: 8709134353, item_id: %d, column_id: "text", value: "x") { id } }'
    assert post(d, q % d.planning["item_ids"][0]).status_code == 200
    r = post(d, q % d.planning["item_ids"][0])
    assert r.status_code == 429
    e = r.json()["errors"][0]
    assert (e["message"], e["extensions"]["code"]) == (rec["message"], rec["extensions"]["code"])
    # 2025-07+ (served versions) carry only code + retry_in_seconds, a subset of the 2025-01 keys
    assert set(e["extensions"]) == {"code", "retry_in_seconds"} <= set(rec["extensions"])
    assert isinstance(e["extensions"]["retry_in_seconds"], type(rec["extensions"]["retry_in_seconds"]))
    assert int(r.headers["Retry-After"]) == e["extensions"]["retry_in_seconds"]


def test_max_concurrency_as_documented(monday_double):
    rec = payload("errors/doc_max_concurrency_exceeded_429.json")["errors"][0]
    monday_double.set_limits(Limits(concurrency=0))
    r = post(monday_double, "query { users { id } }")
    assert r.status_code == 429
    e = r.json()["errors"][0]
    assert (e["message"], e["extensions"]["code"]) == (rec["message"], rec["extensions"]["code"])


def test_no_legacy_top_level_error_keys(monday_double):
    legacy = payload("errors/invalid_board_id_exception_legacy_2024-07.json")
    assert {"error_code", "error_message", "account_id"} <= set(legacy)
    got = gql(monday_double, 'mutation { create_item(board_id: 1, item_name: "x") { id } }')
    assert not {"error_code", "error_message", "error_data", "status_code", "account_id"} & set(got)
    assert got["errors"][0]["extensions"]["code"] == legacy["error_code"]


# ------------------------------------------------------------------------------------------------ headers

def _pattern(recorded: str) -> re.Pattern:
    return re.compile(re.sub(r"\d+", r"\\d+", re.escape(recorded)))


def test_headers_as_recorded(monday_double_factory):
    rec = payload("headers/ratelimit_headers_api_version_2026-04.json")["headers"]
    d = monday_double_factory(time_scale=1.0, limits=Limits())
    r = post(d, "query { users { id } }", headers={"API-Version": "2026-04"})
    assert r.headers["API-Version"] == rec["api-version"] == "2026-04"
    assert _pattern(rec["ratelimit-policy"]).fullmatch(r.headers["RateLimit-Policy"]), r.headers["RateLimit-Policy"]
    assert _pattern(rec["ratelimit"]).fullmatch(r.headers["RateLimit"]), r.headers["RateLimit"]
    assert r.headers["Content-Type"] == rec["content-type"]
    assert re.fullmatch(r"[0-9a-f-]{36}", r.headers["X-Request-Id"])
    rec_default = payload("headers/ratelimit_headers_default_version_2026-07.json")["headers"]
    assert post(d, "query { users { id } }").headers["API-Version"] == rec_default["api-version"]


def test_minute_limit_headers_as_documented(monday_double_factory):
    doc = payload("headers/doc_ratelimit_headers_examples.json")
    d = monday_double_factory(time_scale=1.0, limits=Limits(minute_requests=2))
    post(d, "query { users { id } }")
    post(d, "query { users { id } }")
    r = post(d, "query { users { id } }")
    assert r.status_code == 429
    assert _pattern(doc["minute_limit_exceeded"]["RateLimit"]).fullmatch(r.headers["RateLimit"])
    assert _pattern(doc["account_under_limits"]["RateLimit-Policy"]).fullmatch(r.headers["RateLimit-Policy"])
