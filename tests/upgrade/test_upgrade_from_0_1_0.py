"""Upgrade from release 0.1.0 on the real PostgreSQL: a database installed and used by the 0.1.0 sender
(a batch staged, released, sent to the monday API double and audited) is upgraded by today's
`opus-sender db install`; every old row stays, the old batch can be read and rolled back with today's
code, and a new batch goes end to end. Also: the dry-run plan, and a failing step that changes nothing."""

from __future__ import annotations

import shutil

import pytest

from pipelines.scripts.order_staging.update_operations import UpdateOperations
from sender import __version__
from sender.cli import main as cli_main
from sender.db import Database
from sender.installer import DB_ROOT, InstallError, install, installed_version, plan
from tests.sender.conftest import PLANNING, TOKEN, make_config

from . import release_0_1_0 as old

# release 0.1.0 ran on PostgreSQL here (its T-SQL needs CREATE OR ALTER; see docs/engine_gaps.md)
pytestmark = pytest.mark.postgres_only

# the tables whose rows a DBA must never lose in an upgrade
KEPT_TABLES = [
    "stg_mon_custmasterschedule", "stg_mon_custmasterschedule_subitems", "mon_updatebatch", "mon_updatequeue",
    "mon_updateaudit", "mon_runlog", "mon_updatepreview", "mon_board", "mon_boardcolumn", "mon_boardgroup",
    "mon_boarditem", "mon_user", "mon_columnmap", "mon_schemaversion",
]
# what 0.2.0's upgrade changes on purpose: staged rows lose their copy of the board id (step 20), and the
# rules' texts are reference data the install refreshes (a DBA's severity and is_enabled are kept)
MIGRATED_COLUMNS = {"stg_mon_custmasterschedule": {"monday_board_id"},
                    "stg_mon_custmasterschedule_subitems": {"monday_board_id"}}

OLD_FLOW = """
from sender.installer import install
from sender.db import Database
from sender.config import load_config
from pipelines.scripts.order_staging.update_operations import UpdateOperations
with Database(P['dsn']) as db:
    install(db, version=P['version'])
    for it in P['items']:
        db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, "
                   "order_status) VALUES (?, ?, ?, ?)", (it['id'], P['board'], it['name'], it['status']))
cfg = load_config(env={'OPUS_DSN': P['dsn'], 'MONDAY_API_URL': P['url'], 'MONDAY_API_TOKEN': P['token']},
                  requests_per_minute=600000, backoff_initial=0.02, backoff_max=0.2, idle_wait=3.0)
ops = UpdateOperations(P['board'], config=cfg)
ops.sync_board()
batch = ops.stage_updates_from_query(
    "SELECT monday_item_id, 'Stuck' AS order_status FROM STG_MON_CustMasterSchedule "
    f"WHERE monday_board_id = {P['board']} AND monday_item_id IN ({P['ids']}) AND update_batch_id IS NULL")
ops.validate_staged_updates(batch)
ops.process_staged_updates(batch, dry_run=True)
sent = ops.process_staged_updates(batch, dry_run=False)
R['batch_id'] = batch
R['status'] = sent.batch_status
"""


def columns(db: Database, table: str) -> list[str]:
    return [name for name, _ in column_types(db, table)]


def column_types(db: Database, table: str) -> list[tuple[str, str]]:
    rows = db.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'dbo' "
                    "AND table_name = ? ORDER BY ordinal_position", [table])
    return [(r["column_name"], r["data_type"]) for r in rows]


