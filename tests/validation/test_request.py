"""Request and response validation: locations, codes, content types, bodies and registries."""

from __future__ import annotations

import dataclasses
from typing import Any

import jsonschema_rs
import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.datastructures import Headers

from mockserver.compile.operations import Operation, compile_operations
from mockserver.compile.validators import SchemaRegistry
from mockserver.errors import SpecError
from mockserver.spec.views import request_view, response_view
from mockserver.validation.request import (
    PATH_KEPT_CHARS,
    PATH_OUTCOMES,
    RequestValidator,
    ValidatedRequest,
)
from mockserver.validation.response import ResponseValidator
from mockserver.validation.violations import Violation

UUID = "6c1e6c5e-8e07-4b8f-9a4e-1c2e0d7c4b4a"

COMPONENTS: dict[str, Any] = {
    "schemas": {
        "Order": {
            "type": "object",
            "required": ["email", "items"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "readOnly": True},
                "email": {"type": "string", "format": "email"},
                "password": {"type": "string", "writeOnly": True, "minLength": 4},
                "note": {"type": ["string", "null"], "maxLength": 20},
                "priority": {"enum": ["low", "high"]},
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Line%20item"}},
            },
        },
        "Line item": {
            "type": "object",
            "required": ["sku", "quantity"],
            "properties": {
                "sku": {"type": "string"},
                "quantity": {"type": "integer", "minimum": 1, "format": "int32"},
            },
        },
        "Tree": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
    }
}

PARAMETERS: list[dict[str, Any]] = [
    {"name": "projectId", "in": "path", "required": True, "schema": {"type": "integer"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    },
    {"name": "session", "in": "cookie", "required": True, "schema": {"type": "string"}},
    {"name": "Accept", "in": "header", "required": True, "schema": {"type": "integer"}},
]


def make_document(operation: dict[str, Any], *, path: str = "/projects/{projectId}/orders") -> Any:
    return {
        "openapi": "3.1.0",
        "info": {"title": "test", "version": "1"},
        "paths": {path: {"post": {"operationId": "createOrder", **operation}}},
        "components": COMPONENTS,
    }


def make_operation(
    operation: dict[str, Any], *, view: Any = request_view
) -> tuple[Operation, SchemaRegistry]:
    document = view(make_document(operation))
    return compile_operations(document)[0], SchemaRegistry(document)


def make_validator(**operation: Any) -> RequestValidator:
    operation.setdefault("responses", {"201": {"description": "created"}})
    return RequestValidator(*make_operation(operation))


def order_validator() -> RequestValidator:
    return make_validator(
        parameters=PARAMETERS,
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
        },
    )


GOOD_HEADERS = {
    "Content-Type": "application/json",
    "Idempotency-Key": UUID,
    "Cookie": "session=abc; theme=dark",
}
GOOD_BODY = {"email": "a@example.com", "items": [{"sku": "x", "quantity": 2}]}


def send(
    validator: RequestValidator,
    *,
    path: dict[str, str] | None = None,
    query: str = "q=hello",
    headers: Any = None,
    body: Any = GOOD_BODY,
) -> tuple[ValidatedRequest, list[Violation]]:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return validator.validate(
        path_params={"projectId": "42"} if path is None else path,
        query_string=query,
        headers=Headers(GOOD_HEADERS if headers is None else headers),
        body=raw,
    )


def problems(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(v.location, v.code) for v in violations}


# --- requests: values and locations ----------------------------------------------------------


def test_valid_request_passes_with_values_typed_by_the_spec() -> None:
    request, violations = send(order_validator(), query="q=hello&limit=10&unknown=1")
    assert violations == []
    assert request.path == {"projectId": 42}
    assert request.query == {"q": "hello", "limit": 10}
    assert request.headers == {"Idempotency-Key": UUID}
    assert request.cookies == {"session": "abc"}
    assert request.media_type == "application/json"
    assert request.body == GOOD_BODY


