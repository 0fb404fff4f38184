"""Database work of a batch on PostgreSQL: stage + validate + release for N items x 5 columns.

For each size (OPUS_BENCH_DB_SIZES, default "10000,100000"; OPUS_BENCH_DB_1M=1 adds 1,000,000, which
takes about 10 minutes with its database setup, hence opt-in) the script times, in one run on a freshly installed database:

- usp_StageUpdates (runs the query, stages one row per item with update_fields JSON, validates),
- usp_ReleaseBatch (formats every cell to monday's write format, writes the queue),
- a bare INSERT ... SELECT of the same rows (update_fields JSON built in the same statement) into the
  same staging table: the floor any set-based staging can reach on this machine.

It prints rows/s, the ratio to the bare INSERT ... SELECT, and how the time grows from one size to the
next (1.0 = linear: ten times the rows, ten times the time).
"""

from __future__ import annotations

import json
import math
import os
import time

from benchlib import bench_database

from sender.db import Database

BOARD = 8_400_000_001
LABELS = ["Working on it", "Done", "Stuck", "In Progress"]
COLUMNS = [
    {"id": "name", "title": "Name", "type": "name"},
    {"id": "status", "title": "Status", "type": "status", "settings": {"labels": [
        {"id": 0, "label": "Working on it"}, {"id": 1, "label": "Done"}, {"id": 2, "label": "Stuck"},
        {"id": 3, "label": "In Progress"}]}},
    {"id": "date4", "title": "Date", "type": "date", "settings": {}},
    {"id": "numbers", "title": "Numbers", "type": "numbers", "settings": {}},
    {"id": "text", "title": "Text", "type": "text", "settings": {}},
    {"id": "text0", "title": "Order Number", "type": "text", "settings": {}},
]
QUERY = ("SELECT monday_item_id, status, due AS date4, qty AS numbers, note AS text, order_no AS text0 "
         "FROM dbo.bench_source")


def prepare(db: Database, n: int) -> None:
    db.call("usp_UpsertBoardMetadata", board_json=json.dumps({
        "id": str(BOARD), "name": "DB bench", "board_kind": "public", "columns": COLUMNS,
        "groups": [{"id": "topics", "title": "Group"}]}))
    db.execute("DROP TABLE IF EXISTS dbo.bench_source")
    db.execute("CREATE TABLE dbo.bench_source (monday_item_id bigint, status varchar(50), due varchar(20), "
               "qty varchar(20), note varchar(100), order_no varchar(50))")
    db.execute(
        "INSERT INTO dbo.bench_source SELECT 9000000000 + g, "
        "(ARRAY['Working on it','Done','Stuck','In Progress'])[1 + g % 4], "
        "to_char(DATE '2027-01-01' + (g % 300), 'YYYY-MM-DD'), (g % 9973)::text, 'note ' || g, 'SO-' || g "
        "FROM generate_series(1, ?) AS g", [n])
    db.execute("DELETE FROM dbo.MON_BoardItem WHERE board_id = ?", [BOARD])
    db.execute("INSERT INTO dbo.MON_BoardItem (item_id, board_id, item_name, group_id) "
               "SELECT monday_item_id, ?, 'Item ' || monday_item_id, 'topics' FROM dbo.bench_source", [BOARD])
    db.execute("ANALYZE dbo.bench_source")
    db.execute("ANALYZE dbo.MON_BoardItem")


def bare_insert(db: Database) -> float:
    t = time.perf_counter()
    db.execute(
        "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, update_operation, "
        "update_fields, source_query, update_batch_id, validation_status) "
        "SELECT monday_item_id, ?, 'UPDATE', json_build_object('status', status, 'date4', due, 'numbers', qty, "
        "'text', note, 'text0', order_no)::text, ?, 'BARE', 'VALID' FROM dbo.bench_source", [BOARD, QUERY])
    elapsed = time.perf_counter() - t
    db.execute("DELETE FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id = 'BARE'")
    return elapsed


def measure(n: int) -> dict:
    with bench_database("opus_benchdb") as dsn, Database(dsn, timeout=30) as db:
        prepare(db, n)
        bare = bare_insert(db)
        t = time.perf_counter()
        res = db.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"}, query=QUERY, board_id=BOARD,
                      update_operation="UPDATE", target_level="ITEMS")
        stage = time.perf_counter() - t
        batch = res.outputs["batch_id"]
        t = time.perf_counter()
        db.call("usp_ValidateStagedUpdates", batch_id=batch)
        revalidate = time.perf_counter() - t
        t = time.perf_counter()
        db.call("usp_ReleaseBatch", batch_id=batch)
        release = time.perf_counter() - t
        queued = int(db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [batch]))
        invalid = int(db.scalar("SELECT COUNT(*) FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id = ? "
                                "AND validation_status = 'INVALID'", [batch]))
    total = stage + release
    return {"items": n, "cells": n * 5, "stage_validate_s": stage, "revalidate_s": revalidate, "release_s": release,
            "total_s": total, "rows_per_s": n / total, "bare_s": bare, "ratio_to_bare": total / bare,
            "queued": queued, "invalid": invalid}


def main() -> None:
    sizes = [int(s) for s in os.environ.get("OPUS_BENCH_DB_SIZES", "10000,100000").split(",") if s.strip()]
    if os.environ.get("OPUS_BENCH_DB_1M") == "1" and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    print("database: stage (+ validation) and release of N items x 5 columns on PostgreSQL")
    prev = None
    out = []
    for n in sizes:
        r = measure(n)
        growth = ""
        if prev:
            exponent = math.log(r["total_s"] / prev["total_s"]) / math.log(n / prev["items"])
            growth = (f"; growth x{r['total_s'] / prev['total_s']:.1f} time for x{n / prev['items']:.1f} rows "
                      f"(exponent {exponent:.2f}; 1.00 is linear)")
        print(f"{n:>8} items: stage+validate {r['stage_validate_s']:7.2f} s, release {r['release_s']:7.2f} s, "
              f"re-validate {r['revalidate_s']:6.2f} s -> {r['rows_per_s']:8.0f} rows/s "
              f"({r['rows_per_s'] * 5:8.0f} cells/s); bare INSERT..SELECT {r['bare_s']:.2f} s -> "
              f"x{r['ratio_to_bare']:.1f} of the bare insert; queued {r['queued']}, invalid {r['invalid']}{growth}",
              flush=True)
        prev = r
        out.append(r)
    if os.environ.get("OPUS_BENCH_JSON"):
        with open(os.environ["OPUS_BENCH_JSON"], "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
