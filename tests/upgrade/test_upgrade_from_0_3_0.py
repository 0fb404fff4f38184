"""Upgrade from release 0.3.0 on the real PostgreSQL, with a batch half-sent when the upgrade comes: the 0.3.0
sender sent one row of three, then died holding the lease of the second (the third never claimed). Today's
installer keeps every row; today's sender then finishes that batch: each intended cell change reaches the
board exactly once and has its audit row; the finished batch rolls back with today's code."""

from __future__ import annotations

import time

import pytest

from pipelines.scripts.order_staging.update_operations import UpdateOperations
from sender import __version__
from sender.cli import main as cli_main
from sender.db import Database
from sender.installer import installed_version
from tests.sender.conftest import PLANNING, TOKEN, make_config

from . import release_0_1_0 as releases
from .test_upgrade_from_0_1_0 import KEPT_TABLES, columns, fingerprint, routine_signatures

pytestmark = pytest.mark.postgres_only

COMMIT, VERSION = "0ae8ccd", "0.3.0"

# the 0.3.0 sender, one row per claim, stops dead (no cleanup, as a killed process) when it has sent one row
HALF_SENT_FLOW = """
import os
from sender.installer import install
from sender.db import Database
from sender.config import load_config
import sender.send as S
from pipelines.scripts.order_staging.update_operations import UpdateOperations
with Database(P['dsn']) as db:
    install(db, version=P['version'])
    for it in P['items']:
        db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, "
                   "order_status) VALUES (?, ?, ?, ?)", (it['id'], P['board'], it['name'], it['status']))
cfg = load_config(env={'OPUS_DSN': P['dsn'], 'MONDAY_API_URL': P['url'], 'MONDAY_API_TOKEN': P['token']},
                  requests_per_minute=600000, backoff_initial=0.02, backoff_max=0.2, idle_wait=1.0,
                  claim_size=1, lease_seconds=2)
ops = UpdateOperations(P['board'], config=cfg)
ops.sync_board()
batch = ops.stage_updates_from_query(
    "SELECT monday_item_id, 'Stuck' AS order_status FROM STG_MON_CustMasterSchedule "
    f"WHERE monday_board_id = {P['board']} AND monday_item_id IN ({P['ids']}) AND update_batch_id IS NULL "
    "ORDER BY monday_item_id")
ops.release_batch(batch)
claims = []
original = S.BoardWorker._send_claim
def send_one_then_die(self, run, rows):
    claims.append(rows[0]['queue_id'])
    if len(claims) == 2:
        # the second claim is held by this process when it dies: its lease has to expire
        R['batch_id'] = batch
        R['sender_file'] = S.__file__
        print('RESULT=' + json.dumps(R), flush=True)
        os._exit(0)
    return original(self, run, rows)
S.BoardWorker._send_claim = send_one_then_die
ops.process_staged_updates(batch, dry_run=False)
raise SystemExit('the 0.3.0 sender was meant to stop after its first row')
"""


def test_upgrade_from_0_3_0_keeps_a_half_sent_batch_and_today_finishes_it(
        empty_pg_dsn, double, tmp_path_factory, new_install_dsn):
    tree = releases.export(tmp_path_factory.mktemp("release_0_3_0"), commit=COMMIT, version=VERSION)
    items = sorted((it for it in (double.item(i) for i in double.planning["item_ids"])
                    if it["texts"]["status"] != "Stuck"), key=lambda it: int(it["id"]))[:3]
    before = {int(it["id"]): it["texts"]["status"] for it in items}
    log_start = len(double.mutation_log)
    result = releases.run(tree, HALF_SENT_FLOW, dsn=empty_pg_dsn, version=VERSION, url=double.url, token=TOKEN,
                          board=PLANNING, ids=", ".join(str(i) for i in before),
                          items=[{"id": it["id"], "name": it["name"], "status": it["texts"]["status"]}
                                 for it in items])
    batch = result["batch_id"]
    with Database(empty_pg_dsn) as db:
        assert installed_version(db) == VERSION
        states = [r["queue_status"] for r in db.query(
            "SELECT queue_status FROM dbo.MON_UpdateQueue WHERE batch_id = ? ORDER BY queue_id", (batch,))]
        assert states == ["SENT", "CLAIMED", "READY"], states  # the half-sent batch the upgrade meets
        assert db.scalar("SELECT count(*) FROM dbo.MON_UpdateAudit WHERE batch_id = ?", (batch,)) == 1
        cols_of = {t: columns(db, t) for t in KEPT_TABLES}
        kept = fingerprint(db, cols_of)
    first = min(before)
    assert [i for i in before if double.item(i)["texts"]["status"] == "Stuck"] == [first]

    assert cli_main(["db", "install", "--dsn", empty_pg_dsn]) == 0

    with Database(empty_pg_dsn) as db:
        assert installed_version(db) == __version__ == "0.4.0"
        after = fingerprint(db, cols_of)
        version_rows = after.pop("mon_schemaversion"), kept.pop("mon_schemaversion")
        assert version_rows[0][0] == version_rows[1][0] + 1
        for table in kept:  # every row is kept; a 0.4.0 step may fill new state, never lose a row
            assert after[table][0] == kept[table][0], table
        sigs, upgraded_cols = routine_signatures(db), {t: columns(db, t) for t in KEPT_TABLES}
    with Database(new_install_dsn) as fresh:
        assert routine_signatures(fresh) == sigs
        assert {t: columns(fresh, t) for t in KEPT_TABLES} == upgraded_cols

    time.sleep(2.5)  # the dead sender's lease (2 s) runs out
    ops = UpdateOperations(PLANNING, config=make_config(empty_pg_dsn, double))
    assert ops.process_staged_updates(batch, dry_run=False).batch_status == "COMPLETED"
    assert {i: double.item(i)["texts"]["status"] for i in before} == dict.fromkeys(before, "Stuck")
    with Database(empty_pg_dsn) as db:
        audit = db.query("SELECT monday_item_id, old_value, new_value FROM dbo.MON_UpdateAudit WHERE batch_id = ? "
                         "ORDER BY monday_item_id", (batch,))
    assert [a["monday_item_id"] for a in audit] == sorted(before)  # one audit row per cell, none twice
    applied = [e["item_id"] for e in double.mutation_log[log_start:] if int(e["item_id"]) in before]
    assert sorted(int(i) for i in applied) == sorted(before)  # each item written once: none lost, none twice
    assert ops.rollback(batch, reason="upgrade test: undo the half-sent batch",
                        dry_run=False).batch_status == "COMPLETED"
    assert {i: double.item(i)["texts"]["status"] for i in before} == before
