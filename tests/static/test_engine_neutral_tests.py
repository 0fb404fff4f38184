"""The tiers `make test-mssql` runs (tests/contract, tests/sender, tests/upgrade) must not send
PostgreSQL-only SQL to a SQL Server: a test whose SQL (in its own text, in a module constant or helper
it names) is PostgreSQL's alone is marked `postgres_only` (skipped when MSSQL_DSN is set), or branches on
the dialect itself. Proven by a fixture module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.static.catalog import ROOT

FIXTURES = Path(__file__).parent / "fixtures"
TIERS = ("contract", "sender", "upgrade")
PG_ONLY = re.compile(
    r"::\s*[a-z]|\bp_\w+\s*=>|\bpg_[a-z_]+\b|\bto_regclass\b|\bCALL\s+dbo\.|\bILIKE\b|\bLIMIT\s+\d"
    r"|\bjsonb?_[a-z_]+\(|\bclock_timestamp\b|\bRAISE\s+NOTICE\b|\bDO\s+\$|\bINTERVAL\s+'",
    re.I,
)
DIALECT_WORDS = {"MSSQL", "dialect", "engine", "MSSQL_DSN", "is_mssql"}


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _names(node: ast.AST) -> set[str]:
    out = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return out | {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _marked(decorators: list[ast.expr]) -> bool:
    return any("postgres_only" in ast.unparse(d) for d in decorators)


def unmarked_postgres_tests(source: str) -> list[str]:
    """Test functions of a module that would run PostgreSQL-only SQL on SQL Server."""
    tree = ast.parse(source)
    module_marked = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
                        and "postgres_only" in ast.unparse(n.value) for n in tree.body)
    if module_marked:
        return []
    pg_names: set[str] = {"pg_dsn"}  # names a database on the PostgreSQL server
    for n in tree.body:
        if isinstance(n, ast.Assign) and any(PG_ONLY.search(s) for s in _strings(n.value)):
            pg_names |= {t.id for t in n.targets if isinstance(t, ast.Name)}
        if isinstance(n, ast.FunctionDef) and not n.name.startswith("test_"):
            if any(PG_ONLY.search(s) for s in _strings(n)) and not (_names(n) & DIALECT_WORDS):
                pg_names.add(n.name)
    bad = []
    for n in ast.walk(tree):
        if not isinstance(n, ast.FunctionDef) or not n.name.startswith("test_"):
            continue
        uses_pg = any(PG_ONLY.search(s) for s in _strings(n)) or bool(_names(n) & pg_names)
        fixtures = {a.arg for a in n.args.args}
        if uses_pg and not _marked(n.decorator_list) and not ((_names(n) | fixtures) & DIALECT_WORDS) \
                and "empty_pg_dsn" not in fixtures:
            bad.append(n.name)
    return bad


def tier_modules() -> list[Path]:
    return sorted(p for tier in TIERS for p in (ROOT / "tests" / tier).glob("*.py"))


@pytest.mark.parametrize("path", tier_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_unmarked_postgres_only_sql(path):
    assert unmarked_postgres_tests(path.read_text(encoding="utf-8")) == [], (
        f"{path.name}: mark these tests @pytest.mark.postgres_only, or branch on db.dialect")


def test_fixture_module_is_caught():
    bad = unmarked_postgres_tests((FIXTURES / "postgres_only_tests.py.txt").read_text(encoding="utf-8"))
    assert bad == ["test_casts_in_its_own_sql", "test_interval_arithmetic", "test_uses_a_helper", "test_uses_a_constant",
                   "test_names_a_postgres_database"]
