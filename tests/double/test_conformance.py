"""The project's SDL subset and every operation the double serves validate against monday's schema."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    parse,
    validate,
)

from tests.monday_double.api import SDL_PATH

from .conftest import OFFICIAL_SCHEMA, post
from .operations import OPERATIONS


@pytest.fixture(scope="module")
def official():
    if not OFFICIAL_SCHEMA.is_file():
        pytest.skip(f"monday's official schema is absent: expected it at {OFFICIAL_SCHEMA}")
    return build_schema(OFFICIAL_SCHEMA.read_text())


@pytest.fixture(scope="module")
def subset():
    return build_schema(SDL_PATH.read_text())


def test_subset_is_a_strict_subset_of_official(official, subset):
    problems: list[str] = []
    for name, t in subset.type_map.items():
        if name.startswith("__"):
            continue
        o = official.type_map.get(name)
        if o is None:
            problems.append(f"type {name} missing from the official schema")
            continue
        if type(o) is not type(t):
            problems.append(f"{name}: kind {type(t).__name__} vs official {type(o).__name__}")
            continue
        if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)):
            for iface in t.interfaces:
                if iface.name not in {i.name for i in o.interfaces}:
                    problems.append(f"{name} implements {iface.name}, official does not")
            for fname, f in t.fields.items():
                of = o.fields.get(fname)
                if of is None:
                    problems.append(f"{name}.{fname} missing from official")
                    continue
                if str(f.type) != str(of.type):
                    problems.append(f"{name}.{fname}: {f.type} vs official {of.type}")
                if (f.deprecation_reason is None) != (of.deprecation_reason is None):
                    problems.append(f"{name}.{fname}: deprecation differs")
                for aname, a in f.args.items():
                    oa = of.args.get(aname)
                    if oa is None:
                        problems.append(f"{name}.{fname}({aname}) missing from official")
                    elif str(a.type) != str(oa.type) or a.default_value != oa.default_value:
                        problems.append(f"{name}.{fname}({aname}): {a.type} vs official {oa.type}")
                for aname, oa in of.args.items():
                    if str(oa.type).endswith("!") and oa.default_value is None and aname not in f.args:
                        problems.append(f"{name}.{fname}: required official arg {aname} missing")
        elif isinstance(t, GraphQLEnumType):
            extra = set(t.values) - set(o.values)
            if extra:
                problems.append(f"enum {name}: values {sorted(extra)} not in official")
        elif isinstance(t, GraphQLInputObjectType):
            for fname, f in t.fields.items():
                of = o.fields.get(fname)
                if of is None or str(f.type) != str(of.type) or f.default_value != of.default_value:
                    problems.append(f"input {name}.{fname} differs from official")
            for fname, of in o.fields.items():
                if str(of.type).endswith("!") and fname not in t.fields:
                    problems.append(f"input {name}: required official field {fname} missing")
        else:
            assert isinstance(t, GraphQLScalarType)
    assert problems == []


def test_subset_serves_the_sender_mutations_with_official_signatures(subset):
    m = subset.mutation_type.fields
    assert set(m) >= {"change_multiple_column_values", "change_column_value", "change_simple_column_value",
                      "create_item", "create_subitem", "archive_item", "delete_item", "complexity"}
    assert str(m["change_multiple_column_values"].args["column_values"].type) == "JSON!"


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_served_operation_validates_against_official_and_subset(official, subset, name):
    query, _ = OPERATIONS[name]
    doc = parse(query)
    assert validate(official, doc) == [], f"{name} is not valid against monday's official schema"
    assert validate(subset, doc) == [], f"{name} is not valid against the project's SDL subset"


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_served_operation_runs_on_the_double_without_errors(monday_double, name):
    query, variables = OPERATIONS[name]
    ids = monday_double.planning["item_ids"]
    # the corpus uses the Planning board's deterministic item ids
    assert ids[0] == 9100000001
    r = post(monday_double, query, variables)
    assert r.status_code == 200
    body = r.json()
    assert "errors" not in body, body
    assert body["data"] and all(v is not None for v in body["data"].values())
    assert monday_double.counters["internal_errors"] == 0


def test_official_schema_rejects_what_the_subset_rejects(official, subset):
    # sanity: an operation outside the API fails on both (the conformance check can fail)
    doc = parse("query { items(ids: [1]) { no_such_field } }")
    assert validate(official, doc) and validate(subset, doc)
