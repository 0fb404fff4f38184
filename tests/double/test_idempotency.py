"""Idempotency-Key: replay within the window, 409 for a concurrent duplicate, expiry."""

from __future__ import annotations

import threading
import time

import requests

from tests.monday_double import Faults

from .conftest import gql, post

CREATE = 'mutation { create_item(board_id: 8709134353, item_name: "Idem") { id name } }'


def test_replay_returns_cached_body_without_side_effect(monday_double):
    first = post(monday_double, CREATE, headers={"Idempotency-Key": "row-1"})
    second = post(monday_double, CREATE, headers={"Idempotency-Key": "row-1"})
    assert first.status_code == second.status_code == 200
    assert "Idempotency-Replayed" not in first.headers
    assert second.headers["Idempotency-Replayed"] == "true"
    assert second.content == first.content
    log = monday_double.mutation_log
    assert len(log) == 1 and log[0]["idempotency_key"] == "row-1"
    assert log[0]["replayed"] is True and log[0]["replay_count"] == 1
    assert monday_double.counters["replays"] == 1 and monday_double.counters["mutations_applied"] == 1
    names = [i["name"] for i in monday_double.store.board_items(8709134353)]
    assert names.count("Idem") == 1
    third = post(monday_double, CREATE, headers={"Idempotency-Key": "row-2"})
    assert "Idempotency-Replayed" not in third.headers and len(monday_double.mutation_log) == 2


def test_key_ignored_on_queries(monday_double):
    q = "query { users { id } }"
    post(monday_double, q, headers={"Idempotency-Key": "q"})
    r = post(monday_double, q, headers={"Idempotency-Key": "q"})
    assert "Idempotency-Replayed" not in r.headers and monday_double.counters["replays"] == 0


def test_concurrent_duplicate_gets_409(monday_double):
    monday_double.set_faults(Faults(timeout_rate=1.0, timeout_seconds=0.5, on_reads=False))
    results = {}

    def first():
        results["first"] = post(monday_double, CREATE, headers={"Idempotency-Key": "dup"})

    t = threading.Thread(target=first)
    t.start()
    deadline = time.monotonic() + 5
    while monday_double.counters["faults"].get("timeout", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    dup = post(monday_double, CREATE, headers={"Idempotency-Key": "dup"})
    t.join()
    assert dup.status_code == 409
    ext = dup.json()["errors"][0]["extensions"]
    assert ext["code"] == "IDEMPOTENCY_CONFLICT" and float(dup.headers["Retry-After"]) == ext["retry_in_seconds"]
    assert results["first"].status_code == 200
    monday_double.set_faults(Faults())
    replay = post(monday_double, CREATE, headers={"Idempotency-Key": "dup"})
    assert replay.headers["Idempotency-Replayed"] == "true" and replay.content == results["first"].content
    assert len(monday_double.mutation_log) == 1
    assert monday_double.counters["idempotency_conflicts"] == 1


def test_cache_expires_after_the_window(monday_double_factory):
    d = monday_double_factory(idempotency_window_seconds=10)  # 0.1 s real
    post(d, CREATE, headers={"Idempotency-Key": "exp"})
    time.sleep(0.2)
    r = post(d, CREATE, headers={"Idempotency-Key": "exp"})
    assert "Idempotency-Replayed" not in r.headers and len(d.mutation_log) == 2


def test_applied_but_lost_then_retry_with_same_key_is_replayed(monday_double):
    monday_double.set_faults(Faults(applied_then_drop_rate=1.0))
    try:
        post(monday_double, CREATE, headers={"Idempotency-Key": "lost"})
        raise AssertionError("the response should have been lost")
    except requests.ConnectionError:
        pass
    assert len(monday_double.mutation_log) == 1  # it was applied
    monday_double.set_faults(Faults())
    r = post(monday_double, CREATE, headers={"Idempotency-Key": "lost"})
    assert r.headers["Idempotency-Replayed"] == "true"
    assert int(r.json()["data"]["create_item"]["id"]) == monday_double.mutation_log[0]["created_item_id"]
    assert len(monday_double.mutation_log) == 1


def test_rejected_requests_are_not_cached(monday_double):
    monday_double.set_faults(Faults(error_5xx_rate=1.0))
    assert post(monday_double, CREATE, headers={"Idempotency-Key": "k5"}).status_code == 500
    monday_double.set_faults(Faults())
    r = post(monday_double, CREATE, headers={"Idempotency-Key": "k5"})
    assert r.status_code == 200 and "Idempotency-Replayed" not in r.headers
    assert len(monday_double.mutation_log) == 1


def test_application_error_response_is_cached_too(monday_double):
    bad = 'mutation { create_item(board_id: 1, item_name: "x") { id } }'
    a = gql(monday_double, bad, headers={"Idempotency-Key": "bad"})
    r = post(monday_double, bad, headers={"Idempotency-Key": "bad"})
    assert r.headers["Idempotency-Replayed"] == "true" and r.json() == a