@pytest.mark.parametrize(
    ("body", "location", "code"),
    [
        (
            {**GOOD_BODY, "items": [{"sku": "x", "quantity": 0}]},
            "body.items[0].quantity",
            "minimum",
        ),
        (
            {**GOOD_BODY, "items": [{"sku": "x", "quantity": 2**40}]},
            "body.items[0].quantity",
            "format",
        ),
        ({**GOOD_BODY, "items": [{"quantity": 1}]}, "body.items[0].sku", "required"),
        ({"items": []}, "body.email", "required"),
        ({**GOOD_BODY, "email": "not-an-email"}, "body.email", "format"),
        ({**GOOD_BODY, "email": 5}, "body.email", "type"),
        ({**GOOD_BODY, "priority": "urgent"}, "body.priority", "enum"),
        ({**GOOD_BODY, "note": "x" * 21}, "body.note", "maxLength"),
        ({**GOOD_BODY, "extra": 1}, "body.extra", "additionalProperties"),
        ({**GOOD_BODY, "we ird": 1}, 'body["we ird"]', "additionalProperties"),
        ([1, 2], "body", "type"),
    ],
)
def test_body_violations_point_at_the_offending_value(body: Any, location: str, code: str) -> None:
    _, violations = send(order_validator(), body=body)
    assert problems(violations) == {(location, code)}


@pytest.mark.parametrize(
    ("path", "query", "headers", "location", "code"),
    [
        ({"projectId": "abc"}, "q=x", GOOD_HEADERS, "path.projectId", "type"),
        ({}, "q=x", GOOD_HEADERS, "path.projectId", "missing"),
        ({"projectId": "1"}, "q=x&limit=abc", GOOD_HEADERS, "query.limit", "type"),
        ({"projectId": "1"}, "q=x&limit=101", GOOD_HEADERS, "query.limit", "maximum"),
        ({"projectId": "1"}, "limit=5", GOOD_HEADERS, "query.q", "missing"),
        ({"projectId": "1"}, "q=", GOOD_HEADERS, "query.q", "empty_value"),
        (
            {"projectId": "1"},
            "q=x",
            {**GOOD_HEADERS, "Idempotency-Key": "nope"},
            "header.Idempotency-Key",
            "format",
        ),
        (
            {"projectId": "1"},
            "q=x",
            {k: v for k, v in GOOD_HEADERS.items() if k != "Idempotency-Key"},
            "header.Idempotency-Key",
            "missing",
        ),
        (
            {"projectId": "1"},
            "q=x",
            {**GOOD_HEADERS, "Cookie": "other=1"},
            "cookie.session",
            "missing",
        ),
    ],
)
def test_parameter_violations_name_location_and_parameter(
    path: dict[str, str], query: str, headers: dict[str, str], location: str, code: str
) -> None:
    _, violations = send(order_validator(), path=path, query=query, headers=headers)
    assert problems(violations) == {(location, code)}
    assert all(v.message for v in violations)


def test_every_violation_is_reported_together_in_location_order() -> None:
    _, violations = send(
        order_validator(),
        path={"projectId": "abc"},
        query="limit=0",
        headers={"Content-Type": "application/json", "Idempotency-Key": "x"},
        body={"email": "bad", "items": [{"sku": 1, "quantity": 1}], "extra": True},
    )
    assert problems(violations) == {
        ("path.projectId", "type"),
        ("query.q", "missing"),
        ("query.limit", "minimum"),
        ("header.Idempotency-Key", "format"),
        ("cookie.session", "missing"),
        ("body.email", "format"),
        ("body.items[0].sku", "type"),
        ("body.extra", "additionalProperties"),
    }
    ranks = [v.location.split(".")[0] for v in violations]
    assert ranks == sorted(ranks, key=["path", "query", "header", "cookie", "body"].index)


def test_messages_say_what_is_wrong_and_what_is_allowed() -> None:
    _, violations = send(order_validator(), query="q=x&limit=abc", body={"items": []})
    by_location = {v.location: v.message for v in violations}
    assert by_location["query.limit"] == 'expected integer, got string "abc"'
    assert by_location["body.email"] == "required property 'email' is missing"


