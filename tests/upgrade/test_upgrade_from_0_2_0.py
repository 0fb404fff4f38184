"""Upgrade from release 0.2.0 on the real PostgreSQL: a database installed and used by the 0.2.0 sender (a
batch staged, released, sent to the monday API double and audited) is upgraded by today's installer. Every
row stays, the claim index becomes a new install's (step 0.3.0/10), the old batch rolls back with today's
code and a new batch goes end to end."""

from __future__ import annotations

import pytest

from pipelines.scripts.order_staging.update_operations import UpdateOperations
from sender import __version__
from sender.cli import main as cli_main
from sender.db import Database
from sender.installer import installed_version
from tests.sender.conftest import PLANNING, TOKEN, make_config

from . import release_0_1_0 as releases
from .test_upgrade_from_0_1_0 import KEPT_TABLES, OLD_FLOW, columns, fingerprint, routine_signatures

pytestmark = pytest.mark.postgres_only

COMMIT, VERSION = "3331b98", "0.2.0"


def claim_index(db: Database) -> str:
    return db.scalar("SELECT indexdef FROM pg_indexes WHERE schemaname = 'dbo' "
                     "AND indexname = 'ix_mon_updatequeue_claim'")


@pytest.fixture(scope="module")
def tree_0_2_0(tmp_path_factory):
    return releases.export(tmp_path_factory.mktemp("release_0_2_0"), commit=COMMIT, version=VERSION)


def test_upgrade_from_0_2_0_keeps_every_row_and_rebuilds_the_claim_index(
        empty_pg_dsn, double, tree_0_2_0, new_install_dsn):
    items = [it for it in (double.item(i) for i in double.planning["item_ids"]) if it["texts"]["status"] != "Stuck"][:3]
    before = {it["id"]: it["texts"]["status"] for it in items}
    result = releases.run(tree_0_2_0, OLD_FLOW, dsn=empty_pg_dsn, version=VERSION, url=double.url, token=TOKEN,
                          board=PLANNING, ids=", ".join(str(i) for i in before),
                          items=[{"id": it["id"], "name": it["name"], "status": it["texts"]["status"]} for it in items])
    assert result["status"] == "COMPLETED", result
    old_batch = result["batch_id"]
    with Database(empty_pg_dsn) as db:
        assert installed_version(db) == VERSION
        old_index = claim_index(db)
        cols_of = {t: columns(db, t) for t in KEPT_TABLES}
        kept = fingerprint(db, cols_of)

    assert cli_main(["db", "install", "--dsn", empty_pg_dsn]) == 0

    with Database(empty_pg_dsn) as db:
        assert installed_version(db) == __version__
        after = fingerprint(db, cols_of)
        version_rows = after.pop("mon_schemaversion"), kept.pop("mon_schemaversion")
        assert after == kept  # no 0.3.0 step changes a row
        assert version_rows[0][0] == version_rows[1][0] + 1
        upgraded_index, sigs = claim_index(db), routine_signatures(db)
        upgraded_cols = {t: columns(db, t) for t in KEPT_TABLES}
    with Database(new_install_dsn) as fresh:
        assert upgraded_index == claim_index(fresh) != old_index
        assert routine_signatures(fresh) == sigs
        assert {t: columns(fresh, t) for t in KEPT_TABLES} == upgraded_cols

    ops = UpdateOperations(PLANNING, config=make_config(empty_pg_dsn, double))
    assert ops.rollback(old_batch, reason="upgrade test: undo the 0.2.0 batch", dry_run=False).batch_status == "COMPLETED"
    assert {i: double.item(i)["texts"]["status"] for i in before} == before
    item = next(i for i in double.planning["item_ids"] if double.item(i)["texts"]["status"] != "Done")
    batch = ops.stage_updates_from_query(f"SELECT {item} AS monday_item_id, 'Done' AS order_status")
    assert ops.validate_staged_updates(batch).rows_valid == 1
    assert ops.process_staged_updates(batch, dry_run=False).batch_status == "COMPLETED"
    assert double.item(item)["texts"]["status"] == "Done"
