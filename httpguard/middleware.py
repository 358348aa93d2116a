"""`RequestLimits`: ASGI middleware refusing requests too large, too deep or too slow.

In front of everything: a body larger than ``max_body_bytes`` is refused (from
``Content-Length`` at once, else when the stream passes the limit; 413 or what `Refusals`
says), a JSON body nested deeper than ``max_json_depth`` gets 400 ``json_too_deep``, more than
``max_query_params`` query parameters 400 ``too_many_parameters``, a body that does not arrive
within ``body_timeout`` seconds 408 ``request_timeout`` (unless the server's protocol says,
by the scope's `BODY_DEADLINE`, that it answers that itself). The body is read here, bounded,
left in the scope (`BODY`) and replayed to the application in one message; a client gone
before its body arrived reaches no application. Every refusal closes the connection, so the
unread rest of a refused body is never waited for.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from httpguard.limits import BODY, BODY_DEADLINE, HEADER_DICT, Limits
from httpguard.refusals import (
    BODY_TOO_LARGE,
    JSON_TOO_DEEP,
    PROBLEM_JSON,
    REQUEST_TIMEOUT,
    TOO_MANY_PARAMETERS,
    Refusals,
    late_body,
)

__all__ = ["RequestLimits", "json_depth_exceeds"]

# Strings first (their brackets do not nest), then every byte but brackets goes.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# The HTTP versions whose request has a body only when it announces one (Content-Length or
# Transfer-Encoding, RFC 9112 6.3); HTTP/2 frames a body without either.
_LENGTH_FRAMED = frozenset({"1.1", "1.0"})


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether ``body`` nests arrays and objects deeper than ``limit`` (strings ignored)."""
    # Deeper than ``limit`` takes more than ``limit`` opening brackets: nearly every body has
    # fewer (counting those inside strings too), and two counts are all it costs.
    if body.count(b"{") + body.count(b"[") <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return False
    depth = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth = max(0, depth - 1)
    return False


class _Gone(Exception):
    """The client went away before its body arrived: there is nobody to answer."""


class _Refused(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status, self.body = status, body


class RequestLimits:
    """ASGI middleware refusing oversized, too deep or too slow requests with a problem."""

    def __init__(
        self, app: ASGIApp, *, limits: Limits | None = None, refusals: Refusals | None = None
    ) -> None:
        self.app = app
        self.limits = limits or Limits()
        self.refusals = refusals or Refusals()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body: bytes | None = None
        try:
            self._check_query(scope)
            content_type = self._announced(scope)
            if content_type is not None:
                deadline = scope.get(BODY_DEADLINE)
                if deadline is not None and deadline <= self.limits.body_timeout:
                    # The server's protocol answers 408 itself (`GuardedHttpToolsProtocol`).
                    # Nearly every body is one message, read here rather than in `_collect`:
                    # a coroutine less on every request with a body.
                    message = await receive()
                    if message["type"] != "http.request" or message.get("more_body", False):
                        body = await self._collect(receive, message)
                    elif len(body := message.get("body", b"")) > self.limits.max_body_bytes:
                        raise self._too_large()
                else:
                    body = await self._collect_in_time(receive)
                self._check_depth(body, content_type)
        except _Refused as refused:
            await _send_refusal(send, refused.status, refused.body)
            return
        except _Gone:
            return  # nothing of a request cut short reaches the application
        if body is None:  # none announced
            if scope.get("http_version") in _LENGTH_FRAMED:  # then there is none at all
                scope[BODY] = b""
            await self.app(scope, receive, send)
            return
        scope[BODY] = body
        await self.app(scope, _Replay(body, receive), send)

    def _refused(
        self, status: int, code: str, title: str, detail: str, field: str = ""
    ) -> _Refused:
        return _Refused(status, self.refusals.problem(status, code, title, detail, field))

    def _check_query(self, scope: Scope) -> None:
        query: bytes = scope.get("query_string", b"")
        limit = self.limits.max_query_params
        if query and query.count(b"&") + query.count(b";") >= limit:
            count = len(re.split(rb"[&;]", query))
            raise self._refused(
                400, TOO_MANY_PARAMETERS, "Too many query parameters",
                f"The query string has {count} parameters; at most {limit} are accepted.",
                "query",
            )  # fmt: skip

    def _announced(self, scope: Scope) -> bytes | None:
        """The body's content type (b"" without one) when the request announces a body, else
        None; refused at once when its announced length is over the limit."""
        # One dict built in C rather than a loop over the headers (the last of a repeated
        # header wins), or the one a layer before this built.
        headers: dict[bytes, bytes] = scope.get(HEADER_DICT) or dict(scope["headers"])
        announced = headers.get(b"content-length")
        length = int(announced) if announced is not None and announced.isdigit() else None
        if not length and b"transfer-encoding" not in headers:
            return None
        if length is not None and length > self.limits.max_body_bytes:
            raise self._too_large()
        return headers.get(b"content-type", b"").lower()

    def _check_depth(self, body: bytes, content_type: bytes) -> None:
        """Refuse a JSON body (or one of no stated type) nested too deeply."""
        limit = self.limits.max_json_depth
        if (not content_type or b"json" in content_type) and json_depth_exceeds(body, limit):
            raise self._refused(
                400, JSON_TOO_DEEP, "JSON nested too deeply",
                f"The JSON body nests arrays and objects deeper than {limit} levels.", "body",
            )  # fmt: skip

    async def _collect_in_time(self, receive: Receive) -> bytes:
        """`_collect` within the body's deadline (408 past it)."""
        limits = self.limits
        # What `asyncio.timeout` does, for half its cost on every request with a body: one
        # timer cancelling this task, told apart from any other cancellation by ``expired``.
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None  # an ASGI app runs in a task
        cancelling = task.cancelling()
        expired: list[bool] = []
        timer = loop.call_later(limits.body_timeout, _expire, task, expired)
        try:
            body = await self._collect(receive)
        except asyncio.CancelledError:
            if expired and task.uncancel() <= cancelling:
                raise self._refused(
                    408, REQUEST_TIMEOUT, "Request timeout",
                    late_body(limits.body_timeout),
                ) from None  # fmt: skip
            raise
        finally:
            timer.cancel()
        return body

    async def _collect(self, receive: Receive, message: Message | None = None) -> bytes:
        """The body, from ``message`` (its first piece, when read already) to its end."""
        limit = self.limits.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        if message is None:
            message = await receive()
        while True:
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
            message = await receive()
        return b"".join(chunks)

    def _too_large(self) -> _Refused:
        return self._refused(
            self.refusals.body_too_large_status, BODY_TOO_LARGE, "Request body too large",
            f"The body is larger than the limit of {self.limits.max_body_bytes} bytes.", "body",
        )  # fmt: skip


class _Replay:
    """The receive of the application behind: the body read, in one message, then whatever
    the server's receive says next (only a disconnect can come)."""

    __slots__ = ("body", "receive")

    def __init__(self, body: bytes, receive: Receive) -> None:
        self.body: bytes | None = body
        self.receive = receive

    async def __call__(self) -> Message:
        body = self.body
        if body is None:
            return await self.receive()
        self.body = None
        return {"type": "http.request", "body": body, "more_body": False}


def _expire(task: asyncio.Task[Any], expired: list[bool]) -> None:
    expired.append(True)
    task.cancel()


async def _send_refusal(send: Send, status: int, body: bytes) -> None:
    headers = [
        (b"content-type", PROBLEM_JSON),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread rest of the request is not waited for
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
