"""Every query and mutation shape the double serves (the sender's operations are a subset of these).

``test_conformance.py`` validates each against monday's official schema and the project's SDL subset,
and runs each against the double.
"""

ITEM_FIELDS = """
  id name state url created_at updated_at
  board { id name } group { id title } parent_item { id }
  column_values { id type value text column { id title type } }
"""

OPERATIONS: dict[str, tuple[str, dict]] = {
    "board_metadata": ("""
query ($ids: [ID!]) {
  complexity { before query after reset_in_x_seconds }
  boards(ids: $ids) {
    id name state board_kind type url items_count
    columns { id title description type width archived settings settings_str revision }
    groups { id title color position archived deleted }
  }
}""", {"ids": ["8709134353"]}),
    "items_page_first": ("""
query ($board: [ID!], $limit: Int!) {
  boards(ids: $board) {
    items_page(limit: $limit, query_params: {rules: [{column_id: "text0", compare_value: ["SO-1001"],
                                                      operator: any_of}], operator: and}) {
      cursor
      items { id name group { id } column_values(ids: ["status", "text0"]) { id type value text } }
    }
  }
}""", {"board": ["8709134353"], "limit": 500}),
    "items_page_all": ("""
query ($board: [ID!]) {
  boards(ids: $board) { items_page(limit: 2) { cursor items { id name } } }
}""", {"board": ["8709134353"]}),
    "items_by_ids": ("""
query ($ids: [ID!], $cols: [String!]) {
  items(ids: $ids, limit: 100) {
    id name board { id } group { id } parent_item { id }
    subitems { id name board { id } column_values { id type value text } }
    column_values(ids: $cols) { id type value text }
  }
}""", {"ids": ["9100000001"], "cols": ["status", "date4", "numbers"]}),
    "typed_fragments": ("""
query ($ids: [ID!]) {
  items(ids: $ids) {
    column_values {
      __typename id
      ... on StatusValue { index label is_done updated_at }
      ... on DateValue { date time icon }
      ... on NumbersValue { number }
      ... on PeopleValue { persons_and_teams { id kind } }
      ... on DropdownValue { values { id label } }
      ... on EmailValue { email label }
      ... on PhoneValue { phone country_short_name }
      ... on LinkValue { url url_text }
      ... on CheckboxValue { checked }
      ... on TimelineValue { from to }
      ... on HourValue { hour minute }
      ... on RatingValue { rating }
      ... on CountryValue { country { code name } }
      ... on FormulaValue { display_value }
      ... on SubtasksValue { subitems_ids }
    }
  }
}""", {"ids": ["9100000001"]}),
    "users": ("query { users(limit: 50) { id name email } }", {}),
    "complexity_only": ("query { complexity { before query after reset_in_x_seconds } }", {}),
    "change_multiple_column_values": ("""
mutation ($board: ID!, $item: ID!, $values: JSON!) {
  change_multiple_column_values(board_id: $board, item_id: $item, column_values: $values,
                                create_labels_if_missing: false) {
    id name column_values(ids: ["status"]) { id value text }
  }
  complexity { before query after reset_in_x_seconds }
}""", {"board": "8709134353", "item": "9100000001", "values": '{"status": {"label": "Done"}}'}),
    "change_column_value": ("""
mutation ($board: ID!, $item: ID!, $col: String!, $value: JSON!) {
  change_column_value(board_id: $board, item_id: $item, column_id: $col, value: $value) { id }
}""", {"board": "8709134353", "item": "9100000001", "col": "numbers", "value": '"42"'}),
    "change_simple_column_value": ("""
mutation ($board: ID!, $item: ID!, $col: String!, $value: String) {
  change_simple_column_value(board_id: $board, item_id: $item, column_id: $col, value: $value) { id name }
}""", {"board": "8709134353", "item": "9100000001", "col": "text", "value": "Acme Inc"}),
    "create_item": ("""
mutation ($board: ID!, $name: String!, $group: String, $values: JSON) {
  create_item(board_id: $board, item_name: $name, group_id: $group, column_values: $values,
              create_labels_if_missing: true) { id name url board { id } group { id title } created_at }
}""", {"board": "8709134353", "name": "New order", "group": "topics", "values": '{"text0": "SO-2000"}'}),
    "create_subitem": ("""
mutation ($parent: ID!, $name: String!, $values: JSON) {
  create_subitem(parent_item_id: $parent, item_name: $name, column_values: $values) {
    id name board { id } parent_item { id }
  }
}""", {"parent": "9100000001", "name": "Step", "values": '{"numbers": "3"}'}),
    "aliased_batch": ("""
mutation ($board: ID!, $a: ID!, $b: ID!, $va: JSON!, $vb: JSON!) {
  r1: change_multiple_column_values(board_id: $board, item_id: $a, column_values: $va) { id }
  r2: change_multiple_column_values(board_id: $board, item_id: $b, column_values: $vb) { id }
  complexity { query after reset_in_x_seconds }
}""", {"board": "8709134353", "a": "9100000001", "b": "9100000004", "va": '{"numbers": "1"}',
       "vb": '{"numbers": "2"}'}),
    "archive_item": ("mutation ($id: ID!) { archive_item(item_id: $id) { id state } }", {"id": "9100000010"}),
    "delete_item": ("mutation ($id: ID!) { delete_item(item_id: $id) { id state } }", {"id": "9100000011"}),
}
