"""Builds docs/reference.md and the generated blocks of the other documents, from the code.

    python scripts/build_reference.py            # rewrite docs/reference.md (needs the dev database)
                                                 # and the generated blocks (exit codes, settings)

docs/reference.md: parameters (name, type, default, OUTPUT) come from the T-SQL sources; their meaning
and the purpose from the T-SQL @help text; each procedure shows what @help = 'Y' prints on each engine:
the T-SQL text read from the source (the literal its PRINT prints), the PostgreSQL text as PostgreSQL
prints it (run on the dev database); view columns come from the installed views; errors from
docs/errors.md. A test rebuilds the page and fails when it differs, so the reference and @help cannot
drift apart.

Generated blocks (between `<!-- begin: NAME ... -->` and `<!-- end: NAME -->`) in docs/errors.md,
docs/runbook.md and the quick reference: the exit codes (sender/exitcodes.py) and the settings of the
sender (sender/config.py). A test fails when one of them differs from what this script makes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sender.db import Database, DbError  # noqa: E402
from sender.installer import source_files  # noqa: E402
from tests.static.catalog import parse_tsql  # noqa: E402

TARGET = ROOT / "docs" / "reference.md"


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p.strip() for p in parts + [cur] if p.strip()]


def tsql_procedures() -> dict[str, tuple[str, list[dict]]]:
    """Public T-SQL procedures: name -> (file name, parameters with type, default, output flag)."""
    procs = {}
    for path in source_files("mssql"):
        tree, _ = parse_tsql(path.read_text(encoding="utf-8"))
        for st in tree.recursive_crawl("create_procedure_statement"):
            name = next(s for s in st.segments if s.is_type("object_reference")).raw.split(".")[-1]
            if name.startswith("usp_Private_"):
                continue
            plist = next((s for s in st.segments if s.is_type("procedure_parameter_list")), None)
            params = []
            for piece in _split_top(re.sub(r"--[^\n]*", "", plist.raw if plist else "")):
                m = re.match(r"@(\w+)\s+(.+?)(?:\s*=\s*(.+?))?(\s+OUT(?:PUT)?)?\s*$", piece, re.I | re.S)
                if m:
                    params.append({"name": m.group(1), "type": m.group(2).strip(),
                                   "default": (m.group(3) or "").strip(), "output": bool(m.group(4))})
            procs[name] = (path.name, params)
    return procs


def tsql_help_text(name: str) -> str:
    """What `EXEC dbo.<name> @help = 'Y'` prints on SQL Server: the literal of the PRINT under
    `IF UPPER(@help) = 'Y'` in the T-SQL source, its doubled quotes undone."""
    path = ROOT / "db" / "procedures" / f"{name}.sql"
    m = re.search(r"IF\s+UPPER\(@help\)\s*=\s*'Y'\s*BEGIN\s*PRINT\s+N'((?:[^']|'')*)'\s*;",
                  path.read_text(encoding="utf-8"), re.I)
    if not m:
        return f"(@help failed: no PRINT N'...' under IF UPPER(@help) = 'Y' in {path.name})"
    return m.group(1).replace("''", "'").strip()


def pg_help_call(db: Database, name: str) -> str:
    """How help is asked for on PostgreSQL: CALL for a procedure, SELECT for a function."""
    kind = db.scalar("SELECT p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                     "WHERE n.nspname = 'dbo' AND p.proname = lower(?)", (name,))
    return (f"CALL dbo.{name}(p_help => 'Y')" if kind == "p"
            else f"SELECT * FROM dbo.{name}(p_help => 'Y')")  # noqa: S608 (names from the sources)


def help_text(db: Database, name: str) -> str:
    """What the procedure prints for help on PostgreSQL (run on the database)."""
    sql = pg_help_call(db, name)
    try:
        res = db.execute(sql)
    except DbError as exc:
        return f"(@help failed: {exc})"
    return "\n".join(res.messages).strip()


def help_meanings(text: str) -> dict[str, str]:
    """Parameter -> meaning, from the help's "Parameters:" block (name, type, default, meaning)."""
    out: dict[str, str] = {}
    block = text.split("Parameters:", 1)[1].split("\n\n", 1)[0] if "Parameters:" in text else ""
    last = None
    for line in block.splitlines():
        m = re.match(r"\s+[@]?(?:p_)?(\w+)\s+(\S+)\s+(\S+)\s+(.+)$", line)
        if m and not line.startswith(" " * 12):
            last = m.group(1).lower()
            out[last] = m.group(4).strip()
        elif last and line.strip():  # a meaning continued on the next line
            out[last] += " " + line.strip()
    return out


