"""Where PostgreSQL compares exactly, the T-SQL compares exactly too: lease fences (worker ids), group
ids, and the value comparisons of rollback and preview. SQL Server's default collation ignores case and
trailing spaces and `=` is UNKNOWN on NULL, so these use the exact forms of docs/sql_conventions.md:
`a = b COLLATE Latin1_General_100_BIN2 AND DATALENGTH(a) = DATALENGTH(b)` for equality of keys, and
`EXISTS (SELECT CAST(a AS varbinary(MAX)) EXCEPT SELECT CAST(b AS varbinary(MAX)))` for values."""

from __future__ import annotations

import re
from pathlib import Path

from tests.static.catalog import ROOT
from tests.static.test_tsql_subset import STRIP_COMMENTS_AND_STRINGS, tsql_sources

FIXTURES = Path(__file__).parent / "fixtures"
KEY = r"(?:\w+\.)?(?:lease_owner|group_id)|@q_owner"
# a key compared with = or <> and not followed by the BIN2 collation
KEY_COMPARE = re.compile(rf"({KEY})\s*(=|<>)\s*((?:\w+\.)?\w+|@\w+)(?![\w.])(?!\s+COLLATE\s+Latin1_General_100_BIN2)", re.I)
VALUE = r"(?:\w+\.)?(?:old_value|new_value|current_value)"
VALUE_COMPARE = re.compile(rf"{VALUE}\s*(=|<>)\s*{VALUE}", re.I)


def inexact_compares(text: str) -> list[str]:
    code = STRIP_COMMENTS_AND_STRINGS.sub(" ", text)
    found = []
    for m in KEY_COMPARE.finditer(code):
        rhs = m.group(3)
        if {m.group(1).split(".")[0].lower(), rhs.split(".")[0].lower()} == {"src", "tgt"}:
            continue  # an upsert matches rows by the table's own key (its collation decides, as the key does)
        if rhs.upper() == "NULL" or re.fullmatch(r"@?(board_id|meta|queue_id)", rhs.split(".")[-1], re.I):
            continue
        if re.match(r"\s*,|\s*NULL\b", code[m.end(2):]):  # an assignment in SET, not a comparison
            continue
        if re.search(r"\bSET\s*$|,\s*$", code[:m.start()].rstrip()[-40:]):
            continue
        found.append(m.group(0))
    found += [m.group(0) for m in VALUE_COMPARE.finditer(code)]
    return found


def test_sources_compare_exactly():
    problems = {str(p.relative_to(ROOT)): inexact_compares(p.read_text(encoding="utf-8")) for p in tsql_sources()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_inexact_fixture_is_caught():
    found = inexact_compares((FIXTURES / "inexact_compares.sql").read_text(encoding="utf-8"))
    assert len(found) == 5, found
