"""The T-SQL sources stay in the subset SQL Server 2017+ and other T-SQL engines share where that costs
SQL Server nothing: procedures as a stub then ALTER, views and functions dropped and created, no MERGE
(which also has known SQL Server defects). Words inside comments and strings do not count."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.static.catalog import ROOT

FIXTURES = Path(__file__).parent / "fixtures"
FORBIDDEN = {
    "CREATE OR ALTER": re.compile(r"\bCREATE\s+OR\s+ALTER\b", re.I),
    "MERGE": re.compile(r"^\s*MERGE\b|;\s*MERGE\b", re.I | re.M),
}
STRIP_COMMENTS_AND_STRINGS = re.compile(r"--[^\n]*|/\*.*?\*/|N?'(?:[^']|'')*'", re.S)


def forbidden_forms(text: str) -> list[str]:
    code = STRIP_COMMENTS_AND_STRINGS.sub(" ", text)
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(code)]


def tsql_sources() -> list[Path]:
    db = ROOT / "db"
    return sorted(p for p in db.rglob("*.sql")
                  if "postgres" not in p.relative_to(db).parts and p.name != "install.sql")


@pytest.mark.parametrize("path", tsql_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_create_or_alter_and_no_merge(path):
    assert forbidden_forms(path.read_text(encoding="utf-8")) == [], path


def test_the_generated_installer_has_none_either():
    assert forbidden_forms((ROOT / "db" / "install.sql").read_text(encoding="utf-8")) == []


def test_broken_fixture_is_caught():
    assert forbidden_forms((FIXTURES / "broken_create_or_alter.sql").read_text(encoding="utf-8")) == [
        "CREATE OR ALTER", "MERGE"]


def test_words_in_comments_and_strings_do_not_count():
    assert forbidden_forms("-- MERGE is not used\nSELECT N'CREATE OR ALTER' AS x; /* MERGE */\n") == []
