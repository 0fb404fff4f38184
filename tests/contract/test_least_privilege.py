"""Least privilege, proven on the real PostgreSQL server with real logins (one LOGIN role per job, created
and dropped by the test, connecting with its own connection):

- each role does its whole job end to end: a stager stages and releases (from a source table the DBA
  granted it), a sender syncs the board, previews, claims, sends to the monday API double and records, a
  reader reads every view;
- every attempt outside a role's job is refused with a permission error and changes nothing (each
  attempt compares every project table before and after);
- the caller's query still reads only what the caller may read, although the staging work runs as the
  routines' owner;
- the catalog holds what roles.sql promises: procedures SECURITY DEFINER with a pinned search_path, owned
  by a role nobody logs in as, functions executable by that owner only, no table privilege for any role.

The release check (a batch is released only with exactly the rows it staged and validated) is engine
neutral and runs on SQL Server too.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest

from sender.db import MSSQL, Database, DbError
from sender.operations import UpdateOperations
from sender.privileges import missing_rights
from tests.contract.helpers import ITEM_ID, load_item_rows, load_planning_board, stage
from tests.contract.queue_helpers import BOARD, batch_row, expect_error, make_batch, make_board
from tests.sender.conftest import PLANNING, TOKEN, load_loader_rows, make_config

VIEWS = ("vw_MON_BatchSummary", "vw_MON_ValidationErrors", "vw_MON_UpdatePreview", "vw_MON_AuditTrail",
         "vw_MON_StuckOrFailedRows", "vw_MON_SendQueue", "vw_MON_BoardLabels", "vw_MON_UserNames",
         "vw_MON_PreImage", "vw_MON_HeldBackCells")
# the SECURITY INVOKER routines: the shells of the public procedures that commit (a SECURITY DEFINER
# procedure cannot), usp_StageUpdates (it runs the caller's query) and retention (the tables' owner runs it)
INVOKER = {"usp_stageupdates", "usp_validatestagedupdates", "usp_releasebatch", "usp_cancelbatch",
           "usp_stagerollback", "usp_upsertboardmetadata", "usp_extendlease", "usp_releaselease",
           "usp_recordcreateditem", "usp_recordsendresult", "usp_recordpreview", "usp_recordpreimage", "usp_approvebatch", "usp_purgerunlog",
           "usp_private_refuseopentransaction"}


# logins, SET ROLE and grants are PostgreSQL's here; SQL Server's roles are checked statically and by tSQLt
pytestmark = pytest.mark.postgres_only


def postgres_only(db: Database) -> None:
    if db.dialect == MSSQL:
        pytest.skip("PostgreSQL logins; SQL Server's roles are checked statically and by tSQLt")


@pytest.fixture
def login(db, fresh_dsn):
    """login('opus_stager') -> (name, a connection of a new LOGIN role that is a member of that role only)."""
    postgres_only(db)
    made: list[tuple[str, Database]] = []

    def make(role: str) -> tuple[str, Database]:
        name = f"opus_lp_{role[5:]}_{uuid.uuid4().hex[:8]}"
        db.execute(f'CREATE ROLE "{name}" LOGIN IN ROLE "{role}"')
        conn = Database(fresh_dsn.replace("UID=postgres;", f"UID={name};")).connect()
        assert conn.scalar("SELECT session_user") == name
        made.append((name, conn))
        return name, conn

    yield make
    for name, conn in made:
        conn.close()
        db.execute(f'DROP OWNED BY "{name}"')
        db.execute(f'DROP ROLE IF EXISTS "{name}"')


def tables_state(db: Database) -> dict[str, str]:
    """A digest of every row of every project table (a refused attempt must leave each one unchanged)."""
    names = [r["table_name"] for r in db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dbo' AND table_type = 'BASE TABLE' "
        "ORDER BY table_name")]
    return {n: db.scalar(f'SELECT md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) FROM dbo."{n}" t')
            for n in names}


def assert_refused(db: Database, conn: Database, sql: str) -> None:
    before = tables_state(db)
    with pytest.raises(DbError) as exc:
        conn.execute(sql)
    assert exc.value.sqlstate == "42501" and "permission denied" in exc.value.message, exc.value
    assert tables_state(db) == before, f"a refused attempt changed a table: {sql}"


@pytest.fixture
def scene(db):
    """A synced board, loader rows, a VALIDATED batch staged by the procedures and a READY batch."""
    postgres_only(db)
    load_planning_board(db, items=True)
    load_item_rows(db)
    staged = stage(db, f"SELECT monday_item_id, 'Done' AS order_status FROM dbo.STG_MON_CustMasterSchedule "
                       f"WHERE monday_item_id = {ITEM_ID} AND update_batch_id IS NULL").outputs["batch_id"]
    assert batch_row(db, staged)["batch_status"] == "VALIDATED"
    make_batch(db, "LP-READY", 2, board_id=BOARD)
    db.call("usp_RecordPreview", batch_id="LP-READY", queue_id=db.scalar(
        "SELECT min(queue_id) FROM dbo.MON_UpdateQueue WHERE batch_id = 'LP-READY'"),
        cells=json.dumps([{"column_id": "status", "current_value": None, "new_value": '{"index": 1}'}]))
    return {"validated": staged, "ready": "LP-READY", "queue_id": db.scalar(
        "SELECT min(queue_id) FROM dbo.MON_UpdateQueue WHERE batch_id = 'LP-READY'")}


def _valid_row(table: str, batch: str) -> str:
    parent = ", parent_item_id" if table.endswith("Subitems") else ""
    return (f"INSERT INTO dbo.{table} (monday_item_id, monday_board_id{parent}, update_operation, update_fields, "
            f"update_batch_id, validation_status, update_row_no) VALUES (999, {BOARD}{', 1' if parent else ''}, "
            f"'UPDATE', '{{\"order_status\": \"Done\"}}', '{batch}', 'VALID', 2)")


OUTSIDE = {
    "opus_stager": [
        # the hole of issue 13: unvalidated rows into another user's validated batch
        lambda s: _valid_row("STG_MON_CustMasterSchedule", s["validated"]),
        lambda s: _valid_row("STG_MON_CustMasterSchedule_Subitems", s["validated"]),
        lambda s: f"UPDATE dbo.STG_MON_CustMasterSchedule SET validation_status = 'VALID' "
                  f"WHERE update_batch_id = '{s['validated']}'",
        lambda s: f"UPDATE dbo.MON_UpdateQueue SET queue_status = 'READY', attempt_count = 0 WHERE queue_id = {s['queue_id']}",
        lambda s: "DELETE FROM dbo.MON_UpdateQueue",
        lambda s: "UPDATE dbo.MON_UpdateAudit SET rollback_reason = 'forged'",
        lambda s: f"INSERT INTO dbo.MON_UpdateAudit (batch_id, update_operation, monday_item_id, monday_board_id, "
                  f"column_id, old_value, new_value) VALUES ('{s['ready']}', 'UPDATE', 1, {BOARD}, 'status', 'a', 'b')",
        lambda s: "SELECT email FROM dbo.MON_User",
        lambda s: "SELECT * FROM dbo.MON_UpdateBatch",
        lambda s: "UPDATE dbo.MON_UpdateBatch SET batch_status = 'READY'",
        # the sender's procedures, retention, and the procedures' internals
        lambda s: "SELECT * FROM dbo.usp_ClaimQueueRows(p_worker_id => 'stager')",
        lambda s: f"CALL dbo.usp_RecordSendResult(p_queue_id => {s['queue_id']}, p_worker_id => 'x', p_outcome => 'SENT')",
        lambda s: "CALL dbo.usp_PurgeRunLog(p_retention_days => 0, p_execute => 'Y')",
        lambda s: "CALL dbo.usp_Private_OpenRunLog(p_proc_name => 'forged')",
        lambda s: f"CALL dbo.usp_Private_ValidateBatch(p_batch_id => '{s['validated']}')",
        lambda s: f"SELECT * FROM dbo.fn_MON_StagedCells('{s['validated']}')",
        lambda s: "SELECT dbo.fn_MON_Private_NormalizeNumber('1.50')",
        lambda s: f"CALL dbo.usp_Private_RecordSendResult_Work(p_shell_error_state => NULL, "
                  f"p_shell_error_message => NULL, p_queue_id => {s['queue_id']}, p_worker_id => 'x', p_outcome => 'SENT')",
    ],
    "opus_sender": [
        lambda s: "CALL dbo.usp_StageUpdates(p_query => 'SELECT 1 AS monday_item_id', p_board_id => 8709134353)",
        lambda s: f"CALL dbo.usp_ReleaseBatch(p_batch_id => '{s['validated']}')",
        lambda s: f"CALL dbo.usp_Private_ReleaseBatch_Work(p_shell_error_state => NULL, p_shell_error_message => NULL, "
                  f"p_shell_phase => 'start', p_shell_run_id => NULL, p_batch_id => '{s['validated']}')",
        lambda s: f"CALL dbo.usp_CancelBatch(p_batch_id => '{s['ready']}')",
        lambda s: f"UPDATE dbo.MON_UpdateQueue SET queue_status = 'SENT' WHERE queue_id = {s['queue_id']}",
        lambda s: f"INSERT INTO dbo.MON_UpdateAudit (batch_id, update_operation, monday_item_id, monday_board_id, "
                  f"column_id, old_value, new_value) VALUES ('{s['ready']}', 'UPDATE', 1, {BOARD}, 'status', 'a', 'b')",
        lambda s: _valid_row("STG_MON_CustMasterSchedule", s["validated"]),
        lambda s: "SELECT email FROM dbo.MON_User",
        lambda s: f"CALL dbo.usp_Private_FinishBatchIfDone(p_batch_id => '{s['ready']}')",
        lambda s: "CALL dbo.usp_Private_CloseRunLog(p_run_id => 1, p_outcome => 'SUCCEEDED')",
    ],
    "opus_reader": [
        lambda s: f"CALL dbo.usp_CancelBatch(p_batch_id => '{s['ready']}')",
        lambda s: f"CALL dbo.usp_ReleaseBatch(p_batch_id => '{s['validated']}')",
        lambda s: "CALL dbo.usp_StageUpdates(p_query => 'SELECT 1 AS monday_item_id', p_board_id => 8709134353)",
        lambda s: f"CALL dbo.usp_ValidateStagedUpdates(p_batch_id => '{s['validated']}')",
        lambda s: f"CALL dbo.usp_StageRollback(p_batch_id => '{s['ready']}', p_reason => 'x')",
        lambda s: "SELECT * FROM dbo.usp_ClaimQueueRows(p_worker_id => 'reader')",
        lambda s: f"CALL dbo.usp_RecordPreview(p_batch_id => '{s['ready']}', p_queue_id => {s['queue_id']}, p_cells => '[]')",
        lambda s: f"CALL dbo.usp_ExtendLease(p_worker_id => 'x', p_queue_ids => '[{s['queue_id']}]')",
        lambda s: "CALL dbo.usp_UpsertBoardMetadata(p_board_json => '{}')",
        lambda s: f"CALL dbo.usp_Private_CancelBatch_Work(p_shell_error_state => NULL, p_shell_error_message => NULL, "
                  f"p_shell_phase => 'start', p_shell_run_id => NULL, p_shell_rows => NULL, p_shell_last_id => NULL, p_batch_id => '{s['ready']}')",
        lambda s: "SELECT * FROM dbo.MON_UpdateQueue",
        lambda s: "SELECT dbo.fn_MON_FormatColumnValue('text', 'x', NULL)",
    ],
}


@pytest.mark.parametrize("role", list(OUTSIDE))
def test_every_attempt_outside_the_job_is_refused_and_changes_nothing(db, scene, login, role):
    _, conn = login(role)
    attempts = [make(scene) for make in OUTSIDE[role]]
    for sql in attempts:
        assert_refused(db, conn, sql)
    # the batches stand as they were
    assert batch_row(db, scene["validated"])["batch_status"] == "VALIDATED"
    assert batch_row(db, scene["ready"])["batch_status"] == "READY"


def test_at_least_twenty_refused_attempts_are_checked():
    assert sum(len(v) for v in OUTSIDE.values()) >= 20


def test_stager_stages_and_releases_sender_sends_reader_reads(db, login, monday_double_factory):
    postgres_only(db)
    double = monday_double_factory(token=TOKEN)
    stager_name, stager = login("opus_stager")
    sender_name, sender = login("opus_sender")
    _, reader = login("opus_reader")
    sender_cfg = make_config(sender.dsn, double)
    ops = UpdateOperations(PLANNING, config=sender_cfg)
    assert ops.sync_board().board_name == "Planning"  # the sender syncs the board
    load_loader_rows(db, double)  # the owner's loader
    item = double.planning["item_ids"][0]
    query = (f"SELECT monday_item_id, 'In Progress' AS order_status FROM dbo.STG_MON_CustMasterSchedule "
             f"WHERE monday_board_id = {PLANNING} AND monday_item_id = {item} AND update_batch_id IS NULL")

    # the loader's table is a source table like any other: the DBA grants it to the planner
    with pytest.raises(DbError) as exc:
        stage(stager, query, board_id=PLANNING)
    assert exc.value.number == 50204 and "permission denied" in exc.value.message
    db.execute(f'GRANT SELECT ON dbo.STG_MON_CustMasterSchedule TO "{stager_name}"')
    res = stage(stager, query, board_id=PLANNING)
    batch_id = res.outputs["batch_id"]
    assert (res.outputs["rows_staged"], res.outputs["rows_valid"]) == (1, 1)
    stager.call("usp_ReleaseBatch", batch_id=batch_id)
    assert batch_row(db, batch_id)["batch_status"] == "READY"
    assert missing_rights(stager, "stage") == [] and missing_rights(sender, "send") == []

    # dry run, then the real send: claim, read the board, mutate, record (views and procedures only)
    preview = ops.process_staged_updates(batch_id, release=False)
    assert preview.dry_run and len(double.mutation_log) == 0
    assert "Working on it -> In Progress" in preview.report, preview.report
    sent = ops.process_staged_updates(batch_id, dry_run=False, release=False)
    assert sent.batch_status == "COMPLETED", sent.report
    assert double.item(item)["texts"]["status"] == "In Progress"
    audit = db.query("SELECT column_id, new_value FROM dbo.MON_UpdateAudit WHERE batch_id = ?", [batch_id])
    assert len(audit) == 1
    runs = db.query("SELECT DISTINCT caller_login FROM dbo.MON_RunLog WHERE batch_id = ?", [batch_id])
    assert {r["caller_login"] for r in runs} <= {stager_name, sender_name}  # the logins, not the owner

    # the reader reads every view, and sees the batch
    for view in VIEWS:
        reader.query(f"SELECT * FROM dbo.{view}")
    assert reader.query("SELECT batch_status FROM dbo.vw_MON_BatchSummary WHERE batch_id = ?", [batch_id]) == [
        {"batch_status": "COMPLETED"}]
    assert missing_rights(reader, "read") == []
    lacks = missing_rights(reader, "send")
    assert "EXECUTE dbo.usp_ClaimQueueRows" in lacks and "EXECUTE dbo.usp_Private_RecordSendResult_Work" in lacks
    assert not any("vw_MON" in x for x in lacks)  # the reader may read every view the sender reads


def test_the_query_reads_only_what_the_caller_may_read(db, login):
    postgres_only(db)
    make_board(db)
    db.execute("CREATE TABLE public.lp_secret (monday_item_id bigint, order_status text)")
    db.execute("INSERT INTO public.lp_secret VALUES (1001, 'Done')")
    _, stager = login("opus_stager")
    for query in ("SELECT monday_item_id, order_status FROM public.lp_secret",
                  # the staging work runs as the routines' owner, who may read this table: the query may not
                  "SELECT user_id AS monday_item_id, email AS order_status FROM dbo.MON_User",
                  "SELECT monday_item_id, update_fields AS order_status FROM dbo.STG_MON_CustMasterSchedule"):
        before = tables_state(db)
        with pytest.raises(DbError) as exc:
            stage(stager, query, board_id=BOARD)
        assert exc.value.number == 50204 and "permission denied" in exc.value.message, exc.value
        after = tables_state(db)
        assert {k: v for k, v in after.items() if k != "mon_runlog"} == {
            k: v for k, v in before.items() if k != "mon_runlog"}  # only the FAILED run-log row is new
    failed = db.query("SELECT outcome, error_number FROM dbo.MON_RunLog WHERE proc_name = 'usp_StageUpdates'")
    assert failed == [{"outcome": "FAILED", "error_number": 50204}] * 3


def test_routines_run_as_an_owner_nobody_logs_in_as_and_roles_hold_no_table_privilege(db):
    postgres_only(db)
    routines = db.query(
        "SELECT p.proname, p.prosecdef, coalesce(array_to_string(p.proconfig, ','), '') AS config, "
        "pg_get_userbyid(p.proowner) AS owner, p.proacl::text AS acl FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'dbo'")
    assert len(routines) > 30
    for r in routines:
        assert r["owner"] == "opus_owner", r
        if r["proname"].startswith("fn_mon_"):
            # the functions compute for the routines that call them, as their owner, with their pinned
            # search_path; nobody else may execute them (and as SECURITY INVOKER they stay inlinable and cheap)
            assert not r["prosecdef"] and r["acl"] == "{opus_owner=X/opus_owner}", r
        elif r["proname"] in INVOKER:
            assert not r["prosecdef"], r
        else:
            assert r["prosecdef"] and "search_path=dbo, pg_temp" in r["config"], r
    # each shell has its work routine, and the shells touch no table (they only CALL, COMMIT and capture)
    names = {r["proname"] for r in routines}
    for shell in INVOKER - {"usp_purgerunlog", "usp_private_refuseopentransaction"}:
        assert f"usp_private_{shell[4:]}_work" in names, shell
    owner = db.query("SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'opus_owner'")
    assert owner == [{"rolcanlogin": False, "rolsuper": False}]
    views = db.query("SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c "
                     "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'dbo' AND c.relkind = 'v'")
    assert {v["relname"] for v in views} == {v.lower() for v in VIEWS}
    assert all(v["owner"] == "opus_owner" for v in views)
    granted = db.query(
        "SELECT c.relname, r.rolname, "
        "has_table_privilege(r.rolname, c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER') AS any "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN pg_roles r WHERE n.nspname = 'dbo' AND c.relkind IN ('r', 'p') "
        "AND r.rolname IN ('opus_stager', 'opus_sender', 'opus_reader')")
    assert granted and not [g for g in granted if g["any"]]


def test_release_refuses_rows_added_to_a_validated_batch(db):
    # the owner (or anyone who can still write the staging table) adds a VALID row: never released
    load_planning_board(db, items=True)
    load_item_rows(db)
    batch_id = stage(db, f"SELECT monday_item_id, 'Done' AS order_status FROM dbo.STG_MON_CustMasterSchedule "
                         f"WHERE monday_item_id = {ITEM_ID} AND update_batch_id IS NULL").outputs["batch_id"]
    db.execute(_valid_row("STG_MON_CustMasterSchedule", batch_id))
    err = expect_error(50411, db.call, "usp_ReleaseBatch", batch_id=batch_id)
    assert "2 rows" in err.message and "outside dbo.usp_StageUpdates" in err.message
    assert db.scalar("SELECT count(*) FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [batch_id]) == 0
    assert batch_row(db, batch_id)["batch_status"] == "VALIDATED"


def test_release_refuses_a_status_changed_after_validation(db):
    load_planning_board(db, items=True)
    load_item_rows(db)
    batch_id = stage(db, "SELECT monday_item_id, 'No such label' AS order_status FROM dbo.STG_MON_CustMasterSchedule "
                         "WHERE update_batch_id IS NULL ORDER BY monday_item_id").outputs["batch_id"]
    assert batch_row(db, batch_id)["rows_invalid"] == 2
    db.execute("UPDATE dbo.STG_MON_CustMasterSchedule SET validation_status = 'VALID' WHERE update_batch_id = ?",
               [batch_id])
    expect_error(50411, db.call, "usp_ReleaseBatch", batch_id=batch_id)
    assert db.scalar("SELECT count(*) FROM dbo.MON_UpdateQueue WHERE batch_id = ?", [batch_id]) == 0


def test_roles_sql_revokes_what_an_earlier_version_granted(db):
    postgres_only(db)
    from sender.installer import install

    # the grants of schema 0.1.0: table privileges and the internal helpers
    db.execute("GRANT SELECT, INSERT, UPDATE ON dbo.STG_MON_CustMasterSchedule, dbo.MON_UpdateQueue TO opus_stager")
    db.execute("GRANT SELECT ON dbo.MON_User, dbo.MON_UpdateBatch TO opus_sender")
    db.execute("GRANT EXECUTE ON ROUTINE dbo.usp_Private_OpenRunLog, dbo.fn_MON_Private_TryJson TO opus_stager, opus_reader")
    install(db)  # the routines are created anew (no earlier grant survives), the tables' grants revoked by list
    left = db.query(
        "SELECT grantee, table_name AS name FROM information_schema.role_table_grants WHERE table_schema = 'dbo' "
        "AND grantee IN ('opus_stager', 'opus_sender', 'opus_reader') AND table_name NOT LIKE 'vw\\_mon\\_%' "
        "UNION ALL SELECT grantee, routine_name FROM information_schema.role_routine_grants "
        "WHERE routine_schema = 'dbo' AND grantee IN ('opus_stager', 'opus_sender', 'opus_reader') "
        "AND (routine_name LIKE 'fn\\_%' OR routine_name IN ('usp_private_openrunlog', 'usp_private_closerunlog'))")
    assert left == []


def test_a_dbas_own_grants_to_the_roles_survive_a_reinstall(db):
    # B2: the DBA grants a stager its source table and a reader a function of their own, both in schema dbo
    # beside the project's objects, and a privilege on a project table WITH GRANT OPTION; a re-install (an
    # upgrade runs the same roles.sql) keeps all three and refuses nothing
    postgres_only(db)
    from sender.installer import install

    db.execute("CREATE TABLE dbo.cust_planning_source (id bigint PRIMARY KEY, order_status text)")
    db.execute("CREATE FUNCTION dbo.dba_today() RETURNS date LANGUAGE sql AS 'SELECT current_date'")
    # ... and a routine of theirs named like the project's (usp_*): neither dropped nor taken over by an install
    db.execute("CREATE FUNCTION dbo.usp_dba_report() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    try:
        db.execute("GRANT SELECT ON dbo.cust_planning_source TO opus_stager")
        db.execute("GRANT EXECUTE ON FUNCTION dbo.dba_today() TO opus_reader")
        db.execute("GRANT SELECT ON dbo.MON_ColumnMap TO opus_reader WITH GRANT OPTION")
        for _ in range(2):
            install(db)
            assert db.scalar("SELECT has_table_privilege('opus_stager', 'dbo.cust_planning_source', 'SELECT')")
            assert db.scalar("SELECT has_function_privilege('opus_reader', 'dbo.dba_today()', 'EXECUTE')")
            assert db.scalar("SELECT has_table_privilege('opus_reader', 'dbo.mon_columnmap', "
                             "'SELECT WITH GRANT OPTION')")
            # and the install took no ownership of the DBA's function
            assert db.scalar("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'dba_today'") != "opus_owner"
            assert db.scalar("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'usp_dba_report'") \
                not in (None, "opus_owner")
            assert db.scalar("SELECT has_function_privilege('public', 'dbo.usp_dba_report()', 'EXECUTE')")
    finally:
        db.execute("DROP FUNCTION IF EXISTS dbo.usp_dba_report()")
        db.execute("REVOKE SELECT ON dbo.MON_ColumnMap FROM opus_reader CASCADE")
        db.execute("DROP FUNCTION dbo.dba_today()")
        db.execute("DROP TABLE dbo.cust_planning_source")


@pytest.fixture
def stager_with_code(db, login):
    """A stager login that owns a schema holding a type with a cast, and a function, that try to write a
    project table: run as the stager they are refused; run as the routines' owner they would succeed."""
    postgres_only(db)
    make_board(db)
    name, stager = login("opus_stager")
    db.execute(f'CREATE SCHEMA lp_own AUTHORIZATION "{name}"')
    stager.execute("CREATE TYPE lp_own.mood AS ENUM ('ok')")
    stager.execute(
        "CREATE FUNCTION lp_own.escalate() RETURNS text LANGUAGE plpgsql AS $f$ BEGIN "
        "INSERT INTO dbo.MON_RunLog (proc_name) VALUES ('escalated'); RETURN 'x'; END $f$")
    stager.execute("CREATE FUNCTION lp_own.mood_text(lp_own.mood) RETURNS text LANGUAGE sql "
                   "AS $f$ SELECT lp_own.escalate() $f$")
    stager.execute("CREATE CAST (lp_own.mood AS text) WITH FUNCTION lp_own.mood_text(lp_own.mood)")
    yield stager
    db.execute("DROP SCHEMA lp_own CASCADE")


