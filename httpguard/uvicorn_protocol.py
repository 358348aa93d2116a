"""All the subclassing of uvicorn's private httptools protocol (the hooks it takes: uvicorn_hooks).

Two protocols, one on the other:

- `CoalescingHttpToolsProtocol` sends the writes of one event-loop iteration together, one
  system call per connection. uvicorn writes a response's head the moment the app starts the
  response and its body when the app sends it, each straight to the socket; on loopback every
  write hands the segment to the client at once and wakes it. Holding a connection's writes
  until the current iteration's callbacks have run (what Node calls corking until the next
  tick) sends head and body together. Measured on 2 cores with wrk and 32 connections: a GET
  with auth went from about 12,400 to 17,000 requests/s, and system time per request from
  about 20 to 8 microseconds (the README's figures). Nothing waits longer than the callbacks
  already queued in that iteration, and the order of a connection's bytes is kept: every
  write, close and shutdown goes through `CoalescingTransport`, which sends what it holds
  first. Past `HELD_BYTES_LIMIT` it sends at once, so a large body reaches the transport (and
  its flow control) as before. It also keeps one keep-alive timer per connection where
  uvicorn arms one per answer (an idle connection is closed on the same deadline).
- `GuardedHttpToolsProtocol` bounds the request head: a request line plus headers larger than
  ``max_header_bytes`` get 431 and a close, headers that do not arrive within
  ``header_timeout`` seconds (a slowloris) 408 and a close (uvicorn bounds neither with
  httptools); and a body that does not arrive within ``body_timeout`` seconds gets 408 and a
  close. Like the head's, the body's deadline is armed only when a chunk ends with the body
  incomplete: a request that arrives in one chunk, nearly every one, starts no timer (the
  scope's `BODY_DEADLINE` tells `RequestLimits` not to start one either).

`uvicorn_options` installs the second for one server's `Limits` and `Refusals`. The classes
override, or rely on, the hooks named in `UVICORN_HOOKS` (`httpguard.uvicorn_hooks`); before
it answers, `uvicorn_options` checks that the installed uvicorn still has every one
(`missing_hooks`) and raises `UnsupportedUvicornError` naming those it lacks: a renamed hook
would otherwise switch a limit off without a word. pyproject.toml pins the uvicorn releases
this was tested with.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from httpguard.errors import UnsupportedUvicornError
from httpguard.limits import BODY_DEADLINE, Limits
from httpguard.refusals import HEADERS_TOO_LARGE, REQUEST_TIMEOUT, Refusals, late_body
from httpguard.uvicorn_hooks import missing_hooks

__all__ = [
    "HELD_BYTES_LIMIT",
    "CoalescingHttpToolsProtocol",
    "CoalescingTransport",
    "GuardedHttpToolsProtocol",
    "uvicorn_options",
]

# At most this much is held per connection; a larger pending write is sent at once.
HELD_BYTES_LIMIT = 64 * 1024

_REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large"}


# -- writes: one system call per connection and loop iteration ------------------------------


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

    _idle_since: float | None = None  # when the connection's last answer completed

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._idle_since = None
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None

    # The keep-alive deadline: one timer per connection, not one per answer. uvicorn arms a
    # timer when an answer completes and cancels it when the next request arrives; under load
    # that was about 5% of a valid POST's server time (py-spy). Here the answer notes the time,
    # the request clears it, and the one timer, when due, closes an idle connection or waits
    # out the rest of the deadline from the last answer: the same deadline as uvicorn's.

    def _unset_keepalive_if_required(self) -> None:
        self._idle_since = None  # busy: the armed timer, when due, finds it so

    def on_response_complete(self) -> None:
        # uvicorn's, with the connection's one timer (see above).
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self._idle_since = None
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
            return
        self._idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self._keep_alive_due
            )

    def _keep_alive_due(self) -> None:
        self.timeout_keep_alive_task = None
        if self._idle_since is None:
            return  # busy now: its answer arms the timer again
        left = self._idle_since + self.timeout_keep_alive - self.loop.time()
        if left > 0:
            self.timeout_keep_alive_task = self.loop.call_later(left, self._keep_alive_due)
        else:
            self.timeout_keep_alive_handler()

    def handle_websocket_upgrade(self) -> None:
        # A WebSocket protocol takes the connection over: it gets the socket's own transport,
        # after anything still held is sent.
        coalescing = self.transport
        if isinstance(coalescing, CoalescingTransport):
            coalescing.flush()
            self.transport = coalescing.wrapped
        super().handle_websocket_upgrade()


# -- the request head: size and deadline ------------------------------------------------------


class _HeaderLimitExceeded(Exception):
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

    limits: ClassVar[Limits] = Limits()
    refusals: ClassVar[Refusals] = Refusals()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._chunk = 0  # the size of the chunk being parsed
        self._in_head = False  # a request head has begun and is not complete
        self._head_bytes = 0  # at least this many bytes of the head arrived (whole chunks)
        self._head_bound = 0  # the head has at most this many bytes
        self._head_timer: asyncio.TimerHandle | None = None
        self._in_body = False  # a request head is complete and its body is not
        self._body_timer: asyncio.TimerHandle | None = None
        self._refusal: int | None = None
        self._began = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._disarm_body()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        size = len(data)
        continued = self._in_head
        if continued:
            self._head_bound += size
        self._chunk = size
        super().data_received(data)
        if not self._in_head:
            # A body still incomplete after the chunk starts its deadline (once per request).
            if self._in_body and self._body_timer is None and not self.transport.is_closing():
                self._body_timer = self.loop.call_later(
                    self.limits.body_timeout, self._body_timed_out
                )
            return
        if self.transport.is_closing():
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
        self._in_body = True
        self.scope[BODY_DEADLINE] = self.limits.body_timeout  # type: ignore[literal-required]

    def on_message_complete(self) -> None:
        self._in_body = False
        self._disarm_body()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        # The WebSocket protocol takes the connection over: no HTTP body is awaited.
        self._in_body = False
        self._disarm_body()
        super().handle_websocket_upgrade()

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
            HEADERS_TOO_LARGE,
            "Request headers too large",
            f"The request line and headers exceed the limit of {limit} bytes.",
        )

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _disarm_body(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_timed_out(self) -> None:
        self._body_timer = None
        if not self._in_body or self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and cycle.response_started:  # answered already: just close
            self.transport.close()
            return
        self._refuse(408, REQUEST_TIMEOUT, "Request timeout", late_body(self.limits.body_timeout))

    def _timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if not self._began:
            self.transport.close()  # nothing was sent: an idle connection just closes
            return
        self._refuse(
            408,
            REQUEST_TIMEOUT,
            "Request timeout",
            f"The request headers did not arrive within {self.limits.header_timeout:g} seconds.",
        )

    def _refuse(self, status: int, code: str, title: str, detail: str) -> None:
        body = self.refusals.problem(status, code, title, detail)
        head = (
            f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
            f"content-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self.transport.close()


def uvicorn_options(
    limits: Limits | None = None, *, refusals: Refusals | None = None
) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run``/``uvicorn.Config`` enforcing ``limits``.

    Raises `UnsupportedUvicornError` when the installed uvicorn lacks a hook the protocol
    overrides (`missing_hooks`).
    """
    missing = missing_hooks()
    if missing:
        import uvicorn

        raise UnsupportedUvicornError(
            f"uvicorn {uvicorn.__version__}'s HttpToolsProtocol has no {', '.join(missing)}: "
            "httpguard's protocol overrides or relies on it, so the request-head limits and "
            "write coalescing would not work. Install the uvicorn release pyproject.toml pins."
        )
    limits = limits or Limits()
    protocol = type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"limits": limits, "refusals": refusals or Refusals()},
    )
    return {
        "http": protocol,
        "h11_max_incomplete_event_size": limits.max_header_bytes,
        # The client address is the socket's peer: X-Forwarded-For is never believed.
        "proxy_headers": False,
    }
