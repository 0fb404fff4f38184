"""`make demo`: the whole flow on the embedded PostgreSQL and a local monday API double; with MSSQL_DSN set
(`make demo-mssql`), the same flow on that SQL Server database (T-SQL: EXEC with OUTPUT, TOP instead of LIMIT).

Each step prints what a user would type (the SQL a DBA runs, or the opus-sender command a SQL Agent
job step runs), then its result. Everything runs for real: a private PostgreSQL server, the schema
installer, the SQL procedures, the sender as a separate process talking HTTP to the double.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sender.db import Database  # noqa: E402
from sender.installer import install  # noqa: E402

BOARD = 8709134353
DEMO_DB = "opus_demo"
TOKEN = "demo-token-not-a-secret"
REPORTS = ROOT / "reports"
BIN = Path(sys.executable).parent


def banner(n: int, title: str) -> None:
    print(f"\n{'=' * 100}\nStep {n}: {title}\n{'=' * 100}", flush=True)


def show_sql(sql: str) -> None:
    print(textwrap.indent(textwrap.dedent(sql).strip(), "SQL> "), flush=True)


def show_rows(rows: list[dict], columns: list[str] | None = None, width: int = 38) -> None:
    if not rows:
        print("(no rows)")
        return
    columns = columns or list(rows[0])

    def cell(v) -> str:
        s = "NULL" if v is None else str(v)
        s = s.replace("\n", " ")
        return s if len(s) <= width else s[: width - 1] + "…"

    widths = {c: max(len(c), *(len(cell(r.get(c))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for r in rows:
        print("  ".join(cell(r.get(c)).ljust(widths[c]) for c in columns))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", flush=True)


def run_sql(db: Database, sql: str, width: int = 38) -> list[dict]:
    """Print the SQL exactly as it runs, run it, show its rows (the demo's SQL is built from its own constants)."""
    show_sql(sql)
    result = db.execute(textwrap.dedent(sql).strip())
    rows = result.result_sets[0] if result.result_sets else []
    for m in result.messages:
        print(f"  NOTICE: {m}")
    show_rows(rows, width=width)
    return rows


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def run_cli(args: list[str], env: dict, ok_codes=(0,)) -> int:
    print("$ opus-sender " + " ".join(a if " " not in a else repr(a) for a in args), flush=True)
    proc = subprocess.run([str(BIN / "opus-sender"), *args], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=300)
    out = (proc.stdout + proc.stderr).rstrip()
    if out:
        print(textwrap.indent(out, "  "))
    print(f"  (exit code {proc.returncode})", flush=True)
    if proc.returncode not in ok_codes:
        raise SystemExit(f"demo stopped: opus-sender {' '.join(args)} exited {proc.returncode}")
    return proc.returncode


def double_get(control: str, path: str):
    with urllib.request.urlopen(f"{control}/{path}", timeout=10) as resp:
        return json.loads(resp.read())


class Sql:
    """The demo's SQL in one dialect: the same steps, each written as a DBA of that engine types it."""

    def __init__(self, tsql: bool):
        self.tsql = tsql

    def stage(self, query: str) -> str:
        if self.tsql:
            return (f"DECLARE @b varchar(50);\nEXEC dbo.usp_StageUpdates @query = N{quote(query)}, "
                    f"@board_id = {BOARD}, @batch_id = @b OUTPUT;")
        return f"CALL dbo.usp_StageUpdates(p_query => {quote(query)}, p_board_id => {BOARD}, p_batch_id => NULL)"

    def call(self, proc: str, **params: str) -> str:
        if self.tsql:
            return f"EXEC dbo.{proc} " + ", ".join(f"@{k} = {quote(v)}" for k, v in params.items()) + ";"
        return f"CALL dbo.{proc}(" + ", ".join(f"p_{k} => {quote(v)}" for k, v in params.items()) + ")"

    def first(self, n: int) -> tuple[str, str]:
        """(after SELECT, at the end) for the first n rows."""
        return (f"TOP ({n}) ", "") if self.tsql else ("", f" LIMIT {n}")

    def batch_of(self, rows: list[dict]) -> str:
        return rows[0]["batch_id" if self.tsql else "p_batch_id"]


def main() -> int:
    if os.environ.get("MSSQL_DSN"):
        return main_mssql(os.environ["MSSQL_DSN"])
    port = int((ROOT / ".run" / "pgport").read_text().strip())
    base = f"DRIVER={{PostgreSQL Unicode}};SERVER=127.0.0.1;PORT={port};UID=postgres;PWD=;"
    dsn = base + f"DATABASE={DEMO_DB};"

    banner(1, "a fresh database and the schema (opus-sender db install)")
    with Database(base + "DATABASE=postgres;") as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DEMO_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DEMO_DB}")
    with Database(dsn) as db:
        report = install(db)
    print(f"$ opus-sender db install --dsn '{dsn}'\n  schema {report.version} installed "
          f"({report.files} files)")

    return with_double(dsn, Sql(tsql=False))


