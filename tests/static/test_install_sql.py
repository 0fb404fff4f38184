"""db/install.sql is exactly what the build makes from the manifest (rebuild: python -m sender.build_installer)."""

from __future__ import annotations

from sender.build_installer import build
from sender.installer import DB_ROOT, manifest, source_files


def test_committed_installer_matches_the_sources():
    committed = (DB_ROOT / "install.sql").read_text(encoding="utf-8")
    assert committed == build(), "db/install.sql is stale: run `python -m sender.build_installer`"


def test_manifest_lists_every_source_once_in_both_dialects():
    rels = manifest()
    assert len(rels) == len(set(rels))
    # db/ops/ holds scripts a DBA runs by hand (SQL Agent job, uninstall), db/upgrades/ the steps from one
    # schema version to the next (run by the upgrade, not by a new install): not part of the install
    tsql = {p.relative_to(DB_ROOT).as_posix() for p in DB_ROOT.rglob("*.sql")
            if p.relative_to(DB_ROOT).parts[0] not in ("postgres", "ops", "upgrades") and p.name != "install.sql"}
    pg = {p.relative_to(DB_ROOT / "postgres").as_posix() for p in (DB_ROOT / "postgres").rglob("*.sql")
          if p.relative_to(DB_ROOT / "postgres").parts[0] not in ("ops", "upgrades")}
    assert tsql == set(rels), f"T-SQL files not in the manifest: {sorted(tsql - set(rels))}"
    assert pg == set(rels), f"PostgreSQL files not mirrored: {sorted(set(rels) ^ pg)}"
    assert len(source_files("mssql")) == len(source_files("postgres")) == len(rels)