def test_headers_match_whatever_their_case() -> None:
    validator = order_validator()
    lower = {k.lower(): v for k, v in GOOD_HEADERS.items()}
    upper = {k.upper(): v for k, v in GOOD_HEADERS.items()}
    for headers in (lower, upper):
        _, violations = validator.validate(
            path_params={"projectId": "1"},
            query_string="q=x",
            headers=headers,
            body=orjson.dumps(GOOD_BODY),
        )
        assert violations == []


def test_accept_content_type_and_authorization_header_parameters_are_ignored() -> None:
    # PARAMETERS declares a required integer "Accept" header that is never sent.
    _, violations = send(order_validator())
    assert violations == []


def test_read_only_properties_are_not_required_in_requests() -> None:
    thing = {**COMPONENTS["schemas"]["Order"], "required": ["id", "email"]}
    document = make_document(
        {
            "requestBody": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
            },
            "responses": {},
        }
    )
    document["components"] = {"schemas": {**COMPONENTS["schemas"], "Thing": thing}}
    for view, expected in ((request_view, set()), (lambda d: d, {("body.id", "required")})):
        viewed = view(document)
        validator = RequestValidator(compile_operations(viewed)[0], SchemaRegistry(viewed))
        _, violations = send(validator, body={"email": "a@example.com"})
        assert problems(violations) == expected


def test_label_path_parameter_without_its_dot_is_a_style_violation() -> None:
    validator = make_validator(
        parameters=[
            {"name": "projectId", "in": "path", "required": True, "style": "label", "schema": {}}
        ]
    )
    _, ok = send(validator, path={"projectId": ".42"}, body=b"")
    _, bad = send(validator, path={"projectId": "42"}, body=b"")
    assert ok == []
    assert problems(bad) == {("path.projectId", "style")}
    assert "starts with '.'" in bad[0].message


def test_allow_empty_value_lets_an_empty_query_parameter_through() -> None:
    flag = {"name": "flag", "in": "query", "allowEmptyValue": True, "schema": {"type": "boolean"}}
    validator = make_validator(parameters=[flag])
    request, violations = send(validator, query="flag=", body=b"")
    assert violations == []
    assert request.query == {"flag": ""}
    _, violations = send(validator, query="flag=maybe", body=b"")
    assert problems(violations) == {("query.flag", "type")}


def test_deep_object_query_parameter_is_validated_property_by_property() -> None:
    param = {
        "name": "filter",
        "in": "query",
        "style": "deepObject",
        "explode": True,
        "schema": {
            "type": "object",
            "properties": {"min": {"type": "integer"}, "tags": {"type": "array"}},
            "additionalProperties": False,
        },
    }
    validator = make_validator(parameters=[param])
    request, violations = send(validator, query="filter[min]=3&filter[tags]=a&filter[tags]=b")
    assert violations == []
    assert request.query == {"filter": {"min": 3, "tags": ["a", "b"]}}
    _, violations = send(validator, query="filter[min]=x&filter[max]=1", body=b"")
    assert problems(violations) == {
        ("query.filter.min", "type"),
        ("query.filter.max", "additionalProperties"),
    }


# --- requests: bodies and content types -----------------------------------------------------


def media_validator(*names: str, schema: Any = None, required: bool = True) -> RequestValidator:
    schema = schema if schema is not None else {"$ref": "#/components/schemas/Order"}
    content = {name: {"schema": schema} for name in names}
    return make_validator(requestBody={"required": required, "content": content})


@pytest.mark.parametrize(
    ("declared", "sent"),
    [
        (["application/json"], "application/json"),
        (["application/json"], "Application/JSON; charset=utf-8"),
        (["application/json; charset=utf-8"], "application/json"),
        (["application/*"], "application/json"),
        (["*/*"], "application/json"),
        (["application/merge-patch+json"], "application/merge-patch+json"),
        (["application/*"], "application/vnd.api+json"),
        (["text/plain", "application/json"], "application/json"),
    ],
)
def test_declared_content_types_match_exactly_by_range_or_by_wildcard(
    declared: list[str], sent: str
) -> None:
    request, violations = send(media_validator(*declared), headers={"Content-Type": sent})
    assert violations == []
    assert request.body == GOOD_BODY


