"""The one-file SQL Server installer and the drop list are built the way a failed or repeated install
needs: SET options first, a guard after every batch, upgrade steps guarded by the recorded version, and
views and functions dropped in an order SQL Server accepts. Each check is proven by a broken fixture."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sender.build_installer import GUARD, build, version_rank
from sender.db import split_batches
from sender.installer import DB_ROOT, MSSQL, TSQL_SET_OPTIONS, manifest, upgrade_steps

SET_LINES = [ln for ln in TSQL_SET_OPTIONS.splitlines() if ln.strip()]
REQUIRED_SET = ["ANSI_NULLS ON", "QUOTED_IDENTIFIER ON", "ANSI_PADDING ON", "ANSI_WARNINGS ON",
                "CONCAT_NULL_YIELDS_NULL ON", "ARITHABORT ON", "NUMERIC_ROUNDABORT OFF"]


def set_option_problems(installer: str) -> list[str]:
    """SET options missing from the installer's first batch (the one before any object is created)."""
    first = split_batches(installer)[0].upper()
    found = {" ".join(m.split()) for m in re.findall(r"(?m)^\s*SET\s+(\w+\s+(?:ON|OFF))\s*;", first)}
    return [opt for opt in REQUIRED_SET if opt not in found]


def unguarded_batches(installer: str) -> list[int]:
    """Indexes of batches (after the header) not followed by the stop guard."""
    batches = split_batches(installer)
    guard = GUARD.strip().removesuffix("GO").strip()
    bad = []
    for i in range(1, len(batches) - 2):
        if batches[i].strip() == guard:
            continue
        if batches[i + 1].strip() != guard:
            bad.append(i)
    return bad


BODY_SHAPE = re.compile(
    r"BEGIN TRY\n(?P<work>.*?)    UPDATE #opus_install SET batch_ok = 1;\nEND TRY\nBEGIN CATCH\n.*\nEND CATCH;", re.S)
WORK_SHAPE = re.compile(
    r"\s*(?:IF EXISTS \(SELECT 1 FROM #opus_install WHERE from_rank < \d+\)\s*BEGIN\s*)?"
    r"(?:UPDATE #opus_install SET owner_locks_at = [^\n]*\s*)?"
    r"EXEC sys\.sp_executesql N'(?:[^']|'')*';\s*(?:END;\s*)?", re.S)


def unwrapped_batches(installer: str) -> list[str]:
    """Batches between the header and the footer that are neither the guard nor a source batch run as dynamic
    SQL inside TRY...CATCH that sets the marker when it completed (A1: a compile error in a batch run directly
    would not be caught, and SSMS would go on to the next batch with the transaction still open)."""
    batches = split_batches(installer)
    guard = GUARD.strip().removesuffix("GO").strip()
    bad = []
    for batch in batches[2:-2]:
        text = "\n".join(ln for ln in batch.strip().splitlines() if not ln.startswith("-- ----"))
        shape = BODY_SHAPE.fullmatch(text.strip())
        if text.strip() != guard and not (shape and WORK_SHAPE.fullmatch(shape.group("work"))):
            bad.append(text.strip()[:80])
    return bad


def drop_order_problems(drop_sql: str, rels: list[str]) -> list[str]:
    """The T-SQL drop list must name every view, then every function in reverse install order."""
    want = [f"VIEW dbo.{Path(r).stem}" for r in reversed(rels) if r.startswith("views/")]
    want += [f"FUNCTION dbo.{Path(r).stem}" for r in reversed(rels) if r.startswith("functions/")]
    got = re.findall(r"(?im)^\s*DROP\s+(VIEW|FUNCTION)\s+IF\s+EXISTS\s+(dbo\.\w+)\s*;", drop_sql)
    got = [f"{kind.upper()} {name}" for kind, name in got]
    return [] if got == want else [f"expected {want}, found {got}"]


def test_installer_sets_every_option_first():
    assert SET_LINES and set_option_problems(build()) == []


def test_installer_without_set_options_is_caught():
    broken = build().replace("SET QUOTED_IDENTIFIER ON;", "").replace("SET ARITHABORT ON;", "")
    assert set_option_problems(broken) == ["QUOTED_IDENTIFIER ON", "ARITHABORT ON"]


def test_every_batch_is_followed_by_the_stop_guard():
    assert unguarded_batches(build()) == []


