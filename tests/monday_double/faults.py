"""Seeded, reproducible fault injection.

Every request gets its own ``random.Random(f"{seed}:{request_seq}")`` and draws a fixed vector of
numbers in a fixed order, so the decision for the n-th request depends only on the seed and n
(not on which faults are enabled, nor on thread timing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from typing import Any

from .limits import known_fields

FAULT_KINDS = ("drop", "error_5xx", "storm_429", "storm_429_no_retry_after", "locked_423",
               "complexity_exhausted", "timeout", "applied_then_drop")


@dataclass
class Faults:
    """Probabilities (0..1) per request; latency in real seconds; waits in monday seconds."""

    latency: float = 0.0
    latency_jitter: float = 0.0
    error_5xx_rate: float = 0.0
    error_5xx_statuses: tuple[int, ...] = (500,)
    storm_429_rate: float = 0.0
    storm_429_no_retry_after_rate: float = 0.0
    storm_retry_after: float = 2.0
    locked_423_rate: float = 0.0
    locked_retry_after: float = 1.0
    complexity_exhausted_rate: float = 0.0
    complexity_retry_after: float = 5.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 2.0  # real seconds slept before executing; set above the client timeout
    drop_rate: float = 0.0
    applied_then_drop_rate: float = 0.0
    on_mutations: bool = True
    on_reads: bool = True
    only_operations: tuple[str, ...] = field(default_factory=tuple)  # e.g. ("create_item",); empty = all

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Faults:
        d = known_fields(cls, d)
        for k in ("error_5xx_statuses", "only_operations"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["error_5xx_statuses"] = list(self.error_5xx_statuses)
        out["only_operations"] = list(self.only_operations)
        return out

    def applies(self, is_mutation: bool, root_fields: list[str]) -> bool:
        if is_mutation and not self.on_mutations:
            return False
        if not is_mutation and not self.on_reads:
            return False
        if self.only_operations and not set(root_fields) & set(self.only_operations):
            return False
        return True


@dataclass
class FaultPlan:
    """What happens to one request."""

    latency: float = 0.0
    pre: str | None = None  # one of FAULT_KINDS except applied_then_drop, or None
    applied_then_drop: bool = False
    status_5xx: int = 500


def plan_for(faults: Faults, seed: int, seq: int, is_mutation: bool, root_fields: list[str]) -> FaultPlan:
    rng = random.Random(f"{seed}:{seq}")
    draws = [rng.random() for _ in range(10)]
    plan = FaultPlan()
    if not faults.applies(is_mutation, root_fields):
        return plan
    plan.latency = max(0.0, faults.latency + (draws[0] * 2 - 1) * faults.latency_jitter)
    checks = [
        ("drop", faults.drop_rate, draws[1]),
        ("error_5xx", faults.error_5xx_rate, draws[2]),
        ("storm_429", faults.storm_429_rate, draws[3]),
        ("storm_429_no_retry_after", faults.storm_429_no_retry_after_rate, draws[4]),
        ("locked_423", faults.locked_423_rate, draws[5]),
        ("complexity_exhausted", faults.complexity_exhausted_rate, draws[6]),
        ("timeout", faults.timeout_rate, draws[7]),
    ]
    for kind, rate, draw in checks:
        if draw < rate:
            plan.pre = kind
            break
    if is_mutation and plan.pre in (None, "timeout") and draws[8] < faults.applied_then_drop_rate:
        plan.applied_then_drop = True
    statuses = faults.error_5xx_statuses or (500,)
    plan.status_5xx = statuses[int(draws[9] * len(statuses)) % len(statuses)]
    return plan
