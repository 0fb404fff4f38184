"""The installer on a real PostgreSQL server: keeps the loader's rows, is idempotent, and refuses
bad DSNs, missing databases and newer schemas without changing anything."""

from __future__ import annotations

import re
import shutil

import pytest

from sender import __version__
from sender.cli import main as cli_main
from sender.db import MSSQL, Database, DbError
from sender.installer import DB_ROOT, InstallError, install, installed_version
from tests.conftest import MSSQL_DSN, pg_dsn

LOADER_DDL = """
CREATE SCHEMA IF NOT EXISTS dbo;
CREATE TABLE dbo.STG_MON_CustMasterSchedule (
    monday_item_id bigint, monday_board_id bigint, item_name varchar(255), order_status varchar(100),
    legacy_note varchar(50), group_id varchar(100)
);
CREATE TABLE dbo.STG_MON_CustMasterSchedule_Subitems (
    monday_item_id bigint, monday_board_id bigint, parent_item_id bigint, item_name varchar(255), group_id varchar(100)
);
"""


def snapshot(db: Database) -> dict:
    """Everything an install could change: columns, defaults, constraints, indexes, routines, rows."""
    if db.dialect == MSSQL:
        return mssql_snapshot(db)
    cols = db.query(
        "SELECT table_name, column_name, data_type, column_default, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'dbo' ORDER BY table_name, ordinal_position"
    )
    cons = db.query(
        "SELECT conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'dbo' ORDER BY conname"
    )
    idx = db.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'dbo' ORDER BY indexname")
    routines = db.query(
        "SELECT p.proname, md5(pg_get_functiondef(p.oid)) AS body FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'dbo' ORDER BY 1, 2"
    )
    tables = db.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dbo' "
        "AND table_type = 'BASE TABLE' ORDER BY 1"
    )
    rows = {
        t["table_name"]: db.query(f'SELECT md5(coalesce(string_agg(x::text, \'|\' ORDER BY x::text), \'\')) AS h '
                                  f'FROM dbo."{t["table_name"]}" x')[0]["h"]
        for t in tables
    }
    return {"cols": cols, "cons": cons, "idx": idx, "routines": routines, "rows": rows}


def mssql_snapshot(db: Database) -> dict:
    """The same, read from SQL Server's catalogs (views and functions are created again by every install,
    so their definitions are compared, not their object ids)."""
    cols = db.query(
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_DEFAULT, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = 'dbo' ORDER BY TABLE_NAME, ORDINAL_POSITION"
    )
    cons = db.query(
        "SELECT name, type FROM sys.objects WHERE schema_id = SCHEMA_ID('dbo') AND type IN ('C', 'D', 'PK', 'UQ', 'F') "
        "ORDER BY name"
    )
    idx = db.query(
        "SELECT OBJECT_NAME(i.object_id) AS table_name, i.name, i.is_unique, i.has_filter FROM sys.indexes i "
        "JOIN sys.tables t ON t.object_id = i.object_id WHERE t.schema_id = SCHEMA_ID('dbo') AND i.name IS NOT NULL "
        "ORDER BY 1, 2"
    )
    routines = db.query(
        "SELECT OBJECT_NAME(m.object_id) AS name, HASHBYTES('SHA2_256', m.definition) AS body "
        "FROM sys.sql_modules m WHERE OBJECT_SCHEMA_NAME(m.object_id) = 'dbo' ORDER BY 1"
    )
    tables = db.query("SELECT name FROM sys.tables WHERE schema_id = SCHEMA_ID('dbo') ORDER BY name")
    rows = {t["name"]: db.scalar(f"SELECT COUNT(*) FROM dbo.[{t['name']}]") for t in tables}
    return {"cols": cols, "cons": cons, "idx": idx, "routines": routines, "rows": rows}


