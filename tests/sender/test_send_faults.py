"""The send loop against the double with faults: refused rows, 429 storms, 5xx, lost responses, crashes."""

from __future__ import annotations

import json
from collections import Counter

from sender import cli, exitcodes
from sender import values as V
from sender.db import MSSQL
from sender.send import Sender
from tests.monday_double import Faults

from .conftest import PLANNING, TOKEN, make_config
from .queue import audit_rows, queue_rows, released_batch

STATUS_IDS = {"Working on it": 0, "Done": 1, "Stuck": 2, "In Progress": 3}


def _mixed_rows(items: list[int]) -> tuple[list[dict], set[int], dict[int, str]]:
    """8 valid rows and 3 rows monday refuses (unknown label, unknown column, bad email)."""
    rows, valid, refused = [], set(), {}
    for i, item in enumerate(items[:8]):
        rows.append({"monday_item_id": item, "column_values": {"status": {"index": 1}, "text0": f"SO-NEW-{i}",
                                                               "numbers": str(100 + i)}})
        valid.add(item)
    rows.append({"monday_item_id": items[8], "column_values": {"status": {"label": "No such label"}}})
    refused[items[8]] = "ColumnValueException"
    rows.append({"monday_item_id": items[9], "column_values": {"no_such_column": "x"}})
    refused[items[9]] = "InvalidColumnIdException"
    return rows, valid, refused


def _applied_by_item(double) -> Counter:
    return Counter(int(e["item_id"]) for e in double.mutation_log if e.get("item_id"))


def test_mixed_batch_with_429_storm_and_5xx(fresh_dsn, db, monday_double_factory, cli_env, monkeypatch, capsys):
    double = monday_double_factory(token=TOKEN, faults=Faults(storm_429_rate=0.35, error_5xx_rate=0.2,
                                                              error_5xx_statuses=(500, 502, 503)))
    monkeypatch.setenv("MONDAY_API_URL", double.url)
    items = double.planning["item_ids"]
    rows, valid, refused = _mixed_rows(items)
    released_batch(db, "UB-MIXED", PLANNING, rows)
    before = {i: double.item(i)["texts"] for i in valid}

    code = cli.main(["send", "--batch-id", "UB-MIXED", "--execute"])

    assert code == exitcodes.PARTIAL
    counters = double.counters
    assert counters["faults"].get("storm_429", 0) > 0 and counters["faults"].get("error_5xx", 0) > 0
    assert not double.early_retry_log, "the sender retried before the time monday asked for"
    applied = _applied_by_item(double)
    for item in valid:
        assert applied[item] == 1, f"item {item} changed {applied[item]} times"
        state = double.item(item)
        assert state["texts"]["status"] == "Done"
    q = {r["monday_item_id"]: r for r in queue_rows(db, "UB-MIXED")}
    for item in valid:
        assert q[item]["queue_status"] == "SENT"
    for item, code_ in refused.items():
        assert q[item]["queue_status"] == "FAILED"
        assert q[item]["last_error_code"] == code_
        assert q[item]["last_error"]  # monday's message
    assert "label does not exist" in q[items[8]]["last_error"]
    status = db.scalar("SELECT batch_status FROM dbo.MON_UpdateBatch WHERE batch_id = 'UB-MIXED'")
    assert status == "PARTIAL"
    # one audit row per changed cell, with the old value read before the send
    audit = audit_rows(db, "UB-MIXED")
    already_done = [i for i in valid if before[i]["status"] == "Done"]
    assert len(audit) == 8 * 3 - len(already_done)  # "Order 1004" was Done already: that cell is skipped
    a = next(r for r in audit if r["monday_item_id"] == items[0] and r["column_id"] == "status")
    assert json.loads(a["old_value"]) == {"index": 0} and json.loads(a["new_value"]) == {"index": 1}
    out = capsys.readouterr().out
    assert "FAILED" in out and "ColumnValueException" in out


