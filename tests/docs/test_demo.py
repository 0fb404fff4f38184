"""`make demo` walks the whole flow end to end (scripts/demo.py): each step runs for real and the run ends
with the board restored by the rollback. With MSSQL_DSN set (`make test-mssql`) the same flow runs on that
SQL Server database in T-SQL (`make demo-mssql`), and must end with the same board state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_end_to_end():
    # the environment as it is: MSSQL_DSN, when set, makes it the T-SQL demo
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py")], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=os.environ.copy())
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr[-3000:]
    assert "mutations applied on the board during the dry run: 0" in out
    assert "board now: item" in out and "Order Status = 'In Progress'" in out  # after the send
    assert out.rstrip().splitlines()[-2].startswith("Demo finished")
    # the last board read (after the rollback) shows the status the item had before
    reads = [line for line in out.splitlines() if line.startswith("board now: item")]
    assert len(reads) == 2 and reads[-1].endswith("'Working on it'")
    assert (ROOT / "reports" / "demo_dry_run.html").is_file()
