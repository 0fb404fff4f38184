"""docs/reference.md is what scripts/build_reference.py makes from the sources and from @help, and every
public procedure answers @help in both engines."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("build_reference", ROOT / "scripts" / "build_reference.py")
build_reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_reference)


def test_reference_matches_sources_and_help(db):
    committed = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert committed == build_reference.build(db), "docs/reference.md is stale: run scripts/build_reference.py"


def test_every_public_procedure_has_help_and_documents_each_parameter(db):
    procs = build_reference.tsql_procedures()
    assert len(procs) >= 10
    for name, (_, params) in procs.items():
        assert any(p["name"] == "help" for p in params), f"{name} has no @help parameter"
        text = build_reference.help_text(db, name)
        assert "@help failed" not in text and "Example" in text, f"{name}: {text[:200]}"
        meanings = build_reference.help_meanings(text)
        missing = [p["name"] for p in params if p["name"].lower() not in meanings]
        assert missing == [], f"{name}: @help does not explain {missing}"


def test_long_help_texts_are_not_broken_across_lines(db):
    """The driver hands a long message over in pieces; the pieces are one message again, so no word of the
    reference is broken across lines ('IT EMS', usp_StageUpd / ates)."""
    text = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert "'ITEMS' \\| 'SUBITEMS'" in text and "IT EMS" not in text
    assert "CALL dbo.usp_StageUpdates(p_query => $q$SELECT 'New order'" in text
    long = "x" * 2500 + " end"
    res = db.execute(f"DO $$ BEGIN RAISE NOTICE '%', '{long}'; END $$") if db.dialect == "postgres" else \
        db.execute(f"PRINT N'{long}'")
    assert res.messages == [long]