def test_extension_keeps_loader_rows_and_columns(empty_pg_dsn):
    with Database(empty_pg_dsn) as db:
        db.execute(LOADER_DDL)
        db.execute(
            "INSERT INTO dbo.STG_MON_CustMasterSchedule VALUES "
            "(101, 8709134353, 'Order A', 'Done', 'keep me'), (102, 8709134353, 'Order B', NULL, NULL)"
        )
        db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule_Subitems VALUES (201, 8709134354, 101, 'Sub A')")
        install(db)
        rows = db.query(
            "SELECT monday_item_id, item_name, order_status, legacy_note, update_operation, validation_status, "
            "update_batch_id FROM dbo.STG_MON_CustMasterSchedule ORDER BY monday_item_id"
        )
        assert [(r["monday_item_id"], r["item_name"], r["order_status"], r["legacy_note"]) for r in rows] == [
            (101, "Order A", "Done", "keep me"),
            (102, "Order B", None, None),
        ]
        # rows loaded before the extension never look like pending CREATEs
        assert {(r["update_operation"], r["validation_status"], r["update_batch_id"]) for r in rows} == {
            (None, None, None)
        }
        assert db.scalar("SELECT count(*) FROM dbo.STG_MON_CustMasterSchedule_Subitems") == 1
        cols = {r["column_name"] for r in db.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'dbo' "
            "AND table_name = 'stg_mon_custmasterschedule'")}
        assert {"legacy_note", "update_operation", "update_fields", "source_table", "source_query",
                "update_batch_id", "validation_status", "validation_errors"} <= cols
        # the base shape was not forced onto the existing table
        assert "customer_name" not in cols


def test_loader_insert_naming_no_new_column_still_works(db):
    db.execute(
        "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, order_status) "
        "VALUES (?, ?, ?, ?)",
        (301, 8709134353, "Loader row", "Working on it"),
    )
    row = db.query("SELECT * FROM dbo.STG_MON_CustMasterSchedule WHERE monday_item_id = 301")[0]
    assert row["item_name"] == "Loader row"
    # the owner's defaults apply to new rows, but with no batch id the row is never sent
    assert row["update_operation"] == "CREATE"
    assert row["validation_status"] == "PENDING"
    assert row["update_batch_id"] is None


def test_install_twice_changes_nothing(db):
    db.execute(
        "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name) "
        "VALUES (401, 8709134353, 'Kept')"
    )
    before = snapshot(db)
    report = install(db)
    assert report.previous_version == __version__
    assert snapshot(db) == before
    assert db.scalar("SELECT count(*) FROM dbo.MON_SchemaVersion") == 1


def test_newer_schema_version_is_refused_untouched(db):
    db.execute(
        "INSERT INTO dbo.MON_SchemaVersion (schema_version, version_major, version_minor, version_patch) "
        "VALUES ('99.0.0', 99, 0, 0)"
    )
    before = snapshot(db)
    with pytest.raises(InstallError, match=r"99\.0\.0.*newer than this package.*nothing was changed"):
        install(db)
    assert snapshot(db) == before
    assert installed_version(db) == "99.0.0"


def test_failed_install_changes_nothing(empty_pg_dsn, tmp_path):
    # a manifest whose last file fails: the whole install is rolled back
    root = tmp_path / "db"
    shutil.copytree(DB_ROOT, root)
    (root / "postgres" / "broken.sql").write_text("CREATE TABLE dbo.MON_Broken (x int);\nSELECT 1/0;\n")
    with (root / "manifest.txt").open("a") as f:
        f.write("broken.sql\n")
    (root / "broken.sql").write_text("SELECT 1/0;\nGO\n")
    with Database(empty_pg_dsn) as db:
        with pytest.raises(InstallError, match="broken.sql failed.*Nothing was changed"):
            install(db, db_root=root)
        assert db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'dbo'") == 0
        assert installed_version(db) is None


@pytest.mark.skipif(bool(MSSQL_DSN), reason="needs the PostgreSQL server: names databases on it")
def test_bad_dsn_and_missing_database_give_clear_errors(capsys):
    with pytest.raises(DbError) as err:
        Database(pg_dsn("opus_no_such_database") + "PWD=s3cret-pw;").connect()
    assert "opus_no_such_database" in str(err.value)
    assert "s3cret-pw" not in str(err.value)
    rc = cli_main(["db", "install", "--dsn", pg_dsn("opus_no_such_database")])
    assert rc == 4
    assert "database error" in capsys.readouterr().err
    rc = cli_main(["db", "install", "--dsn", "SERVER=127.0.0.1;PWD=hunter2"])
    assert rc == 3
    err_text = capsys.readouterr().err
    assert "name the ODBC driver" in err_text and "hunter2" not in err_text


