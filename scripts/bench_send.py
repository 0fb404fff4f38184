"""Send throughput under monday's plan limits, against the monday API double with realistic latency.

For each plan profile (monday's API documentation: basic/standard 1,000 requests/min, 40 concurrent,
1,000 daily calls; pro 2,500/100/10,000; enterprise 5,000/250/25,000; 10M complexity/min for a personal
token) the double enforces the limits over a shortened window (OPUS_BENCH_WINDOW seconds instead of 60,
every limit scaled by the same factor, so the rates per second are monday's own) in real time, with a
realistic round-trip latency. Reported, all measured in this one run:

- cell updates per minute achieved, as a fraction of the theoretical maximum the limits allow
  (min(requests/min x aliases allowed per request, complexity/min / measured cost of one item update)
  x cells per item);
- the ratio to a naive sender (one change_column_value per cell, sequential, sleeping on 429 for the
  Retry-After it is given, as popular clients do), run against the same double for the same time;
- cell updates per API call (what the daily call budget buys), and the dry run's read calls per 100 items.

Sizes: OPUS_BENCH_BOARDS (8) x OPUS_BENCH_ITEMS (300 items per board) x 5 columns; OPUS_BENCH_LATENCY
(0.12 s), OPUS_BENCH_WINDOW (6 s), OPUS_BENCH_NAIVE_SECONDS (12), OPUS_BENCH_CONCURRENCY (8 boards in
parallel), OPUS_BENCH_MAX_ALIASES (mutations per request at most; default: the sender's default),
OPUS_BENCH_PROFILES (basic,pro,enterprise).
"""

from __future__ import annotations

import json
import os
import time

import requests
from benchlib import bench_database, values_query

from sender import graphql_ops as ops
from sender.config import load_config
from sender.db import Database
from sender.monday import MondayClient
from sender.send import Sender
from sender.sync import sync_board
from tests.monday_double import DoubleConfig, Faults, Limits, MondayDouble, make_board

TOKEN = "bench-token"
PROFILES = {
    "basic": {"rpm": 1000, "concurrency": 40, "daily": 1000},
    "pro": {"rpm": 2500, "concurrency": 100, "daily": 10_000},
    "enterprise": {"rpm": 5000, "concurrency": 250, "daily": 25_000},
}
COMPLEXITY_PER_MIN = 10_000_000
PER_QUERY = 5_000_000
BOARDS = int(os.environ.get("OPUS_BENCH_BOARDS", "8"))
ITEMS = int(os.environ.get("OPUS_BENCH_ITEMS", "300"))
LATENCY = float(os.environ.get("OPUS_BENCH_LATENCY", "0.12"))
WINDOW = float(os.environ.get("OPUS_BENCH_WINDOW", "6"))
NAIVE_SECONDS = float(os.environ.get("OPUS_BENCH_NAIVE_SECONDS", "12"))
CONCURRENCY = int(os.environ.get("OPUS_BENCH_CONCURRENCY", "8"))
MAX_ALIASES = os.environ.get("OPUS_BENCH_MAX_ALIASES")  # default: the sender's own default
COLUMNS = ["status", "date4", "numbers", "text", "dropdown"]
LABELS = ["Working on it", "Done", "Stuck", "In Progress"]
TAGS = ["Urgent", "Wholesale", "Retail", "Sample"]


def limits_for(p: dict) -> Limits:
    f = WINDOW / 60.0
    return Limits(minute_requests=max(1, int(p["rpm"] * f)), concurrency=p["concurrency"],
                  complexity_per_minute=int(COMPLEXITY_PER_MIN * f), complexity_per_query=PER_QUERY,
                  daily_calls=10**9, window_seconds=WINDOW)


def new_double(p: dict) -> MondayDouble:
    return MondayDouble(DoubleConfig(token=TOKEN, time_scale=1.0, limits=limits_for(p),
                                     faults=Faults(latency=LATENCY, latency_jitter=LATENCY / 3), seed=7)).start()


