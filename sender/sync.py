"""sync-board: board metadata from monday into the metadata tables, through usp_UpsertBoardMetadata.

Reads the board's columns (with their typed settings), groups, the account's users and, optionally,
the item ids and names; then the subitems board (found from the ``subtasks`` column's
``settings.boardIds``) the same way. All business rules (what is writable, normalised titles, ...)
live in the procedure: this module only fetches and passes the JSON.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from . import graphql_ops as ops
from .db import Database
from .monday import MondayApiError, MondayClient

log = logging.getLogger("opus.sync")

ITEMS_PAGE_LIMIT = 500  # monday's items_page maximum
USERS_PAGE_LIMIT = 500


@dataclass
class SyncResult:
    board_id: int
    board_name: str
    columns: int
    groups: int
    items: int | None
    users: int
    subitems_board: SyncResult | None = None
    outputs: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        items = "not synced" if self.items is None else str(self.items)
        out = [f"board {self.board_id} {self.board_name!r}: {self.columns} columns, {self.groups} groups, "
               f"items {items}, {self.users} users"]
        if self.subitems_board:
            out += ["  subitems " + line for line in self.subitems_board.lines()]
        return out


class BoardNotFound(MondayApiError):
    pass


def _settings(col: dict[str, Any]) -> Any:
    s = col.get("settings")
    if isinstance(s, str):
        try:
            return json.loads(s)
        except ValueError:
            return s
    return s if s is not None else {}


def fetch_board(client: MondayClient, board_id: int) -> dict[str, Any]:
    res = client.query(ops.BOARD_METADATA, {"board_ids": [str(board_id)]})
    if res.errors and not (res.data or {}).get("boards"):
        msg = "; ".join(str(e.get("message")) for e in res.errors)
        raise MondayApiError(f"board {board_id}: {msg}", code=(res.errors[0].get("extensions") or {}).get("code"))
    boards = [b for b in (res.data or {}).get("boards") or [] if b]
    if not boards:
        raise BoardNotFound(f"board {board_id} was not found on monday (or the token cannot see it)",
                            code="BOARD_NOT_FOUND")
    b = boards[0]
    return {
        "id": str(b["id"]),
        "name": b.get("name"),
        "board_kind": b.get("board_kind"),
        "type": b.get("type"),
        "columns": [{"id": c["id"], "title": c.get("title"), "type": c.get("type"), "settings": _settings(c)}
                    for c in b.get("columns") or []],
        "groups": [{"id": g["id"], "title": g.get("title")} for g in b.get("groups") or []],
    }


def _raise_errors(res: Any, what: str) -> None:
    if res.errors:
        msg = "; ".join(str(e.get("message")) for e in res.errors)
        raise MondayApiError(f"{what}: {msg}", code=(res.errors[0].get("extensions") or {}).get("code"))


def fetch_items(client: MondayClient, board_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []

    def take(page: dict[str, Any]) -> str | None:
        for it in page.get("items") or []:
            items.append({"id": str(it["id"]), "name": it.get("name"),
                          "group": {"id": (it.get("group") or {}).get("id")},
                          "parent_item": {"id": (it.get("parent_item") or {}).get("id")}
                          if it.get("parent_item") else None})
        return page.get("cursor")

    res = client.query(ops.BOARD_ITEMS_FIRST_PAGE, {"board_ids": [str(board_id)], "limit": ITEMS_PAGE_LIMIT})
    _raise_errors(res, f"items of board {board_id}")
    boards = (res.data or {}).get("boards") or []
    cursor = take((boards[0] or {}).get("items_page") or {}) if boards else None
    while cursor:
        res = client.query(ops.BOARD_ITEMS_NEXT_PAGE, {"cursor": cursor, "limit": ITEMS_PAGE_LIMIT})
        _raise_errors(res, f"items of board {board_id}")
        cursor = take((res.data or {}).get("next_items_page") or {})
    return items


def fetch_users(client: MondayClient) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    page = 1
    while True:
        res = client.query(ops.USERS_PAGE, {"limit": USERS_PAGE_LIMIT, "page": page})
        _raise_errors(res, "users")
        batch = (res.data or {}).get("users") or []
        users += [{"id": str(u["id"]), "name": u.get("name"), "email": u.get("email")} for u in batch if u]
        if len(batch) < USERS_PAGE_LIMIT:
            return users
        page += 1


def subitems_board_id(board: dict[str, Any]) -> int | None:
    for c in board["columns"]:
        if c.get("type") == "subtasks":
            ids = (c.get("settings") or {}).get("boardIds") if isinstance(c.get("settings"), dict) else None
            if ids:
                return int(ids[0])
    return None


def upsert(db: Database, board_json: dict[str, Any]) -> dict[str, Any]:
    res = db.call("usp_UpsertBoardMetadata", board_json=json.dumps(board_json, ensure_ascii=False))
    return res.rows[0] if res.rows else {}


def sync_board(db: Database, client: MondayClient, board_id: int, *, with_items: bool = False,
               with_users: bool = True, with_subitems: bool = True,
               _users: list[dict[str, Any]] | None = None) -> SyncResult:
    """Fetch one board (and its subitems board) from monday and upsert its metadata."""
    board = fetch_board(client, board_id)
    users = _users if _users is not None else (fetch_users(client) if with_users else [])
    if users:
        board["users"] = users
    if with_items:
        try:
            board["items"] = fetch_items(client, board_id)
        except MondayApiError as exc:
            if board.get("type") != "sub_items_board":
                raise
            log.warning("items of subitems board %s not synced: %s", board_id, exc)
            with_items = False
    summary = upsert(db, board)
    log.info("synced board %s %r: %d columns, %d groups%s", board_id, board["name"], len(board["columns"]),
             len(board["groups"]), f", {len(board['items'])} items" if with_items else "")
    result = SyncResult(int(board["id"]), board["name"] or "", len(board["columns"]), len(board["groups"]),
                        len(board["items"]) if with_items else None, len(users), outputs=summary)
    sub_id = subitems_board_id(board) if with_subitems else None
    if sub_id:
        result.subitems_board = sync_board(db, client, sub_id, with_items=with_items, with_users=False,
                                           with_subitems=False, _users=users)
    return result
