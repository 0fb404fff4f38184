"""Command line of the sender: `opus-sender --help`. Exit codes are listed in sender/exitcodes.py.

Every command reads its configuration from the environment and an optional file (--config or
OPUS_CONFIG; see sender/config.py). On a terminal, `send` shows a progress bar and a summary table;
elsewhere (SQL Agent, cron, a pipe) it writes plain timestamped log lines without colour.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import shtab

from . import __version__, exitcodes
from .config import Config, load_config
from .db import ConfigError, Database, DbError
from .doctor import Doctor, dsn_setting, format_checks, missing_driver
from .exitcodes import UsageError
from .installer import InstallError, install, installed_version, plan
from .monday import AuthError, DailyBudgetExhausted, MondayApiError, MondayClient
from .progress import Progress

log = logging.getLogger("opus")

EXIT_CODES_TEXT = exitcodes.help_text()

# What the database's messages name as T-SQL / PL/pgSQL parameters, as the command line's flags: the
# messages are written for callers of the procedures; on the command line the flag is what to change.
_FLAGS = {
    "create_labels_if_missing": ("--create-labels", {"'Y'": "", "'N'": "(without --create-labels)"}),
    "include_warnings": ("--no-warnings", {"'N'": "", "'Y'": "(without --no-warnings)"}),
    "query": ("--query", {}),
    "board_id": ("--board-id", {}),
    "batch_id": ("--batch-id", {}),
    "reason": ("--reason", {}),
    "update_operation": ("--operation", {}),
    "target_level": ("--target", {}),
    "source_table": ("--source-table", {}),
}
_PARAM = re.compile(r"(?:@|\bp_)(" + "|".join(_FLAGS) + r")\b(?:\s*(?:=>?)\s*(N?'[^']*'))?")


def cli_message(text: str) -> str:
    """A database message with its procedure parameters named as the command line's flags
    (`@create_labels_if_missing = 'Y'` -> `--create-labels`)."""

    def flag(m: re.Match) -> str:
        name, value = m.group(1), m.group(2)
        option, values = _FLAGS[name]
        if value is None:
            return option
        shown = values.get(value.lstrip("N"))
        if shown is None:
            return f"{option} {value.lstrip('N')}"
        return shown or option

    return _PARAM.sub(flag, text)


# ---------------------------------------------------------------------------------------------- config

def _config(args: argparse.Namespace) -> Config:
    return load_config(
        getattr(args, "config", None),
        dsn=getattr(args, "dsn", None),
        worker_id=getattr(args, "worker_id", None),
        api_url=getattr(args, "api_url", None),
    )


def _dsn(args: argparse.Namespace) -> str:
    return _config(args).require_dsn()


# ---------------------------------------------------------------------------------------------- commands

def cmd_db_install(args) -> int:
    with Database(_dsn(args)) as db:
        if args.dry_run:
            print("\n".join(plan(db).lines()))
            print("nothing was changed (dry run)")
            return exitcodes.OK
        report = install(db)
    before = report.previous_version or "none"
    print(f"schema {report.version} installed ({report.steps} upgrade steps, {report.files} files, "
          f"{report.batches} batches; was {before})")
    print("\n".join(report.notes))
    return exitcodes.OK


def cmd_db_version(args) -> int:
    with Database(_dsn(args)) as db:
        current = installed_version(db)
    print(f"database schema: {current or 'not installed'}; package: {__version__}")
    return exitcodes.OK


def cmd_doctor(args) -> int:
    cfg = _config(args)
    doctor = Doctor(cfg, dsn_setting(getattr(args, "dsn", None), dict(os.environ)))
    print(format_checks(doctor.run()))
    return exitcodes.OK if doctor.ok else exitcodes.DOCTOR_FAILED


def cmd_sync_board(args) -> int:
    from .sync import sync_board

    cfg = _config(args)
    with Database(cfg.require_dsn()) as db, MondayClient(cfg) as client:
        for board_id in args.board_id:
            result = sync_board(db, client, board_id, with_items=args.items, with_users=not args.no_users)
            print("\n".join(result.lines()))
    return exitcodes.OK


def _read_query(args) -> str:
    if args.query_file:
        return Path(args.query_file).read_text(encoding="utf-8")
    if args.query == "-":
        return sys.stdin.read()
    return args.query


def _print_summary(db: Database, batch_id: str) -> dict[str, Any]:
    from .report import batch_summary, findings_lines, validation_errors

    s = (batch_summary(db, batch_id) or [{}])[0]
    print(f"batch {batch_id}: status {s.get('batch_status')}; rows staged {s.get('rows_staged', 0)}, valid "
          f"{s.get('rows_valid', 0)}, warnings {s.get('rows_warning', 0)}, refused {s.get('rows_invalid', 0)}, "
          f"queued {s.get('rows_queued', 0)}")
    for line in findings_lines(batch_id, validation_errors(db, batch_id)):
        print(cli_message(line))
    return s


def cmd_stage(args) -> int:
    cfg = _config(args)
    with Database(cfg.require_dsn()) as db:
        # a refusal (50217, a query without rows, included) is logged and mapped to its exit code by main()
        res = db.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"}, query=_read_query(args),
                      board_id=args.board_id, update_operation=args.operation, target_level=args.target,
                      source_table=args.source_table, create_labels_if_missing="Y" if args.create_labels else "N")
        batch_id = res.outputs["batch_id"]
        s = _print_summary(db, batch_id)
        refused = int(s.get("rows_invalid") or 0)
        usable = int(s.get("rows_valid") or 0) + (0 if args.no_warnings else int(s.get("rows_warning") or 0))
        if args.release and usable:
            db.call("usp_ReleaseBatch", batch_id=batch_id, include_warnings="N" if args.no_warnings else "Y")
            _print_summary(db, batch_id)
    print(batch_id)
    if refused and not usable:
        log.error("batch %s: every row was refused by validation (%d); nothing %s", batch_id, refused,
                  "was released" if args.release else "can be released")
        return exitcodes.NOTHING_SENT
    if refused:
        log.warning("batch %s: %d of %d rows were refused by validation", batch_id, refused,
                    int(s.get("rows_staged") or 0))
        return exitcodes.PARTIAL
    return exitcodes.OK


def cmd_validate(args) -> int:
    with Database(_dsn(args)) as db:
        db.call("usp_ValidateStagedUpdates", batch_id=args.batch_id)
        _print_summary(db, args.batch_id)
    return exitcodes.OK


def cmd_release(args) -> int:
    with Database(_dsn(args)) as db:
        status = db.query("SELECT batch_status, send_approved FROM dbo.vw_MON_BatchSummary WHERE batch_id = ?",
                          [args.batch_id])
        if status and status[0]["batch_status"] in ("READY", "SENDING") and status[0]["send_approved"] == "N":
            # released for a preview only (a rollback, a Python dry run): releasing it is approving it
            db.call("usp_ApproveBatch", batch_id=args.batch_id, approved="Y")
        else:
            db.call("usp_ReleaseBatch", batch_id=args.batch_id, include_warnings="N" if args.no_warnings else "Y")
        _print_summary(db, args.batch_id)
    return exitcodes.OK


def cmd_cancel(args) -> int:
    with Database(_dsn(args)) as db:
        db.call("usp_CancelBatch", batch_id=args.batch_id, reason=args.reason)
        _print_summary(db, args.batch_id)
    return exitcodes.OK


def _send(args, cfg: Config, batch_id: str | None) -> int:
    from .report import batch_summary, result_json, summary_table, write_html_report, write_text_report
    from .send import Sender

    cfg.require_token()
    cfg.require_dsn()
    tty = sys.stderr.isatty()
    progress = Progress(sys.stderr, tty and not args.json)
    with Database(cfg.require_dsn()) as db:
        for s in batch_summary(db, batch_id):
            if batch_id or s.get("batch_status") in ("READY", "SENDING"):
                progress.set_total(s["batch_id"], int(s.get("rows_ready") or 0) + int(s.get("rows_claimed") or 0))
    dry_run = not args.execute
    if dry_run:
        log.info("dry run: nothing will be sent (pass --execute to send)")
    sender = Sender(cfg, dry_run=dry_run, progress=progress,
                    overwrite_changed=bool(getattr(args, "overwrite_changed", False)))
    try:
        result = sender.run(batch_id)
    finally:
        progress.finish()
    with Database(cfg.require_dsn()) as db:
        if args.json:
            print(result_json(result))
        elif dry_run or not tty:
            write_text_report(db, result, sys.stdout)
        else:
            sys.stdout.write(summary_table(result))
        if args.html:
            with open(args.html, "w", encoding="utf-8") as fh:
                write_html_report(db, result, fh)
            log.info("HTML report written to %s", args.html)
    for run in result.batches.values():
        log.info("batch %s: %s; sent %d, skipped %d, failed %d, retry %d, previewed %d", run.batch_id,
                 run.status_after or ("previewed" if dry_run else "-"), run.sent, run.skipped, run.failed, run.retry,
                 run.previewed)
    log.info("monday calls this run: %d; daily budget left %d of %d (%s)", result.calls,
             int(result.daily_remaining), result.daily_limit, result.budget_source or "local count")
    code = result.exit_code
    (log.info if code == exitcodes.OK else log.warning)("outcome: %s (exit %d)", result.outcome, code)
    return code


def cmd_send(args) -> int:
    return _send(args, _config(args), args.batch_id)


def cmd_rollback(args) -> int:
    from .operations import stage_or_reuse_rollback

    cfg = _config(args)
    cfg.require_token()
    with Database(cfg.require_dsn()) as db:
        rb, staged = stage_or_reuse_rollback(db, args.batch_id, args.reason, approve=args.execute)
    print(f"rollback of {args.batch_id} {'staged as' if staged else 'previewed before:'} batch {rb}"
          + ("" if args.execute else f" (a preview: approve and send it with opus-sender rollback --batch-id "
                                     f"{args.batch_id} --reason ... --execute)"))
    return _send(args, cfg, rb)


def cmd_status(args) -> int:
    from .report import status_text

    with Database(_dsn(args)) as db:
        sys.stdout.write(status_text(db, args.batch_id, args.limit))
        if args.batch_id:
            _print_summary(db, args.batch_id)
    return exitcodes.OK


# ---------------------------------------------------------------------------------------------- parser

def _common() -> argparse.ArgumentParser:
    c = argparse.ArgumentParser(add_help=False)
    g = c.add_argument_group("configuration")
    # SUPPRESS: given before the command (opus-sender --config FILE doctor) it is not reset by the command's
    g.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                   help="INI or TOML config file (default: $OPUS_CONFIG; docs/opus-sender.example.toml)")
    g.add_argument("--dsn", help="ODBC connection string (default: $OPUS_DSN)")
    g.add_argument("--worker-id", help="this sender's name in leases (default: host:pid)")
    g.add_argument("--api-url", help="monday API endpoint (default: $MONDAY_API_URL or https://api.monday.com/v2)")
    g.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return c


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    p = argparse.ArgumentParser(
        prog="opus-sender",
        description="OPUS Update Boards sender: install the schema, sync board metadata, stage, validate and "
        "release batches, send released batches to monday.com (dry run unless --execute), roll batches back, "
        "show status. The token comes from MONDAY_API_TOKEN or MONDAY_API_TOKEN_FILE.",
        epilog=EXIT_CODES_TEXT,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    p.add_argument("--config", metavar="FILE", help="INI or TOML config file (default: $OPUS_CONFIG); also "
                   "accepted after the command")
    # shell completion: `opus-sender --print-completion bash > /etc/bash_completion.d/opus-sender`
    shtab.add_argument_to(p, ["--print-completion"], help="print the shell completion script (bash, zsh, ...) and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, func: Any, **kw: Any) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text, description=help_text, parents=[common], epilog=EXIT_CODES_TEXT,
                            **kw)
        sp.set_defaults(func=func)
        return sp

    dbp = sub.add_parser("db", help="install or inspect the database schema",
                         description="Install or inspect the database schema.", epilog=EXIT_CODES_TEXT)
    dbsub = dbp.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    inst = dbsub.add_parser("install", help="install or upgrade the schema (idempotent)", parents=[common],
                            description="Install the schema, or upgrade it from an older version, in one "
                                        "transaction (idempotent; every row is kept).", epilog=EXIT_CODES_TEXT)
    inst.add_argument("--dry-run", action="store_true",
                      help="print the plan (from -> to version, each upgrade step and source) and change nothing")
    inst.set_defaults(func=cmd_db_install)
    ver = dbsub.add_parser("version", help="show the installed schema version", parents=[common],
                           description="Show the installed schema version.", epilog=EXIT_CODES_TEXT)
    ver.set_defaults(func=cmd_db_version)

    add("doctor", "check this host: database, engine, schema version, SET options, roles, monday token, API "
                  "version, boards, daily budget (changes nothing; exit 0 only when every check passes)", cmd_doctor)

    sp = add("sync-board", "read board metadata (columns, labels, groups, users) from monday into the database",
             cmd_sync_board)
    sp.add_argument("--board-id", type=int, action="append", required=True,
                    help="board to sync (repeat for several); its subitems board is synced too")
    sp.add_argument("--items", action="store_true", help="also sync item ids and names")
    sp.add_argument("--no-users", action="store_true", help="do not sync the account's users")

    sp = add("stage", "stage the result rows of a SQL query as a batch (validated at once)", cmd_stage)
    sp.add_argument("--board-id", type=int, required=True, help="target board")
    q = sp.add_mutually_exclusive_group(required=True)
    q.add_argument("--query", help="the SQL query (or - to read it from stdin)")
    q.add_argument("--query-file", metavar="FILE", help="file holding the SQL query")
    sp.add_argument("--operation", choices=["UPDATE", "CREATE"], default="UPDATE", help="default UPDATE")
    sp.add_argument("--target", choices=["ITEMS", "SUBITEMS"], default="ITEMS", help="default ITEMS")
    sp.add_argument("--source-table", help="recorded with the batch")
    sp.add_argument("--create-labels", action="store_true", help="let monday create missing status/dropdown labels")
    sp.add_argument("--release", action="store_true", help="release the batch right after staging")
    sp.add_argument("--no-warnings", action="store_true", help="with --release: leave WARNING rows out")

    sp = add("validate", "validate a staged batch again (after fixing data or rules)", cmd_validate)
    sp.add_argument("--batch-id", required=True)

    sp = add("release", "release a validated batch: its valid rows become the send queue", cmd_release)
    sp.add_argument("--batch-id", required=True)
    sp.add_argument("--no-warnings", action="store_true", help="leave WARNING rows out")

    sp = add("cancel", "cancel a batch nothing of which was sent", cmd_cancel)
    sp.add_argument("--batch-id", required=True)
    sp.add_argument("--reason", required=True)

    send_help = ("send released batches to monday.com; a DRY RUN unless --execute (reads the board, writes the "
                 "per-cell preview, prints a report)")
    sp = add("send", send_help, cmd_send)
    sp.add_argument("--batch-id", help="only this batch (default: every released batch)")
    sp.add_argument("--execute", action="store_true", help="really send (SQL Agent job steps pass it)")
    sp.add_argument("--overwrite-changed", action="store_true",
                    help="also write cells changed on the board since the dry run (default: hold them back, "
                         "exit code 7, see dbo.vw_MON_HeldBackCells)")
    sp.add_argument("--html", metavar="FILE", help="also write an HTML report to FILE")
    sp.add_argument("--json", action="store_true", help="print the result as JSON")

    sp = add("rollback", "stage the rollback of a sent batch and preview it; --execute approves and sends it (a "
                         "previewed rollback is never sent by a plain send --execute)", cmd_rollback)
    sp.add_argument("--batch-id", required=True, help="the sent batch to undo")
    sp.add_argument("--reason", required=True, help="why (kept with the audit rows)")
    sp.add_argument("--execute", action="store_true", help="really send the rollback")
    sp.add_argument("--html", metavar="FILE", help="also write an HTML report to FILE")
    sp.add_argument("--json", action="store_true", help="print the result as JSON")

    sp = add("status", "batches and their counts, in plain text", cmd_status)
    sp.add_argument("--batch-id", help="only this batch, with its validation errors")
    sp.add_argument("--limit", type=int, default=50, help="newest N batches (default 50)")
    return p


class _UTCFormatter(logging.Formatter):
    converter = time.gmtime


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (it may be replaced, e.g. by a test harness)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def setup_logging(verbose: bool) -> None:
    # plain timestamped lines (no colour codes): SQL Agent output files and terminals read the same
    handler = _StderrHandler()
    handler.setFormatter(_UTCFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ"))
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_opus", False):
            root.removeHandler(h)
    handler._opus = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("urllib3", "requests"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # a stopped SQL Agent job: stop at the next row, give claimed rows back


def _dsn_of(args: argparse.Namespace) -> str | None:
    try:
        return _config(args).dsn
    except (ConfigError, OSError):
        return getattr(args, "dsn", None)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _sigterm)
    try:
        return args.func(args)
    except ConfigError as exc:
        log.error("configuration error: %s", exc)
        return exitcodes.CONFIG
    except InstallError as exc:
        log.error("install failed: %s", exc)
        return exitcodes.DATABASE
    except UsageError as exc:
        log.error("%s", exc)
        return exitcodes.USAGE
    except DbError as exc:
        code = exitcodes.for_error(exc.number)
        if code != exitcodes.DATABASE:
            log.error("refused (error %s): %s", exc.number, cli_message(exc.message))
            return code
        driver = missing_driver(exc, _dsn_of(args))
        if driver:
            log.error("database error: %s: %s", *driver)
            return exitcodes.DATABASE
        if exc.number is None and (exc.sqlstate or "")[:2] in ("08", "28"):
            log.error("database error: cannot connect to the database: %s. Fix the connection string in OPUS_DSN "
                      "or --dsn (or dsn= in the config file): server, port, database, user and password", exc)
            return exitcodes.DATABASE
        log.error("database error: %s", exc)
        return exitcodes.DATABASE
    except ImportError as exc:  # pyodbc without the ODBC driver manager (libodbc)
        if "odbc" not in str(exc).lower():
            raise
        log.error("database error: %s: %s", *(missing_driver(exc, None) or (str(exc), "")))
        return exitcodes.DATABASE
    except AuthError as exc:
        log.error("monday refused the token: %s", exc)
        return exitcodes.NOTHING_SENT
    except DailyBudgetExhausted as exc:
        log.error("%s", exc)
        return exitcodes.NOTHING_SENT
    except MondayApiError as exc:
        log.error("monday error: %s", exc)
        return exitcodes.NOTHING_SENT
    except OSError as exc:
        log.error("file error: %s", exc)
        return exitcodes.CONFIG
    except KeyboardInterrupt:
        log.error("interrupted")
        return exitcodes.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())


