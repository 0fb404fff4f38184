"""Reports: the dry-run report (text and HTML) and the send summary, read from the views.

Per batch: the counts, then per item the cells that would change (current -> new), the cells that
would not, and the rows validation refused with their reasons (vw_MON_ValidationErrors). The HTML file
is self-contained (no scripts, no external files), readable on a laptop and printable.
Rows are read page by page, so a large batch does not have to fit in memory.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterator
from typing import IO, Any

from . import values as V
from .db import Database, DbError
from .send import BatchRun, RunResult

PAGE_ITEMS = 200


# ---------------------------------------------------------------------------------------------- reading

def batch_summary(db: Database, batch_id: str | None = None) -> list[dict[str, Any]]:
    if batch_id:
        return db.query("SELECT * FROM dbo.vw_MON_BatchSummary WHERE batch_id = ?", [batch_id])
    return db.query("SELECT * FROM dbo.vw_MON_BatchSummary ORDER BY created_at DESC, batch_id DESC")


def preview_items(db: Database, batch_id: str) -> Iterator[list[dict[str, Any]]]:
    """The preview rows of a batch grouped per queue row (one list per item), in queue order."""
    after = 0
    while True:
        upto = db.scalar(
            "SELECT MAX(t.queue_id) FROM (SELECT DISTINCT p.queue_id FROM dbo.vw_MON_UpdatePreview p "
            "WHERE p.batch_id = ? AND p.queue_id > ? ORDER BY p.queue_id "
            "OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY) t",
            [batch_id, after, PAGE_ITEMS],
        )
        if upto is None:
            return
        rows = db.query(
            "SELECT * FROM dbo.vw_MON_UpdatePreview WHERE batch_id = ? AND queue_id > ? AND queue_id <= ? "
            "ORDER BY queue_id, column_id",
            [batch_id, after, upto],
        )
        item: list[dict[str, Any]] = []
        for r in rows:
            if item and item[0]["queue_id"] != r["queue_id"]:
                yield item
                item = []
            item.append(r)
        if item:
            yield item
        after = upto


def validation_errors(db: Database, batch_id: str) -> list[dict[str, Any]]:
    try:
        return db.query("SELECT * FROM dbo.vw_MON_ValidationErrors WHERE batch_id = ?", [batch_id])
    except DbError:
        return []


def _pick(row: dict[str, Any], *names: str) -> Any:
    for n in names:
        if n in row and row[n] not in (None, ""):
            return row[n]
    return None


def findings_lines(batch_id: str, rows: list[dict[str, Any]], limit: int = 50, indent: str = "  ") -> list[str]:
    """Validation findings as report lines: the totals per rule, the first ``limit`` findings, and how many
    more there are and where to read them (never a silent cut)."""
    refused = [_refusal(r) for r in rows]
    if not refused:
        return []
    totals: dict[tuple[str, str], int] = {}
    for r in refused:
        key = (r["rule"], r["severity"] or "ERROR")
        totals[key] = totals.get(key, 0) + 1
    lines = [f"{indent}findings per rule: " + ", ".join(
        f"{rule} {n} ({sev})" for (rule, sev), n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))]
    lines += [f"{indent}{r['severity'] or 'ERROR'} row {r['row']} {r['item']} {r['column']}: [{r['rule']}] "
              f"{r['message']}" for r in refused[:limit]]
    if len(refused) > limit:
        lines.append(f"{indent}... {len(refused) - limit} more: SELECT * FROM dbo.vw_MON_ValidationErrors "  # noqa: S608 - shown, not run
                     f"WHERE batch_id = '{batch_id}';")
    return lines


def _refusal(row: dict[str, Any]) -> dict[str, str]:
    return {
        "row": str(_pick(row, "update_row_no", "row_no") or ""),
        "item": str(_pick(row, "monday_item_id", "item_name") or ""),
        "name": str(_pick(row, "item_name") or ""),
        "severity": str(_pick(row, "severity", "validation_status") or ""),
        "rule": str(_pick(row, "rule", "rule_code") or ""),
        "column": str(_pick(row, "column", "column_id", "column_name") or ""),
        "message": str(_pick(row, "message", "error_message", "validation_errors") or ""),
    }


class Names:
    """Status/dropdown label texts and user names of a board, to show ``{"index": 3}`` as "In Progress"."""

    def __init__(self, db: Database, board_id: int | None):
        self.labels: dict[str, dict[int, str]] = {}
        self.users: dict[int, str] = {}
        if board_id is None:
            return
        try:
            cols = db.query("SELECT column_id, settings_json FROM dbo.vw_MON_BoardLabels WHERE board_id = ?",
                            [board_id])
            for c in cols:
                self.labels[c["column_id"]] = _labels(c.get("settings_json"))
            self.users = {int(u["user_id"]): str(u["user_name"]) for u in
                          db.query("SELECT user_id, user_name FROM dbo.vw_MON_UserNames")}
        except DbError:
            pass

    def describe(self, column_id: str, value: Any, text: str | None = None) -> str:
        v = V.loads(value) if isinstance(value, str) and value[:1] in ("{", "[", '"') else value
        labels = self.labels.get(column_id) or {}
        if isinstance(v, dict) and text in (None, ""):
            if "index" in v and int(v["index"]) in labels:
                return labels[int(v["index"])]
            if "ids" in v and labels:
                return ", ".join(labels.get(int(i), str(i)) for i in v["ids"])
            if "personsAndTeams" in v and self.users:
                return ", ".join(self.users.get(int(e["id"]), f"{e.get('kind', 'person')} {e['id']}")
                                 for e in v["personsAndTeams"])
        return V.describe(v, text)


def _labels(settings: Any) -> dict[int, str]:
    s = V.loads(settings) if isinstance(settings, str) else settings
    raw = (s or {}).get("labels") if isinstance(s, dict) else None
    out: dict[int, str] = {}
    if isinstance(raw, dict):
        for k, v in raw.items():
            if str(k).lstrip("-").isdigit():
                out[int(k)] = str(v)
    elif isinstance(raw, list):
        for lab in raw:
            if isinstance(lab, dict) and "id" in lab:
                out[int(lab["id"])] = str(lab.get("label", lab.get("name", "")))
    return out


def _cell(r: dict[str, Any], names: Names | None = None) -> dict[str, str]:
    describe = names.describe if names else (lambda _c, v, t=None: V.describe(v, t))
    return {
        "column": str(r.get("column_title") or r.get("column_id")),
        "column_id": str(r.get("column_id")),
        "type": str(r.get("column_type") or ""),
        "current": describe(str(r.get("column_id")), r.get("current_value"), r.get("current_text")),
        "new": describe(str(r.get("column_id")), r.get("new_value")),
        "change": r.get("would_change") == "Y",
    }


def _item_title(rows: list[dict[str, Any]]) -> str:
    r = rows[0]
    item = r.get("monday_item_id")
    name = r.get("item_name")
    op = r.get("update_operation") or ""
    who = f"item {item}" if item else "new item"
    return f"{op} {who}" + (f" {name!r}" if name else "")


# ---------------------------------------------------------------------------------------------- text

def _counts_line(s: dict[str, Any]) -> str:
    return (f"rows staged {s.get('rows_staged', 0)}, valid {s.get('rows_valid', 0)}, warnings "
            f"{s.get('rows_warning', 0)}, refused {s.get('rows_invalid', 0)}, queued {s.get('rows_queued', 0)}; "
            f"sent {s.get('rows_sent', 0)}, skipped {s.get('rows_skipped', 0)}, failed {s.get('rows_failed', 0)}, "
            f"dead {s.get('rows_dead', 0)}, waiting {s.get('rows_ready', 0)}")


def write_text_report(db: Database, result: RunResult, out: IO[str], max_items: int = 50) -> None:
    out.write(f"OPUS Update Boards: {result.outcome}\n")
    for run in result.batches.values():
        summary = (batch_summary(db, run.batch_id) or [{}])[0]
        out.write("\n" + "=" * 78 + "\n")
        out.write(f"batch {run.batch_id}  board {run.board_id} {summary.get('board_name') or ''}  "
                  f"{summary.get('update_operation', '')} {summary.get('target_level', '')}  "
                  f"status {summary.get('batch_status', '')}\n")
        out.write(_counts_line(summary) + "\n")
        if result.dry_run:
            out.write(f"previewed {run.previewed} rows: {run.cells_changed} cells would change, "
                      f"{run.cells_unchanged} already hold the value, {run.cells_conflict} changed by someone "
                      "else since (left alone)\n")
            shown = 0
            names: dict[int, Names] = {}
            for rows in preview_items(db, run.batch_id):
                if shown >= max_items:
                    out.write("... more items: see the HTML report (--html) or dbo.vw_MON_UpdatePreview\n")
                    break
                shown += 1
                out.write(f"\n  {_item_title(rows)}\n")
                board = rows[0].get("board_id")
                if board not in names:
                    names[board] = Names(db, board)
                for c in (_cell(r, names[board]) for r in rows):
                    if c["change"]:
                        out.write(f"    * {c['column']}: {c['current']} -> {c['new']}\n")
                    else:
                        out.write(f"      {c['column']}: {c['current']} (no change)\n")
        else:
            out.write(f"this run: sent {run.sent}, skipped {run.skipped} (already equal), failed {run.failed}, "
                      f"to retry {run.retry}; {run.cells_changed} cells changed\n")
            for f in run.failures[:20]:
                out.write(f"  FAILED queue row {f['queue_id']} item {f['item_id'] or f['item_name']}: "
                          f"[{f['code']}] {f['message']}\n")
            if len(run.failures) > 20:
                out.write(f"  ... {len(run.failures) - 20} more: see dbo.vw_MON_StuckOrFailedRows\n")
            out.writelines(line + "\n" for line in baseline_lines(run))
            for worker, until in run.held_by.items():
                out.write(f"the remaining rows are being sent by sender {worker} (lease until {until} UTC)\n")
        found = validation_errors(db, run.batch_id)
        if found:
            out.write(f"\n  validation findings ({len(found)}; ERROR rows are not sent, WARNING cells as shown):\n")
            out.writelines(line + "\n" for line in findings_lines(run.batch_id, found, max_items, "    "))
    out.write("\n")
    out.write(summary_table(result))


def baseline_lines(run: BatchRun, limit: int = 20) -> list[str]:
    """What the send found against the dry run: cells held back, cells overwritten, rows not previewed."""
    lines = []
    if run.cells_held:
        where = f"SELECT * FROM dbo.vw_MON_HeldBackCells WHERE batch_id = '{run.batch_id}'"  # noqa: S608 - shown, not run
        lines.append(f"HELD BACK {run.cells_held} cells changed on the board since the dry run (not written; "
                     f"{where}): send with --overwrite-changed to write them anyway, or dry-run again to take the board's value as "
                     "the baseline")
        for h in run.held[:limit]:
            lines.append(f"  HELD queue row {h['queue_id']} item {h['item_id'] or h['item_name']} {h['column_id']}: "
                         f"the dry run showed {h['previewed']!r}, the board holds {h['on_board']!r}, the batch "
                         f"would write {h['new']!r}")
        if run.cells_held > limit:
            lines.append(f"  ... {run.cells_held - limit} more: see dbo.vw_MON_HeldBackCells")
    if run.cells_overwritten:
        lines.append(f"{run.cells_overwritten} cells changed on the board since the dry run were overwritten "
                     "(--overwrite-changed)")
    if run.rows_not_previewed:
        lines.append(f"{run.rows_not_previewed} rows were not previewed (no dry run to compare the board with: "
                     "sent as found on the board)")
    return lines


def summary_table(result: RunResult) -> str:
    head = ["batch", "board", "status", "sent", "skipped", "failed", "retry", "preview", "cells"]
    rows = [[r.batch_id, str(r.board_id), r.status_after or ("DRY RUN" if r.dry_run else ""), str(r.sent),
             str(r.skipped), str(r.failed), str(r.retry), str(r.previewed), str(r.cells_changed)]
            for r in result.batches.values()]
    widths = [max(len(h), *(len(x[i]) for x in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(x, widths, strict=True)) for x in rows]
    if not result.dry_run:  # held-back cells and rows not previewed: on a terminal too
        lines += [f"{r.batch_id}: {line}" for r in result.batches.values() for line in baseline_lines(r, limit=0)]
    tail = f"monday calls this run: {result.calls}; daily budget left: {int(result.daily_remaining)} of " \
           f"{result.daily_limit}" + (f" ({result.budget_source})" if result.budget_source else "")
    if result.api_version:
        tail += f"; API-Version {result.api_version}"
    if result.stopped:
        tail += f"\nstopped early: {result.stopped}"
    return "\n".join(lines) + "\n" + tail + "\n"


# ---------------------------------------------------------------------------------------------- HTML

CSS = """
body { font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
     border-bottom: 2px solid #ddd; padding-bottom: .2rem; } h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
.meta { color: #555; font-size: .9rem; }
.banner { padding: .5rem .8rem; border-radius: 4px; background: #e8f1fb; border: 1px solid #9cc3ec; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .3rem 0 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { background: #f4f4f4; }
tr.change td { background: #fff8db; } tr.same td { color: #777; }
.old { color: #a40000; text-decoration: line-through; } .new { color: #0a6b2c; font-weight: 600; }
.arrow { color: #888; padding: 0 .3rem; }
.tag { display: inline-block; border-radius: 3px; padding: 0 .35rem; font-size: .8rem; }
.tag.change { background: #ffe58f; } .tag.same { background: #eee; } .tag.refused { background: #ffccc7; }
tr.refused td { background: #fff1f0; } .tag.warning { background: #fff7e6; }
.counts td { border: none; padding: .1rem .8rem .1rem 0; }
@media print { body { margin: 0; max-width: none; font-size: 10pt; } h2 { page-break-before: auto; }
  tr, h3 { page-break-inside: avoid; } tr.change td, tr.refused td { -webkit-print-color-adjust: exact;
  print-color-adjust: exact; } }
"""


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v))


def write_html_report(db: Database, result: RunResult, out: IO[str]) -> None:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "Dry run — nothing was sent to monday.com" if result.dry_run else f"Send report: {result.outcome}"
    out.write("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
              "<meta name='viewport' content='width=device-width, initial-scale=1'>"
              f"<title>OPUS Update Boards — {_e(mode)}</title><style>{CSS}</style></head><body>\n")
    out.write(f"<h1>OPUS Update Boards</h1><p class='meta'>{_e(mode)} · generated {now}</p>\n")
    if result.dry_run:
        out.write("<p class='banner'>This is a preview. Highlighted cells would change when the batch is "
                  "sent with <code>--execute</code>; grey cells already hold the value.</p>\n")
    for run in result.batches.values():
        _html_batch(db, run, result.dry_run, out)
    out.write(f"<p class='meta'>monday calls this run: {result.calls}; daily budget left: "
              f"{int(result.daily_remaining)} of {result.daily_limit}"
              + (f" ({_e(result.budget_source)})" if result.budget_source else "") + "</p>\n")
    out.write("</body></html>\n")


def _html_batch(db: Database, run: BatchRun, dry_run: bool, out: IO[str]) -> None:
    s = (batch_summary(db, run.batch_id) or [{}])[0]
    out.write(f"<h2>Batch {_e(run.batch_id)}</h2>\n<p class='meta'>board {_e(run.board_id)} "
              f"{_e(s.get('board_name') or '')} · {_e(s.get('update_operation'))} {_e(s.get('target_level'))} · "
              f"status <b>{_e(s.get('batch_status'))}</b></p>\n<table class='counts'><tr>")
    counts = [("staged", s.get("rows_staged")), ("valid", s.get("rows_valid")), ("warnings", s.get("rows_warning")),
              ("refused", s.get("rows_invalid")), ("queued", s.get("rows_queued")), ("sent", s.get("rows_sent")),
              ("skipped", s.get("rows_skipped")), ("failed", s.get("rows_failed"))]
    out.write("".join(f"<td>{_e(k)}: <b>{_e(v or 0)}</b></td>" for k, v in counts))
    out.write("</tr></table>\n")
    if dry_run:
        out.write(f"<p>{run.cells_changed} cells would change · {run.cells_unchanged} already hold the value · "
                  f"{run.cells_conflict} changed by someone else since (left alone)</p>\n")
        names: dict[int, Names] = {}
        for rows in preview_items(db, run.batch_id):
            board = rows[0].get("board_id")
            if board not in names:
                names[board] = Names(db, board)
            out.write(f"<h3>{_e(_item_title(rows))}</h3>\n<table><tr><th>Column</th><th>Now</th><th></th>"
                      "<th>Would be</th><th></th></tr>\n")
            for c in (_cell(r, names[board]) for r in rows):
                cls = "change" if c["change"] else "same"
                tag = "changes" if c["change"] else "no change"
                cur = f"<span class='old'>{_e(c['current'])}</span>" if c["change"] else _e(c["current"])
                new = f"<span class='new'>{_e(c['new'])}</span>" if c["change"] else _e(c["new"])
                out.write(f"<tr class='{cls}'><td>{_e(c['column'])}</td><td>{cur}</td>"
                          f"<td class='arrow'>→</td><td>{new}</td><td><span class='tag {cls}'>{tag}</span></td></tr>\n")
            out.write("</table>\n")
    elif run.cells_held or run.cells_overwritten or run.rows_not_previewed:
        _html_baseline(run, out)
    if not dry_run and run.failures:
        out.write("<h3>Rows monday refused</h3><table><tr><th>Queue row</th><th>Item</th><th>Code</th>"
                  "<th>monday's message</th></tr>\n")
        for f in run.failures:
            out.write(f"<tr class='refused'><td>{_e(f['queue_id'])}</td><td>{_e(f['item_id'] or f['item_name'])}"
                      f"</td><td>{_e(f['code'])}</td><td>{_e(f['message'])}</td></tr>\n")
        out.write("</table>\n")
    refused = [_refusal(r) for r in validation_errors(db, run.batch_id)]
    if refused:
        out.write(f"<h3>Validation findings ({len(refused)})</h3><p class='meta'>Rows with an ERROR are not "
                  "sent; a WARNING leaves the cell out or sends it as shown above.</p><table><tr><th>Row</th>"
                  "<th>Item</th><th>Column</th><th>Severity</th><th>Rule</th><th>Reason</th></tr>\n")
        for r in refused:
            cls = "warning" if r["severity"].upper() == "WARNING" else "refused"
            out.write(f"<tr class='{cls}'><td>{_e(r['row'])}</td><td>{_e(r['item'])} {_e(r['name'])}</td>"
                      f"<td>{_e(r['column'])}</td><td>{_e(r['severity'] or 'ERROR')}</td>"
                      f"<td><span class='tag {cls}'>{_e(r['rule'])}</span></td><td>{_e(r['message'])}</td></tr>\n")
        out.write("</table>\n")


def _html_baseline(run: BatchRun, out: IO[str]) -> None:
    lines = baseline_lines(run, limit=0)
    out.writelines(f"<p class='banner'>{_e(line)}</p>\n" for line in lines)
    if run.held:
        out.write("<h3>Cells held back: changed on the board since the dry run</h3><table><tr><th>Queue row</th>"
                  "<th>Item</th><th>Column</th><th>Dry run showed</th><th>Board holds</th><th>Batch would write</th>"
                  "</tr>\n")
        for h in run.held:
            out.write(f"<tr class='refused'><td>{_e(h['queue_id'])}</td><td>{_e(h['item_id'] or h['item_name'])}</td>"
                      f"<td>{_e(h['column_id'])}</td><td>{_e(h['previewed'])}</td><td>{_e(h['on_board'])}</td>"
                      f"<td>{_e(h['new'])}</td></tr>\n")
        out.write("</table>\n")


# ---------------------------------------------------------------------------------------------- status

def status_text(db: Database, batch_id: str | None = None, limit: int = 50) -> str:
    rows = batch_summary(db, batch_id)[:limit]
    if not rows:
        return "no batches\n" if not batch_id else f"batch {batch_id} not found\n"
    head = ["batch", "board", "op", "target", "status", "queued", "sent", "skipped", "failed", "dead", "waiting",
            "created (UTC)"]
    table = [[str(r.get("batch_id")), str(r.get("board_id")), str(r.get("update_operation")),
              str(r.get("target_level")), str(r.get("batch_status")), str(r.get("rows_queued") or 0),
              str(r.get("rows_sent") or 0), str(r.get("rows_skipped") or 0), str(r.get("rows_failed") or 0),
              str(r.get("rows_dead") or 0), str((r.get("rows_ready") or 0) + (r.get("rows_claimed") or 0)),
              str(r.get("created_at") or "")[:19]] for r in rows]
    widths = [max(len(h), *(len(x[i]) for x in table)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(x, widths, strict=True)) for x in table]
    return "\n".join(lines) + "\n"


def result_json(result: RunResult) -> str:
    return json.dumps({
        "dry_run": result.dry_run, "calls": result.calls, "stopped": result.stopped, "outcome": result.outcome,
        "daily_limit": result.daily_limit, "daily_remaining": int(result.daily_remaining),
        "budget_source": result.budget_source,
        "batches": {k: {"status": b.status_after, "sent": b.sent, "skipped": b.skipped, "failed": b.failed,
                        "retry": b.retry, "previewed": b.previewed, "cells_changed": b.cells_changed,
                        "cells_held": b.cells_held, "cells_overwritten": b.cells_overwritten,
                        "rows_not_previewed": b.rows_not_previewed, "held": b.held}
                    for k, b in result.batches.items()},
    }, indent=2)
