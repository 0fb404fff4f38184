"""Release 0.1.0 (main at commit db9f3bc), taken from git history, and its own sender run against a
database: what a DBA had installed before upgrading. The old code runs in a subprocess whose import path
starts with the old tree, so nothing of today's code is mixed in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

COMMIT = "db9f3bc"
VERSION = "0.1.0"


def export(target: Path) -> Path:
    """The 0.1.0 tree (db/, sender/, pipelines/) extracted from git history into target."""
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", COMMIT, "db", "sender", "pipelines"],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        pytest.fail(f"release {VERSION} (commit {COMMIT}) is not in this clone's history: "
                    f"{archive.stderr.decode(errors='replace').strip()}; clone with full history")
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def run(tree: Path, code: str, **params: object) -> dict:
    """Run code with the 0.1.0 sender; `params` arrive as the dict P, and the code sets the dict R."""
    script = "import json, sys\nP = json.loads(sys.argv[1])\nR = {}\n" + textwrap.dedent(code) + (
        "\nimport sender\nR['sender_file'] = sender.__file__\nprint('RESULT=' + json.dumps(R))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPUS_", "MONDAY_"))}
    env["PYTHONPATH"] = str(tree)
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(params)], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"the {VERSION} sender failed:\n{proc.stdout}\n{proc.stderr}"
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT=")][-1]
    result = json.loads(line[len("RESULT="):])
    assert Path(result["sender_file"]).resolve().is_relative_to(tree.resolve()), result["sender_file"]
    return result
