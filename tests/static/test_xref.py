"""Every object a T-SQL script names exists in the T-SQL sources or is a known system object, and every
EXEC of a project procedure passes only parameters the callee declares."""

from __future__ import annotations

from sender.installer import source_files
from tests.static.catalog import exec_calls, references, xref_problems


def test_tsql_cross_references_resolve():
    assert xref_problems(source_files("mssql")) == []


def test_xref_reports_unknown_objects_and_parameters(tmp_path):
    a = tmp_path / "a.sql"
    a.write_text(
        "CREATE OR ALTER PROCEDURE dbo.usp_A @x int AS BEGIN SELECT @x AS x; END;\nGO\n", encoding="utf-8"
    )
    b = tmp_path / "b.sql"
    b.write_text(
        "CREATE OR ALTER PROCEDURE dbo.usp_B AS BEGIN\n"
        "    EXEC dbo.usp_A @x = 1, @y = 2;\n"
        "    SELECT * FROM dbo.MON_Nowhere;\n"
        "    SELECT name FROM sys.not_a_view;\n"
        "END;\nGO\n",
        encoding="utf-8",
    )
    problems = xref_problems([a, b])
    assert "b.sql: EXEC dbo.usp_a passes undeclared @y" in problems
    assert "b.sql: dbo.mon_nowhere is not defined in the T-SQL sources" in problems
    assert "b.sql: sys.not_a_view is not a known system object" in problems


def test_references_ignore_comments_and_strings():
    text = "-- dbo.Commented\nSELECT N'dbo.InString' AS s FROM dbo.Real; /* dbo.Block */"
    assert references(text) == {"dbo.real"}
    assert exec_calls("EXEC dbo.usp_X @a = 1, @b = @c OUTPUT;") == [("usp_x", {"a", "b"})]
