"""fn_MON_Private_JsonEscape: a text escaped for a JSON string exactly as SQL Server's STRING_ESCAPE(x, 'json')
writes it, on both engines; STRING_ESCAPE runs only for a text that holds a character it escapes."""

from __future__ import annotations

import json

import pytest

from tests.contract.helpers import is_mssql

SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
ASCII = "".join(chr(n) for n in range(1, 128))


def expected(text: str) -> str:
    """STRING_ESCAPE's documented output: the short escapes, \\u00xx below a space, the rest as it is."""
    return "".join(SHORT.get(ch) or (f"\\u{ord(ch):04x}" if ord(ch) < 32 else ch) for ch in text)


def escape(db, text: str | None) -> str | None:
    return db.scalar("SELECT e.escaped FROM dbo.fn_MON_Private_JsonEscape(?) AS e", (text,))


def test_every_ascii_character_is_escaped_as_string_escape_does(db):
    out = escape(db, ASCII)
    assert out == expected(ASCII)
    assert json.loads(f'"{out}"') == ASCII
    if is_mssql(db):
        assert out == db.scalar("SELECT STRING_ESCAPE(?, 'json')", (ASCII,))


@pytest.mark.parametrize("text", ["", "plain text 123", "Über ✓ café", "\uff53\uff54\uff41\uff54\uff55\uff53",
                                  "é" * 3000, "[x]%_^-' ~", "\x7f\x80\x9f\uffff"])
def test_a_text_with_nothing_to_escape_comes_back_as_it_is(db, text):
    assert escape(db, text) == text


@pytest.mark.parametrize("text", ["a\tb", 'say "hi"', "a/b", "C:\\dir", "end\x1f"])
def test_one_character_to_escape_escapes_that_one(db, text):
    assert escape(db, text) == expected(text)


def test_null_stays_null(db):
    assert escape(db, None) is None


@pytest.mark.engine_gap("json-non-ascii")
def test_non_ascii_text_with_something_to_escape_keeps_its_characters(db):
    """On SQL Server a character beyond the BMP is two UTF-16 code units, both inside the pattern's range: only
    the quote, backslash, slash and control characters are escaped, never a letter."""
    texts = ["Ünïcødé \"quoted\" \\ /", "rocket 🚀", "é\n"]
    assert [escape(db, t) for t in texts] == [expected(t) for t in texts]
