"""Rate limits, complexity costs and their bookkeeping (monday's API documentation).

All durations in ``Limits`` are *monday seconds*; the server multiplies them by its ``time_scale``
so that a 60-second window lasts e.g. 0.6 s in tests.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, fields
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, OperationDefinitionNode
from graphql.utilities import value_from_ast_untyped

DEFAULT_MUTATION_COSTS = {
    # BP: "Each create_item mutation uses 10,000 complexity points".  Not published for the others:
    # the sender measures them with ``complexity { query }``.
    "create_item": 10_000,
    "create_subitem": 10_000,
    "change_multiple_column_values": 1_000,
    "change_column_value": 1_000,
    "change_simple_column_value": 1_000,
    "archive_item": 1_000,
    "delete_item": 1_000,
}
DEFAULT_LIST_ESTIMATES = {"column_values": 20, "columns": 20, "groups": 10, "subitems": 10, "users": 50,
                          "boards": 25, "items": 25}


def known_fields(cls: type, d: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``d`` for ``cls(**d)``, refusing names that are not fields of the dataclass ``cls``."""
    unknown = set(d) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"unknown {cls.__name__} fields: {sorted(unknown)}")
    return dict(d)


@dataclass
class Limits:
    """Limit numbers; defaults are monday's lowest tier (design to the lowest tier, monday's API documentation)."""

    minute_requests: int = 1000
    concurrency: int = 40
    complexity_per_minute: int = 10_000_000
    complexity_per_query: int = 5_000_000
    daily_calls: int = 1000
    window_seconds: float = 60.0
    day_seconds: float = 86_400.0
    concurrency_retry_seconds: float = 1.0
    idempotency_conflict_retry_seconds: float = 1.0
    mutation_costs: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MUTATION_COSTS))
    list_estimates: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIST_ESTIMATES))

    @classmethod
    def generous(cls) -> Limits:
        """Limits no normal test reaches (the pytest fixture's default)."""
        return cls(minute_requests=1_000_000, concurrency=10_000, complexity_per_minute=2_000_000_000,
                   complexity_per_query=1_000_000_000, daily_calls=10**9)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Limits:
        return cls(**known_fields(cls, d))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# ---------------------------------------------------------------------------------------------
# complexity
# ---------------------------------------------------------------------------------------------

def _args(node: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    return {a.name.value: value_from_ast_untyped(a.value, variables) for a in node.arguments or ()}


def _list_factor(name: str, args: dict[str, Any], est: dict[str, int]) -> int:
    ids = args.get("ids")
    n_ids = len(ids) if isinstance(ids, list) else (1 if ids is not None else 0)
    limit = args.get("limit")
    if name in ("items_page", "next_items_page"):
        return int(limit or 25)
    if name == "items":
        cap = int(limit or est["items"])
        return min(n_ids, cap) if n_ids else cap
    if name in ("boards", "users"):
        return n_ids or int(limit or est[name])
    if name in ("column_values", "columns", "groups", "subitems"):
        return n_ids or est[name]
    return 1


def query_cost(op: OperationDefinitionNode, fragments: dict, variables: dict[str, Any], limits: Limits) -> int:
    """Static cost of an operation, computed before execution as monday does."""
    is_mutation = op.operation.value == "mutation"
    total = 0

    def walk(selection_set: Any, mult: int, root: bool) -> None:
        nonlocal total
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                name = sel.name.value
                if name in ("complexity", "__typename"):
                    continue
                args = _args(sel, variables)
                if root and is_mutation:
                    total += limits.mutation_costs.get(name, 1_000)
                else:
                    total += mult
                if sel.selection_set is not None:
                    walk(sel.selection_set, mult * _list_factor(name, args, limits.list_estimates), False)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set, mult, root)
            elif isinstance(sel, FragmentSpreadNode):
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    walk(frag.selection_set, mult, root)

    walk(op.selection_set, 1, True)
    return max(total, 1)


def is_complexity_only(op: OperationDefinitionNode) -> bool:
    names = {s.name.value for s in op.selection_set.selections if isinstance(s, FieldNode)}
    return names == {"complexity"}


# ---------------------------------------------------------------------------------------------
# windows
# ---------------------------------------------------------------------------------------------

class Window:
    """monday's minute window: it starts with the first call and resets ``length`` seconds later."""

    def __init__(self, length: float) -> None:
        self.length = length
        self.start: float | None = None
        self.used: float = 0

    def roll(self, now: float) -> None:
        if self.start is None or now >= self.start + self.length:
            self.start = now
            self.used = 0

    def remaining_time(self, now: float) -> float:
        if self.start is None or now >= self.start + self.length:
            return self.length
        return self.start + self.length - now


@dataclass
class Decision:
    """A rejection decided by the limit tracker."""

    status: int
    code: str
    message: str
    retry_after: float  # real seconds
    extensions: dict[str, Any] = field(default_factory=dict)