@pytest.mark.parametrize("sent", ["text/plain", "application/xml", "application/jsonx", None])
def test_undeclared_content_type_is_a_violation_naming_the_accepted_types(
    sent: str | None,
) -> None:
    headers = {"Content-Type": sent} if sent else {}
    _, violations = send(media_validator("application/json", "application/*+xml"), headers=headers)
    assert problems(violations) == {("header.Content-Type", "content_type")}
    assert "application/json, application/*+xml" in violations[0].message


def test_json_suffix_types_are_parsed_as_json() -> None:
    validator = media_validator("application/*")
    headers = {"Content-Type": "application/problem+json"}
    _, violations = send(validator, headers=headers, body={"email": 3, "items": []})
    assert problems(violations) == {("body.email", "type")}
    _, violations = send(validator, headers=headers, body=b"{oops")
    assert problems(violations) == {("body", "malformed_body")}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{", "unexpected end of data"),
        (b'{"email": "a@example.com",}', "trailing comma"),
        (b"[" * 100_000, "depth limit exceeded"),
        (b"[" * 100_000 + b"]" * 100_000, "depth limit exceeded"),
        (b'{"email": "\xff"}', "UTF-8"),
        (b"NaN", ""),
        (b"1e400", ""),
    ],
)
def test_malformed_json_is_a_violation_with_the_parser_message(body: bytes, fragment: str) -> None:
    _, violations = send(order_validator(), body=body)
    assert problems(violations) == {("body", "malformed_body")}
    assert fragment.lower() in violations[0].message.lower()


def test_deeply_nested_json_within_the_parser_limit_validates_without_crashing() -> None:
    validator = media_validator("application/json", schema={"$ref": "#/components/schemas/Tree"})
    nested = b"[" * 1000 + b"]" * 1000
    _, violations = send(validator, body=nested)
    assert violations == []
    _, violations = send(validator, body=b"[" * 1000 + b"1" + b"]" * 1000)
    assert [v.code for v in violations] == ["type"]


def test_missing_required_body_is_reported_and_optional_empty_body_is_no_body() -> None:
    _, violations = send(order_validator(), body=b"")
    assert problems(violations) == {("body", "missing")}
    request, violations = send(media_validator("application/json", required=False), body=b"")
    assert violations == []
    assert request.body is None
    assert request.media_type is None


def test_body_sent_to_an_operation_without_one_is_ignored() -> None:
    request, violations = send(make_validator(), body=b"anything")
    assert violations == []
    assert request.body is None


FORM_SCHEMA = {
    "type": "object",
    "required": ["name", "quantity"],
    "properties": {
        "name": {"type": "string", "minLength": 2},
        "quantity": {"type": "integer", "minimum": 1},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
        "meta": {"type": "object", "properties": {"a": {"type": "integer"}}},
        "urgent": {"type": "boolean"},
        "avatar": {"type": "string", "contentMediaType": "image/png", "maxLength": 8},
    },
    "additionalProperties": False,
}


def form_validator(media: str) -> RequestValidator:
    content = {
        media: {"schema": FORM_SCHEMA, "encoding": {"meta": {"contentType": "application/json"}}}
    }
    return make_validator(requestBody={"required": True, "content": content})


def test_urlencoded_form_is_typed_by_the_schema_and_validated() -> None:
    validator = form_validator("application/x-www-form-urlencoded")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    body = b"name=Ada+L&quantity=3&tags=a&tags=b&meta=%7B%22a%22%3A1%7D&urgent=true"
    request, violations = send(validator, headers=headers, body=body)
    assert violations == []
    assert request.body == {
        "name": "Ada L",
        "quantity": 3,
        "tags": ["a", "b"],
        "meta": {"a": 1},
        "urgent": True,
    }
    _, violations = send(
        validator, headers=headers, body=b"name=A&quantity=x&tags=1&tags=2&tags=3&x=1"
    )
    assert problems(violations) == {
        ("body.name", "minLength"),
        ("body.quantity", "type"),
        ("body.tags", "maxItems"),
        ("body.x", "additionalProperties"),
    }
    _, violations = send(validator, headers=headers, body=b"name=\xff")
    assert problems(violations) == {("body", "malformed_body")}


