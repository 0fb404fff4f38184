"""Every GraphQL operation the sender can send to monday.com.

Values are never put into the document text: every value travels as a GraphQL variable. The only
documents built at run time are the aliased multi-mutation documents, and they are built from a fixed
template whose only variable part is the alias number (``m0``, ``m1``, ...), each alias with its own
``$variables``. ``ALL_OPERATIONS`` lists one instance of each shape for the schema test.
"""

from __future__ import annotations

from typing import Any

# the cost of each request is measured from monday's own `complexity` field (monday's API documentation)
COMPLEXITY = "complexity { before query after reset_in_x_seconds }"

# ---------------------------------------------------------------------------------------------- reads

# before anything is claimed: is the token accepted, and how much complexity budget is left
PING = """
query Ping {
  complexity { before query after reset_in_x_seconds }
}
"""

# the account's daily call limit and its usage per day, as monday counts them (the daily budget)
PLATFORM_API = """
query PlatformApi {
  platform_api {
    daily_limit { base total }
    daily_analytics { last_updated by_day { day usage } }
  }
}
"""

# opus-sender doctor: whose token this is, which API versions monday serves, which boards it can see
WHO_AM_I = """
query WhoAmI {
  me { id name email }
  versions { value kind }
  complexity { before query after reset_in_x_seconds }
}
"""

BOARDS_REACHABLE = """
query BoardsReachable($board_ids: [ID!], $limit: Int) {
  boards(ids: $board_ids, limit: $limit) { id name }
}
"""

BOARD_METADATA = """
query BoardMetadata($board_ids: [ID!]) {
  boards(ids: $board_ids) {
    id
    name
    board_kind
    type
    columns { id title type settings }
    groups { id title }
  }
  complexity { before query after reset_in_x_seconds }
}
"""

BOARD_ITEMS_FIRST_PAGE = """
query BoardItemsFirstPage($board_ids: [ID!], $limit: Int!) {
  boards(ids: $board_ids) {
    items_page(limit: $limit) {
      cursor
      items { id name group { id } parent_item { id } }
    }
  }
}
"""

BOARD_ITEMS_NEXT_PAGE = """
query BoardItemsNextPage($cursor: String!, $limit: Int!) {
  next_items_page(cursor: $cursor, limit: $limit) {
    cursor
    items { id name group { id } parent_item { id } }
  }
}
"""

USERS_PAGE = """
query UsersPage($limit: Int!, $page: Int!) {
  users(limit: $limit, page: $page) { id name email }
}
"""

# current values of the touched cells, <= 100 items per read (monday's items(ids:) limit)
READ_ITEMS = """
query ReadItems($item_ids: [ID!], $column_ids: [String!], $limit: Int!) {
  items(ids: $item_ids, limit: $limit) {
    id
    name
    state
    board { id }
    column_values(ids: $column_ids) { id type text value }
  }
  complexity { before query after reset_in_x_seconds }
}
"""

# a CREATE whose response was lost: look the item up by name on the board before creating it again
FIND_ITEMS_BY_NAME = """
query FindItemsByName($board_ids: [ID!], $query_params: ItemsQuery, $limit: Int!, $column_ids: [String!]) {
  boards(ids: $board_ids) {
    items_page(limit: $limit, query_params: $query_params) {
      items { id name created_at group { id } column_values(ids: $column_ids) { id type text value } }
    }
  }
}
"""

# ... and for a subitem: the subitems of its parent
FIND_SUBITEMS = """
query FindSubitems($item_ids: [ID!], $column_ids: [String!]) {
  items(ids: $item_ids) {
    id
    subitems { id name created_at column_values(ids: $column_ids) { id type text value } }
  }
}
"""

# ---------------------------------------------------------------------------------------------- writes

CHANGE_MULTIPLE_COLUMN_VALUES = """
mutation ChangeMultipleColumnValues($board_id: ID!, $item_id: ID, $column_values: JSON!,
                                    $create_labels_if_missing: Boolean) {
  change_multiple_column_values(board_id: $board_id, item_id: $item_id, column_values: $column_values,
                                create_labels_if_missing: $create_labels_if_missing) { id }
  complexity { before query after reset_in_x_seconds }
}
"""

