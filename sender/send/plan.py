"""Planning against the live board: read the touched cells in bulk, and decide per cell what to send
(change), what already holds the wanted value (same) and what someone else changed since the batch wrote it
(conflict, rollback rows with ``expected_values``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import graphql_ops as ops
from .. import values as V
from ..config import Config
from ..monday import MondayClient


@dataclass
class Cell:
    column_id: str
    new: Any  # write-shape value (python)
    column_type: str | None = None
    current: Any = None  # write-shape value now on the board
    current_text: str | None = None
    state: str = "change"  # change | same | conflict | applied | held (changed on the board since the dry run)
    note: str | None = None
    preview: Any = None  # the value the dry run showed (write shape), when the row was previewed
    preview_text: str | None = None
    overwritten: bool = False  # changed since the dry run, written anyway (--overwrite-changed)


@dataclass
class Plan:
    row: dict[str, Any]
    cells: list[Cell]
    item_state: str | None = None
    item_found: bool = True
    board_id: int | None = None  # the item's board as monday reports it (a subitem lives on the subitems board)
    previewed: bool = False  # a dry run recorded what the board held for this row (the baseline)

    @property
    def to_send(self) -> dict[str, Any]:
        return {c.column_id: c.new for c in self.cells if c.state == "change"}

    def audit_cells(self) -> list[dict[str, Any]]:
        """Cells to audit: sent now, or applied by an earlier attempt whose result was lost."""
        return [{"column_id": c.column_id, "old_value": V.carried(c.current), "new_value": V.carried(c.new)}
                for c in self.cells if c.state in ("change", "applied")]

    def preview_cells(self) -> list[dict[str, Any]]:
        return [{"column_id": c.column_id, "current_value": V.carried(c.current), "current_text": c.current_text,
                 "new_value": V.carried(c.new), "would_change": "Y" if c.state in ("change", "applied") else "N"}
                for c in self.cells]

    def pre_image_cells(self) -> list[dict[str, Any]]:
        """The pre-image written just before the mutation (usp_RecordPreImage), with the cells held back."""
        out = []
        for c in self.cells:
            cell = {"column_id": c.column_id, "current_value": V.carried(c.current), "current_text": c.current_text,
                    "new_value": V.carried(c.new), "would_change": "Y" if c.state in ("change", "applied") else "N",
                    "held": "Y" if c.state == "held" else "N"}
            if c.state == "held":
                cell["preview_value"], cell["preview_text"] = V.carried(c.preview), c.preview_text
            out.append(cell)
        return out

    @property
    def held(self) -> list[Cell]:
        return [c for c in self.cells if c.state == "held"]

    def detail(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        held = [{"column_id": c.column_id, "previewed": V.describe(c.preview, c.preview_text),
                 "on_board": V.describe(c.current, c.current_text)} for c in self.cells if c.state == "held"]
        if held:
            d["held_back_changed_since_preview"] = held
        overwritten = [c.column_id for c in self.cells if c.overwritten]
        if overwritten:
            d["overwritten_changed_since_preview"] = overwritten
        same = [c.column_id for c in self.cells if c.state == "same"]
        applied = [c.column_id for c in self.cells if c.state == "applied"]
        if applied:
            d["applied_by_earlier_attempt"] = applied
        conflicts = [{"column_id": c.column_id, "note": c.note} for c in self.cells if c.state == "conflict"]
        if same:
            d["already_equal"] = same
        if conflicts:
            d["changed_by_someone_else"] = conflicts
        return d



class Planner:
    """Plans of queue rows, read from the board in bulk (``read_chunk`` items per read)."""

    config: Config
    client: MondayClient

    def _plans(self, rows: list[dict[str, Any]]) -> Iterator[Plan]:
        """Plans of the rows (cells to send, already equal, changed by someone else), in bulk reads."""
        creates = [r for r in rows if r["update_operation"] == "CREATE"]
        for r in creates:  # a preview of a create: every cell is new
            cells = [Cell(k, v) for k, v in (V.loads(r["column_values"]) or {}).items()]
            if not any(c.column_id == "name" for c in cells):
                cells.append(Cell("name", r["item_name"], "name"))
            yield Plan(r, cells)
        rest = [r for r in rows if r["update_operation"] != "CREATE"]
        chunk = self.config.read_chunk
        for i in range(0, len(rest), chunk):
            part = rest[i: i + chunk]
            items = self._read_items(part)
            for r in part:
                yield self._plan(r, items.get(int(r["monday_item_id"] or 0)))

    def _read_items(self, rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        ids = sorted({int(r["monday_item_id"]) for r in rows if r["monday_item_id"]})
        if not ids:
            return {}
        col_ids = sorted({c for r in rows for c in (V.loads(r["column_values"]) or {})} - {"name"})
        res = self.client.query(ops.READ_ITEMS, {"item_ids": [str(i) for i in ids], "column_ids": col_ids or ["name"],
                                                 "limit": len(ids)})
        out: dict[int, dict[str, Any]] = {}
        for it in (res.data or {}).get("items") or []:
            if it:
                out[int(it["id"])] = it
        return out

    def _plan(self, row: dict[str, Any], item: dict[str, Any] | None) -> Plan:
        wanted = V.loads(row["column_values"]) or {}
        expected = V.loads(row.get("expected_values")) or {}
        if row["update_operation"] == "ARCHIVE":
            plan = Plan(row, [Cell("item_state", "archived", current=(item or {}).get("state"),
                                   current_text=(item or {}).get("state"))])
            plan.item_state = (item or {}).get("state")
            plan.item_found = item is not None
            if plan.item_state in ("archived", "deleted"):
                plan.cells[0].state = "same"
            return plan
        cells_now = {c["id"]: c for c in (item or {}).get("column_values") or []}
        cells: list[Cell] = []
        for col_id, new in wanted.items():
            cell = Cell(col_id, new)
            if col_id == "name" and item is not None:
                cell.column_type, cell.current, cell.current_text = "name", item.get("name"), item.get("name")
            elif col_id in cells_now:
                now = cells_now[col_id]
                cell.column_type = now.get("type")
                cell.current = V.from_read(cell.column_type, now.get("value"), now.get("text"))
                cell.current_text = now.get("text")
            if item is not None and cell.column_type is not None:
                if col_id in expected and not V.same(cell.column_type, cell.current, cell.current_text,
                                                     expected[col_id]):
                    cell.state = "conflict"
                    cell.note = (f"the board holds {V.describe(cell.current, cell.current_text)!r}, not the "
                                 f"{V.describe(expected[col_id])!r} the batch wrote: changed by someone else since")
                elif V.same(cell.column_type, cell.current, cell.current_text, new):
                    cell.state = "same"
            cells.append(cell)
        board = ((item or {}).get("board") or {}).get("id")
        return Plan(row, cells, item_state=(item or {}).get("state"), item_found=item is not None,
                    board_id=int(board) if board else None)

