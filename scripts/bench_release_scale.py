"""Release and cancel of a large batch on PostgreSQL: locks held, log written, longest transaction, per 100k rows.

usp_ReleaseBatch and usp_CancelBatch write a batch's queue rows in committed chunks of a few thousand rows behind
a batch gate (docs/sql_conventions.md), so what one transaction holds must not grow with the batch. For each size
(OPUS_BENCH_RELEASE_SIZES, default "100000"; OPUS_BENCH_RELEASE_1M=1 adds 1,000,000, about 10 minutes on the
build machine) the script, on a freshly installed database:

- writes N validated staged rows of 2 cells each (a status label and a text) straight into the staging table,
  with the batch row and the row hashes validation would write (validation itself is not measured here:
  scripts/bench_db.py measures it);
- releases the batch (usp_ReleaseBatch, default chunks), then cancels it (usp_CancelBatch, default chunks),
  while another connection samples every 10 ms the locks the working backend holds (pg_locks: relation,
  transaction and advisory locks; PostgreSQL keeps row locks in the rows, never in the lock table) and how
  long its current transaction has been open (pg_stat_activity.xact_start);
- reads the WAL written by each call (pg_current_wal_lsn() before and after).

It prints, per call and size: seconds, WAL bytes per 100k rows, the peak number of locks held, the longest
transaction seen; then each of them at N as a ratio against the smallest size (1.0 = the same per 100k rows for
WAL; for locks and the longest transaction 1.0 means it does not grow with the batch).
"""

from __future__ import annotations

import json
import os
import threading
import time

from benchlib import bench_database

from sender.db import Database

BOARD = 8_400_000_003
BATCH = "UB-BENCH-SCALE"
COLUMNS = [
    {"id": "name", "title": "Name", "type": "name"},
    {"id": "status", "title": "Status", "type": "status", "settings": {"labels": [
        {"id": 0, "label": "Working on it"}, {"id": 1, "label": "Done"}, {"id": 2, "label": "Stuck"}]}},
    {"id": "text", "title": "Text", "type": "text", "settings": {}},
]


def prepare(db: Database, n: int) -> None:
    db.call("usp_UpsertBoardMetadata", board_json=json.dumps({
        "id": str(BOARD), "name": "Scale bench", "board_kind": "public", "columns": COLUMNS,
        "groups": [{"id": "topics", "title": "Group"}]}))
    db.execute(
        "INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, "
        "rows_staged, rows_valid, validated_at) VALUES (?, ?, 'ITEMS', 'UPDATE', 'VALIDATED', ?, ?, "
        "clock_timestamp() AT TIME ZONE 'UTC')", [BATCH, BOARD, n, n])
    db.execute(
        "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, update_operation, update_fields, "
        "update_batch_id, update_row_no, validation_status) "
        "SELECT 7000000000 + g, 'UPDATE', json_build_object('status', "
        "(ARRAY['Working on it','Done','Stuck'])[1 + g % 3], 'text', 'note ' || g)::text, ?, g, 'VALID' "
        "FROM generate_series(1, ?) AS g", [BATCH, n])
    # what validation writes at its end (usp_Private_ValidateBatch), so that the release accepts the rows
    db.execute(
        "INSERT INTO dbo.MON_ValidatedRow (batch_id, update_row_no, row_hash) "
        "SELECT s.update_batch_id, s.update_row_no, dbo.fn_MON_Private_RowHash(s.monday_item_id, NULL, s.item_name, "
        "s.group_id, s.update_fields, s.validation_status) FROM dbo.STG_MON_CustMasterSchedule AS s "
        "WHERE s.update_batch_id = ?", [BATCH])
    db.execute("ANALYZE")


