"""Process exit codes, chosen for SQL Agent job steps (a CmdExec step fails on any non-zero code).

This module is the one source of the exit codes: `opus-sender --help` prints :func:`help_text`, and the
tables of docs/errors.md and docs/runbook.md and the list of the quick reference are made from
:data:`EXIT_CODES` by scripts/build_reference.py (a test fails when a document differs).
"""

from __future__ import annotations

from dataclasses import dataclass

OK = 0  # everything asked for was done
PARTIAL = 1  # some rows were sent, some failed (see the batch's failed rows)
USAGE = 2  # the command line or what it asked for was wrong (USER_ERROR_RANGES)
CONFIG = 3  # configuration missing or invalid (DSN, token, endpoint)
DATABASE = 4  # the database refused or could not be reached; nothing was changed by this run
NOTHING_SENT = 5  # nothing could be sent (every row failed, or monday refused the token)
DOCTOR_FAILED = 6  # opus-sender doctor: at least one check failed (the checklist says what to do)
HELD_BACK = 7  # sent, but cells changed on the board since the dry run were held back (dbo.vw_MON_HeldBackCells)
INTERRUPTED = 130  # stopped by Ctrl+C / SIGTERM (see EXIT_CODES for what happens to claimed rows)

# project error numbers that are the user's to fix (docs/errors.md): staging, validation, release, cancel,
# rollback and operations; board metadata (501xx) and the send queue (506xx) are the sender's own business
USER_ERROR_RANGES = ((50200, 50599), (50700, 50799), (50900, 50999))
# numbers of those ranges that are not a wrong request: the request was right, there was nothing to do
NUMBER_EXITS = {
    50217: NOTHING_SENT,  # usp_StageUpdates: the query returned no rows, nothing was staged
}


@dataclass(frozen=True)
class ExitCode:
    code: int
    short: str  # a few words: `--help` and the quick reference
    meaning: str  # one sentence: docs/errors.md and docs/runbook.md
    todo: str  # what to do


EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(OK, "all done",
             "everything asked for was done (or there was nothing to send, or the rows left are held by another "
             "live sender, which finishes them: the log and the report name it)", "nothing"),
    ExitCode(PARTIAL, "partial failure",
             "partial: some rows were sent, some failed or are left to retry; `stage`: some rows were refused "
             "by validation (the others were staged)",
             "read `vw_MON_StuckOrFailedRows` (send) or `vw_MON_ValidationErrors` (stage); fix the data and "
             "stage again, or run send again"),
    ExitCode(USAGE, "usage",
             "the command line was wrong, or the database refused the request as the user's error: a query "
             "that cannot be staged (502xx but 50217, e.g. an empty query or the `[SAFE_TEST_ITEM_ID]` placeholder left "
             "in it), a batch that does not exist, was cancelled or whose staged rows are gone (503xx-505xx), a "
             "rollback that cannot be staged (507xx); the logged line names the error number",
             "read the logged message and its number in docs/errors.md, or `opus-sender COMMAND --help`"),
    ExitCode(CONFIG, "configuration",
             "configuration missing or invalid (DSN, token, endpoint, config file)",
             "set `OPUS_DSN` and `MONDAY_API_TOKEN` or `MONDAY_API_TOKEN_FILE` (or the config file); "
             "`opus-sender doctor` says which"),
    ExitCode(DATABASE, "database",
             "the database failed or could not be reached, or its ODBC driver is missing (the message says "
             "which; a password is never shown); nothing was changed by this run",
             "read the logged error; fix the connection string, the driver, the server or the login's rights "
             "(`opus-sender doctor`)"),
    ExitCode(NOTHING_SENT, "nothing could be sent",
             "nothing could be sent: every row failed, or monday refused the token; `stage`: every row was "
             "refused by validation (nothing is released), or the query returned no rows (50217: nothing was "
             "staged)",
             "check the token and the rows' `last_error`, the findings of the batch, or the query's WHERE "
             "clause"),
    ExitCode(DOCTOR_FAILED, "doctor: a check failed",
             "`opus-sender doctor`: at least one check failed",
             "do what the FAIL lines say, then run doctor again"),
    ExitCode(HELD_BACK, "cells held back",
             "sent, but cells that changed on the board since the dry run were held back, not written (each "
             "with the value the dry run showed and the board's value, in `vw_MON_HeldBackCells`)",
             "read `vw_MON_HeldBackCells`; dry-run again to take the board's values as the baseline, or send "
             "with `--overwrite-changed` to write them anyway"),
    ExitCode(INTERRUPTED, "interrupted",
             "interrupted (Ctrl+C, SIGTERM, a stopped SQL Agent job): `send` stops after the requests in "
             "flight and gives the rows it had claimed back to the queue at once; a row it could not give back "
             "(the database unreachable, the process killed) returns when its lease expires (`lease_seconds`, "
             "300 by default)",
             "run the command again: nothing is sent twice"),
)


def help_text() -> str:
    """The exit codes in one paragraph (the epilog of `opus-sender --help`)."""
    return "Exit codes: " + "; ".join(f"{e.code} {e.short}" for e in EXIT_CODES) + " (docs/errors.md)."


def is_user_error(number: int | None) -> bool:
    return number is not None and any(lo <= number <= hi for lo, hi in USER_ERROR_RANGES)


def for_error(number: int | None) -> int:
    """The exit code of a database error with this project number (None: not one of the project's)."""
    if number in NUMBER_EXITS:
        return NUMBER_EXITS[number]
    return USAGE if is_user_error(number) else DATABASE


class UsageError(Exception):
    """What was asked for cannot be done as asked (exit code USAGE)."""
