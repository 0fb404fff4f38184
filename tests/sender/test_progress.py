"""The progress bar of `send`: on a terminal, log lines are written above the bar, never into it; when
stderr is not a terminal (SQL Agent, cron, a pipe) nothing is drawn."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from sender import cli, exitcodes

from .conftest import FAST, PLANNING, TOKEN, load_loader_rows

LOG_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO|WARNING|ERROR) ")
BAR = re.compile(r"\d+/\d+ rows")


@pytest.fixture
def released(db, double, cli_env, capsys):
    load_loader_rows(db, double)
    assert cli.main(["sync-board", "--board-id", str(PLANNING), "--items"]) == exitcodes.OK
    ids = double.planning["item_ids"]
    query = " UNION ALL ".join(f"SELECT {i} AS monday_item_id, 'Done' AS order_status" for i in ids)
    assert cli.main(["stage", "--board-id", str(PLANNING), "--query", query, "--release"]) == exitcodes.OK
    capsys.readouterr()
    return len(ids)


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(released, capsys):
    assert cli.main(["send", "--execute"]) == exitcodes.OK
    err = capsys.readouterr().err
    assert "\r" not in err and not BAR.search(err) and "\x1b[" not in err, err[-2000:]
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines and all(LOG_LINE.match(ln) for ln in lines), lines


def _run_on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Runs opus-sender with stderr on a pseudo-terminal; returns its exit code and what the terminal got."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))  # 40 rows, 100 columns
    proc = subprocess.Popen([str(Path(sys.executable).parent / "opus-sender"), *argv], stdout=subprocess.DEVNULL,
                            stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end was closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_on_a_terminal_log_lines_never_run_into_the_bar(released, fresh_dsn, double, tmp_path):
    conf = tmp_path / "fast.toml"
    conf.write_text("[opus]\n" + "".join(f"{k} = {v}\n" for k, v in FAST.items()) + "max_aliases = 1\n"
                    "claim_size = 2\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPUS_", "MONDAY_"))}
    env.update({"OPUS_DSN": fresh_dsn, "MONDAY_API_URL": double.url, "MONDAY_API_TOKEN": TOKEN,
                "OPUS_CONFIG": str(conf), "COLUMNS": "100", "TERM": "xterm"})
    rc, screen = _run_on_a_terminal(["send", "--execute"], env)
    assert rc == exitcodes.OK, screen[-3000:]
    assert BAR.search(screen), screen[-3000:]  # the bar was drawn
    assert f"{released}/{released} rows" in screen
    # what the terminal shows: each carriage return starts the line again, each newline a new one
    segments = [s for line in screen.replace("\r\n", "\n").split("\n") for s in line.split("\r")]
    logs = [s for s in segments if LOG_LINE.search(s)]
    assert any("claimed" in s for s in logs), logs
    mixed = [s for s in segments if LOG_LINE.search(s) and (BAR.search(s) or not LOG_LINE.match(s.lstrip()))]
    assert mixed == [], mixed
    assert TOKEN not in screen
