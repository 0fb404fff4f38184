"""SQL Server operations, proven on the real PostgreSQL server (and statically for the T-SQL scripts):

- the roles opus_reader / opus_stager / opus_sender grant what they should and no more (a login role made
  a member of each, SET ROLE, then allowed and refused calls), and roles.sql is idempotent;
- usp_PurgeRunLog: the dry run changes nothing, @execute = 'Y' deletes only rows older than the retention;
- uninstall: print-only changes nothing, execute removes the project's objects and keeps STG_MON_* rows;
- the T-SQL ops scripts (SQL Agent jobs, uninstall) keep their safety properties.

PostgreSQL roles are cluster-wide: other test databases may hold grants to the same roles at the same time,
so nothing here assumes a role is new or can be dropped; every login role a test creates is dropped.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from sender.db import Database, DbError
from sender.installer import DB_ROOT, install, manifest
from tests.contract.queue_helpers import (
    BOARD,
    batch_row,
    claim,
    db_now,
    expect_error,
    make_batch,
    make_board,
    record,
)
from tests.static.catalog import strip_code, tsql_catalog

ROLES = ("opus_stager", "opus_sender", "opus_reader")
VIEWS = ("vw_MON_BatchSummary", "vw_MON_ValidationErrors", "vw_MON_UpdatePreview", "vw_MON_AuditTrail",
         "vw_MON_StuckOrFailedRows", "vw_MON_SendQueue", "vw_MON_BoardLabels", "vw_MON_UserNames")
PG_ROLES_SQL = DB_ROOT / "postgres" / "security" / "roles.sql"
PG_UNINSTALL = DB_ROOT / "postgres" / "ops" / "uninstall.sql"
TSQL_UNINSTALL = DB_ROOT / "ops" / "uninstall.sql"
TSQL_JOBS = DB_ROOT / "ops" / "create_agent_jobs.sql"
TSQL_ROLES_SQL = DB_ROOT / "security" / "roles.sql"


# roles, SET ROLE and the PostgreSQL ops scripts are PostgreSQL-specific; the T-SQL twins are checked
# statically here (on every run) and by tSQLt
pytestmark = pytest.mark.postgres_only


# -- helpers -------------------------------------------------------------------------------------------


def routine_exists(db: Database, name: str) -> bool:
    return bool(db.scalar(
        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'dbo' AND p.proname = ?", (name.lower(),)))


def relation_exists(db: Database, name: str) -> bool:
    return db.scalar("SELECT to_regclass(?)::text", (f"dbo.{name.lower()}",)) is not None


def existing_views(db: Database) -> list[str]:
    return [v for v in VIEWS if relation_exists(db, v)]


def refused(fn, *args, **kw) -> DbError:
    """Run fn and return the permission error it raised (SQLSTATE 42501)."""
    try:
        fn(*args, **kw)
    except DbError as exc:
        assert exc.sqlstate == "42501" or "permission denied" in exc.message, f"not a permission error: {exc}"
        return exc
    raise AssertionError("the call was allowed, but the role must not have that privilege")


@pytest.fixture
def member_of(db, fresh_dsn):
    """member_of('opus_reader') -> a connection running as a new LOGIN role that is a member of it only."""
    made: list[tuple[str, Database]] = []

    def make(role: str) -> Database:
        login = f"opus_t_login_{uuid.uuid4().hex[:10]}"
        db.execute(f'CREATE ROLE "{login}" LOGIN')
        db.execute(f'GRANT "{role}" TO "{login}"')
        conn = Database(fresh_dsn).connect()
        conn.execute(f'SET ROLE "{login}"')
        made.append((login, conn))
        return conn

    yield make
    for login, conn in made:
        conn.close()
        db.execute(f'DROP OWNED BY "{login}"')
        db.execute(f'DROP ROLE IF EXISTS "{login}"')


def acl_snapshot(db: Database) -> list[dict]:
    return db.query(
        "SELECT c.relname AS name, coalesce(c.relacl::text, '') AS acl FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'dbo' "
        "UNION ALL SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', "
        "coalesce(p.proacl::text, '') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'dbo' "
        "UNION ALL SELECT 'schema dbo', coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'dbo' "
        "ORDER BY 1"
    )


# -- roles ---------------------------------------------------------------------------------------------


def test_roles_exist_and_cannot_log_in(db):
    rows = db.query("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN (?, ?, ?)", ROLES)
    assert {r["rolname"] for r in rows} == set(ROLES)
    assert not any(r["rolcanlogin"] for r in rows)


def test_roles_sql_is_idempotent(db):
    before = acl_snapshot(db)
    db.run_script(PG_ROLES_SQL.read_text(encoding="utf-8"))
    db.run_script(PG_ROLES_SQL.read_text(encoding="utf-8"))
    assert acl_snapshot(db) == before
    install(db)  # the whole installer again: same grants, nothing lost
    assert acl_snapshot(db) == before


def test_roles_sql_refuses_a_role_name_that_can_log_in(db):
    # on copies of the roles (roles are cluster-wide: the real ones are never made LOGIN here)
    tag = uuid.uuid4().hex[:8]
    text = PG_ROLES_SQL.read_text(encoding="utf-8")
    for role in ROLES:
        text = text.replace(role, f"opus_t_{tag}_{role[5:]}")
    login = f"opus_t_{tag}_reader"
    db.execute(f'CREATE ROLE "{login}" LOGIN')
    try:
        before = acl_snapshot(db)
        err = expect_error(50910, db.run_script, text)
        assert login in err.message and "NOLOGIN" in err.message
        assert acl_snapshot(db) == before
        assert db.scalar("SELECT count(*) FROM pg_roles WHERE rolname LIKE ?", (f"opus\\_t\\_{tag}\\_%",)) == 1
    finally:
        db.execute(f'DROP ROLE IF EXISTS "{login}"')


def test_public_cannot_execute_project_routines(db):
    rows = db.query(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'dbo' AND has_function_privilege('public', p.oid, 'EXECUTE')"
    )
    assert rows == [], ("routines any role may execute: list their files in db/manifest.txt above "
                        "security/roles.sql (it revokes PUBLIC's EXECUTE from what is installed before it)")


def test_reader_reads_the_views_and_nothing_else(db, member_of):
    make_board(db)
    make_batch(db, "OPS-R1", 2)
    reader = member_of("opus_reader")

    views = existing_views(db)
    if views:
        for view in views:
            reader.query(f"SELECT * FROM dbo.{view}")
        assert any(r["batch_id"] == "OPS-R1" for r in reader.query("SELECT batch_id FROM dbo.vw_MON_BatchSummary")) \
            or "vw_MON_BatchSummary" not in views
    else:
        pytest.skip("no vw_MON_* view is installed yet: nothing a reader may read")

    # tables behind the views, the staging tables and the run log stay closed
    refused(reader.query, "SELECT * FROM dbo.MON_UpdateQueue")
    refused(reader.query, "SELECT * FROM dbo.MON_UpdateBatch")
    refused(reader.query, "SELECT * FROM dbo.STG_MON_CustMasterSchedule")
    refused(reader.execute, "INSERT INTO dbo.MON_RunLog (proc_name) VALUES ('x')")
    refused(reader.execute, "DELETE FROM dbo.MON_UpdateAudit")
    # and so do the procedures: staging, the batch life cycle, the sender's, retention
    for proc, params in [
        ("usp_StageUpdates", {"query": "SELECT 1 AS monday_item_id", "board_id": BOARD}),
        ("usp_CancelBatch", {"batch_id": "OPS-R1", "reason": "no"}),
        ("usp_StageRollback", {"batch_id": "OPS-R1", "reason": "no"}),
        ("usp_PurgeRunLog", {"execute": "Y"}),
    ]:
        if routine_exists(db, proc):
            refused(reader.call, proc, **params)
    if routine_exists(db, "usp_ClaimQueueRows"):
        refused(reader.call_rows, "usp_ClaimQueueRows", worker_id="reader")
    assert batch_row(db, "OPS-R1")["batch_status"] == "READY"


def test_stager_runs_the_batch_life_cycle_but_not_the_sender(db, member_of):
    make_board(db)
    make_batch(db, "OPS-S1", 2)
    stager = member_of("opus_stager")

    for view in existing_views(db):
        stager.query(f"SELECT * FROM dbo.{view}")

    if not routine_exists(db, "usp_CancelBatch"):
        pytest.skip("usp_CancelBatch is not installed yet: the stager's procedures cannot be checked")
    stager.call("usp_CancelBatch", batch_id="OPS-S1", reason="ops test: stager may cancel")
    assert batch_row(db, "OPS-S1")["batch_status"] == "CANCELLED"
    run = db.query("SELECT caller_login, outcome FROM dbo.MON_RunLog WHERE proc_name = 'usp_CancelBatch' "
                   "ORDER BY run_id DESC")[0]
    assert run["outcome"] == "SUCCEEDED"

    # the sender's routines, retention and direct writes stay closed
    make_batch(db, "OPS-S2", 1)
    if routine_exists(db, "usp_ClaimQueueRows"):
        refused(stager.call_rows, "usp_ClaimQueueRows", worker_id="stager")
    if routine_exists(db, "usp_RecordSendResult"):
        refused(stager.call, "usp_RecordSendResult", queue_id=1, worker_id="stager", outcome="SENT")
    refused(stager.call, "usp_PurgeRunLog", execute="Y")
    refused(stager.execute, "DELETE FROM dbo.MON_UpdateQueue")
    refused(stager.execute, "DELETE FROM dbo.MON_RunLog")
    refused(stager.execute, "UPDATE dbo.MON_BoardColumn SET title = 'x'")
    assert batch_row(db, "OPS-S2")["batch_status"] == "READY"


def test_stager_stages_from_a_table_granted_to_it_and_the_sender_sends_it(db, member_of):
    if not routine_exists(db, "usp_StageUpdates"):
        pytest.skip("usp_StageUpdates is not installed yet")
    make_board(db)
    db.execute("CREATE TABLE public.ops_source (monday_item_id bigint, order_status text)")
    db.execute("INSERT INTO public.ops_source VALUES (1001, 'In Progress'), (1002, 'Done')")
    stager = member_of("opus_stager")
    query = "SELECT monday_item_id, order_status FROM public.ops_source"

    # the caller's query runs with the caller's own privileges: a source table not granted is refused
    with pytest.raises(DbError) as exc:
        stager.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"}, query=query, board_id=BOARD)
    assert "permission denied" in exc.value.message
    assert db.scalar("SELECT count(*) FROM dbo.MON_UpdateBatch") == 0

    # the DBA grants the source table: staging, validation and release work with the role alone
    db.execute("GRANT USAGE ON SCHEMA public TO opus_stager")
    db.execute("GRANT SELECT ON public.ops_source TO opus_stager")
    batch_id = stager.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"}, query=query,
                           board_id=BOARD).outputs["batch_id"]
    assert batch_id
    for proc in ("usp_ValidateStagedUpdates", "usp_ReleaseBatch"):
        if not routine_exists(db, proc):
            pytest.skip(f"{proc} is not installed yet")
        stager.call(proc, batch_id=batch_id)
    assert batch_row(db, batch_id)["batch_status"] == "READY"

    # and the sender sends what the stager released
    if not routine_exists(db, "usp_ClaimQueueRows"):
        pytest.skip("usp_ClaimQueueRows is not installed yet")
    sender = member_of("opus_sender")
    rows = claim(sender, "ops-sender", batch_id=batch_id, lease_seconds=60)
    assert len(rows) == 2
    for row in rows:
        record(sender, row["queue_id"], "ops-sender", "SKIPPED")
    assert batch_row(db, batch_id)["batch_status"] == "COMPLETED"


def test_sender_claims_and_records_but_cannot_stage_or_cancel(db, member_of):
    for proc in ("usp_ClaimQueueRows", "usp_RecordSendResult"):
        if not routine_exists(db, proc):
            pytest.skip(f"{proc} is not installed yet: the sender's procedures cannot be checked")
    make_board(db)
    make_batch(db, "OPS-D1", 2)
    sender = member_of("opus_sender")

    rows = claim(sender, "ops-sender", batch_id="OPS-D1", max_rows=1, lease_seconds=60)
    assert len(rows) == 1
    record(sender, rows[0]["queue_id"], "ops-sender", "SENT",
           cells='[{"column_id": "notes", "old_value": "a", "new_value": "b"}]')
    assert db.scalar("SELECT queue_status FROM dbo.MON_UpdateQueue WHERE queue_id = ?",
                     (rows[0]["queue_id"],)) == "SENT"
    assert sender.query("SELECT batch_id FROM dbo.vw_MON_BatchSummary WHERE batch_id = 'OPS-D1'")
    for table in ("MON_UpdateQueue", "MON_UpdatePreview", "MON_BoardColumn", "MON_User", "MON_UpdateBatch"):
        refused(sender.query, f"SELECT * FROM dbo.{table}")  # the sender reads views only
    for view in existing_views(db):
        sender.query(f"SELECT * FROM dbo.{view}")

    for proc, params in [
        ("usp_StageUpdates", {"query": "SELECT 1 AS monday_item_id", "board_id": BOARD}),
        ("usp_ValidateStagedUpdates", {"batch_id": "OPS-D1"}),
        ("usp_ReleaseBatch", {"batch_id": "OPS-D1"}),
        ("usp_CancelBatch", {"batch_id": "OPS-D1", "reason": "no"}),
        ("usp_StageRollback", {"batch_id": "OPS-D1", "reason": "no"}),
        ("usp_PurgeRunLog", {"execute": "Y"}),
    ]:
        if routine_exists(db, proc):
            refused(sender.call, proc, **params)
    refused(sender.query, "SELECT * FROM dbo.STG_MON_CustMasterSchedule")
    refused(sender.execute, "DELETE FROM dbo.MON_UpdateQueue")
    refused(sender.execute, "INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id) VALUES ('X', 1)")
    assert batch_row(db, "OPS-D1")["batch_status"] == "SENDING"


# -- usp_PurgeRunLog -----------------------------------------------------------------------------------


def seed_run_log(db: Database) -> dict[str, int]:
    """Run-log rows of several ages; returns name -> run_id."""
    now = db_now(db)
    ages = {"ancient": 400, "old": 31, "edge_kept": 29, "recent": 1}
    ids = {}
    for name, days in ages.items():
        db.execute(
            "INSERT INTO dbo.MON_RunLog (proc_name, start_time, end_time, outcome) VALUES (?, ?, ?, 'SUCCEEDED')",
            (f"ops_{name}", now - timedelta(days=days), now - timedelta(days=days)),
        )
        ids[name] = db.scalar("SELECT max(run_id) FROM dbo.MON_RunLog WHERE proc_name = ?", (f"ops_{name}",))
    return ids


def run_log_ids(db: Database) -> set[int]:
    return {r["run_id"] for r in db.query("SELECT run_id FROM dbo.MON_RunLog")}


def test_purge_dry_run_reports_and_changes_nothing(db):
    ids = seed_run_log(db)
    before = run_log_ids(db)
    res = db.call("usp_PurgeRunLog", outputs={"purge_count": "bigint"}, retention_days=30)
    assert res.outputs["purge_count"] == 2
    after = run_log_ids(db)
    assert before <= after and len(after - before) == 1  # only the call's own run-log row was added
    own = db.query("SELECT * FROM dbo.MON_RunLog WHERE run_id = ?", (max(after),))[0]
    assert own["proc_name"] == "usp_PurgeRunLog" and own["outcome"] == "SUCCEEDED"
    assert own["rows_affected"] == 0 and "'N'" in own["parameters_used"]
    assert any("would be deleted" in m for m in res.messages)
    assert set(ids.values()) <= after


def test_purge_execute_deletes_only_rows_older_than_the_retention(db):
    ids = seed_run_log(db)
    # enough old rows for several 5,000-row chunks
    db.execute(
        "INSERT INTO dbo.MON_RunLog (proc_name, start_time, outcome) "
        "SELECT 'ops_bulk', (clock_timestamp() AT TIME ZONE 'UTC') - interval '90 days', 'FAILED' "
        "FROM generate_series(1, 11000)"
    )
    res = db.call("usp_PurgeRunLog", outputs={"purge_count": "bigint"}, retention_days=30, execute="Y")
    assert res.outputs["purge_count"] == 11002
    left = run_log_ids(db)
    assert ids["ancient"] not in left and ids["old"] not in left
    assert ids["edge_kept"] in left and ids["recent"] in left
    assert db.scalar("SELECT count(*) FROM dbo.MON_RunLog WHERE proc_name = 'ops_bulk'") == 0
    own = db.query("SELECT * FROM dbo.MON_RunLog WHERE proc_name = 'usp_PurgeRunLog' ORDER BY run_id DESC")[0]
    assert own["outcome"] == "SUCCEEDED" and own["rows_affected"] == 11002
    # a second run finds nothing more to delete
    again = db.call("usp_PurgeRunLog", outputs={"purge_count": "bigint"}, retention_days=30, execute="Y")
    assert again.outputs["purge_count"] == 0


def test_purge_refuses_bad_parameters_and_deletes_nothing(db):
    seed_run_log(db)
    before = run_log_ids(db)
    e1 = expect_error(50900, db.call, "usp_PurgeRunLog", retention_days=0, execute="Y")
    assert "retention_days" in e1.message and "Nothing was deleted" in e1.message
    expect_error(50900, db.call, "usp_PurgeRunLog", retention_days=None, execute="Y")
    e2 = expect_error(50901, db.call, "usp_PurgeRunLog", retention_days=30, execute="X")
    assert "'Y'" in e2.message
    assert run_log_ids(db) == before


def test_purge_help_prints_and_does_nothing(db):
    seed_run_log(db)
    before = run_log_ids(db)
    res = db.call("usp_PurgeRunLog", help="Y", retention_days=1, execute="Y")
    text = "\n".join(res.messages)
    assert "retention_days" in text and "Examples" in text
    assert run_log_ids(db) == before


# -- uninstall -----------------------------------------------------------------------------------------


def uninstall_script(*, print_only: str = "Y", drop_update_columns: str = "N", drop_audit: str = "N") -> str:
    text = PG_UNINSTALL.read_text(encoding="utf-8")
    for var, value in (("v_print_only", print_only), ("v_drop_update_columns", drop_update_columns),
                       ("v_drop_audit", drop_audit)):
        default = f"{var} char(1) := '{'Y' if var == 'v_print_only' else 'N'}';"
        assert default in text, f"configuration line {default!r} not found in {PG_UNINSTALL}"
        text = text.replace(default, f"{var} char(1) := '{value}';")
    return text


def object_snapshot(db: Database) -> dict:
    objects = db.query(
        "SELECT c.relname AS name, c.relkind::text AS kind, coalesce(c.relacl::text, '') AS acl FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'dbo' "
        "UNION ALL SELECT p.proname, p.prokind::text, coalesce(p.proacl::text, '') FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'dbo' ORDER BY 1, 2"
    )
    cols = db.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'dbo' "
                    "ORDER BY 1, 2")
    rows = {t: db.query(f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM dbo.{t} x")
            for t in ("STG_MON_CustMasterSchedule", "STG_MON_CustMasterSchedule_Subitems", "MON_RunLog")}
    roles = db.query("SELECT rolname FROM pg_roles WHERE rolname IN (?, ?, ?) ORDER BY 1", ROLES)
    return {"objects": objects, "cols": cols, "rows": rows, "roles": roles}


def seed_staging(db: Database) -> None:
    db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, order_status) "
               "VALUES (101, 8709134353, 'Loaded A', 'Done'), (102, 8709134353, 'Loaded B', NULL)")
    db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, "
               "update_batch_id, update_row_no, update_operation, update_fields, validation_status) "
               "VALUES (101, 8709134353, 'Loaded A', 'UB-OPS', 1, 'UPDATE', '{\"order_status\": \"x\"}', 'VALID')")
    db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule_Subitems (monday_item_id, monday_board_id, item_name, "
               "parent_item_id) VALUES (201, 8709134354, 'Sub A', 101)")


def seed_audit(db: Database) -> list[dict]:
    """Audit rows of a batch sent earlier: the owner's history, which the uninstall keeps by default."""
    db.execute("INSERT INTO dbo.MON_UpdateAudit (batch_id, update_operation, monday_item_id, monday_board_id, "
               "column_id, old_value, new_value) VALUES ('UB-SENT', 'UPDATE', 101, 8709134353, 'status', "
               "'{\"index\":0}', '{\"index\":1}'), ('UB-SENT', 'UPDATE', 102, 8709134353, 'text', NULL, '\"x\"')")
    return audit_rows(db)