class Sampler:
    """Samples, from its own connection, the locks a backend holds and the age of its open transaction."""

    def __init__(self, dsn: str, pid: int):
        self.db = Database(dsn, timeout=30).connect()
        self.pid = pid
        self.peak_locks = 0
        self.longest_xact = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            row = self.db.query(
                "SELECT (SELECT count(*) FROM pg_locks WHERE pid = ? AND granted) AS locks, "
                "(SELECT coalesce(extract(epoch FROM clock_timestamp() - xact_start), 0) FROM pg_stat_activity "
                "WHERE pid = ? AND state <> 'idle') AS xact", [self.pid, self.pid])[0]
            self.peak_locks = max(self.peak_locks, int(row["locks"] or 0))
            self.longest_xact = max(self.longest_xact, float(row["xact"] or 0))
            time.sleep(0.01)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(10)
        self.db.close()


def wal_lsn(db: Database) -> int:
    return int(db.scalar("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"))


def timed(dsn: str, db: Database, worker: Database, proc: str, **params) -> dict:
    before = wal_lsn(db)
    with Sampler(dsn, int(worker.scalar("SELECT pg_backend_pid()"))) as sampler:
        t = time.perf_counter()
        worker.call(proc, **params)
        seconds = time.perf_counter() - t
    return {"seconds": seconds, "wal": wal_lsn(db) - before, "peak_locks": sampler.peak_locks,
            "longest_xact_s": sampler.longest_xact}


def measure(n: int) -> dict:
    with bench_database("opus_benchscale") as dsn, Database(dsn, timeout=60) as db, \
            Database(dsn, timeout=60) as worker:
        prepare(db, n)
        release = timed(dsn, db, worker, "usp_ReleaseBatch", batch_id=BATCH)
        queued = int(db.scalar("SELECT count(*) FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [BATCH]))
        status = db.scalar("SELECT batch_status FROM dbo.MON_UpdateBatch WHERE batch_id = ?", [BATCH])
        assert (queued, status) == (n, "READY"), (queued, status)
        cancel = timed(dsn, db, worker, "usp_CancelBatch", batch_id=BATCH, reason="bench")
        cancelled = int(db.scalar("SELECT count(*) FROM dbo.MON_UpdateQueue WHERE batch_id = ? "
                                  "AND queue_status = 'CANCELLED'", [BATCH]))
        assert cancelled == n, cancelled
    return {"rows": n, "release": release, "cancel": cancel}


def line(name: str, n: int, r: dict) -> str:
    return (f"{name:8} {n:>8} rows: {r['seconds']:7.1f} s, WAL {r['wal'] / n * 100_000 / 1e6:7.1f} MB per 100k rows, "
            f"peak locks held {r['peak_locks']:3d}, longest transaction {r['longest_xact_s']:5.2f} s")


def main() -> None:
    sizes = [int(s) for s in os.environ.get("OPUS_BENCH_RELEASE_SIZES", "100000").split(",") if s.strip()]
    if os.environ.get("OPUS_BENCH_RELEASE_1M") == "1" and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    print("release and cancel of N rows x 2 cells on PostgreSQL, in committed chunks (default 4000 rows)")
    results = []
    for n in sizes:
        r = measure(n)
        for name in ("release", "cancel"):
            print(line(name, n, r[name]), flush=True)
        results.append(r)
    base = results[0]
    for r in results[1:]:
        for name in ("release", "cancel"):
            a, b = base[name], r[name]
            print(f"{name:8} {r['rows']:>8} vs {base['rows']} rows: WAL per 100k x{(b['wal'] / r['rows']) / (a['wal'] / base['rows']):.2f}, "
                  f"peak locks x{b['peak_locks'] / max(a['peak_locks'], 1):.2f}, "
                  f"longest transaction x{b['longest_xact_s'] / max(a['longest_xact_s'], 0.001):.2f}, "
                  f"time per 100k x{(b['seconds'] / r['rows']) / (a['seconds'] / base['rows']):.2f}", flush=True)
    if os.environ.get("OPUS_BENCH_JSON"):
        with open(os.environ["OPUS_BENCH_JSON"], "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
