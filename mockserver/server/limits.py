"""Request limits: what a hostile client may cost the mock before it is refused.

Two layers, because a request can be hostile before the application ever sees it:

- `RequestLimits`, ASGI middleware in front of everything: a body larger than
  ``max_body_bytes`` gets 413 (from ``Content-Length`` at once, else when the stream passes
  the limit), a JSON body nested deeper than ``max_json_depth`` 400 ``json_too_deep``, more
  than ``max_query_params`` query parameters 400 ``too_many_parameters``, a body that does not
  arrive within ``body_timeout`` seconds 408. The body is read here, bounded, and replayed to
  the application in one message.
- `uvicorn_options`, the server side: a request line plus headers larger than
  ``max_header_bytes`` get 431 and a close, and headers that do not arrive within
  ``header_timeout`` seconds (a slowloris) get 408 and a close, through a subclass of
  uvicorn's httptools protocol (uvicorn itself bounds neither with httptools).

Every refusal is ``application/problem+json`` in the spec's Problem shape and closes the
connection, so the unread rest of a refused body is never waited for. `uvicorn_options` also
turns off uvicorn's ``X-Forwarded-For`` handling: the admin API's loopback check and the
per-client login throttle see the socket's peer, never a header.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, fields
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.errors import ConfigError, MockServerError
from mockserver.server.coalesce import CoalescingHttpToolsProtocol

__all__ = ["Limits", "RequestLimits", "uvicorn_options"]

PROBLEM_JSON = b"application/problem+json"
# Strings first (their brackets do not nest), then every byte but brackets goes.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_REASONS = {
    408: "Request Timeout",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits of one server; every default is safe for a public port."""

    max_body_bytes: int = 10 * 1024 * 1024
    max_json_depth: int = 64
    max_header_bytes: int = 64 * 1024
    max_query_params: int = 1000
    header_timeout: float = 10.0
    body_timeout: float = 30.0

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"expected {spec.name} > 0, got {spec.name}={value!r}")