def audit_rows(db: Database) -> list[dict]:
    return db.query("SELECT audit_id, batch_id, monday_item_id, column_id, old_value, new_value, update_timestamp "
                    "FROM dbo.MON_UpdateAudit ORDER BY audit_id")


def loader_rows(db: Database) -> list[dict]:
    return db.query("SELECT monday_item_id, item_name, order_status FROM dbo.STG_MON_CustMasterSchedule "
                    "ORDER BY monday_item_id, item_name, order_status")


def project_leftovers(db: Database) -> list[str]:
    rows = db.query(
        "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'dbo' AND c.relkind IN ('r', 'v', 'm', 'p') AND c.relname NOT LIKE 'stg\\_mon\\_%' "
        "UNION ALL SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'dbo'"
    )
    return sorted(r["name"] for r in rows)


def test_uninstall_prints_by_default_and_changes_nothing(db):
    seed_staging(db)
    audit = seed_audit(db)
    before = object_snapshot(db)
    res = db.execute(uninstall_script())
    text = "\n".join(res.messages)
    assert "PRINT ONLY" in text
    assert "DROP TABLE dbo.mon_updatequeue;" in text
    assert "DROP PROCEDURE dbo.usp_purgerunlog(" in text
    assert "mon_updateaudit" not in text.lower().replace("kept: dbo.mon_updateaudit", "")
    assert "kept: dbo.MON_UpdateAudit with its 2 rows" in text
    assert audit_rows(db) == audit
    assert "stg_mon_custmasterschedule" not in text.lower().replace("stg_mon_custmasterschedule_subitems", "")
    assert object_snapshot(db) == before


