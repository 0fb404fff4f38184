"""Rollback property: random batches, random edits by "someone else" between send and rollback.

After the rollback every cell nobody else touched holds its exact prior value, and every touched cell is
reported (not overwritten). OPUS_FAULT_ROLLBACK_ROUNDS (default 4) rounds, each on a fresh board.
"""

from __future__ import annotations

import random

import pytest

from sender import cli
from tests.monday_double import make_board

from . import harness as H

pytestmark = pytest.mark.faults

ROUNDS = H.env_int("OPUS_FAULT_ROLLBACK_ROUNDS", 6)
COLUMNS = ["text", "numbers", "status", "date4"]


def _random_value(rng: random.Random, col: str) -> str:
    if col == "text":
        return rng.choice(["Ω", "x", "O'Brien", "[b]", "ü"]) + f"-{rng.randrange(10**6)}"
    if col == "numbers":
        return str(rng.randrange(10**5))
    if col == "status":
        return rng.choice(H.STATUS_LABELS)
    return f"2027-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def _write(col: str, text: str) -> object:
    if col == "status":
        return {"label": text}
    if col == "date4":
        return {"date": text}
    return text


def test_rollback_restores_untouched_cells_and_reports_touched_ones(db, tmp_path, monkeypatch):
    double = H.start_double()
    try:
        if not H.has_routine(db, "usp_StageRollback"):
            pytest.skip("usp_StageRollback is not installed yet")
        env = H.sender_env(db.dsn, double, tmp_path, lease_seconds=30)
        for k, v in env.items():
            if k.startswith(("OPUS_", "MONDAY_")):
                monkeypatch.setenv(k, v)
        rng = random.Random(H.SEED)
        report = []
        for r in range(ROUNDS):
            board = 7_500_000_001 + 100 * r
            items = make_board(double.store, board, 30, name=f"Rollback board {r}")
            H.sync_boards(db, double, [board])
            before = {i: dict(double.store.item(i)["texts"]) for i in items}
            chosen = rng.sample(items, rng.randrange(5, 25))
            cols = rng.sample(COLUMNS, rng.randrange(1, len(COLUMNS) + 1))
            rows = []
            for item in chosen:
                vals = {}
                for c in cols:  # a new value (a few rows keep the old one: no-op cells are not sent)
                    vals[c] = before[item][c] if rng.random() < 0.1 else _random_value(rng, c)
                rows.append([item] + [vals[c] for c in cols])
            query = H._values_query(["monday_item_id", *cols], rows)
            res = db.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"}, query=query, board_id=board,
                          update_operation="UPDATE", target_level="ITEMS")
            batch = res.outputs["batch_id"]
            db.call("usp_ReleaseBatch", batch_id=batch)
            assert cli.main(["send", "--batch-id", batch, "--execute"]) == 0
            after_send = {i: dict(double.store.item(i)["texts"]) for i in items}
            # someone else edits random cells: some the batch changed, some it did not
            touched: dict[tuple[int, str], str] = {}
            for item in rng.sample(items, rng.randrange(1, 15)):
                c = rng.choice(cols if item in chosen and rng.random() < 0.7 else COLUMNS)
                val = _random_value(rng, c)
                while val == after_send[item][c]:
                    val = _random_value(rng, c)
                double.store.change_column_values(board, item, {c: _write(c, val)})
                touched[(item, c)] = double.store.item(item)["texts"][c]
            code = cli.main(["rollback", "--batch-id", batch, "--reason", f"round {r}", "--execute"])
            rb = db.scalar("SELECT batch_id FROM dbo.MON_UpdateBatch WHERE rollback_of_batch_id = ?", [batch])
            problems = []
            changed = {(a["monday_item_id"], a["column_id"]): a for a in db.query(
                "SELECT * FROM dbo.MON_UpdateAudit WHERE batch_id = ?", [batch])}
            details = {q["monday_item_id"]: q["result_detail"] or "" for q in db.query(
                "SELECT monday_item_id, result_detail FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [rb])}
            for item in items:
                now = double.store.item(item)["texts"]
                for c in COLUMNS:
                    key = (item, c)
                    if key in touched:
                        if now[c] != touched[key]:
                            problems.append(f"{key}: someone else's {touched[key]!r} overwritten with {now[c]!r}")
                        if key in changed:
                            reported = c in details.get(item, "") and "someone" in details.get(item, "")
                            if not reported:
                                problems.append(f"{key}: touched cell not reported: {details.get(item)!r}")
                            if changed[key]["rollback_timestamp"] is not None:
                                problems.append(f"{key}: audit row marked rolled back, yet the cell was not")
                    elif now[c] != before[item][c]:
                        problems.append(f"{key}: holds {now[c]!r} after the rollback, {before[item][c]!r} before")
                    elif key in changed and changed[key]["rollback_timestamp"] is None:
                        problems.append(f"{key}: restored but its audit row has no rollback_timestamp")
            assert not problems, (f"round {r} (exit {code}, batch {batch}, rollback {rb}):\n  "
                                  + "\n  ".join(problems[:30]))
            conflicts = sum(1 for k in touched if k in changed)
            report.append(f"round {r}: {len(chosen)} items x {cols}, {len(changed)} cells changed, "
                          f"{len(touched)} edits by someone else ({conflicts} on changed cells), exit {code}")
            assert code in (0, 1), f"rollback exit code {code}"
        print("\n" + "\n".join(report))
    finally:
        double.stop()
