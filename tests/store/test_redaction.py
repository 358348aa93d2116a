"""The journal keeps no secret: values of secret-looking headers and fields are replaced."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.store.redaction import (
    REDACTED,
    is_secret,
    redacted_body,
    redacted_headers,
    redacted_text,
)


@pytest.mark.parametrize(
    "name",
    ["Authorization", "Cookie", "X-Api-Key", "password", "newPassword", "refresh_token",
     "client_secret", "X-Hub-Signature-256", "sessionId"],
)  # fmt: skip
def test_secret_names_are_known_however_spelt(name: str) -> None:
    assert is_secret(name)


@pytest.mark.parametrize("name", ["email", "name", "Content-Type", "id", "X-Request-Id"])
def test_ordinary_names_are_no_secrets(name: str) -> None:
    assert not is_secret(name)


def test_headers_keep_their_names_and_lose_secret_values() -> None:
    headers = redacted_headers([("Authorization", "Bearer abc"), ("Accept", "a"), ("accept", "b")])
    assert headers == {"authorization": REDACTED, "accept": "a, b"}


def test_json_bodies_lose_secrets_at_any_depth_and_keep_the_rest() -> None:
    body = {"user": {"email": "a@b.c", "password": "p"}, "tokens": {"accessToken": "t"}}
    text = redacted_text(orjson.dumps(body), 4096)
    assert orjson.loads(text) == {
        "user": {"email": "a@b.c", "password": REDACTED},
        "tokens": {"accessToken": REDACTED},
    }


def test_form_bodies_lose_secrets() -> None:
    assert redacted_text(b"username=ada&password=hunter2", 100) == (
        "username=ada&password=%5Bredacted%5D"
    )


def test_text_that_is_neither_json_nor_a_form_is_kept_cut_to_the_limit() -> None:
    assert redacted_text(b"plain words = ok", 5) == "plain"
    assert redacted_text(b'{"broken": ', 100) == '{"broken": '


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["id", "name", "items"]), inner, max_size=3),
    max_leaves=10,
))  # fmt: skip
def test_a_body_without_secret_names_is_unchanged(value: object) -> None:
    assert redacted_body(value) == value
