"""docs/errors.md lists every numbered error either engine raises, each with what was wrong and what to
do next, and which engine raises it; both engines raise the same numbers."""

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


def catalogue_rows(text: str | None = None) -> dict[int, list[str]]:
    rows = {}
    for line in (CATALOGUE.read_text(encoding="utf-8") if text is None else text).splitlines():
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


_NUMBER = re.compile(r"(?<![\w.])(5\d{4})(?![\w.])")


def _code(text: str) -> str:
    return re.sub(r"/\*.*?\*/", "", re.sub(r"--[^\n]*", "", text), flags=re.S)


def engines_of_numbers() -> dict[int, set[str]]:
    """Number -> the engines whose sources raise it. Any number written in the code (not in a comment)
    counts: THROW 50xyz / ERRCODE = '50xyz', and numbers collected first and raised together (THROW @first,
    ERRCODE = v_first); the one-file installer's guards (sender/build_installer.py) are SQL Server's."""
    tsql = [p for p in DB.rglob("*.sql") if "postgres" not in p.relative_to(DB).parts and p.name != "install.sql"]
    found: dict[int, set[str]] = {}
    sources = [(p, "SQL Server") for p in tsql] + [(p, "PostgreSQL") for p in (DB / "postgres").rglob("*.sql")]
    sources.append((ROOT / "sender" / "build_installer.py", "SQL Server"))
    for path, engine in sources:
        for n in _NUMBER.findall(_code(path.read_text(encoding="utf-8"))):
            found.setdefault(int(n), set()).add(engine)
    return found


def engine_problems(text: str) -> list[str]:
    """What a catalogue text says wrongly about which numbers exist and which engines raise them."""
    rows, raised = catalogue_rows(text), engines_of_numbers()
    problems = [f"{n}: raised by {', '.join(sorted(raised[n]))} but not listed" for n in sorted(set(raised) - set(rows))]
    problems += [f"{n}: listed but raised by no source" for n in sorted(set(rows) - set(raised))]
    for n in sorted(set(rows) & set(raised)):
        by = rows[n][1]
        said = {e for e in ("SQL Server", "PostgreSQL") if f"({e})" in by}
        only = raised[n] if len(raised[n]) == 1 else set()
        if said != only:
            problems.append(f"{n}: raised by {' and '.join(sorted(raised[n]))}, but the catalogue says "
                            + (f"({', '.join(sorted(said))}) only" if said else "both engines"))
    return problems


def test_the_catalogue_says_which_engine_raises_each_number():
    assert engine_problems(CATALOGUE.read_text(encoding="utf-8")) == []


def test_a_wrong_engine_or_number_in_the_catalogue_is_caught():
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "| 50205 | usp_StageUpdates |" in text
    wrong_engine = text.replace("| 50205 | usp_StageUpdates |", "| 50205 | usp_StageUpdates (SQL Server) |")
    assert engine_problems(wrong_engine) == [
        "50205: raised by PostgreSQL and SQL Server, but the catalogue says (SQL Server) only"]
    wrong_number = text.replace("| 50217 | usp_StageUpdates |", "| 50299 | usp_StageUpdates |")
    assert engine_problems(wrong_number) == [
        "50217: raised by PostgreSQL, SQL Server but not listed", "50299: listed but raised by no source"]
    agent_only = text.replace("| 50930 | create_agent_jobs.sql (SQL Server) |", "| 50930 | create_agent_jobs.sql |")
    assert engine_problems(agent_only) == ["50930: raised by SQL Server, but the catalogue says both engines"]
