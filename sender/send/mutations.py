"""The GraphQL mutations: column values (aliased in groups), archive, create (and finding an item an
earlier attempt created)."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from .. import graphql_ops as ops
from .. import values as V
from ..config import Config
from ..monday import GraphQLResult, MondayClient, RetryableError, error_message
from .plan import Plan
from .results import BatchRun

log = logging.getLogger("opus.send")


def _group_key(keys: list[str]) -> str:
    return "grp-" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:40]



class Mutations:
    config: Config
    client: MondayClient
    group_size: int
    cost_per_update: float | None

    def _send_updates(self, run: BatchRun, group: list[Plan]) -> None:
        updates = [{"board_id": p.board_id or p.row["board_id"], "item_id": p.row["monday_item_id"],
                    "column_values": json.dumps(p.to_send, ensure_ascii=False),
                    "create_labels_if_missing": p.row.get("create_labels_if_missing") == "Y"} for p in group]
        if len(group) == 1:
            doc = ops.CHANGE_MULTIPLE_COLUMN_VALUES
            u = updates[0]
            variables = {"board_id": str(u["board_id"]), "item_id": str(u["item_id"]),
                         "column_values": u["column_values"],
                         "create_labels_if_missing": u["create_labels_if_missing"]}
            key = group[0].row["idempotency_key"]
            aliases = ["change_multiple_column_values"]
        else:
            doc = ops.change_multiple_document(len(group))
            variables = ops.change_multiple_variables(updates)
            key = _group_key([p.row["idempotency_key"] for p in group])
            aliases = [ops.alias_name(n) for n in range(len(group))]
        try:
            res = self.client.mutate(doc, variables, key)
        except RetryableError as exc:
            for p in group:
                self._retry(run, p.row, exc)
            return
        if res.request_errors() and len(group) > 1:
            log.info("aliased request refused (%s); sending these %d rows one by one",
                     error_message(res.request_errors()[0]), len(group))
            self.group_size = 1
            for p in group:
                self._send_updates(run, [p])
            return
        self._measure(res, len(group))
        for alias, p in zip(aliases, group, strict=True):
            data = (res.data or {}).get(alias)
            errs = res.errors_for(alias) or res.request_errors()
            if data is not None and not errs:
                self._record(run, p.row, "SENT", cells=p.audit_cells(), plan=p,
                             detail=self._detail(p, res))
            elif errs:
                self._fail(run, p.row, errs, res)
            else:
                self._retry(run, p.row, RetryableError("monday returned no result for this item", code="NO_RESULT"))

    def _measure(self, res: GraphQLResult, n: int) -> None:
        cost = (res.complexity or {}).get("query")
        if not cost:
            return
        per = float(cost) / max(1, n)
        self.cost_per_update = per if self.cost_per_update is None else 0.7 * self.cost_per_update + 0.3 * per
        # one request may use at most a twentieth of the minute's complexity budget
        allowed = int((self.config.complexity_per_minute / 20) // max(1.0, self.cost_per_update))
        self.group_size = max(1, min(self.config.max_aliases, allowed))

    def _send_archive(self, run: BatchRun, plan: Plan) -> None:
        row = plan.row
        if plan.item_state in ("archived", "deleted"):
            self._record(run, row, "SKIPPED", detail={"item_state": plan.item_state}, plan=plan)
            return
        if not self._write_pre_images(run, [plan]):
            return  # the lease was lost: the row's new owner reads the board again
        try:
            res = self.client.mutate(ops.ARCHIVE_ITEM, {"item_id": str(row["monday_item_id"])},
                                     row["idempotency_key"])
        except RetryableError as exc:
            self._retry(run, row, exc)
            return
        if res.errors or not (res.data or {}).get("archive_item"):
            self._fail(run, row, res.errors or [{"message": "monday returned no item"}], res)
        else:
            self._record(run, row, "SENT", cells=None, plan=plan, detail=self._detail(None, res))

    def _send_create(self, run: BatchRun, row: dict[str, Any]) -> None:
        wanted = V.loads(row["column_values"]) or {}
        cells = [{"column_id": k, "old_value": None, "new_value": V.carried(v)} for k, v in wanted.items()]
        if row.get("created_item_id"):
            # created before a crash, its id recorded: only the result is missing
            self._record(run, row, "SENT", cells=cells, created_item_id=row["created_item_id"],
                         detail={"note": "item created by an earlier attempt"})
            return
        if row.get("was_expired") == "Y" or int(row.get("attempt_count") or 1) > 1:
            found = self._find_created(row, wanted)
            if found:
                log.info("queue row %s: item %s found on the board (created by an earlier attempt)",
                         row["queue_id"], found)
                if self._record_created(run, row, found):
                    self._record(run, row, "SENT", cells=cells, created_item_id=found,
                                 detail={"note": "found on the board: created by an earlier attempt"})
                return
        subitem = row.get("target_level") == "SUBITEMS"
        variables: dict[str, Any] = {
            "item_name": row["item_name"],
            "column_values": json.dumps(wanted, ensure_ascii=False) if wanted else None,
            "create_labels_if_missing": row.get("create_labels_if_missing") == "Y",
        }
        if subitem:
            doc, field_name = ops.CREATE_SUBITEM, "create_subitem"
            variables["parent_item_id"] = str(row["parent_item_id"])
        else:
            doc, field_name = ops.CREATE_ITEM, "create_item"
            variables["board_id"] = str(row["board_id"])
            variables["group_id"] = row.get("group_id") or None
        try:
            res = self.client.mutate(doc, variables, row["idempotency_key"])
        except RetryableError as exc:
            self._retry(run, row, exc)
            return
        created = (res.data or {}).get(field_name)
        if res.errors or not created:
            self._fail(run, row, res.errors or [{"message": "monday returned no item"}], res)
            return
        item_id = int(created["id"])
        if self._record_created(run, row, item_id):
            self._record(run, row, "SENT", cells=cells, created_item_id=item_id, detail=self._detail(None, res))

    def _find_created(self, row: dict[str, Any], wanted: dict[str, Any]) -> int | None:
        """An item this row created in an attempt whose response was lost: same name, same values."""
        col_ids = sorted(set(wanted) - {"name"}) or ["name"]
        if row.get("target_level") == "SUBITEMS":
            res = self.client.query(ops.FIND_SUBITEMS, {"item_ids": [str(row["parent_item_id"])],
                                                        "column_ids": col_ids})
            items = [s for it in (res.data or {}).get("items") or [] if it for s in it.get("subitems") or []]
        else:
            res = self.client.query(ops.FIND_ITEMS_BY_NAME, {
                "board_ids": [str(row["board_id"])], "query_params": ops.find_by_name_params(row["item_name"]),
                "limit": 100, "column_ids": col_ids})
            items = [it for b in (res.data or {}).get("boards") or [] if b
                     for it in (b.get("items_page") or {}).get("items") or []]
        matches = []
        for it in items:
            if not it or it.get("name") != row["item_name"]:
                continue
            now = {c["id"]: c for c in it.get("column_values") or []}
            if all(k in now and V.same(now[k].get("type"), V.from_read(now[k].get("type"), now[k].get("value"),
                                                                      now[k].get("text")),
                                       now[k].get("text"), v)
                   for k, v in wanted.items() if k != "name"):
                matches.append(int(it["id"]))
        return max(matches) if matches else None

