"""Command line of the sender: `opus-sender --help`. Exit codes are listed in sender/exitcodes.py."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from . import __version__, exitcodes
from .db import ConfigError, Database, DbError
from .installer import InstallError, install, installed_version

log = logging.getLogger("opus")


def _dsn(args) -> str:
    dsn = getattr(args, "dsn", None) or os.environ.get("OPUS_DSN")
    if not dsn:
        raise ConfigError("no database DSN: pass --dsn or set OPUS_DSN (an ODBC connection string)")
    return dsn


def cmd_db_install(args) -> int:
    with Database(_dsn(args)) as db:
        report = install(db)
    before = report.previous_version or "none"
    print(f"schema {report.version} installed ({report.files} files, {report.batches} batches; was {before})")
    return exitcodes.OK


def cmd_db_version(args) -> int:
    with Database(_dsn(args)) as db:
        current = installed_version(db)
    print(f"database schema: {current or 'not installed'}; package: {__version__}")
    return exitcodes.OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="opus-sender",
        description="OPUS Update Boards sender: install the schema, sync board metadata, send released "
        "batches to monday.com (dry run unless --execute), roll batches back, show status.",
        epilog="Exit codes: 0 done, 1 partial failure, 2 usage, 3 configuration, 4 database, "
        "5 nothing could be sent.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dbp = sub.add_parser("db", help="install or inspect the database schema")
    dbsub = dbp.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    inst = dbsub.add_parser("install", help="install or upgrade the schema (idempotent)")
    inst.add_argument("--dsn", help="ODBC connection string (default: $OPUS_DSN)")
    inst.set_defaults(func=cmd_db_install)
    ver = dbsub.add_parser("version", help="show the installed schema version")
    ver.add_argument("--dsn", help="ODBC connection string (default: $OPUS_DSN)")
    ver.set_defaults(func=cmd_db_version)
    return p


def setup_logging(verbose: bool) -> None:
    """Plain timestamped UTC lines without colour codes on stderr: SQL Agent output files read well."""
    logger = logging.getLogger("opus")
    for handler in [h for h in logger.handlers if getattr(h, "_opus", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._opus = True
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        return args.func(args)
    except ConfigError as exc:
        log.error("configuration error: %s", exc)
        return exitcodes.CONFIG
    except InstallError as exc:
        log.error("install failed: %s", exc)
        return exitcodes.DATABASE
    except DbError as exc:
        log.error("database error: %s", exc)
        return exitcodes.DATABASE
    except KeyboardInterrupt:
        log.error("interrupted")
        return exitcodes.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
