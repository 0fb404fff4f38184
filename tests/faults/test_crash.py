"""The sender as a real process, killed, starved of responses, stormed and raced; the property must hold.

Sizes: OPUS_FAULT_CELLS (cells of the crash batch, default 2000), OPUS_FAULT_KILLS (default 30),
OPUS_FAULT_SEED. The other scenarios use a third of the cells.
"""

from __future__ import annotations

import random
import time

import pytest

from tests.monday_double import Faults

from . import harness as H

pytestmark = pytest.mark.faults


def _fail(problems: list[str], log) -> str:
    return H.summary(problems) + "\n--- sender log (tail) ---\n" + H.tail(log)


def test_sigkill_at_random_moments(db, tmp_path):
    """>= 2,000 cells on several boards (items, subitems, UPDATE, CREATE); SIGKILL at seeded random
    moments at least 30 times, restarting each time until done."""
    double = H.start_double(faults=Faults(latency=0.06, latency_jitter=0.04))
    try:
        world = H.prepare(db, double, H.CELLS)
        assert world.cells >= min(H.CELLS, 2000) * 0.95, world.cells
        log = tmp_path / "sender.log"
        env = H.sender_env(db.dsn, double, tmp_path, lease_seconds=2, claim_size=10)
        rng = random.Random(H.SEED)
        kills, moments, finished_runs = H.kill_at_random(db, env, log, rng, world.batch_ids, H.KILLS,
                                                         ["send", "--execute"], 0.2, 0.9, time.monotonic() + 200)
        left_after_kills = H.open_rows(db, world.batch_ids)
        codes = H.finish_batches(db, env, world.batch_ids, log)
        assert kills >= H.KILLS, (f"only {kills} kills before the batch was done ({finished_runs} runs ended on "
                                  "their own): make the batch bigger (OPUS_FAULT_CELLS)")
        assert left_after_kills > 0 or kills >= H.KILLS
        problems = H.check_property(db, world)
        assert not problems, _fail(problems, log) + f"\nfinal runs exit codes {codes}"
        print(f"\ncrash: {world.cells} cells, {len(world.intents)} rows, {kills} kills at {moments}, "
              f"{left_after_kills} rows left after the kills, final runs {codes}, "
              f"applied {len(double.mutation_log)}, replays {double.counters['replays']}")
    finally:
        double.stop()


def test_lost_responses(db, tmp_path):
    """The double applies mutations (creates included) and drops the response; the property holds."""
    double = H.start_double(faults=Faults(applied_then_drop_rate=0.25, drop_rate=0.05, on_reads=False))
    try:
        world = H.prepare(db, double, max(300, H.CELLS // 3), seed=H.SEED + 1)
        log = tmp_path / "sender.log"
        env = H.sender_env(db.dsn, double, tmp_path)
        codes = H.finish_batches(db, env, world.batch_ids, log)
        counters = double.counters
        assert counters["faults"].get("applied_then_drop", 0) > 0
        creates_dropped = [e for e in double.mutation_log if e["operation"] in ("create_item", "create_subitem")
                           and e.get("replayed")]
        problems = H.check_property(db, world)
        assert not problems, _fail(problems, log) + f"\nexit codes {codes}"
        assert creates_dropped, "no CREATE response was lost and replayed: the scenario did not happen"
        print(f"\nlost responses: {world.cells} cells, faults {counters['faults']}, replays {counters['replays']}, "
              f"runs {codes}")
    finally:
        double.stop()


STORM = Faults(storm_429_rate=0.08, storm_429_no_retry_after_rate=0.05, error_5xx_rate=0.06,
               error_5xx_statuses=(500, 502, 503, 504), locked_423_rate=0.04, timeout_rate=0.03,
               timeout_seconds=1.5, complexity_exhausted_rate=0.04)


def test_storms(db, tmp_path):
    """~30% of requests answered 429 (with and without Retry-After), 5xx, 423, timeouts and
    COMPLEXITY_BUDGET_EXHAUSTED: the batch completes and no request came before the wait monday asked for."""
    double = H.start_double()
    try:
        # the setup (metadata sync, staging) runs calm; the storm is for the sender processes
        world = H.prepare(db, double, max(300, H.CELLS // 3), seed=H.SEED + 2)
        double.set_faults(STORM)
        log = tmp_path / "sender.log"
        env = H.sender_env(db.dsn, double, tmp_path, lease_seconds=30)
        codes = H.finish_batches(db, env, world.batch_ids, log)
        counters = double.counters
        faulted = sum(counters["faults"].values())
        problems = H.check_property(db, world)
        early, in_flight = H.early_requests(double)
        if early:
            problems.insert(0, f"{len(early)} requests before the wait monday asked for:\n    "
                            + "\n    ".join(early[:8]))
        assert not problems, _fail(problems, log) + f"\nexit codes {codes}"
        for kind in ("storm_429", "error_5xx", "locked_423", "timeout", "complexity_exhausted"):
            assert any(k.startswith(kind) for k in counters["faults"]), (kind, counters["faults"])
        assert faulted >= 0.15 * counters["requests"], (faulted, counters["requests"])
        # rows given back as RETRY with a later visible_after may outlast one run's idle wait (exit 1,
        # PARTIAL): the next scheduled run finishes them; a few runs (backoff in SQL doubles per attempt) suffice
        assert codes and codes[-1] == 0 and len(codes) <= 10, f"the batch did not complete: exit codes {codes}"
        print(f"\nstorm: {world.cells} cells, {counters['requests']} requests, {faulted} faulted "
              f"({faulted / counters['requests']:.0%}): {counters['faults']}, early retries "
              f"{counters['early_retries']} of which {len(in_flight)} already in flight on another board's thread")
    finally:
        double.stop()


def test_four_senders_on_the_same_batches(db, tmp_path):
    """Four sender processes at once on the same batches: each row is sent once."""
    double = H.start_double(faults=Faults(latency=0.01, latency_jitter=0.01))
    try:
        world = H.prepare(db, double, max(300, H.CELLS // 3), seed=H.SEED + 3)
        log = tmp_path / "sender.log"
        env = H.sender_env(db.dsn, double, tmp_path, lease_seconds=30, claim_size=5)
        procs = [H.spawn_sender({**env, "OPUS_WORKER_ID": f"faults-w{n}"}, ["send", "--execute"], log)
                 for n in range(4)]
        codes = [H.wait_sender(p, 180) for p in procs]
        codes += H.finish_batches(db, env, world.batch_ids, log)
        problems = H.check_property(db, world)
        assert not problems, _fail(problems, log) + f"\nexit codes {codes}"
        workers = db.query("SELECT DISTINCT worker_id FROM dbo.MON_UpdateAudit WHERE worker_id LIKE 'faults-w%'")
        assert len(workers) >= 2, f"the rows were not shared between the senders: {workers}"
        print(f"\nfour senders: {world.cells} cells, exit codes {codes}, workers {sorted(w['worker_id'] for w in workers)}")
    finally:
        double.stop()