def test_a_type_of_the_callers_runs_its_cast_as_the_caller(db, stager_with_code):
    before = tables_state(db)
    with pytest.raises(DbError) as exc:
        stage(stager_with_code, "SELECT 1001::bigint AS monday_item_id, 'ok'::lp_own.mood AS order_status",
              board_id=BOARD)
    assert exc.value.number == 50204 and "permission denied" in exc.value.message, exc.value
    assert db.scalar("SELECT count(*) FROM dbo.MON_RunLog WHERE proc_name = 'escalated'") == 0
    after = tables_state(db)
    assert {k: v for k, v in after.items() if k != "mon_runlog"} == {k: v for k, v in before.items() if k != "mon_runlog"}


def test_the_staging_work_refuses_a_capture_it_did_not_make(db, stager_with_code):
    stager = stager_with_code
    res = stager.query(
        "CALL dbo.usp_Private_StageUpdates_Work(p_shell_error_state => NULL, p_shell_error_message => NULL, "
        "p_shell_sql => NULL, p_shell_run_id => NULL, p_shell_step => 'CHECK', p_shell_capture_state => NULL, "
        "p_shell_capture_message => NULL, p_query => 'SELECT 1001 AS monday_item_id', p_board_id => 8709134353)")
    run_id = res[0]["p_shell_run_id"]
    assert run_id
    # the caller's own "capture": a temp view calling the caller's function (run by whoever reads it)
    stager.execute("CREATE TEMP VIEW mon_stage_capture AS SELECT 1 AS mon_stage_row_no, "
                   "1001::bigint AS monday_item_id, lp_own.escalate() AS order_status")
    stager.execute("GRANT SELECT ON pg_temp.mon_stage_capture TO opus_owner")
    before = tables_state(db)
    out = stager.query(
        "CALL dbo.usp_Private_StageUpdates_Work(p_shell_error_state => NULL, p_shell_error_message => NULL, "
        f"p_shell_sql => 'SELECT 1001 AS monday_item_id', p_shell_run_id => {int(run_id)}, p_shell_step => 'STAGE', "
        "p_shell_capture_state => NULL, p_shell_capture_message => NULL, "
        "p_query => 'SELECT 1001 AS monday_item_id', p_board_id => 8709134353)")
    assert out[0]["p_shell_error_state"] == "50201", out
    assert "cannot be called on their own" in out[0]["p_shell_error_message"]
    assert db.scalar("SELECT count(*) FROM dbo.MON_RunLog WHERE proc_name = 'escalated'") == 0
    assert db.scalar("SELECT count(*) FROM dbo.MON_UpdateBatch") == 0
    changed = {k for k, v in tables_state(db).items() if before[k] != v}
    assert changed <= {"mon_runlog"}  # only the run-log row of the forged call, closed FAILED


