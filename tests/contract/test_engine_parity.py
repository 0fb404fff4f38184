"""The same staged row gets the same verdict and the same monday payload on both engines (the parity table of
the SQL Server review, section 4). Each test states ONE expected outcome; it runs on PostgreSQL and, given
MSSQL_DSN, unchanged on SQL Server, whose collations (case-, accent-, width-insensitive; trailing spaces
ignored by `=`) must not change a verdict. The payload is compared as text where the text itself matters
(padding, escaping), as parsed JSON elsewhere."""

from __future__ import annotations

import json

import pytest

from sender.db import DbError
from tests.contract.helpers import (
    BOARD_ID,
    ITEM_ID,
    STATUS_LABELS,
    errors_of,
    fmt,
    fmt_text,
    is_mssql,
    load_item_rows,
    load_planning_board,
    rules_of,
    stage,
    staged_rows,
)

TAB = "\t"


@pytest.fixture
def board(db):
    load_planning_board(db)
    load_item_rows(db)
    return db


def lit(db, text: str) -> str:
    """A string literal of the engine (N'...' on SQL Server: the text may hold any Unicode character)."""
    return ("N" if is_mssql(db) else "") + "'" + text.replace("'", "''") + "'"


def verdicts(db, alias: str, values: list[str]) -> list[tuple[str, set[str]]]:
    """Stage one UPDATE row per value (the value in column `alias`); (status, rules) of each row, in order."""
    rows = [f"SELECT {1000 + i} AS monday_item_id, {lit(db, v)} AS {alias}" for i, v in enumerate(values)]
    batch_id = stage(db, " UNION ALL ".join(rows)).outputs["batch_id"]
    return [(r["validation_status"], rules_of(r)) for r in staged_rows(db, batch_id)]


# -- B1: CREATE naming an existing group -------------------------------------------------------------------

def test_create_naming_an_existing_group_is_valid(board):
    """Review row 1 (B1): the group id compared with the synced groups is exact on both engines, and a group
    that exists passes (SQL Server compared byte lengths of a varchar and an nvarchar: never equal)."""
    db = board
    batch_id = stage(
        db,
        "SELECT 'Order 2001' AS item_name, 'topics' AS group_id UNION ALL SELECT 'Order 2002', 'group_title' "
        "UNION ALL SELECT 'Order 2003', 'Topics' UNION ALL SELECT 'Order 2004', 'topics '",
        update_operation="CREATE",
    ).outputs["batch_id"]
    rows = staged_rows(db, batch_id)
    assert [(r["validation_status"], rules_of(r)) for r in rows] == [
        ("VALID", set()), ("VALID", set()), ("INVALID", {"GROUP_EXISTS"}), ("INVALID", {"GROUP_EXISTS"}),
    ]


# -- dates -------------------------------------------------------------------------------------------------

def test_lower_case_t_and_z_are_a_date(board):
    """Review row 2 (earlier E2): 't' and 'z' in lower case are accepted on both engines (RFC 3339 5.6 allows
    them; what monday receives is the normalised {"date","time"} in UTC). A look-alike of 'T' is not."""
    db = board
    assert verdicts(db, "due_date", ["2026-06-15t09:30z", "2026-06-15T09:30Z", "2026-06-15t09:30:00+02:00",
                                     "2026-06-15\uff3409:30", "2026-06-15T09:30\uff3a"]) == [
        ("VALID", set()), ("VALID", set()), ("VALID", set()),
        ("INVALID", {"DATE_FORMAT"}), ("INVALID", {"DATE_FORMAT"}),
    ]
    assert fmt_text(db, "date", "2026-06-15t09:30z") == '{"date":"2026-06-15","time":"09:30:00"}'
    assert fmt_text(db, "date", "2026-06-15t09:30:00+02:00") == '{"date":"2026-06-15","time":"07:30:00"}'


def test_a_date_is_sent_unpadded(db):
    """A date alone and a date-time in one rule: each is sent at its own length (a CASE mixing char(10) and
    char(19) made every date '2026-06-15' + 9 spaces on SQL Server)."""
    assert fmt_text(db, "date", "2026-06-15") == '{"date":"2026-06-15"}'
    assert fmt_text(db, "date", " 2026-06-15 ") == '{"date":"2026-06-15"}'
    assert fmt_text(db, "timeline", "2026-06-01/2026-06-30") == '{"from":"2026-06-01","to":"2026-06-30"}'
    assert fmt_text(db, "date", "2026-06-15 09:30") == '{"date":"2026-06-15","time":"09:30:00"}'


