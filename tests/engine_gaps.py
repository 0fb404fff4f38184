"""Known places where a T-SQL test engine differs from SQL Server (the table in docs/engine_gaps.md).

`make test-mssql` runs the contract suite against whatever server MSSQL_DSN names. When that server is not
SQL Server but an engine listed here, a test that fails in a way listed for that engine is reported as
"xfail: engine gap <id>" instead of a failure, so the run counts passed / gap / failed. A gap is recognised
either by the error text the engine gives (a message SQL Server never produces), or, for a test whose failure
carries no such text, by an `@pytest.mark.engine_gap("<id>")` marker: such a test is not run on that engine.
On SQL Server itself nothing here applies: every failure stays a failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class EngineGap:
    gap_id: str
    engine: str  # a word of the engine's @@VERSION
    sql_server: str  # what SQL Server does, which the test stands for
    signature: str | None = None  # regular expression over the failure text; None: marker only


GAPS = (
    EngineGap(
        "catch-dynamic-syntax-error", "Babelfish",
        "a syntax error in the text sp_executesql runs is raised in that lower scope and caught by the caller's "
        "TRY...CATCH, so usp_StageUpdates answers 50203 (or 50205 for LIMIT) with the engine's message",
        r"syntax error near .* at line \d+ and character position \d+",
    ),
    EngineGap(
        "toast-name-reuse", "Babelfish",
        "SELECT ... INTO a new table creates it, however many tables were made and dropped before (staging's "
        "shape table on an engine without a temp-table catalog)",
        r'relation "pg_toast_\d+" already exists',
    ),
    EngineGap(
        "fk-double-prefix", "Babelfish",
        "a foreign key is checked against dbo.MON_UpdateBatch of the current database",
        r'relation "(\w+)_\1_dbo\.\w+" does not exist',
    ),
    EngineGap(
        "catch-dynamic-missing-object", "Babelfish",
        "a query naming a table that does not exist fails in the lower scope of sp_executesql and is caught by "
        "usp_StageUpdates' TRY...CATCH, which answers 50203 with the engine's message (Invalid object name)",
    ),
    EngineGap(
        "index-name-guard", "Babelfish",
        "sys.indexes.name is the index's name, so the install's name guards make a second install idempotent",
        r'relation "ix_\w+" already exists',
    ),
    EngineGap(
        "openjson-unescape", "Babelfish",
        "OPENJSON ... WITH (x nvarchar(MAX) '$.x') and JSON_VALUE unescape a JSON string",
    ),
    EngineGap(
        "json-non-ascii", "Babelfish",
        "FOR JSON and STRING_ESCAPE keep non-ASCII text as it is (a JSON string of Unicode characters)",
    ),
    EngineGap(
        "len-code-points", "Babelfish",
        "LEN(x COLLATE Latin1_General_100_BIN2 + N'.') - 1 counts UTF-16 code units (an emoji is two), the units "
        "monday's length limits are checked in",
    ),
    EngineGap(
        "top-with-ties", "Babelfish",
        "SELECT TOP (n) WITH TIES ... ORDER BY returns the rows tied with the last one",
        r"Target list missing from TOP clause",
    ),
    EngineGap(
        "bracket-quote-escape", "Babelfish",
        "a ] inside a bracketed name is written ]] ([order]]status] is the column order]status), as QUOTENAME writes it",
        r'syntax error at or near "\]"',
    ),
    EngineGap(
        "parenthesized-union-insert", "Babelfish",
        "INSERT INTO t (cols) (SELECT ...) UNION (SELECT ...) ORDER BY ... takes a parenthesized query expression",
        r'syntax error at or near "UNION"',
    ),
    EngineGap(
        "json-fragment-spacing", "Babelfish",
        "OPENJSON ... AS JSON and JSON_QUERY return an object's text as it was written ({\"index\":1})",
    ),
    EngineGap(
        "dateadd-early-years", "Babelfish",
        "DATEADD(MINUTE, -60, CAST('0001-01-01T01:30:00' AS datetime2(0))) is 0001-01-01 00:30:00: datetime2 "
        "arithmetic holds down to year 1",
    ),
    EngineGap(
        "lower-bin2-ascii-only", "Babelfish",
        "LOWER(x COLLATE Latin1_General_100_BIN2) lower-cases every letter (LOWER(N'CAF\u00c9') is N'caf\u00e9'); "
        "the binary collation decides only how the result compares",
    ),
    EngineGap(
        "select-into-name-case", "Babelfish 4.4",
        "SELECT ... INTO a new table names its columns as the query wrote them (an alias \"Order Status\" is the "
        "column Order Status), so staging keeps an alias's case",
    ),
    EngineGap(
        "isolation-in-procedure", "Babelfish",
        "SET TRANSACTION ISOLATION LEVEL inside a procedure applies to it and reverts when it returns",
    ),
    EngineGap(
        "updlock-ignored", "Babelfish",
        "SELECT ... WITH (UPDLOCK) holds the row until the transaction ends, so a procedure that wants it waits",
    ),
    EngineGap(
        "long-text-positions", "Babelfish",
        "CHARINDEX and SUBSTRING at a position of an nvarchar(MAX) of UTF-16 units cost what they read, so the "
        "blanking of a query of half a million characters takes moments",
    ),
    EngineGap(
        "readpast-ignored", "Babelfish",
        "READPAST skips the rows another sender holds, so two concurrent claims both get rows",
    ),
)

BY_ID = {gap.gap_id: gap for gap in GAPS}


def gap_reason(gap: EngineGap) -> str:
    return f"engine gap {gap.gap_id}: on SQL Server, {gap.sql_server}"


def classify(failure_text: str, version: str, marked: tuple[str, ...] = ()) -> EngineGap | None:
    """The gap of this engine that explains the failure, or None (then it is a real failure)."""
    for gap in GAPS:
        if gap.engine not in version:
            continue
        if gap.gap_id in marked:
            return gap
        if gap.signature and re.search(gap.signature, failure_text):
            return gap
    return None