def multipart(*parts: tuple[str, dict[str, str], bytes]) -> tuple[dict[str, str], bytes]:
    boundary = "XyZzy"
    chunks = []
    for disposition, extra, data in parts:
        head = f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in extra.items())
        chunks.append(head.encode() + b"\r\n" + data + b"\r\n")
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body


def test_multipart_form_is_typed_by_the_schema_and_validated() -> None:
    validator = form_validator("multipart/form-data")
    headers, body = multipart(
        ('name="name"', {}, "Zoë".encode()),
        ('name="quantity"', {}, b"2"),
        ('name="tags"', {}, b"a"),
        ('name="tags"', {}, b"b"),
        ('name="meta"', {"Content-Type": "application/json"}, b'{"a": 1}'),
        ('name="avatar"; filename="a.png"', {"Content-Type": "image/png"}, b"\x89PNG"),
    )
    request, violations = send(validator, headers=headers, body=body)
    assert violations == []
    assert request.body == {
        "name": "Zoë",
        "quantity": 2,
        "tags": ["a", "b"],
        "meta": {"a": 1},
        "avatar": b"\x89PNG",
    }
    headers, body = multipart(
        ('name="name"', {}, b"Al"),
        ('name="quantity"', {}, b"none"),
        ('name="meta"', {}, b'{"a": "x"}'),
        ('name="avatar"; filename="a.png"', {"Content-Type": "image/png"}, b"\x00" * 9),
    )
    _, violations = send(validator, headers=headers, body=body)
    assert problems(violations) == {
        ("body.quantity", "type"),
        ("body.meta.a", "type"),
        ("body.avatar", "maxLength"),
    }


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\n\r\nhello\r\n--x--"),
        ("multipart/form-data; boundary=x", b"no boundary in here"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--"),
    ],
)
def test_malformed_multipart_is_a_violation(content_type: str, body: bytes) -> None:
    validator = form_validator("multipart/form-data")
    _, violations = send(validator, headers={"Content-Type": content_type}, body=body)
    assert problems(violations) == {("body", "malformed_body")}


def test_text_bodies_are_checked_against_string_schemas() -> None:
    schema = {"type": "string", "maxLength": 5}
    validator = media_validator("text/plain", schema=schema)
    request, violations = send(validator, headers={"Content-Type": "text/plain"}, body=b"hello")
    assert violations == []
    assert request.body == "hello"
    _, violations = send(validator, headers={"Content-Type": "text/plain"}, body=b"hello!")
    assert problems(violations) == {("body", "maxLength")}
    latin = {"Content-Type": "text/plain; charset=latin-1"}
    _, violations = send(validator, headers=latin, body="h\u00e9llo".encode("latin-1"))
    assert violations == []
    _, violations = send(validator, headers={"Content-Type": "text/plain"}, body=b"\xff")
    assert problems(violations) == {("body", "malformed_body")}


def test_binary_bodies_are_only_checked_for_presence() -> None:
    validator = media_validator(
        "application/octet-stream", schema={"type": "object", "required": ["never"]}
    )
    headers = {"Content-Type": "application/octet-stream"}
    request, violations = send(validator, headers=headers, body=b"\x00\xff")
    assert violations == []
    assert request.body == b"\x00\xff"
    _, violations = send(validator, headers=headers, body=b"")
    assert problems(violations) == {("body", "missing")}


@given(
    query=st.text(max_size=40),
    body=st.binary(max_size=80),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=b",
            "multipart/form-data",
            "text/plain; charset=nope",
            "text/plain",
            "",
        ]
    ),
    cookie=st.text(max_size=20),
    project=st.text(max_size=10),
)
@example(
    query="q=%ff%fe",
    body=b"--b\r\n\r\n",
    content_type="multipart/form-data; boundary=b",
    cookie="session=%",
    project="",
)
def test_validate_reports_garbage_instead_of_raising(
    query: str, body: bytes, content_type: str, cookie: str, project: str
) -> None:
    content = {
        "application/json": {"schema": {"$ref": "#/components/schemas/Order"}},
        "application/x-www-form-urlencoded": {"schema": FORM_SCHEMA},
        "multipart/form-data": {"schema": FORM_SCHEMA},
        "text/plain": {"schema": {"type": "string"}},
    }
    validator = make_validator(parameters=PARAMETERS, requestBody={"content": content})
    headers = {"Content-Type": content_type, "Cookie": cookie, "Idempotency-Key": UUID}
    _, violations = validator.validate(
        path_params={"projectId": project}, query_string=query, headers=headers, body=body
    )
    assert all(v.code != "unprocessable" for v in violations)


