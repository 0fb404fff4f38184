"""What the install revokes is an explicit list of what earlier releases granted, never a sweep: a REVOKE
built from the catalog (sys.database_permissions, sys.objects, pg_class, pg_proc, information_schema, ...)
or a PostgreSQL `REVOKE ... ON ALL TABLES IN SCHEMA` also revokes what the DBA granted the roles - SELECT on
the source tables of the stagers' queries, say (review finding B2) - and on SQL Server fails on a grant WITH
GRANT OPTION (Msg 4611, A5). Revoking PUBLIC's default EXECUTE from the project's routines is not a grant of
the DBA's and stays allowed. The scope is every file an install or upgrade runs, in both dialects, and the
SQL Server uninstall (which drops the roles: their permissions go with them). Proven by broken fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sender.installer import DB_ROOT, manifest, upgrade_steps

FIXTURES = Path(__file__).parent / "fixtures"
COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
LITERAL = re.compile(r"N?'(?:[^']|'')*'|\$\$")
CATALOG = re.compile(r"\bsys\.(?:database_permissions|objects|all_objects|tables|procedures|views)\b|"
                     r"\bpg_(?:class|proc|namespace|roles|default_acl)\b|\binformation_schema\.|\baclexplode\b",
                     re.I)
REVOKE_TO_ROLE = re.compile(r"\bREVOKE\b(?![^;]*\bFROM\s+PUBLIC\b)", re.I)
SCHEMA_SWEEP = re.compile(r"\bREVOKE\b[^;]*\bON\s+ALL\s+(?:TABLES|ROUTINES|FUNCTIONS|PROCEDURES|SEQUENCES)\s+IN\s+"
                          r"SCHEMA\b(?![^;]*\bFROM\s+PUBLIC\b)", re.I)


def _mark(literal: re.Match) -> str:
    # a string literal becomes a placeholder that keeps only whether it builds a REVOKE to a role
    text = literal.group(0)
    if SCHEMA_SWEEP.search(text.replace("''", "'")):
        return " SWEEP_TEXT "
    return " REVOKE_TEXT " if REVOKE_TO_ROLE.search(text.replace("''", "'")) else " S "


def revoke_sweeps(text: str) -> list[str]:
    """The statements that build a REVOKE from a catalog sweep, or revoke a whole schema from a role."""
    code = LITERAL.sub(_mark, COMMENTS.sub(" ", text))
    found = []
    for statement in re.split(r";|\bLOOP\b", code, flags=re.I):
        one = " ".join(statement.split())
        if "SWEEP_TEXT" in one or SCHEMA_SWEEP.search(one):
            found.append(f"schema sweep: {one[:90]}")
        elif ("REVOKE_TEXT" in one or REVOKE_TO_ROLE.search(one)) and CATALOG.search(one):
            found.append(f"catalog sweep: {one[:90]}")
    return found


def install_sources() -> list[Path]:
    files = []
    for root, dialect in ((DB_ROOT, "mssql"), (DB_ROOT / "postgres", "postgres")):
        files += [root / rel for rel in manifest()] + [s.path for s in upgrade_steps(dialect)]
    return files + [DB_ROOT / "ops" / "uninstall.sql"]


@pytest.mark.parametrize("path", install_sources(), ids=lambda p: str(p.relative_to(DB_ROOT)))
def test_no_revoke_is_built_from_a_sweep(path):
    assert revoke_sweeps(path.read_text(encoding="utf-8")) == [], path


def test_the_roles_scripts_still_revoke_something():
    # the check is not vacuous: both roles.sql revoke the earlier releases' grants by name
    for root in (DB_ROOT, DB_ROOT / "postgres"):
        assert "REVOKE" in (root / "security" / "roles.sql").read_text(encoding="utf-8")


def test_broken_fixtures_are_caught():
    tsql = revoke_sweeps((FIXTURES / "broken_revoke_sweep.sql").read_text(encoding="utf-8"))
    assert [f.split(":")[0] for f in tsql] == ["catalog sweep"]
    pg = revoke_sweeps((FIXTURES / "broken_revoke_sweep_pg.sql").read_text(encoding="utf-8"))
    assert [f.split(":")[0] for f in pg] == ["schema sweep", "catalog sweep", "schema sweep"]


def test_public_and_listed_revokes_pass():
    assert revoke_sweeps("REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA dbo FROM PUBLIC;") == []
    assert revoke_sweeps("FOR v IN SELECT format('%I', p.proname) FROM pg_proc AS p LOOP\n"
                         "EXECUTE format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', v); END LOOP;") == []
    assert revoke_sweeps("SELECT @sql = N'REVOKE ' + l.permission_name + N' FROM ' + QUOTENAME(l.role_name) "
                         "FROM @legacy AS l WHERE OBJECT_ID(l.object_name) IS NOT NULL;") == []
