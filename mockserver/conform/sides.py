"""The two servers a program runs against: an in-process mock, emptied between programs, and
the provider over HTTP.

Both are driven with httpx on one event loop: the mock through `httpx.ASGITransport` (the
real app, built with `create_app`, not a stand-in), the provider through a real connection.
`Request` is what was sent and `Answer` what came back, as plain data the report can print.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from mockserver.errors import ConformError
from mockserver.spec.loader import Spec

__all__ = ["Answer", "HttpSide", "MockSide", "Request", "Side"]

TIMEOUT = 30.0


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
    """A server reached with an httpx client; `send` answers an `Answer`."""

    name = "side"

    def __init__(self, client: httpx.AsyncClient, base_path: str) -> None:
        self.client = client
        self.base_path = base_path

    async def send(self, request: Request) -> Answer:
        """Send ``request``; a transport failure is a `ConformError` naming the request."""
        kwargs: dict[str, Any] = {"headers": dict(request.headers)}
        if request.has_body:
            kwargs["content"] = json.dumps(request.body).encode()
            kwargs["headers"].setdefault("Content-Type", "application/json")
        try:
            response = await self.client.request(
                request.method,
                self.base_path + request.path,
                params=list(request.query),
                **kwargs,
            )
        except httpx.HTTPError as exc:
            raise ConformError(
                f"{self.name} at {self.client.base_url} did not answer "
                f"{request.method} {request.path}: {exc!r}; is it running?"
            ) from exc
        return _answer(response)

    async def aclose(self) -> None:
        await self.client.aclose()


def _answer(response: httpx.Response) -> Answer:
    text = response.text
    body: Any = None
    if text:
        try:
            body = response.json()
        except ValueError:
            body = None
    return Answer(
        response.status_code, {k.lower(): v for k, v in response.headers.items()}, body, text
    )


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
        app = create_app(spec, seed=seed, cors=False, webhooks=webhooks)
        self._webhooks = app.state.webhooks  # closed with the side: there is no lifespan
        self._engine = app.state.engine
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        super().__init__(
            httpx.AsyncClient(transport=transport, base_url="http://mock"), spec.base_path
        )

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
        await super().aclose()


class HttpSide(Side):
    """The provider at ``url`` (its root, or its root plus the spec's base path)."""

    name = "the provider"

    def __init__(self, url: str, base_path: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConformError(f"expected an http(s) URL for --provider-url, got {url!r}")
        root = url.rstrip("/")
        if base_path and root.endswith(base_path):
            root = root[: -len(base_path)]
        client = httpx.AsyncClient(base_url=root, timeout=TIMEOUT, trust_env=False)
        super().__init__(client, base_path)
