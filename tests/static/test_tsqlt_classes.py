"""tSQLt classes (tests/tsqlt/*.sql) that call a procedure committing its own work run their tests outside
tSQLt's transaction. Those procedures run with XACT_ABORT and refuse a caller's open transaction (50960),
so inside the transaction tSQLt wraps a test in, they raise instead of doing their work, and the THROW of
an expected error dooms that transaction (tSQLt.ExpectException cannot catch it there). tSQLt (V1.0.8083.3529
or later) runs a test outside its transaction when the test carries
`--[@tSQLt:NoTransaction]('<class>.<cleanup procedure>')` right above its CREATE PROCEDURE, in the same
batch (tSQLt reads it from the procedure's definition), and runs the cleanup procedure after it. tSQLt
cannot run here (no CLR), so this is checked statically, and proven by a broken fixture."""

from __future__ import annotations

import re
from pathlib import Path

from sender.db import split_batches
from tests.static.catalog import ROOT

TSQLT = ROOT / "tests" / "tsqlt"
FIXTURE = Path(__file__).parent / "fixtures" / "tsqlt_without_notransaction.sql"

# the procedures that commit their own work (and refuse a caller's transaction with 50960)
COMMITTING = (
    "usp_StageUpdates", "usp_ValidateStagedUpdates", "usp_ReleaseBatch", "usp_CancelBatch", "usp_ClaimQueueRows",
    "usp_RecordSendResult", "usp_RecordCreatedItem", "usp_ExtendLease", "usp_ReleaseLease", "usp_StageRollback",
    "usp_UpsertBoardMetadata", "usp_RecordPreview", "usp_PurgeRunLog",
)
CALL = re.compile(r"\bdbo\.(" + "|".join(COMMITTING) + r")\b", re.I)
CREATE = re.compile(r"(?im)^\s*CREATE\s+PROC(?:EDURE)?\s+(\w+)\.(\[[^\]]+\]|\w+)")
ANNOTATION = re.compile(r"(?im)^\s*--\[@tSQLt:NoTransaction\]\((.*?)\)\s*$")
REQUIRED_VERSION = (1, 0, 8083, 3529)


def _code_lines(text: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("--"))


def class_problems(text: str) -> list[str]:
    """Tests of one class file that call a committing procedure without a valid NoTransaction annotation."""
    batches = split_batches(text)
    procedures = set()
    for batch in batches:
        for schema, name in CREATE.findall(batch):
            procedures.add(f"{schema}.{name.strip('[]')}".lower())
    problems = []
    for batch in batches:
        found = CREATE.search(batch)
        if not found:
            continue
        name = found.group(2).strip("[]")
        if not name.lower().startswith("test"):
            continue
        calls = sorted({m.lower() for m in CALL.findall(_code_lines(batch))})
        if not calls:
            continue
        label = f"{found.group(1)}.[{name}] (calls {', '.join(calls)})"
        before = batch[:found.start()]
        notes = ANNOTATION.findall(before)
        if not notes:
            problems.append(f"{label}: no --[@tSQLt:NoTransaction]('<cleanup procedure>') above its CREATE")
            continue
        arg = notes[-1].strip()
        quoted = re.fullmatch(r"'([^']+)'", arg)
        if not quoted:
            problems.append(f"{label}: the annotation names no cleanup procedure ({arg or 'empty'})")
            continue
        cleanup = quoted.group(1).replace("[", "").replace("]", "").lower()
        if cleanup not in procedures:
            problems.append(f"{label}: its cleanup procedure {quoted.group(1)} is not created in the class")
    return problems


def test_every_test_calling_a_committing_procedure_runs_outside_the_tsqlt_transaction():
    files = sorted(TSQLT.glob("test_*.sql"))
    assert len(files) >= 12
    problems = [f"{p.name}: {msg}" for p in files for msg in class_problems(p.read_text(encoding="utf-8"))]
    assert problems == []
    annotated = sum(len(ANNOTATION.findall(p.read_text(encoding="utf-8"))) for p in files)
    assert annotated >= 50, "the tSQLt classes lost their NoTransaction tests"


def test_a_test_without_its_annotation_is_caught():
    problems = class_problems(FIXTURE.read_text(encoding="utf-8"))
    assert len(problems) == 4, problems
    assert "[test without the annotation]" in problems[0] and "no --[@tSQLt:NoTransaction]" in problems[0]
    assert "names no cleanup procedure (DEFAULT)" in problems[1]
    assert "NoSuchCleanUp is not created in the class" in problems[2]
    assert "[test annotated in another batch]" in problems[3]  # a GO between them: tSQLt never sees it


def test_the_required_tsqlt_version_is_stated_where_tsqlt_is_installed_and_checked():
    from scripts.run_tsqlt import REQUIRED_TSQLT, tsqlt_version_problem

    assert REQUIRED_TSQLT == REQUIRED_VERSION
    stated = ".".join(str(n) for n in REQUIRED_VERSION)
    for path in (TSQLT / "README.md", ROOT / "scripts" / "test_mssql.sh", ROOT / "scripts" / "run_tsqlt.py"):
        assert stated in path.read_text(encoding="utf-8"), f"{path.name} does not state tSQLt V{stated}"
    assert tsqlt_version_problem("1.0.8083.3529") is None
    assert tsqlt_version_problem("1.1.8738.27883") is None
    assert "1.0.7950.1808" in (tsqlt_version_problem("1.0.7950.1808") or "")
    assert tsqlt_version_problem("1.0.5873.27393")
    assert tsqlt_version_problem("not a version")


def test_only_an_engine_without_sqlclr_excuses_a_missing_tsqlt():
    """make test-mssql passes without tSQLt only where tSQLt cannot be installed at all."""
    from scripts.run_tsqlt import engine_without_clr

    assert engine_without_clr("Babelfish for PostgreSQL with SQL Server Compatibility - 12.0.2000.8") == "Babelfish"
    assert engine_without_clr("Microsoft SQL Server 2019 (RTM-CU22) - 15.0.4322.2 (X64)") is None
    assert engine_without_clr("") is None
