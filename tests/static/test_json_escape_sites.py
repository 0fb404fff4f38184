"""Text written inside a JSON string is escaped by dbo.fn_MON_Private_JsonEscape (docs/sql_conventions.md, Time and
JSON), never by STRING_ESCAPE directly: the function escapes exactly as STRING_ESCAPE does and calls it only for a
text that holds a character it escapes, so a value of letters beyond ASCII keeps them on every T-SQL engine.
STRING_ESCAPE itself is written in that function and for ASCII names only: monday column ids, rule codes and
severities. usp_StageUpdates' dynamic SQL (which runs as the caller) makes the values text only; static SQL escapes
them."""

from __future__ import annotations

import re

from tests.static.test_datalength_types import _COMMENT
from tests.static.test_tsql_subset import tsql_sources

CALL = re.compile(r"STRING_ESCAPE\s*\(\s*([^,()]+?)\s*,", re.I)
ASCII_NAMES = {"c.column_id", "e.rule_code", "e.severity"}
ESCAPE_ITSELF = {("fn_MON_Private_JsonEscape.sql", "@text")}


def escape_sites(text: str) -> list[str]:
    """The first argument of each STRING_ESCAPE call outside comments (one written in dynamic SQL's text too)."""
    return [m.group(1) for m in CALL.finditer(_COMMENT.sub(" ", text))]


def misplaced(name: str, text: str) -> list[str]:
    return [arg for arg in escape_sites(text) if arg not in ASCII_NAMES and (name, arg) not in ESCAPE_ITSELF]


def test_string_escape_is_called_for_ascii_names_and_by_the_escape_itself_only():
    found = {p.name: misplaced(p.name, p.read_text(encoding="utf-8")) for p in tsql_sources()}
    assert {name: args for name, args in found.items() if args} == {}


def test_the_check_finds_a_direct_call_on_a_value():
    text = "SELECT N'\"' + STRING_ESCAPE(x.raw_value, 'json') + N'\"' -- STRING_ESCAPE(y, 'json')\nFROM x;"
    assert misplaced("fn_MON_Private_FormatValue.sql", text) == ["x.raw_value"]
    assert misplaced("usp_ReleaseBatch.sql", "SELECT STRING_ESCAPE(c.column_id, 'json')") == []
    assert misplaced("usp_StageUpdates.sql", "SET @d = N'SELECT STRING_ESCAPE(' + @expr + N', ''json'')';") == ["' + @expr + N'"]
