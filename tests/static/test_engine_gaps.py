"""The engine-gap list of the test tier (tests/engine_gaps.py) and docs/engine_gaps.md say the same, and a gap
never hides a failure on SQL Server."""

from __future__ import annotations

import re
from pathlib import Path

from tests.engine_gaps import BY_ID, GAPS, classify

ROOT = Path(__file__).resolve().parents[2]
BABELFISH = "Babelfish for PostgreSQL with SQL Server Compatibility - 12.0.2000.8"
SQL_SERVER = "Microsoft SQL Server 2022 (RTM-CU12) - 16.0.4125.3 (X64)"


def test_every_gap_is_documented_with_its_id():
    doc = (ROOT / "docs" / "engine_gaps.md").read_text(encoding="utf-8")
    missing = [gap.gap_id for gap in GAPS if f"`{gap.gap_id}`" not in doc]
    assert missing == [], f"gaps not in docs/engine_gaps.md: {missing}"


def test_markers_name_known_gaps():
    used = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        used |= set(re.findall(r"engine_gap\(\"([^\"]+)\"\)", path.read_text(encoding="utf-8")))
    assert used, "no engine_gap marker found: the scan is broken"
    assert used - set(BY_ID) == set()


def test_a_signature_counts_only_on_its_engine():
    text = 'sender.db.DbError: syntax error near \'LIMIT\' at line 1 and character position 12'
    assert classify(text, BABELFISH).gap_id == "catch-dynamic-syntax-error"
    assert classify(text, SQL_SERVER) is None
    assert classify("AssertionError: assert 4 == 0", BABELFISH) is None
    prefixed = 'DbError: relation "opus_m1_opus_m1_dbo.mon_updatebatch" does not exist'
    assert classify(prefixed, BABELFISH).gap_id == "fk-double-prefix"
    assert classify('relation "opus_m1_dbo.mon_updatebatch" does not exist', BABELFISH) is None


def test_a_marker_counts_only_on_its_engine():
    assert classify("anything", BABELFISH, ("openjson-unescape",)).gap_id == "openjson-unescape"
    assert classify("anything", SQL_SERVER, ("openjson-unescape",)) is None
    # a gap of one engine version: 4.4.0-dev only
    assert classify("anything", BABELFISH + " (Babelfish 4.4.0)", ("select-into-name-case",)).gap_id == \
        "select-into-name-case"
    assert classify("anything", BABELFISH + " (Babelfish 4.3.0)", ("select-into-name-case",)) is None
