"""In-memory, thread-safe store of boards, groups, columns, users, items and subitems."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from . import values as V
from .errors import CHANGE_VALUES_DOC, MondayError

SUBTASKS_SETTINGS = {"allowMultipleItems": True, "itemTypeName": "column.subtasks.title",
                     "displayType": "BOARD_INLINE"}
GROUP_COLORS = ["#579bfc", "#00c875", "#fdab3d", "#e2445c", "#a25ddc", "#808080"]


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class User:
    id: int
    name: str
    email: str
    kind: str = "person"


@dataclass
class Team:
    id: int
    name: str


@dataclass
class Column:
    id: str
    title: str
    type: str
    settings: dict
    description: str | None = None
    width: int | None = None
    archived: bool = False
    revision: int = 1


@dataclass
class Group:
    id: str
    title: str
    color: str = "#579bfc"
    position: str = "65536"
    archived: bool = False
    deleted: bool = False


@dataclass
class Board:
    id: int
    name: str
    columns: dict[str, Column]
    groups: list[Group]
    board_kind: str = "public"
    type: str = "board"
    state: str = "active"
    item_ids: list[int] = field(default_factory=list)
    subitems_board_id: int | None = None
    parent_board_id: int | None = None
    created_at: str = field(default_factory=_utc_now)
    updated_at: str = field(default_factory=_utc_now)

    def group(self, group_id: str) -> Group | None:
        for g in self.groups:
            if g.id == group_id:
                return g
        return None


@dataclass
class Item:
    id: int
    name: str
    board_id: int
    group_id: str
    state: str = "active"
    values: dict[str, Any] = field(default_factory=dict)
    parent_item_id: int | None = None
    subitem_ids: list[int] = field(default_factory=list)
    created_at: str = field(default_factory=_utc_now)
    updated_at: str = field(default_factory=_utc_now)


class Store:
    """All board state. Every public method takes ``self.lock`` (re-entrant)."""

    def __init__(self, first_item_id: int = 9_100_000_001) -> None:
        self.lock = threading.RLock()
        self._first_item_id = first_item_id
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.boards: dict[int, Board] = {}
            self.items: dict[int, Item] = {}
            self.users: dict[int, User] = {}
            self.teams: dict[int, Team] = {}
            self.tags: dict[int, str] = {}
            self._ids = itertools.count(self._first_item_id)

    # ------------------------------------------------------------------ seeding
    def add_user(self, user_id: int, name: str, email: str) -> User:
        with self.lock:
            u = User(int(user_id), name, email)
            self.users[u.id] = u
            return u

    def add_team(self, team_id: int, name: str) -> Team:
        with self.lock:
            t = Team(int(team_id), name)
            self.teams[t.id] = t
            return t

    def add_tag(self, tag_id: int, name: str) -> None:
        with self.lock:
            self.tags[int(tag_id)] = name

    def add_board(
        self,
        board_id: int,
        name: str,
        columns: list[dict] | None = None,
        groups: list[dict] | None = None,
        subitem_columns: list[dict] | None = None,
        subitems_board_id: int | None = None,
        board_kind: str = "public",
    ) -> Board:
        """Create a board. A ``name`` column is added when missing; ``subitem_columns`` creates the
        subitems board (id ``subitems_board_id`` or ``board_id + 1``) linked from a ``subtasks`` column."""
        with self.lock:
            board_id = int(board_id)
            cols = self._make_columns(columns or [])
            grps = [Group(g["id"], g["title"], g.get("color", GROUP_COLORS[i % len(GROUP_COLORS)]),
                          g.get("position", str(65536 + 32768 * i)))
                    for i, g in enumerate(groups or [{"id": "topics", "title": "Group Title"}])]
            board = Board(board_id, name, cols, grps, board_kind=board_kind)
            self.boards[board_id] = board
            has_subtasks = any(c.type == "subtasks" for c in cols.values())
            if subitem_columns is not None or has_subtasks:
                self._ensure_subitems_board(board, subitem_columns or [], subitems_board_id)
            return board

    def _make_columns(self, columns: list[dict]) -> dict[str, Column]:
        cols: dict[str, Column] = {}
        if not any(c["id"] == "name" for c in columns):
            cols["name"] = Column("name", "Name", "name", {})
        for c in columns:
            settings = V.normalize_settings(c["type"], c.get("settings"))
            cols[c["id"]] = Column(c["id"], c.get("title", c["id"]), c["type"], settings,
                                   description=c.get("description"), width=c.get("width"))
        return cols

    def _ensure_subitems_board(self, board: Board, subitem_columns: list[dict],
                               subitems_board_id: int | None = None) -> Board:
        if board.subitems_board_id is not None:
            return self.boards[board.subitems_board_id]
        sub_id = int(subitems_board_id or board.id + 1)
        if sub_id in self.boards:
            raise ValueError(f"board id {sub_id} already used; pass subitems_board_id")
        sub = Board(sub_id, f"Subitems of {board.name}", self._make_columns(subitem_columns),
                    [Group("topics", "Subitems")], board_kind=board.board_kind, type="sub_items_board",
                    parent_board_id=board.id)
        self.boards[sub_id] = sub
        board.subitems_board_id = sub_id
        sub_col = next((c for c in board.columns.values() if c.type == "subtasks"), None)
        if sub_col is None:
            sub_col = Column("subitems", "Subitems", "subtasks", {})
            board.columns["subitems"] = sub_col
        sub_col.settings = {**SUBTASKS_SETTINGS, **sub_col.settings, "boardIds": [sub_id]}
        return sub

    def add_item(self, board_id: int, name: str, group_id: str | None = None,
                 column_values: dict | None = None, parent_item_id: int | None = None,
                 create_labels_if_missing: bool = False) -> int:
        """Seed an item (or a subitem with ``parent_item_id``); values use the write format."""
        with self.lock:
            if parent_item_id is not None:
                return self.create_subitem(parent_item_id, name, column_values, create_labels_if_missing).id
            return self.create_item(board_id, name, group_id, column_values, create_labels_if_missing).id

    # ------------------------------------------------------------------ inspection
    def board(self, board_id: int) -> Board:
        with self.lock:
            return self.boards[int(board_id)]

    def item(self, item_id: int) -> dict:
        """Snapshot of one item: name, board, group, state, raw JSON ``value`` and ``text`` per column."""
        with self.lock:
            it = self.items[int(item_id)]
            board = self.boards[it.board_id]
            vals, texts = {}, {}
            for col in board.columns.values():
                if col.type in V.HIDDEN_TYPES or col.type == "name":
                    continue
                vals[col.id], texts[col.id] = self.render_cell(col, it)
            return {
                "id": it.id, "name": it.name, "board_id": it.board_id, "group_id": it.group_id,
                "state": it.state, "parent_item_id": it.parent_item_id, "subitem_ids": list(it.subitem_ids),
                "column_values": vals, "texts": texts, "raw": copy.deepcopy(it.values),
                "created_at": it.created_at, "updated_at": it.updated_at,
            }

    def board_items(self, board_id: int, include_inactive: bool = False) -> list[dict]:
        with self.lock:
            b = self.boards[int(board_id)]
            return [self.item(i) for i in b.item_ids
                    if include_inactive or self.items[i].state == "active"]

    def board_state(self, board_id: int) -> dict:
        with self.lock:
            b = self.boards[int(board_id)]
            return {
                "id": b.id, "name": b.name, "type": b.type, "state": b.state,
                "subitems_board_id": b.subitems_board_id, "parent_board_id": b.parent_board_id,
                "groups": [{"id": g.id, "title": g.title} for g in b.groups],
                "columns": [{"id": c.id, "title": c.title, "type": c.type,
                             "settings": V.typed_settings(c.type, c.settings)} for c in b.columns.values()],
                "items": self.board_items(b.id, include_inactive=True),
            }

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "boards": [self.board_state(b) for b in self.boards],
                "users": [{"id": u.id, "name": u.name, "email": u.email} for u in self.users.values()],
            }

    def render_cell(self, col: Column, it: Item) -> tuple[str | None, str | None]:
        return V.render(col, it.values.get(col.id), it, self.users, self.teams, self.tags)

    # ------------------------------------------------------------------ lookups raising monday errors
    def get_board(self, board_id: Any) -> Board:
        try:
            b = self.boards.get(int(board_id))
        except (TypeError, ValueError):
            b = None
        if b is None or b.state == "deleted":
            raise MondayError("InvalidBoardIdException",
                              "The board does not exist. Please check your board ID and try again",
                              error_data={"board_id": _int_or_none(board_id)})
        return b

    def get_item(self, item_id: Any, board: Board | None = None) -> Item:
        try:
            it = self.items.get(int(item_id))
        except (TypeError, ValueError):
            it = None
        if it is None or it.state == "deleted" or (board is not None and it.board_id != board.id):
            raise MondayError("InvalidItemIdException", "Item not found",
                              error_data={"item_id": _int_or_none(item_id)})
        return it

    # ------------------------------------------------------------------ writes
    def _ctx(self, create_labels: bool) -> V.WriteContext:
        return V.WriteContext(users=self.users, teams=self.teams, tags=self.tags,
                              item_exists=lambda i: i in self.items and self.items[i].state != "deleted",
                              create_labels=bool(create_labels))

    def _normalize_all(self, board: Board, column_values: Any, ctx: V.WriteContext,
                       simple: bool) -> dict[str, Any]:
        if not isinstance(column_values, dict):
            raise MondayError("ColumnValueException", V_INVALID_ROOT,
                              error_data={"column_values": repr(column_values)[:200]})
        out: dict[str, Any] = {}
        for col_id, raw in column_values.items():
            col = board.columns.get(col_id)
            if col is None or col.archived:
                raise MondayError(
                    "InvalidColumnIdException", "This column ID doesn't exist for the board",
                    error_data={"column_id": col_id, "board_id": board.id,
                                "error_reason": "store.monday.automation.error.missing_column"})
            out[col_id] = V.normalize(col, raw, ctx, simple=simple)
        return out

    def _apply(self, it: Item, normalized: dict[str, Any], ctx: V.WriteContext) -> None:
        V.commit_labels(ctx)
        for col_id, stored in normalized.items():
            if col_id == "name":
                it.name = stored
            elif stored is None:
                it.values.pop(col_id, None)
            else:
                it.values[col_id] = stored
        it.updated_at = _utc_now()

    def change_column_values(self, board_id: Any, item_id: Any, column_values: Any, *,
                             simple: bool = False, create_labels: bool = False) -> Item:
        with self.lock:
            board = self.get_board(board_id)
            if item_id is None:
                raise MondayError("InvalidItemIdException", "Item not found", error_data={"item_id": None})
            it = self.get_item(item_id, board)
            ctx = self._ctx(create_labels)
            normalized = self._normalize_all(board, column_values, ctx, simple)
            self._apply(it, normalized, ctx)
            return it

    def create_item(self, board_id: Any, item_name: str, group_id: str | None = None,
                    column_values: Any = None, create_labels: bool = False,
                    _board: Board | None = None, _parent: Item | None = None) -> Item:
        with self.lock:
            board = _board or self.get_board(board_id)
            if board.type == "sub_items_board" and _parent is None:
                raise MondayError("InvalidBoardIdException",
                                  "Items cannot be created directly on a subitems board; use create_subitem",
                                  error_data={"board_id": board.id})
            name_col = board.columns["name"]
            ctx = self._ctx(create_labels)
            name = V.normalize(name_col, item_name, ctx)
            if group_id is not None:
                group = board.group(group_id)
                if group is None or group.deleted:
                    raise MondayError(
                        "ResourceNotFoundException", "Group not found", status_code=404,
                        error_data={"resource_type": "group", "group_id": group_id, "board_id": board.id,
                                    "error_reason": "store.monday.automation.error.missing_group"})
            else:
                group = next((g for g in board.groups if not g.archived and not g.deleted), None)
                if group is None:
                    raise MondayError("ResourceNotFoundException", "Group not found", status_code=404,
                                      error_data={"resource_type": "group", "board_id": board.id})
            cv = column_values if column_values is not None else {}
            normalized = self._normalize_all(board, cv, ctx, simple=False)
            it = Item(next(self._ids), name, board.id, group.id)
            it.parent_item_id = _parent.id if _parent is not None else None
            self._apply(it, normalized, ctx)
            self.items[it.id] = it
            board.item_ids.append(it.id)
            if _parent is not None:
                _parent.subitem_ids.append(it.id)
            return it

    def create_subitem(self, parent_item_id: Any, item_name: str, column_values: Any = None,
                       create_labels: bool = False) -> Item:
        with self.lock:
            parent = self.get_item(parent_item_id)
            board = self.boards[parent.board_id]
            if board.type == "sub_items_board":
                raise MondayError("InvalidArgumentException", "Subitems cannot have subitems",
                                  error_data={"parent_item_id": parent.id})
            sub_board = self._ensure_subitems_board(board, [])
            return self.create_item(sub_board.id, item_name, None, column_values, create_labels,
                                    _board=sub_board, _parent=parent)

    def archive_item(self, item_id: Any) -> Item:
        with self.lock:
            it = self.get_item(item_id)
            it.state = "archived"
            it.updated_at = _utc_now()
            return it

    def delete_item(self, item_id: Any) -> Item:
        with self.lock:
            it = self.get_item(item_id)
            it.state = "deleted"
            it.updated_at = _utc_now()
            for sid in it.subitem_ids:
                self.items[sid].state = "deleted"
            return it


V_INVALID_ROOT = "column_values must be a JSON object keyed by column id. " + CHANGE_VALUES_DOC


def _int_or_none(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def parse_json_arg(value: Any, arg_name: str, *, strict_strings: bool = True) -> Any:
    """``JSON`` arguments arrive as a JSON string (monday's documented form)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise MondayError("JsonParseException", "Syntax error in JSON input", status_code=400,
                              error_data={"json": value[:200], "argument": arg_name}) from None
    if strict_strings:
        raise MondayError("JsonParseException",
                          f"Argument '{arg_name}' must be a JSON-encoded string", status_code=400,
                          error_data={"json": repr(value)[:200], "argument": arg_name})
    return value