def test_lost_responses_do_not_duplicate(db, fresh_dsn, monday_double_factory):
    """Responses dropped after the mutation was applied: retried with the same Idempotency-Key, replayed."""
    double = monday_double_factory(token=TOKEN, faults=Faults(applied_then_drop_rate=0.4, drop_rate=0.1))
    items = double.planning["item_ids"]
    released_batch(db, "UB-DROP", PLANNING, [
        {"monday_item_id": i, "column_values": {"text0": f"X-{i}"}} for i in items])
    result = Sender(make_config(fresh_dsn, double, max_aliases=1), dry_run=False).run("UB-DROP")
    assert result.exit_code == exitcodes.OK
    applied = _applied_by_item(double)
    assert all(applied[i] == 1 for i in items)
    assert double.counters["replays"] > 0
    assert {r["queue_status"] for r in queue_rows(db, "UB-DROP")} == {"SENT"}


def test_aliases_and_fallback(db, fresh_dsn, double):
    """Several mutations per request once the cost is measured; a refused alias fails only its own row."""
    items = double.planning["item_ids"]
    rows = [{"monday_item_id": i, "column_values": {"numbers": str(7 * n)}} for n, i in enumerate(items)]
    rows[5]["column_values"] = {"numbers": "not a number"}
    released_batch(db, "UB-ALIAS", PLANNING, rows)
    result = Sender(make_config(fresh_dsn, double, max_aliases=4), dry_run=False).run("UB-ALIAS")
    run = result.batches["UB-ALIAS"]
    assert (run.sent, run.failed) == (9, 1)
    roots = [r["operations"] for r in double.board_requests(PLANNING) if "change_multiple_column_values" in
             r["operations"]]
    assert max(len(ops) for ops in roots) > 1, "no request carried several aliased mutations"
    assert double.item(items[6])["texts"]["numbers"] == "42"


def test_crashed_sender_rows_are_reread_not_resent(db, fresh_dsn, double):
    """A sender that claimed rows and died: the next one re-reads the board and does not send again."""
    items = double.planning["item_ids"][:3]
    released_batch(db, "UB-CRASH", PLANNING, [
        {"monday_item_id": i, "column_values": {"text0": "AFTER-CRASH"}} for i in items])
    # the dead sender claimed with a 1-second lease, and one of its mutations reached the board
    db.call_rows("usp_ClaimQueueRows", worker_id="dead:1", batch_id="UB-CRASH", max_rows=10, lease_seconds=1)
    double.store.change_column_values(PLANNING, items[0], {"text0": "AFTER-CRASH"})
    import time

    time.sleep(1.2)
    before = len(double.mutation_log)
    result = Sender(make_config(fresh_dsn, double), dry_run=False).run("UB-CRASH")
    run = result.batches["UB-CRASH"]
    assert (run.sent, run.skipped) == (2, 1)
    sent_items = [int(e["item_id"]) for e in double.mutation_log[before:]]
    assert sorted(sent_items) == sorted(items[1:])


def test_create_with_lost_response_is_looked_up(db, fresh_dsn, monday_double_factory):
    """create_item applied but its response lost, retries exhausted: the next run finds the item."""
    double = monday_double_factory(token=TOKEN, faults=Faults(applied_then_drop_rate=1.0,
                                                              only_operations=("create_item",)))
    released_batch(db, "UB-NEW", PLANNING, [
        {"item_name": "Order 2001 - Lost", "group_id": "topics", "column_values": {"text0": "SO-2001"}}],
        operation="CREATE")
    first = Sender(make_config(fresh_dsn, double, max_attempts=1), dry_run=False).run("UB-NEW")
    assert first.batches["UB-NEW"].retry == 1
    double.set_faults(Faults())
    earlier = "DATEADD(hour, -1, visible_after)" if db.dialect == MSSQL else "visible_after - INTERVAL '1 hour'"
    db.execute(f"UPDATE dbo.MON_UpdateQueue SET visible_after = {earlier} WHERE batch_id = 'UB-NEW'")
    second = Sender(make_config(fresh_dsn, double), dry_run=False).run("UB-NEW")
    assert second.batches["UB-NEW"].sent == 1
    created = [it for it in double.store.board_items(PLANNING) if it["name"] == "Order 2001 - Lost"]
    assert len(created) == 1, "the item was created twice"
    q = queue_rows(db, "UB-NEW")[0]
    assert q["queue_status"] == "SENT" and q["created_item_id"] == created[0]["id"]


