"""docs/errors.md lists every numbered error either engine raises, each with what was wrong and what to
do next, and both engines raise the same numbers."""

from __future__ import annotations

import re

from tests.static.catalog import ROOT

DB = ROOT / "db"
CATALOGUE = ROOT / "docs" / "errors.md"


def raised_numbers(dialect: str) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    if dialect == "tsql":
        files = [p for p in DB.rglob("*.sql") if "postgres" not in p.relative_to(DB).parts and p.name != "install.sql"]
        pattern = re.compile(r"\bTHROW\s+(5\d{4})\b", re.I)
    else:
        files = list((DB / "postgres").rglob("*.sql"))
        pattern = re.compile(r"\bERRCODE\s*=\s*'(5\d{4})'", re.I)
    for path in files:
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(int(m.group(1)), set()).add(path.stem)
    return found


def catalogue_rows() -> dict[int, list[str]]:
    rows = {}
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and re.fullmatch(r"5\d{4}", cells[0]):
            rows[int(cells[0])] = cells
    return rows


def test_both_engines_raise_the_same_numbers():
    tsql, pg = raised_numbers("tsql"), raised_numbers("pg")
    assert tsql, "no THROW found in the T-SQL sources: the scan is broken"
    assert sorted(set(tsql) - set(pg)) == [], "raised in T-SQL only"
    assert sorted(set(pg) - set(tsql)) == [], "raised in PostgreSQL only"


def test_every_raised_number_is_catalogued():
    rows = catalogue_rows()
    raised = set(raised_numbers("tsql")) | set(raised_numbers("pg"))
    assert sorted(raised - set(rows)) == [], "numbers raised but missing from docs/errors.md"


def test_every_catalogue_entry_says_what_was_wrong_and_what_to_do():
    rows = catalogue_rows()
    assert len(rows) >= 10
    for number, cells in rows.items():
        assert len(cells) >= 4, f"{number}: expected | number | raised by | what was wrong | what to do |"
        wrong, todo = cells[2], cells[3]
        assert len(wrong.split()) >= 3, f"{number}: the message column is empty or too short"
        assert len(todo.split()) >= 3, f"{number}: the 'what to do' column is empty or too short"