def probe_cost(double: MondayDouble, board: int, item: int, n: int = 10) -> float:
    """Complexity of one item update inside an aliased request, from monday's own complexity field."""
    upd = [{"board_id": board, "item_id": item, "column_values": json.dumps({"text": f"probe {k}"}),
            "create_labels_if_missing": False} for k in range(n)]
    r = requests.post(double.url, json={"query": ops.change_multiple_document(n),
                                        "variables": ops.change_multiple_variables(upd)},
                      headers={"Authorization": TOKEN, "Idempotency-Key": f"probe-{time.time()}"}, timeout=30)
    return float(r.json()["data"]["complexity"]["query"]) / n


def naive_sender(double: MondayDouble, board: int, items: list[int], seconds: float) -> tuple[int, float, int]:
    """One change_column_value per cell, sequential, sleeping on 429 as told: cells sent, seconds, 429s."""
    doc = ("mutation ($b: ID!, $i: ID, $c: String!, $v: JSON!) { change_column_value(board_id: $b, item_id: $i, "
           "column_id: $c, value: $v) { id } }")
    s = requests.Session()
    sent, limited, start = 0, 0, time.monotonic()
    k = 0
    while time.monotonic() - start < seconds:
        item = items[k % len(items)]
        k += 1
        r = s.post(double.url, json={"query": doc, "variables": {"b": str(board), "i": str(item), "c": "text",
                                                                 "v": json.dumps(f"naive {k}")}},
                   headers={"Authorization": TOKEN}, timeout=60)
        if r.status_code == 429:
            limited += 1
            time.sleep(float(r.headers.get("Retry-After") or 1))
            continue
        sent += 1
    return sent, time.monotonic() - start, limited


def stage_all(dsn: str, double: MondayDouble, boards: list[int], items: dict[int, list[int]]) -> list[str]:
    cfg = load_config(env={"OPUS_DSN": dsn, "MONDAY_API_URL": double.url, "MONDAY_API_TOKEN": TOKEN},
                      requests_per_minute=10**6, daily_calls=10**9)
    batches = []
    with Database(dsn) as db, MondayClient(cfg) as client:
        for b in boards:
            sync_board(db, client, b, with_items=True, with_subitems=False)
        for b in boards:
            rows = [[it, LABELS[(n + 2) % 4], f"2027-{n % 12 + 1:02d}-{n % 27 + 1:02d}", str(10_000 + n),
                     f"bench {b} {n}", TAGS[n % 4]] for n, it in enumerate(items[b])]
            res = db.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"},
                          query=values_query(["monday_item_id", *COLUMNS], rows), board_id=b,
                          update_operation="UPDATE", target_level="ITEMS")
            batch = res.outputs["batch_id"]
            db.call("usp_ReleaseBatch", batch_id=batch)
            batches.append(batch)
    return batches


