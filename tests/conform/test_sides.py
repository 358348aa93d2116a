"""The two servers: a fresh in-process mock and a provider over HTTP."""

from __future__ import annotations

import asyncio

import pytest

from mockserver.conform.model import ApiModel
from mockserver.conform.sides import Answer, HttpSide, MockSide, Request
from mockserver.errors import ConformError


def test_the_mock_side_answers_from_a_fresh_mock(model: ApiModel) -> None:
    async def go() -> Answer:
        side = MockSide(model.spec, seed=1)
        try:
            return await side.send(Request("GET", "/projects"))
        finally:
            await side.aclose()

    answer = asyncio.run(go())
    assert answer.status == 401
    assert answer.is_problem
    assert answer.problem_code() == "unauthorized"


def test_the_provider_url_may_carry_the_base_path(provider_url: str) -> None:
    async def go() -> Answer:
        side = HttpSide(provider_url + "/api/v1/", "/api/v1")
        try:
            return await side.send(Request("GET", "/auth/me", headers=(("Accept", "*/*"),)))
        finally:
            await side.aclose()

    answer = asyncio.run(go())
    assert answer.status == 401
    assert answer.media_type == "application/problem+json"


@pytest.mark.parametrize("url", ["ftp://host", "127.0.0.1:8000", "http://"])
def test_a_provider_url_that_is_no_http_url_is_refused(url: str) -> None:
    with pytest.raises(ConformError, match="expected an http"):
        HttpSide(url, "/api/v1")


def test_answers_without_json_have_no_body_and_no_code() -> None:
    answer = Answer(500, {"content-type": "text/plain"}, None, "oops")
    assert answer.problem_code() is None
    assert not answer.is_problem
    assert Request("GET", "/x", headers=(("X-A", "1"),)).header("x-a") == "1"
