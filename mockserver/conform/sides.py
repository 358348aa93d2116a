"""The two servers a program runs against: an in-process mock, emptied between programs, and
the provider over HTTP.

Both get the same request, encoded once (`Side.send`): its path under the spec's base path
and percent-encoded, its query, its headers and the defaults a client adds (``accept``,
``user-agent``, ``accept-encoding: identity``), its JSON body. The mock is the real app built
with `create_app` and called as ASGI in this process (no socket, no client library); the
provider gets the bytes over keep-alive HTTP/1.1 (`mockserver.client.pool`). Both are
answered as plain `Answer` data the report can print. Through httpx's client (and its ASGI
transport for the mock), two runs against planted faults took 6.0 and 5.3 CPU-seconds; this
way, 3.6 and 3.5 (408 and 343 requests to each side).
"""

from __future__ import annotations

import asyncio
import codecs
import json
import ssl
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from mockserver.client.pool import (
    BODILESS,
    AnswerTooLarge,
    Broken,
    ConnectionPool,
    Unreachable,
)
from mockserver.errors import ConformError, MockServerError
from mockserver.spec.loader import Spec
from mockserver.validation.bodies import split_content_type

__all__ = ["Answer", "HttpSide", "MockSide", "Request", "Side"]

TIMEOUT = 30.0
# The largest answer read from the provider.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
# What a client sends unless the request says otherwise (names in lower case).
DEFAULT_HEADERS = (
    ("accept", "*/*"),
    ("accept-encoding", "identity"),  # answers are compared as sent: none compressed
    ("user-agent", "mockserver-conform"),
)
# A path keeps these as they are (RFC 3986 pchar and "/"; "%" so an encoded id stays so).
_PATH_SAFE = "/:@!$&'()*+,;=%-._~"


@dataclass(frozen=True, slots=True)
class Request:
    """One request as sent: ``path`` is under the spec's base path, without the query."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = None
    has_body: bool = False
    user: int | None = None
    label: str = ""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True, slots=True)
class Answer:
    """What a server answered: status, headers (names in lower case) and the parsed body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    text: str = ""

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_problem(self) -> bool:
        return self.media_type == "application/problem+json"

    def problem_code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("code"), str):
            return str(self.body["code"])
        return None


