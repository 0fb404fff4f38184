"""Cell values: monday's read shape (``value`` JSON + ``text``) to the write shape, and comparisons.

monday returns a cell as ``value`` (a JSON string of the stored raw value, with extra keys such as
``changed_at``) and ``text`` (what a person sees). The queue and the audit hold the *write* shape
(monday's API documentation: ``{"index": 3}`` for a status, ``{"date": "2026-06-15"}`` for a date, ...),
so that an audited old value can be written back as it is by a rollback.

- :func:`from_read` turns a read cell into the write shape (``None`` for an empty cell).
- :func:`same` tells whether a cell already holds a value ("already equal": nothing to send; rollback:
  "changed by someone else since" when the board no longer holds the value the batch wrote).

Comparisons are semantic, per column type: a status written as ``{"label": "Done"}`` equals a cell
whose text is ``Done``; ``"3.50"`` equals ``"3.5"`` in a numbers column; clearing equals an empty cell.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

# keys monday adds to stored values that are not part of what was written
_VOLATILE = {"changed_at", "post_id", "icon", "updated_at"}


def dumps(v: Any) -> str | None:
    """Compact JSON text of a write value (``None`` stays ``None``: an empty cell)."""
    if v is None:
        return None
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def carried(v: Any) -> list[Any]:
    """A value as the record procedures take it (usp_RecordPreview, usp_RecordPreImage, usp_RecordSendResult):
    inside a one-element array, ``[{"index":3}]`` (``[None]`` for an empty cell), so that it travels as JSON
    and not as JSON text escaped inside a JSON string (fn_MON_Private_CellValueText reads it back)."""
    return [v]


def loads(s: str | None) -> Any:
    if s is None:
        return None
    if isinstance(s, (dict, list, int, float)):
        return s
    try:
        return json.loads(s)
    except (TypeError, ValueError):
        return s


def _is_empty(v: Any) -> bool:
    if v is None or v == "" or v == {} or v == []:
        return True
    if isinstance(v, dict) and len(v) == 1:
        inner = next(iter(v.values()))
        key = next(iter(v))
        if key in ("labels", "ids", "personsAndTeams", "tag_ids", "item_ids") and not inner:
            return True
    return False


# ------------------------------------------------------------------------------------ read -> write

def from_read(column_type: str, value: str | None, text: str | None = None) -> Any:
    """The write-shape value of a cell read from monday, ``None`` when the cell is empty."""
    raw = loads(value) if isinstance(value, str) else value
    t = (column_type or "").lower()
    if raw is None or _is_empty(raw):
        return None
    if t in ("text", "numbers"):
        return raw if isinstance(raw, str) else str(raw)
    if not isinstance(raw, dict):
        return raw
    if t == "status":
        idx = raw.get("index")
        return {"index": int(idx)} if idx is not None else None
    if t == "long_text":
        return {"text": raw.get("text", "")} if raw.get("text") not in (None, "") else None
    if t == "date":
        if not raw.get("date"):
            return None
        out = {"date": raw["date"]}
        if raw.get("time"):
            out["time"] = raw["time"]
        return out
    if t == "timeline":
        return {"from": raw.get("from"), "to": raw.get("to")}
    if t == "people":
        pts = [{"id": int(e["id"]), "kind": e.get("kind", "person")} for e in raw.get("personsAndTeams") or []]
        return {"personsAndTeams": pts} if pts else None
    if t == "dropdown":
        ids = [int(i) for i in raw.get("ids") or []]
        return {"ids": ids} if ids else None
    if t == "email":
        return {"email": raw.get("email"), "text": raw.get("text") or raw.get("email")}
    if t == "phone":
        return {"phone": raw.get("phone"), "countryShortName": raw.get("countryShortName")}
    if t == "link":
        return {"url": raw.get("url"), "text": raw.get("text") or raw.get("url")}
    if t == "checkbox":
        return {"checked": "true"} if raw.get("checked") in (True, "true") else None
    if t == "hour":
        return {"hour": int(raw.get("hour", 0)), "minute": int(raw.get("minute", 0))}
    if t == "rating":
        return {"rating": int(raw["rating"])} if raw.get("rating") is not None else None
    if t == "country":
        return {"countryCode": raw.get("countryCode"), "countryName": raw.get("countryName")}
    return {k: v for k, v in raw.items() if k not in _VOLATILE}


# ------------------------------------------------------------------------------------ comparison

def _time(s: Any) -> str | None:
    if not s:
        return None
    parts = str(s).split(":")
    parts = [int(p) for p in parts] + [0] * (3 - len(parts))
    return "{:02d}:{:02d}:{:02d}".format(*parts[:3])


def _number(v: Any) -> Any:
    try:
        return Decimal(str(v).strip()).normalize()
    except (InvalidOperation, ValueError):
        return str(v).strip()


def _labels_of_text(text: str | None) -> list[str]:
    return sorted(p.strip() for p in (text or "").split(",") if p.strip())


def canonical(column_type: str, v: Any) -> Any:
    """A comparable form of a write-shape value (``None`` for empty); never raises."""
    try:
        return _canonical(column_type, v)
    except (TypeError, ValueError, AttributeError, KeyError):
        return ("raw", json.dumps(v, sort_keys=True, default=str))


def _canonical(column_type: str, v: Any) -> Any:
    v = loads(v) if isinstance(v, str) and v[:1] in ("{", "[") else v
    if _is_empty(v):
        return None
    t = (column_type or "").lower()
    if t in ("text", "name"):
        return str(v)
    if t == "numbers":
        return ("n", _number(v))
    if t == "long_text":
        s = v.get("text") if isinstance(v, dict) else v
        return ("lt", s) if s not in (None, "") else None
    if t == "status":
        if isinstance(v, dict) and "index" in v:
            return ("index", int(v["index"]))
        label = v.get("label") if isinstance(v, dict) else v
        if isinstance(label, (int, float)) or (isinstance(label, str) and label.strip().isdigit()):
            return ("index", int(label))
        return ("label", str(label))
    if t == "date":
        if isinstance(v, str):
            parts = v.split()
            v = {"date": parts[0], "time": parts[1] if len(parts) > 1 else None}
        return ("date", v.get("date"), _time(v.get("time")))
    if t == "timeline":
        return ("tl", v.get("from"), v.get("to"))
    if t == "people":
        if isinstance(v, str):
            v = {"personsAndTeams": [{"id": p.strip(), "kind": "person"} for p in v.split(",") if p.strip()]}
        pts = sorted((int(e["id"]), e.get("kind", "person")) for e in v.get("personsAndTeams", []))
        return ("people", tuple(pts)) if pts else None
    if t == "dropdown":
        if isinstance(v, str):
            parts = [p.strip() for p in v.split(",") if p.strip()]
            v = {"ids": parts} if all(p.isdigit() for p in parts) else {"labels": parts}
        if "ids" in v:
            ids = v["ids"]
            ids = ids.split(",") if isinstance(ids, str) else ids
            return ("ids", tuple(sorted({int(i) for i in ids})))
        labels = v.get("labels") or []
        labels = labels.split(",") if isinstance(labels, str) else labels
        return ("labels", tuple(sorted(str(x).strip() for x in labels)))
    if t == "email":
        if isinstance(v, str):
            email, _, text = v.partition(" ")
            v = {"email": email, "text": text.strip()}
        return ("email", v.get("email"), v.get("text") or v.get("email"))
    if t == "phone":
        if isinstance(v, str):
            phone, _, country = v.rpartition(" ")
            v = {"phone": phone, "countryShortName": country}
        digits = "".join(ch for ch in str(v.get("phone", "")) if ch.isdigit() or ch == "+")
        return ("phone", digits, (v.get("countryShortName") or "").upper())
    if t == "link":
        if isinstance(v, str):
            url, _, text = v.partition(" ")
            v = {"url": url, "text": text.strip()}
        return ("link", v.get("url"), v.get("text") or v.get("url"))
    if t == "checkbox":
        checked = v.get("checked") if isinstance(v, dict) else v
        return ("checked",) if checked in (True, "true", "True", 1, "1") else None
    if t == "hour":
        return ("hour", int(v.get("hour", 0)), int(v.get("minute", 0)))
    if t == "rating":
        return ("rating", int(v.get("rating")))
    if t == "country":
        return ("country", (v.get("countryCode") or "").upper())
    if isinstance(v, dict):
        return json.dumps({k: x for k, x in v.items() if k not in _VOLATILE}, sort_keys=True)
    return v


def same(column_type: str, current: Any, current_text: str | None, wanted: Any) -> bool:
    """Whether a cell holding ``current`` (write shape, with its display ``current_text``) already holds
    ``wanted`` (write shape, or its JSON text)."""
    a = canonical(column_type, current)
    b = canonical(column_type, wanted)
    if a == b:
        return True
    if a is None or b is None:
        return False
    t = (column_type or "").lower()
    if t == "status" and b[0] == "label":
        return (current_text or "") == b[1]
    if t == "dropdown" and b[0] == "labels":
        return tuple(_labels_of_text(current_text)) == b[1]
    return False


def describe(v: Any, text: str | None = None) -> str:
    """A short human form of a cell for reports: the display text when known, else the JSON."""
    if text not in (None, ""):
        return str(text)
    v = loads(v) if isinstance(v, str) and v[:1] in ("{", "[", '"') else v
    if _is_empty(v):
        return "(empty)"
    if isinstance(v, dict):
        for key in ("label", "text", "date", "email", "url", "phone", "rating", "countryName"):
            if key in v and v[key] not in (None, ""):
                extra = f" {v['time']}" if key == "date" and v.get("time") else ""
                return f"{v[key]}{extra}"
        if "labels" in v:
            return ", ".join(map(str, v["labels"]))
        if "index" in v:
            return f"label #{v['index']}"
        if "checked" in v:
            return "checked"
        if "from" in v:
            return f"{v.get('from')} - {v.get('to')}"
        if "hour" in v:
            return f"{int(v['hour']):02d}:{int(v.get('minute', 0)):02d}"
        if "personsAndTeams" in v:
            return ", ".join(f"{e.get('kind', 'person')} {e.get('id')}" for e in v["personsAndTeams"])
        if "ids" in v:
            return "ids " + ", ".join(map(str, v["ids"]))
        return dumps(v) or ""
    return str(v)
