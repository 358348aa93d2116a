"""A whole answer handed to uvicorn's httptools request cycle in one call, not two messages.

An ASGI app answers in two messages, each a coroutine through uvicorn's ``send``, which
checks every header name and value with two regular expressions, looks for the framing
headers, writes the head and then the body, and finishes the request cycle. An app holding
its whole answer (status, headers with a content-length, body) can call `write_whole`
instead: one check over all names and one over all values, head and body in one write, and
the cycle finished as ``send`` finishes it (marked started and complete, its receive side
woken, the connection closed when it is not kept alive, the protocol told, which arms the
keep-alive timer or starts the next pipelined request). The mock's valid POST spends about a
sixth of its server time in ``send``; this takes most of that away.

`write_whole` does it only for the ``send`` of uvicorn's own `RequestResponseCycle` and only
where ``send`` would write at once. Otherwise it returns False and the app sends its two
messages: another server (h11, a test client), a middleware wrapping ``send``, a paused
transport, an answer already started, an access log to write, a ``connection`` or
``transfer-encoding`` header, or a name or value ``send`` would refuse. What it reads and
sets on the cycle are `CYCLE_HOOKS`; when the installed uvicorn lacks one, `write_whole`
always returns False (`FAST_WRITES` says so) and the tests fail naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http import httptools_impl
from uvicorn.protocols.http.flow_control import FlowControl

from httpguard.uvicorn_hooks import missing_hooks

__all__ = [
    "CYCLE_HOOKS",
    "FAST_WRITES",
    "INVALID_HEADER_VALUE",
    "missing_cycle_hooks",
    "write_whole",
]

# What `write_whole` reads or sets on uvicorn's RequestResponseCycle, then on its FlowControl.
CYCLE_HOOKS = (
    "send",
    "flow",
    "disconnected",
    "response_started",
    "response_complete",
    "waiting_for_100_continue",
    "default_headers",
    "keep_alive",
    "access_log",
    "transport",
    "message_event",
    "on_response",
)
FLOW_HOOKS = ("write_paused",)

# What uvicorn's send refuses: a name that is not an HTTP token, a control character in a value
# (a tab it allows), which no header may carry.
_BAD_NAME = re.compile(b'[\x00-\x1f\x7f()<>@,;:\\[\\]={} \t\\\\"]')
INVALID_HEADER_VALUE = re.compile(b"[\x00-\x08\x0a-\x1f\x7f]")


def _status_line(code: int) -> bytes:
    try:
        phrase = HTTPStatus(code).phrase.encode()
    except ValueError:  # a code HTTP names no reason for: uvicorn leaves the phrase empty
        phrase = b""
    return b"HTTP/1.1 %d %s\r\n" % (code, phrase)


_STATUS_LINES = {code: _status_line(code) for code in range(100, 600)}
_CLOSE = b"connection: close\r\n"

_CYCLE: Any = getattr(httptools_impl, "RequestResponseCycle", None)


def missing_cycle_hooks() -> list[str]:
    """The hooks of `CYCLE_HOOKS` and `FLOW_HOOKS` the installed uvicorn lacks."""
    if _CYCLE is None:
        return ["RequestResponseCycle"]
    return missing_hooks(_CYCLE, CYCLE_HOOKS) + missing_hooks(FlowControl, FLOW_HOOKS)


# False when the installed uvicorn's request cycle is not the one `write_whole` was written for.
FAST_WRITES = not missing_cycle_hooks()

# The server's default headers (date, server) as bytes, for the list uvicorn last handed out:
# it makes a new one when the date changes, once a second.
_defaults: list[Any] = [None, b""]


def _default_head(headers: list[tuple[bytes, bytes]]) -> bytes:
    if headers is not _defaults[0]:
        _defaults[1] = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
        _defaults[0] = headers
    head: bytes = _defaults[1]
    return head


def write_whole(
    send: Callable[..., Any], status: int, headers: Sequence[tuple[bytes, bytes]], body: bytes
) -> bool:
    """Write ``status``, ``headers`` and ``body`` at once through ``send``'s request cycle;
    False when the app is to send its two messages instead.

    ``headers`` have lower-case names and a content-length of the answer (for a HEAD request,
    of the answer a GET gets); ``body`` is what goes on the wire, empty for a HEAD request.
    """
    cycle: Any = getattr(send, "__self__", None)
    status_line = _STATUS_LINES.get(status)
    if not FAST_WRITES or type(cycle) is not _CYCLE or status_line is None:
        return False
    if cycle.response_started or cycle.access_log or cycle.flow.write_paused:
        return False
    if cycle.disconnected:
        return True  # what send does: the answer goes nowhere
    names = b"".join([name for name, _ in headers])
    if _BAD_NAME.search(names) or INVALID_HEADER_VALUE.search(b"".join([v for _, v in headers])):
        return False  # send refuses it (and the app answers 500)
    if b"connection" in names or b"transfer-encoding" in names:
        return False  # send reads them (a close, chunked framing)
    parts = [status_line, _default_head(cycle.default_headers)]
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    keep_alive = cycle.keep_alive
    if not keep_alive:
        parts.append(_CLOSE)
    parts += (b"\r\n", body)
    cycle.response_started = True
    cycle.response_complete = True
    cycle.waiting_for_100_continue = False
    transport = cycle.transport
    transport.write(b"".join(parts))
    cycle.message_event.set()
    if not keep_alive:
        transport.close()
    cycle.on_response()
    return True
