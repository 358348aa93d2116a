"""The mock's errors in the spec's own error shape (`mockserver.render.problems`).

Each case is a small spec whose one operation declares its 400 (or a ``4XX``, or a default)
in some shape APIs use; a request missing a required field gets the validation problem, and
the answer must validate against the declared schema (checked with jsonschema, not with the
mock's validators) while carrying what the mock knows where the shape has room for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from mockserver import create_app
from tests.conftest import SPEC
from tests.inprocess import InProcess

MakeMock = Callable[..., InProcess]
PROBLEM_JSON = "application/problem+json"
MESSAGE = "body.name: required property missing"


def _spec(
    error: Any = None,
    *,
    status: str = "400",
    media: str = "application/json",
    example: Any = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"201": {"description": "created"}}
    if error is not None:
        content: dict[str, Any] = {"schema": error}
        if example is not None:
            content["examples"] = {"sample": {"value": example}}
        responses[status] = {"description": "refused", "content": {media: content}}
    body = {
        "type": "object",
        "required": ["name", "size"],
        "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Things", "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": body}},
                    },
                    "responses": responses,
                }
            }
        },
    }


def _refused(make_mock: MakeMock, spec: dict[str, Any]) -> httpx.Response:
    mock = make_mock(create_app(spec, stateful=False))
    answer = mock.request("POST", "/things", json={"size": "big"})
    assert answer.status_code == 400, answer.text
    return answer


def _valid(instance: Any, schema: Any) -> None:
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(instance)]
    assert errors == [], errors


def test_problem_without_a_declared_shape_is_plain_rfc_9457(make_mock: MakeMock) -> None:
    answer = _refused(make_mock, _spec())
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "urn:mockserver:problem:validation-failed"
    assert (problem["title"], problem["status"], problem["code"]) == (
        "Request validation failed", 400, "validation_failed"
    )  # fmt: skip
    assert problem["instance"] == "/things"
    assert problem["detail"].startswith("2 problems in the request; first: ")
    assert {e["field"] for e in problem["errors"]} == {"body.name", "body.size"}


@pytest.mark.parametrize(
    ("error", "media"),
    [
        ({"type": "string"}, "text/plain"),  # no JSON to shape: the plain problem
        ({"type": "string", "minLength": 5, "maxLength": 2}, "application/json"),  # unmeetable
    ],
    ids=["not json", "no value fits"],
)
def test_problem_falls_back_to_rfc_9457_when_the_shape_cannot_take_it(
    make_mock: MakeMock, error: Any, media: str
) -> None:
    answer = _refused(make_mock, _spec(error, media=media))
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "validation_failed"


ALIASED = {
    "type": "object",
    "additionalProperties": False,
    "required": ["error", "message", "statusCode", "details"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "statusCode": {"type": "integer"},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["param", "msg"],
                "properties": {"param": {"type": "string"}, "msg": {"type": "string"}},
            },
        },
    },
}


def test_problem_fills_a_shape_that_names_its_fields_otherwise(make_mock: MakeMock) -> None:
    answer = _refused(make_mock, _spec(ALIASED))
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    _valid(body, ALIASED)
    assert (body["error"], body["statusCode"]) == ("validation_failed", 400)
    assert body["message"].startswith("2 problems in the request")
    assert {d["param"] for d in body["details"]} == {"body.name", "body.size"}


def test_problem_keeps_what_the_example_has_beyond_our_fields(make_mock: MakeMock) -> None:
    shape = {
        "type": "object",
        "required": ["code", "requestId"],
        "properties": {
            "code": {"type": "string"},
            "requestId": {"type": "string", "pattern": "^req_"},
            "title": {"type": "string"},
            "type": {"type": "string"},
            "instance": {"type": "string"},
            "violations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "reason": {"type": "string"}},
                },
            },
        },
        "additionalProperties": False,
    }
    example = {"code": "bad", "requestId": "req_123", "title": "Bad"}
    body = _refused(make_mock, _spec(shape, example=example)).json()
    _valid(body, shape)
    assert (body["code"], body["requestId"], body["instance"]) == (
        "validation_failed", "req_123", "/things"
    )  # fmt: skip
    assert body["type"] == "urn:mockserver:problem:validation-failed"
    assert {(v["path"], v["reason"]) for v in body["violations"]} == {
        ("body.name", "required"), ("body.size", "type")
    }  # fmt: skip


def test_problem_reads_the_shape_through_refs_and_all_of(make_mock: MakeMock) -> None:
    spec = _spec({"$ref": "#/components/schemas/Error"})
    spec["components"] = {
        "schemas": {
            "Base": {"type": "object", "properties": {"summary": {"type": "string"}}},
            "Error": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {
                        "type": "object",
                        "required": ["summary", "issues"],
                        "properties": {"issues": {"$ref": "#/components/schemas/Issues"}},
                    },
                ],
                "unevaluatedProperties": False,
            },
            "Issues": {
                "type": "array",
                "items": {"type": "object", "properties": {"loc": {"type": "string"}}},
            },
        }
    }
    body = _refused(make_mock, spec).json()
    assert body["summary"] == "Request validation failed"
    assert {issue["loc"] for issue in body["issues"]} == {"body.name", "body.size"}


def test_problem_of_a_shape_nothing_of_ours_fits_is_a_valid_generated_body(
    make_mock: MakeMock,
) -> None:
    shape = {"type": "array", "minItems": 1, "items": {"type": "integer"}}
    answer = _refused(make_mock, _spec(shape))
    assert answer.headers["content-type"] == "application/json"
    _valid(answer.json(), shape)


@pytest.mark.parametrize("status", ["4XX", "default"])
def test_problem_takes_the_shape_of_a_range_or_default_response(
    make_mock: MakeMock, status: str
) -> None:
    body = _refused(make_mock, _spec(ALIASED, status=status)).json()
    _valid(body, ALIASED)


@pytest.mark.parametrize("media", ["*/*", "application/*", "application/vnd.error+json"])
def test_problem_counts_wildcards_and_structured_json_as_json(
    make_mock: MakeMock, media: str
) -> None:
    answer = _refused(make_mock, _spec(ALIASED, media=media))
    _valid(answer.json(), ALIASED)


def test_problem_is_rendered_the_same_way_twice(make_mock: MakeMock) -> None:
    mock = make_mock(create_app(_spec(ALIASED), stateful=False))
    first, second = (mock.request("POST", "/things", json={}) for _ in range(2))
    assert first.json() == second.json()


# -- the spec's own problem types ------------------------------------------------------------

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array"},
    },
}


def test_problem_type_and_title_follow_the_spec_s_own_examples(make_mock: MakeMock) -> None:
    example = {
        "type": "https://errors.things.example/validation-failed",
        "title": "The thing is not right",
        "status": 400,
        "code": "validation_failed",
    }
    answer = _refused(make_mock, _spec(PROBLEM_SCHEMA, media=PROBLEM_JSON, example=example))
    problem = answer.json()
    assert (problem["type"], problem["title"], problem["code"]) == (
        "https://errors.things.example/validation-failed", "The thing is not right",
        "validation_failed",
    )  # fmt: skip


def test_a_problem_no_example_shows_follows_the_examples_rule(make_mock: MakeMock) -> None:
    # No operation matches, so no declared schema: the plain problem, still named the spec's way.
    mock = make_mock(create_app(SPEC), prefix="/api/v1")
    answer = mock.request("GET", "/no-such-thing")
    assert answer.status_code == 404
    assert answer.json()["type"] == "https://errors.platform.example/not-found"
    answer = mock.request("DELETE", "/auth/me")
    assert answer.status_code == 405
    problem = answer.json()
    assert (problem["type"], problem["code"]) == (
        "https://errors.platform.example/method-not-allowed", "method_not_allowed"
    )  # fmt: skip