def test_cli_install_and_version(fresh_dsn, capsys, monkeypatch):
    # the connection string goes by the environment, as an operator's would: a failed assert on the argv
    # would print its password
    monkeypatch.setenv("OPUS_DSN", fresh_dsn)
    assert cli_main(["db", "install"]) == 0
    assert cli_main(["db", "version"]) == 0
    assert f"database schema: {__version__}" in capsys.readouterr().out


PLAN_AUDIT_DDL = """
CREATE SCHEMA IF NOT EXISTS dbo;
CREATE TABLE dbo.MON_UpdateAudit (
    audit_id INT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    batch_id VARCHAR(50), update_operation VARCHAR(50), monday_item_id BIGINT, monday_board_id BIGINT,
    column_id VARCHAR(100), old_value TEXT, new_value TEXT,
    update_timestamp TIMESTAMP DEFAULT (now() AT TIME ZONE 'UTC'), rollback_timestamp TIMESTAMP,
    rollback_reason VARCHAR(500)
);
"""


def test_an_audit_table_of_the_owners_plan_is_extended_with_its_rows(empty_pg_dsn):
    # the owner's plan creates MON_UpdateAudit with its own columns only (audit_id INT): the install widens
    # the key, adds this project's columns and keeps every row
    with Database(empty_pg_dsn) as db:
        db.execute(PLAN_AUDIT_DDL)
        db.execute("INSERT INTO dbo.MON_UpdateAudit (batch_id, update_operation, monday_item_id, monday_board_id, "
                   "column_id, old_value, new_value) VALUES ('B-PLAN', 'UPDATE', 101, 8709134353, 'status', "
                   "'{\"index\":0}', '{\"index\":1}'), ('B-PLAN', 'UPDATE', 102, 8709134353, 'text', NULL, '\"x\"')")
        before = db.query("SELECT * FROM dbo.MON_UpdateAudit ORDER BY audit_id")
        install(db)
        types = dict((r["column_name"], r["data_type"]) for r in db.query(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'dbo' "
            "AND table_name = 'mon_updateaudit'"))
        assert types["audit_id"] == "bigint"
        assert {"queue_id", "worker_id", "rollback_batch_id"} <= set(types)
        after = db.query("SELECT * FROM dbo.MON_UpdateAudit ORDER BY audit_id")
        assert [{k: r[k] for k in before[0]} for r in after] == before
        # the old rows read in the audit trail view, and new rows continue the identity
        assert db.scalar("SELECT count(*) FROM dbo.vw_MON_AuditTrail WHERE batch_id = 'B-PLAN'") == 2
        db.execute("INSERT INTO dbo.MON_UpdateAudit (batch_id, column_id) VALUES ('B-NEW', 'text')")
        assert db.scalar("SELECT max(audit_id) FROM dbo.MON_UpdateAudit") == 3


# -- rows the staging tables' CHECK constraints would refuse ---------------------------------------------

# the owner's plan, run on the loader's tables before the project: the update columns with their defaults
# and no checks (so they hold whatever the owner's scripts wrote into them)
PLAN_EXTEND_DDL = """
ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN update_operation VARCHAR(50) DEFAULT 'CREATE',
    ADD COLUMN update_fields TEXT, ADD COLUMN source_table VARCHAR(100), ADD COLUMN source_query TEXT,
    ADD COLUMN update_batch_id VARCHAR(50), ADD COLUMN validation_status VARCHAR(20) DEFAULT 'PENDING',
    ADD COLUMN validation_errors TEXT;
ALTER TABLE dbo.STG_MON_CustMasterSchedule_Subitems ADD COLUMN update_operation VARCHAR(50) DEFAULT 'CREATE',
    ADD COLUMN update_fields TEXT, ADD COLUMN source_table VARCHAR(100), ADD COLUMN source_query TEXT,
    ADD COLUMN update_batch_id VARCHAR(50), ADD COLUMN validation_status VARCHAR(20) DEFAULT 'PENDING',
    ADD COLUMN validation_errors TEXT;
"""
CHECKS = ("CK_STG_MON_CustMasterSchedule_update_operation", "CK_STG_MON_CustMasterSchedule_validation_status",
          "CK_STG_MON_CustMasterSchedule_Subitems_update_operation",
          "CK_STG_MON_CustMasterSchedule_Subitems_validation_status")


