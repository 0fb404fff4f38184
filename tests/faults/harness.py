"""Shared helpers of the fault suite: a world of boards in the monday API double, batches staged through
the procedures, sender processes started and killed, and the end-to-end property checked.

The property (the design brief): every intended cell value is on the board; each queue row was applied
to the board at most once (the double's mutation log counts applications only, never idempotent replays);
no item was created twice; every changed cell has exactly one audit row with the right old and new value;
no queue row is left CLAIMED or READY.

Sizes come from environment variables so that CI runs a small suite and a bigger run is one export away:
OPUS_FAULT_CELLS (default 2000), OPUS_FAULT_KILLS (30), OPUS_FAULT_SEED (20261126).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sender.config import load_config
from sender.db import Database
from tests.monday_double import DoubleConfig, Faults, Limits, MondayDouble, make_board

ROOT = Path(__file__).resolve().parents[2]
SENDER = str(ROOT / ".venv" / "bin" / "opus-sender")
if not Path(SENDER).exists():  # an installed console script next to the running interpreter
    SENDER = str(Path(sys.executable).with_name("opus-sender"))

TOKEN = "tok-faults-3b9e1d"
STATUS_LABELS = ["Working on it", "Done", "Stuck", "In Progress"]
STATUS_ID = {"Working on it": 0, "Done": 1, "Stuck": 2, "In Progress": 3}
SUB_LABELS = ["Working on it", "Done", "Stuck"]
SUB_STATUS_ID = {"Working on it": 0, "Done": 1, "Stuck": 2}
OPEN = ("READY", "CLAIMED")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw and raw.strip() else default


CELLS = env_int("OPUS_FAULT_CELLS", 2000)
KILLS = env_int("OPUS_FAULT_KILLS", 30)
SEED = env_int("OPUS_FAULT_SEED", 20261126)

# the sender's tunables in the subprocesses: fast, but every wait monday asks for is still honoured
SENDER_SETTINGS = {
    "requests_per_minute": 600_000,
    "backoff_initial": 0.02,
    "backoff_max": 0.2,
    "max_retry_wait": 10.0,
    "idle_wait": 2.0,
    "max_attempts": 12,
    "connect_timeout": 2.0,
    "read_timeout": 1.0,
    "concurrency": 4,
    "daily_calls": 10_000_000,  # the fault runs are not about the daily budget (the benchmarks are)
}


# ---------------------------------------------------------------------------------------------- double

def start_double(seed: int = SEED, faults: Faults | None = None, limits: Limits | None = None,
                 time_scale: float = 0.01) -> MondayDouble:
    """An in-process double on loopback, served over HTTP to the sender processes."""
    return MondayDouble(DoubleConfig(token=TOKEN, time_scale=time_scale, limits=limits or Limits.generous(),
                                     faults=faults or Faults(), seed=seed)).start()


# ---------------------------------------------------------------------------------------------- sender

def sender_env(dsn: str, double: MondayDouble, tmp: Path, *, lease_seconds: int = 3, claim_size: int = 20,
               token: str = TOKEN, api_url: str | None = None, **settings: Any) -> dict[str, str]:
    """Environment of a sender process: DSN, endpoint, token, a config file with the fast settings."""
    conf = tmp / f"opus-{abs(hash((dsn, lease_seconds, claim_size, tuple(sorted(settings.items())))))}.toml"
    values = {**SENDER_SETTINGS, **settings}
    conf.write_text("[opus]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()),
                    encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPUS_", "MONDAY_")) and k not in ("PYTHONWARNINGS",)}
    env.update({
        "OPUS_DSN": dsn,
        "MONDAY_API_URL": api_url or double.url,
        "MONDAY_API_TOKEN": token,
        "OPUS_CONFIG": str(conf),
        "OPUS_LEASE_SECONDS": str(lease_seconds),
        "OPUS_CLAIM_SIZE": str(claim_size),
        "PYTHONUNBUFFERED": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    })
    return env


def sender_config(dsn: str, double: MondayDouble, **kw: Any):
    env = {"OPUS_DSN": dsn, "MONDAY_API_URL": double.url, "MONDAY_API_TOKEN": TOKEN}
    return load_config(env=env, **{**SENDER_SETTINGS, "lease_seconds": 3, "claim_size": 20, **kw})


def spawn_sender(env: dict[str, str], args: list[str], log_path: Path) -> subprocess.Popen:
    """A sender process in its own session (so a kill reaches it and nothing else)."""
    fh = open(log_path, "ab")  # noqa: SIM115 - closed by wait_sender
    proc = subprocess.Popen([SENDER, *args], env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=str(ROOT),
                            start_new_session=True)
    proc._opus_log = fh  # type: ignore[attr-defined]
    return proc


def kill_sender(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_sender(proc, 30)


def wait_sender(proc: subprocess.Popen, timeout: float) -> int:
    """Wait for a sender; a hung one is killed (the suite never hangs) and reported as -9."""
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
        rc = -9
    fh = getattr(proc, "_opus_log", None)
    if fh is not None:
        fh.close()
    return rc


def kill_at(env: dict[str, str], args: list[str], log_path: Path, moment: float) -> bool:
    """Start a sender, SIGKILL it ``moment`` seconds later; False when it ended on its own before."""
    proc = spawn_sender(env, args, log_path)
    time.sleep(moment)
    if proc.poll() is None:
        kill_sender(proc)
        return True
    wait_sender(proc, 5)
    return False


def kill_at_random(db: Database, env: dict[str, str], log_path: Path, rng: random.Random, batch_ids: list[str],
                   kills: int, args: list[str], lo: float, hi: float, deadline: float) -> tuple[int, list[float], int]:
    """Senders killed at seeded random moments (lo-hi s after their start) until ``kills`` kills, no open row
    of the batches is left, or the deadline (time.monotonic()); returns (kills, moments, runs that ended)."""
    done, moments, ended = 0, [], 0
    while done < kills and open_rows(db, batch_ids) and time.monotonic() < deadline:
        moment = rng.uniform(lo, hi)
        if kill_at(env, args, log_path, moment):
            done += 1
            moments.append(round(moment, 2))
        else:
            ended += 1
            time.sleep(0.2)  # the rows of a killed sender come back when its lease expires
    return done, moments, ended


def run_sender(env: dict[str, str], args: list[str], log_path: Path, timeout: float = 180) -> int:
    return wait_sender(spawn_sender(env, args, log_path), timeout)


def open_rows(db: Database, batch_ids: list[str] | None = None) -> int:
    sql = "SELECT COUNT(*) FROM dbo.MON_UpdateQueue WHERE queue_status IN ('READY', 'CLAIMED')"
    if batch_ids:
        sql += " AND batch_id IN (" + ", ".join("?" for _ in batch_ids) + ")"
    return int(db.scalar(sql, batch_ids or []))


def expire_leases(db: Database, batch_ids: list[str]) -> None:
    """Make leases of dead senders and retry delays lapse now (instead of waiting for them)."""
    marks = ", ".join("?" for _ in batch_ids)
    if db.dialect == "postgres":
        db.execute("UPDATE dbo.MON_UpdateQueue SET lease_expires_at = lease_expires_at - INTERVAL '1 hour' "
                   f"WHERE queue_status = 'CLAIMED' AND batch_id IN ({marks})", batch_ids)
    else:
        db.execute("UPDATE dbo.MON_UpdateQueue SET lease_expires_at = DATEADD(hour, -1, lease_expires_at) "
                   f"WHERE queue_status = 'CLAIMED' AND batch_id IN ({marks})", batch_ids)


def finish_batches(db: Database, env: dict[str, str], batch_ids: list[str], log_path: Path, *,
                   max_runs: int = 40, deadline: float = 240) -> list[int]:
    """Run senders (one at a time) until no row of the batches is open; returns their exit codes."""
    codes: list[int] = []
    end = time.monotonic() + deadline
    for _ in range(max_runs):
        if not open_rows(db, batch_ids) or time.monotonic() > end:
            break
        codes.append(run_sender(env, ["send", "--execute"], log_path, timeout=max(10, end - time.monotonic())))
        if open_rows(db, batch_ids):
            time.sleep(0.3)
    return codes


# ---------------------------------------------------------------------------------------------- world

@dataclass
class Intent:
    """One intended queue row: what should end up on the board."""

    batch_key: str  # board:kind
    kind: str  # UPD_ITEM | UPD_SUB | NEW_ITEM | NEW_SUB
    board_id: int  # the batch's board (the parent board for subitems)
    item_id: int | None  # UPDATE: the item; CREATE: None
    name: str | None  # CREATE: the new item's name
    parent_id: int | None
    texts: dict[str, str]  # column id -> the text the board must show
    old: dict[str, Any] = field(default_factory=dict)  # column id -> write-shape value before (UPDATE)


@dataclass
class World:
    double: MondayDouble
    boards: list[int]
    intents: list[Intent]
    batches: dict[str, str] = field(default_factory=dict)  # batch_key -> batch_id
    staged_by: str = "procedures"

    @property
    def batch_ids(self) -> list[str]:
        return sorted(self.batches.values())

    @property
    def cells(self) -> int:
        return sum(len(i.texts) for i in self.intents)


def _write_shape(col_type: str, raw: Any) -> Any:
    """The write shape of a value stored in the double (what an audit row's old_value holds)."""
    if raw is None:
        return None
    if col_type in ("text", "numbers"):
        return str(raw)
    if col_type == "status":
        return {"index": int(raw["index"])}
    raise ValueError(col_type)


COL_TYPES = {"text": "text", "numbers": "numbers", "status": "status"}


def build_world(double: MondayDouble, cells: int = CELLS, *, seed: int = SEED, n_boards: int = 3,
                first_board: int = 7_000_000_001) -> World:
    """Boards with items and subitems in the double, and the intended changes (about ``cells`` cells):
    UPDATE of items and subitems (text, numbers, status), CREATE of items and subitems (text, numbers)."""
    rng = random.Random(seed)
    per_board = max(40, cells // n_boards)
    n_upd = max(4, int(per_board * 0.55) // 3)
    n_sub = max(2, int(per_board * 0.20) // 3)
    n_new = max(2, int(per_board * 0.15) // 2)
    n_newsub = max(2, int(per_board * 0.10) // 2)
    intents: list[Intent] = []
    boards = []
    for b in range(n_boards):
        board_id = first_board + 100 * b
        boards.append(board_id)
        item_ids = make_board(double.store, board_id, n_upd + 5, name=f"Fault board {b + 1}", with_subitems=True)
        sub_board = double.store.board(board_id).subitems_board_id
        subs = []
        for k in range(n_sub):
            subs.append(double.store.add_item(sub_board, f"Sub {k + 1}", parent_item_id=item_ids[k % len(item_ids)],
                                              column_values={"text": f"sub-{k}", "numbers": str(k),
                                                             "status": {"label": "Working on it"}}))
        for n, item in enumerate(item_ids[:n_upd]):
            raw = double.store.item(item)["raw"]
            now = double.store.item(item)["texts"]["status"]
            new_status = STATUS_LABELS[(STATUS_LABELS.index(now) + 1 + rng.randrange(3)) % 4]
            intents.append(Intent(f"{board_id}:UPD_ITEM", "UPD_ITEM", board_id, item, None, None,
                                  {"text": f"T{seed % 1000}-{b}-{n}-é", "numbers": str(1000 + n),
                                   "status": new_status},
                                  {c: _write_shape(COL_TYPES[c], raw.get(c)) for c in ("text", "numbers", "status")}))
        for n, sub in enumerate(subs):
            raw = double.store.item(sub)["raw"]
            intents.append(Intent(f"{board_id}:UPD_SUB", "UPD_SUB", board_id, sub, None, None,
                                  {"text": f"S{seed % 1000}-{b}-{n}", "numbers": str(500 + n),
                                   "status": rng.choice(["Done", "Stuck"])},
                                  {c: _write_shape(COL_TYPES[c], raw.get(c)) for c in ("text", "numbers", "status")}))
        for n in range(n_new):
            intents.append(Intent(f"{board_id}:NEW_ITEM", "NEW_ITEM", board_id, None, f"New {b}-{n} ☂", None,
                                  {"text": f"N{seed % 1000}-{b}-{n}", "numbers": str(2000 + n)}))
        for n in range(n_newsub):
            intents.append(Intent(f"{board_id}:NEW_SUB", "NEW_SUB", board_id, None, f"New sub {b}-{n}",
                                  item_ids[(n * 7) % len(item_ids)],
                                  {"text": f"NS{seed % 1000}-{b}-{n}", "numbers": str(3000 + n)}))
    return World(double, boards, intents)


# ---------------------------------------------------------------------------------------------- staging

def has_routine(db: Database, name: str) -> bool:
    if db.dialect == "postgres":
        return bool(db.scalar("SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = 'dbo' "
                              "AND routine_name = ?", [name.lower()]))
    return bool(db.scalar("SELECT COUNT(*) FROM sys.objects WHERE name = ? AND schema_id = SCHEMA_ID('dbo')",
                          [name]))


def sync_boards(db: Database, double: MondayDouble, boards: list[int]) -> None:
    from sender.monday import MondayClient
    from sender.sync import sync_board

    cfg = sender_config(db.dsn, double)
    with MondayClient(cfg) as client:
        for board_id in boards:
            sync_board(db, client, board_id, with_items=True)


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _values_query(columns: list[str], rows: list[list[Any]]) -> str:
    lines = ", ".join("(" + ", ".join(str(v) if isinstance(v, int) else _sql_str(str(v)) for v in r) + ")"
                      for r in rows)
    return f"SELECT {', '.join('v.' + c for c in columns)} FROM (VALUES {lines}) AS v({', '.join(columns)})"


def stage_world(db: Database, world: World) -> None:
    """Stage every batch of the world through usp_StageUpdates and release it with usp_ReleaseBatch."""
    groups: dict[str, list[Intent]] = defaultdict(list)
    for it in world.intents:
        groups[it.batch_key].append(it)
    for key, its in groups.items():
        board_id, kind = key.split(":")
        if kind in ("UPD_ITEM", "UPD_SUB"):
            cols = ["monday_item_id", "text", "numbers", "status"]
            rows = [[i.item_id, i.texts["text"], i.texts["numbers"], i.texts["status"]] for i in its]
            op, level = "UPDATE", "ITEMS" if kind == "UPD_ITEM" else "SUBITEMS"
        elif kind == "NEW_ITEM":
            cols = ["item_name", "group_id", "text", "numbers"]
            rows = [[i.name, "topics", i.texts["text"], i.texts["numbers"]] for i in its]
            op, level = "CREATE", "ITEMS"
        else:
            cols = ["parent_item_id", "item_name", "text", "numbers"]
            rows = [[i.parent_id, i.name, i.texts["text"], i.texts["numbers"]] for i in its]
            op, level = "CREATE", "SUBITEMS"
        res = db.call("usp_StageUpdates", outputs={"batch_id": "varchar(50)"}, query=_values_query(cols, rows),
                      board_id=int(board_id), update_operation=op, target_level=level)
        batch_id = res.outputs["batch_id"]
        bad = db.query("SELECT update_row_no, validation_status, validation_errors FROM "
                       f"dbo.{'STG_MON_CustMasterSchedule' if level == 'ITEMS' else 'STG_MON_CustMasterSchedule_Subitems'} "
                       "WHERE update_batch_id = ? AND validation_status NOT IN ('VALID', 'WARNING')", [batch_id])
        assert not bad, f"{key}: rows refused by validation: {bad[:3]}"
        db.call("usp_ReleaseBatch", batch_id=batch_id)
        world.batches[key] = batch_id


def prepare(db: Database, double: MondayDouble, cells: int = CELLS, *, seed: int = SEED,
            n_boards: int = 3) -> World:
    """Build the world in the double, sync its metadata into the database, stage and release its batches."""
    import pytest

    for routine in ("usp_StageUpdates", "usp_ReleaseBatch", "usp_ClaimQueueRows", "usp_RecordSendResult"):
        if not has_routine(db, routine):
            pytest.skip(f"{routine} is not installed yet")
    world = build_world(double, cells, seed=seed, n_boards=n_boards)
    sync_boards(db, double, world.boards)
    stage_world(db, world)
    return world


# ---------------------------------------------------------------------------------------------- the property

def _text_of(double: MondayDouble, item_id: int) -> dict[str, str]:
    return double.store.item(item_id)["texts"]


def check_property(db: Database, world: World, *, allow_failed: bool = False) -> list[str]:
    """Every problem found (empty: the property holds)."""
    problems: list[str] = []
    d = world.double
    batch_ids = world.batch_ids
    marks = ", ".join("?" for _ in batch_ids)
    queue = db.query(f"SELECT * FROM dbo.MON_UpdateQueue WHERE batch_id IN ({marks}) ORDER BY queue_id",
                     batch_ids)
    audit = db.query(f"SELECT * FROM dbo.MON_UpdateAudit WHERE batch_id IN ({marks}) ORDER BY audit_id", batch_ids)
    statuses = Counter(q["queue_status"] for q in queue)
    for st in OPEN:
        if statuses[st]:
            problems.append(f"{statuses[st]} queue rows left {st}")
    if not allow_failed:
        for q in queue:
            if q["queue_status"] not in ("SENT",):
                problems.append(f"queue row {q['queue_id']} ({q['update_operation']} item {q['monday_item_id']} "
                                f"{q['item_name']!r}) ended {q['queue_status']}: {q['last_error_code']} "
                                f"{q['last_error']} {q['result_detail']}")
    log = d.mutation_log
    applied_items = Counter(int(e["item_id"]) for e in log
                            if e.get("item_id") and e["operation"] in ("change_multiple_column_values",
                                                                       "change_column_value",
                                                                       "change_simple_column_value"))
    created_by_key = Counter(e.get("idempotency_key") for e in log
                             if e["operation"] in ("create_item", "create_subitem"))
    for key, n in created_by_key.items():
        if n > 1:
            problems.append(f"idempotency key {key}: {n} items created")
    audit_by = defaultdict(list)
    for a in audit:
        audit_by[(int(a["monday_item_id"] or 0), a["column_id"])].append(a)
    q_by_item = {int(q["monday_item_id"]): q for q in queue if q["monday_item_id"]}
    q_by_name = defaultdict(list)
    for q in queue:
        if q["update_operation"] == "CREATE":
            q_by_name[q["item_name"]].append(q)
    board_names: dict[int, Counter] = {}
    for it in world.intents:
        if it.item_id is not None:  # UPDATE
            item_id = it.item_id
            n = applied_items[item_id]
            if n > 1:
                problems.append(f"item {item_id}: {n} mutations applied for one queue row")
            q = q_by_item.get(item_id)
            if q is None:
                problems.append(f"item {item_id}: no queue row")
                continue
        else:  # CREATE
            board = d.store.board(it.board_id)
            target_board = board.subitems_board_id if it.kind == "NEW_SUB" else it.board_id
            if target_board not in board_names:
                board_names[target_board] = Counter(x["name"] for x in d.store.board_items(target_board))
            made = board_names[target_board][it.name]
            if made != 1:
                problems.append(f"{it.kind} {it.name!r}: {made} items with this name on board {target_board}")
            qs = q_by_name.get(it.name) or []
            if len(qs) != 1:
                problems.append(f"{it.name!r}: {len(qs)} queue rows")
                continue
            q = qs[0]
            if not q["created_item_id"]:
                problems.append(f"{it.name!r}: no created_item_id recorded (queue {q['queue_status']})")
                continue
            item_id = int(q["created_item_id"])
            try:
                got = d.store.item(item_id)
            except KeyError:
                problems.append(f"{it.name!r}: created_item_id {item_id} is not an item")
                continue
            if got["name"] != it.name or (it.parent_id and got["parent_item_id"] != it.parent_id):
                problems.append(f"{it.name!r}: created_item_id {item_id} is {got['name']!r} under "
                                f"{got['parent_item_id']}")
        texts = _text_of(d, item_id)
        sent_values = json.loads(q["column_values"] or "{}")
        for col, want in it.texts.items():
            if texts.get(col) != want:
                problems.append(f"item {item_id} ({it.kind}) {col}: board shows {texts.get(col)!r}, intended {want!r}")
            rows = [a for a in audit_by.get((item_id, col), []) if a["batch_id"] == q["batch_id"]]
            if len(rows) != 1:
                problems.append(f"item {item_id} ({it.kind}) {col}: {len(rows)} audit rows (queue "
                                f"{q['queue_status']}, detail {q['result_detail']})")
                continue
            a = rows[0]
            old = json.loads(a["old_value"]) if a["old_value"] is not None else None
            new = json.loads(a["new_value"]) if a["new_value"] is not None else None
            want_old = it.old.get(col) if it.item_id is not None else None
            if old != want_old:
                problems.append(f"item {item_id} {col}: audit old_value {old!r}, was {want_old!r}")
            if col in sent_values and new != sent_values[col]:
                problems.append(f"item {item_id} {col}: audit new_value {new!r}, queue sent {sent_values[col]!r}")
    internal = d.counters.get("internal_errors", 0)
    if internal:
        problems.append(f"the double had {internal} internal errors: {d.internal_errors[:2]}")
    return problems


# real seconds: a request arriving this soon after the answer that asked for a wait was already on its way.
# A wait for one board reaches the only thread sending to that board; an account-wide wait (complexity or
# minute budget) reaches the other boards' threads only after they finished sending what they had started,
# which on a loaded 2-core machine takes tens of milliseconds.
IN_FLIGHT_GRACE = 0.005
IN_FLIGHT_GRACE_ACCOUNT = 0.060


def early_requests(double: MondayDouble) -> tuple[list[str], list[str]]:
    """Requests that came before a wait monday asked for: (early, in_flight).

    With boards sent in parallel, a request another thread had already sent when the 429 reached the
    client arrives "early" too; one arriving within IN_FLIGHT_GRACE of the answer that asked for the wait
    cannot have been sent after the client read that answer, so it is listed apart (not a violation).
    """
    rejections = double.rejections
    early, in_flight = [], []
    for e in double.early_retry_log:
        cause = next((r for r in rejections if r.get("not_before") == e["not_before"]), {})
        line = (f"request {e['seq']} came {e['early_by'] * 1000:.1f} ms early (scope {e['scope']}); the wait came "
                f"from request {cause.get('seq')}: HTTP {cause.get('status')} {cause.get('code')} "
                f"retry_after {cause.get('retry_after')} boards {cause.get('boards')}")
        grace = IN_FLIGHT_GRACE_ACCOUNT if e["scope"] is None else IN_FLIGHT_GRACE
        if cause and e["time"] - cause["time"] < grace:
            in_flight.append(line + f", {1000 * (e['time'] - cause['time']):.1f} ms after it")
        else:
            early.append(line)
    return early, in_flight


def summary(problems: list[str], limit: int = int(os.environ.get("OPUS_FAULT_SHOW", "25"))) -> str:
    """Problems grouped by kind (numbers and quoted values blanked), then the first ones in full."""
    import re

    kinds = Counter(re.sub(r"'[^']*'|\{.*\}|\d+", "#", p)[:120] for p in problems)
    head = "\n  ".join(f"{n} x {k}" for k, n in kinds.most_common(12))
    return (f"{len(problems)} problems, by kind:\n  {head}\nfirst ones:\n  " + "\n  ".join(problems[:limit]))


def tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return ""