CREATE_ITEM = """
mutation CreateItem($board_id: ID!, $item_name: String!, $group_id: String, $column_values: JSON,
                    $create_labels_if_missing: Boolean) {
  create_item(board_id: $board_id, item_name: $item_name, group_id: $group_id, column_values: $column_values,
              create_labels_if_missing: $create_labels_if_missing) { id board { id } }
  complexity { before query after reset_in_x_seconds }
}
"""

CREATE_SUBITEM = """
mutation CreateSubitem($parent_item_id: ID!, $item_name: String!, $column_values: JSON,
                       $create_labels_if_missing: Boolean) {
  create_subitem(parent_item_id: $parent_item_id, item_name: $item_name, column_values: $column_values,
                 create_labels_if_missing: $create_labels_if_missing) { id board { id } }
  complexity { before query after reset_in_x_seconds }
}
"""

ARCHIVE_ITEM = """
mutation ArchiveItem($item_id: ID) {
  archive_item(item_id: $item_id) { id state }
  complexity { before query after reset_in_x_seconds }
}
"""

# the fixed template of one alias in a multi-mutation document: only {n} (an integer) varies
_ALIAS_VARS = "$b{n}: ID!, $i{n}: ID, $v{n}: JSON!, $l{n}: Boolean"
_ALIAS_FIELD = (
    "  m{n}: change_multiple_column_values(board_id: $b{n}, item_id: $i{n}, column_values: $v{n}, "
    "create_labels_if_missing: $l{n}) {{ id }}"
)


def alias_name(n: int) -> str:
    return f"m{int(n)}"


def change_multiple_document(count: int) -> str:
    """The document of ``count`` aliased change_multiple_column_values mutations (m0..m{count-1})."""
    count = int(count)
    if count < 1:
        raise ValueError("count must be at least 1")
    decl = ", ".join(_ALIAS_VARS.format(n=n) for n in range(count))
    body = "\n".join(_ALIAS_FIELD.format(n=n) for n in range(count))
    return f"mutation ChangeMany({decl}) {{\n{body}\n  {COMPLEXITY}\n}}\n"


def change_multiple_variables(updates: list[dict[str, Any]]) -> dict[str, Any]:
    """Variables for :func:`change_multiple_document`; each update has board_id, item_id,
    column_values (a JSON string) and create_labels_if_missing (bool)."""
    out: dict[str, Any] = {}
    for n, u in enumerate(updates):
        out[f"b{n}"] = str(u["board_id"])
        out[f"i{n}"] = str(u["item_id"])
        out[f"v{n}"] = u["column_values"]
        out[f"l{n}"] = bool(u.get("create_labels_if_missing"))
    return out


def find_by_name_params(name: str) -> dict[str, Any]:
    """``query_params`` (an ItemsQuery variable) matching items whose name is ``name``."""
    return {"rules": [{"column_id": "name", "compare_value": [name], "operator": "any_of"}]}


# one instance of every document the sender can send (tests validate each against monday's schema)
ALL_OPERATIONS: dict[str, str] = {
    "Ping": PING,
    "PlatformApi": PLATFORM_API,
    "WhoAmI": WHO_AM_I,
    "BoardsReachable": BOARDS_REACHABLE,
    "BoardMetadata": BOARD_METADATA,
    "BoardItemsFirstPage": BOARD_ITEMS_FIRST_PAGE,
    "BoardItemsNextPage": BOARD_ITEMS_NEXT_PAGE,
    "UsersPage": USERS_PAGE,
    "ReadItems": READ_ITEMS,
    "FindItemsByName": FIND_ITEMS_BY_NAME,
    "FindSubitems": FIND_SUBITEMS,
    "ChangeMultipleColumnValues": CHANGE_MULTIPLE_COLUMN_VALUES,
    "CreateItem": CREATE_ITEM,
    "CreateSubitem": CREATE_SUBITEM,
    "ArchiveItem": ARCHIVE_ITEM,
    "ChangeMany(1)": change_multiple_document(1),
    "ChangeMany(3)": change_multiple_document(3),
}
