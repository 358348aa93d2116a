"""Hostile requests through the proxy: refused by the mock's limits or answered, never a crash.

The proxy serves with the mock's uvicorn options and request limits; its upstream is the
reference provider. Each case of the mock's hostile corpus (`tests.hostile`) gets an answer
that is not a 500 (a 502 only as the documented problem naming the upstream), and the proxy
still answers afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from httpguard import Limits, uvicorn_options
from mockserver.proxy.app import create_proxy_app
from mockserver.server.guard import REFUSALS
from tests.conftest import RunningServer
from tests.hostile import PROBLEM_JSON, Case, body_corpus, request_bytes, request_corpus, send_raw
from tests.proxy.conftest import bundled_spec

pytestmark = pytest.mark.slow

BASE = "/api/v1"
LIMITS = Limits(max_body_bytes=1024 * 1024, header_timeout=1, body_timeout=1)


@pytest.fixture(scope="module")
def proxy_url(provider_api: str) -> Iterator[str]:
    app = create_proxy_app(bundled_spec(), upstream=provider_api, limits=LIMITS)
    server = RunningServer(app, **uvicorn_options(LIMITS, refusals=REFUSALS))
    yield server.url
    server.stop()


CASES = [
    *body_corpus(f"{BASE}/projects", {"name": "Website"}, [("Authorization", "Bearer x")]),
    *request_corpus(BASE, [("Authorization", "Bearer x")]),
    *request_corpus("", ()),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.name} {case.target[:30]}")
def test_hostile_request_through_the_proxy_is_answered_and_the_proxy_lives(
    proxy_url: str, case: Case
) -> None:
    response = send_raw(proxy_url, case.raw())
    assert response is not None, f"{case.name}: the connection closed without an answer"
    assert response.status != 500, (case.name, response.body[:300])
    if response.status >= 400:
        assert response.headers["content-type"].startswith(PROBLEM_JSON), case.name
    if response.status >= 500:
        assert response.json()["code"].startswith("upstream_"), response.body[:300]
    alive = send_raw(proxy_url, request_bytes("GET", f"{BASE}/health"))
    assert alive is not None
    assert alive.status == 200
