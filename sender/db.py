"""The one database layer of the project: pyodbc, autocommit, naive UTC datetimes, one dialect switch.

The sender, the installer and the contract tests all go through this module, so that the same tests run
unchanged on PostgreSQL (psqlODBC) and on SQL Server (any SQL Server ODBC driver).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

POSTGRES = "postgres"
MSSQL = "mssql"

_PWD = re.compile(r"(?i)\b(PWD|PASSWORD)\s*=\s*(\{[^}]*\}|[^;]*)")
_TSQL_NUMBER = re.compile(r"\((5\d{4})\)")
_ROUTINE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_PARAM = re.compile(r"^[a-z_][a-z0-9_]*$")


def mask_dsn(dsn: str) -> str:
    """The DSN with any password replaced, for messages and logs."""
    return _PWD.sub(lambda m: f"{m.group(1)}=***", dsn)


def dialect_of(dsn: str) -> str:
    """Which engine a DSN points at, from its ODBC driver name."""
    m = re.search(r"(?i)DRIVER\s*=\s*(\{[^}]*\}|[^;]*)", dsn)
    driver = (m.group(1) if m else "").lower()
    if "postgres" in driver or "psql" in driver:
        return POSTGRES
    if "sql server" in driver or "freetds" in driver or "tds" in driver or "msodbcsql" in driver:
        return MSSQL
    raise ConfigError(
        f"cannot tell the database engine from the DSN {mask_dsn(dsn)!r}: name the ODBC driver, "
        "e.g. DRIVER={PostgreSQL Unicode} or DRIVER={ODBC Driver 18 for SQL Server}"
    )


class ConfigError(Exception):
    """Configuration that cannot work (bad DSN, missing setting)."""


class DbError(Exception):
    """A database error, with the project's error number (50000-50999) when the SQL raised one."""

    def __init__(self, message: str, number: int | None = None, sqlstate: str | None = None):
        super().__init__(message)
        self.message = message
        self.number = number
        self.sqlstate = sqlstate

    def __str__(self) -> str:
        return f"[{self.number}] {self.message}" if self.number else self.message


def _clean_message(text: str) -> str:
    # strip the ODBC decoration: "[42000] [FreeTDS][SQL Server]msg (50101) (SQLExecDirectW)"
    text = re.sub(r"\s*\((SQL\w+)\)\s*$", "", text)
    text = re.sub(r"^\[\w+\]\s*", "", text)
    text = re.sub(r"^(\[[^\]]*\])+\s*", "", text)
    text = re.sub(r"^ERROR:\s*", "", text)
    text = re.sub(r";?\s*Error while (executing|preparing)[^;]*$", "", text)
    text = _TSQL_NUMBER.sub("", text).strip()
    text = re.sub(r"\s*\(\d+\)$", "", text)  # the driver's native error number
    return text.strip()


def translate_error(exc: Exception, dsn: str = "") -> DbError:
    """A pyodbc error as a DbError with the project number, never showing a password."""
    args = getattr(exc, "args", ())
    sqlstate = args[0] if len(args) > 1 and isinstance(args[0], str) else None
    raw = str(args[1] if len(args) > 1 else exc)
    number = None
    if sqlstate and re.fullmatch(r"5\d{4}", sqlstate):
        number = int(sqlstate)  # PostgreSQL: the SQLSTATE is the project's error number
    else:
        m = _TSQL_NUMBER.search(raw)
        if m:
            number = int(m.group(1))
    message = _clean_message(raw)
    if dsn:
        message = message.replace(dsn, mask_dsn(dsn))
    message = _PWD.sub(lambda m: f"{m.group(1)}=***", message)
    return DbError(message, number, sqlstate)


