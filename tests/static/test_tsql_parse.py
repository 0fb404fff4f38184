"""Every T-SQL file parses with sqlfluff with zero unparsable sections (the T-SQL's first static gate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.static.catalog import ROOT, parse_tsql

FIXTURES = Path(__file__).parent / "fixtures"


def tsql_files() -> list[Path]:
    files = [p for p in (ROOT / "db").rglob("*.sql") if "postgres" not in p.relative_to(ROOT / "db").parts]
    files = [p for p in files if p.name != "install.sql"]
    files += sorted((ROOT / "tests" / "tsqlt").rglob("*.sql"))
    return sorted(files)


def test_there_are_tsql_sources():
    assert len(tsql_files()) >= 15


@pytest.mark.parametrize("path", tsql_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_tsql_file_parses_without_unparsable_sections(path):
    tree, unparsable = parse_tsql(path.read_text(encoding="utf-8"))
    assert tree is not None, f"{path} did not parse at all"
    assert unparsable == [], f"{path}: unparsable sections: {unparsable}"


def test_broken_fixture_is_detected():
    # proves the check above can fail: a construct sqlfluff cannot parse is reported
    _, unparsable = parse_tsql((FIXTURES / "broken_unparsable.sql").read_text(encoding="utf-8"))
    assert unparsable, "the deliberately broken fixture was not reported as unparsable"
    assert any("EXECUTE AS USER" in u.upper() for u in unparsable)


def test_no_file_is_skipped_for_size():
    # sqlfluff skips files over large_file_skip_byte_limit silently unless the limit is 0
    cfg = (ROOT / ".sqlfluff").read_text(encoding="utf-8")
    assert "large_file_skip_byte_limit = 0" in cfg
