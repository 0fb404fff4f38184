"""The documents say what the code does: the exit codes (sender/exitcodes.py) in docs/errors.md, the runbook
and the quick reference; the settings (sender/config.py) in the runbook; the @help text of each engine under
its own heading in docs/reference.md. Each check is shown to fail on a copy of a document with one fact
changed."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from sender import cli, exitcodes
from sender.config import settings

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("build_reference", ROOT / "scripts" / "build_reference.py")
build_reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_reference)

CODES = {e.code for e in exitcodes.EXIT_CODES}


@pytest.mark.parametrize("rel", sorted(build_reference.GENERATED))
def test_generated_blocks_say_what_the_code_says(rel):
    text = (ROOT / rel).read_text(encoding="utf-8")
    assert build_reference.stale_blocks(text, build_reference.GENERATED[rel]) == [], (
        f"{rel} differs from the code: run scripts/build_reference.py --blocks-only")


@pytest.mark.parametrize(("rel", "right", "wrong", "block"), [
    ("docs/errors.md", "| 130 | interrupted", "| 131 | interrupted", "exit-codes"),
    ("docs/runbook.md", "| 5 | nothing could be sent", "| 2 | nothing could be sent", "exit-codes"),
    ("docs/runbook.md", "returns when its lease expires", "stays claimed", "exit-codes"),
    ("docs/quickref/update_operations_quickref.md", "6 doctor: a check failed", "7 doctor: a check failed",
     "exit-codes-line"),
    ("docs/runbook.md", "| `lease_seconds` | `OPUS_LEASE_SECONDS` | `300` |",
     "| `lease_seconds` | `OPUS_LEASE_SECONDS` | `600` |", "settings"),
    ("docs/runbook.md", "| `claim_size` | `OPUS_CLAIM_SIZE` |", "| `claim_rows` | `OPUS_CLAIM_SIZE` |", "settings"),
])
def test_a_document_with_one_fact_changed_is_caught(tmp_path, rel, right, wrong, block):
    text = (ROOT / rel).read_text(encoding="utf-8")
    assert right in text
    copy = tmp_path / Path(rel).name
    copy.write_text(text.replace(right, wrong, 1), encoding="utf-8")
    assert build_reference.stale_blocks(copy.read_text(encoding="utf-8"), build_reference.GENERATED[rel]) == [block]


def test_a_missing_block_is_caught():
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert build_reference.stale_blocks(re.sub(r"<!-- end: exit-codes -->", "", text), ["exit-codes"]) == [
        "exit-codes"]


def _exit_claims(text: str) -> list[int]:
    """Exit codes that prose claims ("exits 4", "exit code 130", "exit 5")."""
    return [int(n) for n in re.findall(r"\bexit(?:s| code| with)? (\d+)\b", text)]


def test_every_exit_code_the_documents_mention_exists():
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    claimed = {(p.relative_to(ROOT).as_posix(), n) for p in docs for n in _exit_claims(p.read_text(encoding="utf-8"))}
    assert claimed, "no exit code mentioned anywhere: the scan is broken"
    assert sorted((p, n) for p, n in claimed if n not in CODES) == []
    assert _exit_claims("the sender exits 7 when ...") == [7]


def test_help_lists_every_exit_code():
    epilog = cli.build_parser().epilog
    assert epilog == exitcodes.help_text()
    assert [int(n) for n in re.findall(r"(\d+) [a-z]", epilog.split(":", 1)[1])] == sorted(CODES)


def test_the_exit_code_of_a_refusal_is_the_table_s():
    assert exitcodes.for_error(50205) == exitcodes.USAGE  # a query that cannot be staged
    assert exitcodes.for_error(50217) == exitcodes.NOTHING_SENT  # a query without rows: listed as 5
    assert exitcodes.for_error(50606) == exitcodes.DATABASE  # the send queue is the sender's business
    assert exitcodes.for_error(None) == exitcodes.DATABASE
    five = next(e for e in exitcodes.EXIT_CODES if e.code == exitcodes.NOTHING_SENT)
    assert "50217" in five.meaning
    usage = next(e for e in exitcodes.EXIT_CODES if e.code == exitcodes.USAGE)
    for number, code in exitcodes.NUMBER_EXITS.items():
        assert str(number) in next(e for e in exitcodes.EXIT_CODES if e.code == code).meaning
        if exitcodes.is_user_error(number):  # the exception is named where its range is
            assert f"but {number}" in usage.meaning


def test_every_setting_has_a_note_and_the_config_docstring_names_only_real_keys():
    keys = {k for k, *_ in settings()}
    assert {"dsn", "token_file", "lease_seconds", "max_aliases"} <= keys
    from sender import config

    doc_keys = set(re.findall(r"^\s{4}(\w+) = ", config.__doc__, re.M))
    assert doc_keys and doc_keys <= keys, doc_keys - keys


# -- @help per engine in docs/reference.md ------------------------------------------------------------

REFERENCE = ROOT / "docs" / "reference.md"


def test_reference_shows_each_engine_s_help_under_its_own_heading():
    text = REFERENCE.read_text(encoding="utf-8")
    blocks = build_reference.help_blocks(text)
    assert len(blocks) >= 10
    assert build_reference.dialect_problems(text) == []
    # the T-SQL text is the source's, word for word
    for name, [(_, tsql), _pg] in blocks.items():
        assert tsql == build_reference.tsql_help_text(name), name


def test_help_texts_under_the_wrong_engine_are_caught():
    text = REFERENCE.read_text(encoding="utf-8")
    tsql = build_reference.TSQL_HELP_HEADING
    pg = build_reference.PG_HELP_HEADING
    swapped = text.replace(tsql, "\0").replace(pg, tsql).replace("\0", pg)
    assert len(build_reference.dialect_problems(swapped)) == len(build_reference.help_blocks(text))
    # one PostgreSQL parameter line in a T-SQL text
    line = next(ln for ln in text.splitlines() if ln.lstrip().startswith("@batch_id") and "the batch to cancel" in ln)
    one = text.replace(line, line.replace("@batch_id", "p_batch_id", 1), 1)
    assert one != text
    assert build_reference.dialect_problems(one) == [
        "usp_CancelBatch: the SQL Server help text shows PostgreSQL parameters or calls"]


def undefined_variables(text: str) -> set[str]:
    """Shell variables the runbook's command lines use that neither the runbook defines (NAME=... or
    export NAME) nor the sender reads (sender/config.py)."""
    from sender.config import _ENV

    code = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, re.S))
    used = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", code))
    defined = set(re.findall(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=", code, re.M)) | set(re.findall(
        r"`([A-Z][A-Z0-9_]*)=", text))
    known = set(_ENV) | {"MONDAY_API_TOKEN", "MONDAY_API_TOKEN_FILE", "OPUS_CONFIG", "PATH", "HOME", "MSSQL_DSN"}
    return used - defined - known


def test_the_runbook_uses_no_undefined_variable():
    text = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
    assert undefined_variables(text) == set()
    assert undefined_variables(text + "\n```\n0 3 * * * psql \"$OPUS_PG_URI\"\n```\n") == {"OPUS_PG_URI"}
