"""Drive an ASGI app in this process, as the fast tier does instead of starting a server.

`InProcess` runs the app on one event loop kept for the whole test: HTTP goes through httpx's
`ASGITransport`, WebSockets through `Socket` (a few lines of the ASGI WebSocket protocol), and
the app's lifespan is started and shut down around them. Between requests the loop also runs
what the app started in the background (webhook deliveries, socket forwarding), as a server
would. `User` is one registered, logged-in account of a mock of the bundled spec.

Starlette's ``TestClient`` would do much of this, but it runs the app on another thread (so a
test's own coroutines cannot share the app's loop) and it warns on import with this httpx.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Awaitable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message

from mockserver import create_app
from mockserver.spec.loader import Spec, load_spec
from tests.contract import SpecChecker

__all__ = [
    "API",
    "BUNDLED",
    "LOOPBACK",
    "PASSWORD",
    "InProcess",
    "Socket",
    "SocketClosed",
    "User",
    "bundled_app",
    "bundled_checker",
    "request",
]

T = TypeVar("T")

BUNDLED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.yaml"
API = "/api/v1"  # the bundled spec's base path

LOOPBACK = ("127.0.0.1", 50000)
PASSWORD = "passw0rd-long"
# Generous: a bound for a slow shared machine, not a latency assertion.
WAIT = 10.0


@functools.cache
def _bundled_spec() -> Spec:
    return load_spec(BUNDLED)


def bundled_app(**options: Any) -> Starlette:
    """`create_app` of the bundled spec (loaded once per process); seeded unless told."""
    options.setdefault("seed", 1)
    return create_app(_bundled_spec(), **options)


@functools.cache
def bundled_checker() -> SpecChecker:
    """The independent check of answers against the bundled spec (`tests.contract`)."""
    return SpecChecker(BUNDLED)


async def _serve(
    app: ASGIApp,
    scope: dict[str, Any],
    incoming: asyncio.Queue[Message],
    outgoing: asyncio.Queue[Message],
) -> None:
    """Run ``app`` on ``scope``: it receives from ``incoming`` and sends to ``outgoing``."""
    await app(scope, incoming.get, outgoing.put)


class SocketClosed(Exception):
    """The app closed the socket; ``code`` and ``reason`` are what it closed with."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"closed with {code}: {reason}")
        self.code = code
        self.reason = reason


class Socket:
    """One WebSocket connection to an app: what the app sends, and how it closes."""

    def __init__(self, app: ASGIApp, scope: dict[str, Any]) -> None:
        self._incoming: asyncio.Queue[Message] = asyncio.Queue()
        self._outgoing: asyncio.Queue[Message] = asyncio.Queue()
        self._incoming.put_nowait({"type": "websocket.connect"})
        self.task = asyncio.create_task(_serve(app, scope, self._incoming, self._outgoing))
        self.closed: SocketClosed | None = None

    async def _next(self) -> Message:
        if self.closed is not None:
            raise self.closed
        message = await asyncio.wait_for(self._outgoing.get(), timeout=WAIT)
        if message["type"] == "websocket.close":
            self.closed = SocketClosed(message.get("code", 1000), message.get("reason") or "")
            raise self.closed
        return message

    async def accepted(self) -> None:
        """Wait for the handshake's answer (`SocketClosed` when the app refused it)."""
        message = await self._next()
        assert message["type"] == "websocket.accept", message

    async def receive_json(self) -> Any:
        """The next message the app sent, as JSON (`SocketClosed` once it closed)."""
        message = await self._next()
        assert message["type"] == "websocket.send", message
        return orjson.loads(message.get("text") or message.get("bytes") or b"")

    async def close_code(self) -> int:
        """Read until the app closes; the code it closed with."""
        try:
            while True:
                await self._next()
        except SocketClosed as closed:
            return closed.code

    async def send_text(self, text: str) -> None:
        """Send a message to the app."""
        await self._incoming.put({"type": "websocket.receive", "text": text})

    async def disconnect(self) -> None:
        """Leave, as a client does, and wait for the app to finish with the socket."""
        await self._incoming.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, timeout=WAIT)


