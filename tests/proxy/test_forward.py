"""Forwarding: which headers travel, the upstream's URL, limits checked at the boundary."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mockserver.errors import ConfigError
from mockserver.proxy.forward import Upstream, UpstreamAnswer, UpstreamFailure, end_to_end


def test_end_to_end_drops_hop_by_hop_headers_and_those_connection_names() -> None:
    headers = [
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "1"),
        ("Transfer-Encoding", "chunked"),
        ("Accept", "application/json"),
        ("Authorization", "Bearer t"),
    ]
    assert end_to_end(headers) == [("Accept", "application/json"), ("Authorization", "Bearer t")]


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        ("ftp://example.com", {}, "expected an http:// or https:// URL"),
        ("example.com", {}, "expected an http:// or https:// URL"),
        ("http://example.com", {"timeout": 0}, "must be positive"),
        ("http://example.com", {"max_body_bytes": -1}, "must be positive"),
    ],
)
def test_upstream_refuses_a_bad_url_or_limit(
    url: str, options: dict[str, float], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Upstream(url, **options)  # type: ignore[arg-type]


def test_upstream_target_puts_the_path_under_its_url() -> None:
    upstream = Upstream("https://staging.example.com/api/v1/", insecure=True)
    assert upstream.target("/projects", "page=2") == (
        "https://staging.example.com/api/v1/projects?page=2"
    )
    assert upstream.target("/health", "") == "https://staging.example.com/api/v1/health"
    asyncio.run(upstream.aclose())


def _forward(handler: httpx.MockTransport, **options: float) -> UpstreamAnswer | UpstreamFailure:
    async def run() -> UpstreamAnswer | UpstreamFailure:
        upstream = Upstream("http://upstream.test/api", transport=handler, **options)  # type: ignore[arg-type]
        try:
            return await upstream.forward(
                "POST", "/things", "a=1",
                [("Host", "proxy"), ("Connection", "close"), ("X-Keep", "yes")], b"{}",
            )  # fmt: skip
        finally:
            await upstream.aclose()

    return asyncio.run(run())


def test_forward_sends_end_to_end_headers_and_reframes_the_answer() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            201, headers={"X-Out": "1", "Keep-Alive": "timeout=5"}, content=b'{"ok": true}'
        )

    result = _forward(httpx.MockTransport(answer))
    assert isinstance(result, UpstreamAnswer)
    assert result.status == 201
    assert result.body == b'{"ok": true}'
    assert result.header("x-out") == "1"
    assert result.header("keep-alive") is None
    assert result.header("content-length") is None  # the proxy frames the body itself
    (request,) = seen
    assert str(request.url) == "http://upstream.test/api/things?a=1"
    assert request.headers["x-keep"] == "yes"
    assert request.headers["host"] == "upstream.test"
    assert request.headers["accept-encoding"] == "identity"
    assert "connection" not in request.headers or request.headers["connection"] != "close"


def test_forward_refuses_an_answer_that_declares_too_large_a_length() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": "99999"}, content=b"x" * 99999)

    result = _forward(httpx.MockTransport(answer), max_body_bytes=100)
    assert isinstance(result, UpstreamFailure)
    assert result.cause == "too_large"
    assert result.status == 502


@pytest.mark.parametrize(
    ("error", "cause", "status", "sent"),
    [
        (httpx.ConnectError("refused"), "unreachable", 502, False),
        (httpx.ReadTimeout("slow"), "timeout", 504, True),
        (httpx.RemoteProtocolError("reset"), "reset", 502, True),
        (httpx.DecodingError("garbled"), "reset", 502, True),
    ],
)
def test_forward_names_each_failure(error: Exception, cause: str, status: int, sent: bool) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise error

    result = _forward(httpx.MockTransport(answer))
    assert isinstance(result, UpstreamFailure)
    assert (result.cause, result.status, result.sent) == (cause, status, sent)
    assert "http://upstream.test/api" in result.detail
