"""tSQLt classes (tests/tsqlt/*.sql) that call a procedure committing its own work run their tests outside
tSQLt's transaction. Those procedures run with XACT_ABORT and refuse a caller's open transaction (50960),
so inside the transaction tSQLt wraps a test in, they raise instead of doing their work, and the THROW of
an expected error dooms that transaction (tSQLt.ExpectException cannot catch it there). tSQLt (V1.0.8083.3529
or later) runs a test outside its transaction when the test carries
`--[@tSQLt:NoTransaction]('<class>.<cleanup procedure>')` right above its CREATE PROCEDURE, in the same
batch (tSQLt reads it from the procedure's definition), and runs the cleanup procedure after it. tSQLt
cannot run here (no CLR), so this is checked statically, and proven by a broken fixture.

Those procedures cannot be called through INSERT ... EXEC either: inside it the called procedure runs within
the INSERT statement's transaction (@@TRANCOUNT is 1 there even in autocommit) and refuses it with 50960, so
a test that captures one's result set that way fails on SQL Server whatever its annotation. The tests call
them directly and assert on the tables and OUTPUT parameters; a capture is refused here (broken fixture
tsqlt_insert_exec.sql)."""

from __future__ import annotations

import re
from pathlib import Path

from sender.db import split_batches
from tests.static.catalog import ROOT

TSQLT = ROOT / "tests" / "tsqlt"
FIXTURE = Path(__file__).parent / "fixtures" / "tsqlt_without_notransaction.sql"
INSERT_EXEC_FIXTURE = Path(__file__).parent / "fixtures" / "tsqlt_insert_exec.sql"
PROCEDURES = ROOT / "db" / "procedures"

# the procedures that commit their own work (and refuse a caller's transaction with 50960)
COMMITTING = (
    "usp_StageUpdates", "usp_ValidateStagedUpdates", "usp_ReleaseBatch", "usp_CancelBatch", "usp_ClaimQueueRows",
    "usp_RecordSendResult", "usp_RecordCreatedItem", "usp_ExtendLease", "usp_ReleaseLease", "usp_StageRollback",
    "usp_UpsertBoardMetadata", "usp_RecordPreview", "usp_PurgeRunLog", "usp_ApproveBatch", "usp_RecordPreImage",
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


# INSERT [INTO] <table, #table or @variable> [(<columns>)] EXEC[UTE]: the statement that captures a result set
INSERT_EXEC = re.compile(
    r"\bINSERT\s+(?:INTO\s+)?(?:\[[^\]]+\]|[\w#@$]+)(?:\s*\.\s*(?:\[[^\]]+\]|[\w#@$]+))*\s*"
    r"(?:\([^()]*\)\s*)?EXEC(?:UTE)?\b",
    re.I,
)
BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def refusing_procedures() -> set[str]:
    """The T-SQL procedures (lower case) that refuse a caller's open transaction with 50960: the refusal helper
    and every procedure of db/procedures that calls one of those (read from the sources, not from a list)."""
    code = {
        p.stem.lower(): _code_lines(BLOCK_COMMENT.sub(" ", p.read_text(encoding="utf-8")))
        for p in PROCEDURES.glob("usp_*.sql")
    }
    refusing = {"usp_private_refuseopentransaction"} & code.keys()
    grown = True
    while grown:
        found = {
            name for name, text in code.items() if name not in refusing
            and any(re.search(r"\bEXEC(?:UTE)?\s+(?:\[?dbo\]?\.)?\[?" + r + r"\b", text, re.I) for r in refusing)
        }
        refusing |= found
        grown = bool(found)
    return refusing


def _statement_from(text: str, start: int) -> str:
    """text from start to the end of its statement: the next ';' outside a string literal (or the batch's end)."""
    quoted = False
    for i in range(start, len(text)):
        if text[i] == "'":
            quoted = not quoted  # a doubled quote inside a literal toggles twice
        elif text[i] == ";" and not quoted:
            return text[start:i]
    return text[start:]


def insert_exec_problems(text: str, refusing: set[str]) -> list[str]:
    """Statements of one class file that capture a procedure refusing an open transaction with INSERT ... EXEC,
    directly, without the schema, or through dynamic SQL (EXEC (N'...'), sp_executesql)."""
    named = re.compile(r"\b(" + "|".join(sorted(refusing)) + r")\b", re.I)
    problems = []
    for batch in split_batches(text):
        code = _code_lines(BLOCK_COMMENT.sub(" ", batch))
        found = CREATE.search(code)
        where = f"{found.group(1)}.[{found.group(2).strip('[]')}]" if found else "a batch outside any procedure"
        for capture in INSERT_EXEC.finditer(code):
            called = sorted({m.lower() for m in named.findall(_statement_from(code, capture.end()))})
            if called:
                problems.append(
                    f"{where}: captures dbo.{', dbo.'.join(called)} with INSERT ... EXEC; inside it the procedure runs "
                    "within the INSERT statement's transaction and refuses it (50960): call it directly and assert "
                    "on the tables and OUTPUT parameters"
                )
    return problems


def test_no_tsqlt_class_captures_a_committing_procedure_with_insert_exec():
    refusing = refusing_procedures()
    files = sorted(TSQLT.glob("*.sql"))
    problems = [f"{p.name}: {msg}" for p in files for msg in insert_exec_problems(p.read_text(encoding="utf-8"), refusing)]
    assert problems == []


def test_the_committing_procedures_are_the_ones_that_refuse_an_open_transaction():
    """The list this file (and tests/tsqlt/README.md) names is the set the sources refuse in, so that a new
    committing procedure is checked too."""
    assert {n.lower() for n in COMMITTING} == refusing_procedures() - {"usp_private_refuseopentransaction"}


def test_a_capture_with_insert_exec_is_caught():
    problems = insert_exec_problems(INSERT_EXEC_FIXTURE.read_text(encoding="utf-8"), refusing_procedures())
    assert len(problems) == 6, problems
    expected = [
        ("test_fixture_class.[test captures the summary]", "dbo.usp_cancelbatch"),
        ("test_fixture_class.[test captures into a column list with EXECUTE]", "dbo.usp_releasebatch"),
        ("test_fixture_class.[test captures into a table variable without the schema]", "dbo.usp_stagerollback"),
        ("test_fixture_class.[test captures through dynamic SQL]", "dbo.usp_claimqueuerows"),
        ("test_fixture_class.[test captures through sp_executesql]", "dbo.usp_extendlease"),
        ("test_fixture_class.[CaptureHelper]", "dbo.usp_private_refuseopentransaction"),
    ]
    for problem, (where, called) in zip(problems, expected, strict=True):
        assert problem.startswith(f"{where}: captures {called} with INSERT ... EXEC"), problem
        assert "(50960)" in problem