def problem_bytes(status: int, code: str, title: str, detail: str, field: str = "") -> bytes:
    """A problem document in the spec's shape."""
    body: dict[str, Any] = {
        "type": f"urn:mockserver:problem:{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field:
        body["errors"] = [{"field": field, "code": code, "message": detail}]
    return orjson.dumps(body)


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether ``body`` nests arrays and objects deeper than ``limit`` (strings ignored)."""
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


class _Refused(MockServerError):
    def __init__(self, status: int, code: str, title: str, detail: str, field: str = "") -> None:
        super().__init__(detail)
        self.status, self.body = status, problem_bytes(status, code, title, detail, field)


class RequestLimits:
    """ASGI middleware refusing oversized, too deep or too slow requests with a problem."""

    def __init__(self, app: ASGIApp, *, limits: Limits | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()

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
        if body is None:
            await self.app(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only a disconnect can come now
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _check_query(self, scope: Scope) -> None:
        query: bytes = scope.get("query_string", b"")
        if query and query.count(b"&") + query.count(b";") >= self.limits.max_query_params:
            count = len(re.split(rb"[&;]", query))
            raise _Refused(
                400, "too_many_parameters", "Too many query parameters",
                f"The query string has {count} parameters; at most "
                f"{self.limits.max_query_params} are accepted.", "query",
            )  # fmt: skip

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, bounded; None when the request announces none."""
        limits = self.limits
        length: int | None = None
        chunked = False
        content_type = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                chunked = True
            elif name == b"content-type":
                content_type = value.lower()
        if not chunked and not length:
            return None
        if length is not None and length > limits.max_body_bytes:
            raise _too_large(limits.max_body_bytes)
        # What `asyncio.timeout` does, for half its cost on every request with a body: one
        # timer cancelling this task, told apart from any other cancellation by ``expired``.
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None  # an ASGI app runs in a task
        cancelling = task.cancelling()
        expired: list[bool] = []
        timer = loop.call_later(limits.body_timeout, _expire, task, expired)
        try:
            body = await _collect(receive, limits.max_body_bytes)
        except asyncio.CancelledError:
            if expired and task.uncancel() <= cancelling:
                raise _Refused(
                    408, "request_timeout", "Request timeout",
                    f"The request body did not arrive within {limits.body_timeout:g} seconds.",
                ) from None  # fmt: skip
            raise
        finally:
            timer.cancel()
        if (not content_type or b"json" in content_type) and json_depth_exceeds(
            body, limits.max_json_depth
        ):
            raise _Refused(
                400, "json_too_deep", "JSON nested too deeply",
                f"The JSON body nests arrays and objects deeper than {limits.max_json_depth} "
                "levels.", "body",
            )  # fmt: skip
        return body


def _expire(task: asyncio.Task[Any], expired: list[bool]) -> None:
    expired.append(True)
    task.cancel()


async def _collect(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _too_large(limit: int) -> _Refused:
    return _Refused(
        413, "body_too_large", "Request body too large",
        f"The body is larger than the limit of {limit} bytes.", "body",
    )  # fmt: skip


async def _send_refusal(send: Send, status: int, body: bytes) -> None:
    headers = [
        (b"content-type", PROBLEM_JSON),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread rest of the request is not waited for
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# -- the server side: request line and headers --------------------------------------------


class _HeaderLimitExceeded(MockServerError):
    pass


class GuardedHttpToolsProtocol(CoalescingHttpToolsProtocol):
    """uvicorn's httptools protocol with a size limit and a deadline on the request head.

    Both are worked out per chunk the socket delivers, not per header: nearly every request
    head arrives in one chunk smaller than the limit, and then neither a header callback of
    ours nor a timer runs. A head still incomplete after a chunk starts the deadline; chunks
    that are head from start to end are counted, so a flood of header bytes is cut off near
    the limit; a head spread over chunks totalling more than the limit is measured exactly
    (the URL plus each header's name, value and 4 bytes of punctuation). Its answers go out
    in one write each (`CoalescingHttpToolsProtocol`).
    """

    limits = Limits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chunk = 0  # the size of the chunk being parsed
        self._in_head = False  # a request head has begun and is not complete
        self._head_bytes = 0  # at least this many bytes of the head arrived (whole chunks)
        self._head_bound = 0  # the head has at most this many bytes
        self._head_timer: asyncio.TimerHandle | None = None
        self._refusal: int | None = None
        self._began = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        size = len(data)
        continued = self._in_head
        if continued:
            self._head_bound += size
        self._chunk = size
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        if continued:  # head from start to end
            self._head_bytes += size
            limit = self.limits.max_header_bytes
            # Raw bytes count whitespace the measure does not, hence the exact look first;
            # past twice the limit (one header still incomplete, say) it is refused anyway.
            if self._head_bytes > limit and (
                self._head_bytes > 2 * limit or self._head_size() > limit
            ):
                self._refusal = 431
                self.send_400_response("Request headers too large.")
                return
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0
        self._head_bound = self._chunk
        self._began = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        limit = self.limits.max_header_bytes
        if self._head_bound > limit and self._head_size() > limit:
            self._refusal = 431
            raise _HeaderLimitExceeded  # httptools reports it as a parser error
        super().on_headers_complete()

    def _head_size(self) -> int:
        """The request line and complete headers so far, as the limit measures them."""
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def send_400_response(self, msg: str) -> None:
        if self._refusal is None:
            super().send_400_response(msg)
            return
        limit = self.limits.max_header_bytes
        self._refuse(
            431,
            problem_bytes(
                431,
                "headers_too_large",
                "Request headers too large",
                f"The request line and headers exceed the limit of {limit} bytes.",
            ),
        )

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if not self._began:
            self.transport.close()  # nothing was sent: an idle connection just closes
            return
        timeout = self.limits.header_timeout
        self._refuse(
            408,
            problem_bytes(
                408,
                "request_timeout",
                "Request timeout",
                f"The request headers did not arrive within {timeout:g} seconds.",
            ),
        )

    def _refuse(self, status: int, body: bytes) -> None:
        head = (
            f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
            f"content-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self.transport.close()


def uvicorn_options(limits: Limits | None = None) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run``/``uvicorn.Config`` enforcing ``limits``."""
    limits = limits or Limits()
    protocol = type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), {"limits": limits})
    return {
        "http": protocol,
        "h11_max_incomplete_event_size": limits.max_header_bytes,
        # The client address is the socket's peer: X-Forwarded-For is never believed.
        "proxy_headers": False,
    }
