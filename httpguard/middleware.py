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
        try:
            self._check_query(scope)
            body = await self._read_body(scope, receive)
        except _Refused as refused:
            await _send_refusal(send, refused.status, refused.body)
            return
        except _Gone:
            return  # nothing of a request cut short reaches the application
        if body is None:
            if scope.get("http_version") in _LENGTH_FRAMED:  # then there is no body at all
                scope[BODY] = b""
            await self.app(scope, receive, send)
            return
        scope[BODY] = body
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only a disconnect can come now
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

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

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, bounded; None when the request announces none."""
        limits = self.limits
        # One dict built in C rather than a loop over the headers (the last of a repeated
        # header wins), or the one a layer before this built.
        headers: dict[bytes, bytes] = scope.get(HEADER_DICT) or dict(scope["headers"])
        announced = headers.get(b"content-length")
        length = int(announced) if announced is not None and announced.isdigit() else None
        chunked = b"transfer-encoding" in headers
        if not chunked and not length:
            return None
        content_type = headers.get(b"content-type", b"").lower()
        if length is not None and length > limits.max_body_bytes:
            raise self._too_large()
        deadline = scope.get(BODY_DEADLINE)
        if deadline is not None and deadline <= limits.body_timeout:
            # The server's protocol answers 408 itself and closes (`GuardedHttpToolsProtocol`).
            body = await self._collect(receive)
        else:
            body = await self._collect_in_time(receive)
        if (not content_type or b"json" in content_type) and json_depth_exceeds(
            body, limits.max_json_depth
        ):
            raise self._refused(
                400, JSON_TOO_DEEP, "JSON nested too deeply",
                f"The JSON body nests arrays and objects deeper than {limits.max_json_depth} "
                "levels.", "body",
            )  # fmt: skip
        return body

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

    async def _collect(self, receive: Receive) -> bytes:
        limit = self.limits.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self) -> _Refused:
        return self._refused(
            self.refusals.body_too_large_status, BODY_TOO_LARGE, "Request body too large",
            f"The body is larger than the limit of {self.limits.max_body_bytes} bytes.", "body",
        )  # fmt: skip


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
