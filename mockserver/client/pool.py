"""A small HTTP/1.1 client: keep-alive connections to one upstream, answers read whole.

Why not httpx's pool: on this project's 2-core machine an ``httpx.AsyncClient`` made about
300 requests/s on one connection and 160 on 32 against a mock that serves 6,000, where the
same requests over bare asyncio streams made 1,800 and 3,000 (httpcore walks and probes every
pooled connection on each request). A proxy pays that on every exchange, so this module speaks
the little HTTP/1.1 a proxy needs with httptools' C parser (uvicorn's): one `asyncio.Protocol`
per connection, idle connections kept last-in first-out, TLS with the context given.

A request broken on a *reused* connection before any byte of the answer arrived (the upstream
closed it while idle) is sent once more on a fresh connection, for idempotent methods only;
a POST or PATCH is never sent twice.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import cast

import httptools

from mockserver.errors import MockServerError

__all__ = [
    "BODILESS",
    "IDEMPOTENT",
    "Answer",
    "AnswerTooLarge",
    "Broken",
    "ConnectionPool",
    "Unreachable",
]

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# Methods whose request announces no body (no "Content-Length: 0") when it has none.
BODILESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


class Unreachable(MockServerError):
    """No connection could be made: nothing was sent."""


class Broken(MockServerError):
    """The connection ended, or the answer was malformed, before the answer was complete."""

    def __init__(self, message: str, *, answered: bool) -> None:
        super().__init__(message)
        self.answered = answered  # some of the answer had arrived


class AnswerTooLarge(MockServerError):
    """The answer outgrew the size limit."""


@dataclass(slots=True)
class Answer:
    """A whole answer: status, headers as sent and the body (still content-encoded)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class _Connection(asyncio.Protocol):
    """One connection and the parser of the answer under way (httptools calls ``on_*``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.keep_alive = False
        self._waiter: asyncio.Future[Answer] | None = None
        self._head = False
        self._received = False
        self._status = 0
        self._headers: list[tuple[str, str]] = []
        self._chunks: list[bytes] = []
        self._size = 0

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport instances, yet have its methods.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            self.close()  # an answer nobody asked for: the connection cannot be trusted
            return
        self._received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(Broken("the upstream switched protocols", answered=True))
        except httptools.HttpParserError as exc:
            self._fail(Broken(f"malformed answer: {exc}", answered=True))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        why = f": {exc}" if exc else ""
        self._fail(Broken(f"the connection was closed{why}", answered=self._received))

    # -- httptools callbacks -------------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self._status = self.parser.get_status_code()
        if self._head and self._status >= 200:
            # httptools cannot be told the request was HEAD: the answer ends at its head, and
            # the connection is not reused (its parser would expect the announced body).
            self.keep_alive = False
            self._finish()

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > self.limit:
            self._fail(AnswerTooLarge(f"more than {self.limit} bytes"))
            return
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self._status < 200:  # an interim answer (100 Continue): the real one follows
            self._headers, self._chunks, self._size = [], [], 0
            return
        self.keep_alive = self.parser.should_keep_alive()
        self._finish()

    # -- the exchange --------------------------------------------------------------------------

    async def exchange(self, request: bytes, *, head: bool) -> Answer:
        """Send ``request`` (bytes on the wire) and wait for the whole answer."""
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._head, self._received, self._status = head, False, 0
        self._headers, self._chunks, self._size = [], [], 0
        self.transport.write(request)
        return await self._waiter

    def _finish(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(Answer(self._status, self._headers, b"".join(self._chunks)))

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        """Close the connection (it is never reused after)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Close at once: a TLS connection does not wait to say goodbye (the loop may end)."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


class ConnectionPool:
    """Keep-alive connections to one ``host:port``, plain or TLS."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: ssl.SSLContext | None,
        max_body_bytes: int,
        idle: int = 100,
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.max_body_bytes = max_body_bytes
        self.max_idle = idle
        self._idle: list[_Connection] = []
        default = 443 if tls is not None else 80
        self.host_header = host if port == default else f"{host}:{port}"
        if ":" in host:  # an IPv6 literal
            self.host_header = f"[{host}]" if port == default else f"[{host}]:{port}"

    async def request(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> Answer:
        """One exchange: ``target`` is the path and query to request."""
        lines = [f"{method} {target} HTTP/1.1", f"host: {self.host_header}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if body or method not in BODILESS:
            lines.append(f"content-length: {len(body)}")
        wire = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        head = method == "HEAD"
        connection, reused = await self._acquire()
        try:
            answer = await connection.exchange(wire, head=head)
        except Broken as exc:
            if not (reused and not exc.answered and method in IDEMPOTENT):
                raise
            # The upstream closed an idle connection as it was reused: once more, afresh.
            connection = await self._connect()
            answer = await self._exchange_once(connection, wire, head)
        except BaseException:
            connection.close()  # cancelled (a timeout) or failed mid-answer: never reused
            raise
        self._release(connection)
        return answer

    async def _exchange_once(self, connection: _Connection, wire: bytes, head: bool) -> Answer:
        try:
            return await connection.exchange(wire, head=head)
        except BaseException:
            connection.close()
            raise

    async def _acquire(self) -> tuple[_Connection, bool]:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection, True
        return await self._connect(), False

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            transport, protocol = await loop.create_connection(
                lambda: _Connection(self.max_body_bytes), self.host, self.port
            )
        except OSError as exc:
            raise Unreachable(exc.strerror or str(exc) or type(exc).__name__) from exc
        if self.tls is not None:
            # TLS on the connection made, not by create_connection: when the handshake fails,
            # the socket is closed here (create_connection left it to the collector).
            try:
                secured = await loop.start_tls(
                    transport, protocol, self.tls, server_hostname=self.host
                )
            except BaseException as exc:
                transport.close()
                if isinstance(exc, ssl.SSLError):
                    raise Unreachable(f"TLS handshake failed: {exc.reason or exc}") from exc
                if isinstance(exc, OSError):
                    raise Unreachable(f"TLS handshake failed: {exc}") from exc
                raise
            assert secured is not None
            protocol.transport = secured
        return protocol

    def _release(self, connection: _Connection) -> None:
        if connection.keep_alive and not connection.closed and len(self._idle) < self.max_idle:
            self._idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        """Close every idle connection."""
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.abort()
