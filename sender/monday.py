"""The monday.com API client: requests + tenacity, GraphQL variables only, timeouts on every call.

- Retries only what is retryable (monday's API documentation): HTTP 429, 5xx, 423, 409
  IDEMPOTENCY_CONFLICT, timeouts, dropped connections, and rate/complexity codes found in the body
  whatever the HTTP status (COMPLEXITY_BUDGET_EXHAUSTED arrives as HTTP 200 in older versions).
- Waits what monday says first (``retry_in_seconds`` in the body, the ``Retry-After`` header, the
  ``RateLimit`` header's ``r=0;t=N``), falling back to exponential backoff with jitter.
- Non-retryable errors are not raised: they come back in :class:`GraphQLResult` per alias, with
  monday's own message, for the caller to fail the row it belongs to.
- Every mutation carries an ``Idempotency-Key`` header, the same on every retry of that request.
- The plan's limits are respected client-side: requests per minute (shared by all threads), the
  complexity budget seen in responses, and the daily call budget (optionally counted across runs in
  a small state file), which stops the run with :class:`DailyBudgetExhausted`.
- The token is only ever put in the ``Authorization`` header: never logged, never in an exception.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type

from .config import Config

log = logging.getLogger("opus.monday")

# codes that mean "the request was not processed now, try again later" (monday's API documentation)
RETRYABLE_CODES = {
    "COMPLEXITY_BUDGET_EXHAUSTED", "ComplexityException", "complexityBudgetExhausted",
    "RATE_LIMIT_EXCEEDED", "Rate Limit Exceeded", "RateLimitExceeded", "Minute limit rate exceeded",
    "maxConcurrencyExceeded", "IP_RATE_LIMIT_EXCEEDED", "FIELD_LIMIT_EXCEEDED", "API_TEMPORARILY_BLOCKED",
    "IDEMPOTENCY_CONFLICT", "ResourceLocked", "RESOURCE_LOCKED", "INTERNAL_SERVER_ERROR", "InternalServerError",
}
DAILY_CODES = {"DAILY_LIMIT_EXCEEDED", "DailyLimitExceeded"}
AUTH_CODES = {"Unauthorized", "UserUnauthorizedException", "USER_ACCESS_DENIED", "NOT_AUTHENTICATED",
              "missingRequiredPermissions", "Your ip is restricted"}
RETRYABLE_HTTP = {423, 429, 500, 502, 503, 504}  # 409 only with IDEMPOTENCY_CONFLICT


class MondayApiError(Exception):
    """An error talking to monday (never carries the token)."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 detail: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.detail = detail or {}


