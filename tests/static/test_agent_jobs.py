"""The SQL Agent job script does not run the sender as the Agent service account by default (review finding
C5): with no proxy named, it refuses (50938) unless the DBA sets @use_agent_service_account = 'Y'. No SQL
Agent here: read from the script; proven by a broken copy of it."""

from __future__ import annotations

import re

from sender.installer import DB_ROOT

JOBS = DB_ROOT / "ops" / "create_agent_jobs.sql"


def service_account_problems(text: str) -> list[str]:
    problems = []
    if not re.search(r"DECLARE @use_agent_service_account char\(1\) = 'N';", text):
        problems.append("@use_agent_service_account is not in the configuration block with default 'N'")
    refusal = re.search(r"IF @proxy_name IS NULL AND COALESCE\(UPPER\(@use_agent_service_account\), 'N'\) <> 'Y'\s+"
                        r"BEGIN\s+SET @first = COALESCE\(@first, 50938\);", text)
    if not refusal:
        problems.append("a NULL @proxy_name is not refused (50938) without @use_agent_service_account = 'Y'")
    elif refusal.start() > text.index("BEGIN TRANSACTION"):
        problems.append("the refusal comes after the jobs are created")
    return problems


def test_no_proxy_is_refused_unless_the_service_account_is_chosen():
    assert service_account_problems(JOBS.read_text(encoding="utf-8")) == []


def test_a_script_that_falls_back_to_the_service_account_is_caught():
    text = JOBS.read_text(encoding="utf-8")
    assert service_account_problems(text.replace("@use_agent_service_account char(1) = 'N'",
                                                 "@use_agent_service_account char(1) = 'Y'"))
    assert service_account_problems(text.replace("COALESCE(@first, 50938)", "COALESCE(@first, 50999)"))
