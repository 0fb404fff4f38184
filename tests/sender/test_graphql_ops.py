"""Every operation the sender can send validates against monday's published schema (and the double's SDL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from sender import graphql_ops as ops

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "monday" / "schema.graphql"
SUBSET = Path(__file__).resolve().parents[1] / "monday_double" / "api_subset.graphql"


@pytest.fixture(scope="module")
def monday_schema():
    if not SCHEMA.is_file():
        pytest.skip(f"monday's schema is not at {SCHEMA}: the operations were not checked against it")
    return build_schema(SCHEMA.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(ops.ALL_OPERATIONS))
def test_operation_validates_against_monday_schema(monday_schema, name):
    errors = validate(monday_schema, parse(ops.ALL_OPERATIONS[name]))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("name", sorted(ops.ALL_OPERATIONS))
def test_operation_validates_against_the_double(name):
    schema = build_schema(SUBSET.read_text(encoding="utf-8"))
    errors = validate(schema, parse(ops.ALL_OPERATIONS[name]))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("count", [1, 2, 10, 50])
def test_aliased_documents_validate(monday_schema, count):
    doc = ops.change_multiple_document(count)
    assert not validate(monday_schema, parse(doc))
    variables = ops.change_multiple_variables(
        [{"board_id": 1, "item_id": n, "column_values": "{}", "create_labels_if_missing": False}
         for n in range(count)])
    declared = {v.variable.name.value for v in parse(doc).definitions[0].variable_definitions}
    assert declared == set(variables)


def test_every_module_document_is_listed():
    """Nothing is sent that the schema test does not see: every document constant is in ALL_OPERATIONS."""
    docs = {v for k, v in vars(ops).items() if k.isupper() and isinstance(v, str) and
            v.lstrip().startswith(("query", "mutation"))}
    assert docs <= set(ops.ALL_OPERATIONS.values())


def test_values_travel_as_variables_only():
    """No document holds a literal value: every argument is a $variable (or a fixed enum/int literal none)."""
    from graphql import ArgumentNode, visit
    from graphql.language import Visitor

    class Literals(Visitor):
        found: list[str] = []

        def enter_argument(self, node: ArgumentNode, *_):
            if node.value.kind != "variable":
                self.found.append(node.name.value)

    for doc in ops.ALL_OPERATIONS.values():
        v = Literals()
        v.found = []
        visit(parse(doc), v)
        assert v.found == [], doc