def refused_install(db: Database) -> str:
    """Install, expecting the refusal of the first check; its message."""
    with pytest.raises(InstallError) as err:
        install(db)
    message = str(err.value)
    assert "[50953]" in message and "ddl/checks/staging_check_constraints.sql" in message, message
    assert "nothing was changed" in message
    return message


def refused_selects(message: str) -> list[str]:
    return re.findall(r"SELECT \* FROM dbo\.\w+ WHERE \w+ NOT IN \([^)]*\);", message)


def test_rows_the_checks_would_refuse_refuse_the_whole_install_and_are_named(empty_pg_dsn):
    with Database(empty_pg_dsn) as db:
        db.execute(LOADER_DDL)
        db.execute(PLAN_EXTEND_DDL)
        db.execute(
            "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, "
            "update_operation, validation_status) VALUES (101, 8709134353, 'A', 'update_items', 'PENDING'), "
            "(102, 8709134353, 'B', 'DELETE', 'SENT'), (103, 8709134353, 'C', 'CREATE', 'PENDING'), "
            "(104, 8709134353, 'D', NULL, NULL)"
        )
        db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule_Subitems (monday_item_id, parent_item_id, item_name, "
                   "validation_status) VALUES (201, 101, 'Sub', 'DONE')")
        before = snapshot(db)
        message = refused_install(db)
        # each constraint with its table and count; the one with nothing to refuse is not named
        assert "CK_STG_MON_CustMasterSchedule_update_operation: 2 row(s): SELECT * FROM " \
            "dbo.STG_MON_CustMasterSchedule WHERE update_operation NOT IN" in message
        assert "CK_STG_MON_CustMasterSchedule_validation_status: 1 row(s): " in message
        assert "CK_STG_MON_CustMasterSchedule_Subitems_validation_status: 1 row(s): SELECT * FROM " \
            "dbo.STG_MON_CustMasterSchedule_Subitems WHERE" in message
        assert message.endswith("then run the install again."), message
        assert message.lower().count("nothing was changed") == 1
        assert "CK_STG_MON_CustMasterSchedule_Subitems_update_operation" not in message
        # nothing was changed: no project table, no check, every row as it was
        assert snapshot(db) == before
        assert installed_version(db) is None
        # the SELECTs of the message list exactly the refused rows
        selects = refused_selects(message)
        assert len(selects) == 3, message
        listed = sorted(r["monday_item_id"] for s in selects for r in db.query(s))
        assert listed == [101, 102, 102, 201]
        # the DBA fixes the rows; the install then runs and keeps them
        db.execute("UPDATE dbo.STG_MON_CustMasterSchedule SET update_operation = 'UPDATE' "
                   "WHERE update_operation NOT IN ('CREATE', 'UPDATE', 'ARCHIVE')")
        db.execute("UPDATE dbo.STG_MON_CustMasterSchedule SET validation_status = NULL "
                   "WHERE validation_status NOT IN ('PENDING', 'VALID', 'INVALID', 'WARNING')")
        db.execute("UPDATE dbo.STG_MON_CustMasterSchedule_Subitems SET validation_status = NULL")
        install(db)
        assert installed_version(db) == __version__
        assert db.scalar("SELECT count(*) FROM dbo.STG_MON_CustMasterSchedule") == 4
        names = {r["conname"] for r in db.query("SELECT conname FROM pg_constraint WHERE contype = 'c'")}
        assert {c.lower() for c in CHECKS} <= names


def drop_checks(db: Database) -> None:
    for name in CHECKS:
        table = name[3:].rsplit("_", 2)[0]
        db.execute(f"ALTER TABLE dbo.{table} DROP CONSTRAINT {name}")


