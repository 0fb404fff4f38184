"""Seeded fault injection: each kind, scoping and reproducibility."""

from __future__ import annotations

import time

import pytest
import requests

from tests.monday_double import Faults

from .conftest import post

READ = "query { users { id } }"
MUT = ('mutation { change_simple_column_value(board_id: 8709134353, item_id: %d, column_id: "text", '
       'value: "f") { id } }')


def outcome(d, query):
    try:
        r = post(d, query, timeout=5)
    except requests.ConnectionError:
        return "drop"
    return r.status_code


def run_sequence(factory, seed, n=40):
    d = factory(seed=seed, faults=Faults(drop_rate=0.1, error_5xx_rate=0.1, storm_429_rate=0.1,
                                         locked_423_rate=0.1, complexity_exhausted_rate=0.05))
    return [outcome(d, READ) for _ in range(n)], d


def test_same_seed_same_faults(monday_double_factory):
    a, da = run_sequence(monday_double_factory, 7)
    b, db = run_sequence(monday_double_factory, 7)
    c, _ = run_sequence(monday_double_factory, 8)
    assert a == b
    assert a != c
    assert {200, 500, 429, 423, "drop"} <= set(a)
    assert da.counters["faults"] == db.counters["faults"]


@pytest.mark.parametrize("faults,status,code,retry_after", [
    (Faults(error_5xx_rate=1.0), 500, None, False),
    (Faults(error_5xx_rate=1.0, error_5xx_statuses=(503,)), 503, None, False),
    (Faults(storm_429_rate=1.0), 429, "RATE_LIMIT_EXCEEDED", True),
    (Faults(storm_429_no_retry_after_rate=1.0), 429, "RATE_LIMIT_EXCEEDED", False),
    (Faults(locked_423_rate=1.0), 423, "RESOURCE_LOCKED", True),
    (Faults(complexity_exhausted_rate=1.0), 429, "COMPLEXITY_BUDGET_EXHAUSTED", True),
])
def test_each_http_fault(monday_double, faults, status, code, retry_after):
    monday_double.set_faults(faults)
    r = post(monday_double, MUT % monday_double.planning["item_ids"][0])
    assert r.status_code == status
    body = r.json()
    if code:
        ext = body["errors"][0]["extensions"]
        assert ext["code"] == code
        assert ("retry_in_seconds" in ext) is retry_after
    assert ("Retry-After" in r.headers) is retry_after
    if retry_after:
        assert monday_double.rejections[-1]["not_before"] is not None
    assert monday_double.mutation_log == []  # nothing applied
    assert r.headers["API-Version"] and r.headers["RateLimit"]


def test_drop_applies_nothing(monday_double):
    monday_double.set_faults(Faults(drop_rate=1.0))
    with pytest.raises(requests.ConnectionError):
        post(monday_double, MUT % monday_double.planning["item_ids"][0])
    assert monday_double.mutation_log == [] and monday_double.counters["dropped"] == 1


def test_applied_then_drop_applies(monday_double):
    monday_double.set_faults(Faults(applied_then_drop_rate=1.0))
    with pytest.raises(requests.ConnectionError):
        post(monday_double, MUT % monday_double.planning["item_ids"][0])
    assert len(monday_double.mutation_log) == 1
    assert monday_double.store.item(monday_double.planning["item_ids"][0])["texts"]["text"] == "f"
    # reads are never "applied then dropped"
    assert post(monday_double, READ).status_code == 200


def test_timeout_fault_executes_after_the_client_gave_up(monday_double):
    monday_double.set_faults(Faults(timeout_rate=1.0, timeout_seconds=0.5))
    with pytest.raises(requests.Timeout):
        post(monday_double, MUT % monday_double.planning["item_ids"][0], timeout=0.1)
    deadline = time.monotonic() + 5
    while not monday_double.mutation_log and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(monday_double.mutation_log) == 1


def test_scoping_to_mutations_or_operations(monday_double):
    monday_double.set_faults(Faults(error_5xx_rate=1.0, on_reads=False))
    assert post(monday_double, READ).status_code == 200
    assert post(monday_double, MUT % monday_double.planning["item_ids"][0]).status_code == 500
    monday_double.set_faults(Faults(error_5xx_rate=1.0, only_operations=("create_item",)))
    assert post(monday_double, MUT % monday_double.planning["item_ids"][0]).status_code == 200
    assert post(monday_double, 'mutation { create_item(board_id: 8709134353, item_name: "x") { id } }'
                ).status_code == 500


def test_latency_is_counted_not_timed(monday_double):
    monday_double.set_faults(Faults(latency=0.05, latency_jitter=0.02))
    assert post(monday_double, READ).status_code == 200
    assert monday_double.counters["faults"] == {}
