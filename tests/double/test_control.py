"""Inspection over HTTP (/_double/...) and the standalone command."""

# ruff: noqa: UP031  -- %-formatting keeps GraphQL's braces readable in queries

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests

from .conftest import post

ROOT = Path(__file__).resolve().parents[2]


def test_control_endpoints(monday_double):
    base = monday_double.control_url
    # no monday token needed
    state = requests.get(f"{base}/state", timeout=5).json()
    assert {b["id"] for b in state["boards"]} == {8709134353, 8709134354}
    board = requests.get(f"{base}/state", params={"board_id": 8709134353}, timeout=5).json()
    assert len(board["items"]) == 10 and board["subitems_board_id"] == 8709134354
    iid = monday_double.planning["item_ids"][0]
    post(monday_double, 'mutation { change_simple_column_value(board_id: 8709134353, item_id: %d, '
                        'column_id: "text", value: "via http") { id } }' % iid)
    item = requests.get(f"{base}/items/{iid}", timeout=5).json()
    assert item["column_values"]["text"] == '"via http"'
    log = requests.get(f"{base}/log", timeout=5).json()
    assert [e["operation"] for e in log] == ["change_simple_column_value"]
    counters = requests.get(f"{base}/counters", timeout=5).json()
    assert counters["mutations_applied"] == 1 and counters["by_status"] == {"200": 1}
    # faults / limits at run time
    assert requests.post(f"{base}/faults", json={"error_5xx_rate": 1.0}, timeout=5).status_code == 200
    assert post(monday_double, "query { users { id } }").status_code == 500
    requests.post(f"{base}/faults", json={}, timeout=5)
    assert post(monday_double, "query { users { id } }").status_code == 200
    requests.post(f"{base}/limits", json={"minute_requests": 0}, timeout=5)
    assert post(monday_double, "query { users { id } }").status_code == 429
    cfg = requests.get(f"{base}/config", timeout=5).json()
    assert cfg["limits"]["minute_requests"] == 0
    rej = requests.get(f"{base}/rejections", timeout=5).json()
    assert rej["rejections"][-1]["code"] == "RATE_LIMIT_EXCEEDED"
    assert requests.post(f"{base}/faults", json={"bogus": 1}, timeout=5).status_code == 400
    # seed + reset
    seeded = requests.post(f"{base}/seed", json={
        "users": [{"id": 1, "name": "U", "email": "u@x.com"}],
        "boards": [{"board_id": 42, "name": "Seeded", "columns": [{"id": "text", "title": "T", "type": "text"}]}],
        "items": [{"board_id": 42, "name": "one", "column_values": {"text": "hello"}}]}, timeout=5).json()
    assert len(seeded["created_item_ids"]) == 1
    assert requests.get(f"{base}/items/{seeded['created_item_ids'][0]}", timeout=5).json()["texts"]["text"] == "hello"
    requests.post(f"{base}/reset", json={"store": True, "planning": True}, timeout=5)
    assert requests.get(f"{base}/counters", timeout=5).json()["requests"] == 0
    assert requests.get(f"{base}/log", timeout=5).json() == []
    assert 42 not in {b["id"] for b in requests.get(f"{base}/state", timeout=5).json()["boards"]}
    assert requests.get(f"{base}/nope", timeout=5).status_code == 404


def test_python_reset_keeps_store(monday_double):
    post(monday_double, "query { users { id } }")
    monday_double.reset()
    assert monday_double.counters["requests"] == 0
    assert len(monday_double.store.board_items(8709134353)) == 10


def test_standalone_command(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"planning": True, "items": [{"board_id": 8709134353, "name": "Extra"}]}))
    proc = subprocess.Popen([sys.executable, "-m", "tests.monday_double", "--port", "0", "--token", "T",
                             "--seed-file", str(seed), "--time-scale", "0.01"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("MONDAY_DOUBLE_URL=http://127.0.0.1:")
        url = line.split("=", 1)[1]
        r = requests.post(url, json={"query": "query { boards(ids: [8709134353]) { items_count } }"},
                          headers={"Authorization": "T"}, timeout=5)
        assert r.json()["data"]["boards"][0]["items_count"] == 11
        assert requests.post(url, json={"query": "{ users { id } }"}, timeout=5).status_code == 401
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
