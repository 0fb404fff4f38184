"""docs/opus-sender.example.toml names every setting and works: `opus-sender --config <example> doctor`
passes against a test database and the monday API double. Shell completion comes from the parser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sender.config import load_config, settings
from tests.sender.conftest import (
    TOKEN,
    double,  # noqa: F401 - the monday API double with the Planning board
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "opus-sender.example.toml"
EXE = Path(sys.executable).parent / "opus-sender"


def test_the_example_names_every_setting_and_only_real_ones():
    text = EXAMPLE.read_text(encoding="utf-8")
    named = set(re.findall(r"^#?\s*(\w+) = ", text, re.M))
    keys = {k for k, *_ in settings()}
    assert sorted(keys - named) == [] and sorted(named - keys) == []
    assert "dsn" in tomllib.loads(text)["opus"]


def _with_token_file(tmp_path: Path) -> Path:
    token = tmp_path / "monday.token"
    token.write_text(TOKEN + "\n", encoding="utf-8")
    copy = tmp_path / "opus-sender.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert 'token_file = "/etc/opus/monday.token"' in text
    copy.write_text(text.replace("/etc/opus/monday.token", token.as_posix()), encoding="utf-8")
    return copy


def test_the_example_loads_as_written(tmp_path):
    cfg = load_config(str(_with_token_file(tmp_path)), env={})
    assert cfg.token.reveal() == TOKEN and "ODBC Driver 18 for SQL Server" in cfg.dsn
    assert (cfg.lease_seconds, cfg.max_aliases, cfg.api_version) == (300, 25, "2026-07")


def test_doctor_passes_with_the_example(tmp_path, fresh_dsn, double):  # noqa: F811
    conf = _with_token_file(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPUS_", "MONDAY_"))}
    # the environment wins over the file: the test database and the double instead of sql01 and monday
    env.update({"OPUS_DSN": fresh_dsn, "MONDAY_API_URL": double.url})
    proc = subprocess.run([str(EXE), "--config", str(conf), "doctor"], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[FAIL]" not in proc.stdout and "[skip]" not in proc.stdout and "[ok] monday token" in proc.stdout
    assert TOKEN not in proc.stdout + proc.stderr
    after = subprocess.run([str(EXE), "doctor", "--config", str(conf)], env=env, capture_output=True, text=True,
                           timeout=120, cwd=tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash")
def test_bash_completion_script_from_the_parser():
    script = subprocess.run([str(EXE), "--print-completion", "bash"], capture_output=True, text=True,
                            timeout=60, check=True).stdout
    assert "sync-board" in script and "--create-labels" in script and "--execute" in script
    subprocess.run(["bash", "-n"], input=script, text=True, check=True, timeout=60)
