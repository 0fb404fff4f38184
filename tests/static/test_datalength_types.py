"""An exact key compare (`a = b COLLATE Latin1_General_100_BIN2 AND DATALENGTH(a) = DATALENGTH(b)`,
docs/sql_conventions.md) compares byte counts: `'topics'` is 6 bytes as varchar and 12 as nvarchar, so a
DATALENGTH equality between a varchar and an nvarchar expression is never true (finding B1: every CREATE
row that named a group was refused). Each side's type is read from the DDL (tests/static/catalog.py): a
table's column through its alias, a temporary table or table variable of the same file, a parameter or
variable, a CAST/CONVERT, or a literal. Where both types are known they must be of the same family (varchar
or nvarchar); x against RTRIM(x) is one type."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sender.installer import source_files
from tests.static.catalog import (
    ROOT,
    tsql_local_types,
    tsql_table_types,
    tsql_variable_types,
)
from tests.static.test_tsql_subset import tsql_sources

FIXTURES = Path(__file__).parent / "fixtures"

_ARG = r"((?:[^()]|\((?:[^()]|\([^()]*\))*\))+)"  # an argument, with up to two levels of parentheses
DATALENGTH_EQ = re.compile(rf"DATALENGTH\s*\(\s*{_ARG}\)\s*(?:=|<>|!=)\s*DATALENGTH\s*\(\s*{_ARG}\)", re.I)
_SOURCE = re.compile(r"(dbo\.\w+|#\w+|@\w+)(?:\s*\([^()]*\))?\s+(?:AS\s+)?(\w+)\b", re.I)
_NOT_ALIAS = {"on", "where", "with", "inner", "left", "right", "cross", "join", "outer", "set", "group", "order",
              "union", "values", "select", "from", "and", "or", "as", "table", "into", "when", "then", "else", "end"}


_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_STRING = re.compile(r"(N?)'(?:[^']|'')*'")


def _strip(text: str) -> str:
    """T-SQL without comments, string literals emptied (N'' and '' keep their type)."""
    return _STRING.sub(r"\1''", _COMMENT.sub(" ", text))


@cache
def ddl_types() -> dict[str, dict[str, str]]:
    return tsql_table_types(source_files("mssql"))


def family(type_text: str | None) -> str | None:
    """'nvarchar' for the Unicode character types, 'varchar' for the others, None for any other type."""
    if type_text is None:
        return None
    base = re.match(r"\s*\[?(\w+)", type_text).group(1).lower()
    if base in ("nvarchar", "nchar", "ntext", "sysname"):
        return "nvarchar"
    if base in ("varchar", "char", "text"):
        return "varchar"
    return None


def _aliases(code: str, at: int) -> dict[str, str]:
    """alias -> table for the sources named around position `at`: the nearest definition of each alias
    before it, else one later in the same statement (a SELECT list is written before its FROM)."""
    end = code.find(";", at)
    before, after = {}, {}
    for m in _SOURCE.finditer(code, 0, len(code) if end < 0 else end):
        alias = m.group(2).lower()
        if alias in _NOT_ALIAS:
            continue
        if m.start() < at:
            before[alias] = m.group(1).lower()
        else:
            after.setdefault(alias, m.group(1).lower())
    return {**after, **before}


def _base(expr: str) -> str:
    """The expression inside any LTRIM/RTRIM/LOWER/UPPER wrappers, without spaces and a COLLATE clause."""
    e = re.sub(r"\s+", "", expr)
    while True:
        m = re.fullmatch(r"(?:LTRIM|RTRIM|LOWER|UPPER)\((.*)\)", e, re.I)
        if m is None:
            break
        e = m.group(1)
    return re.sub(r"COLLATE\w+$", "", e, flags=re.I).lower()


def expr_type(expr: str, code: str, at: int, local: dict, variables: dict) -> str | None:
    e = expr.strip()
    m = re.fullmatch(r"CAST\s*\((.*)\s+AS\s+(\w+(?:\s*\([^)]*\))?)\s*\)", e, re.I | re.S)
    if m:
        return m.group(2)
    m = re.fullmatch(r"CONVERT\s*\(\s*(\w+(?:\s*\([^)]*\))?)\s*,.*\)", e, re.I | re.S)
    if m:
        return m.group(1)
    m = re.fullmatch(r"(?:LTRIM|RTRIM|LOWER|UPPER|LEFT|RIGHT|SUBSTRING|REPLACE)\s*\(\s*(.*?)\s*(?:,.*)?\)", e, re.I | re.S)
    if m:
        return expr_type(m.group(1), code, at, local, variables)
    if re.fullmatch(r"N''", e):
        return "nvarchar"
    if re.fullmatch(r"''", e):
        return "varchar"
    if re.fullmatch(r"@\w+", e):
        return variables.get(e.lower())
    m = re.fullmatch(r"(\w+)\.\[?(\w+)\]?", e)
    if m:
        source = _aliases(code, at).get(m.group(1).lower())
        if source is None:
            return None
        table = local.get(source) if source.startswith(("#", "@")) else ddl_types().get(source.split(".")[-1])
        return (table or {}).get(m.group(2).lower())
    return None


def datalength_mismatches(text: str) -> tuple[list[str], list[str]]:
    """(equalities between a varchar and an nvarchar DATALENGTH, equalities whose types are not known)."""
    code = _strip(text)
    local, variables = tsql_local_types(text), tsql_variable_types(text)
    wrong, unknown = [], []
    for m in DATALENGTH_EQ.finditer(code):
        if _base(m.group(1)) == _base(m.group(2)):
            continue  # x against RTRIM(x) (trailing spaces): one expression, one type
        a = family(expr_type(m.group(1), code, m.start(), local, variables))
        b = family(expr_type(m.group(2), code, m.start(), local, variables))
        if a is None or b is None:
            unknown.append(m.group(0))
        elif a != b:
            wrong.append(m.group(0))
    return wrong, unknown


def test_datalength_equalities_compare_the_same_type():
    problems = {}
    for path in tsql_sources():
        wrong, _ = datalength_mismatches(path.read_text(encoding="utf-8"))
        if wrong:
            problems[str(path.relative_to(ROOT))] = wrong
    assert problems == {}


def test_the_check_types_most_of_the_sources_comparisons():
    # the check reads real comparisons and knows the types of most of them (a comparison over a CTE's column
    # is not typed: it would pass vacuously if the reader of the DDL broke)
    seen = typed = 0
    for path in tsql_sources():
        text = path.read_text(encoding="utf-8")
        _, unknown = datalength_mismatches(text)
        found = len(DATALENGTH_EQ.findall(_strip(text)))
        seen += found
        typed += found - len(unknown)
    assert seen >= 15 and typed >= 12, (seen, typed)


def test_mixed_datalength_fixture_is_caught():
    wrong, unknown = datalength_mismatches((FIXTURES / "datalength_mixed_types.sql").read_text(encoding="utf-8"))
    assert len(wrong) == 3, wrong
    assert unknown == []
