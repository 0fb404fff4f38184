"""The monday API double: HTTP server, request pipeline, limits, idempotency, faults, inspection."""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import json
import math
import re
import socket
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from graphql import GraphQLError

from . import api
from .errors import MondayError
from .faults import FaultPlan, Faults, plan_for
from .limits import Decision, Limits, LimitTracker, is_complexity_only, query_cost
from .store import Store

CURRENT_VERSION = "2026-07"
MAINTENANCE_VERSION = "2026-04"
LIVE_VERSIONS = ("2025-04", "2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10")
DEPRECATED_VERSIONS = ("2023-04", "2023-07", "2023-10", "2024-01", "2024-04", "2024-07", "2024-10", "2025-01")
_VERSION_RE = re.compile(r"^\d{4}-\d{2}$")
IDEMPOTENCY_MAX_BYTES = 1_000_000
MUTATION_OPS = set(api.MUTATIONS)


@dataclass
class DoubleConfig:
    """Configuration of one double. Durations are monday seconds scaled by ``time_scale``."""

    token: str = "test-token"
    host: str = "127.0.0.1"
    port: int = 0
    time_scale: float = 1.0
    limits: Limits = field(default_factory=Limits)
    faults: Faults = field(default_factory=Faults)
    seed: int = 0
    integer_seconds: bool | None = None  # None: integers when time_scale == 1, else fractional seconds
    idempotency_window_seconds: float = 1800.0
    cursor_ttl_seconds: float = 3600.0
    strict_json_strings: bool = True
    load_planning_board: bool = False

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DoubleConfig:
        d = dict(d)
        if isinstance(d.get("limits"), dict):
            d["limits"] = Limits.from_dict(d["limits"])
        if isinstance(d.get("faults"), dict):
            d["faults"] = Faults.from_dict(d["faults"])
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"unknown DoubleConfig fields: {sorted(unknown)}")
        return cls(**d)


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def served_versions() -> list[tuple[str, str]]:
    """What `versions { value kind }` answers: monday's kinds for the versions the double serves."""
    def kind(v: str) -> str:
        if v == CURRENT_VERSION:
            return "current"
        if v > CURRENT_VERSION:
            return "release_candidate"
        return "maintenance" if v == MAINTENANCE_VERSION else "previous_maintenance"
    return [(v, kind(v)) for v in LIVE_VERSIONS] + [(v, "deprecated") for v in DEPRECATED_VERSIONS]


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "monday-api-double/1.0"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _serve(self, method: str) -> None:
        double: MondayDouble = self.server.double  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        resp = double.handle(method, self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                             self.client_address[0])
        if resp.drop:
            self.close_connection = True
            try:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            self.send_response(resp.status)
            for k, v in resp.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(resp.body)))
            # one write for headers + body (separate small writes meet Nagle + delayed ACK: ~40 ms each)
            self._headers_buffer.append(b"\r\n" + resp.body)
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        self._serve("POST")

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


