"""Process exit codes, chosen for SQL Agent job steps (a CmdExec step fails on any non-zero code)."""

OK = 0  # everything asked for was done
PARTIAL = 1  # some rows were sent, some failed (see the batch's failed rows)
USAGE = 2  # the command line or what it asked for was wrong: argparse's own code, and the user's errors the
# database refuses (a query that cannot be staged, a batch that does not exist, was cancelled, whose rows are
# gone, ...: USER_ERROR_RANGES)
CONFIG = 3  # configuration missing or invalid (DSN, token, endpoint)
DATABASE = 4  # the database refused or could not be reached; nothing was changed by this run
NOTHING_SENT = 5  # nothing could be sent (every row failed, or monday refused the token)
# project error numbers that are the user's to fix (docs/errors.md): staging, validation, release, cancel,
# rollback and operations; board metadata (501xx) and the send queue (506xx) are the sender's own business
USER_ERROR_RANGES = ((50200, 50599), (50700, 50799), (50900, 50999))


def is_user_error(number: int | None) -> bool:
    return number is not None and any(lo <= number <= hi for lo, hi in USER_ERROR_RANGES)


class UsageError(Exception):
    """What was asked for cannot be done as asked (exit code USAGE)."""


HELD_BACK = 7  # sent, but cells changed on the board since the dry run were held back (not written): see
# dbo.vw_MON_HeldBackCells; send with --overwrite-changed to write them anyway, or dry-run again first
DOCTOR_FAILED = 6  # opus-sender doctor: at least one check failed (the checklist says what to do)
INTERRUPTED = 130  # stopped by Ctrl+C / SIGTERM; claimed rows return to the queue when the lease expires
