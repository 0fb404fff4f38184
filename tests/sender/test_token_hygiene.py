"""The token never appears in a log line, an exception text, a database row or a report."""

from __future__ import annotations

import io
import logging
import traceback

import pytest

from sender import cli, exitcodes
from sender.config import load_config
from sender.db import Database
from sender.monday import AuthError, MondayApiError, MondayClient
from sender.report import write_html_report, write_text_report
from sender.send import Sender
from tests.monday_double import Faults

from .conftest import PLANNING, TOKEN, make_config, table_texts
from .queue import released_batch


def _no_token(*texts: str) -> None:
    for t in texts:
        assert TOKEN not in t
        assert TOKEN[4:20] not in t  # not even a part of it


def test_token_stays_out_of_logs_rows_reports_and_errors(db, fresh_dsn, monday_double_factory, cli_env,
                                                         monkeypatch, capsys, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)  # urllib3/requests debug lines included
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    double = monday_double_factory(token=TOKEN, faults=Faults(storm_429_rate=0.2, error_5xx_rate=0.1,
                                                              applied_then_drop_rate=0.1))
    monkeypatch.setenv("MONDAY_API_URL", double.url)
    items = double.planning["item_ids"]
    released_batch(db, "UB-TOK", PLANNING, [
        {"monday_item_id": i, "column_values": {"text0": f"T-{n}", "status": {"label": "Nope"} if n == 3 else
                                                {"index": 1}}} for n, i in enumerate(items)])
    html = tmp_path / "report.html"
    assert cli.main(["-v", "send", "--batch-id", "UB-TOK", "--html", str(html)]) == exitcodes.OK
    assert cli.main(["-v", "send", "--batch-id", "UB-TOK", "--execute", "--json"]) == exitcodes.PARTIAL
    assert cli.main(["-v", "status"]) == exitcodes.OK
    if db.scalar("SELECT COUNT(*) FROM information_schema.routines WHERE routine_name = 'usp_upsertboardmetadata'"):
        assert cli.main(["-v", "sync-board", "--board-id", str(PLANNING), "--items"]) == exitcodes.OK
    cfg = make_config(fresh_dsn, double)
    result = Sender(cfg, dry_run=True).run("UB-TOK")
    buf = io.StringIO()
    write_text_report(db, result, buf)
    write_html_report(db, result, buf)

    captured = capsys.readouterr()
    logs = [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    _no_token(captured.out, captured.err, *logs, buf.getvalue(), html.read_text(encoding="utf-8"),
              *table_texts(db), repr(cfg), str(cfg))
    assert any("Authorization" not in m for m in logs)  # sanity: there were log lines


def test_token_stays_out_of_exceptions(fresh_dsn, double):
    # monday refuses a wrong token: the error says so, without either token
    wrong = make_config(fresh_dsn, double, token=TOKEN[::-1])
    with pytest.raises(AuthError) as exc:
        MondayClient(wrong).query("query { complexity { query } }")
    text = "".join(traceback.format_exception(exc.value))
    _no_token(text, repr(exc.value))
    assert TOKEN[::-1] not in text
    # an unreachable endpoint
    dead = make_config(fresh_dsn, double, api_url="http://127.0.0.1:9/v2", max_attempts=2)
    with pytest.raises(MondayApiError) as exc:
        MondayClient(dead).query("query { complexity { query } }")
    _no_token("".join(traceback.format_exception(exc.value)))
    # a configuration error
    with pytest.raises(Exception) as exc:
        load_config(env={"MONDAY_API_TOKEN": TOKEN, "MONDAY_API_VERSION": "bad"})
    _no_token(str(exc.value))


def test_wrong_token_exit_code(db, double, cli_env, monkeypatch, capsys):
    released_batch(db, "UB-AUTH", PLANNING, [{"monday_item_id": double.planning["item_ids"][0],
                                              "column_values": {"text0": "x"}}])
    monkeypatch.setenv("MONDAY_API_TOKEN", "not-the-token")
    assert cli.main(["send", "--batch-id", "UB-AUTH", "--execute"]) == exitcodes.NOTHING_SENT
    err = capsys.readouterr().err
    assert "not-the-token" not in err and "refused" in err
    with Database(db.dsn) as other:  # the token is checked before anything is claimed: nothing changed
        row = other.query("SELECT queue_status, attempt_count, claimed_at FROM dbo.MON_UpdateQueue "
                          "WHERE batch_id = 'UB-AUTH'")[0]
        assert (row["queue_status"], row["attempt_count"], row["claimed_at"]) == ("READY", 0, None)
        assert other.scalar("SELECT batch_status FROM dbo.MON_UpdateBatch WHERE batch_id = 'UB-AUTH'") == "READY"
