"""The served spec's problem vocabulary: what its examples name, the rule they follow."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.compile.problem_types import Naming, collect_problem_types
from tests.conftest import SPEC
from tests.documents import load_yaml

BASE = "https://errors.example.com/"


def _problem(code: str | None, status: int, *, uri: str | None = None, title: str = "T") -> Any:
    body: dict[str, Any] = {"type": uri or BASE + (code or "x").replace("_", "-"), "title": title}
    body["status"] = status
    if code is not None:
        body["code"] = code
    return body


def _document(*problems: Any, schema: Any = None) -> dict[str, Any]:
    """A document whose components hold ``problems`` as examples, one way each."""
    examples = {f"e{i}": {"value": p} for i, p in enumerate(problems)}
    document: dict[str, Any] = {"openapi": "3.1.0", "components": {"examples": examples}}
    if schema is not None:
        document["components"]["schemas"] = {"Problem": schema}
        media = {"schema": {"$ref": "#/components/schemas/Problem"}}
        refused = {"description": "refused", "content": {"application/problem+json": media}}
        document["paths"] = {"/a": {"get": {"responses": {"4XX": refused}}}}
    return document


def test_the_platform_spec_names_its_problems_by_its_dashed_codes() -> None:
    types = collect_problem_types(load_yaml(SPEC.read_text()))
    platform = "https://errors.platform.example/"
    assert types.naming(409, "session_ended") == Naming(
        platform + "session-ended", "Session ended", "session_ended"
    )
    assert types.naming(429, "too_many_attempts").type == platform + "too-many-attempts"
    # A code no example shows follows the rule every example follows.
    assert types.naming(405, "method_not_allowed") == Naming(
        platform + "method-not-allowed", None, "method_not_allowed"
    )


def test_a_code_the_examples_show_takes_their_type_and_title() -> None:
    types = collect_problem_types(_document(_problem("card_declined", 402, title="Card declined")))
    assert types.naming(402, "card_declined") == Naming(
        BASE + "card-declined", "Card declined", "card_declined"
    )


def test_a_spec_with_no_problem_examples_names_nothing() -> None:
    document = _document({"type": "object", "title": "A schema, not a problem"})
    types = collect_problem_types(document)
    assert types.empty
    assert types.naming(404, "not_found") == Naming(None, None, "not_found")


GONE = _problem("gone", 410)


@pytest.mark.parametrize(
    "media",
    [
        {"example": GONE},
        {"examples": {"a": {"value": GONE}}},
        {"examples": {"a": {"$ref": "#/components/examples/gone"}}},
        {"schema": {"type": "object", "examples": [GONE]}},  # a schema's 3.1 examples
        {"schema": {"$ref": "#/components/schemas/Gone"}},
    ],
)
@pytest.mark.parametrize("status", ["410", "4XX", "default"])
def test_error_responses_examples_are_read_wherever_they_are(
    media: dict[str, Any], status: str
) -> None:
    response = {"description": "gone", "content": {"application/problem+json": media}}
    document = {
        "paths": {"/a": {"get": {"responses": {status: {"$ref": "#/components/responses/R"}}}}},
        "components": {
            "responses": {"R": response},
            "schemas": {"Gone": {"type": "object", "example": GONE}},
            "examples": {"unused": {"summary": "not a problem"}},
        },
    }
    if "#/components/examples/" in str(media):  # reusable examples are read as they are
        document["components"]["examples"]["gone"] = {"value": GONE}
    assert collect_problem_types(document).naming(410, "gone").type == BASE + "gone"


def test_a_success_response_s_examples_are_no_problem_vocabulary() -> None:
    media = {"example": _problem("gone", 410), "schema": {"$ref": "#/nowhere"}}
    ok = {"description": "ok", "content": {"application/json": media}}
    document = {"paths": {"/a": {"get": {"responses": {"200": ok}}}}}
    assert collect_problem_types(document).empty


def test_the_rule_most_examples_follow_names_an_unknown_code() -> None:
    document = _document(
        _problem("not_found", 404),
        _problem("email_taken", 409),
        _problem("odd_one", 409, uri=BASE + "something-else"),
    )
    assert collect_problem_types(document).naming(409, "guard_failed").type == BASE + "guard-failed"


def test_codes_kept_with_underscores_give_an_underscore_rule_with_a_suffix() -> None:
    uri = "https://api.example.com/errors/{}.html"
    document = _document(
        _problem("not_found", 404, uri=uri.format("not_found")),
        _problem("email_taken", 409, uri=uri.format("email_taken")),
    )
    naming = collect_problem_types(document).naming(409, "order_paid")
    assert naming.type == uri.format("order_paid")


def test_no_rule_when_the_examples_disagree() -> None:
    document = _document(
        _problem("not_found", 404, uri="https://a.example/missing"),
        _problem("email_taken", 409, uri="https://a.example/duplicate"),
    )
    types = collect_problem_types(document)
    assert types.rule is None
    assert types.naming(409, "guard_failed").type is None


def test_a_generic_code_takes_the_one_example_of_its_status() -> None:
    document = _document(
        _problem("resource_missing", 404, title="Resource missing"),
        _problem("conflict_a", 409),
    )
    types = collect_problem_types(document)
    assert types.naming(404, "not_found") == Naming(
        BASE + "resource-missing", "Resource missing", "resource_missing"
    )
    # The mock's own codes keep their names (an invalid Prefer header is no API error).
    assert types.naming(404, "unknown_example").code == "unknown_example"


def test_examples_without_a_code_still_name_their_status() -> None:
    document = _document(_problem(None, 401, uri="https://auth.example/unauthenticated"))
    naming = collect_problem_types(document).naming(401, "unauthorized")
    assert naming == Naming("https://auth.example/unauthenticated", "T", "unauthorized")


def test_one_type_for_every_example_is_every_problem_s_type() -> None:
    document = _document(
        _problem("a_b", 400, uri="about:blank"), _problem("c_d", 409, uri="about:blank")
    )
    assert collect_problem_types(document).naming(422, "other").type == "about:blank"


def test_the_schema_s_enumerated_types_name_the_codes_they_end_in() -> None:
    schema = {
        "allOf": [
            {"properties": {"status": {"type": "integer"}}},
            {"properties": {"type": {"enum": ["urn:acme:err:not-found", "urn:acme:err:conflict"]}}},
        ]
    }
    types = collect_problem_types(_document(schema=schema))
    assert types.naming(404, "not_found").type == "urn:acme:err:not-found"
    assert types.naming(409, "conflict").type == "urn:acme:err:conflict"
    assert types.naming(400, "validation_failed").type is None


def test_a_const_type_names_every_problem() -> None:
    schema = {"properties": {"type": {"const": "about:blank"}, "status": {"type": "integer"}}}
    assert collect_problem_types(_document(schema=schema)).naming(400, "x").type == "about:blank"


@pytest.mark.parametrize(
    "value",
    [
        {"type": "https://e.example/x", "title": "T", "status": 200},  # not an error status
        {"type": "https://e.example/x", "title": "T", "status": True},
        {"type": "", "title": "T", "status": 400},
        {"type": {"type": "string"}, "status": {"type": "integer"}},  # a schema's properties
        ["not", "a", "mapping"],
    ],
)
def test_values_that_are_no_problem_are_ignored(value: Any) -> None:
    assert collect_problem_types(_document(value)).empty
