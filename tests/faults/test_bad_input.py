"""Hostile and malformed input across @query, aliases, values, metadata and CLI arguments.

Each case must get a clear error (a numbered database error, a non-zero exit code with a message, or
rows refused by validation with a message), and nothing staged, queued or audited before may be lost or
changed: the project's tables are compared before and after every case. Cases of kind "literal" are
hostile-looking but legitimate values: they must be staged literally, as data, and change nothing else.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sender import cli
from sender.db import Database, DbError
from tests.monday_double import PLANNING_BOARD_ID, load_planning_board

from . import harness as H

pytestmark = pytest.mark.faults

PLANNING = PLANNING_BOARD_ID
SNAP_TABLES = {  # table -> key columns (rows compared whole)
    "MON_UpdateBatch": "batch_id",
    "MON_UpdateQueue": "queue_id",
    "MON_UpdateAudit": "audit_id",
    "MON_UpdatePreview": None,
    "MON_Board": "board_id",
    "MON_BoardColumn": None,
    "MON_BoardItem": None,
    "STG_MON_CustMasterSchedule": None,
    "STG_MON_CustMasterSchedule_Subitems": None,
}


def snapshot(db: Database) -> dict[str, list[tuple]]:
    out = {}
    for table in SNAP_TABLES:
        rows = db.query(f"SELECT * FROM dbo.{table}")
        out[table] = sorted(tuple(sorted((k, str(v)) for k, v in r.items())) for r in rows)
    return out


def new_batches(before: dict, after: dict) -> set[str]:
    def ids(s):
        return {dict(r)["batch_id"] for r in s["MON_UpdateBatch"]}
    return ids(after) - ids(before)


def diff_old(before: dict, after: dict, allowed_batches: set[str]) -> list[str]:
    """Rows of `before` changed or lost, and new rows not belonging to an allowed new batch."""
    problems = []
    for table in SNAP_TABLES:
        b, a = set(before[table]), set(after[table])
        for row in b - a:
            problems.append(f"{table}: row lost or changed: {dict(row)}"[:300])
        for row in a - b:
            d = dict(row)
            batch = d.get("batch_id") or d.get("update_batch_id")
            if batch not in allowed_batches:
                problems.append(f"{table}: new row: {d}"[:300])
    return problems


@dataclass
class Ctx:
    db: Database
    double: Any
    item: int
    sent_batch: str
    staged_batch: str
    ready_batch: str
    secret_dsn: str | None


@dataclass
class Case:
    name: str
    kind: str  # refused | invalid | literal | cli
    run: Callable[[Ctx], Any]
    expect: str = ""  # regex the error message must match (case-insensitive)
    literal: str | None = None  # kind literal: this exact value must be staged


def stage(ctx: Ctx, query: str, **kw: Any) -> str:
    kw.setdefault("board_id", PLANNING)
    kw.setdefault("update_operation", "UPDATE")
    kw.setdefault("target_level", "ITEMS")
    res = ctx.db.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"}, query=query, **kw)
    return res.outputs["batch_id"]


def q(ctx: Ctx, select: str) -> str:
    return (f"SELECT monday_item_id, {select} FROM dbo.STG_MON_CustMasterSchedule "
            f"WHERE monday_item_id = {ctx.item} AND update_batch_id IS NULL")  # the loader's row only


def cli_run(args: list[str], **env: str) -> Callable[[Ctx], Any]:
    def run(ctx: Ctx) -> tuple[int, str]:
        mp = pytest.MonkeyPatch()
        try:
            for k, v in env.items():
                mp.setenv(k, v)
            out, err = io.StringIO(), io.StringIO()
            handler = logging.StreamHandler(err)
            logging.getLogger().addHandler(handler)
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    try:
                        code = cli.main([a.format(ctx=ctx) for a in args])
                    except SystemExit as exc:
                        code = int(exc.code or 0)
            finally:
                logging.getLogger().removeHandler(handler)
            return code, out.getvalue() + err.getvalue()
        finally:
            mp.undo()
    return run


def secret_query(ctx: Ctx) -> str:
    if not ctx.secret_dsn:
        pytest.skip("needs PostgreSQL roles")
    with Database(ctx.secret_dsn) as limited:
        res = limited.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"},
                           query="SELECT monday_item_id, text AS customer_name FROM dbo.fault_secret",
                           board_id=PLANNING, update_operation="UPDATE", target_level="ITEMS")
    return res.outputs["batch_id"]


def upsert(ctx: Ctx, text: str) -> Any:
    return ctx.db.call("usp_UpsertBoardMetadata", board_json=text)


def stale_metadata(ctx: Ctx) -> str:
    ctx.db.execute("UPDATE dbo.MON_Board SET synced_at = synced_at - INTERVAL '400 days' WHERE board_id = ?",
                   [PLANNING])
    try:
        return stage(ctx, q(ctx, "'Done' AS order_status"))
    finally:
        ctx.db.execute("UPDATE dbo.MON_Board SET synced_at = synced_at + INTERVAL '400 days' WHERE board_id = ?",
                       [PLANNING])


MB = "x" * (1024 * 1024)
CASE_TIMEOUT = float(H.env_int("OPUS_FAULT_CASE_TIMEOUT", 20))
INJ = "x'); DELETE FROM dbo.MON_UpdateAudit; --"

CASES: list[Case] = [
    # -- @query: not a single SELECT, or not readable --------------------------------------------
    Case("delete statement", "refused", lambda c: stage(c, "DELETE FROM dbo.MON_UpdateAudit"), r"select|query"),
    Case("update statement", "refused", lambda c: stage(c, "UPDATE dbo.MON_UpdateQueue SET queue_status = 'READY'"),
         r"select|query"),
    Case("drop table", "refused", lambda c: stage(c, "DROP TABLE dbo.MON_UpdateAudit"), r"select|query"),
    Case("truncate", "refused", lambda c: stage(c, "TRUNCATE dbo.MON_UpdateAudit"), r"select|query"),
    Case("insert", "refused", lambda c: stage(c, "INSERT INTO dbo.MON_ColumnMap SELECT * FROM dbo.MON_ColumnMap"),
         r"select|query"),
    Case("stacked statements", "refused", lambda c: stage(c, q(c, "'x' AS customer_name") +
                                                          "; DELETE FROM dbo.MON_UpdateAudit"), r"select|query|one"),
    Case("data-modifying CTE", "refused", lambda c: stage(
        c, "WITH gone AS (DELETE FROM dbo.MON_UpdateAudit RETURNING monday_item_id) SELECT monday_item_id, "
           "'x' AS customer_name FROM gone"), r"select|query|change|modif"),
    Case("SELECT INTO", "refused", lambda c: stage(c, "SELECT * INTO dbo.fault_copy FROM dbo.MON_UpdateAudit"),
         r"select|into|query"),
    Case("DO block", "refused", lambda c: stage(c, "DO $$ BEGIN DELETE FROM dbo.MON_UpdateAudit; END $$"),
         r"select|query"),
    Case("CALL a procedure", "refused", lambda c: stage(
        c, f"CALL dbo.usp_CancelBatch(p_batch_id => '{c.ready_batch}', p_reason => 'x')"), r"select|query"),
    Case("unknown table", "refused", lambda c: stage(c, "SELECT monday_item_id FROM dbo.no_such_table"),
         r"no_such_table|not exist|failed"),
    Case("syntax error", "refused", lambda c: stage(c, "SELEC monday_item_id FROM x"), r"syntax|query|select"),
    Case("empty query", "refused", lambda c: stage(c, "   "), r"empty|query"),
    Case("NULL query", "refused", lambda c: stage(c, None), r"empty|query|required"),
    Case("comment only", "refused", lambda c: stage(c, "-- SELECT 1"), r"empty|query|select"),
    Case("no result rows", "refused", lambda c: stage(c, q(c, "'x' AS customer_name") + " AND 1 = 0"),
         r"no row|nothing|empty|0 rows"),
    Case("UPDATE without monday_item_id", "refused", lambda c: stage(
        c, "SELECT 'x' AS customer_name"), r"monday_item_id"),
    Case("table the caller cannot read", "refused", secret_query, r"permission|denied|privilege"),
    Case("pg_sleep/side-effect function", "refused", lambda c: stage(
        c, q(c, "pg_catalog.set_config('search_path', 'public', false) AS customer_name") +
        "; SELECT pg_terminate_backend(pg_backend_pid())"), r"select|query|one"),
    # -- aliases ----------------------------------------------------------------------------------
    Case("alias with SQL injection", "invalid", lambda c: stage(
        c, q(c, "'x' AS \"customer_name'); DELETE FROM dbo.MON_UpdateAudit; --\"")), r"column|alias"),
    Case("alias in T-SQL brackets (maps by normalised title)", "literal",
         lambda c: stage(c, q(c, "'x[1]' AS \"[customer_name]\"")), literal="x[1]"),
    Case("alias with double quotes", "invalid", lambda c: stage(c, q(c, "'x' AS \"cust\"\"omer\"")),
         r"column|alias"),
    Case("alias emoji", "invalid", lambda c: stage(c, q(c, "'x' AS \"📦\"")), r"column|alias"),
    Case("duplicate alias", "refused", lambda c: stage(c, q(c, "'a' AS customer_name, 'b' AS customer_name")),
         r"duplicate|twice|more than once|same|column"),
    Case("alias of a read-only column", "invalid", lambda c: stage(c, q(c, "'5' AS margin")),
         r"formula|read|writ"),
    Case("unknown column alias", "invalid", lambda c: stage(c, q(c, "'x' AS no_such_column")), r"column"),
    Case("alias ; DROP", "invalid", lambda c: stage(c, q(c, "'x' AS \"a; DROP TABLE dbo.MON_UpdateAudit\"")),
         r"column|alias"),
    # -- values -----------------------------------------------------------------------------------
    Case("SQL injection in a text value", "literal", lambda c: stage(c, q(c, f"'{INJ.replace(chr(39), chr(39) * 2)}' "
                                                                          "AS customer_name")), literal=INJ),
    Case("quotes and brackets in a value", "literal", lambda c: stage(
        c, q(c, "'O''Brien [x] \"y\" {z}' AS customer_name")), literal='O\'Brien [x] "y" {z}'),
    Case("emoji value", "literal", lambda c: stage(c, q(c, "'📦🚚 ☂' AS customer_name")), literal="📦🚚 ☂"),
    Case("1 MB text value (from the data)", "invalid", lambda c: stage(
        c, q(c, "repeat('x', 1048576) AS customer_name")), r"long|length|size|characters|limit"),
    Case("1 MB text value (in the query text)", "invalid", lambda c: stage(c, q(c, f"'{MB}' AS customer_name")),
         r"long|length|size|characters|limit"),
    Case("unknown status label", "invalid", lambda c: stage(c, q(c, "'No such label' AS order_status")),
         r"label"),
    Case("bad date", "invalid", lambda c: stage(c, q(c, "'2026-13-45' AS due_date")), r"date"),
    Case("bad number", "invalid", lambda c: stage(c, q(c, "'12,5.3abc' AS quantity")), r"number"),
    Case("bad email", "invalid", lambda c: stage(c, q(c, "'not an email' AS customer_email")), r"email"),
    Case("bad rating", "invalid", lambda c: stage(c, q(c, "'11' AS priority_rating")), r"rating|between|max"),
    Case("unknown person", "invalid", lambda c: stage(c, q(c, "'nobody@nowhere.example' AS owner")),
         r"user|person|people"),
    Case("item not on the board", "invalid", lambda c: stage(
        c, "SELECT 123456789 AS monday_item_id, 'x' AS customer_name"), r"item"),
    Case("non-numeric item id", "refused", lambda c: stage(
        c, "SELECT 'abc' AS monday_item_id, 'x' AS customer_name"), r"monday_item_id|number|integer|bigint|item"),
    Case("conflicting duplicate rows", "invalid", lambda c: stage(
        c, q(c, "'a' AS customer_name") + " UNION ALL " + q(c, "'b' AS customer_name")), r"duplicate|conflict"),
    Case("CREATE without a name", "invalid", lambda c: stage(
        c, "SELECT 'topics' AS group_id, 'x' AS customer_name", update_operation="CREATE"), r"name"),
    Case("CREATE with a 300-character name", "invalid", lambda c: stage(
        c, f"SELECT '{'n' * 300}' AS item_name, 'x' AS customer_name", update_operation="CREATE"),
         r"name|255|long"),
    # -- metadata -----------------------------------------------------------------------------------
    Case("unknown board", "invalid", lambda c: stage(c, q(c, "'x' AS customer_name"), board_id=999),
         r"board|sync"),
    Case("stale metadata", "invalid", stale_metadata, r"metadata|sync|stale|fresh|old"),
    Case("bad update_operation", "refused", lambda c: stage(c, q(c, "'x' AS customer_name"),
                                                            update_operation="DELETE"), r"operation"),
    Case("bad target_level", "refused", lambda c: stage(c, q(c, "'x' AS customer_name"), target_level="BOARDS"),
         r"target"),
    Case("malformed board JSON", "refused", lambda c: upsert(c, '{"id": "8709134353", "columns": [}'), r"json"),
    Case("board JSON without id", "refused", lambda c: upsert(c, '{"name": "x", "columns": []}'), r"id"),
    Case("board JSON not an object", "refused", lambda c: upsert(c, '[1, 2, 3]'), r"json|object"),
    # -- procedures on existing batches -----------------------------------------------------------
    Case("release an unknown batch", "refused", lambda c: c.db.call(
        "usp_ReleaseBatch", batch_id="x'; DROP TABLE dbo.MON_UpdateAudit; --"), r"batch|not exist|unknown"),
    Case("release a batch twice", "refused", lambda c: c.db.call("usp_ReleaseBatch", batch_id=c.ready_batch),
         r"release|status|READY"),
    Case("cancel a sent batch", "refused", lambda c: c.db.call("usp_CancelBatch", batch_id=c.sent_batch,
                                                               reason="x"), r"sent|cancel|status"),
    Case("roll back a batch never sent", "refused", lambda c: c.db.call(
        "usp_StageRollback", outputs={"rollback_batch_id": "varchar(50)"}, batch_id=c.staged_batch, reason="x"),
         r"audit|sent|nothing|rollback"),
    # -- CLI arguments ------------------------------------------------------------------------------
    Case("cli: non-numeric board id", "cli", cli_run(["stage", "--board-id", "abc", "--query", "SELECT 1"]),
         r"invalid int|board-id"),
    Case("cli: unknown operation", "cli", cli_run(["stage", "--board-id", "1", "--query", "SELECT 1",
                                                   "--operation", "DELETE"]), r"invalid choice|operation"),
    Case("cli: stage without a query", "cli", cli_run(["stage", "--board-id", "1"]), r"query"),
    Case("cli: rollback without reason", "cli", cli_run(["rollback", "--batch-id", "{ctx.sent_batch}"]),
         r"reason"),
    Case("cli: injected batch id", "cli", cli_run(["send", "--batch-id", "x'; DROP TABLE dbo.MON_UpdateAudit; --",
                                                   "--execute"]), r"not exist|batch"),
    Case("cli: release unknown batch", "cli", cli_run(["release", "--batch-id", "NOPE"]), r"batch|not exist"),
    Case("cli: query file missing", "cli", cli_run(["stage", "--board-id", str(PLANNING), "--query-file",
                                                    "/nonexistent/q.sql"]), r"nonexistent|no such file|file"),
    Case("cli: garbage DSN", "cli", cli_run(["status"], OPUS_DSN="this is not a dsn"), r"dsn|driver"),
    Case("cli: token monday refuses", "cli", cli_run(["send", "--batch-id", "{ctx.ready_batch}", "--execute"],
                                                     MONDAY_API_TOKEN="wrong-token"),
         r"refused|token|authent|unauthori"),
    Case("cli: api url not http", "cli", cli_run(["send", "--batch-id", "{ctx.ready_batch}", "--execute"],
                                                 MONDAY_API_URL="file:///etc/passwd"), r"api_url|url"),
]


def _secret_setup(db: Database) -> str | None:
    if db.dialect != "postgres":
        return None
    role = f"opus_fault_{uuid.uuid4().hex[:8]}"
    db.execute("CREATE TABLE dbo.fault_secret (monday_item_id bigint, text varchar(100))")
    db.execute("INSERT INTO dbo.fault_secret VALUES (1, 'salary')")
    db.execute("REVOKE ALL ON dbo.fault_secret FROM PUBLIC")
    db.execute(f"CREATE ROLE {role} LOGIN IN ROLE opus_stager")
    return re.sub(r"UID=[^;]*", f"UID={role}", db.dsn)


def _secret_teardown(db: Database, dsn: str | None) -> None:
    if not dsn:
        return
    role = re.search(r"UID=([^;]*)", dsn).group(1)
    db.execute(f"DROP OWNED BY {role}")
    db.execute(f"DROP ROLE IF EXISTS {role}")


def test_bad_input_gets_a_clear_error_and_changes_nothing(db, tmp_path, monkeypatch):
    assert len(CASES) >= 40
    for routine in ("usp_StageUpdates", "usp_ReleaseBatch", "usp_StageRollback", "usp_CancelBatch"):
        if not H.has_routine(db, routine):
            pytest.skip(f"{routine} is not installed yet")
    double = H.start_double()
    secret_dsn = None
    try:
        planning = load_planning_board(double.store)
        env = H.sender_env(db.dsn, double, tmp_path, lease_seconds=30)
        for k, v in env.items():
            if k.startswith(("OPUS_", "MONDAY_")):
                monkeypatch.setenv(k, v)
        H.sync_boards(db, double, [PLANNING])
        for it in double.store.board_items(PLANNING):  # what the owner's loader keeps in the staging table
            db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, "
                       "group_id, customer_name) VALUES (?, ?, ?, ?, ?)",
                       (it["id"], PLANNING, it["name"], it["group_id"], it["texts"].get("text")))
        item = planning["item_ids"][2]
        ctx = Ctx(db, double, item, "", "", "", None)
        ctx.sent_batch = stage(ctx, q(ctx, "'Sent before' AS customer_name, '77' AS quantity"))
        db.call("usp_ReleaseBatch", batch_id=ctx.sent_batch)
        assert cli.main(["send", "--batch-id", ctx.sent_batch, "--execute"]) == 0
        ctx.staged_batch = stage(ctx, q(ctx, "'Staged only' AS customer_name"))
        ctx.ready_batch = stage(ctx, q(ctx, "'Released, not sent' AS customer_name"))
        db.call("usp_ReleaseBatch", batch_id=ctx.ready_batch)
        secret_dsn = ctx.secret_dsn = _secret_setup(db)
        failures: list[str] = []
        outcomes: list[str] = []
        # a case that runs longer than this is a failure, not a hung suite
        db.execute(f"SET statement_timeout = {int(CASE_TIMEOUT * 1000)}")
        for case in CASES:
            before = snapshot(db)
            mutations_before = len(double.mutation_log)
            message, result, code = "", None, None
            try:
                result = case.run(ctx)
            except DbError as exc:
                message = str(exc)
                if "statement timeout" in message:
                    failures.append(f"{case.name}: still running after {CASE_TIMEOUT:.0f} s (cancelled)")
                    continue
            except pytest.skip.Exception:
                outcomes.append(f"{case.name}: skipped")
                continue
            except Exception as exc:  # noqa: BLE001 - any other exception is a failure of the case
                failures.append(f"{case.name}: unexpected {type(exc).__name__}: {exc}"[:400])
                continue
            after = snapshot(db)
            added = new_batches(before, after)
            if case.kind == "cli":
                code, message = result
                if code == 0:
                    failures.append(f"{case.name}: exit code 0")
                result = None
            allowed = added if case.kind in ("invalid", "literal") else set()
            if case.kind == "invalid" and result is not None:
                rows = db.query("SELECT validation_status, validation_errors FROM dbo.STG_MON_CustMasterSchedule "
                                "WHERE update_batch_id = ?", [result])
                bad = [r for r in rows if r["validation_status"] in ("INVALID", "WARNING")]
                if not rows or not bad:
                    failures.append(f"{case.name}: staged {result} without refusing a row: {rows[:2]}"[:400])
                message = " ".join(str(r["validation_errors"]) for r in bad)
                queued = db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [result])
                if queued:
                    failures.append(f"{case.name}: {queued} rows queued")
            elif case.kind == "literal":
                if result is None:
                    failures.append(f"{case.name}: refused a legitimate value: {message}"[:400])
                else:
                    fields = db.scalar("SELECT update_fields FROM dbo.STG_MON_CustMasterSchedule "
                                       "WHERE update_batch_id = ?", [result]) or ""
                    import json

                    if case.literal not in json.loads(fields).values():
                        failures.append(f"{case.name}: value not staged literally: {fields[:200]}")
                    message = "staged literally"
            elif case.kind == "refused" and result is not None and not message:
                failures.append(f"{case.name}: accepted (result {result!r}), expected an error")
            if case.kind != "literal" and case.expect and not re.search(case.expect, message or "", re.I):
                failures.append(f"{case.name}: unclear or unexpected message (want /{case.expect}/): "
                                f"{(message or '')[:300]!r}")
            for p in diff_old(before, after, allowed):
                failures.append(f"{case.name}: {p}")
            if len(double.mutation_log) != mutations_before:
                failures.append(f"{case.name}: {len(double.mutation_log) - mutations_before} mutations sent")
            outcomes.append(f"{case.name}: {(message or '').splitlines()[0][:140] if message else result}")
        print("\n" + "\n".join(outcomes))
        assert not failures, f"{len(failures)} of {len(CASES)} cases failed:\n  " + "\n  ".join(failures)
    finally:
        if secret_dsn:
            _secret_teardown(db, secret_dsn)
        double.stop()
