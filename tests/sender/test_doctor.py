"""`opus-sender doctor` against the real PostgreSQL and the monday API double: every check passes on a
host that is set up, and each check fails, with what to do, when its part is not."""

from __future__ import annotations

import pytest

from sender import __version__, exitcodes
from sender.cli import main as cli_main
from sender.db import MSSQL, Database
from tests.conftest import pg_dsn

from .conftest import PLANNING, TOKEN

NEWER = "99.0.0"


def doctor(capsys, *args: str) -> tuple[int, dict[str, str]]:
    rc = cli_main(["doctor", *args])
    out = capsys.readouterr().out
    lines = {}
    for ln in out.splitlines():
        if ln.startswith("[ok]") or ln.startswith("[FAIL]"):
            status, rest = ln.split("]", 1)
            name = rest.strip().split("  ")[0].strip()
            lines[name] = status.strip("[") + " " + rest.strip()[len(name):].strip()
        elif ln.strip().startswith("->"):
            lines[name] += " | fix: " + ln.strip()[2:].strip()
    assert TOKEN not in out
    return rc, lines


def stage_one_batch(db: Database, board_id: int) -> None:
    db.execute("INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, "
               "source_query, created_by) VALUES ('B-doctor', ?, 'ITEMS', 'UPDATE', 'STAGED', 'SELECT 1', 'test')",
               [board_id])


def test_everything_passes_on_a_set_up_host(cli_env, db, capsys):
    stage_one_batch(db, PLANNING)
    rc, checks = doctor(capsys)
    assert rc == exitcodes.OK, checks
    assert set(checks) >= {"database connects", "engine", "schema version", "rights for staging",
                           "rights for sending", "monday token", "API version", "boards reachable",
                           "daily call budget"}
    assert all(v.startswith("ok") for v in checks.values()), checks
    assert f"database {__version__}, package {__version__}" in checks["schema version"]
    assert ("PostgreSQL" if db.dialect != MSSQL else "SQL Server") in checks["engine"] or "Babelfish" in checks["engine"]
    assert "1 of 1 boards" in checks["boards reachable"]
    assert "2026-07: current" in checks["API version"]


@pytest.mark.postgres_only
def test_unreachable_database_names_the_setting_and_not_the_password(cli_env, monkeypatch, capsys):
    monkeypatch.setenv("OPUS_DSN", pg_dsn("opus_no_such_database") + "PWD=s3cret-pw;")
    rc, checks = doctor(capsys)
    assert rc == exitcodes.DOCTOR_FAILED
    assert checks["database connects"].startswith("FAIL OPUS_DSN:")
    assert "fix the connection string in OPUS_DSN" in checks["database connects"]
    assert "s3cret-pw" not in str(checks)
    # the monday checks still run and pass: the report is the whole checklist
    assert checks["monday token"].startswith("ok")
    rc, checks = doctor(capsys, "--dsn", pg_dsn("opus_no_such_database"))
    assert "fix the connection string in --dsn" in checks["database connects"]


def test_schema_not_installed_older_and_newer(cli_env, db, empty_pg_dsn, monkeypatch, capsys):
    monkeypatch.setenv("OPUS_DSN", empty_pg_dsn)
    rc, checks = doctor(capsys)
    assert rc == exitcodes.DOCTOR_FAILED and "run `opus-sender db install`" in checks["schema version"]
    db.execute("INSERT INTO dbo.MON_SchemaVersion (schema_version, version_major, version_minor, version_patch) "
               "VALUES (?, 99, 0, 0)", [NEWER])
    monkeypatch.delenv("OPUS_DSN")
    rc, checks = doctor(capsys, "--dsn", db.dsn)
    assert rc == exitcodes.DOCTOR_FAILED
    assert f"database {NEWER}, package {__version__}" in checks["schema version"]
    assert f"install opus-update-boards {NEWER}" in checks["schema version"]
    db.execute("DELETE FROM dbo.MON_SchemaVersion")
    db.execute("INSERT INTO dbo.MON_SchemaVersion (schema_version, version_major, version_minor, version_patch) "
               "VALUES ('0.1.0', 0, 1, 0)")
    rc, checks = doctor(capsys, "--dsn", db.dsn)
    assert "upgrade the schema" in checks["schema version"] and "--dry-run" in checks["schema version"]


@pytest.mark.postgres_only
def test_a_login_without_the_roles_fails_the_rights_checks(cli_env, db, monkeypatch, capsys):
    login = "opus_doctor_probe"
    with Database(pg_dsn("postgres")) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {login}")
        admin.execute(f"CREATE ROLE {login} LOGIN PASSWORD 'probe-pw-123'")
    try:
        dsn = db.dsn.replace("UID=postgres;PWD=;", f"UID={login};PWD=probe-pw-123;")
        monkeypatch.setenv("OPUS_DSN", dsn)
        rc, checks = doctor(capsys)
        assert rc == exitcodes.DOCTOR_FAILED
        assert checks["rights for staging"].startswith(f"FAIL {login} is not a member of opus_stager")
        assert checks["rights for sending"].startswith(f"FAIL {login} is not a member of opus_sender")
        assert "; lacks " in checks["rights for sending"]  # the missing rights themselves are named
        assert "probe-pw-123" not in str(checks)
        with Database(pg_dsn("postgres")) as admin:
            admin.execute(f"GRANT opus_sender, opus_stager TO {login}")
        rc, checks = doctor(capsys)
        assert checks["rights for sending"].startswith(f"ok {login} is a member of opus_sender")
    finally:
        with Database(pg_dsn("postgres")) as admin:
            admin.execute(f"DROP OWNED BY {login}")
            admin.execute(f"DROP ROLE IF EXISTS {login}")


