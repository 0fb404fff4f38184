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


def export(target: Path, commit: str = COMMIT, version: str = VERSION) -> Path:
    """The tree of a release (db/, sender/, pipelines/; 0.1.0 unless told) extracted from git history into target."""
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "db", "sender", "pipelines"],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        pytest.fail(f"release {version} (commit {commit}) is not in this clone's history: "
                    f"{archive.stderr.decode(errors='replace').strip()}; clone with full history")
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def run(tree: Path, code: str, **params: object) -> dict:
    """Run code with the sender of the release in tree; `params` arrive as the dict P, and the code sets R."""
    script = "import json, sys\nP = json.loads(sys.argv[1])\nR = {}\n" + textwrap.dedent(code) + (
        "\nimport sender\nR['sender_file'] = sender.__file__\nprint('RESULT=' + json.dumps(R))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPUS_", "MONDAY_"))}
    env["PYTHONPATH"] = str(tree)
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(params)], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"the sender of {tree.name} failed:\n{proc.stdout}\n{proc.stderr}"
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT=")][-1]
    result = json.loads(line[len("RESULT="):])
    assert Path(result["sender_file"]).resolve().is_relative_to(tree.resolve()), result["sender_file"]
    return result