class MondayDouble:
    """A faithful local monday.com GraphQL API (see docs/monday_double.md)."""

    def __init__(self, config: DoubleConfig | None = None) -> None:
        self.config = config or DoubleConfig()
        self.clock = time.monotonic
        self.store = Store()
        self.schema = api.build_api_schema()
        self.documents = api.DocumentCache(self.schema)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.faults = self.config.faults
        self.limits = self.config.limits
        self._limiter = LimitTracker(self.limits, self.config.time_scale, self.clock)
        self.cursors = api.CursorStore(self.config.cursor_ttl_seconds * self.config.time_scale, self.clock)
        self._reset_records()
        if self.config.load_planning_board:
            from .sample_boards import load_planning_board

            load_planning_board(self.store)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> MondayDouble:
        if self._server is not None:
            return self
        self._stop.clear()
        self._server = _Server((self.config.host, self.config.port), _Handler)
        self._server.double = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="monday-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> MondayDouble:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("double not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/v2"

    @property
    def control_url(self) -> str:
        return f"{self.base_url}/_double"

    # ------------------------------------------------------------------ configuration at run time
    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults

    def set_limits(self, limits: Limits) -> None:
        with self._lock:
            self.limits = limits
            self._limiter.configure(limits)

    def reset(self, store: bool = False, planning: bool = False) -> None:
        """Clear counters, logs, rate windows, idempotency cache and cursors (and the store if asked)."""
        with self._lock:
            self._reset_records()
            self._limiter.configure(self.limits)
            self.cursors.clear()
            if store or planning:
                self.store.reset()
            if planning:
                from .sample_boards import load_planning_board

                load_planning_board(self.store)

    def _reset_records(self) -> None:
        self._seq = itertools.count(1)
        self._mutation_seq = itertools.count(1)
        self._mutation_log: list[dict] = []
        self._counters: dict[str, Any] = {
            "requests": 0, "by_status": {}, "mutation_requests": 0, "read_requests": 0,
            "mutations_applied": 0, "mutations_failed": 0, "rejected": 0, "rate_limited": 0,
            "replays": 0, "idempotency_conflicts": 0, "early_retries": 0, "dropped": 0,
            "faults": {}, "internal_errors": 0, "validation_errors": 0, "auth_failures": 0,
        }
        self._idem: dict[tuple[str, str], dict] = {}
        # scope -> (not before, seq of the rejected request that set the wait)
        self._not_before: dict[tuple, tuple[float, int]] = {}
        self._rejections: list[dict] = []
        self._early: list[dict] = []
        self._board_requests: dict[int, list[dict]] = {}
        self._internal_tracebacks: list[str] = []

    # ------------------------------------------------------------------ inspection
    @property
    def mutation_log(self) -> list[dict]:
        """Every APPLIED mutation (one entry per root field), oldest first."""
        with self._lock:
            return [dict(e) for e in self._mutation_log]

    @property
    def counters(self) -> dict[str, Any]:
        with self._lock:
            c = json.loads(json.dumps(self._counters))
            c["limits_state"] = self._limiter.state()
            return c

    @property
    def rejections(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._rejections]

    @property
    def early_retry_log(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._early]

    @property
    def internal_errors(self) -> list[str]:
        with self._lock:
            return list(self._internal_tracebacks)

    def board_requests(self, board_id: int) -> list[dict]:
        """Accepted (executed) requests that touched ``board_id``: ``{seq, time, operations}``."""
        with self._lock:
            return [dict(r) for r in self._board_requests.get(int(board_id), [])]

    def item(self, item_id: int) -> dict:
        return self.store.item(item_id)

    # ------------------------------------------------------------------ helpers
    @property
    def _integer_seconds(self) -> bool:
        if self.config.integer_seconds is not None:
            return self.config.integer_seconds
        return self.config.time_scale == 1.0

    def _secs(self, real_seconds: float) -> int | float:
        """A wait as reported to clients: never shorter than the real wait."""
        x = max(0.0, real_seconds)
        if self._integer_seconds:
            return int(math.ceil(x - 1e-9))
        return math.ceil(x * 1000 - 1e-6) / 1000

    def _fmt(self, real_seconds: float) -> str:
        v = self._secs(real_seconds)
        return str(v) if isinstance(v, int) else (f"{v:.3f}".rstrip("0").rstrip(".") or "0")

    def _count(self, key: str, n: int = 1) -> None:
        self._counters[key] = self._counters.get(key, 0) + n

    def _count_fault(self, kind: str) -> None:
        self._counters["faults"][kind] = self._counters["faults"].get(kind, 0) + 1

    # ------------------------------------------------------------------ HTTP entry point
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes, client_ip: str) -> Response:
        parsed = urlparse(path)
        try:
            if parsed.path.startswith("/_double"):
                return self._control(method, parsed, body, client_ip)
            if parsed.path.rstrip("/") == "/v2" and method == "POST":
                return self._v2(headers, body)
            return Response(404 if method == "GET" else 400,
                            _json_bytes({"errors": [{"message": "Bad request",
                                                     "extensions": {"code": "BAD_REQUEST", "status_code": 400}}]}),
                            {"Content-Type": "application/json; charset=utf-8"})
        except Exception:  # noqa: BLE001 - a bug in the double must be visible, not fatal
            with self._lock:
                self._count("internal_errors")
                self._internal_tracebacks.append(traceback.format_exc())
            return self._internal_error_response(str(uuid.uuid4()))

    def _internal_error_response(self, request_id: str, status: int = 500) -> Response:
        body = {"status_code": status, "error_message": "Internal server error", "error_code": "INTERNAL_SERVER_ERROR",
                "errors": [{"message": "Internal server error",
                            "extensions": {"status_code": status, "error_code": "INTERNAL_SERVER_ERROR"}}]}
        return Response(status, _json_bytes(body), {"Content-Type": "application/json; charset=utf-8",
                                                    "X-Request-Id": request_id})

    # ------------------------------------------------------------------ /v2 pipeline
    def _v2(self, headers: dict[str, str], raw: bytes) -> Response:
        request_id = str(uuid.uuid4())
        with self._lock:
            seq = next(self._seq)
            arrived = self.clock()
            self._count("requests")
        base_headers = {"Content-Type": "application/json; charset=utf-8", "X-Request-Id": request_id}

        def finish(status: int, body: dict, extra: dict[str, str] | None = None, *, rl: dict | None = None,
                   version: str | None = None) -> Response:
            h = dict(base_headers)
            if version:
                h["API-Version"] = version
            h.update(rl if rl is not None else self._limiter.headers(self._fmt))
            if extra:
                h.update(extra)
            with self._lock:
                by = self._counters["by_status"]
                by[str(status)] = by.get(str(status), 0) + 1
                if status != 200:
                    self._count("rejected")
            return Response(status, _json_bytes(body), h)

        # --- auth (raw token, no Bearer) ---
        token = headers.get("authorization", "").strip()
        if token != self.config.token:
            with self._lock:
                self._count("auth_failures")
            return finish(401, {"errors": [{"message": "Not authenticated",
                                            "extensions": {"code": "NOT_AUTHENTICATED"}}]})
        # --- API-Version ---
        requested = headers.get("api-version")
        if requested is not None and not _VERSION_RE.match(requested.strip()):
            return finish(200, {"errors": [{"message": f"Invalid API version: '{requested}'. Versions look like "
                                                       "YYYY-MM, e.g. 2026-07",
                                            "extensions": {"code": "InvalidVersionException", "status_code": 200,
                                                           "error_data": {"version": requested}}}],
                                "extensions": {"request_id": request_id}})
        version = self._resolve_version(requested)
        # --- body ---
        try:
            payload = json.loads(raw.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return finish(400, {"errors": [{"message": "Bad request", "extensions": {
                "code": "BAD_REQUEST", "status_code": 400,
                "error_data": {"reason": "the body must be a JSON object with a 'query' string"}}}],
                "extensions": {"request_id": request_id}}, version=version)
        query = payload["query"]
        variables = payload.get("variables") or {}
        op_name = payload.get("operationName")
        prepared = self.documents.get(query)
        op = api.operation_of(prepared.document, op_name) if prepared.document is not None else None
        is_mutation = bool(op is not None and op.operation.value == "mutation")
        roots = api.root_fields(op, variables if isinstance(variables, dict) else {}) if op is not None else []
        root_names = [r[0] for r in roots]
        idem_key = headers.get("idempotency-key") if is_mutation else None
        client = (token, headers.get("x-double-client", "default"))
        boards = self._boards_touched(roots)
        with self._lock:
            self._count("mutation_requests" if is_mutation else "read_requests")
            self._check_early(seq, arrived, client, boards, idem_key)

        # --- concurrency, minute rate and daily calls (all authenticated requests count) ---
        rejected = self._limiter.enter()
        try:
            if rejected is None:
                rejected = self._limiter.admit()
            if rejected is not None:
                return self._reject(finish, rejected, seq, client, boards, request_id, version, rate_limit=True)

            if prepared.document is None or op is None:
                with self._lock:
                    self._count("validation_errors")
                errors = prepared.errors or [{"message": "Unknown operation named "
                                                        f"\"{op_name}\"." if op_name else "No operation found"}]
                return finish(200, {"errors": errors, "extensions": {"request_id": request_id}}, version=version)

            # --- injected faults (seeded per request) ---
            with self._lock:
                faults = self.faults
            plan = plan_for(faults, self.config.seed, seq, is_mutation, root_names)
            if plan.latency > 0:
                self._stop.wait(plan.latency)
            fault_resp = self._pre_fault(plan, finish, seq, client, boards, request_id, version, faults)
            if fault_resp is not None:
                return fault_resp

            # --- complexity ---
            cost = query_cost(op, prepared.fragments, variables if isinstance(variables, dict) else {}, self.limits)
            decision, cx = self._limiter.charge(cost, is_complexity_only(op))
            if decision is not None:
                return self._reject(finish, decision, seq, client, boards, request_id, version,
                                    rate_limit=decision.status == 429)

            # --- idempotency ---
            idem_slot = None
            if idem_key:
                idem_resp, idem_slot = self._idem_begin(client, idem_key, raw, finish, seq, boards, request_id,
                                                        version)
                if idem_resp is not None:
                    return idem_resp
            try:
                if plan.pre == "timeout":
                    self._stop.wait(faults.timeout_seconds)
                body, mutation_entries = self._execute(prepared, variables, op_name, cx, idem_key, request_id, seq)
            except BaseException:
                if idem_slot is not None:
                    self._idem_abort(idem_slot)
                raise
            body["extensions"] = {"request_id": request_id}
            resp = finish(200, body, version=version)
            with self._lock:
                now = self.clock()
                for b in boards | {e["board_id"] for e in mutation_entries}:
                    self._board_requests.setdefault(b, []).append(
                        {"seq": seq, "time": now, "operations": root_names})
            if idem_slot is not None:
                self._idem_finish(idem_slot, resp, mutation_entries)
            if plan.applied_then_drop:
                with self._lock:
                    self._count_fault("applied_then_drop")
                    self._count("dropped")
                return Response(0, drop=True)
            return resp
        finally:
            self._limiter.leave()

    def _resolve_version(self, requested: str | None) -> str:
        if requested is None:
            return CURRENT_VERSION
        requested = requested.strip()
        if requested in LIVE_VERSIONS:
            return requested
        if requested in DEPRECATED_VERSIONS:
            return MAINTENANCE_VERSION
        return CURRENT_VERSION

    def _boards_touched(self, roots: list[tuple[str, str, dict]]) -> set[int]:
        out: set[int] = set()
        for name, _key, args in roots:
            for arg in ("board_id",):
                v = args.get(arg)
                if v is not None and str(v).isdigit():
                    out.add(int(v))
            for arg in ("item_id", "parent_item_id"):
                v = args.get(arg)
                if v is not None and str(v).isdigit():
                    it = self.store.items.get(int(v))
                    if it is not None:
                        out.add(it.board_id)
            if name == "boards" and isinstance(args.get("ids"), list):
                out.update(int(i) for i in args["ids"] if str(i).isdigit())
        return out

    def _check_early(self, seq: int, now: float, client: tuple, boards: set[int], idem_key: str | None) -> None:
        """Record a request that arrived (at ``now``) before a wait monday had asked this client for."""
        keys = [(client, None)] + [(client, ("board", b)) for b in boards]
        if idem_key:
            keys.append((client, ("idem", idem_key)))
        for key in keys:
            nb, set_by = self._not_before.get(key, (None, 0))
            # a request that reached us before the rejected one cannot have known its wait
            if nb is not None and now < nb and seq > set_by:
                self._count("early_retries")
                self._early.append({"seq": seq, "time": now, "client": client[1], "scope": key[1],
                                    "not_before": nb, "early_by": nb - now})
                return

    def _register_wait(self, seq: int, client: tuple, scope: Any, status: int, code: str,
                       retry_after: float | None, boards: set[int]) -> None:
        now = self.clock()
        entry = {"seq": seq, "time": now, "client": client[1], "status": status, "code": code,
                 "boards": sorted(boards), "retry_after": retry_after, "not_before": None, "scope": scope}
        if retry_after is not None:
            nb = now + retry_after
            key = (client, scope)
            prev_nb, prev_seq = self._not_before.get(key, (0.0, 0))
            self._not_before[key] = (nb, seq) if nb >= prev_nb else (prev_nb, prev_seq)
            entry["not_before"] = nb
        self._rejections.append(entry)

    def _reject(self, finish: Any, d: Decision, seq: int, client: tuple, boards: set[int], request_id: str,
                version: str, *, rate_limit: bool) -> Response:
        wait = self._secs(d.retry_after)
        if d.code == "COMPLEXITY_BUDGET_EXHAUSTED":
            ext: dict[str, Any] = {"code": d.code, "retry_in_seconds": wait}
        elif d.code == "maxComplexityExceeded":
            ext = {"code": d.code, "status_code": 200, "error_data": {}}
        else:
            ext = {"code": d.code, "status_code": d.status, "retry_in_seconds": wait}
        body = {"errors": [{"message": d.message, "extensions": ext}], "extensions": {"request_id": request_id}}
        extra = {}
        rl = None
        if d.status == 429:
            extra["Retry-After"] = self._fmt(d.retry_after)
            rl = self._limiter.headers(
                self._fmt, minute_exceeded=d.retry_after if d.code == "RATE_LIMIT_EXCEEDED" else None,
                concurrency_exceeded=d.retry_after if d.code == "maxConcurrencyExceeded" else None)
        with self._lock:
            if rate_limit:
                self._count("rate_limited")
            if d.status == 429:
                self._register_wait(seq, client, None, d.status, d.code, float(wait), boards)
        return finish(d.status, body, extra, rl=rl, version=version)

    def _pre_fault(self, plan: FaultPlan, finish: Any, seq: int, client: tuple, boards: set[int],
                   request_id: str, version: str, faults: Faults) -> Response | None:
        kind = plan.pre
        if kind is None or kind == "timeout":
            if kind == "timeout":
                with self._lock:
                    self._count_fault("timeout")
            return None
        with self._lock:
            self._count_fault(kind)
        scale = self.config.time_scale
        if kind == "drop":
            with self._lock:
                self._count("dropped")
            return Response(0, drop=True)
        if kind == "error_5xx":
            resp = self._internal_error_response(request_id, plan.status_5xx)
            resp.headers["API-Version"] = version
            resp.headers.update(self._limiter.headers(self._fmt))
            with self._lock:
                by = self._counters["by_status"]
                by[str(plan.status_5xx)] = by.get(str(plan.status_5xx), 0) + 1
                self._count("rejected")
                self._register_wait(seq, client, None, plan.status_5xx, "INTERNAL_SERVER_ERROR", None, boards)
            return resp
        if kind in ("storm_429", "storm_429_no_retry_after"):
            with_wait = kind == "storm_429"
            wait = faults.storm_retry_after * scale
            ext: dict[str, Any] = {"code": "RATE_LIMIT_EXCEEDED", "status_code": 429}
            extra = {}
            if with_wait:
                ext["retry_in_seconds"] = self._secs(wait)
                extra["Retry-After"] = self._fmt(wait)
            body = {"errors": [{"message": "Rate Limit Exceeded", "extensions": ext}],
                    "extensions": {"request_id": request_id}}
            with self._lock:
                self._register_wait(seq, client, None, 429, "RATE_LIMIT_EXCEEDED",
                                    float(self._secs(wait)) if with_wait else None, boards)
            rl = self._limiter.headers(self._fmt, minute_exceeded=wait if with_wait else None)
            return finish(429, body, extra, rl=rl, version=version)
        if kind == "locked_423":
            wait = faults.locked_retry_after * scale
            body = {"errors": [{"message": "Resource is currently locked, please try again later",
                                "extensions": {"code": "RESOURCE_LOCKED", "status_code": 423,
                                               "retry_in_seconds": self._secs(wait)}}],
                    "extensions": {"request_id": request_id}}
            with self._lock:
                scope = ("board", min(boards)) if len(boards) == 1 else None
                self._register_wait(seq, client, scope, 423, "RESOURCE_LOCKED", float(self._secs(wait)), boards)
            return finish(423, body, {"Retry-After": self._fmt(wait)}, version=version)
        if kind == "complexity_exhausted":
            wait = faults.complexity_retry_after * scale
            body = {"errors": [{"message": "Complexity budget exhausted",
                                "extensions": {"code": "COMPLEXITY_BUDGET_EXHAUSTED",
                                               "retry_in_seconds": self._secs(wait)}}],
                    "extensions": {"request_id": request_id}}
            with self._lock:
                self._register_wait(seq, client, None, 429, "COMPLEXITY_BUDGET_EXHAUSTED",
                                    float(self._secs(wait)), boards)
            return finish(429, body, {"Retry-After": self._fmt(wait)}, version=version)
        raise AssertionError(kind)  # pragma: no cover

    # ------------------------------------------------------------------ idempotency
    def _idem_begin(self, client: tuple, key: str, raw: bytes, finish: Any, seq: int, boards: set[int],
                    request_id: str, version: str) -> tuple[Response | None, tuple | None]:
        slot = (client[0], key)
        digest = hashlib.sha256(raw).hexdigest()
        with self._lock:
            now = self.clock()
            entry = self._idem.get(slot)
            if entry is not None and entry["state"] == "done" and now > entry["expires"]:
                entry = None
            if entry is None:
                self._idem[slot] = {"state": "in_flight", "digest": digest, "started": now}
                return None, slot
            if entry["state"] == "in_flight":
                self._count("idempotency_conflicts")
                wait = self.limits.idempotency_conflict_retry_seconds * self.config.time_scale
                self._register_wait(seq, client, ("idem", key), 409, "IDEMPOTENCY_CONFLICT",
                                    float(self._secs(wait)), boards)
                body = {"errors": [{"message": "A request with the same Idempotency-Key is already being "
                                               "processed", "extensions": {
                                                   "code": "IDEMPOTENCY_CONFLICT", "status_code": 409,
                                                   "retry_in_seconds": self._secs(wait)}}],
                        "extensions": {"request_id": request_id}}
                return finish(409, body, {"Retry-After": self._fmt(wait)}, version=version), None
            # replay
            self._count("replays")
            entry["replays"] += 1
            if entry["digest"] != digest:
                self._count("idempotency_body_mismatch")
            for e in self._mutation_log:
                if e["idempotency_key"] == key and e["seq"] in entry["log_seqs"]:
                    e["replayed"] = True
                    e["replay_count"] += 1
            cached: Response = entry["response"]
            by = self._counters["by_status"]
            by[str(cached.status)] = by.get(str(cached.status), 0) + 1
        headers = dict(cached.headers)
        headers["Idempotency-Replayed"] = "true"
        headers.update(self._limiter.headers(self._fmt))
        return Response(cached.status, cached.body, headers), None

    def _idem_finish(self, slot: tuple, resp: Response, entries: list[dict]) -> None:
        with self._lock:
            if len(resp.body) > IDEMPOTENCY_MAX_BYTES:
                self._idem.pop(slot, None)
                return
            self._idem[slot] = {"state": "done", "response": resp, "replays": 0,
                                "digest": self._idem.get(slot, {}).get("digest"),
                                "log_seqs": {e["seq"] for e in entries},
                                "expires": self.clock() + self.config.idempotency_window_seconds * self.config.time_scale}

    def _idem_abort(self, slot: tuple) -> None:
        with self._lock:
            entry = self._idem.get(slot)
            if entry is not None and entry["state"] == "in_flight":
                del self._idem[slot]

    # ------------------------------------------------------------------ execution
    def _execute(self, prepared: api.Prepared, variables: Any, op_name: str | None, cx: dict,
                 idem_key: str | None, request_id: str, seq: int) -> tuple[dict, list[dict]]:
        entries: list[dict] = []

        def log(entry: dict) -> None:
            with self._lock:
                entry.update({"seq": next(self._mutation_seq), "request_seq": seq, "time": self.clock(),
                              "wall_time": time.time(), "idempotency_key": idem_key, "request_id": request_id,
                              "replayed": False, "replay_count": 0})
                self._mutation_log.append(entry)
                self._count("mutations_applied")
                entries.append(entry)

        ctx = api.RequestContext(store=self.store, complexity=cx, idempotency_key=idem_key, request_id=request_id,
                                 seq=seq, log_mutation=log, cursors=self.cursors,
                                 strict_json_strings=self.config.strict_json_strings, versions=served_versions(),
                                 platform_api=self._limiter.platform_api())
        if not isinstance(variables, dict):
            return {"errors": [{"message": "Variables must be a JSON object"}]}, entries
        with self.store.lock:
            body = api.run(self.schema, prepared.document, variables, op_name, ctx)
        errors = body.get("errors") or []
        failed = 0
        for i, err in enumerate(errors):
            ext = err.get("extensions") or {}
            if err.get("path") and "code" not in ext:
                # a resolver raised something that is not a monday error: a bug in the double
                with self._lock:
                    self._count("internal_errors")
                    self._internal_tracebacks.append(f"resolver error: {err}")
                errors[i] = {"message": "Internal server error", "locations": err.get("locations"),
                             "path": err.get("path"),
                             "extensions": {"status_code": 500, "error_code": "INTERNAL_SERVER_ERROR"}}
            if err.get("path") and err["path"][0] in {k for k in (body.get("data") or {})}:
                failed += 1
        with self._lock:
            if any(e.get("path") for e in errors) and prepared.document is not None:
                op = api.operation_of(prepared.document, op_name)
                if op is not None and op.operation.value == "mutation":
                    self._count("mutations_failed", failed)
        return body, entries

    # ------------------------------------------------------------------ control endpoints
    def _control(self, method: str, parsed: Any, raw: bytes, client_ip: str) -> Response:
        try:
            loopback = ipaddress.ip_address(client_ip).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return Response(403, _json_bytes({"error": "control endpoints are loopback-only"}),
                            {"Content-Type": "application/json"})
        route = parsed.path[len("/_double"):].strip("/")
        qs = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        try:
            body = json.loads(raw.decode() or "{}") if method == "POST" else {}
        except json.JSONDecodeError:
            return Response(400, _json_bytes({"error": "invalid JSON"}), {"Content-Type": "application/json"})
        try:
            result = self._control_route(method, route, qs, body)
        except KeyError as e:
            return Response(404, _json_bytes({"error": f"not found: {e}"}), {"Content-Type": "application/json"})
        except (ValueError, TypeError, MondayError) as e:
            return Response(400, _json_bytes({"error": str(e)}), {"Content-Type": "application/json"})
        if result is None:
            return Response(404, _json_bytes({"error": f"no route {method} /_double/{route}"}),
                            {"Content-Type": "application/json"})
        return Response(200, _json_bytes(result), {"Content-Type": "application/json"})

    def _control_route(self, method: str, route: str, qs: dict, body: dict) -> Any:
        if method == "GET":
            if route == "state":
                if "board_id" in qs:
                    return self.store.board_state(int(qs["board_id"]))
                return self.store.snapshot()
            if route.startswith("items/"):
                return self.store.item(int(route.split("/", 1)[1]))
            if route == "log":
                return self.mutation_log
            if route == "counters":
                return self.counters
            if route == "rejections":
                return {"rejections": self.rejections, "early_retries": self.early_retry_log}
            if route == "board_requests":
                return self.board_requests(int(qs["board_id"]))
            if route == "config":
                return {"faults": self.faults.to_dict(), "limits": self.limits.to_dict(),
                        "time_scale": self.config.time_scale, "seed": self.config.seed}
            if route == "health":
                return {"ok": True, "url": self.url}
            return None
        if route == "seed":
            return seed_from_dict(self.store, body)
        if route == "faults":
            self.set_faults(Faults.from_dict(body))
            return {"faults": self.faults.to_dict()}
        if route == "limits":
            self.set_limits(Limits.from_dict(body))
            return {"limits": self.limits.to_dict()}
        if route == "reset":
            self.reset(store=bool(body.get("store")), planning=bool(body.get("planning")))
            return {"ok": True}
        return None


def seed_from_dict(store: Store, spec: dict) -> dict:
    """Seed a store from JSON: ``{"planning": bool, "users": [...], "boards": [...], "items": [...]}``."""
    from .sample_boards import load_planning_board

    created: list[int] = []
    if spec.get("planning"):
        load_planning_board(store)
    for u in spec.get("users", []):
        store.add_user(u["id"], u["name"], u["email"])
    for b in spec.get("boards", []):
        store.add_board(b["board_id"], b["name"], columns=b.get("columns"), groups=b.get("groups"),
                        subitem_columns=b.get("subitem_columns"), subitems_board_id=b.get("subitems_board_id"))
    for it in spec.get("items", []):
        created.append(store.add_item(it.get("board_id"), it["name"], group_id=it.get("group_id"),
                                      column_values=it.get("column_values"),
                                      parent_item_id=it.get("parent_item_id")))
    return {"created_item_ids": created}


__all__ = ["DoubleConfig", "MondayDouble", "Response", "GraphQLError", "seed_from_dict"]
