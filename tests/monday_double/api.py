"""GraphQL execution of the served subset: schema from ``api_subset.graphql`` plus resolvers."""

from __future__ import annotations

import base64
import itertools
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from graphql.utilities import value_from_ast_untyped

from . import values as V
from .errors import MondayError
from .store import Board, Item, Store, parse_json_arg

SDL_PATH = Path(__file__).with_name("api_subset.graphql")
URL_BASE = "https://opus-double.monday.com"
MAX_ITEMS_IDS = 100
MAX_PAGE_LIMIT = 500


@dataclass
class RequestContext:
    """Per-request state visible to resolvers."""

    store: Store
    complexity: dict[str, int]
    idempotency_key: str | None
    request_id: str
    seq: int
    log_mutation: Any  # callable(dict) -> None
    cursors: CursorStore
    strict_json_strings: bool = True
    applied: list[dict] = field(default_factory=list)
    versions: list[tuple[str, str]] = field(default_factory=list)  # (value, kind) monday serves
    platform_api: dict[str, Any] | None = None  # the account's daily limit and usage, as platform_api answers


# ----------------------------------------------------------------------------------------------
# cursors
# ----------------------------------------------------------------------------------------------

class CursorStore:
    """``items_page`` cursors: opaque, valid for ``ttl`` real seconds after the *initial* request."""

    def __init__(self, ttl: float, clock: Any) -> None:
        self.ttl = ttl
        self.clock = clock
        self.lock = threading.Lock()
        self._seq = itertools.count(1)
        self._cursors: dict[str, dict] = {}

    def create(self, board_id: int, remaining: list[int], created: float | None = None) -> str:
        with self.lock:
            n = next(self._seq)
            raw = f"{n},{board_id},double{n:08d},{len(remaining)}"
            token = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
            self._cursors[token] = {"board_id": board_id, "remaining": remaining,
                                    "created": self.clock() if created is None else created}
            if len(self._cursors) > 10_000:
                now = self.clock()
                for k in [k for k, v in self._cursors.items() if now - v["created"] > self.ttl]:
                    del self._cursors[k]
            return token

    def take(self, token: str) -> dict:
        with self.lock:
            entry = self._cursors.get(token)
            if entry is None:
                raise MondayError("CursorException", "Invalid cursor: the cursor provided for pagination "
                                  "was not found", error_data={"cursor": token})
            if self.clock() - entry["created"] > self.ttl:
                raise MondayError(
                    "CursorExpiredError",
                    "CursorExpiredError: The cursor provided for pagination has expired. Please refresh your "
                    "query and obtain a new cursor to continue fetching items", error_data={"cursor": token})
            return entry

    def clear(self) -> None:
        with self.lock:
            self._cursors.clear()


# ----------------------------------------------------------------------------------------------
# views (graphql-core's default resolver reads attributes / calls methods with (info, **args))
# ----------------------------------------------------------------------------------------------

def _column_dict(col: Any) -> dict:
    return {"id": col.id, "title": col.title, "description": col.description, "type": col.type,
            "width": col.width, "archived": col.archived, "settings": V.typed_settings(col.type, col.settings),
            "settings_str": V.settings_str(col.type, col.settings), "revision": str(col.revision)}


def _group_dict(g: Any) -> dict:
    return {"id": g.id, "title": g.title, "color": g.color, "position": g.position,
            "archived": g.archived, "deleted": g.deleted}


