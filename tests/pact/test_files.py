"""Reading pact files (`mockserver.pact.files`): V2, V3 and V4 read alike."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.pact.files import (
    Generator,
    Rule,
    State,
    body,
    generators,
    matching_rules,
    pact_version,
    provider_states,
    query,
)


@pytest.mark.parametrize(
    ("pact", "version"),
    [
        ({"metadata": {"pactSpecification": {"version": "2.0.0"}}}, "V2"),
        ({"metadata": {"pact-specification": {"version": "1.0.0"}}}, "V1"),
        ({"metadata": {"pactSpecification": {"version": "3.0.0"}}}, "V3"),
        ({"metadata": {"pactSpecificationVersion": "4.0"}}, "V4"),
        ({"interactions": [{"type": "Synchronous/HTTP"}]}, "V4"),
        ({"interactions": [{"providerStates": []}]}, "V3"),
        ({"interactions": [{"providerState": "x"}]}, "V2"),
        ([], "V2"),
    ],
)
def test_the_version_is_the_metadatas_else_the_shapes(pact: Any, version: str) -> None:
    assert pact_version(pact) == version


def test_a_body_is_unwrapped_in_v4_and_raw_in_v2_and_v3() -> None:
    v4 = {"body": {"content": {"a": 1}, "contentType": "application/json", "encoded": False}}
    raw = {"body": {"content": "x"}, "headers": {"Content-Type": "text/plain"}}
    assert body(v4, "V4") == (True, {"a": 1}, "application/json")
    assert body(v4) == (True, {"a": 1}, "application/json")
    assert body(raw, "V3") == (True, {"content": "x"}, "text/plain")
    assert body({"body": None}, "V2") == (True, None, None)
    assert body({"body": None}) == (False, None, None)
    assert body({}, "V3") == (False, None, None)
    assert body({"body": "text"}, "V4") == (False, None, None)


def test_a_v2_query_string_and_v3_lists_read_alike() -> None:
    assert query({"query": "limit=5&page=2&page=3"}) == [
        ("limit", "5"),
        ("page", "2"),
        ("page", "3"),
    ]
    assert query({"query": {"limit": ["5"], "page": "2"}}) == [("limit", "5"), ("page", "2")]
    assert query({}) == []


def test_v2_rule_paths_become_v3_categories() -> None:
    part = {
        "matchingRules": {
            "$.body.items[*].id": {"match": "regex", "regex": "^x$"},
            "$.body": {"match": "type"},
            "$.headers.Authorization": {"match": "type"},
            "$.headers['X-Trace']": {"regex": "^t"},
            "$.query.limit": {"match": "type"},
            "$.path": {"regex": "/x"},
            "$.other": {"match": "type"},
        }
    }
    rules = matching_rules(part, "V2")
    assert [(r.category, r.where, r.label) for r in rules] == [
        ("body", "$.items[*].id", "$.body.items[*].id"),
        ("body", "$", "$.body"),
        ("header", "Authorization", "$.header.Authorization"),
        ("header", "X-Trace", "$.header.X-Trace"),
        ("query", "limit", "$.query.limit"),
        ("path", "", "$.path"),
        ("body", "$.other", "$.body.other"),
    ]


def test_v3_rules_read_each_category() -> None:
    part = {
        "matchingRules": {
            "body": {"$.a": {"combine": "AND", "matchers": [{"match": "integer"}]}},
            "path": {"combine": "AND", "matchers": [{"match": "type"}]},
            "header": {"X": {"match": "type"}},
            "ignored": "not a mapping",
        }
    }
    assert matching_rules(part, "V3") == [
        Rule("body", "$.a", ({"match": "integer"},)),
        Rule("path", "", ({"match": "type"},)),
        Rule("header", "X", ({"match": "type"},)),
    ]
    assert matching_rules({}, "V4") == []


def test_provider_state_generators_and_the_values_they_name() -> None:
    part = {
        "generators": {
            "path": {"type": "ProviderState", "expression": "/p/${projectId}/t/${ taskId }"},
            "header": {"Authorization": {"type": "ProviderState", "expression": "Bearer ${t}"}},
            "body": {"$.id": {"type": "Uuid"}},
            "query": "not a mapping",
        }
    }
    found = generators(part)
    assert found == [
        Generator("path", "", "/p/${projectId}/t/${ taskId }"),
        Generator("header", "Authorization", "Bearer ${t}"),
    ]
    assert found[0].names == ("projectId", "taskId")


def test_provider_states_of_v2_and_v3() -> None:
    assert provider_states({"providerState": "a user exists"}) == [State("a user exists", {})]
    assert provider_states({"providerStates": [{"name": "s", "params": {"a": 1}}, "t"]}) == [
        State("s", {"a": 1}),
        State("t", {}),
    ]
    assert provider_states({}) == []
