"""The proxy's app: CORS as the mock's, Vary, the request limits, options checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from mockserver.errors import ConfigError
from tests.inprocess import InProcess
from tests.proxy.conftest import bundled_spec

MakeProxy = Callable[..., InProcess]
MakeUpstream = Callable[..., str]


def _journal(proxy: InProcess) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = proxy.admin("GET", "/journal").json()["entries"]
    return entries


def test_proxy_refuses_a_mock_name_the_spec_does_not_have(provider_api: str) -> None:
    from mockserver.proxy.app import create_proxy_app

    with pytest.raises(ConfigError, match="--mock nope"):
        create_proxy_app(bundled_spec(), upstream=provider_api, mock=["nope"])


def test_proxy_answers_cors_as_the_mock_does(make_proxy: MakeProxy, provider_api: str) -> None:
    proxy = make_proxy(provider_api)
    origin = {"Origin": "http://localhost:3000"}
    preflight = proxy.request(
        "OPTIONS", "/projects", headers={**origin, "Access-Control-Request-Method": "POST"},
        check=False,
    )  # fmt: skip
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    answer = proxy.request("GET", "/health", headers=origin)
    assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "X-Mock-Violations" in answer.headers["access-control-expose-headers"]
    assert answer.headers["x-mock-violations"] == "0"
    plain = proxy.request("GET", "/health")
    assert plain.headers["vary"].count("Origin") == 1
    assert len(_journal(proxy)) == 2  # the preflight is the proxy's own, not forwarded


def _varies(accepted: list[str]) -> Starlette:
    async def health(request: Any) -> Response:
        return Response(b'{"status": "ok", "version": "1"}', media_type="application/json",
                        headers={"Vary": "Accept-Encoding"})  # fmt: skip

    return Starlette(routes=[Route("/api/v1/health", health)])


def test_proxy_merges_vary_origin_into_the_upstreams_vary(
    make_proxy: MakeProxy, make_upstream: MakeUpstream
) -> None:
    proxy = make_proxy(make_upstream(_varies([])))
    answer = proxy.request("GET", "/health")
    assert answer.headers["vary"] == "Accept-Encoding, Origin"
    assert answer.headers["x-mock-violations"] == "0"
    missing = proxy.request("GET", "/projects", check=False)  # the upstream's bare 404
    assert missing.headers["x-mock-violations"] != "0"


def test_proxy_without_cors_adds_no_vary(make_proxy: MakeProxy, provider_api: str) -> None:
    proxy = make_proxy(provider_api, cors=False)
    assert "origin" not in proxy.request("GET", "/health").headers.get("vary", "").lower()


def test_proxy_refuses_a_body_over_the_limit_with_413(
    make_proxy: MakeProxy, provider_api: str
) -> None:
    from httpguard import Limits

    proxy = make_proxy(provider_api, limits=Limits(max_body_bytes=64))
    answer = proxy.request("POST", "/auth/login", content=b"x" * 100,
                           headers={"content-type": "application/json"}, check=False)  # fmt: skip
    assert answer.status_code == 413
    assert _journal(proxy) == []  # refused before anything was forwarded