def fingerprint(db: Database, cols_of: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a checksum over the columns the table had before the upgrade."""
    out = {}
    for table, cols in cols_of.items():
        row = ", ".join(f'x."{c}"' for c in cols)
        out[table] = tuple(db.query(
            f"SELECT count(*) AS n, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS h "
            f"FROM (SELECT ROW({row}) AS r FROM dbo.\"{table}\" x) s")[0].values())
    return out


def routine_signatures(db: Database) -> list[str]:
    return [r["sig"] for r in db.query(
        "SELECT 'dbo.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'dbo' ORDER BY 1")]


@pytest.fixture(scope="module")
def old_tree(tmp_path_factory):
    return old.export(tmp_path_factory.mktemp("release_0_1_0"))


@pytest.fixture
def old_db(empty_pg_dsn, double, old_tree):
    """A database installed and used by the 0.1.0 sender: one batch of 3 items sent and audited."""
    items = [it for it in (double.item(i) for i in double.planning["item_ids"]) if it["texts"]["status"] != "Stuck"][:3]
    before = {it["id"]: it["texts"]["status"] for it in items}
    result = old.run(old_tree, OLD_FLOW, dsn=empty_pg_dsn, version=old.VERSION, url=double.url, token=TOKEN,
                     board=PLANNING, ids=", ".join(str(i) for i in before),
                     items=[{"id": it["id"], "name": it["name"], "status": it["texts"]["status"]} for it in items])
    assert result["status"] == "COMPLETED", result
    assert {i: double.item(i)["texts"]["status"] for i in before} == dict.fromkeys(before, "Stuck")
    return empty_pg_dsn, result["batch_id"], before


def test_upgrade_keeps_every_row_and_the_old_batch_rolls_back(old_db, double, new_install_dsn):
    dsn, old_batch, before = old_db
    with Database(dsn) as db:
        assert installed_version(db) == old.VERSION
        assert db.scalar("SELECT count(*) FROM dbo.MON_UpdateAudit WHERE batch_id = ?", [old_batch]) == 3
        cols_of = {t: [c for c in columns(db, t) if c not in MIGRATED_COLUMNS.get(t, set())] for t in KEPT_TABLES}
        assert all(cols_of.values()), [t for t, c in cols_of.items() if not c]
        kept = fingerprint(db, cols_of)
        loader_boards = db.query("SELECT monday_item_id, monday_board_id FROM dbo.STG_MON_CustMasterSchedule "
                                 "WHERE update_batch_id IS NULL ORDER BY monday_item_id")
        assert db.scalar("SELECT count(*) FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id IS NOT NULL "
                         "AND monday_board_id IS NOT NULL") == 3  # 0.1.0 copied the board into staged rows
        db.execute("UPDATE dbo.MON_ValidationRule SET severity = 'ERROR', is_enabled = 'N' WHERE rule_code = 'NO_OP'")
        rules_before = {r["rule_code"]: (r["severity"], r["is_enabled"])
                        for r in db.query("SELECT rule_code, severity, is_enabled FROM dbo.MON_ValidationRule")}

    assert cli_main(["db", "install", "--dsn", dsn]) == 0

    with Database(dsn) as db:
        assert installed_version(db) == __version__
        after = fingerprint(db, cols_of)
        # every old row is intact; only the version table gained the new version's row
        version_rows = after.pop("mon_schemaversion"), kept.pop("mon_schemaversion")
        assert after == kept
        assert version_rows[0][0] == version_rows[1][0] + 1
        # step 20 migrated the staged rows only; the loader's rows keep their board
        assert db.query("SELECT monday_item_id, monday_board_id FROM dbo.STG_MON_CustMasterSchedule "
                        "WHERE update_batch_id IS NULL ORDER BY monday_item_id") == loader_boards
        assert db.scalar("SELECT count(*) FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id IS NOT NULL "
                         "AND monday_board_id IS NOT NULL") == 0
        # every rule of 0.1.0 is still there with the DBA's configuration; 0.2.0 adds its new rules
        rules_after = {r["rule_code"]: (r["severity"], r["is_enabled"])
                       for r in db.query("SELECT rule_code, severity, is_enabled FROM dbo.MON_ValidationRule")}
        assert {k: rules_after.get(k) for k in rules_before} == rules_before
        assert rules_after.keys() > rules_before.keys()
        # no routine is left beside its new version, and the routines are exactly a new install's
        sigs = routine_signatures(db)
        assert len({s.split("(")[0] for s in sigs}) == len(sigs), sigs
        upgraded_cols = {t: column_types(db, t) for t in KEPT_TABLES}
        assert ("audit_id", "bigint") in upgraded_cols["mon_updateaudit"]  # widened from 0.1.0's int
        audit_seq = db.scalar("SELECT format_type(s.seqtypid, NULL) FROM pg_sequence s "
                              "WHERE s.seqrelid = pg_get_serial_sequence('dbo.mon_updateaudit', 'audit_id')::regclass")
        assert audit_seq == "bigint"
    with Database(new_install_dsn) as fresh:
        assert routine_signatures(fresh) == sigs
        assert {t: column_types(fresh, t) for t in KEPT_TABLES} == upgraded_cols

    # the old batch reads in today's views and rolls back with today's code
    cfg = make_config(dsn, double)
    ops = UpdateOperations(PLANNING, config=cfg)
    with Database(dsn) as db:
        summary = db.query("SELECT * FROM dbo.vw_MON_BatchSummary WHERE batch_id = ?", [old_batch])
        assert summary and summary[0]["batch_status"] == "COMPLETED" and summary[0]["rows_sent"] == 3
        trail = db.query("SELECT * FROM dbo.vw_MON_AuditTrail WHERE batch_id = ?", [old_batch])
        assert len(trail) == 3
    back = ops.rollback(old_batch, reason="upgrade test: undo the 0.1.0 batch", dry_run=False)
    assert back.batch_status == "COMPLETED", back
    assert {i: double.item(i)["texts"]["status"] for i in before} == before
    with Database(dsn) as db:
        stamped = db.query("SELECT rollback_timestamp, rollback_reason FROM dbo.MON_UpdateAudit WHERE batch_id = ?",
                           [old_batch])
        assert len(stamped) == 3 and all(r["rollback_timestamp"] for r in stamped)

    # and a new batch goes end to end
    item = next(i for i in double.planning["item_ids"] if double.item(i)["texts"]["status"] != "Done")
    batch = ops.stage_updates_from_query(
        f"SELECT {item} AS monday_item_id, 'Done' AS order_status")
    assert ops.validate_staged_updates(batch).rows_valid == 1
    assert ops.process_staged_updates(batch, dry_run=False).batch_status == "COMPLETED"
    assert double.item(item)["texts"]["status"] == "Done"


def test_dry_run_prints_the_plan_and_changes_nothing(old_db, capsys):
    dsn, _, _ = old_db
    with Database(dsn) as db:
        cols_of = {t: columns(db, t) for t in KEPT_TABLES}
        kept = fingerprint(db, cols_of)
        sigs = routine_signatures(db)
    assert cli_main(["db", "install", "--dry-run", "--dsn", dsn]) == 0
    out = capsys.readouterr().out
    assert f"upgrade: {old.VERSION} -> {__version__}" in out
    assert "re-runnable sources" in out and "ddl/drop_code_objects.sql" in out
    assert "nothing was changed (dry run)" in out
    with Database(dsn) as db:
        assert fingerprint(db, cols_of) == kept
        assert routine_signatures(db) == sigs
        assert installed_version(db) == old.VERSION


def test_a_failing_step_rolls_the_whole_upgrade_back(old_db, tmp_path):
    dsn, _, _ = old_db
    root = tmp_path / "db"
    shutil.copytree(DB_ROOT, root)
    step_dir = root / "postgres" / "upgrades" / __version__
    step_dir.mkdir(parents=True, exist_ok=True)
    (step_dir / "98_add_column.sql").write_text("ALTER TABLE dbo.MON_UpdateAudit ADD COLUMN step_probe int;\n")
    (step_dir / "99_fails.sql").write_text("SELECT 1 / 0;\n")
    with Database(dsn) as db:
        cols_of = {t: columns(db, t) for t in KEPT_TABLES}
        kept = fingerprint(db, cols_of)
        the_plan = plan(db, db_root=root)
        assert [s.path.name for s in the_plan.steps][-2:] == ["98_add_column.sql", "99_fails.sql"]
        with pytest.raises(InstallError, match=r"upgrades/.*/99_fails.sql failed.*Nothing was changed"):
            install(db, db_root=root)
        assert installed_version(db) == old.VERSION
        assert fingerprint(db, cols_of) == kept
        assert "step_probe" not in columns(db, "mon_updateaudit")


def test_steps_run_once_and_only_on_older_databases(db, tmp_path):
    root = tmp_path / "db"
    shutil.copytree(DB_ROOT, root)
    step_dir = root / "postgres" / "upgrades" / __version__
    step_dir.mkdir(parents=True, exist_ok=True)
    (step_dir / "97_count.sql").write_text(
        "CREATE TABLE IF NOT EXISTS dbo.mon_step_probe (n int); INSERT INTO dbo.mon_step_probe VALUES (1);\n")
    # a database already at this version: the step is not in the plan and does not run
    assert "97_count.sql" not in [s.path.name for s in plan(db, db_root=root).steps]
    install(db, db_root=root)
    assert db.scalar("SELECT to_regclass('dbo.mon_step_probe')::text") is None
    # a database at an older version runs it once; installing again does not run it again
    db.execute("DELETE FROM dbo.MON_SchemaVersion")
    db.execute("INSERT INTO dbo.MON_SchemaVersion (schema_version, version_major, version_minor, version_patch) "
               "VALUES ('0.1.0', 0, 1, 0)")
    install(db, db_root=root)
    install(db, db_root=root)
    assert db.scalar("SELECT count(*) FROM dbo.mon_step_probe") == 1
    assert installed_version(db) == __version__


def test_a_routine_whose_parameters_changed_is_replaced_not_kept_beside(db, new_install_dsn):
    # what a database of an older release holds when a routine's parameters change: the old signature
    db.execute("CREATE PROCEDURE dbo.usp_ReleaseBatch(p_batch_id varchar, p_old_flag int) "
               "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'old release'; END $$")
    db.execute("CREATE FUNCTION dbo.fn_MON_Private_Gone(p int) RETURNS int LANGUAGE sql AS 'SELECT p'")
    assert sum(s.startswith("dbo.usp_releasebatch(") for s in routine_signatures(db)) == 2
    install(db)
    sigs = routine_signatures(db)
    with Database(new_install_dsn) as fresh:
        expected = [s for s in routine_signatures(fresh) if s.startswith("dbo.usp_releasebatch(")]
    assert [s for s in sigs if s.startswith("dbo.usp_releasebatch(")] == expected
    assert not [s for s in sigs if "fn_mon_private_gone" in s]