class Side:
    """A server a program runs against; `send` answers an `Answer`."""

    name = "side"

    def __init__(self, base_path: str, where: str) -> None:
        self.base_path = base_path
        self.where = where  # how error messages name it

    async def send(self, request: Request) -> Answer:
        """Send ``request``; a transport failure is a `ConformError` naming the request."""
        target = quote(self.base_path + request.path, safe=_PATH_SAFE)
        if request.query:
            target += "?" + urlencode(request.query, quote_via=quote)
        headers = {name.lower(): value for name, value in request.headers}  # the last one given
        body = b""
        if request.has_body:
            body = json.dumps(request.body).encode()
            headers.setdefault("content-type", "application/json")
        for name, value in DEFAULT_HEADERS:
            headers.setdefault(name, value)
        try:
            return await self.exchange(request.method, target, list(headers.items()), body)
        except _NoAnswer as exc:
            raise ConformError(
                f"{self.name} at {self.where} did not answer "
                f"{request.method} {request.path}: {exc}; is it running?"
            ) from exc

    async def exchange(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> Answer:
        """One exchange: ``target`` is the path (from the root) and query."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Let go of what the side holds."""


class _NoAnswer(MockServerError):
    """The server could not be reached, or its answer did not arrive whole."""


def _answer(status: int, headers: list[tuple[str, str]], content: bytes) -> Answer:
    """An `Answer`: a repeated header's values joined with ", " (RFC 9110 5.3)."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    text = content.decode(_charset(joined.get("content-type", "")), errors="replace")
    body: Any = None
    if text:
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    return Answer(status, joined, body, text)


def _charset(content_type: str) -> str:
    """The codec of a ``charset`` parameter Python knows, else UTF-8 (what httpx decoded by)."""
    charset = split_content_type(content_type)[1].get("charset")
    try:
        return codecs.lookup(charset).name if charset else "utf-8"
    except LookupError:
        return "utf-8"


# Without a receiver the conform mock sends no webhooks: ``.invalid`` names no host (RFC 2606).
_NOWHERE = "conform.invalid"


class MockSide(Side):
    """A stateful mock of ``spec`` in this process (no lifespan: nothing runs behind).

    Built once per run: compiling the spec is most of what a new mock costs, so between
    programs it is emptied instead (`reset`). Its webhooks go only to ``webhook_host``
    (conform's receiver), tried three times 0.2 s apart; without one it sends none.
    """

    name = "the mock"

    def __init__(
        self, spec: Spec, *, seed: int | None = None, webhook_host: str | None = None
    ) -> None:
        from mockserver.events.egress import HostPolicy
        from mockserver.events.webhooks import DeliveryPolicy
        from mockserver.server.app import create_app

        webhooks = DeliveryPolicy(
            attempts=3, backoff=0.2, timeout=5.0, grace=0.0,
            hosts=HostPolicy([webhook_host or _NOWHERE]),
        )  # fmt: skip
        self._app = create_app(spec, seed=seed, cors=False, webhooks=webhooks)
        self._webhooks = self._app.state.webhooks  # closed with the side: there is no lifespan
        self._engine = self._app.state.engine
        super().__init__(spec.base_path, "http://mock")

    async def exchange(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> Answer:
        raw_path, _, query = target.partition("?")
        wire = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        wire.append((b"host", b"mock"))
        if body or method not in BODILESS:
            wire.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "root_path": "",
            "path": unquote(raw_path), "raw_path": raw_path.encode(),
            "query_string": query.encode(), "headers": wire,
            "client": ("127.0.0.1", 40000), "server": ("mock", 80),
        }  # fmt: skip
        answered = asyncio.Event()
        sent = False

        async def receive() -> MutableMapping[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await answered.wait()  # what comes after the body: the client leaving, once answered
            return {"type": "http.disconnect"}

        status = 500  # an app that never answers: what uvicorn would send
        answer_headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status, answer_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                answer_headers = [
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self._app(scope, receive, send)
        finally:
            answered.set()
        # A HEAD is answered without a body on the wire, whatever the app sent (as uvicorn does).
        return _answer(status, answer_headers, b"" if method == "HEAD" else b"".join(chunks))

    async def reset(self) -> None:
        """Forget what the last program did, as a new mock would not know it: deliveries
        under way, then what ``/__mock/reset`` forgets, and the journal."""
        from mockserver.server.admin import reset_engine

        if self._webhooks is not None:
            await self._webhooks.cancel()
        await reset_engine(self._engine)
        await self._engine.journal.clear()

    async def aclose(self) -> None:
        if self._webhooks is not None:
            await self._webhooks.aclose()


class HttpSide(Side):
    """The provider at ``url`` (its root, or its root plus the spec's base path)."""

    name = "the provider"

    def __init__(self, url: str, base_path: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConformError(f"expected an http(s) URL for --provider-url, got {url!r}")
        root = url.rstrip("/")
        if base_path and root.endswith(base_path):
            root = root[: -len(base_path)]
        tls = ssl.create_default_context() if parts.scheme == "https" else None
        try:
            port = parts.port or (443 if tls is not None else 80)
        except ValueError as exc:
            raise ConformError(f"expected an http(s) URL for --provider-url, got {url!r}") from exc
        self._pool = ConnectionPool(parts.hostname, port, tls=tls, max_body_bytes=MAX_ANSWER_BYTES)
        self._prefix = urlsplit(root).path  # a root below the host's: /gateway, say
        super().__init__(base_path, root)

    async def exchange(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> Answer:
        try:
            async with asyncio.timeout(TIMEOUT):
                answer = await self._pool.request(method, self._prefix + target, headers, body)
        except TimeoutError as exc:
            raise _NoAnswer(f"no answer within {TIMEOUT:g} s") from exc
        except (Unreachable, Broken, AnswerTooLarge) as exc:
            raise _NoAnswer(f"{type(exc).__name__}: {exc}") from exc
        return _answer(answer.status, answer.headers, answer.body)

    async def aclose(self) -> None:
        self._pool.close()
