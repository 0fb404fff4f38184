"""The sender calls procedures and reads views only: no SQL text in sender/ names a table.

Every string literal of every module under sender/ (docstrings excepted; f-strings by their literal parts,
and adjacent literals joined as Python joins them) is searched for a project table name, MON_* or
STG_MON_*; views (vw_MON_*) are what the sender reads. The installer is exempt: it is the DBA's install
path (it creates the tables and records the schema version), run as the database owner, never as a role.
So is owner_tables.py: it names the owner's staging tables to read the catalog about them (their indexes,
the modules and SQL Agent steps that name them), never the tables themselves.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "sender_sql"
EXEMPT = {"installer.py", "build_installer.py", "owner_tables.py"}
TABLE = re.compile(r"(?<![A-Za-z0-9_])(?:dbo\.)?\[?((?:STG_)?MON_[A-Za-z0-9_]+)", re.IGNORECASE)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def table_sql(path: Path) -> list[str]:
    """'file:line: NAME' for every string literal of the module that names a project table."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            for m in TABLE.finditer(node.value):
                found.append(f"{path.name}:{node.lineno}: {m.group(1)}")
    return sorted(set(found))


def sender_table_sql(folder: Path) -> list[str]:
    return [hit for path in sorted(folder.glob("*.py")) if path.name not in EXEMPT for hit in table_sql(path)]


def test_sender_holds_no_sql_against_tables():
    assert sender_table_sql(ROOT / "sender") == []


def test_the_check_reports_a_module_that_reads_tables():
    hits = sender_table_sql(FIXTURES)
    assert "reads_a_table.py:6: MON_UpdateQueue" in hits
    assert "reads_a_table.py:10: MON_BoardColumn" in hits
    assert any(h.endswith(": STG_MON_CustMasterSchedule") for h in hits)
    assert not any("vw_MON" in h or "MON_BatchSummary" in h for h in hits)
