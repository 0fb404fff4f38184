"""Per-column-type value checking, normalisation and rendering, as monday documents them.

``normalize(...)`` turns a write value (the entry for one column inside ``column_values``, or the
string of ``change_simple_column_value``) into the stored raw value (a Python object whose JSON is
the ``value`` field monday returns), or ``None`` to clear the cell.  ``render(...)`` produces the
``value`` (JSON string or null) and ``text`` fields exactly as monday shows them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import MondayError, column_value_error, corrected_value_error

# Types monday marks as not writable through the API (CT page + per-column pages "Update: No").
READ_ONLY_TYPES = frozenset({
    "formula", "mirror", "creation_log", "last_updated", "item_id", "auto_number", "button",
    "subtasks", "progress", "vote", "time_tracking", "doc", "direct_doc", "integration", "person",
    "team", "item_assignees", "group", "unsupported",
})
# Types with no string (simple) form; a plain string for them is a CorrectedValueException.
NO_SIMPLE_FORM = frozenset({
    "timeline", "checkbox", "hour", "country", "rating", "tags", "week", "world_clock",
    "board_relation", "dependency", "color_picker", "file",
})
# Types returned with text=null when empty (recorded: mirror, board_relation, dependency, subtasks).
NULL_TEXT_TYPES = frozenset({"mirror", "board_relation", "dependency", "subtasks"})
# auto_number is "calculated" and not returned by column_values at all.
HIDDEN_TYPES = frozenset({"auto_number"})

MAX_STATUS_LABELS = 40
MAX_LABEL_LENGTH = 30
DEFAULT_STATUS_ID = 5

COUNTRIES = {
    "AE": "United Arab Emirates", "AR": "Argentina", "AT": "Austria", "AU": "Australia",
    "BE": "Belgium", "BG": "Bulgaria", "BR": "Brazil", "CA": "Canada", "CH": "Switzerland",
    "CL": "Chile", "CN": "China", "CO": "Colombia", "CZ": "Czech Republic", "DE": "Germany",
    "DK": "Denmark", "EE": "Estonia", "EG": "Egypt", "ES": "Spain", "FI": "Finland", "FR": "France",
    "GB": "United Kingdom", "GR": "Greece", "HK": "Hong Kong", "HR": "Croatia", "HU": "Hungary",
    "ID": "Indonesia", "IE": "Ireland", "IL": "Israel", "IN": "India", "IS": "Iceland", "IT": "Italy",
    "JP": "Japan", "KE": "Kenya", "KR": "South Korea", "LT": "Lithuania", "LU": "Luxembourg",
    "LV": "Latvia", "MA": "Morocco", "MX": "Mexico", "MY": "Malaysia", "NG": "Nigeria",
    "NL": "Netherlands", "NO": "Norway", "NZ": "New Zealand", "PE": "Peru", "PH": "Philippines",
    "PK": "Pakistan", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "RS": "Serbia",
    "SA": "Saudi Arabia", "SE": "Sweden", "SG": "Singapore", "SI": "Slovenia", "SK": "Slovakia",
    "TH": "Thailand", "TR": "Turkey", "TW": "Taiwan", "UA": "Ukraine", "US": "United States",
    "UY": "Uruguay", "VN": "Vietnam", "ZA": "South Africa",
}

STATUS_PALETTE = {
    0: (0, "#fdab3d", "orange"), 1: (1, "#00c875", "green-shadow"), 2: (2, "#df2f4a", "red-shadow"),
    3: (3, "#007eb5", "dark-blue"), 4: (4, "#9d50dd", "purple"), 5: (5, "#c4c4c4", "grey"),
    6: (6, "#037f4c", "grass-green"), 7: (7, "#579bfc", "bright-blue"), 8: (8, "#cab641", "saladish"),
    9: (9, "#ffcb00", "egg-yolk"), 10: (10, "#e2445c", "dark-red"), 11: (11, "#216edf", "sky"),
}

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_URL_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://\S+|www\.\S+|[^\s/]+\.[a-zA-Z]{2,}\S*)$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def now_iso() -> str:
    """monday's ``changed_at`` format: ``2026-05-22T05:47:17.769Z``."""
    t = dt.datetime.now(dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


@dataclass
class WriteContext:
    """What value checks need from the store; ``pending_labels`` are committed with the write."""

    users: dict[int, Any]
    teams: dict[int, Any]
    tags: dict[int, str]
    item_exists: Any  # callable(int) -> bool
    create_labels: bool = False
    changed_at: str = field(default_factory=now_iso)
    pending_labels: list[tuple[Any, dict]] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------
# column settings (status / dropdown labels)
# ----------------------------------------------------------------------------------------------

def normalize_settings(col_type: str, settings: dict | None) -> dict:
    """Accept typed (``labels: [{id,label}]``) or legacy (``labels: {"id": "label"}``) settings."""
    settings = dict(settings or {})
    if col_type in ("status", "dropdown"):
        raw = settings.get("labels", [])
        labels: list[dict] = []
        if isinstance(raw, dict):
            for k, v in raw.items():
                labels.append({"id": int(k), "label": v})
        else:
            for entry in raw:
                entry = dict(entry)
                if "label" not in entry and "name" in entry:
                    entry["label"] = entry.pop("name")
                entry["id"] = int(entry["id"])
                labels.append(entry)
        if col_type == "status":
            done = set(settings.get("done_colors", [1]))
            for pos, lab in enumerate(sorted(labels, key=lambda x: x.get("index", x["id"]))):
                lab.setdefault("index", pos)
                lab.setdefault("is_done", lab["id"] in done)
                lab.setdefault("is_deactivated", False)
                color, hexv, _ = STATUS_PALETTE.get(lab["id"] % 12, STATUS_PALETTE[7])
                lab.setdefault("color", color)
                lab.setdefault("hex", hexv)
            if not any(lab["id"] == DEFAULT_STATUS_ID for lab in labels):
                labels.append({"id": DEFAULT_STATUS_ID, "label": "", "index": len(labels), "is_done": False,
                               "is_deactivated": False, "color": 5, "hex": "#c4c4c4"})
        else:
            for lab in labels:
                lab.setdefault("is_deactivated", False)
        settings["labels"] = labels
    return settings


def typed_settings(col_type: str, settings: dict) -> dict:
    """The ``settings`` JSON field (2025-10+ typed settings)."""
    if col_type == "status":
        keys = ("id", "color", "label", "index", "is_done", "is_deactivated", "hex")
        labels = [{k: lab[k] for k in keys} for lab in sorted(settings["labels"], key=lambda x: x["id"])]
        rest = {k: v for k, v in settings.items() if k not in ("labels", "done_colors")}
        return {**rest, "labels": labels}
    if col_type == "dropdown":
        labels = [{"id": lab["id"], "label": lab["label"], "is_deactivated": lab["is_deactivated"]}
                  for lab in settings["labels"]]
        return {**{k: v for k, v in settings.items() if k != "labels"}, "labels": labels}
    return settings


def settings_str(col_type: str, settings: dict) -> str:
    """The deprecated ``settings_str`` field (legacy shape: labels as an id -> text map)."""
    if col_type == "status":
        labs = sorted(settings["labels"], key=lambda x: x["id"])
        legacy = {
            "done_colors": [lab["id"] for lab in labs if lab["is_done"]],
            "labels": {str(lab["id"]): lab["label"] for lab in labs},
            "labels_positions_v2": {str(lab["id"]): lab["index"] for lab in labs},
            "labels_colors": {
                str(lab["id"]): {
                    "color": lab["hex"], "border": lab["hex"],
                    "var_name": STATUS_PALETTE.get(lab["id"] % 12, STATUS_PALETTE[7])[2],
                }
                for lab in labs
            },
        }
        return json.dumps(legacy, separators=(",", ":"))
    if col_type == "dropdown":
        legacy = {"hide_footer": False,
                  "labels": [{"id": lab["id"], "name": lab["label"]} for lab in settings["labels"]]}
        return json.dumps(legacy, separators=(",", ":"))
    return json.dumps(settings, separators=(",", ":"))


def _label_by_id(col: Any, label_id: int) -> dict | None:
    for lab in col.settings.get("labels", []):
        if lab["id"] == label_id:
            return lab
    return None


def _pending_for(ctx: WriteContext, col: Any) -> list[dict]:
    return [lab for c, lab in ctx.pending_labels if c is col]


def _find_label(col: Any, ctx: WriteContext, text: str) -> dict | None:
    for lab in list(col.settings.get("labels", [])) + _pending_for(ctx, col):
        if lab["label"] == text and not lab.get("is_deactivated"):
            return lab
    return None


def _create_label(col: Any, ctx: WriteContext, text: str) -> dict:
    existing = list(col.settings.get("labels", [])) + _pending_for(ctx, col)
    if len(text) > MAX_LABEL_LENGTH:
        raise column_value_error(col.id, col.type, f"Label '{text}' is longer than {MAX_LABEL_LENGTH} characters")
    if col.type == "status" and len(existing) >= MAX_STATUS_LABELS:
        raise column_value_error(col.id, col.type, f"A status column can hold at most {MAX_STATUS_LABELS} labels")
    used = {lab["id"] for lab in existing}
    new_id = 0 if col.type == "status" else 1
    while new_id in used or (col.type == "status" and new_id == DEFAULT_STATUS_ID):
        new_id += 1
    lab: dict[str, Any] = {"id": new_id, "label": text, "is_deactivated": False}
    if col.type == "status":
        color, hexv, _ = STATUS_PALETTE.get(new_id % 12, STATUS_PALETTE[7])
        lab.update({"index": len(existing), "is_done": False, "color": color, "hex": hexv})
    ctx.pending_labels.append((col, lab))
    return lab


def commit_labels(ctx: WriteContext) -> None:
    for col, lab in ctx.pending_labels:
        col.settings.setdefault("labels", []).append(lab)
        col.revision += 1
    ctx.pending_labels.clear()


# ----------------------------------------------------------------------------------------------
# normalisation of write values
# ----------------------------------------------------------------------------------------------

def _is_empty(raw: Any) -> bool:
    return raw is None or raw == {} or raw == ""


def _check_date(col: Any, s: Any) -> str:
    if not isinstance(s, str) or not _DATE_RE.match(s):
        raise column_value_error(col.id, col.type, value=s)
    try:
        dt.date.fromisoformat(s)
    except ValueError:
        raise column_value_error(col.id, col.type, value=s) from None
    return s


def _check_time(col: Any, s: Any) -> str:
    m = _TIME_RE.match(s) if isinstance(s, str) else None
    if not m:
        raise column_value_error(col.id, col.type, value=s)
    h, mi, se = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or se > 59:
        raise column_value_error(col.id, col.type, value=s)
    return f"{h:02d}:{mi:02d}:{se:02d}"


def _as_int(col: Any, v: Any) -> int:
    if isinstance(v, bool):
        raise column_value_error(col.id, col.type, value=v)
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v.strip())
    raise column_value_error(col.id, col.type, value=v)