def test_sql_server_roles_grant_no_write_and_no_table_but_what_dynamic_sql_reads():
    # T-SQL cannot run here: its grant list is read from db/security/roles.sql
    from sender.installer import DB_ROOT

    text = (DB_ROOT / "security" / "roles.sql").read_text(encoding="utf-8")
    grants = set(re.findall(r"\('(opus_\w+)',\s*'(\w+)',\s*N'(\w+)',\s*'(\w+)'\)", text))
    assert len(grants) > 30
    assert {p for _, p, _, _ in grants} == {"EXECUTE", "SELECT"}  # no INSERT, UPDATE or DELETE
    tables = {(r, p, o) for r, p, o, kind in grants if kind == "U"}
    assert tables == {("opus_stager", "SELECT", "STG_MON_CustMasterSchedule"),
                      ("opus_stager", "SELECT", "STG_MON_CustMasterSchedule_Subitems")}
    functions = {(r, o) for r, _, o, kind in grants if kind == "FN"}
    assert functions == {("opus_stager", "fn_MON_Private_NormalizeNumber")}
    assert {kind for r, _, _, kind in grants if r != "opus_stager"} <= {"P", "V"}
    assert {kind for r, _, _, kind in grants if r == "opus_reader"} == {"V"}
    views = {o for _, _, o, kind in grants if kind == "V"}
    assert views == set(VIEWS)
    for role in ("opus_stager", "opus_sender", "opus_reader"):
        assert {o for r, _, o, kind in grants if r == role and kind == "V"} == views, role
    # and what 0.1.0 granted beyond the list is revoked by an explicit list (never a sweep of the catalog)
    legacy = set(re.findall(r"\('(opus_\w+)',\s*'(\w+)',\s*N'(\w+)'\)", text))
    assert legacy == {("opus_stager", "INSERT", "STG_MON_CustMasterSchedule"),
                      ("opus_stager", "INSERT", "STG_MON_CustMasterSchedule_Subitems"),
                      ("opus_stager", "SELECT", "MON_SchemaVersion")} | {
        ("opus_sender", "SELECT", t) for t in ("MON_UpdateBatch", "MON_UpdateQueue", "MON_SchemaVersion",
                                               "MON_UpdatePreview", "MON_BoardColumn", "MON_User")}
    assert "N'REVOKE ' + l.permission_name" in text and "dp.permission_name + N" not in text
