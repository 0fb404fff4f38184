"""Per limit: hit, headers, retry information, recovery after the (scaled) window."""

# ruff: noqa: UP031  -- %-formatting keeps GraphQL's braces readable in queries

from __future__ import annotations

import re
import threading
import time

from tests.monday_double import Faults, Limits

from .conftest import gql, post

READ = "query { users { id } }"
MUT = ('mutation { change_simple_column_value(board_id: 8709134353, item_id: %d, column_id: "text", '
       'value: "x") { id } complexity { before query after } }')


def _wait(resp) -> None:
    time.sleep(float(resp.headers["Retry-After"]))


def test_minute_rate_limit_hit_headers_and_recovery(monday_double_factory):
    d = monday_double_factory(limits=Limits(minute_requests=3))
    for i in range(3):
        r = post(d, READ)
        assert r.status_code == 200
        assert f'"minuteRate";r={2 - i}' in r.headers["RateLimit"]
    r = post(d, READ)
    assert r.status_code == 429
    body = r.json()
    ext = body["errors"][0]["extensions"]
    assert (body["errors"][0]["message"], ext["code"], ext["status_code"]) == \
        ("Rate Limit Exceeded", "RATE_LIMIT_EXCEEDED", 429)
    assert ext["retry_in_seconds"] == float(r.headers["Retry-After"]) > 0
    assert re.match(r'"minuteRate";r=0;t=[\d.]+, ', r.headers["RateLimit"])
    assert "data" not in body
    _wait(r)
    r2 = post(d, READ)
    assert r2.status_code == 200
    assert d.counters["rate_limited"] == 1 and d.counters["early_retries"] == 0


def test_early_retry_is_detected_and_recorded(monday_double_factory):
    d = monday_double_factory(limits=Limits(minute_requests=1))
    assert post(d, READ).status_code == 200
    r = post(d, READ)
    assert r.status_code == 429
    post(d, READ)  # immediately: earlier than Retry-After allowed
    assert d.counters["early_retries"] == 1
    early = d.early_retry_log[0]
    rej = d.rejections[0]
    assert early["not_before"] == rej["not_before"] and early["early_by"] > 0
    assert rej["code"] == "RATE_LIMIT_EXCEEDED" and rej["retry_after"] == float(r.headers["Retry-After"])
    time.sleep(float(r.headers["Retry-After"]) * 2)
    assert post(d, READ).status_code == 200
    assert d.counters["early_retries"] == 1
    # another client (X-Double-Client) is not "the same client"
    d2 = monday_double_factory(limits=Limits(minute_requests=1))
    post(d2, READ)
    post(d2, READ)
    post(d2, READ, headers={"X-Double-Client": "other"})
    assert d2.counters["early_retries"] == 0


def test_complexity_budget_hit_headers_and_recovery(monday_double_factory):
    d = monday_double_factory(limits=Limits(complexity_per_minute=2500))
    iid = d.planning["item_ids"][0]
    first = post(d, MUT % iid)
    cx = first.json()["data"]["complexity"]
    assert (cx["before"], cx["query"], cx["after"]) == (2500, 1001, 1499)  # mutation + selected id
    assert '"complexityMinute";r=1499;t=' in first.headers["RateLimit"]
    assert post(d, MUT % iid).status_code == 200
    r = post(d, MUT % iid)
    assert r.status_code == 429
    ext = r.json()["errors"][0]["extensions"]
    assert ext["code"] == "COMPLEXITY_BUDGET_EXHAUSTED" and ext["retry_in_seconds"] > 0
    assert len(d.mutation_log) == 2  # the rejected request was not executed
    _wait(r)
    ok = post(d, MUT % iid)
    assert ok.status_code == 200 and ok.json()["data"]["complexity"]["before"] == 2500
    assert len(d.mutation_log) == 3


def test_read_cost_scales_with_limit_and_ids(monday_double):
    def cost(q):
        return gql(monday_double, q)["data"]["complexity"]["query"]

    small = cost("query { complexity { query } boards(ids: [8709134353]) { items_page(limit: 5) { items { id "
                 "column_values { id text } } } } }")
    big = cost("query { complexity { query } boards(ids: [8709134353]) { items_page(limit: 500) { items { id "
               "column_values { id text } } } } }")
    assert 95 * small < big <= 100 * small
    one = cost("query { complexity { query } items(ids: [1]) { id name } }")
    many = cost("query { complexity { query } items(ids: [1, 2, 3, 4], limit: 100) { id name } }")
    assert many > one
    create = cost('mutation { complexity { query } create_item(board_id: 8709134353, item_name: "x") { id } }')
    change = cost('mutation { complexity { query } change_simple_column_value(board_id: 8709134353, item_id: '
                  '%d, column_id: "text", value: "y") { id } }' % monday_double.planning["item_ids"][0])
    assert create == 10_000 + 1 and change == 1_000 + 1


def test_per_query_complexity_limit(monday_double_factory):
    d = monday_double_factory(limits=Limits(complexity_per_query=100))
    r = post(d, "query { boards(ids: [8709134353]) { items_page(limit: 500) { items { id } } } }")
    assert r.status_code == 200
    body = r.json()
    assert body["errors"][0]["extensions"]["code"] == "maxComplexityExceeded" and "data" not in body


def test_concurrency_limit(monday_double_factory):
    d = monday_double_factory(limits=Limits(concurrency=1), faults=Faults(latency=0.4))
    results = {}

    def slow():
        results["slow"] = post(d, READ)

    t = threading.Thread(target=slow)
    t.start()
    deadline = time.monotonic() + 5
    while d.counters["limits_state"]["in_flight"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    d.set_faults(Faults())
    r = post(d, READ)
    t.join()
    assert results["slow"].status_code == 200
    assert r.status_code == 429
    ext = r.json()["errors"][0]["extensions"]
    assert ext["code"] == "maxConcurrencyExceeded" and "Retry-After" in r.headers
    assert re.search(r'"concurrency";r=0;t=[\d.]+', r.headers["RateLimit"])
    assert post(d, READ).status_code == 200  # recovered once the first request finished


def test_daily_limit_hit_and_reset(monday_double_factory):
    d = monday_double_factory(limits=Limits(daily_calls=2, day_seconds=50))
    assert post(d, READ).status_code == 200
    assert post(d, READ).status_code == 200
    r = post(d, READ)
    assert r.status_code == 429
    ext = r.json()["errors"][0]["extensions"]
    assert ext["code"] == "DAILY_LIMIT_EXCEEDED" and 0 < ext["retry_in_seconds"] <= 0.5
    _wait(r)
    assert post(d, READ).status_code == 200


def test_complexity_only_query_costs_a_tenth_of_a_call(monday_double_factory):
    d = monday_double_factory(limits=Limits(daily_calls=1))
    for _ in range(5):
        assert post(d, "query { complexity { before } }").status_code == 200
    assert d.counters["limits_state"]["day_calls"] == 0.5


def test_ratelimit_headers_on_every_response(monday_double):
    responses = [post(monday_double, READ), post(monday_double, READ, token="bad"),
                 post(monday_double, "query { nope }"), post(monday_double, READ, headers={"API-Version": "2023"})]
    for r in responses:
        assert r.headers["RateLimit"].startswith('"minuteRate";r=')
        assert r.headers["RateLimit-Policy"].startswith('"minuteRate";q=')


def test_set_limits_at_run_time(monday_double):
    assert post(monday_double, READ).status_code == 200
    monday_double.set_limits(Limits(minute_requests=0))
    assert post(monday_double, READ).status_code == 429
    monday_double.set_limits(Limits.generous())
    assert post(monday_double, READ).status_code == 200
