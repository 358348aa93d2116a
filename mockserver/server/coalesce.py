"""Writes of one event-loop iteration go out together, one system call per connection.

uvicorn's httptools protocol writes a response's head the moment the app starts the response
and its body when the app sends it, each straight to the socket. On loopback every write
hands the segment to the client at once and wakes it: two wake-ups per small answer, and a
client that sends its next request while the server is still busy with the others. Holding a
connection's writes until the current iteration's callbacks have run (what Node calls
corking until the next tick) sends head and body together and lets the client read a batch.
Measured on 2 cores with wrk and 32 connections: a GET with auth went from about 12,400 to
17,000 requests/s, and system time per request from about 20 to 8 microseconds (the README's
figures).

Nothing waits longer than the callbacks already queued in that iteration, and the order of a
connection's bytes is kept: every write, close and shutdown of the connection goes through
`CoalescingTransport`, which sends what it holds first. Past `HELD_BYTES_LIMIT` it sends at
once, so a large body reaches the transport (and its flow control) as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["HELD_BYTES_LIMIT", "CoalescingHttpToolsProtocol", "CoalescingTransport"]

# At most this much is held per connection; a larger pending write is sent at once.
HELD_BYTES_LIMIT = 64 * 1024


class CoalescingTransport:
    """A transport proxy that sends a connection's writes once per event-loop iteration."""

    __slots__ = ("_held", "_held_bytes", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_bytes = 0

    def write(self, data: bytes) -> None:
        if not self._held:
            if self._transport.is_closing():
                return  # what the transport does with a write after close
            self._loop.call_soon(self.flush)
        self._held.append(bytes(data))
        self._held_bytes += len(data)
        if self._held_bytes > HELD_BYTES_LIMIT:
            self.flush()

    def flush(self) -> None:
        """Send what is held now (a no-op when there is nothing)."""
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held.clear()
        self._held_bytes = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    @property
    def wrapped(self) -> asyncio.Transport:
        """The socket's own transport."""
        return self._transport

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held_bytes

    def __getattr__(self, name: str) -> Any:
        # Everything else (get_extra_info, abort, set_protocol...) is the transport's own.
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through a `CoalescingTransport`.

    The protocol and its request cycles both use ``self.transport``, so every write and close
    of the connection (answers, parser errors, keep-alive expiry, shutdown) keeps its order.
    Flow control still pauses and resumes reading on the socket's own transport.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]

    def handle_websocket_upgrade(self) -> None:
        # A WebSocket protocol takes the connection over: it gets the socket's own transport,
        # after anything still held is sent.
        coalescing = self.transport
        if isinstance(coalescing, CoalescingTransport):
            coalescing.flush()
            self.transport = coalescing.wrapped
        super().handle_websocket_upgrade()