# --- responses -----------------------------------------------------------------------------

RESPONSES: dict[str, Any] = {
    "201": {
        "description": "created",
        "headers": {
            "X-Rate-Limit": {"required": True, "schema": {"type": "integer"}},
            "Content-Type": {"required": True, "schema": {"type": "string"}},
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
    },
    "204": {"description": "nothing"},
    "4XX": {
        "description": "client error",
        "content": {
            "application/problem+json": {"schema": {"type": "object", "required": ["title"]}}
        },
    },
    "default": {
        "description": "anything else",
        "content": {"text/plain": {"schema": {"type": "string", "maxLength": 3}}},
    },
}


def response_validator() -> ResponseValidator:
    return ResponseValidator(*make_operation({"responses": RESPONSES}, view=response_view))


def check(
    status: int = 201,
    body: Any = GOOD_BODY,
    *,
    headers: dict[str, str] | None = None,
    content_type: str | None = "application/json",
    raw: bool = True,
) -> set[tuple[str, str]]:
    payload = orjson.dumps(body) if raw and not isinstance(body, bytes) else body
    violations = response_validator().validate(
        status=status,
        headers={"x-rate-limit": "5"} if headers is None else headers,
        body=payload,
        content_type=content_type,
    )
    return problems(violations)


def test_declared_response_passes_as_bytes_or_as_a_parsed_value() -> None:
    assert check() == set()
    assert check(raw=False) == set()


def test_undeclared_status_is_a_violation() -> None:
    validator = ResponseValidator(
        *make_operation({"responses": {"200": RESPONSES["204"]}}, view=response_view)
    )
    violations = validator.validate(status=500, headers={}, body=b"", content_type=None)
    assert problems(violations) == {("status", "status")}
    assert "declared: 200" in violations[0].message


def test_status_ranges_and_default_are_matched_after_exact_codes() -> None:
    problem = {"title": "Not found"}
    assert check(404, problem, content_type="application/problem+json") == set()
    assert check(404, {}, content_type="application/problem+json") == {("body.title", "required")}
    assert check(503, b"oops", content_type="text/plain") == {("body", "maxLength")}


def test_wrong_response_body_is_located_like_request_bodies() -> None:
    body = {**GOOD_BODY, "items": [{"sku": "x", "quantity": "2"}]}
    assert check(body=body) == {("body.items[0].quantity", "type")}
    assert check(body=b"{") == {("body", "malformed_body")}


def test_required_response_headers_must_be_present_and_valid() -> None:
    assert check(headers={}) == {("header.X-Rate-Limit", "missing")}
    assert check(headers={"X-Rate-Limit": "many"}) == {("header.X-Rate-Limit", "type")}


def test_write_only_property_leaking_into_a_response_is_caught_by_the_response_view() -> None:
    assert check(body={**GOOD_BODY, "password": "secret"}) == {
        ("body.password", "additionalProperties")
    }


def test_response_content_is_checked_against_what_the_status_declares() -> None:
    assert check(204, b"", content_type=None) == set()
    assert check(204, b"surprise", content_type="text/plain") == {("body", "unexpected_body")}
    assert check(201, b"") == {("body", "missing")}
    assert check(201, content_type="text/html") == {("header.Content-Type", "content_type")}
    assert check(201, content_type=None) == set()  # the only declared type is assumed


def test_head_responses_may_omit_the_declared_body() -> None:
    operation, registry = make_operation({"responses": RESPONSES}, view=response_view)
    head = dataclasses.replace(operation, method="head")
    violations = ResponseValidator(head, registry).validate(
        status=201, headers={"X-Rate-Limit": "1"}, body=b"", content_type="application/json"
    )
    assert violations == []


# --- the schema registry -------------------------------------------------------------------


def registry() -> SchemaRegistry:
    return SchemaRegistry(make_document({"responses": {}}))


@pytest.mark.parametrize(
    ("schema", "valid", "invalid"),
    [
        ({"$ref": "#/components/schemas/Line%20item"}, {"sku": "a", "quantity": 1}, {"sku": 1}),
        ({"$ref": "#/components/schemas/Tree"}, [[[]], []], [[1]]),
        ({"format": "uuid"}, UUID, "not-a-uuid"),
        ({"format": "email"}, "a@example.com", "nope"),
        ({"format": "date-time"}, "2024-01-02T03:04:05Z", "2024-13-02"),
        ({"format": "date"}, "2024-01-02", "02/01/2024"),
        ({"format": "ipv4"}, "10.0.0.1", "10.0.0.256"),
        ({"format": "int64"}, 2**63 - 1, 2**63),
        ({"format": "int32", "type": "integer"}, -(2**31), -(2**31) - 1),
        ({"format": "no-such-format"}, "anything", None),
    ],
)
def test_registry_compiles_refs_and_validates_formats(
    schema: Any, valid: Any, invalid: Any
) -> None:
    validator = registry().compile(schema, pointer="/test")
    assert validator.is_valid(valid)
    if invalid is not None:
        assert not validator.is_valid(invalid)


def test_registry_caches_equal_schemas() -> None:
    schemas = registry()
    first = schemas.compile({"type": "integer", "minimum": 1}, pointer="/a")
    assert schemas.compile({"minimum": 1, "type": "integer"}, pointer="/b") is first


@pytest.mark.parametrize("schema", [{"$ref": "#/components/schemas/Nope"}, {"pattern": "(("}])
def test_registry_reports_uncompilable_schemas_with_their_pointer(schema: Any) -> None:
    with pytest.raises(SpecError, match=r"#/paths/x: the schema cannot be compiled"):
        registry().compile(schema, pointer="/paths/x")


def test_validate_never_echoes_a_write_only_value() -> None:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/users": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "password": {
                                            "type": "string",
                                            "writeOnly": True,
                                            "pattern": "[0-9]",
                                        },
                                        "name": {"type": "string", "pattern": "[0-9]"},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {"201": {"description": "ok"}},
                }
            }
        },
    }
    operation = compile_operations(document)[0]
    validator = RequestValidator(operation, SchemaRegistry(document))
    body = b'{"password": "hunter-two-secret", "name": "visible-name"}'
    _, violations = validator.validate(
        path_params={}, query_string="", headers={"content-type": "application/json"}, body=body
    )
    messages = {v.location: v.message for v in violations}
    assert "hunter-two-secret" not in messages["body.password"]
    assert "the value" in messages["body.password"]
    assert "visible-name" in messages["body.name"]