def test_refused_token(cli_env, monkeypatch, capsys):
    monkeypatch.setenv("MONDAY_API_TOKEN", "tok-wrong-0000")
    rc, checks = doctor(capsys)
    assert rc == exitcodes.DOCTOR_FAILED
    assert checks["monday token"].startswith("FAIL monday refused the token")
    assert "tok-wrong-0000" not in str(checks)


def test_missing_token(cli_env, monkeypatch, capsys):
    monkeypatch.delenv("MONDAY_API_TOKEN")
    rc, checks = doctor(capsys)
    assert rc == exitcodes.DOCTOR_FAILED and checks["monday token"].startswith("FAIL no monday API token")


@pytest.mark.parametrize("version, found", [("2023-04", "deprecated"), ("2019-01", "not served by monday")])
def test_api_version_monday_does_not_support(cli_env, monkeypatch, capsys, version, found):
    monkeypatch.setenv("MONDAY_API_VERSION", version)
    rc, checks = doctor(capsys)
    assert rc == exitcodes.DOCTOR_FAILED
    assert checks["API version"].startswith(f"FAIL {version}: {found}")
    assert "2026-07" in checks["API version"]  # the fix lists what monday serves


def test_a_board_the_token_cannot_see(cli_env, db, capsys):
    stage_one_batch(db, 1111111111)
    rc, checks = doctor(capsys)
    assert rc == exitcodes.DOCTOR_FAILED
    assert "not visible: 1111111111" in checks["boards reachable"]


def test_daily_budget_spent(cli_env, monkeypatch, tmp_path, capsys):
    state = tmp_path / "budget.json"
    monkeypatch.setenv("MONDAY_DAILY_CALLS", "1")
    monkeypatch.setenv("MONDAY_DAILY_STATE_FILE", str(state))
    rc, checks = doctor(capsys)
    # the token check itself spends the one call: the budget check then reports none left
    assert rc == exitcodes.DOCTOR_FAILED
    assert checks["daily call budget"].startswith("FAIL 0 of 1 calls left today (UTC), 1 used by this check")
    rc, checks = doctor(capsys)
    assert checks["monday token"].startswith("FAIL daily call budget of 1 calls used up")


def test_the_shared_database_and_the_owners_loader_are_reported(cli_env, db, capsys):
    # D1 and B7: READ_COMMITTED_SNAPSHOT is reported; nothing the project puts on the owner's tables needs SET
    # options of the loader (info); a loader that inserts without a column list fails the check, with the fix
    rc, checks = doctor(capsys)
    assert checks["READ_COMMITTED_SNAPSHOT"].startswith("ok")
    assert checks["loader SET options"].startswith("ok")
    if db.dialect == MSSQL and "could not be read" not in checks["loader SET options"]:  # a T-SQL engine without
        assert "info: no filtered index" in checks["loader SET options"]                 # sys.sql_modules' flags
    assert checks["positional loaders"].startswith("ok")
    db.execute("CREATE TABLE dbo.doctor_feed (LIKE dbo.STG_MON_CustMasterSchedule)" if db.dialect != MSSQL else
               "SELECT * INTO dbo.doctor_feed FROM dbo.STG_MON_CustMasterSchedule WHERE 1 = 0")
    loader = ("CREATE FUNCTION dbo.doctor_loader() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
              "INSERT INTO dbo.STG_MON_CustMasterSchedule SELECT * FROM dbo.doctor_feed; END $$"
              if db.dialect != MSSQL else
              "CREATE PROCEDURE dbo.doctor_loader AS INSERT INTO dbo.STG_MON_CustMasterSchedule "
              "SELECT * FROM dbo.doctor_feed;")
    db.execute(loader)
    try:
        rc, checks = doctor(capsys)
        assert rc == exitcodes.DOCTOR_FAILED
        assert checks["positional loaders"].startswith("FAIL dbo.doctor_loader insert into a staging table")
        assert "name the loader's columns" in checks["positional loaders"]
    finally:
        db.execute("DROP FUNCTION dbo.doctor_loader()" if db.dialect != MSSQL else "DROP PROCEDURE dbo.doctor_loader")
        db.execute("DROP TABLE dbo.doctor_feed")


def test_only_boards_of_open_batches_are_checked(cli_env, db, capsys):
    """A batch staged with a mistyped board id and cancelled does not fail doctor for ever."""
    stage_one_batch(db, PLANNING)
    db.execute("INSERT INTO dbo.MON_UpdateBatch (batch_id, board_id, target_level, update_operation, batch_status, "
               "source_query, created_by) VALUES ('B-typo', 1111111111, 'ITEMS', 'UPDATE', 'CANCELLED', 'SELECT 1', "
               "'test')")
    rc, checks = doctor(capsys)
    assert rc == exitcodes.OK, checks
    assert checks["boards reachable"].startswith("ok 1 of 1 boards with open batches")
    db.execute("UPDATE dbo.MON_UpdateBatch SET batch_status = 'STAGED' WHERE batch_id = 'B-typo'")
    rc, checks = doctor(capsys)
    assert rc == exitcodes.DOCTOR_FAILED
    assert "not visible: 1111111111" in checks["boards reachable"]
    assert "no such board, or not shared" in checks["boards reachable"]
