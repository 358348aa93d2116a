"""Checking exchanges against the spec, and what is kept of them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers

from mockserver.proxy.exchange import Checker, KeptExchange, kept_body
from mockserver.server.engine import Engine
from mockserver.store.redaction import REDACTED, is_secret
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


def test_kept_body_keeps_json_text_or_a_size() -> None:
    assert kept_body(b"", "application/json") is None
    assert kept_body(b'{"token": "t"}', "application/json") == {"token": REDACTED}
    assert kept_body(b"{", "application/json") == "{"
    assert kept_body(b"x" * 3000, "text/plain").endswith("... (3000 bytes)")
    assert kept_body(b"\x89PNG", "image/png") == "<4 bytes of image/png>"


_NAMES = st.sampled_from(["password", "accessToken", "name", "id", "x-api-key", "items", "note"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
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
def test_kept_body_keeps_no_secret_value_and_the_shape(value: Any) -> None:
    kept = kept_body(orjson.dumps(value), "application/json")
    if value is None:
        assert kept is None
        return
    assert all(item == REDACTED for item in _secret_scalars(kept))
    assert type(kept) is type(value)


def test_kept_exchange_is_redacted_when_read_and_copies_as_a_dict() -> None:
    request = (
        [("Authorization", "Bearer t"), ("Content-Type", "application/json")],
        b'{"password": "p", "name": "n"}',
    )
    response = (200, [("Set-Cookie", "s=1")], b"x" * 70_000)
    kept = KeptExchange({"source": "upstream"}, request, response)
    assert set(kept) == {"source", "request", "response"}
    assert len(kept) == 3
    assert kept["request"]["headers"]["authorization"] == REDACTED
    assert kept["request"]["body"] == {"password": REDACTED, "name": "n"}
    assert kept["response"]["headers"] == {"set-cookie": REDACTED}
    assert kept["response"]["body"] == "<70000 bytes of unknown type>"
    copied: Any = copy.deepcopy(kept)
    assert type(copied) is dict
    assert copied == dict(kept)
