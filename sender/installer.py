"""Installs or upgrades the project's schema on either engine, in the order of db/manifest.txt.

Idempotent: every source is written to be re-run (guarded CREATE TABLE, CREATE OR ALTER, upserts of
data), so installing twice changes nothing and loses no row. The schema version is recorded in
dbo.MON_SchemaVersion; a database holding a newer version than this package is refused untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .db import MSSQL, Database, DbError, split_batches

DB_ROOT = Path(__file__).resolve().parent.parent / "db"


class InstallError(Exception):
    """The schema could not be installed; the message says why and what to do."""


def parse_version(text: str) -> tuple[int, int, int]:
    parts = (text.split("+")[0].split("-")[0].split(".") + ["0", "0", "0"])[:3]
    try:
        major, minor, patch = (int(p) for p in parts)
    except ValueError:
        raise InstallError(f"not a version number: {text!r}") from None
    return major, minor, patch


def manifest(db_root: Path = DB_ROOT) -> list[str]:
    lines = (db_root / "manifest.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def source_root(dialect: str, db_root: Path = DB_ROOT) -> Path:
    return db_root if dialect == MSSQL else db_root / "postgres"


def source_files(dialect: str, db_root: Path = DB_ROOT) -> list[Path]:
    root = source_root(dialect, db_root)
    files = [root / rel for rel in manifest(db_root)]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InstallError(f"the manifest names files that do not exist: {', '.join(missing)}")
    return files


def installed_version(db: Database) -> str | None:
    """The newest schema version recorded in the database, or None on an empty database."""
    if db.dialect == MSSQL:
        exists = db.scalar("SELECT OBJECT_ID(N'dbo.MON_SchemaVersion', N'U')")
    else:
        exists = db.scalar("SELECT to_regclass('dbo.mon_schemaversion')::text")
    if not exists:
        return None
    rows = db.query(
        "SELECT schema_version FROM dbo.MON_SchemaVersion "
        "ORDER BY version_major DESC, version_minor DESC, version_patch DESC"
    )
    return rows[0]["schema_version"] if rows else None


@dataclass
class InstallReport:
    version: str
    previous_version: str | None
    files: int
    batches: int


def install(db: Database, version: str = __version__, db_root: Path = DB_ROOT) -> InstallReport:
    """Apply every source in manifest order in one transaction, then record the version."""
    target = parse_version(version)
    current = installed_version(db)
    if current is not None and parse_version(current) > target:
        raise InstallError(
            f"the database holds schema version {current}, newer than this package ({version}); "
            "nothing was changed. Install the matching or a newer opus-update-boards package."
        )
    files = source_files(db.dialect, db_root)
    batches = 0
    conn = db.conn
    conn.autocommit = False
    try:
        for path in files:
            text = path.read_text(encoding="utf-8")
            try:
                before = batches
                for batch in split_batches(text) if db.dialect == MSSQL else [text]:
                    db.execute(batch)
                    batches += 1
                if batches == before:
                    raise InstallError(f"{path} holds no SQL")
            except DbError as exc:
                raise InstallError(
                    f"installing {path.relative_to(db_root)} failed: {exc}. Nothing was changed."
                ) from None
        if current is None or parse_version(current) != target:
            major, minor, patch = target
            db.execute(
                "INSERT INTO dbo.MON_SchemaVersion (schema_version, version_major, version_minor, "
                "version_patch) VALUES (?, ?, ?, ?)",
                (version, major, minor, patch),
            )
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.autocommit = True
    return InstallReport(version, current, len(files), batches)
