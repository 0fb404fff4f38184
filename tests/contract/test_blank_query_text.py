"""fn_MON_Private_BlankQueryText: comments become spaces, string literals and quoted identifiers underscores,
same length and positions, so that staging looks for keywords and separators in the code only. Each engine
lexes its own dialect: T-SQL [..] identifiers, PostgreSQL E'..' and $tag$..$tag$."""

from __future__ import annotations

import pytest

from tests.contract.helpers import is_mssql


def blank(db, text: str) -> str:
    return db.scalar("SELECT dbo.fn_MON_Private_BlankQueryText(?)", (text,))


def spans(text: str, *parts: tuple[str, str]) -> str:
    """`text` with each listed piece (found left to right) replaced by its fill character."""
    out, at = text, 0
    for piece, fill in parts:
        i = out.index(piece, at)
        out = out[:i] + fill * len(piece) + out[i + len(piece):]
        at = i + len(piece)
    return out


COMMON = [
    ("SELECT 'it''s' AS x", [("'it''s'", "_")]),
    ("SELECT 1 /* a /* nested */ still comment */ + 2", [("/* a /* nested */ still comment */", " ")]),
    ("SELECT N'é''x' -- note ; DELETE\nFROM t", [("'é''x'", "_"), ("-- note ; DELETE", " ")]),
    ('SELECT "a""b" FROM t', [('"a""b"', "_")]),
    ("SELECT 'unclosed ; DELETE", [("'unclosed ; DELETE", "_")]),
    ("SELECT 1 /* unclosed ; DELETE", [("/* unclosed ; DELETE", " ")]),
    ("SELECT 1 /* a /* b */ unclosed", [("/* a /* b */ unclosed", " ")]),
    ("SELECT 4-2/1 --", [("--", " ")]),
    ("SELECT '/*' AS a, '--' AS b, ';' AS c", [("'/*'", "_"), ("'--'", "_"), ("';'", "_")]),
    ("SELECT 1 /* it's */ , 'a -- b' AS c", [("/* it's */", " "), ("'a -- b'", "_")]),
    ("SELECT '' AS e, '''' AS q, 'x''' AS y", [("''", "_"), ("''''", "_"), ("'x'''", "_")]),
    ("SELECT 1\n-- first\n-- second ' odd\nFROM t", [("-- first", " "), ("-- second ' odd", " ")]),
    ("SELECT 'a' + 'b'", [("'a'", "_"), ("'b'", "_")]),
    ("SELECT 1 */ 2", []),
    ("", []),
    ("no special characters at all", []),
]


@pytest.mark.parametrize(("text", "parts"), COMMON, ids=[str(n) for n in range(len(COMMON))])
def test_blanks_comments_and_literals_of_both_dialects(db, text, parts):
    assert blank(db, text) == spans(text, *parts)


def test_blanks_the_dialects_own_quotes(db):
    if is_mssql(db):
        text = "SELECT [a]]b], [x y] FROM [t;DELETE] WHERE [open"
        assert blank(db, text) == spans(text, ("[a]]b]", "_"), ("[x y]", "_"), ("[t;DELETE]", "_"), ("[open", "_"))
    else:
        text = "SELECT [a], E'x\\';y', $q$ ; $$ $q$, $$a'b$$ FROM t"
        assert blank(db, text) == spans(text, ("'x\\';y'", "_"), ("$q$ ; $$ $q$", "_"), ("$$a'b$$", "_"))


@pytest.mark.engine_gap("long-text-positions")
def test_null_and_a_long_text_keep_their_length(db):
    assert blank(db, None) is None
    body = ", ".join(f"('v{n}', /* c{n} */ {n})" for n in range(20000))
    text = f"SELECT v.a FROM (VALUES {body}) AS v(a, b) -- end"
    out = blank(db, text)
    assert len(out) == len(text)
    assert out.startswith("SELECT v.a FROM (VALUES (____, ") and out.endswith(") AS v(a, b)       ")
    assert "'" not in out and "/*" not in out and out.count("(") == text.count("(")