@dataclass
class CallResult:
    """What a procedure call returned: its OUTPUT/INOUT values, result sets and printed messages."""

    outputs: dict[str, Any] = field(default_factory=dict)
    result_sets: list[list[dict[str, Any]]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.result_sets[-1] if self.result_sets else []


def _rows(cur) -> list[dict[str, Any]]:
    if cur.description is None:
        return []
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


MESSAGE_CHUNK = 1022  # pyodbc reads a diagnostic message in pieces of this many characters


def _messages(cur) -> list[str]:
    joined: list[str] = []
    carry = False
    for _kind, text in getattr(cur, "messages", None) or []:
        text = str(text)
        if carry:
            joined[-1] += text  # the rest of a message longer than one piece
        else:
            joined.append(text)
        carry = len(text) == MESSAGE_CHUNK
    # psqlODBC prefixes a RAISE NOTICE with its level; SQL Server's PRINT has none
    return [re.sub(r"^(NOTICE|INFO|WARNING):\s*", "", _clean_message(t)) for t in joined]


class Database:
    """A connection to the project's database on either engine, in autocommit mode."""

    def __init__(self, dsn: str, *, timeout: int = 10):
        self.dsn = dsn
        self.dialect = dialect_of(dsn)
        self.timeout = timeout
        self._conn = None

    # -- connection -----------------------------------------------------------------------------
    def connect(self) -> Database:
        import pyodbc  # imported late: the CLI's --help works without unixODBC

        dsn = self.dsn
        if self.dialect == POSTGRES:
            # native error semantics, real booleans (see docs/sql_conventions.md)
            dsn = dsn.rstrip(";") + ";Protocol=7.4-0;BoolsAsChar=0;"
        try:
            self._conn = pyodbc.connect(dsn, autocommit=True, timeout=self.timeout)
        except pyodbc.Error as exc:
            raise translate_error(exc, self.dsn) from None
        if self.dialect == POSTGRES:
            self.execute("SET TIME ZONE 'UTC'")
            self.execute("SET search_path TO dbo, public")
        else:
            # a T-SQL test engine (docs/engine_gaps.md, fk-double-prefix) re-reads a foreign-key check it cached
            # before the session's first temporary table with the database prefixed twice, and fails it once;
            # a temporary table made first keeps every check valid. SQL Server: the property is NULL, nothing runs
            self.execute("IF SERVERPROPERTY('babelfish') IS NOT NULL "
                         "BEGIN CREATE TABLE #opus_session (i int); DROP TABLE #opus_session; END")
        return self

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def __enter__(self) -> Database:
        return self.connect() if self._conn is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def conn(self):
        if self._conn is None:
            self.connect()
        return self._conn

    # -- plain SQL ------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> CallResult:
        """Run SQL text with ? markers; collect every result set and message."""
        import pyodbc

        cur = self.conn.cursor()
        result = CallResult()
        try:
            cur.execute(sql, *params) if params else cur.execute(sql)
            while True:
                result.messages.extend(_messages(cur))
                if cur.description is not None:
                    result.result_sets.append(_rows(cur))
                if not cur.nextset():
                    break
        except pyodbc.Error as exc:
            raise translate_error(exc, self.dsn) from None
        finally:
            cur.close()
        return result

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        res = self.execute(sql, params)
        return res.result_sets[0] if res.result_sets else []

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        return next(iter(rows[0].values())) if rows else None

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        import pyodbc

        cur = self.conn.cursor()
        try:
            # Microsoft's drivers bind arrays of parameters; FreeTDS crashes the process with it
            cur.fast_executemany = self.dialect == MSSQL and "freetds" not in self.dsn.lower()
            cur.executemany(sql, list(seq))
        except pyodbc.Error as exc:
            raise translate_error(exc, self.dsn) from None
        finally:
            cur.close()

    # -- routines -------------------------------------------------------------------------------
    def call(self, routine: str, outputs: dict[str, str] | None = None, **params: Any) -> CallResult:
        """Call a procedure by its contract name with named parameters.

        ``outputs`` maps OUTPUT (T-SQL) / INOUT (PostgreSQL) parameter names to their T-SQL type;
        their values come back in ``CallResult.outputs``. Parameter names are the contract's
        snake_case names: ``@name`` in T-SQL, ``p_name`` in PostgreSQL.
        """
        outputs = outputs or {}
        self._check_names(routine, list(params) + list(outputs))
        values = list(params.values())
        if self.dialect == MSSQL:
            decl = "".join(f"DECLARE @o_{n} {t} = NULL; " for n, t in outputs.items())
            args = [f"@{n} = ?" for n in params] + [f"@{n} = @o_{n} OUTPUT" for n in outputs]
            sql = f"SET NOCOUNT ON; {decl}EXEC {self._qualify(routine)} {', '.join(args)};"
            if outputs:
                sql += " SELECT " + ", ".join(f"@o_{n} AS {n}" for n in outputs) + ";"
            res = self.execute(sql, values)
            if outputs:
                last = res.result_sets.pop() if res.result_sets else [{}]
                res.outputs = dict(last[0]) if last else {}
            return res
        args = [f"p_{n} => ?" for n in params] + [f"p_{n} => NULL" for n in outputs]
        res = self.execute(f"CALL {self._qualify(routine)}({', '.join(args)})", values)
        if outputs and res.result_sets:
            row = res.result_sets.pop(0)
            if row:
                res.outputs = {k[2:] if k.startswith("p_") else k: v for k, v in row[0].items()}
        return res

    def call_rows(self, routine: str, **params: Any) -> list[dict[str, Any]]:
        """Call a routine that returns rows (a T-SQL procedure, a PostgreSQL table function)."""
        self._check_names(routine, list(params))
        values = list(params.values())
        if self.dialect == MSSQL:
            args = ", ".join(f"@{n} = ?" for n in params)
            res = self.execute(f"SET NOCOUNT ON; EXEC {self._qualify(routine)} {args};", values)
            return res.rows
        args = ", ".join(f"p_{n} => ?" for n in params)
        return self.query(f"SELECT * FROM {self._qualify(routine)}({args})", values)  # noqa: S608 (names checked by _check_names)

    @staticmethod
    def _check_names(routine: str, names: list[str]) -> None:
        # names are spliced into SQL text, so they must be plain identifiers (values never are)
        if not _ROUTINE.match(routine):
            raise ValueError(f"not a routine name: {routine!r}")
        for n in names:
            if not _PARAM.match(n):
                raise ValueError(f"not a parameter name: {n!r}")

    @staticmethod
    def _qualify(routine: str) -> str:
        return routine if "." in routine else f"dbo.{routine}"

    # -- scripts --------------------------------------------------------------------------------
    def run_script(self, text: str) -> None:
        """Run one SQL source file: T-SQL split into GO batches, PostgreSQL as a whole."""
        for batch in split_batches(text) if self.dialect == MSSQL else [text]:
            if batch.strip():
                self.execute(batch)


_GO = re.compile(r"^[ \t]*GO[ \t]*(?:--.*)?$", re.IGNORECASE | re.MULTILINE)


def split_batches(text: str) -> list[str]:
    """Split T-SQL on lines holding only GO, as sqlcmd and SSMS do."""
    return [b for b in _GO.split(text) if b.strip()]
