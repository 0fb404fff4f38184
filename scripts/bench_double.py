"""Throughput of the monday API double itself (requests/s and mutations/s over real HTTP).

    .venv/bin/python scripts/bench_double.py [--seconds 3] [--threads 4] [--items 500]

The double must not be the bottleneck of the sender benchmarks: compare these numbers with the
sender's rates (monday's own budgets allow ~1,000-5,000 requests per minute, i.e. 17-83 per second).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.monday_double import DoubleConfig, Faults, Limits, MondayDouble, make_board  # noqa: E402

BOARD = 5_000_000_001
READ = """query ($ids: [ID!]) { items(ids: $ids, limit: 100) { id name
  column_values(ids: ["status", "numbers", "text", "date4"]) { id type value text } } }"""
MUTATION = """mutation ($b: ID!, $i: ID!, $v: JSON!) {
  change_multiple_column_values(board_id: $b, item_id: $i, column_values: $v) { id } }"""


def batch_mutation(n: int) -> str:
    args = ", ".join(f"$i{k}: ID!, $v{k}: JSON!" for k in range(n))
    body = "\n".join(f"m{k}: change_multiple_column_values(board_id: $b, item_id: $i{k}, column_values: $v{k}) {{ id }}"
                     for k in range(n))
    return f"mutation ($b: ID!, {args}) {{\n{body}\n}}"


def run(double: MondayDouble, threads: int, seconds: float, make_request) -> tuple[int, int, int]:
    """Returns (requests, mutations, errors) completed in ``seconds`` by ``threads`` clients."""
    stop = time.monotonic() + seconds
    totals = [0, 0, 0]
    lock = threading.Lock()

    def worker(wid: int) -> None:
        s = requests.Session()
        s.headers.update({"Authorization": double.config.token, "API-Version": "2026-07"})
        n = muts = errs = 0
        while time.monotonic() < stop:
            payload, m = make_request(wid, n)
            r = s.post(double.url, data=json.dumps(payload), headers={"Content-Type": "application/json"})
            body = r.json()
            if r.status_code != 200 or body.get("errors"):
                errs += 1
            n += 1
            muts += m
        with lock:
            totals[0] += n
            totals[1] += muts
            totals[2] += errs

    ts = [threading.Thread(target=worker, args=(w,)) for w in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return totals[0], totals[1], totals[2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--batch", type=int, default=25)
    args = ap.parse_args()

    double = MondayDouble(DoubleConfig(limits=Limits.generous(), faults=Faults()))
    ids = make_board(double.store, BOARD, args.items)
    double.start()
    try:
        def read(wid, n):
            start = (wid * 7 + n) % max(1, len(ids) - 100)
            return {"query": READ, "variables": {"ids": ids[start:start + 100]}}, 0

        def mutate(wid, n):
            iid = ids[(wid * 31 + n) % len(ids)]
            return {"query": MUTATION, "variables": {
                "b": BOARD, "i": iid, "v": json.dumps({"numbers": str(n), "status": {"label": "Done"}})}}, 1

        bq = batch_mutation(args.batch)

        def batched(wid, n):
            variables = {"b": BOARD}
            for k in range(args.batch):
                variables[f"i{k}"] = ids[(wid * 97 + n * args.batch + k) % len(ids)]
                variables[f"v{k}"] = json.dumps({"text": f"w{wid}-{n}-{k}"})
            return {"query": bq, "variables": variables}, args.batch

        print(f"monday API double benchmark: board of {args.items} items, {args.seconds:.1f} s per scenario")
        print(f"{'scenario':44s} {'requests/s':>11s} {'mutations/s':>12s} {'errors':>7s}")
        for label, threads, fn in [
            ("read 100 items x 4 columns, 1 client", 1, read),
            (f"read 100 items x 4 columns, {args.threads} clients", args.threads, read),
            ("change_multiple_column_values, 1 client", 1, mutate),
            (f"change_multiple_column_values, {args.threads} clients", args.threads, mutate),
            (f"{args.batch} aliased mutations/request, 1 client", 1, batched),
            (f"{args.batch} aliased mutations/request, {args.threads} clients", args.threads, batched),
        ]:
            n, m, errs = run(double, threads, args.seconds, fn)
            print(f"{label:44s} {n / args.seconds:11.0f} {m / args.seconds:12.0f} {errs:7d}")
        c = double.counters
        print(f"double counters: requests={c['requests']} mutations_applied={c['mutations_applied']} "
              f"internal_errors={c['internal_errors']}")
        return 1 if c["internal_errors"] else 0
    finally:
        double.stop()


if __name__ == "__main__":
    sys.exit(main())