class BoardView:
    def __init__(self, store: Store, board: Board) -> None:
        self._s, self._b = store, board
        self.id = board.id
        self.name = board.name
        self.state = board.state
        self.board_kind = board.board_kind
        self.type = board.type
        self.url = f"{URL_BASE}/boards/{board.id}"
        self.created_at = board.created_at
        self.updated_at = board.updated_at

    @property
    def items_count(self) -> int:
        return sum(1 for i in self._b.item_ids if self._s.items[i].state == "active")

    def columns(self, info: Any, ids: list | None = None, types: list | None = None) -> list[dict]:
        cols = [c for c in self._b.columns.values() if not c.archived]
        if ids is not None:
            cols = [c for c in cols if c.id in ids]
        if types is not None:
            cols = [c for c in cols if c.type in types]
        return [_column_dict(c) for c in cols]

    def groups(self, info: Any, ids: list | None = None) -> list[dict]:
        gs = [g for g in self._b.groups if not g.deleted]
        if ids is not None:
            gs = [g for g in gs if g.id in ids]
        return [_group_dict(g) for g in gs]

    def items_page(self, info: Any, limit: int, cursor: str | None = None,
                   query_params: dict | None = None) -> dict:
        ctx: RequestContext = info.context
        _check_limit(limit)
        if cursor is not None:
            entry = ctx.cursors.take(cursor)
            return _page(ctx, entry["board_id"], entry["remaining"], limit, entry["created"])
        ids = _filter_items(self._s, self._b, query_params or {})
        return _page(ctx, self._b.id, ids, limit, None)


def _check_limit(limit: int) -> None:
    if limit is None or limit < 1 or limit > MAX_PAGE_LIMIT:
        raise MondayError("InvalidArgumentException",
                          f"The limit argument must be between 1 and {MAX_PAGE_LIMIT}",
                          error_data={"limit": limit})


def _page(ctx: RequestContext, board_id: int, ids: list[int], limit: int, created: float | None) -> dict:
    page, rest = ids[:limit], ids[limit:]
    cursor = ctx.cursors.create(board_id, rest, created) if rest else None
    items = [ItemView(ctx.store, ctx.store.items[i]) for i in page if i in ctx.store.items]
    return {"cursor": cursor, "items": items}


def _cell_text(store: Store, board: Board, it: Item, col_id: str) -> str | None:
    if col_id == "name":
        return it.name
    if col_id == "group":
        return it.group_id
    col = board.columns.get(col_id)
    if col is None:
        raise MondayError("InvalidColumnIdException", "This column ID doesn't exist for the board",
                          error_data={"column_id": col_id, "board_id": board.id})
    return store.render_cell(col, it)[1]


def _rule_matches(store: Store, board: Board, it: Item, rule: dict) -> bool:
    op = rule.get("operator", "any_of")
    text = _cell_text(store, board, it, rule["column_id"]) or ""
    cmp = rule.get("compare_value")
    values = [str(v) for v in (cmp if isinstance(cmp, list) else [cmp])]
    col = board.columns.get(rule["column_id"])
    if col is not None and col.type == "status":
        stored = it.values.get(col.id)
        idx = str(stored["index"]) if stored else str(V.DEFAULT_STATUS_ID)
        candidates = {text, idx}
    else:
        candidates = {text}
    if op == "any_of":
        return bool(candidates & set(values))
    if op == "not_any_of":
        return not candidates & set(values)
    if op == "is_empty":
        return text == ""
    if op == "is_not_empty":
        return text != ""
    if op == "contains_text":
        return any(v.lower() in text.lower() for v in values)
    try:
        num, ref = float(text), float(values[0])
    except (ValueError, IndexError):
        return False
    return num > ref if op == "greater_than" else num < ref


def _filter_items(store: Store, board: Board, qp: dict) -> list[int]:
    ids = [i for i in board.item_ids if store.items[i].state == "active"]
    if qp.get("ids") is not None:
        if len(qp["ids"]) > MAX_ITEMS_IDS:
            raise MondayError("InvalidArgumentException", "ItemsQuery ids are limited to 100",
                              error_data={"ids": len(qp["ids"])})
        wanted = {int(x) for x in qp["ids"]}
        ids = [i for i in ids if i in wanted]
    rules = qp.get("rules") or []
    if rules:
        combine = all if qp.get("operator", "and") == "and" else any
        ids = [i for i in ids if combine(_rule_matches(store, board, store.items[i], r) for r in rules)]
    for order in reversed(qp.get("order_by") or []):
        ids.sort(key=lambda i, o=order: _cell_text(store, board, store.items[i], o["column_id"]) or "",
                 reverse=order.get("direction", "asc") == "desc")
    return ids


