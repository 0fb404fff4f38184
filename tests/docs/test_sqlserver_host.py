"""docs/sqlserver_host.md names what a SQL Server Agent host needs, and what it names exists: the
configuration variables of db/ops/create_agent_jobs.sql, the doctor's driver hint pointing at it, the
example configuration file."""

from __future__ import annotations

import re
from pathlib import Path

from sender.db import DbError
from sender.doctor import MSSQL_DRIVER, missing_driver

ROOT = Path(__file__).resolve().parents[2]
HOST = ROOT / "docs" / "sqlserver_host.md"


def test_the_page_covers_the_host_from_nothing():
    text = HOST.read_text(encoding="utf-8")
    for needed in ("msodbcsql18", "msodbcsql.msi", MSSQL_DRIVER, "Encrypt=yes", "TrustServerCertificate=yes",
                   "Python 3.11", "pipx install", "Developers > My access tokens", "opus-sender.exe\" --config",
                   "doctor", "sp_add_proxy", "sp_grant_proxy_to_subsystem", "create_agent_jobs.sql", "IM002",
                   "Can't open lib"):
        assert needed in text, needed


def test_the_agent_job_variables_it_sets_are_the_script_s():
    text = HOST.read_text(encoding="utf-8")
    script = (ROOT / "db" / "ops" / "create_agent_jobs.sql").read_text(encoding="utf-8")
    block = script.split("-- configuration", 1)[1].split("SET NOCOUNT ON", 1)[0]
    declared = set(re.findall(r"DECLARE (@\w+)", block))
    shown = set(re.findall(r"DECLARE (@\w+) (?:sysname|nvarchar)", text))
    assert shown and shown <= declared, shown - declared


def test_doctor_s_driver_hint_points_at_the_page():
    found, fix = missing_driver(DbError("[unixODBC][Driver Manager]Can't open lib 'ODBC Driver 18 for SQL "
                                        "Server' : file not found", sqlstate="01000"),
                                "DRIVER={ODBC Driver 18 for SQL Server};SERVER=sql01;")
    assert "is not installed" in found and "msodbcsql18" in fix
    assert (ROOT / re.search(r"docs/\w+\.md", fix).group(0)).is_file()
    assert missing_driver(DbError("login failed for user 'x'", sqlstate="28000"), "DRIVER={x};") is None


def test_a_missing_driver_manager_is_named_too():
    found, fix = missing_driver(ImportError("libodbc.so.2: cannot open shared object file"), None)
    assert "driver manager" in found and "unixodbc" in fix
