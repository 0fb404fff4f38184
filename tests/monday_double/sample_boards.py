"""Sample boards: the owner's Planning board (8709134353) and a generic board maker for benchmarks."""

from __future__ import annotations

from .store import Store

PLANNING_BOARD_ID = 8709134353
PLANNING_SUBITEMS_BOARD_ID = 8709134354

USERS = [
    (4616627, "Ada Planner", "ada@example.com"),
    (4616628, "Ben Buyer", "ben@example.com"),
    (4616629, "Cara Chen", "cara@example.com"),
    (4616630, "Dev Ops", "dev@example.com"),
]
TEAMS = [(51166, "Planners")]

ORDER_STATUS_LABELS = [
    {"id": 0, "label": "Working on it", "index": 1},
    {"id": 1, "label": "Done", "index": 3, "is_done": True},
    {"id": 2, "label": "Stuck", "index": 4},
    {"id": 3, "label": "In Progress", "index": 2},
    {"id": 5, "label": "Not Started", "index": 0},
    {"id": 6, "label": "2024", "index": 5},
]
TAG_LABELS = [{"id": 1, "label": "Urgent"}, {"id": 2, "label": "Wholesale"}, {"id": 3, "label": "Retail"},
              {"id": 4, "label": "Sample"}]
SUB_STATUS_LABELS = [
    {"id": 0, "label": "Working on it", "index": 1},
    {"id": 1, "label": "Done", "index": 2, "is_done": True},
    {"id": 2, "label": "Stuck", "index": 3},
    {"id": 5, "label": "", "index": 0},
]

PLANNING_COLUMNS = [
    {"id": "name", "title": "Name", "type": "name"},
    {"id": "subtasks", "title": "Subitems", "type": "subtasks"},
    {"id": "status", "title": "Order Status", "type": "status", "settings": {"labels": ORDER_STATUS_LABELS}},
    {"id": "date4", "title": "Due Date", "type": "date"},
    {"id": "numbers", "title": "Quantity", "type": "numbers"},
    {"id": "person", "title": "Owner", "type": "people"},
    {"id": "email", "title": "Customer Email", "type": "email"},
    {"id": "phone", "title": "Phone", "type": "phone"},
    {"id": "link", "title": "Link", "type": "link"},
    {"id": "checkbox", "title": "Approved", "type": "checkbox"},
    {"id": "timeline", "title": "Timeline", "type": "timeline"},
    {"id": "hour", "title": "Start Hour", "type": "hour"},
    {"id": "rating", "title": "Priority Rating", "type": "rating", "settings": {"max": 5}},
    {"id": "country", "title": "Country", "type": "country"},
    {"id": "long_text", "title": "Notes", "type": "long_text"},
    {"id": "dropdown", "title": "Tags", "type": "dropdown", "settings": {"labels": TAG_LABELS}},
    {"id": "text", "title": "Customer Name", "type": "text"},
    {"id": "text0", "title": "Order Number", "type": "text"},
    {"id": "formula", "title": "Margin", "type": "formula", "settings": {"formula": "MINUS({numbers}, 10)"}},
]
PLANNING_SUBITEM_COLUMNS = [
    {"id": "name", "title": "Name", "type": "name"},
    {"id": "status", "title": "Sub Status", "type": "status", "settings": {"labels": SUB_STATUS_LABELS}},
    {"id": "date0", "title": "Sub Due", "type": "date"},
    {"id": "numbers", "title": "Sub Qty", "type": "numbers"},
    {"id": "text", "title": "Sub Notes", "type": "text"},
]
PLANNING_GROUPS = [{"id": "topics", "title": "This week"}, {"id": "new_group", "title": "Next week"}]