def test_uninstall_execute_removes_the_project_and_keeps_the_audit_and_the_loader_rows(db):
    seed_staging(db)
    audit = seed_audit(db)
    loaded = loader_rows(db)
    subitems = db.query("SELECT * FROM dbo.STG_MON_CustMasterSchedule_Subitems")
    res = db.execute(uninstall_script(print_only="N"))
    assert "uninstalled" in "\n".join(res.messages)
    assert "kept: dbo.MON_UpdateAudit with its 2 rows" in "\n".join(res.messages)

    # the owner's history stays, every row of it; nothing else of the project does
    assert project_leftovers(db) == ["mon_updateaudit"], "objects the uninstall left behind (add them to its lists)"
    assert audit_rows(db) == audit
    assert loader_rows(db) == loaded  # every row kept, the staged row included
    assert db.query("SELECT * FROM dbo.STG_MON_CustMasterSchedule_Subitems") == subitems
    cols = {r["column_name"] for r in db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'stg_mon_custmasterschedule'")}
    assert {"update_batch_id", "update_fields", "validation_status"} <= cols
    # the roles hold nothing in this database any more (they may live on for other databases of the cluster)
    for role in db.query("SELECT rolname FROM pg_roles WHERE rolname IN (?, ?, ?)", ROLES):
        name = role["rolname"]
        assert not db.scalar("SELECT has_schema_privilege(?, 'dbo', 'USAGE')", (name,))
        assert not db.scalar("SELECT has_table_privilege(?, 'dbo.stg_mon_custmasterschedule', 'SELECT')", (name,))
    # and the product installs again on top of what is left, with the history in its views
    install(db)
    assert loader_rows(db) == loaded
    assert audit_rows(db) == audit
    assert db.scalar("SELECT count(*) FROM dbo.vw_MON_AuditTrail WHERE batch_id = 'UB-SENT'") == 2


def test_uninstall_drops_the_audit_only_when_asked(db):
    seed_audit(db)
    text = "\n".join(db.execute(uninstall_script(print_only="Y", drop_audit="Y")).messages)
    assert "DROP TABLE dbo.mon_updateaudit;" in text
    assert "kept: dbo.MON_UpdateAudit" not in text
    db.execute(uninstall_script(print_only="N", drop_audit="Y"))
    assert project_leftovers(db) == []


def test_uninstall_of_a_partly_removed_install_names_only_what_exists(db):
    # a DBA dropped some objects by hand (or an earlier uninstall was interrupted): no error, nothing missing
    seed_audit(db)
    db.execute("DROP VIEW dbo.vw_MON_AuditTrail")
    db.execute("DROP VIEW dbo.vw_MON_UpdatePreview")
    db.execute("DROP TABLE dbo.MON_UpdatePreview")
    db.execute("DROP TABLE dbo.MON_ColumnMap")
    db.execute("DROP PROCEDURE dbo.usp_CancelBatch")
    res = db.execute(uninstall_script())
    text = "\n".join(res.messages)
    for gone in ("vw_mon_audittrail", "vw_mon_updatepreview", "mon_updatepreview", "mon_columnmap",
                 "usp_cancelbatch"):
        assert gone not in text.lower(), f"{gone} does not exist but the uninstall names it"
    db.execute(uninstall_script(print_only="N"))
    assert project_leftovers(db) == ["mon_updateaudit"]
    # a second run finds nothing more to drop and fails on nothing
    again = "\n".join(db.execute(uninstall_script(print_only="N")).messages)
    assert "DROP TABLE" not in again and "DROP PROCEDURE" not in again


def test_uninstall_drops_update_columns_only_when_asked(db):
    seed_staging(db)
    db.execute(uninstall_script(print_only="N", drop_update_columns="Y", drop_audit="Y"))
    cols = {r["column_name"] for r in db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'stg_mon_custmasterschedule'")}
    assert not cols & {"update_operation", "update_fields", "source_table", "source_query", "update_batch_id",
                       "validation_status", "validation_errors", "update_row_no"}
    assert {"monday_item_id", "item_name", "order_status"} <= cols
    # the loader's rows stay; the project's staged row (it had a batch id) is gone
    assert loader_rows(db) == [
        {"monday_item_id": 101, "item_name": "Loaded A", "order_status": "Done"},
        {"monday_item_id": 102, "item_name": "Loaded B", "order_status": None},
    ]
    assert db.scalar("SELECT count(*) FROM dbo.STG_MON_CustMasterSchedule_Subitems") == 1


def test_uninstall_refuses_a_bad_configuration(db):
    before = object_snapshot(db)
    expect_error(50920, db.execute, uninstall_script(print_only="X"))
    expect_error(50920, db.execute, uninstall_script(drop_audit="X"))
    assert object_snapshot(db) == before


# -- static checks of the scripts (both engines' uninstall lists, the T-SQL ops scripts) ----------------


def _names_in(text: str) -> set[str]:
    return {m.lower() for m in re.findall(r"\b(?:vw_MON_\w+|usp_\w+|fn_MON_\w+|MON_\w+)\b", text, re.I)}


def test_uninstall_covers_every_object_of_the_sources():
    # every table, view, procedure and function is dropped by name (never by a naming pattern: the database is
    # shared); the T-SQL files that exist (a twin still being written is reported by the manifest check)
    cat = tsql_catalog([p for p in (DB_ROOT / rel for rel in manifest()) if p.is_file()])
    assert cat["table"], "the T-SQL catalog is empty: the catalog reader is broken"
    listed = {name for kind in ("table", "procedure", "view", "function") for name in cat[kind]
              if not name.startswith(("stg_mon_", "#", "@")) and name.startswith(("mon_", "usp_", "vw_", "fn_"))}
    for script in (TSQL_UNINSTALL, PG_UNINSTALL):
        missing = listed - _names_in(script.read_text(encoding="utf-8"))
        assert not missing, f"{script.relative_to(DB_ROOT)} does not drop: {sorted(missing)}"
    # and the PostgreSQL one names every routine of its sources, the work routines of the shells included
    pg_routines = pg_source_routines()
    assert pg_routines and pg_routines <= uninstall_lists(PG_UNINSTALL.read_text(encoding="utf-8"))


def pg_source_routines() -> set[str]:
    """Every routine the PostgreSQL sources create (the work routines of the shells included)."""
    return {m.lower() for p in (DB_ROOT / "postgres").rglob("*.sql") if "ops" not in p.parts and "upgrades" not in p.parts
            for m in re.findall(r"CREATE (?:OR REPLACE )?(?:FUNCTION|PROCEDURE) dbo\.(\w+)", p.read_text(), re.I)}


def test_uninstall_drops_nothing_by_a_naming_pattern():
    for script in (TSQL_UNINSTALL, PG_UNINSTALL):
        code = strip_code(script.read_text(encoding="utf-8"))
        drops = code[:code.index("look like the project") if "look like the project" in code else len(code)]
        assert not re.search(r"LIKE\s+N?''(?:vw|fn|usp)", drops, re.I), script.name


def uninstall_lists(text: str) -> set[str]:
    """The objects an uninstall script drops by name (T-SQL VALUES rows, PostgreSQL arrays v_routines, v_views
    and v_tables)."""
    names = {m.lower() for m in re.findall(r"\(N'(\w+)',\s*'(?:PROCEDURE|TABLE|VIEW|FUNCTION)'\)", text)}
    for array in re.findall(r"v_(?:routines|tables|views) text\[\] := ARRAY\[(.*?)\];", text, re.S):
        names |= {m.lower() for m in re.findall(r"'(\w+)'", array)}
    return names


def test_uninstall_names_only_objects_the_project_creates():
    cat = tsql_catalog([p for p in (DB_ROOT / rel for rel in manifest()) if p.is_file()])
    tsql_made = {name for kind in ("table", "procedure", "view", "function") for name in cat[kind]}
    for script, made in ((TSQL_UNINSTALL, tsql_made), (PG_UNINSTALL, tsql_made | pg_source_routines())):
        listed = uninstall_lists(script.read_text(encoding="utf-8"))
        assert len(listed) > 20, f"{script.name}: the lists were not found"
        assert sorted(listed - made) == [], f"{script.relative_to(DB_ROOT)} names objects the project never creates"


def test_a_name_the_project_does_not_create_is_caught():
    text = TSQL_UNINSTALL.read_text(encoding="utf-8").replace("(N'MON_User', 'TABLE'),",
                                                             "(N'MON_User', 'TABLE'),\n(N'MON_Team', 'TABLE'),")
    assert "mon_team" in uninstall_lists(text)
    cat = tsql_catalog([p for p in (DB_ROOT / rel for rel in manifest()) if p.is_file()])
    assert "mon_team" not in cat["table"]


def test_uninstall_scripts_print_by_default():
    tsql = TSQL_UNINSTALL.read_text(encoding="utf-8")
    assert re.search(r"DECLARE @print_only char\(1\) = 'Y';", tsql)
    assert re.search(r"DECLARE @drop_update_columns char\(1\) = 'N';", tsql)
    assert re.search(r"DECLARE @drop_audit char\(1\) = 'N';", tsql)
    code = strip_code(tsql)
    # statements run only after the print-only branch has returned, inside one transaction (the count of
    # the audit rows kept, read before, changes nothing)
    assert code.index("RETURN;") < code.index("BEGIN TRANSACTION") < code.index("sp_executesql @statement")
    assert code.count("sp_executesql @statement") == 1
    pg = PG_UNINSTALL.read_text(encoding="utf-8")
    assert "v_print_only char(1) := 'Y';" in pg and "v_drop_update_columns char(1) := 'N';" in pg
    assert "v_drop_audit char(1) := 'N';" in pg


def test_agent_job_script_is_safe():
    text = TSQL_JOBS.read_text(encoding="utf-8")
    code = strip_code(text)
    # Ola style: no schedules, idempotent (existence checked against msdb.dbo.sysjobs), CmdExec step
    assert "sp_add_jobschedule" not in code.lower()
    assert "msdb.dbo.sysjobs" in code
    for proc in ("sp_add_job", "sp_add_jobstep", "sp_add_jobserver", "sp_delete_job"):
        assert re.search(rf"EXEC(UTE)?\s+msdb\.dbo\.{proc}\b", code, re.I), proc
    assert "N'CmdExec'" in text and "N'TSQL'" in text
    assert "send" in text and "--execute" in text and "usp_PurgeRunLog" in text
    # never a password or a token in the job: the command is built from the path, the config file and the flag
    command = re.search(r"SET @send_command = CONCAT\((.*?)\n\);", text, re.S).group(1)
    assert set(re.findall(r"@\w+", command)) == {"@sender_path", "@config_file", "@send_u"}
    assert not re.search(r"PWD\s*=|PASSWORD\s*=|MONDAY_API_TOKEN\s*=", code, re.I)
    # the configuration block sits at the top, before any statement that changes something
    assert code.index("@database_name") < code.index("msdb.dbo.sp_add_job")


def agent_proxy_problems(text: str) -> list[str]:
    """What the SQL Agent job script must do with its proxy (no Agent here: read from the script)."""
    code = strip_code(text)
    problems = []
    if not re.search(r"DECLARE @proxy_name sysname = NULL;", text):
        problems.append("@proxy_name is not in the configuration block with default NULL")
    rows = re.findall(r"N'(CmdExec|TSQL)', @\w+, (?:NULL|@database_name), N'\w+', (@proxy_name|NULL)\s*\)", text)
    if sorted(rows) != [("CmdExec", "@proxy_name"), ("TSQL", "NULL")]:
        problems.append(f"the proxy must run the CmdExec step only, found {rows}")
    if not re.search(r"sp_add_jobstep\b.*?@proxy_name = @step_proxy", code, re.S):
        problems.append("sp_add_jobstep is not given the step's proxy")
    if not re.search(r"msdb\.dbo\.sysproxysubsystem.*?msdb\.dbo\.syssubsystems.*?ss\.subsystem = ''", code, re.S) \
            or "N'CmdExec';" not in text:
        problems.append("the proxy is not checked against the CmdExec subsystem")
    if "IS_SRVROLEMEMBER(''" not in code or "msdb.dbo.sysproxylogin" not in code:
        problems.append("a job owner that cannot use CmdExec (not sysadmin, proxy not granted) is not refused")
    tran = code.index("BEGIN TRANSACTION")
    add_job = re.search(r"msdb\.dbo\.sp_add_job\s", code)
    if not (add_job and tran < code.index("msdb.dbo.sp_delete_job") < add_job.start()):
        problems.append("a recreated job is deleted outside the transaction that creates it again")
    return problems


def test_agent_job_script_takes_a_proxy_for_the_cmdexec_step():
    assert agent_proxy_problems(TSQL_JOBS.read_text(encoding="utf-8")) == []


def test_agent_job_script_without_its_proxy_checks_is_caught():
    text = TSQL_JOBS.read_text(encoding="utf-8")
    assert agent_proxy_problems(text.replace("@proxy_name = @step_proxy", "@proxy_name = NULL"))
    assert agent_proxy_problems(text.replace("N'OPUS_SendUpdates', @proxy_name", "N'OPUS_SendUpdates', NULL"))
    assert agent_proxy_problems(text.replace("msdb.dbo.sysproxysubsystem", "msdb.dbo.sysproxies"))
    assert agent_proxy_problems(text.replace("IS_SRVROLEMEMBER", "IS_MEMBER"))


def test_role_grants_are_the_same_in_both_engines():
    tsql = TSQL_ROLES_SQL.read_text(encoding="utf-8")
    pg = PG_ROLES_SQL.read_text(encoding="utf-8")
    pattern = r"\('(opus_\w+)',\s*'(EXECUTE|SELECT)',\s*N?'((?:usp|vw)_\w+)'"
    t = {(r, p, o.lower()) for r, p, o in re.findall(pattern, tsql)}
    # PostgreSQL only: the work routine of a committing procedure's shell is granted with the procedure, and the
    # helper every shell calls first (a SECURITY INVOKER shell runs it as the caller)
    g = {(r, p, re.sub(r"^usp_private_(\w+)_work$", r"usp_\1", o.lower())) for r, p, o in re.findall(pattern, pg)
         if o.lower() != "usp_private_refuseopentransaction"}
    assert t and t == g
    assert not any(o == "usp_purgerunlog" for _, _, o in t), "retention is for the job owner, not a role"

