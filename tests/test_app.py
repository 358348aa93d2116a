"""``create_app``: what the engine answers and what the routes in front of it still catch."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from mockserver.app import _CORS, create_app
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
    assert (response.status_code, response.json()["code"]) == (404, "no_such_path")


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