class ItemView:
    def __init__(self, store: Store, item: Item) -> None:
        self._s, self._i = store, item
        self.id = item.id
        self.url = f"{URL_BASE}/boards/{item.board_id}/pulses/{item.id}"
        self.created_at = item.created_at

    name = property(lambda self: self._i.name)
    state = property(lambda self: self._i.state)
    updated_at = property(lambda self: self._i.updated_at)

    def board(self, info: Any) -> BoardView:
        return BoardView(self._s, self._s.boards[self._i.board_id])

    def group(self, info: Any) -> dict | None:
        g = self._s.boards[self._i.board_id].group(self._i.group_id)
        return _group_dict(g) if g else None

    def parent_item(self, info: Any) -> ItemView | None:
        pid = self._i.parent_item_id
        return ItemView(self._s, self._s.items[pid]) if pid is not None else None

    def subitems(self, info: Any) -> list[ItemView]:
        return [ItemView(self._s, self._s.items[i]) for i in self._i.subitem_ids
                if self._s.items[i].state != "deleted"]

    def column_values(self, info: Any, ids: list | None = None, types: list | None = None) -> list[dict]:
        board = self._s.boards[self._i.board_id]
        out = []
        for col in board.columns.values():
            if col.type == "name" or col.type in V.HIDDEN_TYPES or col.archived:
                continue
            if ids is not None and col.id not in ids:
                continue
            if types is not None and col.type not in types:
                continue
            stored = self._i.values.get(col.id)
            value, text = self._s.render_cell(col, self._i)
            cv = {"id": col.id, "type": col.type, "value": value, "text": text,
                  "column": lambda _info, c=col: _column_dict(c), "__typename": V.typename(col.type)}
            cv.update(V.typed_fields(col, stored, text, self._i, self._i.updated_at))
            out.append(cv)
        return out


# ----------------------------------------------------------------------------------------------
# root resolvers
# ----------------------------------------------------------------------------------------------

def _r_boards(_root: Any, info: Any, ids: list | None = None, limit: int | None = None, page: int | None = None,
              state: str | None = None) -> list[BoardView]:
    store: Store = info.context.store
    if ids is not None:
        boards = [store.boards[int(i)] for i in ids if str(i).isdigit() and int(i) in store.boards]
    else:
        boards = list(store.boards.values())
    state = state or "active"
    if state != "all":
        boards = [b for b in boards if b.state == state]
    if ids is None or limit is not None:
        limit = limit or 25
        start = ((page or 1) - 1) * limit
        boards = boards[start:start + limit]
    return [BoardView(store, b) for b in boards]


def _r_items(_root: Any, info: Any, ids: list | None = None, limit: int | None = None, page: int | None = None,
             newest_first: bool | None = None, exclude_nonactive: bool | None = None) -> list[ItemView]:
    store: Store = info.context.store
    if ids is None:
        raise MondayError("InvalidArgumentException", "The ids argument is required for the items query",
                          error_data={})
    if len(ids) > MAX_ITEMS_IDS:
        raise MondayError("InvalidArgumentException",
                          f"The items query is limited to {MAX_ITEMS_IDS} ids per query",
                          error_data={"ids_count": len(ids), "limit": MAX_ITEMS_IDS})
    found = []
    for i in ids:
        it = store.items.get(int(i)) if str(i).isdigit() else None
        if it is None or (exclude_nonactive and it.state != "active"):
            continue
        found.append(it)
    if newest_first:
        found.sort(key=lambda it: it.id, reverse=True)
    limit = limit or 25  # monday's documented default: 25 items unless `limit` is given
    start = ((page or 1) - 1) * limit
    return [ItemView(store, it) for it in found[start:start + limit]]


