"""The wheel is the product for a host with no checkout: built from the sources, installed into a fresh
virtual environment outside the checkout, its `opus-sender` installs the schema into an empty database
and passes `doctor` against the monday API double."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sender import __version__
from sender.db import Database
from sender.installer import installed_version, manifest
from tests.conftest import ROOT

from ..sender.conftest import TOKEN

pytestmark = pytest.mark.slow


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False, **kw)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # build from a copy, so the checkout gets no build/ or egg-info
    src = tmp_path_factory.mktemp("src") / "opus"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", ".run", "build", "*.egg-info",
                                                             "__pycache__", ".pytest_cache", ".ruff_cache"))
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)])
    (whl,) = out.glob("opus_update_boards-*.whl")
    return whl


def test_the_wheel_carries_every_sql_source(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in manifest():
        assert f"sender/sql/{rel}" in names
        assert f"sender/sql/postgres/{rel}" in names
    assert {"sender/sql/manifest.txt", "sender/sql/install.sql", "sender/sql/ops/uninstall.sql"} <= names
    assert not [n for n in names if n.startswith(("tests/", "db/"))]


def test_installed_from_the_wheel_it_installs_the_schema_and_passes_doctor(wheel, tmp_path, empty_pg_dsn,
                                                                           double):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)])
    exe = venv / "bin" / "opus-sender"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPUS_", "MONDAY_", "PYTHON"))}
    env.update({"MONDAY_API_URL": double.url, "MONDAY_API_TOKEN": TOKEN})
    away = tmp_path / "elsewhere"  # no checkout anywhere near
    away.mkdir()
    version = _run([str(exe), "--version"], cwd=away, env=env).stdout
    assert __version__ in version
    where = _run([str(venv / "bin" / "python"), "-c", "import sender.installer as i; print(i.DB_ROOT)"],
                 cwd=away, env=env).stdout.strip()
    assert Path(where).is_relative_to(venv) and where.endswith("sender/sql")

    done = _run([str(exe), "db", "install", "--dsn", empty_pg_dsn], cwd=away, env=env)
    assert f"schema {__version__} installed" in done.stdout
    with Database(empty_pg_dsn) as db:
        assert installed_version(db) == __version__
        assert db.scalar("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                         "WHERE n.nspname = 'dbo' AND p.proname = 'usp_stageupdates'") == 1

    doc = _run([str(exe), "doctor", "--dsn", empty_pg_dsn], cwd=away, env=env)
    assert "[FAIL]" not in doc.stdout and "checks passed" in doc.stdout, doc.stdout
    assert TOKEN not in doc.stdout + doc.stderr


def test_the_wheel_ships_no_package_that_could_shadow_the_owner_s(wheel):
    tops = {n.split("/", 1)[0] for n in zipfile.ZipFile(wheel).namelist() if not n.split("/", 1)[0].endswith(
        (".dist-info", ".data"))}
    assert tops == {"sender"}, tops  # above all no `pipelines`: the owner's code base has its own


def test_every_importable_folder_of_db_is_a_listed_package():
    """setuptools warns about each folder of db/ (importable name) that pyproject.toml does not list."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    db = ROOT / "db"
    folders = {"sender.sql." + ".".join(d.relative_to(db).parts) for d in db.rglob("*")
               if d.is_dir() and all(p.isidentifier() for p in d.relative_to(db).parts)}
    assert sorted(folders - listed) == []
    assert sorted(p for p in listed - folders if p.startswith("sender.sql.")) == []


def readme_python() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", text, re.S)
    return block


def test_the_readme_python_example_runs_from_the_installed_wheel(wheel, tmp_path, fresh_dsn, double):
    from sender.db import Database as Db

    from ..sender.conftest import PLANNING, load_loader_rows

    if os.environ.get("MSSQL_DSN"):
        pytest.skip("the wheel is tried on the test PostgreSQL")
    with Db(fresh_dsn) as db:
        load_loader_rows(db, double)
    acme = next(i for i in double.planning["item_ids"] if double.item(i)["name"] == "Order 1001 - Acme")
    assert double.item(acme)["texts"]["status"] == "Working on it"

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)])
    away = tmp_path / "elsewhere"  # no checkout on the path: only what the wheel installed
    away.mkdir()
    (away / "example.py").write_text(readme_python(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPUS_", "MONDAY_", "PYTHON"))}
    env.update({"OPUS_DSN": fresh_dsn, "MONDAY_API_URL": double.url, "MONDAY_API_TOKEN": TOKEN})
    proc = _run([str(venv / "bin" / "python"), "example.py"], cwd=away, env=env)
    assert "DRY RUN" in proc.stdout and "Order Status: Working on it -> In Progress" in proc.stdout, proc.stdout
    assert TOKEN not in proc.stdout + proc.stderr
    # sent, then rolled back: monday saw the change and its undo; the audit row carries both
    assert len(double.mutation_log) >= 2
    assert double.item(acme)["texts"]["status"] == "Working on it"
    with Db(fresh_dsn) as db:
        rows = db.query("SELECT b.update_operation, b.batch_status FROM dbo.MON_UpdateBatch b "
                        "WHERE b.board_id = ? ORDER BY b.created_at", [PLANNING])
        assert [(r["update_operation"], r["batch_status"]) for r in rows] == [("UPDATE", "COMPLETED"),
                                                                              ("ROLLBACK", "COMPLETED")]
        audit = db.query("SELECT column_id, rollback_reason FROM dbo.MON_UpdateAudit WHERE monday_item_id = ? "
                         "AND rollback_reason IS NOT NULL", [acme])
        assert audit == [{"column_id": "status", "rollback_reason": "wrong status"}]
