"""pytest fixtures for the monday API double.

Use from a conftest.py:  ``from tests.monday_double.pytest_plugin import monday_double, monday_double_factory``
(or ``pytest_plugins = ["tests.monday_double.pytest_plugin"]`` in the top-level ``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .faults import Faults
from .limits import Limits
from .sample_boards import load_planning_board
from .server import DoubleConfig, MondayDouble

FAST_TIME_SCALE = 0.01  # a 60-second monday window lasts 0.6 s


def _build(planning: bool = True, **config: Any) -> MondayDouble:
    config.setdefault("time_scale", FAST_TIME_SCALE)
    config.setdefault("limits", Limits.generous())
    config.setdefault("faults", Faults())
    config.setdefault("seed", 1)
    if isinstance(config["limits"], dict):
        config["limits"] = Limits.from_dict(config["limits"])
    if isinstance(config["faults"], dict):
        config["faults"] = Faults.from_dict(config["faults"])
    double = MondayDouble(DoubleConfig(**config))
    if planning:
        double.planning = load_planning_board(double.store)  # type: ignore[attr-defined]
    return double.start()


@pytest.fixture
def monday_double() -> Iterator[MondayDouble]:
    """A started double: Planning board loaded, time scale 0.01, no faults, generous limits.

    ``monday_double.planning`` holds ``{"board_id", "subitems_board_id", "item_ids", "subitem_ids"}``.
    """
    double = _build()
    try:
        yield double
    finally:
        double.stop()


@pytest.fixture
def monday_double_factory() -> Iterator[Any]:
    """``monday_double_factory(planning=True, **DoubleConfig fields)`` -> started double (stopped after)."""
    started: list[MondayDouble] = []

    def factory(planning: bool = True, **config: Any) -> MondayDouble:
        double = _build(planning=planning, **config)
        started.append(double)
        return double

    try:
        yield factory
    finally:
        for d in started:
            d.stop()
