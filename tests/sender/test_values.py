"""Read values (value JSON + text) to the write shape, and the comparisons behind "already equal" and
"changed by someone else". Inputs are the shapes the double (and monday) return."""

from __future__ import annotations

import pytest

from sender import values as V

CASES = [
    # type, read value, text, expected write shape, an equal write value, a different write value
    ("text", '"Acme"', "Acme", "Acme", "Acme", "Acme Corp"),
    ("numbers", '"45.50"', "45.50", "45.50", "45.5", "46"),
    ("status", '{"index":3,"post_id":null,"changed_at":"2026-01-01T00:00:00.000Z"}', "In Progress",
     {"index": 3}, {"label": "In Progress"}, {"label": "Done"}),
    ("date", '{"date":"2026-06-18","icon":"","time":"14:00:00","changed_at":"x"}', "2026-06-18 14:00",
     {"date": "2026-06-18", "time": "14:00:00"}, {"date": "2026-06-18", "time": "14:00"}, {"date": "2026-06-18"}),
    ("date", '{"date":"2026-06-15","icon":"","time":null}', "2026-06-15", {"date": "2026-06-15"},
     {"date": "2026-06-15"}, {"date": "2026-06-16"}),
    ("timeline", '{"to":"2026-06-15","from":"2026-06-01"}', "2026-06-01 - 2026-06-15",
     {"from": "2026-06-01", "to": "2026-06-15"}, {"from": "2026-06-01", "to": "2026-06-15"},
     {"from": "2026-06-01", "to": "2026-06-16"}),
    ("people", '{"personsAndTeams":[{"id":2,"kind":"team"},{"id":1,"kind":"person"}]}', "Ada, Team",
     {"personsAndTeams": [{"id": 2, "kind": "team"}, {"id": 1, "kind": "person"}]},
     {"personsAndTeams": [{"id": 1, "kind": "person"}, {"id": 2, "kind": "team"}]},
     {"personsAndTeams": [{"id": 1, "kind": "person"}]}),
    ("dropdown", '{"ids":[1,2]}', "Urgent, Wholesale", {"ids": [1, 2]}, {"labels": ["Wholesale", "Urgent"]},
     {"ids": [1]}),
    ("email", '{"email":"a@b.com","text":"A","changed_at":"x"}', "A - a@b.com", {"email": "a@b.com", "text": "A"},
     {"email": "a@b.com", "text": "A"}, {"email": "a@b.com", "text": "B"}),
    ("phone", '{"phone":"+12025550169","countryShortName":"US"}', "+12025550169",
     {"phone": "+12025550169", "countryShortName": "US"}, {"phone": "+1 202 555 0169", "countryShortName": "us"},
     {"phone": "+12025550168", "countryShortName": "US"}),
    ("link", '{"url":"https://x.example","text":"X"}', "X - https://x.example",
     {"url": "https://x.example", "text": "X"}, {"url": "https://x.example", "text": "X"},
     {"url": "https://y.example", "text": "X"}),
    ("checkbox", '{"checked":true,"changed_at":"x"}', "v", {"checked": "true"}, {"checked": "true"}, None),
    ("hour", '{"hour":9,"minute":30}', "09:30", {"hour": 9, "minute": 30}, {"hour": 9, "minute": 30},
     {"hour": 9, "minute": 31}),
    ("rating", '{"rating":4}', "4", {"rating": 4}, {"rating": 4}, {"rating": 5}),
    ("country", '{"countryCode":"US","countryName":"United States"}', "United States",
     {"countryCode": "US", "countryName": "United States"}, {"countryCode": "US", "countryName": "United States"},
     {"countryCode": "GB", "countryName": "United Kingdom"}),
    ("long_text", '{"text":"Rush","changed_at":"x"}', "Rush", {"text": "Rush"}, {"text": "Rush"}, {"text": "Slow"}),
]


@pytest.mark.parametrize("ctype,value,text,write,equal,different", CASES, ids=[f"{c[0]}-{i}" for i, c in
                                                                            enumerate(CASES)])
def test_read_to_write_and_compare(ctype, value, text, write, equal, different):
    current = V.from_read(ctype, value, text)
    assert current == write
    assert V.same(ctype, current, text, write)
    assert V.same(ctype, current, text, equal)
    if isinstance(equal, dict):
        assert V.same(ctype, current, text, V.dumps(equal))  # JSON text works too
    assert not V.same(ctype, current, text, different)


@pytest.mark.parametrize("ctype", ["text", "numbers", "status", "date", "people", "dropdown", "email", "checkbox"])
def test_empty_cells(ctype):
    assert V.from_read(ctype, None, "") is None
    assert V.same(ctype, None, "", None)
    filled = {"status": {"index": 1}, "date": {"date": "2026-01-01"}, "people": {"personsAndTeams": [{"id": 1}]},
              "dropdown": {"ids": [1]}, "email": {"email": "a@b.c", "text": "a"}, "checkbox": {"checked": "true"}}
    assert not V.same(ctype, None, "", filled.get(ctype, "x"))
    assert V.same(ctype, None, "", "") and V.same(ctype, None, "", {})


def test_checkbox_unchecked_is_empty():
    assert V.from_read("checkbox", '{"checked":false}', "") is None
    assert V.same("checkbox", None, "", {"checked": "false"})


def test_audit_round_trip_is_writable():
    """The audited old value is the write shape: a rollback writes it back as it is."""
    old = V.from_read("status", '{"index":0,"post_id":null}', "Working on it")
    assert V.dumps(old) == '{"index":0}'
    assert V.loads(V.dumps(old)) == {"index": 0}


def test_describe_for_reports():
    assert V.describe('{"label":"Done"}') == "Done"
    assert V.describe(None) == "(empty)"
    assert V.describe('{"index":3}', "In Progress") == "In Progress"
    assert V.describe('{"date":"2026-06-15","time":"09:00:00"}') == "2026-06-15 09:00:00"
