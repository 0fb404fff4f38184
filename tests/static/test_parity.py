"""The two dialects define the same tables, columns, views, procedures and parameters."""

from __future__ import annotations

from pathlib import Path

from sender.db import Database
from sender.installer import source_files
from tests.static.catalog import compare, pg_catalog, tsql_catalog

FIXTURES = Path(__file__).parent / "fixtures"


def test_dialects_define_the_same_objects(db):
    tsql = tsql_catalog(source_files("mssql"))
    pg = pg_catalog(db)
    assert tsql["table"], "no T-SQL table found: the catalog reader is broken"
    assert compare(tsql, pg) == []


def test_parity_check_reports_a_broken_fixture(empty_pg_dsn):
    # proves the check can fail: a parameter and a column present in T-SQL only are reported
    with Database(empty_pg_dsn) as db:
        db.run_script((FIXTURES / "parity_pg.sql").read_text(encoding="utf-8"))
        pg = pg_catalog(db)
    tsql = tsql_catalog([FIXTURES / "parity_tsql.sql"])
    problems = compare(tsql, pg)
    assert "procedure usp_parityprobe: reason in T-SQL only" in problems
    assert "table mon_parityprobe: probe_note in T-SQL only" in problems