def test_daily_budget_stops_the_run(db, fresh_dsn, double, tmp_path):
    items = double.planning["item_ids"]
    released_batch(db, "UB-DAY", PLANNING, [
        {"monday_item_id": i, "column_values": {"text0": f"D-{i}"}} for i in items])
    state = tmp_path / "calls.json"
    cfg = make_config(fresh_dsn, double, daily_calls=4, max_aliases=1, daily_state_file=str(state))
    result = Sender(cfg, dry_run=False).run("UB-DAY")
    assert result.stop_kind == "budget" and result.exit_code == exitcodes.PARTIAL
    assert result.calls == 4 and result.daily_remaining == 0
    statuses = Counter(r["queue_status"] for r in queue_rows(db, "UB-DAY"))
    assert statuses["SENT"] >= 1 and statuses["READY"] >= 1 and not statuses["CLAIMED"]
    # the next run the same (UTC) day sends nothing: the budget is counted across runs in the state file
    again = Sender(cfg, dry_run=False).run("UB-DAY")
    assert again.calls == 0 and again.stop_kind == "budget"


def test_every_row_refused_exits_nothing_sent(db, double, cli_env):
    items = double.planning["item_ids"][:2]
    released_batch(db, "UB-ALLBAD", PLANNING, [
        {"monday_item_id": i, "column_values": {"no_such_column": "x"}} for i in items])
    assert cli.main(["send", "--batch-id", "UB-ALLBAD", "--execute"]) == exitcodes.NOTHING_SENT
    assert db.scalar("SELECT batch_status FROM dbo.MON_UpdateBatch WHERE batch_id = 'UB-ALLBAD'") == "FAILED"


def test_progress_bar_on_a_terminal():
    import io

    from sender.progress import Progress
    from sender.send import BatchRun

    out = io.StringIO()
    p = Progress(out, enabled=True)
    p.set_total("B", 4)
    run = BatchRun("B", PLANNING, dry_run=False)
    p("start", run)
    run.sent = 2
    p._last = 0
    p("row", run)
    p.finish()
    assert " 50%|#####     | 2/4 rows" in out.getvalue()  # tqdm's bar (sender/progress.py)


def test_leases_are_extended_while_working(db, fresh_dsn, monday_double_factory):
    double = monday_double_factory(token=TOKEN, faults=Faults(latency=0.25, on_reads=False))
    items = double.planning["item_ids"][:8]
    released_batch(db, "UB-LEASE", PLANNING, [
        {"monday_item_id": i, "column_values": {"text0": f"L-{i}"}} for i in items])
    cfg = make_config(fresh_dsn, double, lease_seconds=1, max_aliases=1)
    result = Sender(cfg, dry_run=False).run("UB-LEASE")
    assert result.batches["UB-LEASE"].sent == 8 and result.batches["UB-LEASE"].lease_lost == 0
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_RunLog WHERE proc_name = 'usp_ExtendLease' "
                     "AND outcome = 'SUCCEEDED'") >= 2


def test_change_applied_before_a_crash_is_audited(db, fresh_dsn, double):
    """The dead sender wrote its pre-image, monday applied its mutation, the result was never recorded:
    the next sender finds the new value on the board and audits the change with the old value."""
    import time

    item = double.planning["item_ids"][0]
    (qid,) = released_batch(db, "UB-LOST", PLANNING, [{"monday_item_id": item, "column_values": {"text": "New"}}])
    db.call_rows("usp_ClaimQueueRows", worker_id="dead:2", batch_id="UB-LOST", max_rows=10, lease_seconds=1)
    # the dead sender's pre-image, written as the lease owner (usp_RecordPreImage; no dry-run preview)
    db.call("usp_RecordPreImage", queue_id=qid, worker_id="dead:2", cells=V.dumps(
        [{"column_id": "text", "current_value": V.carried("Acme Corp"), "current_text": "Acme Corp",
          "new_value": V.carried("New"), "would_change": "Y", "held": "N"}]))
    double.store.change_column_values(PLANNING, item, {"text": "New"})
    time.sleep(1.2)
    result = Sender(make_config(fresh_dsn, double), dry_run=False).run("UB-LOST")
    assert result.batches["UB-LOST"].sent == 1
    assert double.counters["mutation_requests"] == 0  # nothing was sent again
    (a,) = audit_rows(db, "UB-LOST")
    assert (a["column_id"], json.loads(a["old_value"]), json.loads(a["new_value"])) == ("text", "Acme Corp", "New")