def test_one_space_at_most_before_the_zone(board):
    assert verdicts(board, "due_date", ["2026-06-15T09:30 Z", "2026-06-15T09:30 +02:00", "2026-06-15T09:30  Z"]) == [
        ("VALID", set()), ("VALID", set()), ("INVALID", {"DATE_FORMAT"}),
    ]


@pytest.mark.engine_gap("dateadd-early-years")
def test_a_date_beyond_the_calendar_in_utc_is_a_finding_not_an_error(board):
    """Review row 10 (B9): a date-time whose UTC time falls outside years 1-9999 is DATE_FORMAT on both engines
    (SQL Server's datetimeoffset raised a native error and failed the whole call; PostgreSQL wrote year 10000)."""
    db = board
    assert verdicts(db, "due_date", [
        "9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00", "9999-12-31T23:00:00+05:00", "9999-12-31",
        "9999-12-31T23:59:59Z",
    ]) == [
        ("INVALID", {"DATE_FORMAT"}), ("INVALID", {"DATE_FORMAT"}), ("VALID", set()), ("VALID", set()),
        ("VALID", set()),
    ]
    batch_id = stage(db, f"SELECT {ITEM_ID} AS monday_item_id, '9999-12-31T23:00:00-05:00' AS due_date").outputs["batch_id"]
    message = errors_of(staged_rows(db, batch_id)[0])[0]["message"]
    assert "'9999-12-31T23:00:00-05:00'" in message and "years 0001-9999" in message, message
    assert fmt(db, "date", "9999-12-31T23:00:00-05:00") is None
    assert fmt(db, "date", "9999-12-31T23:00:00+05:00") == {"date": "9999-12-31", "time": "18:00:00"}
    assert fmt(db, "date", "0001-01-01T01:30:00+01:00") == {"date": "0001-01-01", "time": "00:30:00"}


# -- labels and aliases: exact after LOWER, whatever the collation ------------------------------------------

@pytest.mark.engine_gap("lower-bin2-ascii-only")
def test_status_label_matches_exactly_after_lower_case(board):
    """Review row 5 (E1): a fullwidth 'Ｄｏｎｅ' or 'cafe' for the label 'Café' is no label on either engine
    (an accent- or width-insensitive collation matched them), while case alone still matches."""
    db = board
    labels = [*STATUS_LABELS, {"id": 12, "label": "Café", "color": "sky", "index": 6}]
    settings = json.dumps({"labels": labels})
    db.execute("UPDATE dbo.MON_BoardColumn SET settings_json = ? WHERE board_id = ? AND column_id = 'status'",
               (settings, BOARD_ID))
    result = verdicts(db, "order_status", ["\uff24\uff4f\uff4e\uff45", "cafe", "CAFÉ", "done", "Café"])
    assert result == [
        ("INVALID", {"STATUS_LABEL"}), ("INVALID", {"STATUS_LABEL"}),
        ("WARNING", {"LABEL_NORMALISED"}), ("WARNING", {"LABEL_NORMALISED"}), ("VALID", set()),
    ]
    assert fmt(db, "status", "\uff24\uff4f\uff4e\uff45", settings) == {"label": "\uff24\uff4f\uff4e\uff45"}
    assert fmt(db, "status", "cafe", settings) == {"label": "cafe"}
    assert fmt(db, "status", "CAFÉ", settings) == {"index": 12}