def purpose(text: str, name: str) -> str:
    first = text.split("\n\n")[0]
    first = re.sub(rf"^(dbo\.)?{name}:\s*", "", first.strip(), flags=re.I)
    return " ".join(first.split())


def errors_by_procedure() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (ROOT / "docs" / "errors.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"5\d{4}", cells[0]):
            for proc in re.findall(r"usp_\w+", cells[1]):
                found.setdefault(proc.lower(), []).append(cells[0])
    return found


def view_columns(db: Database) -> dict[str, list[tuple[str, str]]]:
    views: dict[str, list[tuple[str, str]]] = {}
    rows = db.query(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.views v ON v.table_schema = c.table_schema AND v.table_name = c.table_name "
        "WHERE c.table_schema = 'dbo' ORDER BY c.table_name, c.ordinal_position")
    for r in rows:
        views.setdefault(r["table_name"], []).append((r["column_name"], r["data_type"]))
    return views


def build(db: Database) -> str:
    out = ["# Reference: public procedures and views", "",
           "Generated by `scripts/build_reference.py` from the T-SQL sources (parameters), from what each",
           "procedure prints for `@help = 'Y'` on each engine (meaning, examples) and from docs/errors.md; a",
           "test rebuilds it. On PostgreSQL the parameters carry the prefix `p_` and OUTPUT parameters are",
           "INOUT: the PostgreSQL text shows them so.", ""]
    errors = errors_by_procedure()
    for name, (fname, params) in sorted(tsql_procedures().items(), key=lambda kv: kv[0].lower()):
        text = tsql_help_text(name)
        pg_text = help_text(db, name)
        meanings = help_meanings(text)
        out += [f"## dbo.{name}", "", purpose(text, name), "", f"Source: `db/procedures/{fname}`.", "",
                "| parameter | type | default | meaning |", "| --- | --- | --- | --- |"]
        for p in params:
            default = "required" if not p["default"] and not p["output"] else (p["default"] or "NULL")
            kind = " OUTPUT" if p["output"] else ""
            meaning = meanings.get(p["name"].lower(), "").replace("|", "\\|")
            out.append(f"| `@{p['name']}` | `{p['type']}{kind}` | `{default}` | {meaning} |")
        nums = errors.get(name.lower(), [])
        out += ["", f"Errors: {', '.join(nums) if nums else 'none of its own'} (docs/errors.md).", "",
                f"{TSQL_HELP_HEADING} (`EXEC dbo.{name} @help = 'Y';`):", "", "```text", text, "```", "",
                f"{PG_HELP_HEADING} (`{pg_help_call(db, name)};`):", "", "```text", pg_text, "```", ""]
    for view, cols in sorted(view_columns(db).items()):
        proper = next((p.stem for p in (ROOT / "db" / "views").glob("*.sql") if p.stem.lower() == view), view)
        out += [f"## dbo.{proper}", "", "| column | type |", "| --- | --- |"]
        out += [f"| `{c}` | {t} |" for c, t in cols]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


TSQL_HELP_HEADING = "On SQL Server, `@help = 'Y'` prints"
PG_HELP_HEADING = "On PostgreSQL, `p_help => 'Y'` prints"


def help_blocks(text: str) -> dict[str, list[tuple[str, str]]]:
    """Procedure -> [(heading, help text)] as docs/reference.md shows them (for the per-dialect checks)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for section in re.split(r"^## dbo\.", text, flags=re.M)[1:]:
        name = section.split("\n", 1)[0].strip()
        for m in re.finditer(r"^(On [^\n]*? prints)[^\n]*\n\n```text\n(.*?)\n```", section, re.M | re.S):
            out.setdefault(name, []).append((m.group(1), m.group(2)))
    return out


def dialect_problems(text: str) -> list[str]:
    """Help texts shown under the wrong engine: T-SQL names its parameters @x and calls with EXEC;
    PostgreSQL names them p_x and calls with CALL or SELECT."""
    problems = []
    for name, blocks in help_blocks(text).items():
        if [h for h, _ in blocks] != [TSQL_HELP_HEADING, PG_HELP_HEADING]:
            problems.append(f"{name}: expected the SQL Server help text, then the PostgreSQL one")
            continue
        (_, tsql), (_, pg) = blocks
        if re.search(r"^\s+p_\w+\s", tsql, re.M) or re.search(r"\bCALL dbo\.|p_\w+ =>", tsql):
            problems.append(f"{name}: the SQL Server help text shows PostgreSQL parameters or calls")
        if re.search(r"^\s+@\w+\s", pg, re.M) or re.search(r"\bEXEC(UTE)? dbo\.", pg):
            problems.append(f"{name}: the PostgreSQL help text shows T-SQL parameters or calls")
    return problems


# -- generated blocks of other documents ------------------------------------------------------------

def exit_codes_table() -> str:
    from sender.exitcodes import EXIT_CODES

    rows = ["| code | meaning | what to do |", "| --- | --- | --- |"]
    rows += [f"| {e.code} | {e.meaning} | {e.todo} |" for e in EXIT_CODES]
    return "\n".join(rows)


def exit_codes_line() -> str:
    from sender.exitcodes import EXIT_CODES

    return "Exit codes: " + " · ".join(f"{e.code} {e.short}" for e in EXIT_CODES) + \
        " ([docs/errors.md](../errors.md))."


def settings_table() -> str:
    from sender.config import settings

    rows = ["| config file key | environment | default | what it is |", "| --- | --- | --- | --- |"]
    for key, env, default, note in settings():
        rows.append(f"| `{key}` | {f'`{env}`' if env else '—'} | {f'`{default}`' if default else '—'} | {note} |")
    return "\n".join(rows)


SOURCE_OF = {"exit-codes": "sender/exitcodes.py", "exit-codes-line": "sender/exitcodes.py",
             "settings": "sender/config.py"}
RENDER = {"exit-codes": exit_codes_table, "exit-codes-line": exit_codes_line, "settings": settings_table}
GENERATED = {
    "docs/errors.md": ["exit-codes"],
    "docs/runbook.md": ["exit-codes", "settings"],
    "docs/quickref/update_operations_quickref.md": ["exit-codes-line"],
}


def _block_re(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- begin: {re.escape(name)} [^\n]*-->\n)(.*?)(\n<!-- end: {re.escape(name)} -->)", re.S)


def begin_marker(name: str) -> str:
    return (f"<!-- begin: {name} (made by scripts/build_reference.py from {SOURCE_OF[name]}; "
            "edit the source, not this block) -->")


def refresh_blocks(text: str, names: list[str]) -> str:
    for name in names:
        pattern = _block_re(name)
        if not pattern.search(text):
            raise SystemExit(f"no generated block {name!r}: add {begin_marker(name)} ... <!-- end: {name} -->")
        text = pattern.sub(lambda m, n=name: f"{begin_marker(n)}\n{RENDER[n]()}{m.group(3)}", text)
    return text


def stale_blocks(text: str, names: list[str]) -> list[str]:
    """The generated blocks of a document that are missing or differ from what the code says."""
    stale = []
    for name in names:
        m = _block_re(name).search(text)
        if not m or m.group(2) != RENDER[name]():
            stale.append(name)
    return stale


def main() -> int:
    for rel, names in GENERATED.items():
        path = ROOT / rel
        path.write_text(refresh_blocks(path.read_text(encoding="utf-8"), names), encoding="utf-8")
        print(f"refreshed {', '.join(names)} in {rel}")
    if "--blocks-only" in sys.argv:
        return 0
    port = (ROOT / ".run" / "pgport").read_text().strip()
    dsn = f"DRIVER={{PostgreSQL Unicode}};SERVER=127.0.0.1;PORT={port};DATABASE=opus;UID=postgres;PWD=;"
    with Database(dsn) as db:
        from sender.installer import install

        install(db)
        TARGET.write_text(build(db), encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
