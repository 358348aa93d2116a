"""Checking exchanges against the spec, and what is kept of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers

from mockserver.proxy.exchange import (
    REDACTED,
    Checker,
    is_secret,
    kept_body,
    redacted_body,
    redacted_headers,
)
from mockserver.server.engine import Engine
from tests.proxy.conftest import bundled_spec


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(Engine(bundled_spec(), stateful=False))


def test_checker_routes_as_the_mock_does(checker: Checker) -> None:
    route = checker.route("HEAD", "/api/v1/health")
    assert route.operation is not None
    assert route.operation.operation_id == "getHealth"
    assert checker.route("GET", "/elsewhere").miss is not None
    assert checker.route("PUT", "/api/v1/health").operation is None


def test_checker_finds_each_broken_rule_of_an_answer_and_none_in_a_good_one(
    checker: Checker,
) -> None:
    operation = checker.route("GET", "/api/v1/health").operation
    assert operation is not None
    good = orjson.dumps({"status": "ok", "version": "1"})
    json = [("content-type", "application/json")]
    assert checker.check_response(operation, 200, json, good) == []
    (wrong,) = checker.check_response(operation, 200, json, b'{"status": "down", "version": "1"}')
    assert (wrong["in"], wrong["field"]) == ("response", "body.status")
    (undeclared,) = checker.check_response(operation, 302, [], b"")
    assert undeclared["code"] == "status"
    assert checker.declares(operation, 200)
    assert not checker.declares(operation, 302)


def test_checker_checks_a_request_with_the_mocks_validator(checker: Checker) -> None:
    route = checker.route("POST", "/api/v1/auth/login")
    headers = Headers({"content-type": "application/json"})
    found = checker.check_request(route, "", headers, b'{"email": 1}')
    assert {v["in"] for v in found} == {"request"}
    assert "body.email" in {v["field"] for v in found}


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("Authorization", True),
        ("X-API-Key", True),
        ("set-cookie", True),
        ("refresh_token", True),
        ("clientSecret", True),
        ("password", True),
        ("name", False),
        ("content-type", False),
        ("sessions", False),
    ],
)
def test_is_secret_knows_secret_looking_names(name: str, secret: bool) -> None:
    assert is_secret(name) is secret


def test_redaction_replaces_secret_values_at_any_depth() -> None:
    body = {"user": {"password": "p", "name": "n"}, "tokens": [{"accessToken": "t"}]}
    assert redacted_body(body) == {
        "user": {"password": REDACTED, "name": "n"},
        "tokens": [{"accessToken": REDACTED}],
    }
    headers = [("Cookie", "a=1"), ("Accept", "x"), ("Accept", "y")]
    assert redacted_headers(headers) == {"cookie": REDACTED, "accept": "x, y"}


def test_kept_body_keeps_json_text_or_a_size() -> None:
    assert kept_body(b"", "application/json") is None
    assert kept_body(b'{"token": "t"}', "application/json") == {"token": REDACTED}
    assert kept_body(b"{", "application/json") == "{"
    assert kept_body(b"x" * 3000, "text/plain").endswith("... (3000 bytes)")
    assert kept_body(b"\x89PNG", "image/png") == "<4 bytes of image/png>"


_NAMES = st.sampled_from(["password", "accessToken", "name", "id", "x-api-key", "items", "note"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_NAMES, inner, max_size=3),
    max_leaves=12,
)


def _secret_scalars(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                yield from _secret_scalars(item)
            elif is_secret(key):
                yield item
    elif isinstance(value, list):
        for item in value:
            yield from _secret_scalars(item)


@given(_JSON)
def test_redacted_body_leaves_no_secret_value_and_keeps_the_shape(value: Any) -> None:
    redacted = redacted_body(value)
    assert all(item == REDACTED for item in _secret_scalars(redacted))
    assert redacted_body(redacted) == redacted  # redacting twice changes nothing more
    assert type(redacted) is type(value)
