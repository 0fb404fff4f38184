"""HTTP protocol, versions, reads, pagination, aliased mutations and error codes."""

from __future__ import annotations

import json
import time

import requests

from tests.monday_double import make_board

from .conftest import gql, post

BOARD = 8709134353


def test_bad_request_shapes(monday_double):
    r = requests.post(monday_double.url, data=b"not json", headers={"Authorization": "test-token"}, timeout=5)
    assert r.status_code == 400 and r.json()["errors"][0]["message"] == "Bad request"
    r = requests.post(monday_double.url, json={"variables": {}}, headers={"Authorization": "test-token"}, timeout=5)
    assert r.status_code == 400
    r = requests.get(monday_double.url, headers={"Authorization": "test-token"}, timeout=5)
    assert r.status_code == 404


def test_api_version_handling(monday_double):
    assert post(monday_double, "query { users { id } }").headers["API-Version"] == "2026-07"
    assert post(monday_double, "query { users { id } }", headers={"API-Version": "2025-10"}).headers[
        "API-Version"] == "2025-10"
    # deprecated -> served as Maintenance; well-formed unknown -> Current
    assert post(monday_double, "query { users { id } }", headers={"API-Version": "2024-10"}).headers[
        "API-Version"] == "2026-04"
    assert post(monday_double, "query { users { id } }", headers={"API-Version": "2024-02"}).headers[
        "API-Version"] == "2026-07"
    r = post(monday_double, "query { users { id } }", headers={"API-Version": "2023"})
    assert r.status_code == 200
    assert r.json()["errors"][0]["extensions"]["code"] == "InvalidVersionException"
    assert "data" not in r.json()


def test_parse_error(monday_double):
    body = gql(monday_double, "query { users { id ")
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert "data" not in body and monday_double.counters["validation_errors"] == 1


def test_items_page_pagination_and_cursor(monday_double):
    seen = []
    page = gql(monday_double, "query { boards(ids: [8709134353]) { items_page(limit: 4) { cursor items { id } } } }")[
        "data"]["boards"][0]["items_page"]
    seen += [i["id"] for i in page["items"]]
    while page["cursor"]:
        page = gql(monday_double, 'query ($c: String!) { next_items_page(cursor: $c, limit: 4) { cursor items { id } } }',
                   {"c": page["cursor"]})["data"]["next_items_page"]
        seen += [i["id"] for i in page["items"]]
    assert seen == [str(i) for i in monday_double.planning["item_ids"]]


def test_cursor_expires(monday_double_factory):
    d = monday_double_factory(cursor_ttl_seconds=10)  # 0.1 s real at time_scale 0.01
    c = gql(d, "query { boards(ids: [8709134353]) { items_page(limit: 2) { cursor } } }")[
        "data"]["boards"][0]["items_page"]["cursor"]
    time.sleep(0.2)
    body = gql(d, 'query ($c: String!) { next_items_page(cursor: $c, limit: 2) { cursor items { id } } }', {"c": c})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "CursorExpiredError"
    body = gql(d, 'query { next_items_page(cursor: "bogus", limit: 2) { cursor } }')
    assert body["errors"][0]["extensions"]["code"] == "CursorException"


def test_items_page_limit_and_query_params(monday_double):
    body = gql(monday_double, "query { boards(ids: [8709134353]) { items_page(limit: 501) { cursor } } }")
    assert body["errors"][0]["extensions"]["code"] == "InvalidArgumentException"
    q = """query ($v: CompareValue!) { boards(ids: [8709134353]) { items_page(limit: 500, query_params: {
        rules: [{column_id: "text0", compare_value: $v, operator: any_of}]}) { items { id name } } } }"""
    items = gql(monday_double, q, {"v": ["SO-1004", "SO-1006"]})["data"]["boards"][0]["items_page"]["items"]
    assert [i["name"] for i in items] == ["Order 1004 - Umbrella", "Order 1006 - Stark"]
    q2 = """query { boards(ids: [8709134353]) { items_page(limit: 500, query_params: {
        rules: [{column_id: "status", compare_value: [1], operator: any_of}]}) { items { name } } } }"""
    assert [i["name"] for i in gql(monday_double, q2)["data"]["boards"][0]["items_page"]["items"]] == \
        ["Order 1004 - Umbrella"]


def test_root_items_limits(monday_double):
    ids = make_board(monday_double.store, 777, 30)
    body = gql(monday_double, "query ($ids: [ID!]) { items(ids: $ids) { id } }", {"ids": ids})
    assert len(body["data"]["items"]) == 25  # monday's default limit
    body = gql(monday_double, "query ($ids: [ID!]) { items(ids: $ids, limit: 100) { id } }", {"ids": ids})
    assert [int(i["id"]) for i in body["data"]["items"]] == ids
    body = gql(monday_double, "query ($ids: [ID!]) { items(ids: $ids, limit: 100) { id } }",
               {"ids": list(range(1, 102))})
    assert body["data"]["items"] is None
    assert body["errors"][0]["extensions"]["code"] == "InvalidArgumentException"
    assert body["errors"][0]["path"] == ["items"]


