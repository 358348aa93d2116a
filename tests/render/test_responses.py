"""Choosing and rendering the answer to a valid request (`mockserver.render.responses`).

A stateless mock of a small spec with several media types, named examples, schema examples,
declared headers and status ranges; the client steers it with ``Accept`` and ``Prefer``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockserver import create_app
from mockserver.render.media_types import negotiate
from tests.inprocess import InProcess

MakeMock = Callable[..., InProcess]

REPORT = {
    "type": "object",
    "required": ["total", "rows"],
    "properties": {
        "total": {"type": "integer", "minimum": 0},
        "rows": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
}
HEADERS = {
    "X-Rate-Limit": {"schema": {"type": "integer"}, "example": 100},
    "X-Flags": {"schema": {"type": "array", "items": {"type": "string"}, "example": ["a", "b"]}},
    "X-Beta": {"schema": {"type": "boolean", "examples": [True]}},
    "X-Region": {"schema": {"type": "string"}, "examples": {"eu": {"value": "eu-west"}}},
    "X-Trace": {"required": True, "schema": {"type": "string", "format": "uuid"}},
    "X-Optional": {"schema": {}, "description": "any value, not required: never sent"},
    "Content-Type": {"schema": {"type": "string"}, "example": "text/html"},
}


def _ok(content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": "ok", "content": content, **extra}


def _get(responses: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"responses": responses}}


SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Reports", "version": "1"},
    "paths": {
        "/report": _get(
            {
                "200": _ok(
                    {
                        "application/json": {
                            "schema": REPORT,
                            "examples": {
                                "small": {"value": {"total": 1, "rows": ["a"]}},
                                "empty": {"value": {"total": 0, "rows": []}},
                            },
                        },
                        "text/csv": {"schema": {"type": "string"}, "example": "total\n1\n"},
                    },
                    headers=HEADERS,
                ),
                "404": {"description": "no report"},
                "503": _ok({"application/json": {"schema": REPORT}}),
            }
        ),
        "/schema-examples": _get(
            {
                "200": _ok(
                    {
                        "application/json": {
                            "schema": {**REPORT, "examples": [{"total": 7, "rows": []}]}
                        }
                    }
                )
            }
        ),
        "/schema-example": _get(
            {"200": _ok({"application/json": {"schema": {"type": "integer", "example": 42}}})}
        ),
        "/generated": _get({"200": _ok({"application/json": {"schema": REPORT}})}),
        "/anything": _get({"200": _ok({"*/*": {"example": {"any": "thing"}}})}),
        "/bytes": _get({"200": _ok({"application/octet-stream": {}})}),
        "/only-default": _get({"default": _ok({"application/json": {"example": "fallback"}})}),
        "/range": _get({"2XX": _ok({"application/json": {"example": "ranged"}})}),
        "/only-missing": _get({"404": _ok({"application/json": {"example": "gone"}})}),
        "/interim": _get({"102": {"description": "processing"}}),
    },
}


@pytest.fixture
def mock(make_mock: MakeMock) -> InProcess:
    return make_mock(create_app(SPEC, stateful=False, seed=3))


# -- the body ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/report", 200, {"total": 1, "rows": ["a"]}),  # the first named example
        ("/schema-examples", 200, {"total": 7, "rows": []}),
        ("/schema-example", 200, 42),
        ("/anything", 200, {"any": "thing"}),
        ("/only-default", 200, "fallback"),
        ("/range", 200, "ranged"),
        ("/only-missing", 404, "gone"),
    ],
)
def test_response_body_is_the_first_example_the_spec_gives(
    mock: InProcess, path: str, status: int, body: Any
) -> None:
    answer = mock.request("GET", path)
    assert (answer.status_code, answer.json()) == (status, body)
    assert answer.headers["content-type"] == "application/json"


def test_response_without_any_example_is_generated_from_the_schema(mock: InProcess) -> None:
    body = mock.request("GET", "/generated").json()
    assert not list(Draft202012Validator(REPORT).iter_errors(body))


@pytest.mark.parametrize(("path", "status"), [("/interim", 204), ("/bytes", 200)])
def test_response_with_nothing_to_send_has_no_body(mock: InProcess, path: str, status: int) -> None:
    answer = mock.request("GET", path)
    assert (answer.status_code, answer.content) == (status, b"")


# -- Prefer -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefer", "status", "body"),
    [
        ("example=empty", 200, {"total": 0, "rows": []}),
        ("code=404", 404, None),
        ("code=503", 503, "generated"),
        ("dynamic=true", 200, "generated"),
    ],
)
def test_prefer_picks_the_example_the_status_or_generated_data(
    mock: InProcess, prefer: str, status: int, body: Any
) -> None:
    answer = mock.request("GET", "/report", headers={"Prefer": prefer})
    assert answer.status_code == status
    if body is None:
        assert answer.content == b""
    elif body == "generated":
        assert not list(Draft202012Validator(REPORT).iter_errors(answer.json()))
    else:
        assert answer.json() == body


@pytest.mark.parametrize(
    ("prefer", "code", "detail"),
    [
        ("example=huge", "unknown_example", "available: small, empty"),
        ("code=418", "undeclared_status", "declared: 200, 404, 503"),
        ("code=102", "informational_status", "asks for a 1xx status"),
        ("code=abc", "invalid_preference", "expected code=<HTTP status 100-599>"),
    ],
)
def test_prefer_what_the_spec_cannot_answer_is_a_400_that_says_why(
    mock: InProcess, prefer: str, code: str, detail: str
) -> None:
    answer = mock.request("GET", "/report", headers={"Prefer": prefer})
    assert (answer.status_code, answer.json()["code"]) == (400, code)
    assert detail in answer.json()["detail"]


def test_prefer_example_of_a_media_type_without_examples_names_none(mock: InProcess) -> None:
    answer = mock.request("GET", "/generated", params={"__example": "x"})
    assert "available: none" in answer.json()["detail"]


# -- Accept -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/csv", "text/csv"),
        ("text/*", "text/csv"),
        ("application/*", "application/json"),
        ("*/*", "application/json"),
        ("text/csv;q=0.5, application/json;q=0.9", "application/json"),
        ("text/csv;q=1, application/json;q=1", "application/json"),  # a tie: the spec's order
        ("application/json;q=oops, text/csv", "text/csv"),  # an unreadable q counts as 0
    ],
)
def test_accept_chooses_among_the_declared_media_types(
    mock: InProcess, accept: str, media_type: str
) -> None:
    answer = mock.request("GET", "/report", headers={"Accept": accept})
    assert answer.headers["content-type"] == media_type
    if media_type == "text/csv":
        assert answer.text == "total\n1\n"  # a string example of a text type is not JSON-quoted


@pytest.mark.parametrize("accept", ["image/png", "application/json;q=0", "text/html, image/*"])
def test_accept_that_matches_nothing_declared_is_406(mock: InProcess, accept: str) -> None:
    answer = mock.request("GET", "/report", headers={"Accept": accept})
    assert (answer.status_code, answer.json()["code"]) == (406, "not_acceptable")
    assert "application/json, text/csv" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("accept", "offered", "chosen"),
    [
        (None, ["application/xml", "application/json"], "application/xml"),
        ("application/json", ["application/problem+json"], "application/problem+json"),
        ("application/json", ["application/xml"], None),
        ("application/json", [], None),
        (
            "APPLICATION/JSON",
            ["application/json; charset=utf-8"],
            "application/json; charset=utf-8",
        ),
        # A wildcard is answered as JSON: when JSON is declared too, its entry is the answer.
        (None, ["*/*", "application/json"], "application/json"),
        ("*/*", ["*/*", "application/json"], "application/json"),
        ("*/*", ["application/*", "text/csv"], "application/*"),
        ("text/csv", ["*/*", "text/csv"], "text/csv"),
    ],
)
def test_negotiate_prefers_quality_then_the_offered_order(
    accept: str | None, offered: list[str], chosen: str | None
) -> None:
    assert negotiate(accept, offered) == chosen


# -- headers ----------------------------------------------------------------------------------


def test_declared_headers_are_sent_from_examples_or_generated(mock: InProcess) -> None:
    headers = mock.request("GET", "/report").headers
    assert (headers["x-rate-limit"], headers["x-flags"], headers["x-beta"]) == (
        "100",
        "a,b",
        "true",
    )
    assert headers["x-region"] == "eu-west"
    assert len(headers["x-trace"].split("-")) == 5
    assert "x-optional" not in headers
    assert headers["content-type"] == "application/json"  # never the declared header's


def test_generated_headers_vary_by_request_but_examples_do_not(mock: InProcess) -> None:
    first, second = (mock.request("GET", "/report", params={"n": n}).headers for n in (1, 2))
    assert first["x-rate-limit"] == second["x-rate-limit"]
    assert first["x-trace"] != second["x-trace"]
