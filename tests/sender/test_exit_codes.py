"""Honest summaries and exit codes, as a SQL Agent job step sees them: `opus-sender` in-process against the
real PostgreSQL and the monday API double."""

from __future__ import annotations

import re
import socket

import pytest

from sender import cli, exitcodes
from sender.config import ConfigError, load_config

from .conftest import PLANNING, TOKEN, load_loader_rows


@pytest.fixture
def synced(db, double, cli_env, capsys):
    load_loader_rows(db, double)
    assert cli.main(["sync-board", "--board-id", str(PLANNING), "--items"]) == exitcodes.OK
    capsys.readouterr()
    return double.planning["item_ids"]


def _stage(query: str, *extra: str) -> int:
    return cli.main(["stage", "--board-id", str(PLANNING), "--query", query, *extra])


def test_stage_exit_codes_tell_refused_rows_apart(synced, capsys):
    a, b = synced[0], synced[1]
    assert _stage(f"SELECT {a} AS monday_item_id, 'Done' AS order_status") == exitcodes.OK
    capsys.readouterr()
    some = f"SELECT {a} AS monday_item_id, 'Done' AS order_status UNION ALL SELECT {b}, 'No such label'"
    assert _stage(some, "--release") == exitcodes.PARTIAL
    out = capsys.readouterr()
    assert "1 of 2 rows were refused" in out.err and "queued 1" in out.out
    every = f"SELECT {a} AS monday_item_id, 'Nope' AS order_status UNION ALL SELECT {b}, 'Neither'"
    assert _stage(every, "--release") == exitcodes.NOTHING_SENT
    out = capsys.readouterr()
    assert "every row was refused" in out.err and "nothing was released" in out.err
    assert exitcodes.NOTHING_SENT not in (exitcodes.PARTIAL, exitcodes.OK)


def test_findings_show_totals_per_rule_and_how_many_more(synced, capsys):
    ids = synced[:10]
    rows = " UNION ALL ".join(f"SELECT {i} AS monday_item_id, 'Nope {n}' AS order_status, 'x' AS no_such_col"
                              for n in range(6) for i in ids)
    assert _stage(rows) == exitcodes.NOTHING_SENT
    out = capsys.readouterr().out
    assert ("findings per rule: COLUMN_EXISTS 60 (ERROR), DUPLICATE_CONFLICT 60 (ERROR), STATUS_LABEL 60 (ERROR)"
            in out)
    listed = [line for line in out.splitlines() if re.match(r"  ERROR row \d+", line)]
    assert len(listed) == 50
    assert "... 130 more: SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = " in out


@pytest.mark.parametrize("argv", [
    ["stage", "--board-id", str(PLANNING), "--query", "   "],  # empty query (50201)
    ["stage", "--board-id", str(PLANNING), "--query", "SELECT 1 AS monday_item_id WHERE 1 = 0 AND x"],  # 50203
    ["send", "--batch-id", "UB-NO-SUCH-BATCH"],
    ["release", "--batch-id", "UB-NO-SUCH-BATCH"],
    ["rollback", "--batch-id", "UB-NO-SUCH-BATCH", "--reason", "x"],
])
def test_the_users_errors_exit_with_the_usage_code(synced, capsys, argv):
    assert cli.main(argv) == exitcodes.USAGE
    err = capsys.readouterr().err
    assert "database error" not in err and "refused" in err or "does not exist" in err


def test_cancelled_batch_and_vanished_rows_are_the_users_errors(db, synced, capsys):
    a = synced[0]
    assert _stage(f"SELECT {a} AS monday_item_id, 'Done' AS order_status") == exitcodes.OK
    batch_id = capsys.readouterr().out.strip().splitlines()[-1]
    db.execute("DELETE FROM dbo.STG_MON_CustMasterSchedule WHERE update_batch_id = ?", [batch_id])
    assert cli.main(["release", "--batch-id", batch_id]) == exitcodes.USAGE  # 50407: rows gone
    assert "50407" in capsys.readouterr().err
    assert cli.main(["cancel", "--batch-id", batch_id, "--reason", "test"]) == exitcodes.OK
    assert cli.main(["send", "--batch-id", batch_id, "--execute"]) == exitcodes.USAGE
    assert "cancelled" in capsys.readouterr().err
    assert cli.main(["release", "--batch-id", batch_id]) == exitcodes.USAGE  # 50406


def test_placeholder_left_in_the_query_says_to_replace_it(synced, capsys):
    q = ("SELECT monday_item_id, 'In Progress' AS order_status FROM STG_MON_CustMasterSchedule "
         "WHERE monday_board_id = 8709134353 AND monday_item_id = [SAFE_TEST_ITEM_ID]")
    assert _stage(q) == exitcodes.USAGE
    err = capsys.readouterr().err
    assert "50218" in err and "[SAFE_TEST_ITEM_ID]" in err and "replace it" in err


def test_unreachable_database_names_the_setting_and_never_the_password(monkeypatch, capsys, double):
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dsn = (f"DRIVER={{PostgreSQL Unicode}};SERVER=127.0.0.1;PORT={port};DATABASE=opus;UID=postgres;"
           "PWD=hunter2-secret;")
    for var in ("OPUS_CONFIG", "MONDAY_API_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MONDAY_API_TOKEN", TOKEN)
    monkeypatch.setenv("MONDAY_API_URL", double.url)
    assert cli.main(["status", "--dsn", dsn]) == exitcodes.DATABASE
    err = capsys.readouterr().err
    assert "OPUS_DSN" in err and "--dsn" in err and "cannot connect" in err
    assert "hunter2-secret" not in err


def test_budget_left_is_not_zero_when_no_call_was_made(synced, capsys):
    assert cli.main(["send"]) == exitcodes.OK  # no released batch: no call
    err = capsys.readouterr().err
    m = re.search(r"monday calls this run: 0; daily budget left (\d+) of (\d+)", err)
    assert m and m.group(1) == m.group(2) != "0", err


@pytest.mark.parametrize("version", ["2026-13", "2026-00", "26-07"])
def test_api_version_must_be_a_real_month(version):
    with pytest.raises(ConfigError, match="not a valid version"):
        load_config(env={"MONDAY_API_VERSION": version, "MONDAY_API_TOKEN": TOKEN})
    assert load_config(env={"MONDAY_API_VERSION": "2026-12"}).api_version == "2026-12"