def test_validators_of_many_operations_are_bounded_by_their_registry() -> None:
    # Each operation's validator lives in the registry, which keeps a bounded weight of them:
    # an operation that held its own would keep every one ever compiled (a giant document's
    # operations are thousands, each validator up to megabytes).
    document = request_view(make_document({"responses": {"201": {"description": "created"}}}))
    registry = SchemaRegistry(document, kept=5)
    operations = [
        dataclasses.replace(
            compile_operations(document)[0],
            parameters=(
                compile_operations(document)[0].parameters
                + tuple(
                    compile_operations(make_document({"parameters": [parameter]}))[0].parameters
                )
            ),
        )
        for parameter in (
            {"name": f"p{i}", "in": "query", "schema": {"type": "integer", "maximum": 5}}
            for i in range(20)
        )
    ]
    validators = [RequestValidator(operation, registry) for operation in operations]
    for i, validator in enumerate(validators):
        assert problems(send(validator, query=f"p{i}=9", body=b"")[1]) == {
            (f"query.p{i}", "maximum")
        }
    assert registry._cache.weight <= 5
    held = [v for validator in validators for v in vars(validator).values()]
    assert not any(isinstance(v, jsonschema_rs.Validator) for v in held)
    # What was let go is compiled again, and still enforced.
    assert problems(send(validators[0], query="p0=1", body=b"")[1]) == set()
    assert problems(send(validators[0], query="p0=9", body=b"")[1]) == {("query.p0", "maximum")}