def main_mssql(dsn: str) -> int:
    """The flow on the SQL Server database MSSQL_DSN names (an empty one, or one this demo used before)."""
    banner(1, "the schema in the SQL Server database of MSSQL_DSN (opus-sender db install)")
    with Database(dsn) as db:
        report = install(db)
        # the demo board's loader rows are the loader's: it reloads them, as load_boards.py does
        db.execute("DELETE FROM dbo.STG_MON_CustMasterSchedule WHERE monday_board_id = ? AND update_batch_id IS NULL",
                   (BOARD,))
    print(f"$ opus-sender db install --dsn \"$MSSQL_DSN\"\n  schema {report.version} installed ({report.files} files)")
    return with_double(dsn, Sql(tsql=True))


def with_double(dsn: str, sql: Sql) -> int:
    banner(2, "the monday API double (a local stand-in for api.monday.com) with the Planning board")
    double = subprocess.Popen(
        [sys.executable, "-m", "tests.monday_double", "--port", "0", "--token", TOKEN],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        url = double.stdout.readline().strip().split("=", 1)[1]
        control = url.rsplit("/", 1)[0] + "/_double"
        print(f"double listening on {url}")
        return walk(dsn, url, control, sql)
    finally:
        double.terminate()
        double.wait(timeout=10)


def walk(dsn: str, url: str, control: str, sql: Sql) -> int:
    env = {**os.environ, "OPUS_DSN": dsn, "MONDAY_API_URL": url, "MONDAY_API_TOKEN": TOKEN,
           "OPUS_LEASE_SECONDS": "30"}
    db = Database(dsn).connect()
    state = double_get(control, f"state?board_id={BOARD}")
    items = state["items"] if isinstance(state, dict) and "items" in state else state
    items = [i for i in items if not i.get("parent_item_id")]

    banner(3, "the board loader fills the staging table (what load_boards.py does every night)")
    show_sql("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, "
             "group_id, order_status, customer_name) VALUES (...)")
    for it in items:
        texts = it.get("texts") or {}
        db.execute(
            "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, group_id, "
            "order_status, customer_name) VALUES (?, ?, ?, ?, ?, ?)",
            (int(it["id"]), BOARD, it["name"], it.get("group_id"), texts.get("status"), texts.get("text")),
        )
    show_rows(db.query("SELECT monday_item_id, item_name, order_status, customer_name, update_batch_id "
                       "FROM dbo.STG_MON_CustMasterSchedule ORDER BY monday_item_id"))
    safe_item = int(items[0]["id"])

    banner(4, "sync the board's metadata (columns, labels, groups, users, items) into SQL")
    run_cli(["sync-board", "--board-id", str(BOARD), "--items"], env)
    run_sql(db, f"SELECT column_id, title, column_type, is_writable FROM dbo.MON_BoardColumn "
                f"WHERE board_id = {BOARD} ORDER BY column_id")

    banner(5, "stage the owner's query: one safe item, Order Status -> 'In Progress'")
    top, limit = sql.first(1)
    query = (f"SELECT {top}monday_item_id, 'In Progress' AS order_status FROM STG_MON_CustMasterSchedule "
             f"WHERE monday_board_id = {BOARD} AND monday_item_id = {safe_item}{limit}")
    if not sql.tsql:
        print("-- SQL Server: DECLARE @b varchar(50); EXEC dbo.usp_StageUpdates @query = N'...', "
              f"@board_id = {BOARD}, @batch_id = @b OUTPUT;  (with TOP (1) instead of LIMIT 1)")
    batch = sql.batch_of(run_sql(db, sql.stage(query)))
    run_sql(db, f"SELECT batch_id, board_name, update_operation, batch_status, rows_staged, rows_valid, "
                f"rows_invalid, rows_warning FROM dbo.vw_MON_BatchSummary WHERE batch_id = {quote(batch)}")

    banner(6, "a batch with a few bad rows: validation says what is wrong, per row and column")
    top, limit = sql.first(2)
    bad_query = (
        f"SELECT {top}monday_item_id, CASE WHEN monday_item_id = {safe_item} THEN 'Shipped' ELSE 'Done' END "
        f"AS order_status, CASE WHEN monday_item_id = {safe_item} THEN 'next tuesday' ELSE '2026-07-01' END "
        f"AS due_date, 'lots' AS quantity, 'x' AS no_such_column FROM STG_MON_CustMasterSchedule "
        f"WHERE monday_board_id = {BOARD} AND update_batch_id IS NULL ORDER BY monday_item_id{limit}"
    )
    bad_batch = sql.batch_of(run_sql(db, sql.stage(bad_query)))
    run_sql(db, f"SELECT update_row_no, monday_item_id, rule_code, column_id, message "
                f"FROM dbo.vw_MON_ValidationErrors WHERE batch_id = {quote(bad_batch)} "
                f"ORDER BY update_row_no, rule_code", width=110)
    run_sql(db, sql.call("usp_CancelBatch", batch_id=bad_batch, reason="demo: bad rows"))

    banner(7, "release the good batch: the exact JSON that will be sent is in the queue")
    run_sql(db, sql.call("usp_ReleaseBatch", batch_id=batch))
    run_sql(db, f"SELECT queue_id, monday_item_id, update_operation, column_values, idempotency_key, queue_status "
                f"FROM dbo.MON_UpdateQueue WHERE batch_id = {quote(batch)}", width=60)

    banner(8, "dry run (the default): read the board, write the preview and an HTML report, send nothing")
    REPORTS.mkdir(exist_ok=True)
    html = REPORTS / "demo_dry_run.html"
    before = double_get(control, "counters")
    run_cli(["send", "--batch-id", batch, "--html", str(html)], env)
    after = double_get(control, "counters")
    applied = after.get("mutations_applied", 0) - before.get("mutations_applied", 0)
    print(f"mutations applied on the board during the dry run: {applied}")
    if applied:
        raise SystemExit("demo stopped: the dry run changed the board")
    print(f"HTML report: {html}")
    run_sql(db, f"SELECT monday_item_id, column_id, current_text, new_value, would_change "
                f"FROM dbo.vw_MON_UpdatePreview WHERE batch_id = {quote(batch)}")

    banner(9, "send for real (a SQL Agent job step passes --execute)")
    run_cli(["send", "--batch-id", batch, "--execute"], env)
    item = double_get(control, f"items/{safe_item}")
    print(f"board now: item {safe_item} Order Status = {item.get('texts', {}).get('status')!r}")

    banner(10, "the audit trail: one row per changed cell, old and new value")
    run_sql(db, f"SELECT monday_item_id, column_id, old_value, new_value, update_timestamp "
                f"FROM dbo.vw_MON_AuditTrail WHERE batch_id = {quote(batch)}", width=60)

    banner(11, "roll the batch back: a new batch restores every audited cell")
    run_cli(["rollback", "--batch-id", batch, "--reason", "demo: undo the status change", "--execute"], env)
    item = double_get(control, f"items/{safe_item}")
    print(f"board now: item {safe_item} Order Status = {item.get('texts', {}).get('status')!r}")
    run_sql(db, f"SELECT column_id, old_value, new_value, rollback_timestamp, rollback_reason "
                f"FROM dbo.vw_MON_AuditTrail WHERE batch_id = {quote(batch)}", width=60)

    banner(12, "status: every batch in plain text")
    run_cli(["status"], env)
    db.close()
    print("\nDemo finished: staged, validated, released, previewed, sent, audited and rolled back.")
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    rc = main()
    print(f"(demo took {time.monotonic() - started:.1f} s)")
    sys.exit(rc)
