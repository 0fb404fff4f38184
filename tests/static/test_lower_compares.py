"""Validation and formatting match labels, aliases, e-mails and keywords ignoring case, and otherwise exactly,
as PostgreSQL's `lower(a) = lower(b)` does: in the T-SQL of that path, every LOWER(...) that is compared
(=, <>, IN, LIKE) lowers its argument under Latin1_General_100_BIN2. Under the database's collation the
compare would also be accent-, width- or kana-insensitive ('Ｄｏｎｅ' or 'cafe' matched 'Done' / 'Café':
finding E1 of the SQL Server review), and LOWER would follow the collation's language. Proven by a fixture."""

from __future__ import annotations

import re
from pathlib import Path

from tests.static.catalog import ROOT
from tests.static.test_tsql_subset import STRIP_COMMENTS_AND_STRINGS

FIXTURES = Path(__file__).parent / "fixtures"
# the sources of validation and formatting (staging and the sender compare SQL keywords and column names)
SOURCES = [
    "db/procedures/usp_Private_ValidateBatch.sql",
    "db/functions/fn_MON_StagedCells.sql",
    "db/functions/fn_MON_Private_FormatValue.sql",
    "db/functions/fn_MON_FormatColumnValue.sql",
    "db/functions/fn_MON_Private_DateText.sql",
    "db/functions/fn_MON_Private_NumberText.sql",
    "db/functions/fn_MON_Private_ColumnLabels.sql",
    "db/functions/fn_MON_Private_RatingMax.sql",
]
BIN2 = re.compile(r"\bCOLLATE\s+Latin1_General_100_BIN2\b", re.I)
COMPARED_AFTER = re.compile(r"\s*(?:=|<>|!=|(?:NOT\s+)?IN\s*\(|(?:NOT\s+)?LIKE\b)", re.I)
COMPARED_BEFORE = re.compile(r"(?:=|<>|!=)\s*$")
# the column type is monday's own keyword ('status', 'date', ...), compared with the project's literals
EXEMPT = re.compile(r"^\s*LTRIM\s*\(\s*RTRIM\s*\(\s*@column_type\s*\)\s*\)\s*$", re.I)


def _argument(code: str, open_at: int) -> int:
    """The position just after the parenthesis that closes the one at open_at."""
    depth = 0
    for i in range(open_at, len(code)):
        depth += {"(": 1, ")": -1}.get(code[i], 0)
        if depth == 0:
            return i + 1
    return len(code)


def collation_dependent_lowers(text: str) -> list[str]:
    code = STRIP_COMMENTS_AND_STRINGS.sub(" ", text)
    found = []
    for m in re.finditer(r"\bLOWER\s*\(", code, re.I):
        end = _argument(code, m.end() - 1)
        arg = code[m.end():end - 1]
        compared = COMPARED_AFTER.match(code, end) or COMPARED_BEFORE.search(code[max(0, m.start() - 20):m.start()])
        if compared and not BIN2.search(arg) and not EXEMPT.match(arg):
            found.append(" ".join(code[m.start():end].split()))
    return found


def test_compared_lowers_are_binary():
    problems = {path: collation_dependent_lowers((ROOT / path).read_text(encoding="utf-8")) for path in SOURCES}
    assert {k: v for k, v in problems.items() if v} == {}


def test_collation_dependent_lower_fixture_is_caught():
    found = collation_dependent_lowers((FIXTURES / "collation_dependent_lower.sql").read_text(encoding="utf-8"))
    assert found == [
        "LOWER(l.label_text)", "LOWER(v.t)", "LOWER(tok.tok)", "LOWER(u.email)", "LOWER(x.t)", "LOWER(a.column_alias)",
    ], found