def test_dropdown_label_matches_exactly_after_lower_case(board):
    db = board
    assert verdicts(db, "dropdown", ["\uff23\uff4f\uff4f\uff4b\uff49\uff45", "cookie, CUPCAKE", "Cookie\uff0cCupcake"]) == [
        ("INVALID", {"DROPDOWN_LABEL"}), ("WARNING", {"LABEL_NORMALISED"}), ("INVALID", {"DROPDOWN_LABEL"}),
    ]
    settings = db.scalar("SELECT settings_json FROM dbo.MON_BoardColumn WHERE board_id = ? AND column_id = 'dropdown'",
                         (BOARD_ID,))
    assert fmt(db, "dropdown", "\uff23\uff4f\uff4f\uff4b\uff49\uff45", settings) == {
        "labels": ["\uff23\uff4f\uff4f\uff4b\uff49\uff45"]}
    assert fmt(db, "dropdown", "cookie, CUPCAKE", settings) == {"ids": [1, 2]}
    assert fmt(db, "dropdown", "Cookie\uff0cCupcake", settings) == {"labels": ["Cookie\uff0cCupcake"]}


def test_column_alias_matches_exactly_after_lower_case(board):
    """An alias that is a column id only under an accent- or width-insensitive collation maps to no column."""
    db = board
    batch_id = stage(db, f"SELECT {ITEM_ID} AS monday_item_id, 'Done' AS \"\uff53\uff54\uff41\uff54\uff55\uff53\", "
                         "'3' AS \"NUMBERS\"").outputs["batch_id"]
    row = staged_rows(db, batch_id)[0]
    assert {(e["rule"], e["column"]) for e in errors_of(row)} == {("COLUMN_EXISTS", "\uff53\uff54\uff41\uff54\uff55\uff53")}
    cells = db.query("SELECT column_alias, column_id, match_kind FROM dbo.fn_MON_StagedCells(?) ORDER BY field_no",
                     (batch_id,))
    assert [(c["column_id"], c["match_kind"]) for c in cells] == [(None, None), ("numbers", "ID")]


def test_people_email_matches_exactly_after_lower_case(board):
    """C2: an e-mail resolves to a synced user by LOWER on both sides, then exactly (not accent-insensitively)."""
    db = board
    assert verdicts(db, "owner", ["PAT@EXAMPLE.COM", "pat@exámple.com"]) == [
        ("VALID", set()), ("INVALID", {"PEOPLE_FORMAT"}),
    ]
    assert fmt(db, "people", "PAT@EXAMPLE.COM") == {"personsAndTeams": [{"id": 4616627, "kind": "person"}]}
    assert fmt(db, "people", "Person:4616627, TEAM:51166") == {
        "personsAndTeams": [{"id": 4616627, "kind": "person"}, {"id": 51166, "kind": "team"}]}
    assert fmt(db, "people", "person:1234567890123456789") is None


def test_two_any_board_mappings_of_one_alias_are_refused(board):
    """Review row 8 (E2): one 'any board' mapping per alias, ignoring case, on both engines: the second is
    refused when it is written (SQL Server's unique key treats NULL board ids as equal and compares the alias
    case-insensitively), so an alias never maps to two columns through MON_ColumnMap."""
    db = board
    db.execute("INSERT INTO dbo.MON_ColumnMap (board_id, source_alias, column_id) VALUES (NULL, 'qty_any', 'numbers')")
    for alias in ("qty_any", "QTY_ANY"):
        with pytest.raises(DbError):
            db.execute("INSERT INTO dbo.MON_ColumnMap (board_id, source_alias, column_id) VALUES (NULL, ?, 'rating')",
                       (alias,))
    batch_id = stage(db, f"SELECT {ITEM_ID} AS monday_item_id, '4' AS qty_any").outputs["batch_id"]
    assert staged_rows(db, batch_id)[0]["validation_status"] == "VALID"


# -- whitespace ------------------------------------------------------------------------------------------------

@pytest.mark.engine_gap("openjson-unescape")
def test_email_link_and_country_split_on_any_whitespace(board):
    """Review row 6 (earlier E6): a tab separates an address from its text on both engines, in validation and in
    the payload (SQL Server split on the space only and sent 'a@b.com<TAB>Name' as the address)."""
    db = board
    assert verdicts(db, "email", [f"a@b.com{TAB}Name", f"{TAB}a@b.com", f"a@b.com {TAB} Pat Planner"]) == [
        ("VALID", set()), ("INVALID", {"EMAIL_FORMAT"}), ("VALID", set()),
    ]
    assert fmt(db, "email", f"a@b.com{TAB}Name") == {"email": "a@b.com", "text": "Name"}
    assert fmt(db, "email", f"a@b.com {TAB} Pat Planner") == {"email": "a@b.com", "text": "Pat Planner"}
    assert fmt(db, "email", f"a@b.com{TAB}") == {"email": "a@b.com", "text": "a@b.com"}
    assert verdicts(db, "link", [f"https://example.com{TAB}Site"]) == [("VALID", set())]
    assert fmt(db, "link", f"https://example.com{TAB}Site") == {"url": "https://example.com", "text": "Site"}
    assert verdicts(db, "country", [f"us{TAB}United States"]) == [("VALID", set())]
    assert fmt(db, "country", f"us{TAB}United States") == {"countryCode": "US", "countryName": "United States"}
    assert fmt(db, "country", "us") == {"countryCode": "US", "countryName": "US"}


