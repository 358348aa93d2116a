"""``x-mock-match``: each condition kind accepts what it names and refuses the rest."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers

from mockserver.errors import SpecError
from mockserver.spec.matching import MatchFacts, parse_match


def facts(
    *,
    path: dict[str, Any] | None = None,
    query: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> MatchFacts:
    return MatchFacts(path or {}, query or {}, Headers(headers or {}), body)


VIP = {
    "path": {"petId": "1"},
    "query": {"verbose": True},
    "header": {"X-Tenant": "acme"},
    "body": {"/customer/tier": "gold"},
}
VIP_REQUEST: dict[str, Any] = {
    "path": {"petId": 1},
    "query": {"verbose": True},
    "headers": {"x-tenant": "acme"},
    "body": {"customer": {"tier": "gold"}},
}


def test_every_location_must_match() -> None:
    rule = parse_match(VIP)
    assert rule.accepts(facts(**VIP_REQUEST))


@pytest.mark.parametrize(
    ("changed", "value"),
    [
        ("path", {"petId": 2}),
        ("query", {"verbose": False}),
        ("query", {}),
        ("headers", {"x-tenant": "other"}),
        ("body", {"customer": {"tier": "silver"}}),
        ("body", {"customer": "gold"}),
        ("body", None),
    ],
)
def test_one_location_that_differs_refuses_the_example(changed: str, value: Any) -> None:
    request = {**VIP_REQUEST, changed: value}
    assert not parse_match(VIP).accepts(facts(**request))


def test_parameters_compare_as_the_text_a_request_sends() -> None:
    rule = parse_match({"path": {"petId": 1}, "query": {"tags": "a,b"}})
    assert rule.accepts(facts(path={"petId": "1"}, query={"tags": ["a", "b"]}))
    assert not rule.accepts(facts(path={"petId": "10"}, query={"tags": ["a", "b"]}))


def test_body_values_compare_as_json() -> None:
    rule = parse_match({"body": {"count": 1}})
    assert rule.accepts(facts(body={"count": 1}))
    assert not rule.accepts(facts(body={"count": "1"}))
    assert not rule.accepts(facts(body={"count": True}))


def test_equals_compares_a_whole_object_and_a_field_name_is_a_top_level_pointer() -> None:
    rule = parse_match({"body": {"customer": {"equals": {"tier": "gold"}}}})
    assert rule.accepts(facts(body={"customer": {"tier": "gold"}}))
    assert not rule.accepts(facts(body={"customer": {"tier": "gold", "x": 1}}))


def test_a_pointer_reaches_into_arrays() -> None:
    rule = parse_match({"body": {"/items/1/sku": {"pattern": "^B-"}}})
    assert rule.accepts(facts(body={"items": [{"sku": "A-1"}, {"sku": "B-2"}]}))
    assert not rule.accepts(facts(body={"items": [{"sku": "B-1"}]}))


def test_a_pattern_is_searched_in_the_text_of_the_value() -> None:
    rule = parse_match(
        {"header": {"x-tenant": {"pattern": "^acme-"}}, "query": {"n": {"pattern": "^4"}}}
    )
    assert rule.accepts(facts(headers={"X-Tenant": "acme-eu"}, query={"n": 42}))
    assert not rule.accepts(facts(headers={"X-Tenant": "big-acme-eu"}, query={"n": 42}))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("vip", "expected a mapping of locations"),
        ({}, "expected a mapping of locations"),
        ({"cookie": {"a": 1}}, "expected a location among path, query, header, body"),
        ({"query": ["a"]}, "expected a mapping of names to values"),
        ({"query": {"a": {"pattern": "("}}}, "does not compile"),
        ({"query": {"a": {"regex": "x"}}}, "expected a value, {equals: VALUE} or {pattern"),
    ],
)
def test_a_malformed_match_names_its_place_and_the_fix(raw: Any, message: str) -> None:
    with pytest.raises(SpecError, match=message) as caught:
        parse_match(raw, pointer="/paths/~1pets/get/x")
    assert caught.value.pointer.startswith("/paths/~1pets/get/x")
    assert "fix: write x-mock-match as" in str(caught.value)


scalars = st.one_of(st.booleans(), st.integers(), st.text(max_size=8), st.none())


@given(expected=scalars, actual=scalars)
def test_a_body_equality_holds_exactly_for_equal_json(expected: Any, actual: Any) -> None:
    rule = parse_match({"body": {"/v": expected}})
    same_type = type(expected) is type(actual)
    assert rule.accepts(facts(body={"v": actual})) == (same_type and expected == actual)