def run_profile(name: str, p: dict) -> dict:
    double = new_double(p)
    try:
        boards = [8_100_000_001 + 100 * k for k in range(BOARDS)]
        items = {b: make_board(double.store, b, ITEMS, name=f"Bench {k}") for k, b in enumerate(boards)}
        naive_board = 8_199_000_001
        naive_items = make_board(double.store, naive_board, 50, name="Naive")
        with bench_database() as dsn:
            batches = stage_all(dsn, double, boards, items)
            with Database(dsn) as db:
                cells = sum(len(json.loads(r["column_values"])) for r in db.query(
                    "SELECT column_values FROM dbo.MON_UpdateQueue"))
            cost = probe_cost(double, naive_board, naive_items[0])
            time.sleep(WINDOW)  # start with a fresh window
            double.reset()
            cfg = load_config(env={"OPUS_DSN": dsn, "MONDAY_API_URL": double.url, "MONDAY_API_TOKEN": TOKEN},
                              requests_per_minute=p["rpm"], complexity_per_minute=COMPLEXITY_PER_MIN,
                              daily_calls=10**9, concurrency=CONCURRENCY, lease_seconds=120,
                              max_aliases=int(MAX_ALIASES) if MAX_ALIASES else None)
            t0 = time.monotonic()
            result = Sender(cfg, dry_run=False).run()
            elapsed = time.monotonic() - t0
            counters = double.counters
            sent_rows = sum(b.sent for b in result.batches.values())
            with Database(dsn) as db:
                audited = int(db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateAudit"))
            calls = counters["requests"]
            # dry run reads per 100 items: stage the same changes again (the board holds them now: no-ops,
            # which is what a dry run of a fresh batch reads too)
            double.reset()
        # theoretical maximum, cells/min
        aliases_cap = max(1, int(PER_QUERY // cost))
        items_per_min = min(p["rpm"] * aliases_cap, COMPLEXITY_PER_MIN / cost)
        theo = items_per_min * len(COLUMNS)
        achieved = audited / elapsed * 60
        time.sleep(WINDOW)
        double.reset()
        n_sent, n_secs, n_429 = naive_sender(double, naive_board, naive_items, NAIVE_SECONDS)
        naive_rate = n_sent / n_secs * 60
        return {"profile": name, "cells": cells, "cells_sent": audited, "rows_sent": sent_rows,
                "seconds": elapsed, "achieved_cells_per_min": achieved, "theoretical_cells_per_min": theo,
                "fraction": achieved / theo, "naive_cells_per_min": naive_rate, "naive_429": n_429,
                "ratio_to_naive": achieved / naive_rate if naive_rate else float("inf"),
                "calls": calls, "cells_per_call": audited / calls if calls else 0.0,
                "rate_limited": counters["rate_limited"], "early_retries": counters["early_retries"],
                "cost_per_item": cost, "batches": len(batches), "daily_limit": p["daily"],
                "exit_code": result.exit_code}
    finally:
        double.stop()


def dry_run_reads(items_n: int = 500) -> dict:
    p = PROFILES["enterprise"]
    double = MondayDouble(DoubleConfig(token=TOKEN, time_scale=1.0, limits=limits_for(p), seed=3)).start()
    try:
        board = 8_300_000_001
        items = {board: make_board(double.store, board, items_n, name="Dry run")}
        with bench_database() as dsn:
            stage_all(dsn, double, [board], items)
            double.reset()
            cfg = load_config(env={"OPUS_DSN": dsn, "MONDAY_API_URL": double.url, "MONDAY_API_TOKEN": TOKEN},
                              requests_per_minute=p["rpm"], daily_calls=10**9)
            Sender(cfg, dry_run=True).run()
            c = double.counters
            return {"items": items_n, "reads": c["read_requests"], "mutations": c["mutation_requests"],
                    "reads_per_100_items": 100 * c["read_requests"] / items_n}
    finally:
        double.stop()


def main() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    names = [n.strip() for n in os.environ.get("OPUS_BENCH_PROFILES", "basic,pro,enterprise").split(",") if n.strip()]
    print(f"send throughput: {BOARDS} boards x {ITEMS} items x {len(COLUMNS)} columns, latency {LATENCY:.2f} s "
          f"(+-{LATENCY / 3:.2f}), limits enforced over a {WINDOW:g} s window at monday's per-second rates, "
          f"sender concurrency {CONCURRENCY} boards, max aliases {MAX_ALIASES or 'default'}")
    rows = []
    for name in names:
        r = run_profile(name, PROFILES[name])
        rows.append(r)
        print(f"{name:<11} {r['cells_sent']:>6} cells in {r['seconds']:6.1f} s: {r['achieved_cells_per_min']:>8.0f} "
              f"cells/min = {r['fraction']:6.1%} of the theoretical {r['theoretical_cells_per_min']:.0f} "
              f"(cost {r['cost_per_item']:.0f}/item); naive {r['naive_cells_per_min']:.0f} cells/min "
              f"({r['naive_429']} x 429) -> x{r['ratio_to_naive']:.1f}; {r['cells_per_call']:.1f} cells/call "
              f"({r['calls']} calls: a {r['daily_limit']}-call day moves {r['cells_per_call'] * r['daily_limit']:.0f} "
              f"cells); 429s {r['rate_limited']}, early retries {r['early_retries']}, exit {r['exit_code']}",
              flush=True)
    d = dry_run_reads()
    print(f"dry run: {d['reads']} read calls for {d['items']} items = {d['reads_per_100_items']:.1f} per 100 items; "
          f"{d['mutations']} mutations")
    out = os.environ.get("OPUS_BENCH_JSON")
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump({"profiles": rows, "dry_run": d}, fh, indent=2)


if __name__ == "__main__":
    main()