class RetryableError(MondayApiError):
    """Not processed now; may be tried again (after ``retry_after`` seconds when monday said so).

    ``uncertain`` is True when a mutation may have been applied (timeout, dropped connection, 5xx).
    """

    def __init__(self, message: str, *, retry_after: float | None = None, uncertain: bool = False, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.uncertain = uncertain


class AuthError(MondayApiError):
    """monday refused the token or the user (401/403): nothing can be sent with this configuration."""


class DailyBudgetExhausted(MondayApiError):
    """The daily call budget is spent (ours or monday's DAILY_LIMIT_EXCEEDED): resume after 00:00 UTC."""


# ---------------------------------------------------------------------------------------------- results

@dataclass
class GraphQLResult:
    data: dict[str, Any] | None
    errors: list[dict[str, Any]]
    status: int
    api_version: str | None = None
    replayed: bool = False
    request_id: str | None = None
    complexity: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def errors_for(self, alias: str) -> list[dict[str, Any]]:
        return [e for e in self.errors if (e.get("path") or [None])[0] == alias]

    def request_errors(self) -> list[dict[str, Any]]:
        """Errors not tied to one field (validation, parse, JSON errors): they concern every alias."""
        return [e for e in self.errors if not e.get("path")]


def error_code(err: dict[str, Any]) -> str | None:
    ext = err.get("extensions") or {}
    return ext.get("code") or err.get("error_code")


def error_message(err: dict[str, Any]) -> str:
    return str(err.get("message") or err.get("error_message") or error_code(err) or "unknown error")


# ---------------------------------------------------------------------------------------------- limits

_RL_ITEM = re.compile(r'"?([A-Za-z]+)"?\s*;\s*r=(\d+)(?:\s*;\s*t=(\d+(?:\.\d+)?))?')


def ratelimit_wait(header: str | None) -> float | None:
    """Seconds to wait from a ``RateLimit`` header: the largest ``t`` of a limit whose ``r`` is 0."""
    if not header:
        return None
    waits = [float(t or 0) for _name, r, t in _RL_ITEM.findall(header) if int(r) == 0]
    return max(waits) if waits else None


def _num(v: Any) -> float | None:
    try:
        return float(v) if v is not None else None
    except (TypeError, ValueError):
        return None


class Throttle:
    """Spacing of requests for the plan's requests/minute, and pauses monday asks for, across threads."""

    def __init__(self, requests_per_minute: int, complexity_per_minute: int):
        self.interval = 60.0 / max(1, requests_per_minute)
        self.complexity_per_minute = complexity_per_minute
        self._lock = threading.Lock()
        self._next = 0.0
        self._blocked_until = 0.0

    def block(self, seconds: float) -> None:
        with self._lock:
            self._blocked_until = max(self._blocked_until, time.monotonic() + max(0.0, seconds))

    def wait(self) -> None:
        """Return when this thread may send: its slot has come and no pause monday asked for is running
        (checked again right before returning, so a 429 seen meanwhile by another thread holds it too)."""
        while True:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next, self._blocked_until)
                if start <= now:
                    self._next = now + self.interval
                    return
            time.sleep(min(start - now, 1.0))

    def observe(self, headers: dict[str, str], complexity: dict[str, Any] | None) -> None:
        wait = ratelimit_wait(headers.get("RateLimit") or headers.get("ratelimit"))
        if wait:
            self.block(wait)
        if complexity:
            after, reset = _num(complexity.get("after")), _num(complexity.get("reset_in_x_seconds"))
            if after is not None and reset and after < 0.02 * self.complexity_per_minute:
                self.block(reset)


class DailyBudget:
    """Calls of the current UTC day against the plan's daily limit; optionally shared through a file."""

    def __init__(self, limit: int, state_file: str | None = None):
        self.limit = limit
        self.path = Path(state_file).expanduser() if state_file else None
        self._lock = threading.Lock()
        self._day = self._today()
        self._used = 0.0
        self.calls_this_run = 0
        self.source = "local count (no call to monday's platform_api)"

    @staticmethod
    def _today() -> str:
        return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")

    def _load(self) -> tuple[str, float]:
        if self.path and self.path.is_file():
            try:
                d = json.loads(self.path.read_text(encoding="utf-8"))
                return str(d.get("day")), float(d.get("calls", 0))
            except (OSError, ValueError):
                pass
        return self._day, self._used

    def _save(self, day: str, used: float) -> None:
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"day": day, "calls": used}), encoding="utf-8")
            os.replace(tmp, self.path)

    @property
    def used(self) -> float:
        with self._lock:
            day, used = self._load()
            return used if day == self._today() else 0.0

    @property
    def remaining(self) -> float:
        return max(0.0, self.limit - self.used)

    def take(self, cost: float = 1.0) -> None:
        with self._lock:
            today = self._today()
            day, used = self._load()
            if day != today:
                day, used = today, 0.0
            if used + cost > self.limit:
                raise DailyBudgetExhausted(
                    f"daily call budget of {self.limit} calls used up for {today} (UTC); the rest waits until "
                    "after 00:00 UTC", code="DAILY_BUDGET")
            used += cost
            self._day, self._used = day, used
            self.calls_this_run += 1
            self._save(day, used)

    def from_monday(self, client: MondayClient) -> bool:
        """Take the day's limit and usage from monday (``platform_api { daily_limit daily_analytics }``): the
        account's own count, every sender and app included. False (the local count stays, labelled so) when
        monday does not answer it."""
        from . import graphql_ops as ops

        try:
            res = client.query(ops.PLATFORM_API)
        except (MondayApiError, requests.RequestException) as exc:
            if isinstance(exc, (AuthError, DailyBudgetExhausted)):
                raise
            self.source = f"local count (monday's platform_api did not answer: {exc})"
            return False
        api = (res.data or {}).get("platform_api") or {}
        total = ((api.get("daily_limit") or {}).get("total"))
        if res.errors or not isinstance(total, int) or total <= 0:
            self.source = "local count (monday's platform_api did not answer it)"
            return False
        analytics = api.get("daily_analytics") or {}
        today = self._today()
        used = next((int(d.get("usage") or 0) for d in analytics.get("by_day") or [] if d.get("day") == today), 0)
        with self._lock:
            day, local = self._load()
            local = local if day == today else 0.0
            # the configured daily_calls caps it when set lower (this sender's share of the account's day)
            self.limit = min(total, self.limit) if self.limit > 0 else total
            self._day, self._used = today, max(float(used), local)
            self._save(self._day, self._used)
        self.source = "monday's platform_api" + (
            f", updated {analytics['last_updated']}" if analytics.get("last_updated") else "") + (
            f"; capped by daily_calls = {self.limit}" if self.limit < total else "")
        return True

    def exhaust(self) -> None:
        """monday said DAILY_LIMIT_EXCEEDED: treat the day as spent."""
        with self._lock:
            self._day, self._used = self._today(), float(self.limit)
            self._save(self._day, self._used)