class LimitTracker:
    """Per-account bookkeeping of the minute rate, concurrency, complexity budget and daily calls."""

    def __init__(self, limits: Limits, time_scale: float, clock: Any) -> None:
        self.lock = threading.Lock()
        self.clock = clock
        self.time_scale = time_scale
        self.t0 = clock()
        self.configure(limits)

    def configure(self, limits: Limits) -> None:
        with self.lock:
            self.limits = limits
            w = limits.window_seconds * self.time_scale
            self.minute = Window(w)
            self.complexity = Window(w)
            self.day_len = limits.day_seconds * self.time_scale
            self.day_index = -1
            self.day_calls = 0.0
            self.in_flight = getattr(self, "in_flight", 0)

    def _roll(self, now: float) -> None:
        self.minute.roll(now)
        self.complexity.roll(now)
        idx = math.floor((now - self.t0) / self.day_len) if self.day_len > 0 else 0
        if idx != self.day_index:
            self.day_index = idx
            self.day_calls = 0.0

    def platform_api(self) -> dict[str, Any]:
        """``platform_api { daily_limit daily_analytics }`` as monday documents it: the account's daily limit
        and its usage per day (the double's current day is reported as today, UTC)."""
        import datetime as dt

        with self.lock:
            self._roll(self.clock())
            used = int(self.day_calls)
            limit = int(self.limits.daily_calls)
        now = dt.datetime.now(dt.UTC)
        return {"daily_limit": {"base": limit, "total": limit},
                "daily_analytics": {"last_updated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                    "by_day": [{"day": now.strftime("%Y-%m-%d"), "usage": used}]}}

    def _day_remaining(self, now: float) -> float:
        return self.t0 + (self.day_index + 1) * self.day_len - now

    def enter(self) -> Decision | None:
        """Count one request in flight; reject when over the concurrency limit."""
        with self.lock:
            self.in_flight += 1
            if self.in_flight > self.limits.concurrency:
                return Decision(429, "maxConcurrencyExceeded", "Concurrency limit exceeded",
                                self.limits.concurrency_retry_seconds * self.time_scale)
            return None

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def admit(self) -> Decision | None:
        """Count the request in the minute window and the daily calls; reject when over."""
        with self.lock:
            now = self.clock()
            self._roll(now)
            self.minute.used += 1
            if self.day_calls >= self.limits.daily_calls:
                self.day_calls += 0.1
                return Decision(429, "DAILY_LIMIT_EXCEEDED", "Daily limit exceeded",
                                self._day_remaining(now))
            if self.minute.used > self.limits.minute_requests:
                self.day_calls += 0.1
                return Decision(429, "RATE_LIMIT_EXCEEDED", "Rate Limit Exceeded",
                                self.minute.remaining_time(now))
            return None

    def charge(self, cost: int, complexity_only: bool) -> tuple[Decision | None, dict[str, int]]:
        """Spend ``cost`` from the complexity budget; returns (rejection, complexity field values)."""
        with self.lock:
            now = self.clock()
            self._roll(now)
            budget = self.limits.complexity_per_minute
            before = int(budget - self.complexity.used)
            reset = self.complexity.remaining_time(now)
            cap = 2**31 - 1  # the Complexity fields are GraphQL Int
            info = {"before": min(before, cap), "query": min(cost, cap), "after": max(-cap, min(before - cost, cap)),
                    "reset_in_x_seconds": math.ceil(reset - 1e-9)}
            if cost > self.limits.complexity_per_query:
                self.day_calls += 1
                return Decision(200, "maxComplexityExceeded",
                                f"Query has complexity of {cost}, which exceeds max complexity of "
                                f"{self.limits.complexity_per_query}", 0.0), info
            if cost > before:
                self.day_calls += 0.1
                return Decision(429, "COMPLEXITY_BUDGET_EXHAUSTED", "Complexity budget exhausted", reset), info
            self.complexity.used += cost
            self.day_calls += 0.1 if complexity_only else 1
            return None, info

    def headers(self, fmt: Any, minute_exceeded: float | None = None,
                concurrency_exceeded: float | None = None) -> dict[str, str]:
        with self.lock:
            now = self.clock()
            self._roll(now)
            lim = self.limits
            w = fmt(lim.window_seconds * self.time_scale)
            policy = (f'"minuteRate";q={lim.minute_requests};w={w}, '
                      f'"concurrency";q={lim.concurrency};qu="concurrent-requests", '
                      f'"complexityMinute";q={lim.complexity_per_minute};w={w};qu="content-bytes"')
            minute_r = max(0, lim.minute_requests - int(self.minute.used))
            conc_r = max(0, lim.concurrency - self.in_flight)
            cx_r = max(0, int(lim.complexity_per_minute - self.complexity.used))
            minute = f'"minuteRate";r={minute_r}'
            if minute_exceeded is not None or minute_r == 0:
                minute = f'"minuteRate";r=0;t={fmt(minute_exceeded if minute_exceeded is not None else self.minute.remaining_time(now))}'
            conc = f'"concurrency";r={conc_r}'
            if concurrency_exceeded is not None:
                conc = f'"concurrency";r=0;t={fmt(concurrency_exceeded)}'
            cx = f'"complexityMinute";r={cx_r};t={fmt(self.complexity.remaining_time(now))}'
            return {"RateLimit-Policy": policy, "RateLimit": f"{minute}, {conc}, {cx}"}

    def state(self) -> dict[str, Any]:
        with self.lock:
            now = self.clock()
            self._roll(now)
            return {"minute_used": self.minute.used, "complexity_used": self.complexity.used,
                    "day_calls": round(self.day_calls, 1), "in_flight": self.in_flight,
                    "minute_reset_in": self.minute.remaining_time(now),
                    "complexity_reset_in": self.complexity.remaining_time(now)}