def _r_next_items_page(_root: Any, info: Any, cursor: str, limit: int) -> dict:
    ctx: RequestContext = info.context
    _check_limit(limit)
    entry = ctx.cursors.take(cursor)
    return _page(ctx, entry["board_id"], entry["remaining"], limit, entry["created"])


def _r_users(_root: Any, info: Any, ids: list | None = None, emails: list | None = None, name: str | None = None,
             limit: int | None = None, page: int | None = None) -> list[dict]:
    store: Store = info.context.store
    users = list(store.users.values())
    if ids is not None:
        wanted = {int(i) for i in ids if str(i).isdigit()}
        users = [u for u in users if u.id in wanted]
    if emails is not None:
        users = [u for u in users if u.email in emails]
    if name is not None:
        users = [u for u in users if name.lower() in u.name.lower()]
    if limit:
        start = ((page or 1) - 1) * limit
        users = users[start:start + limit]
    return [{"id": u.id, "name": u.name, "email": u.email} for u in users]


def _r_complexity(_root: Any, info: Any) -> dict:
    return info.context.complexity


def _r_me(_root: Any, info: Any) -> dict | None:
    # the token's owner: the first user of the account (the double has one token)
    users = sorted(info.context.store.users.values(), key=lambda u: u.id)
    return {"id": users[0].id, "name": users[0].name, "email": users[0].email} if users else None


def _r_platform_api(_root: Any, info: Any) -> dict | None:
    return info.context.platform_api


def _r_versions(_root: Any, info: Any) -> list[dict]:
    return [{"value": v, "kind": k, "display_name": f"{v} ({k})"} for v, k in info.context.versions]


def _mutation(op_name: str):
    def resolver(_root: Any, info: Any, **args: Any) -> ItemView:
        ctx: RequestContext = info.context
        store = ctx.store
        alias = info.path.key
        entry: dict[str, Any] = {"operation": op_name, "alias": alias, "board_id": None, "item_id": None,
                                 "created_item_id": None, "column_values": None}
        cl = bool(args.get("create_labels_if_missing"))
        if op_name == "change_multiple_column_values":
            cv = parse_json_arg(args["column_values"], "column_values", strict_strings=ctx.strict_json_strings)
            it = store.change_column_values(args["board_id"], args.get("item_id"), cv, create_labels=cl)
            entry["column_values"] = cv
        elif op_name == "change_column_value":
            v = parse_json_arg(args["value"], "value", strict_strings=ctx.strict_json_strings)
            it = store.change_column_values(args["board_id"], args.get("item_id"), {args["column_id"]: v},
                                            create_labels=cl)
            entry["column_values"] = {args["column_id"]: v}
        elif op_name == "change_simple_column_value":
            v = args.get("value")
            it = store.change_column_values(args["board_id"], args.get("item_id"), {args["column_id"]: v},
                                            simple=True, create_labels=cl)
            entry["column_values"] = {args["column_id"]: v}
        elif op_name in ("create_item", "create_subitem"):
            raw_cv = args.get("column_values")
            cv = (parse_json_arg(raw_cv, "column_values", strict_strings=ctx.strict_json_strings)
                  if raw_cv is not None else None)
            if op_name == "create_item":
                it = store.create_item(args["board_id"], args["item_name"], args.get("group_id"), cv,
                                       create_labels=cl)
            else:
                it = store.create_subitem(args["parent_item_id"], args["item_name"], cv, create_labels=cl)
                entry["parent_item_id"] = it.parent_item_id
            entry["created_item_id"] = it.id
            entry["column_values"] = cv
            entry["item_name"] = it.name
        elif op_name == "archive_item":
            it = store.archive_item(args.get("item_id"))
        elif op_name == "delete_item":
            it = store.delete_item(args.get("item_id"))
        else:  # pragma: no cover - schema guarantees the names
            raise MondayError("InvalidArgumentException", f"unsupported mutation {op_name}")
        entry["board_id"] = it.board_id
        entry["item_id"] = it.id
        entry["stored_values"] = {k: store.render_cell(store.boards[it.board_id].columns[k], it)[0]
                                  for k in (entry["column_values"] or {})
                                  if k in store.boards[it.board_id].columns and k != "name"}
        ctx.log_mutation(entry)
        return ItemView(store, it)

    return resolver


