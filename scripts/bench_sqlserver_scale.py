"""The SQL Server scale changes of 0.3.0, each measured against the definition it replaced, in one run.

Each line prints a ratio measured in the same run on the same database (previous / current: above 1.0 the
current definition is faster). The previous definitions are read from git (BASE, the last commit before
the changes) and installed beside the current ones under other names.

PostgreSQL (always):
- claim: usp_ClaimQueueRows' pick (the first 100 open rows of a batch in queue_id order) on the index keyed
  (batch_id, queue_id) against 0.1's (batch_id, board_id, visible_after, queue_id), for N open rows.

T-SQL engine (when MSSQL_DSN names a database, empty or with the current schema installed; on Babelfish for PostgreSQL the numbers only indicate
what SQL Server does, Babelfish is not SQL Server: its optimizer, OPENJSON and function calls are its own):
- format: N cells formatted by the previous scalar dbo.fn_MON_FormatColumnValue per row against the inline
  dbo.fn_MON_Private_FormatValue applied with CROSS APPLY (the release statement's shape);
- staged cells: the previous inline dbo.fn_MON_StagedCells (OPENJSON evaluated once per CTE reference)
  against the multi-statement one (OPENJSON once), over a batch of N staged rows x 5 fields;
- claim: the same pick as on PostgreSQL, on both index definitions.

OPUS_BENCH_SCALE_N (default 20000) sets N.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

from benchlib import ROOT, bench_database

from sender.db import MSSQL, Database, split_batches
from sender.installer import install

BASE = "3331b98"
N = int(os.environ.get("OPUS_BENCH_SCALE_N", "20000"))
BOARD = 8_400_000_002
OLD_INDEX = ("CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, board_id, visible_after, "
             "queue_id) INCLUDE (queue_status, lease_expires_at) WHERE queue_status IN ('READY', 'CLAIMED')")
NEW_INDEX = ("CREATE INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue (batch_id, queue_id) INCLUDE (board_id, "
             "queue_status, visible_after, lease_expires_at, attempt_count, max_attempts, monday_item_id) "
             "WHERE queue_status IN ('READY', 'CLAIMED')")
PICK = ("SELECT {top} q.queue_id FROM dbo.MON_UpdateQueue AS q WHERE q.board_id = ? AND q.batch_id = ? "
        "AND q.queue_status IN ('READY', 'CLAIMED') AND ((q.queue_status = 'READY' AND q.visible_after <= ?) "
        "OR (q.queue_status = 'CLAIMED' AND q.lease_expires_at <= ? AND q.attempt_count < q.max_attempts)) "
        "ORDER BY q.queue_id {limit}")


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def previous_source(path: str) -> str:
    return subprocess.run(["git", "show", f"{BASE}:{path}"], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def seed_queue(db: Database, n: int) -> None:
    db.execute("INSERT INTO dbo.MON_Board (board_id, board_name, board_kind) SELECT ?, 'bench', 'public' "
               "WHERE NOT EXISTS (SELECT 1 FROM dbo.MON_Board WHERE board_id = ?)", (BOARD, BOARD))
    db.execute("INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, "
               "released_at) VALUES ('UB-BENCH-Q', ?, 'ITEMS', 'UPDATE', 'READY', ?)", (BOARD, now(db)))
    rows = [("UB-BENCH-Q", i, BOARD, "UPDATE", 9_000_000 + i, '{"text":"x"}', f"UB-BENCH-Q-{i}") for i in range(1, n + 1)]
    for k in range(0, n, 1000):
        db.executemany("INSERT INTO dbo.MON_UpdateQueue (batch_id, update_row_no, board_id, update_operation, "
                       "monday_item_id, column_values, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?)", rows[k:k + 1000])


def now(db: Database):
    if db.dialect == MSSQL:
        return db.scalar("SELECT DATEADD(MINUTE, 1, CAST(SYSUTCDATETIME() AS datetime2(3)))")
    return db.scalar("SELECT CAST(clock_timestamp() AT TIME ZONE 'UTC' + interval '1 minute' AS timestamp(3))")


def bench_claim(db: Database, label: str) -> None:
    top, limit = ("TOP (100)", "") if db.dialect == MSSQL else ("", "LIMIT 100")
    sql = PICK.format(top=top, limit=limit)
    t = now(db)
    params = (BOARD, "UB-BENCH-Q", t, t)

    def pick():
        for _ in range(20):
            db.query(sql, params)

    def on_index(ddl: str) -> float:
        db.execute("DROP INDEX IX_MON_UpdateQueue_claim ON dbo.MON_UpdateQueue" if db.dialect == MSSQL
                   else "DROP INDEX dbo.ix_mon_updatequeue_claim")
        db.execute(ddl)
        if db.dialect != MSSQL:
            db.execute("ANALYZE dbo.MON_UpdateQueue")
        return timed(pick)

    old, new = on_index(OLD_INDEX), on_index(NEW_INDEX)
    print(f"{label} claim pick, {N} open rows, 20 claims of 100: 0.1 index {old:.3f} s, (batch_id, queue_id) "
          f"{new:.3f} s, ratio {old / new:.1f}x")


def install_previous_tsql(db: Database) -> None:
    """The previous T-SQL format and staged-cells functions, renamed dbo.bench_prev_*."""
    renames = {"fn_MON_FormatColumnValue": "bench_prev_FormatColumnValue",
               "fn_MON_Private_NormalizeNumber": "bench_prev_NormalizeNumber",
               "fn_MON_Private_NormalizeDate": "bench_prev_NormalizeDate",
               "fn_MON_StagedCells": "bench_prev_StagedCells"}
    for name in ("fn_MON_Private_NormalizeNumber", "fn_MON_Private_NormalizeDate", "fn_MON_FormatColumnValue",
                 "fn_MON_StagedCells"):
        text = previous_source(f"db/functions/{name}.sql")
        for old, new in renames.items():
            text = re.sub(rf"dbo\.{old}\b", f"dbo.{new}", text)
        for batch in split_batches(text):
            db.execute(batch)


def bench_tsql(dsn: str) -> None:
    with Database(dsn) as db:
        if db.scalar("SELECT CASE WHEN OBJECT_ID(N'dbo.MON_UpdateQueue') IS NULL THEN 1 ELSE 0 END"):
            install(db)
        install_previous_tsql(db)
        db.execute("CREATE TABLE dbo.bench_cell (n int NOT NULL, column_type varchar(50), raw_value nvarchar(MAX), "
                   "settings_json nvarchar(MAX))")
        status = json.dumps({"labels": {"0": "Working on it", "1": "Done", "2": "Stuck"}})
        kinds = [("status", "Done", status), ("numbers", " 12.5000 ", None), ("date", "2026-06-15", None),
                 ("text", "note", None), ("dropdown", "Done, Stuck", status)]
        rows = [(i, *kinds[i % len(kinds)]) for i in range(N)]
        for k in range(0, N, 1000):
            db.executemany("INSERT INTO dbo.bench_cell VALUES (?, ?, ?, ?)", rows[k:k + 1000])
        old_sql = ("SELECT COUNT(*), SUM(LEN(dbo.bench_prev_FormatColumnValue(c.column_type, c.raw_value, "
                   "c.settings_json))) FROM dbo.bench_cell AS c")
        new_sql = ("SELECT COUNT(*), SUM(LEN(f.formatted_value)) FROM dbo.bench_cell AS c CROSS APPLY "
                   "dbo.fn_MON_Private_FormatValue(c.column_type, c.raw_value, c.settings_json) AS f")
        assert db.query(old_sql) == db.query(new_sql), "the two definitions disagree"
        old, new = timed(lambda: db.query(old_sql), 2), timed(lambda: db.query(new_sql), 2)
        print(f"T-SQL format, {N} cells: scalar per row {old:.3f} s, inline CROSS APPLY {new:.3f} s, "
              f"ratio {old / new:.2f}x")

        # staged cells: one batch of N/5 rows x 5 fields
        n_rows = max(N // 5, 1)
        db.execute("INSERT INTO dbo.MON_Board (board_id, board_name, board_kind) VALUES (?, 'bench', 'public')",
                   (BOARD,))
        for cid, title in (("status", "Status"), ("text", "Text"), ("numbers", "Numbers"), ("date4", "Date"),
                           ("text0", "Order Number")):
            db.execute("INSERT INTO dbo.MON_BoardColumn (board_id, column_id, title, normalized_title, column_type, "
                       "is_writable) VALUES (?, ?, ?, ?, 'text', 'Y')", (BOARD, cid, title, title.lower().replace(" ", "_")))
        db.execute("INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status) "
                   "VALUES ('UB-BENCH-C', ?, 'ITEMS', 'UPDATE', 'VALIDATED')", (BOARD,))
        fields = json.dumps({"status": "Done", "text": "x", "Numbers": "3", "date4": "2026-01-01",
                             "order number": "SO-1"}, separators=(",", ":"))
        srows = [(8_000_000 + i, fields, "UB-BENCH-C", i) for i in range(1, n_rows + 1)]
        for k in range(0, n_rows, 1000):
            db.executemany("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, update_operation, "
                           "update_fields, update_batch_id, update_row_no, validation_status) "
                           "VALUES (?, 'UPDATE', ?, ?, ?, 'VALID')", srows[k:k + 1000])
        old_sql = ("SELECT COUNT(*), COUNT(column_id) FROM dbo.bench_prev_StagedCells('UB-BENCH-C')")
        new_sql = ("SELECT COUNT(*), COUNT(column_id) FROM dbo.fn_MON_StagedCells('UB-BENCH-C')")
        assert db.query(old_sql) == db.query(new_sql), "the two definitions disagree"
        old, new = timed(lambda: db.query(old_sql), 2), timed(lambda: db.query(new_sql), 2)
        print(f"T-SQL staged cells, {n_rows} rows x 5 fields: inline (OPENJSON per CTE reference) {old:.3f} s, "
              f"multi-statement (OPENJSON once) {new:.3f} s, ratio {old / new:.2f}x")

        seed_queue(db, N)
        bench_claim(db, "T-SQL")
    print("(T-SQL engine: the ratios above only indicate what SQL Server does when the engine is not SQL Server)")


def main() -> None:
    with bench_database("opus_bench_scale") as dsn, Database(dsn) as db:
        seed_queue(db, N)
        bench_claim(db, "PostgreSQL")
    if os.environ.get("MSSQL_DSN"):
        bench_tsql(os.environ["MSSQL_DSN"])
    else:
        print("T-SQL: skipped (set MSSQL_DSN to a fresh database to compare the T-SQL definitions)")


if __name__ == "__main__":
    main()
