"""Matching rules against a schema (`mockserver.pact.rules`), without a pact file around them.

`tests/pact/test_check.py` shows each conflict through ``contracts check``; here the rules meet
small schemas directly: what stays quiet, and any rule Hypothesis draws never crashes the check.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.pact.files import Rule
from mockserver.pact.rules import RuleTarget, rule_conflicts

UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RFC3339 = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "at": {"type": "string", "format": "date-time"},
        "amount": {"type": "integer"},
        "price": {"type": "number"},
        "code": {"type": "string", "pattern": "^[a-z]+$"},
        "tags": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "string"}},
        "meta": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "any": {},
        "day": {"type": "string", "format": "date"},
    },
}
VALUE = {
    "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "at": "2026-01-02T03:04:05Z",
    "amount": 12900,
    "price": 12.5,
    "code": "abc",
    "tags": ["a"],
    "meta": {"x": True},
}


def _conflicts(side: str, where: str, *matchers: dict[str, Any]) -> list[str]:
    target = RuleTarget(side, {}, SCHEMA, VALUE)
    return list(rule_conflicts([Rule("body", where, matchers)], target))


@pytest.mark.parametrize(
    ("where", "matcher"),
    [
        ("$.id", {"match": "regex", "regex": UUID}),
        ("$.at", {"match": "regex", "regex": RFC3339}),
        ("$.amount", {"match": "integer"}),
        ("$.amount", {"match": "number"}),
        ("$.price", {"match": "decimal"}),
        ("$.price", {"match": "number"}),
        ("$.code", {"match": "regex", "regex": "^[a-z]{3}$"}),
        ("$.tags", {"match": "type", "min": 1}),
        ("$.meta.x", {"match": "boolean"}),
        ("$.any", {"match": "integer"}),
        ("$.unknown", {"match": "integer"}),
        ("$.*", {"match": "type"}),
        (
            "$.id",
            {"match": "regex", "regex": "^[0-9a-f-]{36}\\z"},
        ),  # Rust's \z: the verifier's call
        ("$.id", {"match": "equality"}),
        ("$.at", {"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ss.SSSX"}),
        ("$.at", {"match": "timestamp", "timestamp": "yyyy-MM-dd'T'HH:mm:ssXXX"}),
        ("$.day", {"match": "date", "format": "yyyy-MM-dd"}),
        ("$.code", {"match": "time", "format": "HH:mm"}),
    ],
)
def test_a_matcher_the_schema_allows_stays_quiet(where: str, matcher: dict[str, Any]) -> None:
    assert _conflicts("response", where, matcher) == []


def test_a_time_matcher_against_another_format_or_type_fails() -> None:
    assert _conflicts("response", "$.day", {"match": "datetime", "format": "yyyy-MM-dd'T'HH"}) == [
        "response $.body.day: a datetime matcher (yyyy-MM-dd'T'HH), but the schema's format is "
        "date; use a date matcher"
    ]
    assert _conflicts("response", "$.at", {"match": "date"}) == [
        "response $.body.at: a date matcher, but the schema's format is date-time; use a "
        "datetime matcher"
    ]
    assert _conflicts("response", "$.amount", {"match": "timestamp"}) == [
        "response $.body.amount: a timestamp matcher, but the schema's type is integer"
    ]


def test_an_integer_matcher_on_a_number_fails_in_a_response_only() -> None:
    [problem] = _conflicts("response", "$.price", {"match": "integer"})
    assert problem.startswith("response $.body.price: an integer matcher, but the schema's type")
    assert "(the provider may answer 12.5)" in problem
    assert _conflicts("request", "$.price", {"match": "integer"}) == []


def test_an_ecma_named_group_is_read_as_python_reads_it() -> None:
    problems = _conflicts("response", "$.code", {"match": "regex", "regex": "^(?<n>[0-9]+)$"})
    assert problems[0] == (
        "response $.body.code: the regex '^(?<n>[0-9]+)$' does not match its own example 'abc'"
    )
    assert problems[1].endswith("none matching the schema's pattern '^[a-z]+$'")


def test_a_regex_matcher_without_a_regex_is_reported() -> None:
    assert _conflicts("request", "$.code", {"match": "regex"}) == [
        "request $.body.code: a regex matcher without a regex"
    ]


def test_a_rule_on_a_header_without_a_declared_schema_is_left_alone() -> None:
    target = RuleTarget("request", {}, parameters={("header", "x"): {"type": "integer"}})
    rules = [
        Rule("header", "Y", ({"match": "decimal"},)),
        Rule("header", "X", ({"match": "decimal"},)),
        Rule("path", "", ({"match": "decimal"},)),
        Rule("body", "$.a", ({"match": "decimal"},)),  # no body schema
    ]
    assert list(rule_conflicts(rules, target)) == [
        "request $.header.X: a decimal matcher, but the schema's type is integer: the provider "
        "answers whole numbers, which Pact's decimal matcher fails (it wants a fraction, 12.5); "
        "use an integer matcher or like()"
    ]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
PATHS = st.lists(
    st.sampled_from([".id", ".tags", "[*]", "[0]", ".meta", "['x']", ".*", "[", ".amount"]),
    max_size=4,
).map(lambda steps: "$" + "".join(steps))
MATCHERS = st.fixed_dictionaries(
    {
        "match": st.sampled_from(
            ["type", "regex", "integer", "decimal", "number", "boolean", "date", "datetime", "x"]
        )
    },
    optional={"regex": st.text(max_size=6), "min": JSON, "max": JSON},
)


@given(
    side=st.sampled_from(["request", "response"]),
    where=PATHS,
    matchers=st.lists(MATCHERS, max_size=3),
    value=JSON,
)
def test_any_rule_is_checked_without_crashing(
    side: str, where: str, matchers: list[dict[str, Any]], value: Any
) -> None:
    target = RuleTarget(side, {}, SCHEMA, value)
    for problem in rule_conflicts([Rule("body", where, tuple(matchers))], target):
        assert problem.startswith(f"{side} $.body")