# ---------------------------------------------------------------------------------------------- client

class MondayClient:
    """One connection to the monday API (one per thread; throttle and budget are shared)."""

    def __init__(self, config: Config, *, throttle: Throttle | None = None, budget: DailyBudget | None = None,
                 session: requests.Session | None = None):
        config.require_token()
        self.config = config
        self.throttle = throttle or Throttle(config.requests_per_minute, config.complexity_per_minute)
        self.budget = budget or DailyBudget(config.daily_calls, config.daily_state_file)
        self.session = session or requests.Session()
        self.last_api_version: str | None = None

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> MondayClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MondayClient(url={self.config.api_url!r}, version={self.config.api_version!r})"

    # -- public ---------------------------------------------------------------------------------
    def query(self, document: str, variables: dict[str, Any] | None = None) -> GraphQLResult:
        return self._execute(document, variables or {}, None)

    def mutate(self, document: str, variables: dict[str, Any], idempotency_key: str) -> GraphQLResult:
        if not idempotency_key:
            raise ValueError("every mutation needs an Idempotency-Key")
        return self._execute(document, variables, idempotency_key)

    # -- internals ------------------------------------------------------------------------------
    def _headers(self, idempotency_key: str | None) -> dict[str, str]:
        h = {
            "Authorization": self.config.require_token(),
            "API-Version": self.config.api_version,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "opus-update-boards-sender",
        }
        if idempotency_key:
            h["Idempotency-Key"] = idempotency_key
        return h

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        n = state.attempt_number
        if isinstance(exc, RetryableError) and exc.retry_after is not None:
            # what monday said, plus a little jitter so that parallel workers do not return together
            return exc.retry_after + random.uniform(0, 0.1 * exc.retry_after + 0.05)
        backoff = min(self.config.backoff_max, self.config.backoff_initial * 2 ** (n - 1))
        return random.uniform(backoff / 2, backoff)

    def _stop(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self.config.max_attempts:
            return True
        exc = state.outcome.exception() if state.outcome else None
        return bool(isinstance(exc, RetryableError) and exc.retry_after
                    and exc.retry_after > self.config.max_retry_wait)

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0
        log.warning("monday: %s; retrying in %.1fs (attempt %d of %d)", exc, wait, state.attempt_number + 1,
                    self.config.max_attempts)

    def _execute(self, document: str, variables: dict[str, Any], key: str | None) -> GraphQLResult:
        retrying = Retrying(
            retry=retry_if_exception_type(RetryableError),
            wait=self._wait,
            stop=self._stop,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        return retrying(self._attempt, document, variables, key)

    def _attempt(self, document: str, variables: dict[str, Any], key: str | None) -> GraphQLResult:
        is_mutation = key is not None
        body = json.dumps({"query": document, "variables": variables}, ensure_ascii=False).encode("utf-8")
        headers = self._headers(key)
        self.budget.take()
        self.throttle.wait()  # last, so that a pause another thread was just told about holds this one too
        try:
            resp = self.session.post(
                self.config.api_url, data=body, headers=headers,
                timeout=(self.config.connect_timeout, self.config.read_timeout),
            )
        except requests.Timeout:
            raise RetryableError("request timed out", code="TIMEOUT", uncertain=is_mutation) from None
        except requests.ConnectionError as exc:
            raise RetryableError(f"connection failed: {type(exc).__name__}", code="CONNECTION",
                                 uncertain=is_mutation) from None
        except requests.RequestException as exc:
            raise RetryableError(f"request failed: {type(exc).__name__}", code="REQUEST",
                                 uncertain=is_mutation) from None
        return self._classify(resp, is_mutation)

    def _classify(self, resp: requests.Response, is_mutation: bool) -> GraphQLResult:
        headers = {k: v for k, v in resp.headers.items()}
        status = resp.status_code
        version = resp.headers.get("API-Version")
        if version:
            self.last_api_version = version
        try:
            payload = resp.json()
            if not isinstance(payload, dict):
                payload = {"errors": [{"message": str(payload)[:500]}]}
        except ValueError:
            payload = {"errors": [{"message": f"HTTP {status}: {resp.text[:300]}"}]}
        errors = payload.get("errors") or []
        errors = [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
        if payload.get("error_code") or payload.get("error_message"):  # legacy shape (<= 2024-07)
            errors.append({"message": payload.get("error_message") or payload.get("error_code"),
                           "extensions": {"code": payload.get("error_code"),
                                          "status_code": payload.get("status_code"),
                                          "error_data": payload.get("error_data") or {}}})
        data = payload.get("data")
        complexity = (data or {}).get("complexity") if isinstance(data, dict) else None
        result = GraphQLResult(
            data=data if isinstance(data, dict) else None, errors=errors, status=status, api_version=version,
            replayed=(resp.headers.get("Idempotency-Replayed", "").lower() == "true"),
            request_id=next((str((e.get("extensions") or {}).get("request_id")) for e in errors
                             if (e.get("extensions") or {}).get("request_id")), None),
            complexity=complexity, headers=headers,
        )
        self.throttle.observe(headers, complexity)

        codes = {error_code(e) for e in errors} - {None}
        messages = " | ".join(error_message(e) for e in errors)[:500]
        if codes & DAILY_CODES:
            self.budget.exhaust()
            raise DailyBudgetExhausted("monday: daily call limit exceeded; resume after 00:00 UTC",
                                       code="DAILY_LIMIT_EXCEEDED", status=status)
        if status in (401, 403) or codes & AUTH_CODES:
            raise AuthError(f"monday refused the request (HTTP {status}): {messages}",
                            code=next(iter(codes & AUTH_CODES), None) or str(status), status=status)
        ext_status = {int(s) for e in errors for s in [(e.get("extensions") or {}).get("status_code")]
                      if isinstance(s, int) or (isinstance(s, str) and s.isdigit())}
        retryable_code = codes & RETRYABLE_CODES
        no_data = result.data is None or all(
            v is None for k, v in result.data.items() if k != "complexity")
        transient_in_body = no_data and any(s == 429 or s >= 500 for s in ext_status)
        if status in RETRYABLE_HTTP or status >= 500 or retryable_code or transient_in_body:
            code = next(iter(retryable_code), None) or next(iter(codes), None) or f"HTTP_{status}"
            wait = self._server_wait(errors, resp.headers)
            if wait:
                # what monday asked for holds for every request of this client, not only this one
                self.throttle.block(wait)
            uncertain = is_mutation and (status >= 500 or transient_in_body and 429 not in ext_status)
            raise RetryableError(f"HTTP {status} {code}: {messages}"[:500], retry_after=wait,
                                 uncertain=uncertain, code=code, status=status)
        return result

    @staticmethod
    def _server_wait(errors: list[dict[str, Any]], headers: Any) -> float | None:
        for e in errors:
            ext = e.get("extensions") or {}
            for holder in (ext, ext.get("error_data") or {}, e.get("error_data") or {}):
                v = _num(holder.get("retry_in_seconds"))
                if v is not None:
                    return v
                ms = _num(holder.get("retryAfterMs"))
                if ms is not None:
                    return ms / 1000.0
        ra = headers.get("Retry-After")
        if ra:
            v = _num(ra)
            if v is not None:
                return v
        return ratelimit_wait(headers.get("RateLimit"))