def test_aliased_mutations_run_in_order_with_partial_failure(monday_double):
    a, b = monday_double.planning["item_ids"][:2]
    q = """mutation ($b: ID!, $a: ID!, $x: ID!) {
      m1: change_multiple_column_values(board_id: $b, item_id: $a, column_values: "{\\"numbers\\": \\"1\\"}") { id }
      m2: change_multiple_column_values(board_id: $b, item_id: $x, column_values: "{\\"status\\": {\\"label\\": \\"Bogus\\"}}") { id }
      m3: change_multiple_column_values(board_id: $b, item_id: $x, column_values: "{\\"numbers\\": \\"3\\"}") { id }
    }"""
    body = gql(monday_double, q, {"b": BOARD, "a": a, "x": b})
    assert body["data"] == {"m1": {"id": str(a)}, "m2": None, "m3": {"id": str(b)}}
    assert len(body["errors"]) == 1
    err = body["errors"][0]
    assert err["path"] == ["m2"] and err["extensions"]["code"] == "ColumnValueException"
    log = monday_double.mutation_log
    assert [(e["alias"], e["item_id"]) for e in log] == [("m1", a), ("m3", b)]
    assert log[0]["seq"] < log[1]["seq"]
    assert monday_double.counters["mutations_failed"] == 1


def test_create_subitem_archive_delete(monday_double):
    parent = monday_double.planning["item_ids"][2]
    sub = gql(monday_double, 'mutation ($p: ID!) { create_subitem(parent_item_id: $p, item_name: "Sub", '
                             'column_values: "{\\"status\\": {\\"label\\": \\"Stuck\\"}, \\"date0\\": '
                             '{\\"date\\": \\"2026-01-02\\"}}") { id board { id } parent_item { id } } }',
              {"p": parent})["data"]["create_subitem"]
    assert sub["board"]["id"] == "8709134354" and sub["parent_item"]["id"] == str(parent)
    assert monday_double.store.item(int(sub["id"]))["texts"]["status"] == "Stuck"
    # the subitem board's column ids, not the parent's
    bad = gql(monday_double, 'mutation ($p: ID!) { create_subitem(parent_item_id: $p, item_name: "S", '
                             'column_values: "{\\"text0\\": \\"x\\"}") { id } }', {"p": parent})
    assert bad["errors"][0]["extensions"]["code"] == "InvalidColumnIdException"
    gql(monday_double, "mutation ($i: ID!) { archive_item(item_id: $i) { id state } }", {"i": parent})
    assert monday_double.store.item(parent)["state"] == "archived"
    page = gql(monday_double, "query { boards(ids: [8709134353]) { items_count items_page(limit: 500) { items { id } } } }")
    assert str(parent) not in [i["id"] for i in page["data"]["boards"][0]["items_page"]["items"]]
    assert page["data"]["boards"][0]["items_count"] == 9
    deleted = gql(monday_double, "mutation ($i: ID!) { delete_item(item_id: $i) { id state } }", {"i": parent})
    assert deleted["data"]["delete_item"]["state"] == "deleted"
    again = gql(monday_double, "mutation ($i: ID!) { delete_item(item_id: $i) { id } }", {"i": parent})
    assert again["errors"][0]["extensions"]["code"] == "InvalidItemIdException"
    ops = [e["operation"] for e in monday_double.mutation_log]
    assert ops == ["create_subitem", "archive_item", "delete_item"]


def test_create_item_logs_created_id_and_values(monday_double):
    body = gql(monday_double, 'mutation { create_item(board_id: 8709134353, item_name: "New", group_id: "new_group", '
                              'column_values: "{\\"status\\": {\\"label\\": \\"Done\\"}, \\"text0\\": \\"SO-1\\"}") '
                              '{ id group { id } } }', headers={"Idempotency-Key": "k-create"})
    created = int(body["data"]["create_item"]["id"])
    entry = monday_double.mutation_log[0]
    assert entry["created_item_id"] == created and entry["operation"] == "create_item"
    assert entry["column_values"] == {"status": {"label": "Done"}, "text0": "SO-1"}
    assert entry["idempotency_key"] == "k-create" and entry["replayed"] is False
    assert json.loads(entry["stored_values"]["status"])["index"] == 1
    item = monday_double.store.item(created)
    assert item["group_id"] == "new_group" and item["texts"]["status"] == "Done"
    assert monday_double.board_requests(BOARD)[-1]["operations"] == ["create_item"]


def test_users_and_name_too_long(monday_double):
    users = gql(monday_double, 'query { users(emails: ["ada@example.com"]) { id name email } }')["data"]["users"]
    assert users == [{"id": "4616627", "name": "Ada Planner", "email": "ada@example.com"}]
    body = gql(monday_double, 'mutation ($n: String!) { create_item(board_id: 8709134353, item_name: $n) { id } }',
               {"n": "x" * 256})
    assert body["errors"][0]["extensions"]["code"] == "ItemNameTooLongException"
