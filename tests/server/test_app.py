"""``create_app``: what the engine answers and what the routes in front of it still catch."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from httpguard import Limits
from mockserver.server.app import _CORS, create_app
from mockserver.server.engine import Engine
from mockserver.server.guard import DEFAULT_LIMITS
from mockserver.spec.loader import load_spec
from tests.conftest import SPEC


def _get(app: object, path: str, *, root_path: str = "") -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, root_path=root_path)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await client.get(path)

    return asyncio.run(call())


@pytest.mark.parametrize(
    ("path", "root_path", "status"),
    [
        ("/__mock/health", "", 200),
        ("/mounted/__mock/health", "/mounted", 200),
        ("/__mock/health/", "", 307),  # the router's trailing-slash redirect
    ],
)
def test_app_routes_admin_paths_past_the_engine(path: str, root_path: str, status: int) -> None:
    app = create_app(SPEC)
    response = _get(app, path, root_path=root_path)
    assert response.status_code == status
    if status == 307:
        assert response.headers["location"].endswith("/__mock/health")


@pytest.mark.parametrize("path", ["/__moc", "/api/v1/nowhere", "/"])
def test_app_sends_every_other_path_to_the_engine(path: str) -> None:
    response = _get(create_app(SPEC, stateful=False), path)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def _messages(
    middleware: type[CORSMiddleware],
    headers: list[tuple[bytes, bytes]],
    answer: list[tuple[bytes, bytes]],
) -> list[Any]:
    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(answer)})
        await send({"type": "http.response.body", "body": b"{}"})

    sent: list[Any] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    app = middleware(inner, allow_origin_regex=r".*", allow_credentials=True, allow_headers=["*"])
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent


VARY = [(b"content-type", b"application/json"), (b"vary", b"Accept"), (b"vary", b"Accept-Language")]


@pytest.mark.parametrize("answer", [[(b"content-type", b"application/json")], VARY])
@pytest.mark.parametrize("origin", [[], [(b"origin", b"http://localhost:5173")]])
def test_app_cors_answers_exactly_as_starlettes(
    origin: list[tuple[bytes, bytes]], answer: list[tuple[bytes, bytes]]
) -> None:
    headers = [(b"accept", b"application/json"), *origin]
    ours = _messages(_CORS, headers, answer)
    assert ours == _messages(CORSMiddleware, headers, answer)
    vary = b"Accept, Accept-Language, Origin" if answer == VARY else b"Origin"
    assert (b"vary", vary) in ours[0]["headers"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects",  # the engine's, which adds the Vary itself
        "/__mock/health",  # a route's, through the CORS wrapper
        "/__mock/no-such-thing",  # the engine's, reached through the router
    ],
)
@pytest.mark.parametrize("origin", [{}, {"Origin": "http://localhost:5173"}])
def test_app_varies_on_origin_once_on_every_path(path: str, origin: dict[str, str]) -> None:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(SPEC, stateful=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await client.get(path, headers={"Authorization": "Bearer t", **origin})

    response = asyncio.run(call())
    vary = [v for k, v in response.headers.multi_items() if k == "vary"]
    assert vary == ["Origin"], (response.status_code, vary)


def _post(app: object, path: str, body: bytes) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            # Stateless: a bearer token only has to be present.
            headers = {"Content-Type": "application/json", "Authorization": "Bearer t"}
            return await client.post(path, content=body, headers=headers)

    return asyncio.run(call())


def _project_body(size: int) -> bytes:
    return b'{"name": "Big", "description": "' + b"a" * (size - 34) + b'"}'


def test_app_refuses_a_body_above_a_lowered_limit_with_413() -> None:
    app = create_app(SPEC, stateful=False, limits=Limits(max_body_bytes=1000))
    response = _post(app, "/api/v1/projects", _project_body(2000))
    assert (response.status_code, response.json()["code"]) == (413, "body_too_large")
    # Named as the spec's own problem examples name theirs.
    assert response.json()["type"] == "https://errors.platform.example/body-too-large"


def test_app_accepts_a_body_under_a_raised_limit_above_the_default() -> None:
    size = DEFAULT_LIMITS.max_body_bytes + 1024
    app = create_app(SPEC, stateful=False, limits=Limits(max_body_bytes=size + 1024))
    response = _post(app, "/api/v1/projects", _project_body(size))
    # Read and validated: the description is longer than the spec allows.
    assert (response.status_code, response.json()["code"]) == (400, "validation_failed")


@pytest.mark.parametrize(("limit", "status"), [(1000, 413), (4000, 201)])
def test_engine_caps_the_body_at_its_limits_max_body_bytes(limit: int, status: int) -> None:
    engine = Engine(load_spec(SPEC), stateful=False, limits=Limits(max_body_bytes=limit))
    response = _post(engine, "/api/v1/projects", _project_body(1500))
    assert response.status_code == status, response.text[:300]