class InProcess:
    """An ASGI app driven in this process, on one event loop for the whole test.

    ``prefix`` is put before every path (the spec's base path); ``checker`` checks each
    response of the API against the spec it was declared in (pass ``check=False`` to a
    request that is meant to get an undeclared answer).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        prefix: str = "",
        checker: SpecChecker | None = None,
        client: tuple[str, int] = LOOPBACK,
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.checker = checker
        self.client = client
        self._runner = asyncio.Runner()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=client), base_url="http://mock"
        )
        self._lifespan: asyncio.Task[None] | None = None
        self._lifespan_in: asyncio.Queue[Message] | None = None
        self._lifespan_out: asyncio.Queue[Message] | None = None
        self.closed = False
        self.run(self._startup())

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run ``awaitable`` on the app's loop (background tasks of the app run meanwhile)."""

        async def wrapped() -> T:
            return await awaitable

        coroutine: Coroutine[Any, Any, T] = wrapped()
        return self._runner.run(coroutine)

    async def _startup(self) -> None:
        self._lifespan_in, self._lifespan_out = asyncio.Queue(), asyncio.Queue()
        await self._lifespan_in.put({"type": "lifespan.startup"})
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        task = asyncio.create_task(_serve(self.app, scope, self._lifespan_in, self._lifespan_out))
        answer = asyncio.create_task(self._lifespan_out.get())
        await asyncio.wait({task, answer}, return_when=asyncio.FIRST_COMPLETED)
        if answer.done():  # an app with a lifespan (a bare Engine ignores it and returns)
            assert answer.result()["type"] == "lifespan.startup.complete", answer.result()
            self._lifespan = task
        else:
            answer.cancel()

    async def _shutdown(self) -> None:
        if self._lifespan is not None and self._lifespan_in is not None:
            await self._lifespan_in.put({"type": "lifespan.shutdown"})
            await asyncio.wait_for(self._lifespan, timeout=WAIT)
        await self.http.aclose()

    def close(self) -> None:
        """Shut the app down (its lifespan) and the loop; again is a no-op."""
        if self.closed:
            return
        self.closed = True
        try:
            self.run(self._shutdown())
        finally:
            self._runner.close()

    # -- HTTP -------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        check: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """``method path`` (under ``prefix``), with a bearer ``token`` when given."""
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        response = self.run(
            self.http.request(method, self.prefix + path, headers=headers, **kwargs)
        )
        if check and self.checker is not None:
            self.checker.check(response)
        return response

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """``method /__mock/path``: the control API, never checked against the spec."""
        return self.run(self.http.request(method, "/__mock" + path, **kwargs))

    def user(self, email: str | None = None, *, name: str = "Test User") -> User:
        """Register and log in a new account (the bundled spec's auth flow)."""
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": PASSWORD, "name": name, "acceptTerms": True}
        created = self.request("POST", "/auth/register", json=body)
        assert created.status_code == 201, created.text
        login = self.request("POST", "/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        tokens = login.json()["tokens"]
        return User(
            self, created.json()["id"], email, tokens["accessToken"], tokens["refreshToken"]
        )

    # -- WebSockets ---------------------------------------------------------------------------

    def connect(
        self, path: str, *, query: str = "", headers: Mapping[str, str] | None = None
    ) -> Socket:
        """Open a WebSocket to ``path`` (under ``prefix``); the handshake is not awaited yet."""
        full = self.prefix + path

        async def opened() -> Socket:
            scope = {
                "type": "websocket",
                "asgi": {"version": "3.0"},
                "scheme": "ws",
                "http_version": "1.1",
                "path": full,
                "raw_path": full.encode(),
                "root_path": "",
                "query_string": query.encode(),
                "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
                "client": self.client,
                "server": ("mock", 80),
                "subprotocols": [],
                "state": {},
            }
            return Socket(self.app, scope)

        return self.run(opened())


@dataclass
class User:
    """A registered, logged-in user of a mock of the bundled spec."""

    mock: InProcess
    id: str
    email: str
    token: str
    refresh_token: str

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """``method path`` with this user's access token."""
        return self.mock.request(method, path, token=self.token, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


def request(app: Any, method: str, path: str, **options: Any) -> httpx.Response:
    """Send one request to ``app`` on a fresh loop (no lifespan) and return the response."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await client.request(method, path, **options)

    return asyncio.run(call())