def normalize(col: Any, raw: Any, ctx: WriteContext, *, simple: bool = False) -> Any:
    """Return the stored raw value for ``raw`` written to ``col``; ``None`` clears the cell."""
    t = col.type
    if t in READ_ONLY_TYPES:
        raise column_value_error(
            col.id, t, f"This column type ({t}) is read-only and cannot be updated through the API. "
            "Please check our API documentation: https://developer.monday.com/api-reference/docs/change-column-values")
    if simple and t in NO_SIMPLE_FORM and raw not in (None, ""):
        raise corrected_value_error(col.id, t)
    if not simple and isinstance(raw, str) and raw != "" and t in NO_SIMPLE_FORM:
        raise corrected_value_error(col.id, t)
    handler = _HANDLERS.get(t)
    if handler is None:
        raise column_value_error(col.id, t, f"Column type {t} is not supported by the API double")
    return handler(col, raw, ctx, simple)


def _n_text(col, raw, ctx, simple):
    if raw is None:
        return None
    if isinstance(raw, bool) or isinstance(raw, (dict, list)):
        raise column_value_error(col.id, col.type, value=raw)
    return str(raw)


def _n_long_text(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if isinstance(raw, dict):
        if set(raw) - {"text"} or not isinstance(raw.get("text"), str):
            raise column_value_error(col.id, col.type, value=raw)
        text = raw["text"]
    elif isinstance(raw, str):
        text = raw
    else:
        raise column_value_error(col.id, col.type, value=raw)
    return {"text": text, "changed_at": ctx.changed_at}


def _n_numbers(col, raw, ctx, simple):
    if raw is None:
        return None
    if raw == "":
        return ""
    if isinstance(raw, bool):
        raise column_value_error(col.id, col.type, value=raw)
    if isinstance(raw, (int, float)):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise column_value_error(col.id, col.type, value=raw)
        return repr(raw) if isinstance(raw, float) else str(raw)
    if isinstance(raw, str) and _NUMBER_RE.match(raw.strip()):
        return raw.strip()
    raise column_value_error(col.id, col.type, value=raw)


def _n_status(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    label_id: int | None = None
    as_text = False  # {"label": "..."} is the label's text, whatever it looks like
    if isinstance(raw, dict):
        if "index" in raw:
            label_id = _as_int(col, raw["index"])
        elif "label" in raw:
            raw = raw["label"]
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                label_id = _as_int(col, raw)
            elif not isinstance(raw, str):
                raise column_value_error(col.id, col.type, value=raw)
            as_text = True
        else:
            raise column_value_error(col.id, col.type, value=raw)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        label_id = raw
    elif not isinstance(raw, str):
        raise column_value_error(col.id, col.type, value=raw)
    if label_id is None:
        text = raw.strip()
        if text.isdigit() and not as_text:
            # the string form: "If a label's text is numeric, ... the API reads the string as an index."
            # ({"label": "2023"} names the label by its text: monday's documented way to write by label)
            label_id = int(text)
        else:
            lab = _find_label(col, ctx, text)
            if lab is None:
                if not ctx.create_labels:
                    raise column_value_error(
                        col.id, col.type,
                        "invalid value - label does not exist in column. Please check our API documentation "
                        "for the correct data structure for this column. "
                        "https://developer.monday.com/api-reference/docs/change-column-values", value=text)
                lab = _create_label(col, ctx, text)
            label_id = lab["id"]
    if _label_by_id(col, label_id) is None and not any(lab["id"] == label_id for lab in _pending_for(ctx, col)):
        raise column_value_error(
            col.id, col.type,
            f"This status label doesn't exist, possible statuses are: "
            f"{ {lab['id']: lab['label'] for lab in col.settings.get('labels', [])} }", value=str(label_id))
    return {"index": label_id, "post_id": None, "changed_at": ctx.changed_at}


def _n_date(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if isinstance(raw, str):
        parts = raw.strip().split()
        if len(parts) not in (1, 2):
            raise column_value_error(col.id, col.type, value=raw)
        raw = {"date": parts[0], "time": parts[1] if len(parts) == 2 else None}
    if not isinstance(raw, dict) or "date" not in raw or set(raw) - {"date", "time", "icon"}:
        raise column_value_error(col.id, col.type, value=raw)
    date = _check_date(col, raw["date"])
    time = raw.get("time")
    time = _check_time(col, time) if time not in (None, "") else None
    return {"date": date, "icon": "", "time": time, "changed_at": ctx.changed_at}


def _n_timeline(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if not isinstance(raw, dict) or "from" not in raw or "to" not in raw:
        raise column_value_error(col.id, col.type, value=raw)
    f, t = _check_date(col, raw["from"]), _check_date(col, raw["to"])
    if f > t:
        raise column_value_error(col.id, col.type, "Timeline start date must be before its end date", value=raw)
    out = {"to": t, "from": f, "changed_at": ctx.changed_at}
    if raw.get("visualization_type"):
        out["visualization_type"] = raw["visualization_type"]
    return out


def _n_people(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    entries: list[dict] = []
    if isinstance(raw, str):
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise column_value_error(col.id, col.type, value=raw)
            entries.append({"id": int(part), "kind": "person"})
    elif isinstance(raw, dict) and set(raw) == {"personsAndTeams"} and isinstance(raw["personsAndTeams"], list):
        for e in raw["personsAndTeams"]:
            if not isinstance(e, dict) or "id" not in e:
                raise column_value_error(col.id, col.type, value=raw)
            kind = e.get("kind", "person")
            if kind not in ("person", "team"):
                raise column_value_error(col.id, col.type, value=raw)
            entries.append({"id": _as_int(col, e["id"]), "kind": kind})
    else:
        raise column_value_error(col.id, col.type, value=raw)
    for e in entries:
        known = ctx.users if e["kind"] == "person" else ctx.teams
        if e["id"] not in known:
            raise MondayError(
                "InvalidUserIdException",
                f"The {'user' if e['kind'] == 'person' else 'team'} with id {e['id']} does not exist "
                "or is not a member of this board",
                error_data={"column_id": col.id, "user_id": e["id"]})
    if not entries:
        return None
    return {"changed_at": ctx.changed_at, "personsAndTeams": entries}


def _n_dropdown(col, raw, ctx, simple):
    if raw is None or raw == "" or raw == {} or raw == {"labels": []} or raw == {"ids": []}:
        return None
    ids: list[int] = []
    labels: list[str] | None = None
    if isinstance(raw, str):
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if parts and all(p.isdigit() for p in parts):
            ids = [int(p) for p in parts]
        else:
            labels = parts
    elif isinstance(raw, dict):
        if "ids" in raw and "labels" in raw:
            raise column_value_error(col.id, col.type, "Dropdown ids and labels cannot be mixed", value=raw)
        if set(raw) - {"ids", "labels"}:
            raise column_value_error(col.id, col.type, value=raw)
        if "ids" in raw:
            v = raw["ids"]
            v = [p for p in v.split(",") if p.strip()] if isinstance(v, str) else v
            if not isinstance(v, list):
                raise column_value_error(col.id, col.type, value=raw)
            ids = [_as_int(col, x) for x in v]
        else:
            v = raw["labels"]
            if isinstance(v, str):
                v = [p.strip() for p in v.split(",") if p.strip()]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise column_value_error(col.id, col.type, value=raw)
            labels = v
    else:
        raise column_value_error(col.id, col.type, value=raw)
    if labels is not None:
        for text in labels:
            lab = _find_label(col, ctx, text)
            if lab is None:
                if not ctx.create_labels:
                    existing = ", ".join(lab["label"] for lab in col.settings.get("labels", []))
                    raise column_value_error(
                        col.id, col.type,
                        f"The dropdown label '{text}' does not exist, possible labels are: [{existing}]", value=text)
                lab = _create_label(col, ctx, text)
            ids.append(lab["id"])
    known = {lab["id"] for lab in col.settings.get("labels", [])} | {lab["id"] for lab in _pending_for(ctx, col)}
    for i in ids:
        if i not in known:
            raise column_value_error(col.id, col.type, f"The dropdown label id {i} does not exist", value=str(i))
    if not ids:
        return None
    return {"ids": list(dict.fromkeys(ids))}


def _n_email(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if isinstance(raw, str):
        email, _, text = raw.strip().partition(" ")
        raw = {"email": email, "text": text.strip() or email}
    if not isinstance(raw, dict) or "email" not in raw or "text" not in raw:
        raise column_value_error(col.id, col.type, value=raw)
    email, text = raw["email"], raw["text"]
    if not isinstance(email, str) or not _EMAIL_RE.match(email) or not isinstance(text, str):
        raise column_value_error(col.id, col.type, value=raw)
    return {"email": email, "text": text, "changed_at": ctx.changed_at}


def _n_phone(col, raw, ctx, simple):
    if raw is None or raw == "" or raw == {}:
        return None
    if isinstance(raw, str):
        phone, _, country = raw.strip().rpartition(" ")
        raw = {"phone": phone, "countryShortName": country}
    if not isinstance(raw, dict) or "phone" not in raw or "countryShortName" not in raw:
        raise column_value_error(col.id, col.type, value=raw)
    phone, country = raw["phone"], raw["countryShortName"]
    if not isinstance(phone, str) or not isinstance(country, str) or country not in COUNTRIES:
        raise column_value_error(col.id, col.type, value=raw)
    digits = re.sub(r"[\s\-().]", "", phone)
    if not re.fullmatch(r"\+?\d{6,15}", digits):
        raise column_value_error(col.id, col.type, value=raw)
    return {"phone": phone, "changed_at": ctx.changed_at, "countryShortName": country}


def _n_link(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if isinstance(raw, str):
        url, _, text = raw.strip().partition(" ")
        raw = {"url": url, "text": text.strip() or url}
    if not isinstance(raw, dict) or "url" not in raw or set(raw) - {"url", "text"}:
        raise column_value_error(col.id, col.type, value=raw)
    url, text = raw["url"], raw.get("text", raw["url"])
    if not isinstance(url, str) or not _URL_RE.match(url) or not isinstance(text, str):
        raise column_value_error(col.id, col.type, value=raw)
    return {"url": url, "text": text, "changed_at": ctx.changed_at}


def _n_checkbox(col, raw, ctx, simple):
    if raw is None or raw == {}:
        return None
    if not isinstance(raw, dict) or set(raw) != {"checked"}:
        raise column_value_error(col.id, col.type, value=raw)
    v = raw["checked"]
    if v in (True, "true"):
        return {"checked": True, "changed_at": ctx.changed_at}
    if v in (False, "false"):
        return {"checked": False}  # recorded unchecked value: {"checked":false}
    raise column_value_error(col.id, col.type, value=raw)


def _n_hour(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if not isinstance(raw, dict) or "hour" not in raw or set(raw) - {"hour", "minute"}:
        raise column_value_error(col.id, col.type, value=raw)
    h, m = _as_int(col, raw["hour"]), _as_int(col, raw.get("minute", 0))
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise column_value_error(col.id, col.type, value=raw)
    return {"hour": h, "minute": m, "changed_at": ctx.changed_at}


def _n_rating(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if not isinstance(raw, dict) or set(raw) != {"rating"}:
        raise column_value_error(col.id, col.type, value=raw)
    r = _as_int(col, raw["rating"])
    if not 1 <= r <= int(col.settings.get("max", 5)):
        raise column_value_error(col.id, col.type, value=raw)
    return {"rating": r, "changed_at": ctx.changed_at}


def _n_country(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if not isinstance(raw, dict) or "countryCode" not in raw or "countryName" not in raw:
        raise column_value_error(col.id, col.type, value=raw)
    code, name = raw["countryCode"], raw["countryName"]
    if code not in COUNTRIES or not isinstance(name, str) or not name:
        raise column_value_error(col.id, col.type, value=raw)
    return {"countryCode": code, "countryName": name}


def _n_tags(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if not isinstance(raw, dict) or set(raw) != {"tag_ids"} or not isinstance(raw["tag_ids"], list):
        raise column_value_error(col.id, col.type, value=raw)
    ids = [_as_int(col, x) for x in raw["tag_ids"]]
    for i in ids:
        if i not in ctx.tags:
            raise column_value_error(col.id, col.type, f"Tag {i} does not exist", value=str(i))
    return {"tag_ids": ids} if ids else None


def _n_location(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if isinstance(raw, str):
        parts = raw.split(maxsplit=2)
        if len(parts) < 2:
            raise column_value_error(col.id, col.type, value=raw)
        raw = {"lat": parts[0], "lng": parts[1], "address": parts[2] if len(parts) > 2 else ""}
    if not isinstance(raw, dict) or "lat" not in raw or "lng" not in raw:
        raise column_value_error(col.id, col.type, value=raw)
    try:
        lat, lng = float(raw["lat"]), float(raw["lng"])
    except (TypeError, ValueError):
        raise column_value_error(col.id, col.type, value=raw) from None
    if not (-90 < lat < 90 and -180 <= lng <= 180):
        raise column_value_error(col.id, col.type, value=raw)
    return {"lat": str(raw["lat"]), "lng": str(raw["lng"]), "address": str(raw.get("address", "")),
            "changed_at": ctx.changed_at}


def _n_week(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    inner = raw.get("week") if isinstance(raw, dict) else None
    if not isinstance(inner, dict) or "startDate" not in inner or "endDate" not in inner:
        raise column_value_error(col.id, col.type, value=raw)
    s, e = _check_date(col, inner["startDate"]), _check_date(col, inner["endDate"])
    if dt.date.fromisoformat(e) - dt.date.fromisoformat(s) != dt.timedelta(days=6):
        raise column_value_error(col.id, col.type, "A week must cover 7 days", value=raw)
    return {"week": {"endDate": e, "startDate": s}}


def _n_world_clock(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if not isinstance(raw, dict) or set(raw) != {"timezone"} or not isinstance(raw["timezone"], str):
        raise column_value_error(col.id, col.type, value=raw)
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(raw["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise column_value_error(col.id, col.type, value=raw) from None
    return {"timezone": raw["timezone"], "changed_at": ctx.changed_at}


def _n_color_picker(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    c = raw.get("color") if isinstance(raw, dict) else None
    if isinstance(c, dict) and isinstance(c.get("hex"), str) and re.fullmatch(r"#[0-9a-fA-F]{6}", c["hex"]):
        return {"color": {"hex": c["hex"]}, "changed_at": ctx.changed_at}
    if isinstance(c, dict) and set(c) == {"r", "g", "b"} and all(
            isinstance(c[k], int) and 0 <= c[k] <= 255 for k in "rgb"):
        return {"color": {"r": c["r"], "g": c["g"], "b": c["b"]}, "changed_at": ctx.changed_at}
    raise column_value_error(col.id, col.type, value=raw)


def _n_relation(col, raw, ctx, simple):
    if _is_empty(raw):
        return None
    if isinstance(raw, dict) and ("linkedPulseIds" in raw or "linkedPulseId" in raw):
        raise column_value_error(col.id, col.type, "Link to item column value structure invalid", value=raw)
    if not isinstance(raw, dict) or set(raw) != {"item_ids"} or not isinstance(raw["item_ids"], list):
        raise column_value_error(col.id, col.type, value=raw)
    ids = [_as_int(col, x) for x in raw["item_ids"]]
    for i in ids:
        if not ctx.item_exists(i):
            raise column_value_error(col.id, col.type, f"Item {i} does not exist on a connected board", value=str(i))
    return {"linkedPulseIds": [{"linkedPulseId": i} for i in ids]} if ids else None


def _n_file(col, raw, ctx, simple):
    if raw == {"clear_all": True} or raw is None or raw == {}:
        return None
    raise column_value_error(col.id, col.type, "Files are uploaded with add_file_to_column", value=raw)


def _n_name(col, raw, ctx, simple):
    if not isinstance(raw, str) or not 1 <= len(raw) <= 255:
        raise MondayError("ItemNameTooLongException", "Item name must be between 1 and 255 characters long",
                          error_data={"column_id": col.id})
    return raw


_HANDLERS = {
    "text": _n_text, "long_text": _n_long_text, "numbers": _n_numbers, "status": _n_status,
    "date": _n_date, "timeline": _n_timeline, "people": _n_people, "dropdown": _n_dropdown,
    "email": _n_email, "phone": _n_phone, "link": _n_link, "checkbox": _n_checkbox, "hour": _n_hour,
    "rating": _n_rating, "country": _n_country, "tags": _n_tags, "location": _n_location,
    "week": _n_week, "world_clock": _n_world_clock, "color_picker": _n_color_picker,
    "board_relation": _n_relation, "dependency": _n_relation, "file": _n_file, "name": _n_name,
}
SUPPORTED_WRITE_TYPES = frozenset(_HANDLERS)


# ----------------------------------------------------------------------------------------------
# rendering
# ----------------------------------------------------------------------------------------------

def dumps(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def render(col: Any, stored: Any, item: Any, users: dict, teams: dict, tags: dict) -> tuple[str | None, str | None]:
    """``(value, text)`` as monday returns them for one cell."""
    t = col.type
    if t == "item_id":
        return dumps({"item_id": str(item.id)}), str(item.id)
    if t in NULL_TEXT_TYPES:
        return None, None
    if t == "direct_doc":
        return dumps({"files": None}), ""
    if t in READ_ONLY_TYPES:
        return None, ""
    if t == "status":
        if stored is None:
            lab = _label_by_id(col, DEFAULT_STATUS_ID)
            return None, (lab["label"] if lab else "")
        lab = _label_by_id(col, stored["index"])
        return dumps(stored), (lab["label"] if lab else "")
    if stored is None:
        return None, ""
    value = dumps(stored)
    if t in ("text", "numbers"):
        return value, stored
    if t == "long_text":
        return value, stored["text"]
    if t == "date":
        return value, stored["date"] + (f" {stored['time'][:5]}" if stored.get("time") else "")
    if t == "timeline":
        return value, f"{stored['from']} - {stored['to']}"
    if t == "people":
        names = []
        for e in stored["personsAndTeams"]:
            src = users if e["kind"] == "person" else teams
            who = src.get(e["id"])
            names.append(getattr(who, "name", str(e["id"])) if who is not None else str(e["id"]))
        return value, ", ".join(names)
    if t == "dropdown":
        by_id = {lab["id"]: lab["label"] for lab in col.settings.get("labels", [])}
        return value, ", ".join(by_id.get(i, "") for i in stored["ids"])
    if t == "email":
        label, email = stored["text"], stored["email"]
        return value, f"{label} - {email}" if label and label != email else email
    if t == "phone":
        return value, stored["phone"]
    if t == "link":
        label, url = stored["text"], stored["url"]
        return value, f"{label} - {url}" if label and label != url else url
    if t == "checkbox":
        return value, "v" if stored["checked"] else ""
    if t == "hour":
        return value, f"{stored['hour']:02d}:{stored['minute']:02d}"
    if t == "rating":
        return value, str(stored["rating"])
    if t == "country":
        return value, stored["countryName"]
    if t == "tags":
        return value, ", ".join(tags.get(i, "") for i in stored["tag_ids"])
    if t == "location":
        return value, stored.get("address") or f"{stored['lat']}, {stored['lng']}"
    if t == "week":
        return value, f"{stored['week']['startDate']} - {stored['week']['endDate']}"
    if t == "world_clock":
        return value, stored["timezone"]
    if t == "color_picker":
        hexv = stored["color"].get("hex")
        return value, hexv
    return value, ""


def typename(col_type: str) -> str:
    special = {"item_id": "ItemIdValue", "direct_doc": "DirectDocValue", "long_text": "LongTextValue",
               "board_relation": "BoardRelationValue", "world_clock": "WorldClockValue",
               "color_picker": "ColorPickerValue", "time_tracking": "TimeTrackingValue",
               "creation_log": "CreationLogValue", "last_updated": "LastUpdatedValue"}
    if col_type in special:
        return special[col_type]
    name = "".join(p.capitalize() for p in col_type.split("_")) + "Value"
    return name if name in KNOWN_VALUE_TYPES else "UnsupportedValue"


KNOWN_VALUE_TYPES = frozenset({
    "StatusValue", "TextValue", "NumbersValue", "DateValue", "PeopleValue", "DropdownValue", "EmailValue",
    "PhoneValue", "LinkValue", "CheckboxValue", "TimelineValue", "HourValue", "RatingValue", "CountryValue",
    "LongTextValue", "FormulaValue", "MirrorValue", "SubtasksValue", "ItemIdValue", "TagsValue",
    "LocationValue", "WeekValue", "WorldClockValue", "ColorPickerValue", "BoardRelationValue",
    "DependencyValue", "ButtonValue", "CreationLogValue", "LastUpdatedValue", "FileValue", "VoteValue",
    "TimeTrackingValue", "ProgressValue", "DocValue", "DirectDocValue", "IntegrationValue", "TeamValue",
    "PersonValue", "UnsupportedValue",
})


def typed_fields(col: Any, stored: Any, text: str | None, item: Any, updated_at: str | None) -> dict[str, Any]:
    """Type-specific fields of the ``...Value`` implementations the subset SDL exposes."""
    t = col.type
    s = stored if isinstance(stored, dict) else {}
    upd = _iso_to_date(s.get("changed_at")) if s else None
    if t == "status":
        idx = s.get("index")
        lab = _label_by_id(col, idx) if idx is not None else None
        return {"index": idx, "label": text, "is_done": bool(lab and lab.get("is_done")), "updated_at": upd}
    if t == "date":
        if not s:
            return {"date": "", "time": "", "icon": None, "updated_at": None}
        return {"date": s["date"], "time": (s.get("time") or "")[:5], "icon": s.get("icon"), "updated_at": upd}
    if t == "numbers":
        try:
            num = float(stored) if stored not in (None, "") else None
        except (TypeError, ValueError):
            num = None
        return {"number": num}
    if t == "people":
        pts = [{"id": str(e["id"]), "kind": e["kind"]} for e in s.get("personsAndTeams", [])]
        return {"persons_and_teams": pts, "updated_at": upd}
    if t == "dropdown":
        by_id = {lab["id"]: lab["label"] for lab in col.settings.get("labels", [])}
        return {"values": [{"id": str(i), "label": by_id.get(i, "")} for i in s.get("ids", [])]}
    if t == "email":
        return {"email": s.get("email"), "label": s.get("text"), "updated_at": upd}
    if t == "phone":
        return {"phone": s.get("phone"), "country_short_name": s.get("countryShortName"), "updated_at": upd}
    if t == "link":
        return {"url": s.get("url"), "url_text": s.get("text"), "updated_at": upd}
    if t == "checkbox":
        return {"checked": s.get("checked") if s else None, "updated_at": upd}
    if t == "timeline":
        f = f"{s['from']}T00:00:00+00:00" if s else None
        to = f"{s['to']}T00:00:00+00:00" if s else None
        return {"from": f, "to": to, "updated_at": upd}
    if t == "hour":
        return {"hour": s.get("hour"), "minute": s.get("minute"), "updated_at": upd}
    if t == "rating":
        return {"rating": s.get("rating"), "updated_at": upd}
    if t == "country":
        c = {"code": s["countryCode"], "name": s["countryName"]} if s else None
        return {"country": c, "updated_at": upd}
    if t == "long_text":
        return {"updated_at": upd}
    if t in ("formula", "mirror"):
        return {"display_value": "" if t == "mirror" else "null"}
    if t == "subtasks":
        return {"display_value": ", ".join(str(i) for i in item.subitem_ids),
                "subitems_ids": [str(i) for i in item.subitem_ids]}
    if t == "item_id":
        return {"item_id": str(item.id)}
    if t in ("board_relation", "dependency"):
        ids = [str(e["linkedPulseId"]) for e in s.get("linkedPulseIds", [])]
        return {"linked_item_ids": ids, "display_value": ""}
    if t == "tags":
        return {"tag_ids": list(s.get("tag_ids", []))}
    if t == "location":
        return {"lat": float(s["lat"]) if s else None, "lng": float(s["lng"]) if s else None,
                "address": s.get("address")}
    if t == "week":
        w = s.get("week") or {}
        return {"start_date": f"{w['startDate']}T00:00:00+00:00" if w else None,
                "end_date": f"{w['endDate']}T00:00:00+00:00" if w else None}
    if t == "world_clock":
        return {"timezone": s.get("timezone"), "updated_at": upd}
    if t == "color_picker":
        return {"color": (s.get("color") or {}).get("hex"), "updated_at": upd}
    return {}


def _iso_to_date(changed_at: str | None) -> str | None:
    """``2024-11-20T16:12:52.818Z`` -> ``2024-11-20T16:12:52+00:00`` (the ``updated_at`` Date format)."""
    if not changed_at:
        return None
    return changed_at[:19] + "+00:00"