MUTATIONS = ("change_multiple_column_values", "change_column_value", "change_simple_column_value",
             "create_item", "create_subitem", "archive_item", "delete_item")


def build_api_schema(sdl_path: Path = SDL_PATH) -> GraphQLSchema:
    schema = build_schema(sdl_path.read_text())
    q = schema.query_type.fields
    q["boards"].resolve = _r_boards
    q["items"].resolve = _r_items
    q["next_items_page"].resolve = _r_next_items_page
    q["users"].resolve = _r_users
    q["complexity"].resolve = _r_complexity
    q["me"].resolve = _r_me
    q["versions"].resolve = _r_versions
    q["platform_api"].resolve = _r_platform_api
    m = schema.mutation_type.fields
    for name in MUTATIONS:
        m[name].resolve = _mutation(name)
    m["complexity"].resolve = _r_complexity
    schema.get_type("ColumnValue").resolve_type = lambda value, _info, _t: value["__typename"]
    return schema


# ----------------------------------------------------------------------------------------------
# documents
# ----------------------------------------------------------------------------------------------

@dataclass
class Prepared:
    document: DocumentNode | None
    errors: list[dict]
    fragments: dict


_QUOTED = re.compile(r"'([A-Za-z_][A-Za-z0-9_!\[\]]*)'")


def _format_validation(err: GraphQLError) -> dict:
    out: dict[str, Any] = {"message": _QUOTED.sub(r'"\1"', err.message)}
    if err.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations]
    return out


class DocumentCache:
    """Parsed + validated documents keyed by query text (validation is the costly part)."""

    def __init__(self, schema: GraphQLSchema, size: int = 1024) -> None:
        self.schema = schema
        self.size = size
        self.lock = threading.Lock()
        self._docs: dict[str, Prepared] = {}

    def get(self, query: str) -> Prepared:
        with self.lock:
            hit = self._docs.get(query)
        if hit is not None:
            return hit
        try:
            doc = parse(query)
        except GraphQLError as e:
            prepared = Prepared(None, [_format_validation(e)], {})
        else:
            errs = validate(self.schema, doc)
            frags = {d.name.value: d for d in doc.definitions if d.kind == "fragment_definition"}
            prepared = Prepared(None if errs else doc, [_format_validation(e) for e in errs], frags)
        with self.lock:
            if len(self._docs) >= self.size:
                self._docs.clear()
            self._docs[query] = prepared
        return prepared


def operation_of(doc: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    return get_operation_ast(doc, operation_name)


def root_fields(op: OperationDefinitionNode, variables: dict[str, Any]) -> list[tuple[str, str, dict]]:
    """(field name, response key, literal args) of the operation's root fields."""
    out = []
    for sel in op.selection_set.selections:
        if isinstance(sel, FieldNode):
            args = {a.name.value: value_from_ast_untyped(a.value, variables) for a in sel.arguments or ()}
            out.append((sel.name.value, sel.alias.value if sel.alias else sel.name.value, args))
    return out


def _never_awaitable(_value: Any) -> bool:
    return False  # every resolver is synchronous; skips graphql-core's per-value awaitable checks


def run(schema: GraphQLSchema, doc: DocumentNode, variables: dict | None, operation_name: str | None,
        ctx: RequestContext) -> dict:
    result = execute(schema, doc, context_value=ctx, variable_values=variables, operation_name=operation_name,
                     is_awaitable=_never_awaitable)
    if not isinstance(result, object) or hasattr(result, "__await__"):  # pragma: no cover
        raise RuntimeError("async execution is not supported")
    body: dict[str, Any] = {}
    if result.data is not None or result.errors is None or any(e.path for e in result.errors or ()):
        body["data"] = result.data
    if result.errors:
        body["errors"] = [e.formatted for e in result.errors]
    return body
