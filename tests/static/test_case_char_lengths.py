"""A CASE expression's type is the highest of its branches' types, and for char(n) the longest n: a CASE that
returns CONVERT(char(10), d, 23) in one branch and CONVERT(char(19), dt, 120) in another returns char(19),
so the 10-character date is padded with nine spaces (the date payload defect of the SQL Server review, 4.4).
No CASE of the T-SQL sources mixes fixed-length character conversions of different lengths. Proven by a
fixture."""

from __future__ import annotations

import re
from pathlib import Path

from tests.static.catalog import ROOT
from tests.static.test_tsql_subset import STRIP_COMMENTS_AND_STRINGS, tsql_sources

FIXTURES = Path(__file__).parent / "fixtures"

_TOKEN = re.compile(r"\b(CASE|BEGIN|END)\b(\s+(?:TRY|CATCH|TRAN|TRANSACTION|DISTRIBUTED)\b)?", re.I)
_CHAR = re.compile(
    r"CONVERT\s*\(\s*n?char\s*\(\s*(\d+)\s*\)|CAST\s*\((?:[^()]|\([^()]*\))*?\bAS\s+n?char\s*\(\s*(\d+)\s*\)\s*\)",
    re.I,
)


def case_spans(code: str) -> list[tuple[int, int]]:
    """(start, end) of every CASE ... END of a T-SQL text (BEGIN ... END blocks are told apart)."""
    stack: list[tuple[str, int]] = []
    spans = []
    for m in _TOKEN.finditer(code):
        word, suffix = m.group(1).upper(), (m.group(2) or "").strip().upper()
        if word == "BEGIN":
            if suffix not in ("TRAN", "TRANSACTION", "DISTRIBUTED"):
                stack.append(("BEGIN", m.start()))
        elif word == "CASE":
            stack.append(("CASE", m.start()))
        elif stack:
            kind, start = stack.pop()
            if kind == "CASE":
                spans.append((start, m.end()))
    return spans


def mixed_char_cases(text: str) -> list[str]:
    code = STRIP_COMMENTS_AND_STRINGS.sub(" ", text)
    found = []
    for start, end in case_spans(code):
        lengths = {int(a or b) for a, b in _CHAR.findall(code[start:end])}
        if len(lengths) > 1:
            found.append(f"CASE at character {start}: char lengths {sorted(lengths)}")
    return found


def test_no_case_mixes_char_lengths():
    problems = {str(p.relative_to(ROOT)): mixed_char_cases(p.read_text(encoding="utf-8")) for p in tsql_sources()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_mixed_char_case_fixture_is_caught():
    found = mixed_char_cases((FIXTURES / "case_mixed_char_lengths.sql").read_text(encoding="utf-8"))
    assert len(found) == 2, found
