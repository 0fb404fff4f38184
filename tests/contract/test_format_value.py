"""fn_MON_FormatColumnValue: validated raw text -> the exact monday write value per column type."""

from __future__ import annotations

import json

import pytest

from tests.contract.helpers import STATUS_LABELS, fmt, fmt_text, load_planning_board

TYPED_STATUS = json.dumps({"labels": STATUS_LABELS})
LEGACY_STATUS = json.dumps({"labels": {"0": "Working on it", "1": "Done", "7": "In Progress", "11": "2024", "2024": "Other"}})
DROPDOWN = json.dumps({"labels": [{"id": 1, "name": "Cookie"}, {"id": 2, "name": "Cupcake"}, {"id": 3, "name": "2024"}]})


@pytest.mark.parametrize(
    ("column_type", "raw", "settings", "expected"),
    [
        ("text", "ACME Corp", None, "ACME Corp"),
        ("text", "  spaced  ", None, "  spaced  "),
        pytest.param("text", "Ünïcødé 🚀 \"quoted\" \\ /", None, "Ünïcødé 🚀 \"quoted\" \\ /",
                     marks=pytest.mark.engine_gap("json-non-ascii")),
        ("text", None, None, ""),
        ("text", "", None, ""),
        ("name", "New name", None, "New name"),
        ("long_text", "x" * 2000, None, {"text": "x" * 2000}),
        ("long_text", None, None, None),
        ("numbers", "3", None, "3"),
        ("numbers", " 12.5000 ", None, "12.5"),
        ("numbers", "-0.0", None, "0"),
        ("numbers", "+007", None, "7"),
        ("numbers", "", None, ""),
        ("status", "In Progress", TYPED_STATUS, {"index": 7}),
        ("status", " in progress ", TYPED_STATUS, {"index": 7}),
        ("status", "2024", TYPED_STATUS, {"index": 11}),
        ("status", "7", TYPED_STATUS, {"index": 7}),
        ("status", "Done", LEGACY_STATUS, {"index": 1}),
        ("status", "2024", LEGACY_STATUS, {"index": 11}),
        ("status", "Brand new", TYPED_STATUS, {"label": "Brand new"}),
        ("status", None, TYPED_STATUS, None),
        ("date", "2026-06-15", None, {"date": "2026-06-15"}),
        ("date", "2026-06-15 09:30", None, {"date": "2026-06-15", "time": "09:30:00"}),
        ("date", "2026-06-15T09:30:15.1234567", None, {"date": "2026-06-15", "time": "09:30:15"}),
        ("date", "2026-06-15T01:30:00+02:00", None, {"date": "2026-06-14", "time": "23:30:00"}),
        ("date", "2026-06-15T22:30:00-0300", None, {"date": "2026-06-16", "time": "01:30:00"}),
        ("date", "2026-06-15T09:30:00Z", None, {"date": "2026-06-15", "time": "09:30:00"}),
        ("date", "", None, None),
        ("timeline", "2026-06-01/2026-06-30", None, {"from": "2026-06-01", "to": "2026-06-30"}),
        ("people", "4616627", None, {"personsAndTeams": [{"id": 4616627, "kind": "person"}]}),
        ("people", "sam@example.com, team:51166", None,
         {"personsAndTeams": [{"id": 4616628, "kind": "person"}, {"id": 51166, "kind": "team"}]}),
        ("people", "51166", None, {"personsAndTeams": [{"id": 51166, "kind": "team"}]}),
        ("dropdown", "Cookie, cupcake", DROPDOWN, {"ids": [1, 2]}),
        ("dropdown", "2024", DROPDOWN, {"ids": [3]}),
        ("dropdown", "Cookie, Brownie", DROPDOWN, {"labels": ["Cookie", "Brownie"]}),
        ("email", "pat@example.com", None, {"email": "pat@example.com", "text": "pat@example.com"}),
        ("email", "pat@example.com Pat Planner", None, {"email": "pat@example.com", "text": "Pat Planner"}),
        ("phone", "+1 (202) 555-0169 us", None, {"phone": "+12025550169", "countryShortName": "US"}),
        ("link", "https://example.com/a?b=1 Order page", None, {"url": "https://example.com/a?b=1", "text": "Order page"}),
        ("link", "https://example.com", None, {"url": "https://example.com", "text": "https://example.com"}),
        ("checkbox", "true", None, {"checked": "true"}),
        ("checkbox", "Y", None, {"checked": "true"}),
        ("checkbox", "0", None, None),
        ("checkbox", None, None, None),
        ("hour", "16:42", None, {"hour": 16, "minute": 42}),
        ("hour", "09:05", None, {"hour": 9, "minute": 5}),
        ("rating", "5", None, {"rating": 5}),
        ("country", "US", None, {"countryCode": "US", "countryName": "US"}),
        ("country", "de Germany", None, {"countryCode": "DE", "countryName": "Germany"}),
    ],
)
def test_format(db, column_type, raw, settings, expected):
    load_planning_board(db, subitems=False)  # users for people
    assert fmt(db, column_type, raw, settings) == expected


@pytest.mark.parametrize(
    ("column_type", "raw"),
    [
        ("numbers", "1,000"),
        ("numbers", "abc"),
        ("date", "2026-02-30"),
        ("date", "15/06/2026"),
        ("date", "2026-06-15 24:00"),
        ("timeline", "2026-06-30/2026-06-01"),
        ("people", "nobody@example.com"),
        ("phone", "+12025550169"),
        ("checkbox", "maybe"),
        ("hour", "25:00"),
        ("rating", "x"),
        ("country", "USA"),
        ("formula", "1"),
        ("mirror", "x"),
        ("name", ""),
        ("name", None),
    ],
)
def test_values_that_cannot_be_formatted_give_sql_null(db, column_type, raw):
    load_planning_board(db, subitems=False)
    assert fmt_text(db, column_type, raw) is None


def test_clearing_values_are_json(db):
    assert fmt_text(db, "status", None) == "null"
    assert fmt_text(db, "date", "  ") == "null"
    assert fmt_text(db, "numbers", None) == '""'
    assert fmt_text(db, "text", None) == '""'
