"""What an operator reads on the command line: flags instead of procedure parameters, an error number said
once, the exit code of a query without rows as sender/exitcodes.py says, doctor with the ODBC driver
missing or the database down."""

from __future__ import annotations

import socket

import pytest

from sender import cli, exitcodes

from .conftest import PLANNING, TOKEN, load_loader_rows


@pytest.fixture
def synced(db, double, cli_env, capsys):
    load_loader_rows(db, double)
    assert cli.main(["sync-board", "--board-id", str(PLANNING), "--items"]) == exitcodes.OK
    capsys.readouterr()
    return double.planning["item_ids"]


def test_a_finding_names_the_flag_not_the_procedure_parameter(synced, capsys):
    rc = cli.main(["stage", "--board-id", str(PLANNING), "--query",
                   f"SELECT {synced[0]} AS monday_item_id, 'No such label' AS order_status"])
    assert rc == exitcodes.NOTHING_SENT
    out = capsys.readouterr().out
    assert "STATUS_LABEL" in out and "or stage with --create-labels" in out, out
    assert "create_labels_if_missing" not in out


def test_a_refusal_says_its_number_once(synced, db, capsys):
    # 50207 on both engines: an UPDATE needs a monday_item_id column
    query = "SELECT 'Done' AS order_status"
    rc = cli.main(["stage", "--board-id", str(PLANNING), "--query", query])
    err = capsys.readouterr().err
    assert rc == exitcodes.USAGE
    assert "refused (error 50207): " in err, err
    assert "[50207]" not in err and err.count("50207") == 1, err


def test_a_query_without_rows_exits_as_exitcodes_says(synced, capsys):
    rc = cli.main(["stage", "--board-id", str(PLANNING), "--query",
                   f"SELECT {synced[0]} AS monday_item_id, 'Done' AS order_status WHERE 1 = 0"])
    assert rc == exitcodes.for_error(50217) == exitcodes.NOTHING_SENT
    err = capsys.readouterr().err
    assert "refused (error 50217): " in err and "returned no rows" in err


def _doctor(capsys, *args: str) -> tuple[int, str]:
    rc = cli.main(["doctor", *args])
    out = capsys.readouterr().out
    assert TOKEN not in out
    return rc, out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres_only
def test_doctor_with_the_database_down_skips_what_needs_it(cli_env, monkeypatch, capsys):
    port = _free_port()  # nothing listens there
    monkeypatch.setenv("OPUS_DSN", f"DRIVER={{PostgreSQL Unicode}};SERVER=127.0.0.1;PORT={port};DATABASE=opus;"
                                   "UID=postgres;PWD=;")
    rc, out = _doctor(capsys)
    assert rc == exitcodes.DOCTOR_FAILED
    assert "[FAIL] database connects" in out
    assert "[ok] boards reachable" not in out and "[ok] schema" not in out
    for name in ("engine", "schema version", "rights for staging", "rights for sending", "boards reachable"):
        assert f"[skip] {name}" in out, out
    assert "[ok] monday token" in out  # what does not need the database is still checked
    assert "skipped" in out.splitlines()[-1]


@pytest.mark.parametrize(("driver", "named"), [
    ("ODBC Driver 18 for SQL Server", "msodbcsql18"),
    ("PostgreSQL Unicode (not installed)", "odbc-postgresql"),
])
def test_doctor_names_the_missing_odbc_driver(cli_env, monkeypatch, capsys, driver, named):
    monkeypatch.setenv("OPUS_DSN", f"DRIVER={{{driver}}};SERVER=sql01;DATABASE=Planning;Encrypt=yes;"
                                   "UID=opus;PWD=s3cret-pw;")
    rc, out = _doctor(capsys)
    assert rc == exitcodes.DOCTOR_FAILED
    assert "[FAIL] ODBC driver" in out and f"the ODBC driver '{driver}' is not installed" in out, out
    assert named in out and "fix the connection string" not in out
    assert "s3cret-pw" not in out
    assert "[ok] boards reachable" not in out and "[skip] schema version" in out


def test_a_command_names_the_missing_odbc_driver(cli_env, monkeypatch, capsys):
    monkeypatch.setenv("OPUS_DSN", "DRIVER={ODBC Driver 18 for SQL Server};SERVER=sql01;DATABASE=Planning;"
                                   "Trusted_Connection=yes;")
    assert cli.main(["status"]) == exitcodes.DATABASE
    err = capsys.readouterr().err
    assert "'ODBC Driver 18 for SQL Server' is not installed" in err and "msodbcsql18" in err, err
    assert "Fix the connection string" not in err