# -- digits ----------------------------------------------------------------------------------------------------

def test_only_ascii_digits_are_digits(board):
    """Review row 7 (B10, E3): a digit that is not ASCII ('１' fullwidth, '²' superscript, '٣' Arabic-Indic) is
    refused on both engines (a [0-9] range under a non-binary collation took some of them, and the payload
    was then {"hour":,"minute":30})."""
    db = board
    assert verdicts(db, "hour", ["1\uff12:30", "\u00b9\u00b2:30", "1\u0663:30", "12:30"]) == [
        ("INVALID", {"HOUR_FORMAT"}), ("INVALID", {"HOUR_FORMAT"}), ("INVALID", {"HOUR_FORMAT"}), ("VALID", set()),
    ]
    assert verdicts(db, "rating", ["\uff14", "\u00b3", "4"]) == [
        ("INVALID", {"RATING_FORMAT"}), ("INVALID", {"RATING_FORMAT"}), ("VALID", set()),
    ]
    assert verdicts(db, "quantity", ["\uff11\uff12", "1\u00b2"]) == [
        ("INVALID", {"NUMBER_FORMAT"}), ("INVALID", {"NUMBER_FORMAT"}),
    ]
    assert verdicts(db, "due_date", ["\uff12026-06-15", "2026-06-15 \uff10\uff19:30"]) == [
        ("INVALID", {"DATE_FORMAT"}), ("INVALID", {"DATE_FORMAT"}),
    ]
    assert verdicts(db, "order_status", ["\uff17"]) == [("INVALID", {"STATUS_LABEL"})]
    for column_type, raw in (("hour", "1\uff12:30"), ("rating", "\uff14"), ("numbers", "\uff11\uff12"),
                             ("people", "\uff14616627")):
        assert fmt_text(db, column_type, raw) is None, (column_type, raw)


def test_checkbox_and_link_keywords_are_exact_after_lower_case(board):
    db = board
    assert verdicts(db, "checkbox", ["TRUE", "\uff54\uff52\uff55\uff45"]) == [
        ("VALID", set()), ("INVALID", {"CHECKBOX_FORMAT"}),
    ]
    assert verdicts(db, "link", ["HTTPS://example.com", "\uff48ttps://example.com"]) == [
        ("VALID", set()), ("INVALID", {"LINK_FORMAT"}),
    ]
    assert verdicts(db, "email", ["pat\uff20example.com"]) == [("INVALID", {"EMAIL_FORMAT"})]


# -- payload text ----------------------------------------------------------------------------------------------

@pytest.mark.engine_gap("json-non-ascii")
def test_payload_json_text_is_the_same_on_both_engines(db):
    """E5: a '/' is written unescaped on both engines (SQL Server's STRING_ESCAPE writes '\\/'), and a
    backslash, a quote and a control character are escaped alike."""
    assert fmt_text(db, "link", "https://example.com/a/b Docs") == '{"url":"https://example.com/a/b","text":"Docs"}'
    assert fmt_text(db, "text", "a/b \\/ \"q\"") == '"a/b \\\\/ \\"q\\""'
    assert fmt_text(db, "long_text", "line 1\nline 2") == '{"text":"line 1\\nline 2"}'
    assert fmt(db, "text", "a\\\uff0fb") == "a\\\uff0fb"  # a backslash, then a fullwidth solidus
    assert fmt_text(db, "status", "n/a", json.dumps({"labels": STATUS_LABELS})) == '{"label":"n/a"}'