def check_state(db: Database) -> dict:
    """What the refused install must leave as it was, read the same way on either engine."""
    checks = db.query("SELECT LOWER(constraint_name) AS name FROM information_schema.table_constraints "
                      "WHERE constraint_type = 'CHECK' AND LOWER(constraint_name) LIKE 'ck[_]stg[_]%' "
                      "ORDER BY 1" if db.dialect == MSSQL else
                      "SELECT LOWER(constraint_name) AS name FROM information_schema.table_constraints "
                      "WHERE constraint_type = 'CHECK' AND LOWER(constraint_name) LIKE 'ck\\_stg\\_%' ORDER BY 1")
    rows = db.query("SELECT monday_item_id, update_operation, validation_status FROM dbo.STG_MON_CustMasterSchedule "
                    "ORDER BY monday_item_id")
    versions = db.query("SELECT schema_version FROM dbo.MON_SchemaVersion ORDER BY schema_version")
    return {"checks": checks, "rows": rows, "versions": versions}


def test_an_installed_database_whose_checks_were_dropped_is_refused_untouched(db):
    # either engine: the checks dropped by hand, then rows they would refuse; a re-install (or upgrade)
    # refuses at its first batch and changes nothing, on SQL Server as on PostgreSQL
    drop_checks(db)
    db.execute("INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, monday_board_id, item_name, "
               "update_operation, validation_status) VALUES (501, 8709134353, 'X', 'PROCESSED', 'ERROR')")
    before = check_state(db)
    message = refused_install(db)
    assert "CK_STG_MON_CustMasterSchedule_update_operation" in message
    assert "CK_STG_MON_CustMasterSchedule_validation_status" in message
    assert check_state(db) == before
    selects = refused_selects(message)
    assert [r["monday_item_id"] for s in selects for r in db.query(s)] == [501, 501]


def test_owner_tables_of_another_shape_refuse_the_install_before_anything_changes(empty_pg_dsn):
    # A4: an owner's staging table without a column the code binds to (group_id), with an id the code writes
    # bigints into declared int, and a project column of an earlier hand-made extension too short
    with Database(empty_pg_dsn) as db:
        db.execute("""
            CREATE SCHEMA IF NOT EXISTS dbo;
            CREATE TABLE dbo.STG_MON_CustMasterSchedule (
                monday_item_id int, monday_board_id bigint, item_name varchar(255), update_fields varchar(100));
            CREATE TABLE dbo.STG_MON_CustMasterSchedule_Subitems (
                monday_item_id bigint, monday_board_id bigint, parent_item_id bigint, item_name varchar(255),
                group_id varchar(100));
            INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, item_name) VALUES (1, 'loaded');
        """)
        before = snapshot(db)
        with pytest.raises(InstallError) as err:
            install(db)
        message = str(err.value)
        assert "[50957]" in message and "ddl/checks/owner_table_shapes.sql" in message, message
        assert "dbo.STG_MON_CustMasterSchedule.group_id is missing" in message
        assert "ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN group_id varchar(100) NULL;" in message
        assert "dbo.STG_MON_CustMasterSchedule.monday_item_id is integer, the code needs bigint" in message
        assert "dbo.STG_MON_CustMasterSchedule.update_fields is character varying(100), the code needs text" in message
        assert "Subitems" not in message  # the table of the right shape is not named
        assert message.lower().count("nothing was changed") == 1
        assert snapshot(db) == before and installed_version(db) is None
        # the DBA changes the columns as the message says; the install then runs and keeps the row
        db.execute("ALTER TABLE dbo.STG_MON_CustMasterSchedule ADD COLUMN group_id varchar(100) NULL")
        db.execute("ALTER TABLE dbo.STG_MON_CustMasterSchedule ALTER COLUMN monday_item_id TYPE bigint")
        db.execute("ALTER TABLE dbo.STG_MON_CustMasterSchedule ALTER COLUMN update_fields TYPE text")
        install(db)
        assert installed_version(db) == __version__
        assert db.scalar("SELECT item_name FROM dbo.STG_MON_CustMasterSchedule") == "loaded"


