"""Process exit codes, chosen for SQL Agent job steps (a CmdExec step fails on any non-zero code)."""

OK = 0  # everything asked for was done
PARTIAL = 1  # some rows were sent, some failed (see the batch's failed rows)
USAGE = 2  # the command line was wrong (argparse's own code)
CONFIG = 3  # configuration missing or invalid (DSN, token, endpoint)
DATABASE = 4  # the database refused or could not be reached; nothing was changed by this run
NOTHING_SENT = 5  # nothing could be sent (every row failed, or monday refused the token)
DOCTOR_FAILED = 6  # opus-sender doctor: at least one check failed (the checklist says what to do)
INTERRUPTED = 130  # stopped by Ctrl+C / SIGTERM; claimed rows return to the queue when the lease expires
