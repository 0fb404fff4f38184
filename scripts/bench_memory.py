"""Peak memory (RSS) of the sender process for batches of 1k, 100k and 1M queue rows.

The queue rows are inserted directly. All but the last OPUS_BENCH_MEM_OPEN (1,000) rows of each batch are
marked SENT (with one audit row each), as if the batch were nearly done; the sender process then sends
the open rows for real against the monday API double and writes its end-of-run report over the whole
batch, and then previews (dry run) a second batch of the same size. Its peak RSS (ru_maxrss of the
child) is what is compared: flat means the sender never holds the batch in memory.

Sizes: OPUS_BENCH_MEM_SIZES (default "1000,100000,1000000").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from benchlib import ROOT, bench_database

from sender.db import Database
from tests.monday_double import DoubleConfig, Limits, MondayDouble, make_board

TOKEN = "bench-mem-token"
OPEN = int(os.environ.get("OPUS_BENCH_MEM_OPEN", "1000"))
SENDER = str(ROOT / ".venv" / "bin" / "opus-sender")


def fill(db: Database, batch: str, board: int, n: int, items: list[int]) -> None:
    db.execute("INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, "
               "rows_staged, rows_valid, rows_queued, released_by, released_at) VALUES (?, ?, 'ITEMS', 'UPDATE', "
               "'READY', ?, ?, ?, 'bench', now() AT TIME ZONE 'UTC')", [batch, board, n, n, n])
    done = max(0, n - OPEN)
    db.execute(
        "INSERT INTO dbo.MON_UpdateQueue (batch_id, update_row_no, board_id, update_operation, monday_item_id, "
        "column_values, idempotency_key, queue_status, attempt_count, completed_at, result_detail) "
        "SELECT ?, g, ?, 'UPDATE', 7000000000 + g, "
        "'{\"status\":{\"index\":1},\"text\":\"bench ' || g || '\",\"numbers\":\"' || g || '\","
        "\"date4\":{\"date\":\"2027-01-02\"},\"dropdown\":{\"ids\":[1]}}', ? || '-' || g, 'SENT', 1, "
        "now() AT TIME ZONE 'UTC', '{\"request_id\":\"x\"}' FROM generate_series(1, ?) AS g",
        [batch, board, batch, done])
    db.execute(
        "INSERT INTO dbo.MON_UpdateAudit (batch_id, update_operation, monday_item_id, monday_board_id, column_id, "
        "old_value, new_value, queue_id, worker_id) SELECT batch_id, 'UPDATE', monday_item_id, board_id, 'text', "
        "'\"old\"', '\"new\"', queue_id, 'bench' FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [batch])
    rows = []
    for k, item in enumerate(items[:min(OPEN, n)]):
        g = done + k + 1
        rows.append((batch, g, board, item, json.dumps({"text": f"bench {batch} {g}", "numbers": str(g),
                                                        "status": {"index": 2}, "date4": {"date": "2027-03-04"},
                                                        "dropdown": {"ids": [2]}}), f"{batch}-{g}"))
    db.executemany("INSERT INTO dbo.MON_UpdateQueue (batch_id, update_row_no, board_id, update_operation, "
                   "monday_item_id, column_values, idempotency_key) VALUES (?, ?, ?, 'UPDATE', ?, ?, ?)", rows)
    db.execute("ANALYZE dbo.MON_UpdateQueue")


def peak_rss_mb(args: list[str], env: dict[str, str], timeout: float = 1200) -> tuple[float, int, float]:
    """Peak RSS (MB) of one sender process, its exit code and its run time."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode, time.monotonic() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, SENDER, *args], env=env, capture_output=True, text=True,
                         timeout=timeout, check=True).stdout.split()
    return int(out[0]) / 1024, int(out[1]), float(out[2])


def main() -> None:
    sizes = [int(s) for s in os.environ.get("OPUS_BENCH_MEM_SIZES", "1000,100000,1000000").split(",") if s.strip()]
    print(f"sender memory: peak RSS of one `opus-sender send` process; {OPEN} open rows sent (and, in a second "
          "batch, previewed) per size, the rest of each batch already SENT and audited")
    base = None
    for n in sizes:
        double = MondayDouble(DoubleConfig(token=TOKEN, time_scale=0.01, limits=Limits.generous(), seed=5)).start()
        try:
            board = 8_500_000_001
            items = make_board(double.store, board, min(OPEN, n), name="Memory")
            with bench_database("opus_benchmem") as dsn:
                with Database(dsn, timeout=60) as db:
                    t = time.perf_counter()
                    fill(db, "MEM-SEND", board, n, items)
                    fill(db, "MEM-DRY", board, n, items)
                    filled = time.perf_counter() - t
                env = {k: v for k, v in os.environ.items() if not k.startswith(("OPUS_", "MONDAY_"))}
                env.update({"OPUS_DSN": dsn, "MONDAY_API_URL": double.url, "MONDAY_API_TOKEN": TOKEN,
                            "MONDAY_REQUESTS_PER_MINUTE": "600000", "MONDAY_DAILY_CALLS": "10000000"})
                send_mb, send_rc, send_s = peak_rss_mb(["send", "--batch-id", "MEM-SEND", "--execute"], env)
                dry_mb, dry_rc, dry_s = peak_rss_mb(["send", "--batch-id", "MEM-DRY"], env)
        finally:
            double.stop()
        base = base or max(send_mb, dry_mb)
        print(f"{n:>8} queue rows: send peak {send_mb:6.1f} MB ({send_s:5.1f} s, exit {send_rc}), dry run peak "
              f"{dry_mb:6.1f} MB ({dry_s:5.1f} s, exit {dry_rc}) -> x{max(send_mb, dry_mb) / base:.2f} of the smallest "
              f"(rows inserted in {filled:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
