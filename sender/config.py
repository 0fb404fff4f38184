"""Configuration of the sender: environment variables, optionally an INI or TOML file.

Precedence: explicit overrides (CLI options) > environment variables > the file > defaults.
The file is named by ``--config`` or ``OPUS_CONFIG``; ``.toml`` files are read as TOML, anything else
as INI. Both use the same keys, in a section ``[opus]`` (or ``[sender]``/``[monday]``, merged)::

    [opus]
    dsn = DRIVER={PostgreSQL Unicode};SERVER=127.0.0.1;PORT=5432;DATABASE=opus;UID=opus;PWD=...
    api_url = https://api.monday.com/v2
    api_version = 2026-07
    token_file = /etc/opus/monday.token
    requests_per_minute = 1000
    concurrency = 4
    daily_calls = 1000
    complexity_per_minute = 10000000

The monday token comes from ``MONDAY_API_TOKEN`` or a token file (``MONDAY_API_TOKEN_FILE`` /
``token_file``). It is held in a :class:`Secret`, whose ``str``/``repr`` never show it; it is never
printed, logged, stored in the database or put in an exception message.
"""

from __future__ import annotations

import configparser
import os
import re
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .db import ConfigError

DEFAULT_API_URL = "https://api.monday.com/v2"
DEFAULT_API_VERSION = "2026-07"
_VERSION_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class Secret:
    """A value that never shows itself: ``str``/``repr``/format give ``***``."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None):
        self._value = value or None

    def reveal(self) -> str | None:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret(None)"

    def __str__(self) -> str:
        return "***" if self._value else ""

    def __format__(self, spec: str) -> str:
        return str(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self):  # pickling would copy the value out: refuse
        raise TypeError("a Secret cannot be pickled")


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Config:
    """Everything the sender needs; build it with :func:`load_config`."""

    dsn: str | None = None
    api_url: str = DEFAULT_API_URL
    api_version: str = DEFAULT_API_VERSION
    token: Secret = field(default_factory=lambda: Secret(None), repr=False)
    # plan limits (monday's API documentation: design to the lowest tier, configurable)
    requests_per_minute: int = 1000
    concurrency: int = 4  # boards sent in parallel (requests are sequential per board)
    daily_calls: int = 1000
    complexity_per_minute: int = 10_000_000
    daily_state_file: str | None = None  # where calls of the UTC day are counted across runs
    worker_id: str = field(default_factory=default_worker_id)
    # client behaviour
    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # monday's own limit per call is 60 s
    max_attempts: int = 8  # per request, for retryable errors
    max_retry_wait: float = 120.0  # longest single wait (seconds) before giving the row back as RETRY
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    # send loop
    claim_size: int = 100  # rows per claim (memory stays flat whatever the batch size); = one read
    lease_seconds: int = 300
    max_aliases: int = 25  # mutations per request at most (aliases); 1 disables aliasing; 25 measured best (docs/benchmarks.md)
    read_chunk: int = 100  # items per read (monday's items(ids:) limit)
    idle_wait: float = 30.0  # how long a run waits for rows whose retry time has not come yet

    def __repr__(self) -> str:  # the DSN may hold a password, the token is never shown
        from .db import mask_dsn

        shown = ", ".join(
            f"{f.name}={mask_dsn(v) if f.name == 'dsn' and v else v!r}"
            for f in fields(self)
            if f.name != "token"
            for v in [getattr(self, f.name)]
        )
        return f"Config({shown}, token={'set' if self.token else 'missing'})"

    __str__ = __repr__

    def require_dsn(self) -> str:
        if not self.dsn:
            raise ConfigError("no database DSN: pass --dsn, set OPUS_DSN or dsn= in the config file")
        return self.dsn

    def require_token(self) -> str:
        tok = self.token.reveal()
        if not tok:
            raise ConfigError(
                "no monday API token: set MONDAY_API_TOKEN, or MONDAY_API_TOKEN_FILE / token_file naming "
                "a file that holds it"
            )
        return tok

    def with_overrides(self, **kw: Any) -> Config:
        kw = {k: v for k, v in kw.items() if v is not None}
        return _validated(replace(self, **kw)) if kw else self


# environment variable -> field
_ENV = {
    "OPUS_DSN": "dsn",
    "MONDAY_API_URL": "api_url",
    "MONDAY_API_VERSION": "api_version",
    "MONDAY_REQUESTS_PER_MINUTE": "requests_per_minute",
    "MONDAY_CONCURRENCY": "concurrency",
    "MONDAY_DAILY_CALLS": "daily_calls",
    "MONDAY_COMPLEXITY_PER_MINUTE": "complexity_per_minute",
    "MONDAY_DAILY_STATE_FILE": "daily_state_file",
    "MONDAY_TIMEOUT": "read_timeout",
    "MONDAY_MAX_ALIASES": "max_aliases",
    "OPUS_WORKER_ID": "worker_id",
    "OPUS_CLAIM_SIZE": "claim_size",
    "OPUS_LEASE_SECONDS": "lease_seconds",
}
_FIELD_TYPES = {f.name: f.type for f in fields(Config)}

# What each setting is for: the configuration table of docs/runbook.md is made from
# this and from _ENV / Config's defaults by scripts/build_reference.py (settings()), so they cannot drift.
NOTES = {
    "dsn": "ODBC connection string of the database; prefer `Trusted_Connection=yes` (SQL Server) or a "
           "`.pgpass` file (PostgreSQL) to a password",
    "token_file": "file whose first line is the monday API token, readable by the service account only "
                  "(or the token itself in `MONDAY_API_TOKEN`; never in a job step)",
    "api_url": "monday's GraphQL endpoint",
    "api_version": "the monday API version sent as API-Version (YYYY-MM; pinned)",
    "requests_per_minute": "requests per minute at most (the account's plan)",
    "concurrency": "boards sent in parallel (requests are sequential per board)",
    "daily_calls": "monday calls per UTC day at most (the account's plan)",
    "complexity_per_minute": "GraphQL complexity points per minute at most",
    "daily_state_file": "file that counts the calls of the UTC day across runs (default: none, counted per run)",
    "worker_id": "this sender's name in the queue's leases",
    "connect_timeout": "seconds to connect to monday",
    "read_timeout": "seconds to wait for one monday answer (monday's own limit is 60)",
    "max_attempts": "attempts per request for retryable errors",
    "max_retry_wait": "longest single wait (seconds) before a row is given back as RETRY",
    "backoff_initial": "first wait (seconds) between retries",
    "backoff_max": "longest wait (seconds) between retries",
    "claim_size": "queue rows per claim (memory stays flat whatever the batch size)",
    "lease_seconds": "seconds a claimed row stays leased to this sender (extended while it works)",
    "max_aliases": "mutations per request at most (1 disables aliasing)",
    "read_chunk": "items per board read (monday's items(ids:) limit is 100)",
    "idle_wait": "seconds a run waits for rows whose retry time has not come yet",
}


def settings() -> list[tuple[str, str | None, str, str]]:
    """Every setting of the config file: (key, environment variable or None, default, what it is for)."""
    env_of = {name: var for var, name in _ENV.items()}
    defaults = Config()
    out = []
    for f in fields(Config):
        if f.name == "token":
            out.append(("token_file", "MONDAY_API_TOKEN_FILE", "", NOTES["token_file"]))
            continue
        default = "host:pid" if f.name == "worker_id" else getattr(defaults, f.name)
        out.append((f.name, env_of.get(f.name), "" if default is None else str(default), NOTES[f.name]))
    return out


def _coerce(name: str, raw: Any) -> Any:
    kind = _FIELD_TYPES.get(name)
    if isinstance(raw, str):
        raw = raw.strip()
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name}: {raw!r} is not a number") from None
    return raw


def _read_token_file(path: str) -> Secret:
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {str(p)!r}: {exc.strerror or exc}") from None
    if not text:
        raise ConfigError(f"the token file {str(p)!r} is empty")
    return Secret(text.splitlines()[0].strip())


def _read_file(path: str) -> dict[str, Any]:
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} not found")
    values: dict[str, Any] = {}
    try:
        if p.suffix.lower() == ".toml":
            data = tomllib.loads(p.read_text(encoding="utf-8"))
            sections = [data] + [data[s] for s in ("opus", "sender", "monday") if isinstance(data.get(s), dict)]
            for sec in sections:
                values.update({k: v for k, v in sec.items() if not isinstance(v, dict)})
        else:
            cp = configparser.ConfigParser(interpolation=None)
            cp.read(p, encoding="utf-8")
            for s in ("opus", "sender", "monday"):
                if cp.has_section(s):
                    values.update(dict(cp.items(s)))
    except (tomllib.TOMLDecodeError, configparser.Error) as exc:
        raise ConfigError(f"config file {str(p)!r} cannot be parsed: {exc}") from None
    return values


_FILE_ALIASES = {"token_file": "token_file", "api_token_file": "token_file", "url": "api_url",
                 "version": "api_version"}


def load_config(path: str | None = None, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """Build the configuration; raises ConfigError (never showing the token) when it cannot work."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    token: Secret | None = None
    path = path or env.get("OPUS_CONFIG")
    if path:
        for key, raw in _read_file(path).items():
            key = _FILE_ALIASES.get(key, key)
            if key in ("token", "api_token"):
                token = Secret(str(raw).strip())
            elif key == "token_file":
                token = _read_token_file(str(raw))
            elif key in _FIELD_TYPES:
                values[key] = _coerce(key, raw)
            else:
                raise ConfigError(f"config file {path!r}: unknown setting {key!r}")
    for var, name in _ENV.items():
        if env.get(var):
            values[name] = _coerce(name, env[var])
    if env.get("MONDAY_API_TOKEN_FILE"):
        token = _read_token_file(env["MONDAY_API_TOKEN_FILE"])
    if env.get("MONDAY_API_TOKEN"):
        token = Secret(env["MONDAY_API_TOKEN"].strip())
    for key, raw in overrides.items():
        if raw is None:
            continue
        if key == "token":
            token = raw if isinstance(raw, Secret) else Secret(str(raw))
        elif key == "token_file":
            token = _read_token_file(str(raw))
        elif key in _FIELD_TYPES:
            values[key] = _coerce(key, raw)
        else:
            raise TypeError(f"unknown config override {key!r}")
    if token is not None:
        values["token"] = token
    return _validated(Config(**values))


def _validated(cfg: Config) -> Config:
    problems = []
    if not re.match(r"^https?://[^\s/]+", cfg.api_url or ""):
        problems.append(f"api_url {cfg.api_url!r} is not an http(s) URL")
    if not _VERSION_RE.match(cfg.api_version or ""):
        problems.append(f"api_version {cfg.api_version!r} is not a valid version: monday's versions are YYYY-MM with a month 01-12 (e.g. 2026-07)")
    for name in ("requests_per_minute", "concurrency", "daily_calls", "complexity_per_minute", "claim_size",
                 "lease_seconds", "max_aliases", "read_chunk", "max_attempts"):
        if int(getattr(cfg, name)) < 1:
            problems.append(f"{name} must be at least 1")
    if cfg.read_chunk > 100:
        problems.append("read_chunk must be at most 100 (monday's items(ids:) limit)")
    for name in ("connect_timeout", "read_timeout"):
        if float(getattr(cfg, name)) <= 0:
            problems.append(f"{name} must be positive")
    if not cfg.worker_id or len(cfg.worker_id) > 100:
        problems.append("worker_id must be 1-100 characters")
    if problems:
        raise ConfigError("invalid configuration: " + "; ".join(problems))
    return cfg
