"""Our request validator and openapi-core (the reference) agree on what is valid.

Hypothesis builds requests for a few operations that cover types, formats, enums, bounds,
arrays, nested objects and required/optional parameters and bodies. Each request is mostly
valid, with zero to two fields broken on purpose, so both verdicts are common. Inputs on which
the two legitimately differ are left out, each with the reason next to it.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import orjson
from hypothesis import event, example, given, note
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from openapi_core.validation.exceptions import ValidationError

from mockserver.compile.operations import compile_operations
from mockserver.compile.validators import SchemaRegistry
from mockserver.spec.views import request_view
from mockserver.validation.request import RequestValidator

UUID = "6c1e6c5e-8e07-4b8f-9a4e-1c2e0d7c4b4a"


def _param(name: str, where: str, schema: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "schema": schema, **extra}


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "differential", "version": "1"},
    "paths": {
        "/items/{itemId}": {
            "get": {
                "operationId": "getItem",
                "parameters": [
                    _param(
                        "itemId",
                        "path",
                        {"type": "integer", "minimum": 1, "maximum": 100000},
                        required=True,
                    ),
                    _param(
                        "q",
                        "query",
                        {"type": "string", "minLength": 2, "maxLength": 10, "pattern": "^[a-z]+$"},
                        required=True,
                    ),
                    _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 50}),
                    _param("sort", "query", {"type": "string", "enum": ["asc", "desc"]}),
                    _param(
                        "tags",
                        "query",
                        {
                            "type": "array",
                            "maxItems": 3,
                            "items": {"type": "string", "maxLength": 5},
                        },
                    ),
                    _param(
                        "ids",
                        "query",
                        {"type": "array", "items": {"type": "integer", "minimum": 0}},
                        explode=False,
                    ),
                    _param("since", "query", {"type": "string", "format": "date"}),
                    _param(
                        "ratio", "query", {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
                    ),
                    _param("flag", "query", {"type": "boolean"}),
                    _param(
                        "X-Request-Id",
                        "header",
                        {"type": "string", "format": "uuid"},
                        required=True,
                    ),
                    _param("X-Trace", "header", {"type": "integer", "format": "int32"}),
                ],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/orders": {
            "post": {
                "operationId": "createOrder",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Order"}}
                    },
                },
                "responses": {"201": {"description": "created"}},
            }
        },
        "/orders/{orderId}": {
            "put": {
                "operationId": "updateOrder",
                "parameters": [
                    _param("orderId", "path", {"type": "string", "format": "uuid"}, required=True),
                    _param("X-Version", "header", {"type": "integer", "minimum": 1}, required=True),
                ],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Discount"}}
                    }
                },
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
    "components": {
        "schemas": {
            "Order": {
                "type": "object",
                "required": ["customer", "lines"],
                "additionalProperties": False,
                "properties": {
                    "customer": {"$ref": "#/components/schemas/Customer"},
                    "lines": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 3,
                        "items": {"$ref": "#/components/schemas/OrderLine"},
                    },
                    "coupon": {"type": ["string", "null"], "minLength": 3},
                    "placedAt": {"type": "string", "format": "date-time"},
                    "channel": {"enum": ["web", "phone"]},
                    "priority": {
                        "type": "integer",
                        "minimum": 0,
                        "exclusiveMaximum": 10,
                        "multipleOf": 2,
                    },
                },
            },
            "Customer": {
                "type": "object",
                "required": ["email"],
                "properties": {
                    "email": {"type": "string", "format": "email"},
                    "id": {"type": "string", "format": "uuid"},
                    "name": {"type": "string", "maxLength": 20},
                    "vip": {"type": "boolean"},
                },
            },
            "OrderLine": {
                "type": "object",
                "required": ["sku", "quantity"],
                "properties": {
                    "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$"},
                    "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
                    "price": {"type": "number", "minimum": 0},
                },
            },
            "Discount": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["kind", "value"],
                        "properties": {
                            "kind": {"const": "percent"},
                            "value": {"type": "number", "maximum": 100},
                        },
                    },
                    {
                        "type": "object",
                        "required": ["kind", "value"],
                        "properties": {
                            "kind": {"const": "amount"},
                            "value": {"type": "integer", "minimum": 1},
                        },
                    },
                ]
            },
        }
    },
}

REFERENCE = OpenAPI.from_dict(DOCUMENT)
_VIEW = request_view(DOCUMENT)
_REGISTRY = SchemaRegistry(_VIEW)
OURS = {op.path: RequestValidator(op, _REGISTRY) for op in compile_operations(_VIEW)}


@dataclass
class Request:
    """A request as both validators need it: decoded query values, raw path values."""

    method: str
    template: str
    path: dict[str, str]
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


def reference_accepts(request: Request) -> bool:
    filled = request.template
    for name, value in request.path.items():
        filled = filled.replace("{" + name + "}", quote(value, safe=""))
    mock = MockRequest(
        "http://localhost",
        request.method,
        filled,
        path_pattern=request.template,
        args=dict(request.query),
        view_args=request.path,
        headers=request.headers,
        data=request.body,
        content_type="application/json",
    )
    try:
        REFERENCE.validate_request(mock)
    except ValidationError as exc:
        note(f"openapi-core: {exc!r} caused by {exc.__cause__!r}")
        return False
    return True


def ours_accepts(request: Request) -> bool:
    # Everything is percent-encoded, commas included, as httpx and browsers do; both sides
    # split non-exploded arrays after decoding. Generated items never contain a comma.
    query = "&".join(
        f"{quote(name, safe='')}={quote(value, safe='')}"
        for name, values in request.query.items()
        for value in values
    )
    headers = dict(request.headers)
    if request.body is not None:
        headers["Content-Type"] = "application/json"
    _, violations = OURS[request.template].validate(
        path_params=request.path, query_string=query, headers=headers, body=request.body or b""
    )
    note(f"ours: {violations}")
    return not violations


def assert_agree(request: Request) -> None:
    note(repr(request))
    ours, theirs = ours_accepts(request), reference_accepts(request)
    event("valid" if theirs else "invalid")
    assert ours == theirs


# --- value strategies: (valid, invalid) per field --------------------------------------------

Pair = tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]

# Python's re lets "$" match before a final newline, so openapi-core accepts "abc\n" for
# "^[a-z]+$" where JSON Schema's (and jsonschema-rs's) regex does not: no newlines in text.
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), max_size=12)
ASCII = st.text(alphabet=string.ascii_letters + string.digits + "-_.~ ", max_size=12)
WORDS = st.sampled_from(["abc", "x", "1.5", "1e3", "--1", "null", "[]"])


def integer_text(low: int, high: int) -> Pair:
    # openapi-core casts with int(), which also takes "007", "+5", " 5" and "1_000"; JSON's
    # grammar (ours) does not. Only canonical integers and non-numbers are generated.
    valid = st.integers(low, high).map(str)
    invalid = st.one_of(
        st.integers(max_value=low - 1).map(str),
        st.integers(min_value=high + 1).map(str),
        WORDS,
        st.just(""),
    )
    return valid, invalid


def number_text() -> Pair:
    # float() also takes "nan", "inf" and "1e400" (infinite); they are left out.
    valid = st.floats(min_value=0, max_value=1, exclude_min=True).map(repr)
    invalid = st.one_of(st.sampled_from(["0", "2", "-0.5", "1.0001", "abc", ""]), WORDS)
    return valid, invalid


def boolean_text() -> Pair:
    # openapi-core also reads y/yes/t/on/1 and n/no/f/off/0 in any case; only "true" and
    # "false" are booleans in JSON, so those spellings are left out.
    return st.sampled_from(["true", "false"]), st.sampled_from(["maybe", "2", "truth", "null"])


def uuid_text() -> Pair:
    valid = st.uuids().map(str)
    invalid = st.one_of(st.uuids().map(lambda u: u.hex), st.sampled_from(["not-a-uuid", "1234"]))
    return valid, invalid


def date_text() -> Pair:
    invalid = st.sampled_from(["2024-02-30", "2024-13-01", "tomorrow", "2024-01-01T00:00:00Z"])
    return st.dates().map(dt.date.isoformat), invalid


def datetime_text() -> Pair:
    valid = st.datetimes(timezones=st.just(dt.UTC)).map(dt.datetime.isoformat)
    invalid = st.sampled_from(["2024-01-01", "2024-01-01T25:00:00Z", "2024-01-01T00:00:00", "now"])
    return valid, invalid


def email_text() -> Pair:
    # Python's jsonschema only looks for an "@"; jsonschema-rs checks RFC 5321. Addresses
    # both accept and strings without an "@" are generated, nothing in between.
    valid = st.sampled_from(["a@example.com", "first.last@sub.example.org", "x+y@example.io"])
    return valid, st.sampled_from(["no-at-sign", "example.com", ""])


@st.composite
def fields(
    draw: st.DrawFn, spec: Mapping[str, tuple[Pair, bool]], *, broken: int = 2
) -> tuple[dict[str, Any], set[str]]:
    """Values for ``spec`` (name -> ((valid, invalid), required)), with up to ``broken`` bad."""
    names = sorted(spec)
    bad = draw(st.sets(st.sampled_from(names), max_size=broken)) if broken else set()
    out: dict[str, Any] = {}
    for name in names:
        (valid, invalid), required = spec[name]
        if name in bad:
            if required and draw(st.booleans()):
                continue  # a missing required field is one way of being wrong
            out[name] = draw(invalid)
        elif required or draw(st.booleans()):
            out[name] = draw(valid)
    return out, bad


# --- GET /items/{itemId}: parameters ---------------------------------------------------------

TAG = st.text(alphabet=string.ascii_lowercase + "é ,+&=%", min_size=0, max_size=5)
ITEM_PARAMS: dict[str, tuple[Pair, bool]] = {
    "itemId": (integer_text(1, 100000), True),
    "q": (
        (
            st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=10),
            st.one_of(st.text(alphabet="aB1 ", max_size=12), st.just("a"), TEXT),
        ),
        True,
    ),
    "limit": (integer_text(1, 50), False),
    "sort": ((st.sampled_from(["asc", "desc"]), st.sampled_from(["ASC", "up", "asc "])), False),
    "tags": (
        (
            st.lists(TAG, max_size=3),
            st.one_of(st.lists(TAG, min_size=4, max_size=6), st.just(["toolong"])),
        ),
        False,
    ),
    "ids": (
        (
            st.lists(st.integers(0, 10**6).map(str), min_size=1, max_size=4),
            st.lists(st.sampled_from(["-1", "x", "1.5", ""]), min_size=1, max_size=3),
        ),
        False,
    ),
    "since": (date_text(), False),
    "ratio": (number_text(), False),
    "flag": (boolean_text(), False),
    "X-Request-Id": (uuid_text(), True),
    "X-Trace": (
        (
            st.integers(-(2**31), 2**31 - 1).map(str),
            st.one_of(st.sampled_from([str(2**31), "abc", "1.5"]), st.just(str(-(2**31) - 1))),
        ),
        False,
    ),
}


@st.composite
def item_requests(draw: st.DrawFn) -> Request:
    values, _ = draw(fields(ITEM_PARAMS))
    request = Request("get", "/items/{itemId}", {"itemId": values.pop("itemId", "1")})
    for name in ("X-Request-Id", "X-Trace"):
        if name in values:
            request.headers[name] = values.pop(name)
    for name, value in values.items():
        if name == "tags":
            if value:  # an empty exploded array is no parameter at all
                request.query[name] = value
        elif name == "ids":
            request.query[name] = [",".join(value)]
        else:
            request.query[name] = [value]
    return request


@given(item_requests())
@example(Request("get", "/items/{itemId}", {"itemId": "1"}, {"q": ["ab"]}, {"X-Request-Id": UUID}))
@example(Request("get", "/items/{itemId}", {"itemId": "0"}, {"q": ["ab"]}, {"X-Request-Id": UUID}))
@example(
    Request(
        "get",
        "/items/{itemId}",
        {"itemId": "7"},
        {"q": ["ab"], "ids": [""]},
        {"X-Request-Id": UUID},
    )
)
@example(
    Request(
        "get",
        "/items/{itemId}",
        {"itemId": "7"},
        {"q": ["ab"], "limit": [""]},
        {"X-Request-Id": UUID},
    )
)
def test_parameters_get_the_same_verdict_as_openapi_core(request: Request) -> None:
    assert_agree(request)


# --- POST /orders and PUT /orders/{orderId}: bodies ------------------------------------------

# orjson refuses integers beyond 64 bits and reads them back as floats: bodies stay within.
INTS = st.integers(-(2**53), 2**53)
NOT_STRING = st.one_of(INTS, st.booleans(), st.none(), st.lists(INTS, max_size=1))
CUSTOMER: dict[str, tuple[Pair, bool]] = {
    "email": ((email_text()[0], st.one_of(email_text()[1], NOT_STRING)), True),
    "id": ((uuid_text()[0], st.one_of(uuid_text()[1], NOT_STRING)), False),
    "name": ((st.text(max_size=20), st.one_of(st.text(min_size=21), NOT_STRING)), False),
    "vip": ((st.booleans(), st.sampled_from(["true", 1, None])), False),
}
SKU = st.from_regex(r"[A-Z]{3}-[0-9]{2}", fullmatch=True)
LINE: dict[str, tuple[Pair, bool]] = {
    "sku": ((SKU, st.one_of(st.sampled_from(["abc-12", "ABC-123", "ABC12"]), NOT_STRING)), True),
    "quantity": (
        (
            st.integers(1, 99),
            st.one_of(st.sampled_from([0, 100, -3, 1.5, "2", None]), st.integers(100, 2**53)),
        ),
        True,
    ),
    "price": (
        (
            st.one_of(st.integers(0, 10**6), st.floats(min_value=0, max_value=1e6)),
            st.sampled_from([-0.01, -1, "9.99", None]),
        ),
        False,
    ),
}


def valid_object(spec: Mapping[str, tuple[Pair, bool]]) -> st.SearchStrategy[dict[str, Any]]:
    return fields(spec, broken=0).map(lambda pair: pair[0])


def broken_object(spec: Mapping[str, tuple[Pair, bool]]) -> st.SearchStrategy[Any]:
    broken = fields(spec, broken=2).filter(lambda pair: bool(pair[1])).map(lambda pair: pair[0])
    return st.one_of(broken, NOT_STRING, st.text(max_size=3))


ORDER: dict[str, tuple[Pair, bool]] = {
    "customer": ((valid_object(CUSTOMER), broken_object(CUSTOMER)), True),
    "lines": (
        (
            st.lists(valid_object(LINE), min_size=1, max_size=3),
            st.one_of(
                st.just([]),
                st.lists(valid_object(LINE), min_size=4, max_size=5),
                st.lists(broken_object(LINE), min_size=1, max_size=2),
            ),
        ),
        True,
    ),
    "coupon": (
        (st.one_of(st.none(), st.text(min_size=3)), st.one_of(st.text(max_size=2), INTS)),
        False,
    ),
    "placedAt": ((datetime_text()[0], st.one_of(datetime_text()[1], NOT_STRING)), False),
    "channel": ((st.sampled_from(["web", "phone"]), st.sampled_from(["Web", "", None, 1])), False),
    "priority": (
        (st.sampled_from([0, 2, 4, 6, 8]), st.sampled_from([1, 10, -2, 12, 2.5, "4", True])),
        False,
    ),
    "unexpected": ((st.nothing(), INTS), False),
}


def encode(value: Any) -> bytes:
    return orjson.dumps(value)


@st.composite
def order_requests(draw: st.DrawFn) -> Request:
    kind = draw(st.sampled_from(["object", "object", "object", "malformed", "empty", "other"]))
    body: bytes
    if kind == "object":
        values, _ = draw(fields({k: v for k, v in ORDER.items() if k != "unexpected"}))
        if draw(st.integers(0, 9)) == 0:
            values["unexpected"] = draw(INTS)
        body = encode(values)
    elif kind == "malformed":
        body = draw(st.sampled_from([b"{", b'{"customer": }', b"[1,", b"\xff", b"{'a': 1}"]))
    elif kind == "empty":
        body = b""
    else:
        body = encode(draw(st.one_of(NOT_STRING, st.text(max_size=3))))
    return Request("post", "/orders", {}, body=body)


@given(order_requests())
@example(Request("post", "/orders", {}, body=b""))
@example(Request("post", "/orders", {}, body=b"\xff"))  # openapi-core cannot str() its error
@example(Request("post", "/orders", {}, body=encode({"customer": {"email": "a@example.com"}})))
@example(
    Request(
        "post",
        "/orders",
        {},
        body=encode(
            {"customer": {"email": "a@example.com"}, "lines": [{"sku": "ABC-12", "quantity": 1}]}
        ),
    )
)
def test_json_bodies_get_the_same_verdict_as_openapi_core(request: Request) -> None:
    request.path = {"_": "_"}  # openapi-core reads path variables off the template when empty
    assert_agree(request)


DISCOUNT: dict[str, tuple[Pair, bool]] = {
    "kind": ((st.sampled_from(["percent", "amount"]), st.sampled_from(["PERCENT", "", 1])), True),
    "value": (
        (st.integers(1, 100), st.one_of(st.sampled_from([0, -1, 101, 1.5, "5", None]))),
        True,
    ),
}


UPDATE_PARAMS: dict[str, tuple[Pair, bool]] = {
    "orderId": (uuid_text(), True),
    "X-Version": (integer_text(1, 10**9), True),
}


@st.composite
def discount_requests(draw: st.DrawFn) -> Request:
    params, _ = draw(fields(UPDATE_PARAMS, broken=1))
    request = Request("put", "/orders/{orderId}", {"orderId": params.get("orderId", UUID)})
    if "X-Version" in params:
        request.headers["X-Version"] = params["X-Version"]
    values, _ = draw(fields(DISCOUNT, broken=1))
    request.body = draw(st.sampled_from([encode(values), encode(values), b""]))
    return request


@given(discount_requests())
@example(Request("put", "/orders/{orderId}", {"orderId": UUID}, {}, {"X-Version": "1"}, b""))
@example(
    Request(
        "put",
        "/orders/{orderId}",
        {"orderId": UUID},
        {},
        {"X-Version": "1"},
        encode({"kind": "percent", "value": 1.5}),
    )
)
def test_one_of_bodies_and_optional_bodies_get_the_same_verdict(request: Request) -> None:
    assert_agree(request)
