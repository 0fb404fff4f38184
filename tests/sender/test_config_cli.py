"""Configuration (environment, INI/TOML file, token file), the CLI's --help and its exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sender import cli, exitcodes
from sender.config import Secret, load_config
from sender.db import ConfigError

from .conftest import TOKEN

DSN = "DRIVER={PostgreSQL Unicode};SERVER=127.0.0.1;PORT=1;DATABASE=x;UID=u;PWD=hunter2;"
COMMANDS = [["db"], ["db", "install"], ["db", "version"], ["sync-board"], ["stage"], ["validate"], ["release"],
            ["cancel"], ["send"], ["rollback"], ["status"]]


def test_environment(tmp_path):
    cfg = load_config(env={"OPUS_DSN": DSN, "MONDAY_API_TOKEN": TOKEN, "MONDAY_CONCURRENCY": "3",
                           "MONDAY_DAILY_CALLS": "250", "OPUS_WORKER_ID": "job-7"})
    assert cfg.api_url == "https://api.monday.com/v2" and cfg.api_version == "2026-07"
    assert (cfg.concurrency, cfg.daily_calls, cfg.worker_id) == (3, 250, "job-7")
    assert cfg.require_token() == TOKEN
    for shown in (repr(cfg), str(cfg), repr(cfg.token), f"{cfg.token}", str(cfg.token)):
        assert TOKEN not in shown
        assert "hunter2" not in shown


def test_default_worker_id_is_host_and_pid():
    cfg = load_config(env={})
    assert cfg.worker_id.endswith(f":{os.getpid()}")


def test_ini_file_and_token_file(tmp_path):
    tok = tmp_path / "token"
    tok.write_text(TOKEN + "\n")
    ini = tmp_path / "opus.ini"
    ini.write_text(f"[opus]\ndsn = {DSN}\napi_version = 2026-04\ntoken_file = {tok}\nrequests_per_minute = 100\n")
    cfg = load_config(str(ini), env={})
    assert cfg.token.reveal() == TOKEN and cfg.api_version == "2026-04" and cfg.requests_per_minute == 100
    # the environment wins over the file
    cfg = load_config(str(ini), env={"MONDAY_API_VERSION": "2026-07"})
    assert cfg.api_version == "2026-07"


def test_toml_file(tmp_path):
    toml = tmp_path / "opus.toml"
    toml.write_text('[opus]\napi_url = "http://127.0.0.1:9/v2"\nmax_aliases = 5\n[monday]\ndaily_calls = 10\n')
    cfg = load_config(str(toml), env={})
    assert (cfg.api_url, cfg.max_aliases, cfg.daily_calls) == ("http://127.0.0.1:9/v2", 5, 10)


@pytest.mark.parametrize("env,fragment", [
    ({"MONDAY_API_VERSION": "2026"}, "api_version"),
    ({"MONDAY_API_URL": "ftp://x"}, "api_url"),
    ({"MONDAY_CONCURRENCY": "0"}, "concurrency"),
    ({"MONDAY_DAILY_CALLS": "many"}, "not a number"),
    ({"MONDAY_API_TOKEN_FILE": "/nonexistent/token"}, "token file"),
])
def test_invalid_configuration(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load_config(env={"MONDAY_API_TOKEN": TOKEN, **env})


def test_missing_token_message_names_the_variables():
    with pytest.raises(ConfigError, match="MONDAY_API_TOKEN"):
        load_config(env={}).require_token()


def test_secret_cannot_be_pickled():
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(Secret(TOKEN))


@pytest.mark.parametrize("argv,env", [
    (["send", "--batch-id", "X"], {"OPUS_DSN": DSN}),                          # no token
    (["send"], {"MONDAY_API_TOKEN": TOKEN}),                                  # no DSN
    (["send"], {"OPUS_DSN": DSN, "MONDAY_API_TOKEN": TOKEN, "MONDAY_API_VERSION": "26-7"}),
    (["status"], {"OPUS_DSN": "SERVER=x;DATABASE=y"}),                          # no driver: engine unknown
    (["send", "--config", "/nonexistent.ini"], {}),
])
def test_config_errors_exit_3(monkeypatch, capsys, argv, env):
    for var in ("OPUS_DSN", "MONDAY_API_TOKEN", "MONDAY_API_TOKEN_FILE", "OPUS_CONFIG", "MONDAY_API_VERSION"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert cli.main(argv) == exitcodes.CONFIG
    err = capsys.readouterr().err
    assert "configuration error" in err and TOKEN not in err and "hunter2" not in err


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_help_of_every_command(capsys, command):
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: opus-sender" in out
    if command != ["db"]:
        assert "Exit codes" in out.replace("\n", " ")


def test_top_level_help_lists_every_command_and_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for c in ("db", "sync-board", "stage", "validate", "release", "send", "rollback", "status"):
        assert c in out
    assert "3 configuration" in out


def test_console_script_runs_without_a_terminal():
    """As SQL Agent runs it: a separate process, no TTY; --help works without a database or token."""
    exe = Path(sys.executable).with_name("opus-sender")
    cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "sender.cli"]
    res = subprocess.run([*cmd, "send", "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0 and "--execute" in res.stdout
    res = subprocess.run([*cmd, "frobnicate"], capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == exitcodes.USAGE
