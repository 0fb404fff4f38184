"""Catalogs of the database objects each dialect defines, for the parity and cross-reference checks.

T-SQL cannot be executed here, so its catalog is read from the sqlfluff parse trees of the sources.
PostgreSQL is executable, so its catalog is read from a database the sources were installed into.
A catalog maps kind -> object name (lower case) -> set of column or parameter names (lower case,
without '@' or the 'p_' prefix).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache, lru_cache
from pathlib import Path

from sender.db import Database

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("table", "view", "procedure", "function")


@lru_cache(maxsize=1)
def _linter():
    from sqlfluff.core import FluffConfig, Linter

    return Linter(config=FluffConfig.from_path(str(ROOT)))


@cache
def parse_tsql(text: str):
    """The sqlfluff parse tree of a T-SQL text, and the raw text of any unparsable sections (cached:
    parsing is the slow part of every T-SQL check)."""
    parsed = _linter().parse_string(text)
    unparsable = [seg.raw[:80] for seg in parsed.tree.recursive_crawl("unparsable")] if parsed.tree else []
    return parsed.tree, unparsable


def _name(ref) -> str:
    ids = [s.raw for s in ref.recursive_crawl("naked_identifier", "quoted_identifier")]
    return ids[-1].strip("[]\"").lower() if ids else ref.raw.lower()


def _first(seg, *types):
    return next(iter(seg.recursive_crawl(*types)), None)


def _child(seg, *types):
    """The first direct child of one of the types (the object's own name, not a name inside its body)."""
    return next((s for s in seg.segments if s.is_type(*types)), None)


def _main_select(stmt):
    """The select that defines a view's columns: after any CTEs, the first branch of a UNION."""
    node = _child(stmt, "with_compound_statement", "set_expression", "select_statement")
    while node is not None and not node.is_type("select_statement"):
        if node.is_type("with_compound_statement"):
            node = _child(node, "select_statement", "set_expression")
        else:
            node = _child(node, "select_statement")
    return node


def _view_columns(view) -> set[str]:
    select = _main_select(view)
    cols = set()
    if select is None:
        return cols
    clause = _first(select, "select_clause")
    for el in clause.segments if clause is not None else []:
        if not el.is_type("select_clause_element"):
            continue
        alias = _first(el, "alias_expression")
        if alias is not None:
            cols.add(_name(alias))
            continue
        ref = _first(el, "column_reference")
        if ref is not None:
            cols.add(_name(ref))
    return cols


def _params(stmt, list_type: str) -> set[str]:
    plist = _child(stmt, list_type) or _first(stmt, list_type)
    if plist is None:
        return set()
    return {s.raw.lstrip("@").lower() for s in plist.recursive_crawl("parameter")}


def tsql_catalog(files: list[Path]) -> dict[str, dict[str, set[str]]]:
    cat: dict[str, dict[str, set[str]]] = {k: defaultdict(set) for k in KINDS}
    for path in files:
        tree, _ = parse_tsql(path.read_text(encoding="utf-8"))
        if tree is None:
            continue
        for st in tree.recursive_crawl("create_table_statement", "alter_table_statement"):
            ref = _child(st, "table_reference", "object_reference")
            if ref is None or ref.raw.startswith(("#", "@")):
                continue  # temporary tables and table variables are not part of the schema
            cols = cat["table"][_name(ref)]
            for cd in st.recursive_crawl("column_definition"):
                ident = next((s for s in cd.segments if s.is_type("naked_identifier", "quoted_identifier")), None)
                if ident is not None:
                    cols.add(ident.raw.strip("[]").lower())
        for st in tree.recursive_crawl("create_view_statement"):
            cat["view"][_name(_child(st, "table_reference", "object_reference"))] |= _view_columns(st)
        for st in tree.recursive_crawl("create_procedure_statement"):
            cat["procedure"][_name(_child(st, "object_reference"))] |= _params(st, "procedure_parameter_list")
        for st in tree.recursive_crawl("create_function_statement"):
            name = _child(st, "function_name", "object_reference")
            cat["function"][_name(name)] |= _params(st, "function_parameter_list")
    return {k: dict(v) for k, v in cat.items()}


_WORK = re.compile(r"^usp_private_(\w+)_work$")


def pg_catalog(db: Database, schema: str = "dbo") -> dict[str, dict[str, set[str]]]:
    cat: dict[str, dict[str, set[str]]] = {k: defaultdict(set) for k in KINDS}
    for r in db.query(
        "SELECT c.table_name, c.column_name, t.table_type FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = ?",
        (schema,),
    ):
        kind = "view" if r["table_type"] == "VIEW" else "table"
        cat[kind][r["table_name"].lower()].add(r["column_name"].lower())
    for r in db.query(
        "SELECT p.proname, p.prokind, coalesce(array_to_string(p.proargnames, ','), '') AS names, "
        "coalesce(array_to_string(p.proargmodes, ','), '') AS modes "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ?",
        (schema,),
    ):
        names = [n for n in r["names"].split(",") if n]
        modes = r["modes"].split(",") if r["modes"] else ["i"] * len(names)
        params = {re.sub(r"^p_", "", n.lower()) for n, m in zip(names, modes, strict=False) if m in ("i", "b", "o")}
        # a PostgreSQL table function plays the part of a T-SQL procedure that returns rows
        kind = "procedure" if r["prokind"] == "p" or r["proname"].startswith("usp_") else "function"
        name = r["proname"].lower()
        work = _WORK.match(name)
        if work:
            # PostgreSQL only: the SECURITY DEFINER work of the public procedure usp_<x>, whose SECURITY INVOKER
            # shell commits (a SECURITY DEFINER procedure cannot). It counts as that procedure: its
            # parameters are the procedure's, plus the shell's own (p_shell_*)
            name = f"usp_{work.group(1)}"
            params = {p for p in params if not p.startswith("shell_")}
        cat[kind][name] |= params
    return {k: dict(v) for k, v in cat.items()}


def compare(tsql: dict, pg: dict) -> list[str]:
    """Every difference between two catalogs, as readable lines (empty when they agree)."""
    problems = []
    for kind in KINDS:
        a, b = tsql.get(kind, {}), pg.get(kind, {})
        for name in sorted(set(a) - set(b)):
            problems.append(f"{kind} {name}: in T-SQL only")
        for name in sorted(set(b) - set(a)):
            problems.append(f"{kind} {name}: in PostgreSQL only")
        for name in sorted(set(a) & set(b)):
            for col in sorted(a[name] - b[name]):
                problems.append(f"{kind} {name}: {col} in T-SQL only")
            for col in sorted(b[name] - a[name]):
                problems.append(f"{kind} {name}: {col} in PostgreSQL only")
    return problems


# -- cross references (T-SQL) --------------------------------------------------------------------

SYSTEM_OBJECTS = {
    "sys.indexes", "sys.objects", "sys.columns", "sys.tables", "sys.views", "sys.procedures", "sys.types",
    "sys.schemas", "sys.default_constraints", "sys.check_constraints", "sys.foreign_keys",
    "sys.database_principals", "sys.database_role_members", "sys.dm_exec_describe_first_result_set",
    "sys.key_constraints", "sys.sp_describe_first_result_set", "sys.sp_getapplock",
    "sys.sp_executesql", "sys.sql_modules", "sys.parameters",
    "sys.messages", "sys.sp_releaseapplock", "sys.dm_exec_sessions",
    "sys.fn_listextendedproperty", "sys.sp_addextendedproperty", "sys.sp_updateextendedproperty",
    "sys.all_objects", "sys.all_columns", "sys.sp_set_session_context", "sys.database_permissions",
    "sys.index_columns", "sys.stats", "sys.stats_columns",
}
SYSTEM_PROCS = {
    "sp_executesql", "sp_describe_first_result_set", "sp_getapplock", "sp_releaseapplock",
    "sp_set_session_context", "sp_addextendedproperty", "sp_updateextendedproperty", "sp_addrolemember",
}

_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_STRING = re.compile(r"N?'(?:[^']|'')*'")


def strip_code(text: str) -> str:
    """T-SQL with comments and string literals blanked (dynamic SQL is not cross-referenced)."""
    return _STRING.sub("''", _COMMENT.sub(" ", text))


def references(text: str) -> set[str]:
    code = strip_code(text)
    refs = {m.group(0).lower() for m in re.finditer(r"\b(?:dbo|sys)\.\w+", code, re.I)}
    refs |= {m.group(1).lower() for m in re.finditer(r"\bEXEC(?:UTE)?\s+(?:@\w+\s*=\s*)?(sp_\w+)", code, re.I)}
    return refs


def exec_calls(text: str) -> list[tuple[str, set[str]]]:
    """(callee, named parameters) for every EXEC of a dbo procedure."""
    code = strip_code(text)
    calls = []
    pattern = re.compile(
        r"\bEXEC(?:UTE)?\s+(?:@\w+\s*=\s*)?dbo\.(\w+)(.*?)(?=;|\n\s*GO\b|\bEND\b|\bIF\b|\bSELECT\b|\Z)",
        re.I | re.S,
    )
    for m in pattern.finditer(code):
        params = {p.lower() for p in re.findall(r"@(\w+)\s*=", m.group(2))}
        calls.append((m.group(1).lower(), params))
    return calls


def xref_problems(files: list[Path]) -> list[str]:
    cat = tsql_catalog(files)
    defined = {f"dbo.{n}" for kind in KINDS for n in cat[kind]}
    procs = {**cat["procedure"]}
    problems = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for ref in sorted(references(text)):
            if ref.startswith("dbo.") and ref not in defined:
                problems.append(f"{path.name}: {ref} is not defined in the T-SQL sources")
            elif ref.startswith("sys.") and ref not in SYSTEM_OBJECTS:
                problems.append(f"{path.name}: {ref} is not a known system object")
            elif not ref.startswith(("dbo.", "sys.")) and ref not in SYSTEM_PROCS:
                problems.append(f"{path.name}: EXEC {ref} is not a known system procedure")
        for callee, params in exec_calls(text):
            if callee not in procs:
                continue  # reported above as undefined
            extra = params - procs[callee]
            if extra:
                problems.append(f"{path.name}: EXEC dbo.{callee} passes undeclared @{', @'.join(sorted(extra))}")
    return problems


# -- column and variable types (T-SQL) -----------------------------------------------------------


def _column_types(st) -> dict[str, str]:
    types = {}
    for cd in st.recursive_crawl("column_definition"):
        ident = next((s for s in cd.segments if s.is_type("naked_identifier", "quoted_identifier")), None)
        dt = _first(cd, "data_type")
        if ident is not None and dt is not None:
            types[ident.raw.strip("[]").lower()] = dt.raw.lower()
    return types


def tsql_table_types(files: list[Path]) -> dict[str, dict[str, str]]:
    """The dbo tables of the DDL: table name (lower case, no schema) -> column -> declared type (lower case),
    from the sqlfluff parse trees (CREATE TABLE and ALTER TABLE ... ADD)."""
    tables: dict[str, dict[str, str]] = defaultdict(dict)
    for path in files:
        tree, _ = parse_tsql(path.read_text(encoding="utf-8"))
        if tree is None:
            continue
        for st in tree.recursive_crawl("create_table_statement", "alter_table_statement"):
            ref = _child(st, "table_reference", "object_reference")
            if ref is None or ref.raw.startswith(("#", "@")):
                continue
            tables[_name(ref)].update(_column_types(st))
    return dict(tables)


def tsql_local_types(text: str) -> dict[str, dict[str, str]]:
    """The temporary tables (#name) and table variables (@name, a table function's RETURNS @name TABLE)
    one T-SQL text declares: name (lower case, with its # or @) -> column -> declared type."""
    tree, _ = parse_tsql(text)
    local: dict[str, dict[str, str]] = defaultdict(dict)
    if tree is None:
        return {}
    for st in tree.recursive_crawl("create_table_statement"):
        ref = _child(st, "table_reference", "object_reference")
        if ref is not None and ref.raw.startswith("#"):
            local[ref.raw.lower()].update(_column_types(st))
    code = strip_code(text)
    for m in re.finditer(r"(@\w+)\s+TABLE\s*\(", code, re.I):
        # the column list of this table variable: up to the parenthesis that closes it
        depth, end = 0, m.end() - 1
        for end in range(m.end() - 1, len(code)):
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            if depth == 0:
                break
        for col in re.finditer(r"(?:^|,)\s*\[?(\w+)\]?\s+(\w+(?:\s*\([^)]*\))?)", code[m.end():end], re.M):
            local[m.group(1).lower()][col.group(1).lower()] = col.group(2).lower()
    return dict(local)


def tsql_variable_types(text: str) -> dict[str, str]:
    """The parameters and variables one T-SQL text declares: @name (lower case) -> declared type."""
    code = strip_code(text)
    types: dict[str, str] = {}
    for m in re.finditer(
        r"(@\w+)\s+(?:AS\s+)?((?:n?(?:var)?char|n?text|sysname|varbinary|binary|(?:tiny|small|big)?int|bit|date\w*|decimal"
        r"|numeric|float|real|money|uniqueidentifier|xml)\b(?:\s*\([^)]*\))?)",
        code,
        re.I,
    ):
        types.setdefault(m.group(1).lower(), m.group(2).lower())
    return types