def test_a_batch_without_its_guard_is_caught():
    text = build()
    guard_at = text.index(GUARD, len(text) // 2)
    assert unguarded_batches(text[:guard_at] + text[guard_at + len(GUARD):])


def test_every_source_batch_runs_as_dynamic_sql_that_sets_the_marker():
    text = build()
    assert unwrapped_batches(text) == []
    # the guard stops on a missing marker as well as on a lost transaction, and rolls back what is open
    assert "IF @@TRANCOUNT <> 1 OR OBJECT_ID(N'tempdb..#opus_install') IS NULL" in GUARD
    assert "ELSE IF NOT EXISTS (SELECT 1 FROM #opus_install WHERE batch_ok = 1)" in GUARD
    assert GUARD.count("ROLLBACK TRANSACTION") == 2 and GUARD.count("SET NOEXEC ON;") == 2
    assert "UPDATE #opus_install SET batch_ok = 0;" in GUARD


def test_a_batch_run_directly_is_caught():
    # the broken fixture: one source batch emitted as itself, as the installer of 0.3.0 did
    text = build()
    start = text.index("BEGIN TRY\n    EXEC sys.sp_executesql N'", len(text) // 2)
    end = text.index("END CATCH;\nGO\n", start) + len("END CATCH;\nGO\n")
    raw = "CREATE VIEW dbo.vw_Fixture AS SELECT 1 AS one;\nGO\n"
    assert unwrapped_batches(text[:start] + raw + text[end:]) == ["CREATE VIEW dbo.vw_Fixture AS SELECT 1 AS one;"]
    # and a batch that runs its SQL but never sets the marker
    unmarked = text[:start] + text[start:end].replace("    UPDATE #opus_install SET batch_ok = 1;\n", "", 1) + text[end:]
    assert len(unwrapped_batches(unmarked)) == 1


def test_header_refuses_before_anything_is_changed():
    header = split_batches(build())[1]
    begin = header.index("BEGIN TRANSACTION;")
    # A3, A2, the level and a newer schema are refused before the transaction, the temp table and the lock timeout
    for refusal in ("(50955)", "(50956)", "(50950)", "(50951)"):
        assert header.index(refusal) < begin, refusal
    assert header.index("(50955)") < header.index("CREATE TABLE #opus_install")
    assert "@open_transactions int = @@TRANCOUNT" in header and "@implicit_transactions int = @@OPTIONS & 2" in header
    assert "COALESCE(@product_major, 0) < 14" in header and "NOT IN (5, 8)" in header
    assert "SET LOCK_TIMEOUT 30000;" in header
    # the row of the marker is inserted inside the transaction: a rollback removes it
    assert header.index("INSERT INTO #opus_install") > begin


def test_upgrade_steps_are_guarded_by_the_recorded_version(tmp_path):
    root = tmp_path / "db"
    shutil.copytree(DB_ROOT, root)
    step = root / "upgrades" / "0.2.0" / "90_probe.sql"
    step.parent.mkdir(parents=True, exist_ok=True)
    step.write_text("ALTER TABLE dbo.MON_RunLog ADD probe int NULL;\nGO\nUPDATE dbo.MON_RunLog SET probe = 1 "
                    "WHERE command = N'it''s';\nGO\n")
    text = build(db_root=root)
    rank = version_rank("0.2.0")
    assert f"IF EXISTS (SELECT 1 FROM #opus_install WHERE from_rank < {rank})\n    BEGIN\n        UPDATE #opus_install " \
           "SET owner_locks_at = COALESCE(owner_locks_at, SYSDATETIME());\n        EXEC sys.sp_executesql " \
           "N'ALTER TABLE dbo.MON_RunLog ADD probe int NULL;';\n    END;" in text
    # quotes inside a step are doubled for the dynamic SQL that runs it
    assert "WHERE command = N''it''''s'';';" in text
    # steps come after the checks and before the first re-runnable source
    assert text.index("source: db/ddl/checks/") < text.index("90_probe.sql")
    assert text.index("90_probe.sql") < text.index("source: db/ddl/tables/MON_SchemaVersion.sql")
    assert unguarded_batches(text) == []


def test_step_folders_match_in_both_dialects():
    tsql = [s.rel for s in upgrade_steps(MSSQL)]
    pg = [s.rel for s in upgrade_steps("postgres")]
    assert tsql == pg, "every upgrade step needs its twin under db/postgres/upgrades/"


def test_drop_list_matches_the_manifest():
    drop = (DB_ROOT / "ddl" / "drop_code_objects.sql").read_text(encoding="utf-8")
    assert drop_order_problems(drop, manifest()) == []


def pg_drop_list_problems(drop_sql: str, db_root=DB_ROOT) -> list[str]:
    """The PostgreSQL drop list names every view and routine the PostgreSQL sources create, by name; the only
    patterns are the project's own prefixes (a generic usp_% would drop a look-alike of someone else's)."""
    made = {m.lower() for p in (db_root / "postgres").rglob("*.sql") if "ops" not in p.parts and "upgrades" not in p.parts
            for m in re.findall(r"CREATE (?:OR REPLACE )?(?:FUNCTION|PROCEDURE|VIEW) dbo\.(\w+)", p.read_text(), re.I)}
    listed = set()
    for array in re.findall(r"v_(?:view|routine)_names text\[\] := ARRAY\[(.*?)\];", drop_sql, re.S):
        listed |= {m.lower() for m in re.findall(r"'(\w+)'", array)}
    problems = [f"not in the drop list: {sorted(made - listed)}"] if made - listed else []
    allowed = {"fn\\_mon\\_%", "usp\\_private\\_%", "vw\\_mon\\_%"}  # the project's own prefixes
    patterns = set(re.findall(r"\bLIKE\s+'([^']*)'", drop_sql.split("BEGIN", 1)[-1]))
    if patterns - allowed:
        problems.append(f"objects are chosen by a naming pattern not the project's own: {sorted(patterns - allowed)}")
    return problems


def test_postgres_drop_list_names_every_view_and_routine():
    assert pg_drop_list_problems((DB_ROOT / "postgres" / "ddl" / "drop_code_objects.sql").read_text(encoding="utf-8")) == []


def test_a_postgres_drop_list_missing_a_name_or_by_pattern_is_caught():
    drop = (DB_ROOT / "postgres" / "ddl" / "drop_code_objects.sql").read_text(encoding="utf-8")
    assert pg_drop_list_problems(re.sub(r"'usp_ReleaseLease',\s*", "", drop))
    assert pg_drop_list_problems(drop.replace("p.proname LIKE 'usp\\_private\\_%'", "p.proname LIKE 'usp\\_%'"))


def test_a_drop_list_out_of_order_is_caught():
    drop = (DB_ROOT / "ddl" / "drop_code_objects.sql").read_text(encoding="utf-8")
    lines = drop.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("DROP FUNCTION"))
    lines[first], lines[first + 1] = lines[first + 1], lines[first]
    assert drop_order_problems("\n".join(lines), manifest())
    assert drop_order_problems(drop.replace("DROP VIEW IF EXISTS dbo.vw_MON_AuditTrail;\n", ""), manifest())


# -- the checks that may refuse the install ---------------------------------------------------------------

CHECK_SOURCE = "ddl/checks/staging_check_constraints.sql"
EXTEND_SOURCE = "ddl/updates/extend_staging_tables.sql"


def added_checks(extend_sql: str) -> set[tuple[str, str, str, str]]:
    """(table, constraint, column, IN list) of every CHECK the extension adds to a staging table."""
    found = re.findall(
        r"ALTER TABLE dbo\.(\w+)(?:\s*--[^\n]*)?\s+ADD CONSTRAINT (\w+)\s+CHECK \((\w+) IS NULL OR \3 IN \(([^)]*)\)\)",
        extend_sql)
    return {(t.lower(), c.lower(), col.lower(), " ".join(v.split())) for t, c, col, v in found}


def checked_constraints(check_sql: str) -> set[tuple[str, str, str, str]]:
    """The same four, as the install's first check lists them (T-SQL VALUES rows or a PostgreSQL array)."""
    text = check_sql.replace("\n", " ")
    rows = re.findall(r"N?'(STG_\w+)',\s*N?'(CK_\w+)',\s*N?'(\w+)',\s*N?'((?:[^']|'')*)'", text)
    return {(t.lower(), c.lower(), col.lower(), " ".join(v.replace("''", "'").split())) for t, c, col, v in rows}


def test_the_first_check_covers_every_check_the_install_adds():
    for root in (DB_ROOT, DB_ROOT / "postgres"):
        want = added_checks((root / EXTEND_SOURCE).read_text(encoding="utf-8"))
        got = checked_constraints((root / CHECK_SOURCE).read_text(encoding="utf-8"))
        assert len(want) == 4 and got == want, f"{root}: {CHECK_SOURCE} and {EXTEND_SOURCE} disagree"


def test_a_check_list_out_of_step_with_the_constraints_is_caught():
    extend = (DB_ROOT / EXTEND_SOURCE).read_text(encoding="utf-8")
    check = (DB_ROOT / CHECK_SOURCE).read_text(encoding="utf-8")
    widened = extend.replace("IN ('CREATE', 'UPDATE', 'ARCHIVE')", "IN ('CREATE', 'UPDATE', 'ARCHIVE', 'DELETE')", 1)
    assert added_checks(widened) != checked_constraints(check)


def test_checks_run_before_the_upgrade_steps_and_every_source():
    rels = manifest()
    assert CHECK_SOURCE in rels
    text = build()
    first_change = min(text.index("-- ------------------------------------------------ upgrade step"),
                       text.index("source: db/ddl/tables/MON_SchemaVersion.sql"))
    assert text.index(f"source: db/{CHECK_SOURCE}") < first_change