def _planning_items() -> list[dict]:
    return [
        {"name": "Order 1001 - Acme", "group_id": "topics", "column_values": {
            "status": {"label": "Working on it"}, "date4": {"date": "2026-06-15"}, "numbers": "120",
            "person": {"personsAndTeams": [{"id": 4616627, "kind": "person"}]},
            "email": {"email": "buyer@acme.example", "text": "Acme Buyer"},
            "phone": {"phone": "+12025550169", "countryShortName": "US"},
            "link": {"url": "https://acme.example/orders/1001", "text": "Order page"},
            "checkbox": {"checked": "true"}, "timeline": {"from": "2026-06-01", "to": "2026-06-15"},
            "hour": {"hour": 9, "minute": 30}, "rating": {"rating": 4},
            "country": {"countryCode": "US", "countryName": "United States"},
            "long_text": {"text": "Rush order; ship by truck."}, "dropdown": {"ids": [1, 2]},
            "text": "Acme Corp", "text0": "SO-1001"},
         "subitems": [
             {"name": "Cut fabric", "column_values": {"status": {"label": "Done"}, "date0": {"date": "2026-06-03"},
                                                      "numbers": "120", "text": "Lot A"}},
             {"name": "Sew", "column_values": {"status": {"label": "Working on it"}, "numbers": "60"}},
         ]},
        {"name": "Order 1002 - Globex", "group_id": "topics", "column_values": {
            "status": {"label": "Stuck"}, "date4": {"date": "2026-06-18", "time": "14:00:00"}, "numbers": "45.5",
            "person": {"personsAndTeams": [{"id": 4616628, "kind": "person"}, {"id": 51166, "kind": "team"}]},
            "text": "Globex", "text0": "SO-1002", "dropdown": {"ids": [3]}}},
        {"name": "Order 1003 - Initech", "group_id": "topics", "column_values": {
            "date4": {"date": "2026-06-20"}, "numbers": "10", "text": "Initech", "text0": "SO-1003"}},
        {"name": "Order 1004 - Umbrella", "group_id": "topics", "column_values": {
            "status": {"label": "Done"}, "numbers": "300", "text": "Umbrella", "text0": "SO-1004",
            "country": {"countryCode": "GB", "countryName": "United Kingdom"}, "rating": {"rating": 5}},
         "subitems": [{"name": "Pack", "column_values": {"status": {"label": "Done"}}}]},
        {"name": "Order 1005 - Hooli", "group_id": "topics", "column_values": {
            "status": {"label": "In Progress"}, "text": "Hooli", "text0": "SO-1005",
            "email": {"email": "ops@hooli.example", "text": "ops@hooli.example"}}},
        {"name": "Order 1006 - Stark", "group_id": "new_group", "column_values": {
            "status": {"index": 6}, "numbers": "7", "text": "Stark Industries", "text0": "SO-1006",
            "hour": {"hour": 16, "minute": 42}}},
        {"name": "Order 1007 - Wayne", "group_id": "new_group", "column_values": {
            "text": "Wayne Enterprises", "text0": "SO-1007", "long_text": {"text": "Samples first"},
            "dropdown": {"ids": [4]}}},
        {"name": "Order 1008 - Cyberdyne", "group_id": "new_group", "column_values": {
            "status": {"label": "Working on it"}, "date4": {"date": "2026-07-01"}, "text": "Cyberdyne",
            "text0": "SO-1008", "person": {"personsAndTeams": [{"id": 4616629, "kind": "person"}]}},
         "subitems": [{"name": "Prototype", "column_values": {"numbers": "2", "text": "v1"}},
                      {"name": "Review", "column_values": {}}]},
        {"name": "Order 1009 - Tyrell", "group_id": "new_group", "column_values": {
            "text": "Tyrell", "text0": "SO-1009", "timeline": {"from": "2026-07-01", "to": "2026-07-10"}}},
        {"name": "Order 1010 - Soylent", "group_id": "new_group", "column_values": {
            "text": "Soylent", "text0": "SO-1010", "checkbox": {"checked": "false"}, "numbers": "0"}},
    ]


def load_planning_board(store: Store) -> dict:
    """Board 8709134353 "Planning" with its subitems board 8709134354, users and 10 items.

    Returns ``{"board_id", "subitems_board_id", "item_ids", "subitem_ids"}`` (subitem ids keyed by parent).
    """
    for uid, name, email in USERS:
        store.add_user(uid, name, email)
    for tid, name in TEAMS:
        store.add_team(tid, name)
    store.add_board(PLANNING_BOARD_ID, "Planning", columns=PLANNING_COLUMNS, groups=PLANNING_GROUPS,
                    subitem_columns=PLANNING_SUBITEM_COLUMNS, subitems_board_id=PLANNING_SUBITEMS_BOARD_ID)
    item_ids: list[int] = []
    subitem_ids: dict[int, list[int]] = {}
    for spec in _planning_items():
        iid = store.add_item(PLANNING_BOARD_ID, spec["name"], group_id=spec["group_id"],
                             column_values=spec["column_values"])
        item_ids.append(iid)
        for sub in spec.get("subitems", []):
            subitem_ids.setdefault(iid, []).append(
                store.add_item(PLANNING_SUBITEMS_BOARD_ID, sub["name"], column_values=sub["column_values"],
                               parent_item_id=iid))
    return {"board_id": PLANNING_BOARD_ID, "subitems_board_id": PLANNING_SUBITEMS_BOARD_ID,
            "item_ids": item_ids, "subitem_ids": subitem_ids}


GENERIC_COLUMNS = [
    {"id": "status", "title": "Status", "type": "status", "settings": {"labels": ORDER_STATUS_LABELS}},
    {"id": "date4", "title": "Date", "type": "date"},
    {"id": "numbers", "title": "Numbers", "type": "numbers"},
    {"id": "text", "title": "Text", "type": "text"},
    {"id": "person", "title": "Owner", "type": "people"},
    {"id": "dropdown", "title": "Tags", "type": "dropdown", "settings": {"labels": TAG_LABELS}},
]


def make_board(store: Store, board_id: int, n_items: int, name: str | None = None,
               with_subitems: bool = False, groups: int = 2) -> list[int]:
    """A board with the generic column set and ``n_items`` items; returns the item ids."""
    if 4616627 not in store.users:
        for uid, uname, email in USERS:
            store.add_user(uid, uname, email)
    grps = [{"id": "topics" if g == 0 else f"group_{g}", "title": f"Group {g + 1}"} for g in range(groups)]
    store.add_board(board_id, name or f"Bench board {board_id}", columns=GENERIC_COLUMNS, groups=grps,
                    subitem_columns=PLANNING_SUBITEM_COLUMNS if with_subitems else None)
    ids = []
    labels = ["Working on it", "Done", "Stuck", "In Progress"]
    for i in range(n_items):
        ids.append(store.add_item(board_id, f"Item {i + 1}", group_id=grps[i % groups]["id"], column_values={
            "status": {"label": labels[i % len(labels)]}, "numbers": str(i), "text": f"row-{i}",
            "date4": {"date": f"2026-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}"}}))
    return ids
