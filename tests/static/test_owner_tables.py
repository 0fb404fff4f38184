"""Nothing the project creates on the owner's staging tables (STG_MON_*) asks anything of the owner's
loader: no filtered (partial) index, no computed column, no schema-bound view over them (an indexed view
needs one). On SQL Server each of these makes every INSERT, UPDATE and DELETE on the table fail with
Msg 1934 unless the writer runs with ANSI_NULLS, QUOTED_IDENTIFIER, ANSI_PADDING, ANSI_WARNINGS,
CONCAT_NULL_YIELDS_NULL, ARITHABORT ON and NUMERIC_ROUNDABORT OFF - SQL Agent T-SQL job steps, sqlcmd without
-I and bcp without -q do not. The PostgreSQL twin follows (a behaviour in one dialect only is a defect).
Upgrade steps may DROP such an index; none may create one. Nor does any statement read or write them with a
hint that holds locks past the statement or takes a table lock (HOLDLOCK, SERIALIZABLE, TABLOCK, ...): over a
few thousand rows SQL Server escalates to a table lock, and the loader waits for the whole transaction.
Proven by broken fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.static.catalog import ROOT

FIXTURES = Path(__file__).parent / "fixtures"
STRIP_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
OWNER_TABLE = r"(?:\[?dbo\]?\.)?\[?STG_MON_\w+\]?"
# CREATE [UNIQUE] [CLUSTERED|NONCLUSTERED] INDEX [IF NOT EXISTS] name ON owner_table (...) [INCLUDE (...)] WHERE
FILTERED_INDEX = re.compile(
    r"\bCREATE\s+(?:UNIQUE\s+)?(?:(?:NON)?CLUSTERED\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?[\w\[\]\"]+\s+ON\s+"
    + OWNER_TABLE + r"\s*\([^)]*\)\s*(?:INCLUDE\s*\([^)]*\)\s*)?WHERE\b", re.I)
COMPUTED_COLUMN = re.compile(r"\bALTER\s+TABLE\s+" + OWNER_TABLE + r"\s+ADD\s+(?:COLUMN\s+)?\[?\w+\]?\s+AS\s*\(",
                             re.I)
GENERATED_COLUMN = re.compile(r"\bALTER\s+TABLE\s+" + OWNER_TABLE + r"\s+ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
                              r"\w+\s+[^;]*\bGENERATED\s+ALWAYS\s+AS\s*\(", re.I)
# a table hint that keeps locks past the statement or takes a table lock on the owner's table: HOLDLOCK over a
# few thousand rows escalates to a table S lock that stops the loader for the rest of the transaction
HELD_LOCK_HINT = re.compile(OWNER_TABLE + r"(?:\s+(?:AS\s+)?(?!WITH\b)\w+)?\s+WITH\s*\([^)]*\b(?:HOLDLOCK|SERIALIZABLE|"
                            r"REPEATABLEREAD|TABLOCKX?|XLOCK|PAGLOCK)\b[^)]*\)", re.I)
SCHEMABOUND_VIEW = re.compile(r"\bCREATE\s+VIEW\b[^;]*?\bWITH\s+SCHEMABINDING\b[^;]*?\bSTG_MON_", re.I | re.S)


def owner_table_problems(text: str) -> list[str]:
    code = STRIP_COMMENTS.sub(" ", text)
    found = []
    for name, pattern in (("filtered index", FILTERED_INDEX), ("computed column", COMPUTED_COLUMN),
                          ("computed column", GENERATED_COLUMN), ("schema-bound view", SCHEMABOUND_VIEW),
                          ("held lock hint", HELD_LOCK_HINT)):
        found += [f"{name}: {' '.join(m.group(0).split())[:100]}" for m in pattern.finditer(code)]
    return found


def sources() -> list[Path]:
    db = ROOT / "db"
    return sorted(p for p in db.rglob("*.sql") if p.name != "install.sql")


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_puts_a_filtered_index_or_the_like_on_an_owner_table(path):
    assert owner_table_problems(path.read_text(encoding="utf-8")) == [], path


def test_the_generated_installer_has_none_either():
    # the installer carries the sources as dynamic SQL (quotes doubled), the patterns still see them
    assert owner_table_problems((ROOT / "db" / "install.sql").read_text(encoding="utf-8")) == []


def test_broken_fixture_is_caught():
    found = owner_table_problems((FIXTURES / "broken_owner_table_objects.sql").read_text(encoding="utf-8"))
    assert [f.split(":")[0] for f in found] == ["filtered index", "filtered index", "computed column",
                                                  "schema-bound view", "held lock hint", "held lock hint"]
    found = owner_table_problems((FIXTURES / "broken_owner_table_objects_pg.sql").read_text(encoding="utf-8"))
    assert [f.split(":")[0] for f in found] == ["filtered index"]


def test_a_plain_index_and_the_project_tables_filtered_indexes_pass():
    assert owner_table_problems("CREATE INDEX IX_STG_MON_X_b ON dbo.STG_MON_X (update_batch_id, update_row_no);") == []
    assert owner_table_problems("CREATE INDEX IX_q ON dbo.MON_UpdateQueue (batch_id) WHERE queue_status = 'READY';") == []
    assert owner_table_problems("-- CREATE INDEX i ON dbo.STG_MON_X (a) WHERE a IS NOT NULL\n") == []
    assert owner_table_problems("INSERT INTO dbo.STG_MON_X WITH (ROWLOCK) (a) VALUES (1);") == []
    assert owner_table_problems("SELECT 1 FROM dbo.MON_UpdateBatch AS b WITH (UPDLOCK, HOLDLOCK);") == []
