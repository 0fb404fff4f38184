"""Under a non-binary collation a LIKE range is a sort-order range: '[0-9]' also takes superscript and
fullwidth digits and '[A-Za-z]' accented letters, which TRY_CONVERT then refuses (finding B10 of the SQL
Server review: {"hour":,"minute":30} validated, E3). PostgreSQL's regular expressions compare code points.
In the T-SQL of validation and formatting, a LIKE whose pattern has a range is applied to text under
Latin1_General_100_BIN2: a COLLATE in the compared expression, or a function whose text is read under it
from the start (`LTRIM(RTRIM(@value)) COLLATE Latin1_General_100_BIN2 AS v`). Proven by a fixture."""

from __future__ import annotations

import re
from pathlib import Path

from tests.static.catalog import ROOT
from tests.static.test_lower_compares import SOURCES

FIXTURES = Path(__file__).parent / "fixtures"
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
LIKE = re.compile(r"\bLIKE\s+N?'((?:[^']|'')*)'", re.I)
RANGE = re.compile(r"\[\^?[^\]]*\w-\w[^\]]*\]")
BOUNDARY = re.compile(r"\b(?:AND|OR|WHEN|WHERE|ON|THEN|ELSE|IF)\b|[,;]", re.I)
BIN2 = re.compile(r"\bCOLLATE\s+Latin1_General_100_BIN2\b", re.I)
READ_AS_BIN2 = re.compile(r"LTRIM\s*\(\s*RTRIM\s*\(\s*@value\s*\)\s*\)\s+COLLATE\s+Latin1_General_100_BIN2\s+AS\s+v\b", re.I)


def collation_dependent_ranges(text: str) -> list[str]:
    code = _COMMENT.sub(" ", text)
    if READ_AS_BIN2.search(code):
        return []
    found = []
    for m in LIKE.finditer(code):
        if not RANGE.search(m.group(1)):
            continue
        before = code[max(0, m.start() - 300):m.start()]
        bounds = list(BOUNDARY.finditer(before))
        operand = before[bounds[-1].end():] if bounds else before
        if not BIN2.search(operand):
            found.append(" ".join((operand + m.group(0)).split()))
    return found


def test_ranged_likes_are_binary():
    problems = {path: collation_dependent_ranges((ROOT / path).read_text(encoding="utf-8")) for path in SOURCES}
    assert {k: v for k, v in problems.items() if v} == {}


def test_collation_dependent_range_fixture_is_caught():
    found = collation_dependent_ranges((FIXTURES / "collation_dependent_range.sql").read_text(encoding="utf-8"))
    assert found == [
        "x.t NOT LIKE N'[0-9]:[0-9][0-9]'", "x.t LIKE N'%[^0-9]%'", "UPPER(x.t) NOT LIKE N'[A-Za-z][A-Za-z]'",
    ], found