def test_an_open_transaction_is_refused_before_anything_changes(empty_pg_dsn):
    # A3: a session whose COMMIT would not end the install's transaction (autocommit off: an implicit or open
    # transaction) is refused with 50955, and nothing is installed
    with Database(empty_pg_dsn) as db:
        db.conn.autocommit = False
        try:
            with pytest.raises(InstallError) as err:
                install(db)
        finally:
            db.conn.rollback()
            db.conn.autocommit = True
        assert "(50955)" in str(err.value) and "Nothing was changed" in str(err.value)
        assert installed_version(db) is None


def test_the_install_reports_the_loaders_that_insert_without_a_column_list(empty_pg_dsn):
    # earlier A4: a positional loader (INSERT ... SELECT *) breaks on the columns the install adds; the install
    # names it, with what to do. The READ_COMMITTED_SNAPSHOT line and the owner-table lock time are printed too
    with Database(empty_pg_dsn) as db:
        db.execute(LOADER_DDL)
        db.execute("CREATE TABLE dbo.cust_feed (LIKE dbo.STG_MON_CustMasterSchedule)")
        db.execute("CREATE FUNCTION dbo.load_schedule() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
                   "INSERT INTO dbo.STG_MON_CustMasterSchedule SELECT * FROM dbo.cust_feed; END $$")
        db.execute("CREATE FUNCTION dbo.load_schedule_named() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
                   "INSERT INTO dbo.STG_MON_CustMasterSchedule (monday_item_id, item_name) "
                   "SELECT monday_item_id, item_name FROM dbo.cust_feed; END $$")
        report = install(db)
        notes = "\n".join(report.notes)
        assert "WARNING: positional loaders: dbo.load_schedule insert into a staging table without a column " \
               "list" in notes, notes
        assert "load_schedule_named" not in notes
        assert "name the loader's columns in those INSERTs" in notes
        assert "READ_COMMITTED_SNAPSHOT" in notes and "locks on the owner's tables held" in notes


def test_column_map_holds_one_mapping_per_board_and_alias_on_both_engines(db):
    # E2: SQL Server's UNIQUE (board_id, source_alias) treats NULLs as equal and (CI collation) ignores case;
    # PostgreSQL gives the same verdict: a second any-board mapping of an alias, in any case, is refused
    db.execute("INSERT INTO dbo.MON_ColumnMap (board_id, source_alias, column_id) VALUES (NULL, 'Order State', 'status')")
    db.execute("INSERT INTO dbo.MON_ColumnMap (board_id, source_alias, column_id) VALUES (1, 'Order State', 'status')")
    for board, alias in ((None, "Order State"), (None, "order state"), (1, "ORDER STATE")):
        with pytest.raises(DbError):
            db.execute("INSERT INTO dbo.MON_ColumnMap (board_id, source_alias, column_id) VALUES (?, ?, 'text')",
                       (board, alias))
    assert db.scalar("SELECT COUNT(*) FROM dbo.MON_ColumnMap") == 2


@pytest.mark.postgres_only
def test_column_map_rows_of_0_3_0_that_break_the_rule_refuse_the_install_and_are_kept(db):
    # a PostgreSQL database of 0.3.0: its UNIQUE constraint let two any-board rows of one alias in
    db.execute("DROP INDEX dbo.ux_mon_columnmap_board_alias")
    db.execute("ALTER TABLE dbo.MON_ColumnMap ADD CONSTRAINT UQ_MON_ColumnMap_board_alias UNIQUE (board_id, source_alias)")
    db.execute("INSERT INTO dbo.MON_ColumnMap (board_id, source_alias, column_id) VALUES "
               "(NULL, 'Order State', 'status'), (NULL, 'Order State', 'text'), (7, 'Due', 'date'), (7, 'DUE', 'date4')")
    with pytest.raises(InstallError) as err:
        install(db)
    message = str(err.value)
    assert "[50958]" in message and "any board / Order State (map_id " in message
    assert re.search(r"7 / (Due|DUE) \(map_id", message)
    assert db.scalar("SELECT count(*) FROM dbo.MON_ColumnMap") == 4
    db.execute("DELETE FROM dbo.MON_ColumnMap WHERE column_id IN ('text', 'date4')")
    install(db)
    assert db.scalar("SELECT count(*) FROM dbo.MON_ColumnMap") == 2
    assert db.scalar("SELECT to_regclass('dbo.uq_mon_columnmap_board_alias')::text") is None
