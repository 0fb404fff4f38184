"""Honest outcomes, as a SQL Agent job step sees them (PostgreSQL + the monday API double): the report's
header and the last log line state what the run did, matching the exit code; a sender that stops because
the rows left are held by another live sender exits 0 and names it."""

from __future__ import annotations

from sender import cli, exitcodes
from sender.db import Database

from .conftest import PLANNING, load_loader_rows


def _synced(db, double, capsys):
    load_loader_rows(db, double)
    assert cli.main(["sync-board", "--board-id", str(PLANNING)]) == exitcodes.OK
    capsys.readouterr()


def _stage(items: list[int], status: str = "Done") -> str:
    from pipelines.scripts.order_staging.update_operations import UpdateOperations

    query = " UNION ALL ".join(f"SELECT {i} AS monday_item_id, '{status}' AS order_status" for i in items)
    batch_id = UpdateOperations(PLANNING).stage_updates_from_query(query)
    assert cli.main(["release", "--batch-id", batch_id]) == exitcodes.OK
    return batch_id


def _last_log_line(err: str) -> str:
    return [line for line in err.splitlines() if line.strip()][-1]


def test_nothing_queued_says_nothing_to_send(db, double, cli_env, capsys):
    _synced(db, double, capsys)
    assert cli.main(["send", "--execute"]) == exitcodes.OK
    out = capsys.readouterr()
    assert out.out.startswith("OPUS Update Boards: NOTHING TO SEND")
    assert "outcome: NOTHING TO SEND (exit 0)" in _last_log_line(out.err)


def test_a_refused_token_is_stopped_not_sent(db, double, cli_env, capsys, monkeypatch):
    _synced(db, double, capsys)
    _stage([double.planning["item_ids"][0]])
    capsys.readouterr()
    monkeypatch.setenv("MONDAY_API_TOKEN", "tok-not-the-right-one")
    assert cli.main(["send", "--execute"]) == exitcodes.NOTHING_SENT
    out = capsys.readouterr()
    assert out.out.startswith("OPUS Update Boards: STOPPED: monday refused the token, nothing was sent")
    assert "outcome: STOPPED: monday refused the token, nothing was sent (exit 5)" in _last_log_line(out.err)
    assert "SENT\n" not in out.out.splitlines()[0]


def test_a_sent_batch_says_sent(db, double, cli_env, capsys):
    _synced(db, double, capsys)
    _stage([double.planning["item_ids"][0]])
    capsys.readouterr()
    assert cli.main(["send", "--execute"]) == exitcodes.OK
    out = capsys.readouterr()
    assert out.out.startswith("OPUS Update Boards: SENT\n")
    assert "outcome: SENT (exit 0)" in _last_log_line(out.err)


def test_rows_held_by_another_live_sender_exit_0_and_name_it(db, double, cli_env, capsys, fresh_dsn):
    """Two senders on one batch (two Agent hosts, claims of 2 rows): the other host holds its last claim
    (a live lease) while this one runs out of rows. This one exits 0 and names the other; the batch is
    still SENDING and nothing failed."""
    _synced(db, double, capsys)
    items = double.planning["item_ids"][:4]
    batch_id = _stage(items)
    with Database(fresh_dsn) as other:
        held = other.call_rows("usp_ClaimQueueRows", worker_id="agent-host-b:4242", batch_id=batch_id,
                               max_rows=2, lease_seconds=600)
    assert len(held) == 2
    capsys.readouterr()
    assert cli.main(["send", "--execute"]) == exitcodes.OK
    out = capsys.readouterr()
    assert out.out.startswith("OPUS Update Boards: SENT (the rest is being sent by agent-host-b:4242)")
    assert "the remaining rows are being sent by sender agent-host-b:4242" in out.out
    assert "held by sender agent-host-b:4242" in out.err
    assert "outcome: SENT (the rest is being sent by agent-host-b:4242) (exit 0)" in _last_log_line(out.err)
    assert db.scalar("SELECT batch_status FROM dbo.MON_UpdateBatch WHERE batch_id = ?", [batch_id]) == "SENDING"
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateQueue WHERE batch_id = ? "
                     "AND queue_status IN ('SENT', 'SKIPPED')", [batch_id]) == 2  # this sender's two rows


def test_a_column_deleted_since_the_sync_says_to_run_sync_board(db, double, cli_env, capsys):
    _synced(db, double, capsys)
    item = double.planning["item_ids"][0]
    from pipelines.scripts.order_staging.update_operations import UpdateOperations

    batch_id = UpdateOperations(PLANNING).stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, 'Acme Ltd' AS customer_name")
    assert cli.main(["release", "--batch-id", batch_id]) == exitcodes.OK
    double.store.boards[PLANNING].columns["text"].archived = True  # a planner deletes the column
    capsys.readouterr()
    assert cli.main(["send", "--execute"]) == exitcodes.NOTHING_SENT
    out = capsys.readouterr().out
    assert "InvalidColumnIdException" in out and f"Run opus-sender sync-board --board-id {PLANNING}" in out
    last_error = db.scalar("SELECT last_error FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [batch_id])
    assert "deleted or archived since the last sync" in last_error


def test_the_daily_budget_comes_from_monday(db, double, cli_env, capsys, monkeypatch):
    """monday's platform_api counts the account's calls of the day, other senders and apps included; the
    local counter (which only knows this run without a state file) is the fallback, labelled so."""
    monkeypatch.setenv("MONDAY_DAILY_CALLS", str(10**12))  # no local cap below the account's limit
    _synced(db, double, capsys)
    _stage([double.planning["item_ids"][0]])
    limit = double.limits.daily_calls
    used_before = int(double.counters["requests"])  # the sync and the staging's calls are monday's too
    capsys.readouterr()
    assert cli.main(["send", "--execute"]) == exitcodes.OK
    err = capsys.readouterr().err
    import re

    m = re.search(r"monday calls this run: (\d+); daily budget left (\d+) of (\d+) \(monday's platform_api", err)
    assert m, err
    calls, left, total = map(int, m.groups())
    assert total == limit and left <= limit - used_before - calls + 1 and left < limit - calls


def test_the_local_count_is_the_labelled_fallback(db, double, cli_env, capsys):
    _synced(db, double, capsys)
    assert cli.main(["send", "--execute"]) == exitcodes.OK  # nothing to send: no call to monday at all
    assert "(local count (no call to monday's platform_api))" in capsys.readouterr().err