@pytest.mark.parametrize(
    ("path", "violations"),
    [
        # Found by the corpus (mastercard.com/masterpassqr.json): `{partnerId}` after the `#`
        # never reaches the server, so every request was refused for lacking it.
        ("/send/#env/v1/partners/{partnerId}/transfers", set()),
        ("/send/v1/partners/{partnerId}/transfers", {("path.partnerId", "missing")}),
    ],
)
def test_a_path_parameter_only_a_fragment_of_the_path_holds_is_not_asked_for(
    path: str, violations: set[tuple[str, str]]
) -> None:
    partner = {"name": "partnerId", "in": "path", "required": True, "schema": {"type": "string"}}
    operation = {"parameters": [partner], "responses": {"200": {"description": "ok"}}}
    document = request_view(make_document(operation, path=path))
    validator = RequestValidator(compile_operations(document)[0], SchemaRegistry(document))
    assert problems(send(validator, path={}, query="", body=b"")[1]) == violations


# --- requests: outcomes kept for path-only requests ---------------------------------------------


def path_only_validator() -> RequestValidator:
    return make_validator(parameters=[PARAMETERS[0]])  # projectId, an integer in the path


def test_a_path_only_request_is_checked_once_per_path_and_answered_the_same_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validator = path_only_validator()
    checks: list[dict[str, str]] = []
    check = validator._validate

    def counted(path: Any, *rest: Any) -> Any:
        checks.append(dict(path))
        return check(path, *rest)

    monkeypatch.setattr(validator, "_validate", counted)
    first = send(validator, path={"projectId": "42"}, query="", body=b"")
    first[0].path["projectId"] = "changed by a caller"
    again = send(validator, path={"projectId": "42"}, query="", body=b"")
    assert again == (ValidatedRequest({"projectId": 42}, {}, {}, {}, None, None), [])
    bad = [send(validator, path={"projectId": "x"}, query="", body=b"") for _ in range(2)]
    assert bad[0] == bad[1]
    assert problems(bad[0][1]) == {("path.projectId", "type")}
    assert checks == [{"projectId": "42"}, {"projectId": "x"}]  # each path checked once


def test_a_request_with_a_body_is_checked_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    validator = path_only_validator()
    calls = 0
    check = validator._validate

    def counted(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return check(*args)

    monkeypatch.setattr(validator, "_validate", counted)
    for _ in range(2):
        send(validator, path={"projectId": "42"}, query="", body=b"{}")
    assert calls == 2


def test_the_kept_outcomes_are_bounded_and_long_paths_never_kept() -> None:
    validator = path_only_validator()
    for value in range(PATH_OUTCOMES + 5):
        send(validator, path={"projectId": str(value)}, query="", body=b"")
    assert validator._by_path is not None
    assert 0 < len(validator._by_path) <= PATH_OUTCOMES
    validator._by_path.clear()
    validated, _ = send(validator, path={"projectId": "1" * (PATH_KEPT_CHARS + 1)}, body=b"")
    assert validated.path == {"projectId": int("1" * (PATH_KEPT_CHARS + 1))}
    assert validator._by_path == {}


def test_an_operation_with_query_header_or_cookie_parameters_keeps_no_outcome() -> None:
    assert order_validator()._by_path is None


def test_an_array_in_the_path_is_copied_for_each_request() -> None:
    validator = make_validator(
        parameters=[
            {
                "name": "projectId",
                "in": "path",
                "required": True,
                "schema": {"type": "array", "items": {"type": "integer"}},
            }
        ]
    )
    first, _ = send(validator, path={"projectId": "1,2"}, query="", body=b"")
    first.path["projectId"].append(3)
    again, _ = send(validator, path={"projectId": "1,2"}, query="", body=b"")
    assert again.path == {"projectId": [1, 2]}
