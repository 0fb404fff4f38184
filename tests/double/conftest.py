"""Fixtures and helpers for the monday API double's own tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.monday_double.pytest_plugin import monday_double, monday_double_factory  # noqa: F401

SHARED = Path(__file__).resolve().parents[3] / "shared" / "monday"
PAYLOADS = SHARED / "payloads"
OFFICIAL_SCHEMA = SHARED / "schema.graphql"
TOKEN = "test-token"


def post(double: Any, query: str, variables: dict | None = None, headers: dict | None = None,
         token: str | None = TOKEN, timeout: float = 10.0, **body: Any) -> requests.Response:
    h = {"Authorization": token} if token is not None else {}
    h.update(headers or {})
    return requests.post(double.url, json={"query": query, "variables": variables or {}, **body},
                         headers=h, timeout=timeout)


def gql(double: Any, query: str, variables: dict | None = None, **kw: Any) -> dict:
    r = post(double, query, variables, **kw)
    assert r.status_code == 200, r.text
    return r.json()


def payload(rel: str) -> Any:
    """Read a recorded payload from ../shared/monday/payloads (skip when the directory is absent)."""
    if not PAYLOADS.is_dir():
        pytest.skip(f"recorded payloads not found at {PAYLOADS}")
    text = (PAYLOADS / rel).read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(text.splitlines()[0])


def cvs(data_item: dict) -> dict[str, dict]:
    return {cv["id"]: cv for cv in data_item["column_values"]}
