"""Crashes during rollbacks: the sender killed (SIGKILL) at seeded random moments while it sends batches and
then while it sends their rollbacks (restoring cells, archiving the items a batch created), restarted
until done; and a graceful stop (SIGTERM) in the middle of a send.

The property after the rollbacks: every cell holds its value from before the batch, every item the batch
created is archived (and was created once), the batch's changes and the rollback's restorations each have
exactly one audit row, every audit row of the batch is stamped rolled back once (by its rollback batch),
and no second rollback can be staged for them.

Sizes: OPUS_FAULT_CELLS (default 2000), OPUS_FAULT_KILLS (default 30, split between sends and rollbacks),
OPUS_FAULT_SEED.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections import Counter, defaultdict

import pytest

from sender import exitcodes
from sender.db import DbError
from tests.monday_double import Faults

from . import harness as H

pytestmark = pytest.mark.faults


def _fail(problems: list[str], log) -> str:
    return H.summary(problems) + "\n--- sender log (tail) ---\n" + H.tail(log)


def _loads(v):
    return None if v is None else json.loads(v)


def rollback_problems(db, world, before: dict[int, dict[str, str]]) -> list[str]:
    """Every problem of the rolled-back world (empty: the property holds)."""
    problems: list[str] = []
    d = world.double
    for it in world.intents:
        if it.item_id is not None:
            now = d.store.item(it.item_id)["texts"]
            for col in it.texts:
                if now.get(col) != before[it.item_id].get(col):
                    problems.append(f"item {it.item_id} ({it.kind}) {col}: board shows {now.get(col)!r} after the "
                                    f"rollback, {before[it.item_id].get(col)!r} before the batch")
    archived = Counter(int(e["item_id"]) for e in d.mutation_log if e["operation"] == "archive_item")
    for item, n in archived.items():
        if n > 1:
            problems.append(f"item {item}: archived {n} times")
    for batch in world.batch_ids:
        rbs = db.query("SELECT batch_id, batch_status FROM dbo.MON_UpdateBatch WHERE rollback_of_batch_id = ?",
                       [batch])
        if len(rbs) != 1:
            problems.append(f"batch {batch}: {len(rbs)} rollback batches {rbs}")
            continue
        rb = rbs[0]["batch_id"]
        if rbs[0]["batch_status"] != "COMPLETED":
            problems.append(f"rollback {rb} of {batch} ended {rbs[0]['batch_status']}")
        for q in db.query("SELECT * FROM dbo.MON_UpdateQueue WHERE batch_id = ? AND queue_status <> 'SENT'", [rb]):
            problems.append(f"rollback {rb} queue row {q['queue_id']} ({q['update_operation']} item "
                            f"{q['monday_item_id']}) ended {q['queue_status']}: {q['result_detail']}")
        orig = db.query("SELECT * FROM dbo.MON_UpdateAudit WHERE batch_id = ? ORDER BY audit_id", [batch])
        restored = defaultdict(list)
        for a in db.query("SELECT * FROM dbo.MON_UpdateAudit WHERE batch_id = ? ORDER BY audit_id", [rb]):
            restored[(int(a["monday_item_id"]), a["column_id"])].append(a)
        created = {int(a["monday_item_id"]) for a in orig if a["update_operation"] == "CREATE"}
        for a in orig:
            if a["rollback_timestamp"] is None or a["rollback_batch_id"] != rb:
                problems.append(f"audit row {a['audit_id']} of {batch} (item {a['monday_item_id']} "
                                f"{a['column_id']}): stamped {a['rollback_timestamp']} by {a['rollback_batch_id']}, "
                                f"not by its rollback {rb}")
            if a["update_operation"] == "CREATE":
                continue
            rows = restored.get((int(a["monday_item_id"]), a["column_id"]), [])
            if len(rows) != 1:
                problems.append(f"item {a['monday_item_id']} {a['column_id']}: {len(rows)} rollback audit rows")
                continue
            r = rows[0]
            if _loads(r["new_value"]) != _loads(a["old_value"]) or \
                    _loads(r["old_value"]) != _loads(a["new_value"]):
                problems.append(f"item {a['monday_item_id']} {a['column_id']}: rollback audit {r['old_value']} -> "
                                f"{r['new_value']}, batch wrote {a['old_value']} -> {a['new_value']}")
        for item in created:
            if d.store.item(item)["state"] != "archived":
                problems.append(f"created item {item}: {d.store.item(item)['state']} after the rollback")
            rows = restored.get((item, "item_state"), [])
            if len(rows) != 1:
                problems.append(f"created item {item}: {len(rows)} archive audit rows")
        try:
            db.call("usp_StageRollback", outputs={"rollback_batch_id": "varchar(50)"}, batch_id=batch,
                    reason="a second time")
            problems.append(f"batch {batch}: a second rollback could be staged")
        except DbError as exc:
            if exc.number != 50705:
                problems.append(f"batch {batch}: a second rollback refused with {exc.number}, not 50705")
    return problems


def test_sigkill_during_sends_and_rollbacks(db, tmp_path):
    """>= 2,000 cells on several boards; at least 30 seeded SIGKILLs, half while the batches are sent, half
    while their rollbacks are (``opus-sender rollback --execute``, then ``send --execute``)."""
    double = H.start_double(faults=Faults(latency=0.06, latency_jitter=0.04))
    try:
        world = H.prepare(db, double, H.CELLS + H.CELLS // 20)  # the world rounds down: 2,000+ cells by default
        assert world.cells >= H.CELLS, world.cells
        before = {it.item_id: dict(double.store.item(it.item_id)["texts"]) for it in world.intents if it.item_id}
        log = tmp_path / "sender.log"
        env = H.sender_env(db.dsn, double, tmp_path, lease_seconds=2, claim_size=10)
        rng = random.Random(H.SEED + 7)
        deadline = time.monotonic() + 400
        send_kills, send_moments, _ = H.kill_at_random(db, env, log, rng, world.batch_ids, H.KILLS // 2,
                                                       ["send", "--execute"], 0.2, 0.9, deadline)
        H.finish_batches(db, env, world.batch_ids, log)
        problems = H.check_property(db, world)
        assert not problems, _fail(problems, log)

        # the rollbacks: each staged and sent by `opus-sender rollback --execute`, killed at random moments
        rb_kills, rb_moments = 0, []
        for batch in world.batch_ids:
            moment = rng.uniform(0.6, 1.6)
            if H.kill_at(env, ["rollback", "--batch-id", batch, "--reason", "crash suite", "--execute"], log, moment):
                rb_kills += 1
                rb_moments.append(round(moment, 2))

        def rollback_ids() -> list[str]:
            marks = ", ".join("?" for _ in world.batch_ids)
            return [r["batch_id"] for r in db.query(
                f"SELECT batch_id FROM dbo.MON_UpdateBatch WHERE rollback_of_batch_id IN ({marks})",  # noqa: S608
                world.batch_ids)]

        more, more_moments, _ = H.kill_at_random(db, env, log, rng, rollback_ids(),
                                                 max(0, H.KILLS - send_kills - rb_kills), ["send", "--execute"],
                                                 0.2, 0.9, deadline)
        rb_kills += more
        # a rollback killed before it was staged is asked for again
        staged = {r["rollback_of_batch_id"] for r in db.query(
            "SELECT rollback_of_batch_id FROM dbo.MON_UpdateBatch WHERE rollback_of_batch_id IS NOT NULL")}
        for batch in world.batch_ids:
            if batch not in staged:
                H.run_sender(env, ["rollback", "--batch-id", batch, "--reason", "crash suite", "--execute"], log)
        codes = H.finish_batches(db, env, rollback_ids(), log)
        kills = send_kills + rb_kills
        assert kills >= H.KILLS, f"only {kills} kills ({send_kills} during sends): make the batch bigger"
        assert rb_kills >= H.KILLS // 3, f"only {rb_kills} kills during the rollbacks"
        problems = rollback_problems(db, world, before)
        assert not problems, _fail(problems, log) + f"\nfinal runs exit codes {codes}"
        print(f"\ncrash + rollback: {world.cells} cells, {len(world.intents)} rows, {send_kills} kills while "
              f"sending at {send_moments}, {rb_kills} while rolling back at {rb_moments + more_moments}, "
              f"applied {len(double.mutation_log)}")
    finally:
        double.stop()


def test_sigterm_stops_a_send_gracefully(db, tmp_path):
    """SIGTERM in the middle of a send: the sender finishes the request in flight, gives its claimed rows
    back at once (no lease left to wait out), exits with the interrupted code; a rerun completes."""
    double = H.start_double(faults=Faults(latency=0.08, latency_jitter=0.02))
    try:
        world = H.prepare(db, double, 300, seed=H.SEED + 8)
        log = tmp_path / "sender.log"
        env = H.sender_env(db.dsn, double, tmp_path, lease_seconds=600, claim_size=10)
        proc = H.spawn_sender(env, ["send", "--execute"], log)
        end = time.monotonic() + 60
        while time.monotonic() < end and not db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateAudit"):
            time.sleep(0.05)
        assert proc.poll() is None, "the sender ended before it could be stopped"
        os.killpg(proc.pid, signal.SIGTERM)
        rc = H.wait_sender(proc, 60)
        assert rc == exitcodes.INTERRUPTED, (rc, H.tail(log))
        claimed = db.scalar("SELECT COUNT(*) FROM dbo.MON_UpdateQueue WHERE queue_status = 'CLAIMED'")
        assert claimed == 0, f"{claimed} rows still leased after a graceful stop\n{H.tail(log)}"
        left = H.open_rows(db, world.batch_ids)
        assert left > 0, "nothing was left to send: the stop came too late to test anything"
        assert "interrupted" in H.tail(log, 80)
        # a rerun (the next job run, at once: no lease to wait for) completes the batches
        codes = H.finish_batches(db, env, world.batch_ids, log, max_runs=3)
        assert codes and codes[-1] == exitcodes.OK, codes
        problems = H.check_property(db, world)
        assert not problems, _fail(problems, log)
    finally:
        double.stop()

