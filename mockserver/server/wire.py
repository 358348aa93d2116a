"""What goes on and comes off the wire around the engine: the request's headers read once, its
body read within a limit, the answer sent (with ``Vary: Origin`` when CORS asks), and what the
journal keeps of an exchange (built when the journal is read).

The engine (`mockserver.server.engine`) decides the answer; this module is how a request
arrives and how the answer leaves, shared with the validating proxy (`mockserver.proxy`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from httpguard import INVALID_HEADER_VALUE, write_whole
from mockserver.errors import MockServerError
from mockserver.render.problems import Problem
from mockserver.render.responses import Rendered
from mockserver.store.redaction import redacted_headers, redacted_text

__all__ = [
    "JOURNAL_BODY_CHARS",
    "VARY_ORIGIN",
    "BodyTooLarge",
    "Outcome",
    "RequestHeaders",
    "add_vary_origin",
    "exchange_detail",
    "header_value",
    "read_body",
    "send_rendered",
]

# Set in the scope (by the app's CORS middleware, for a request without an Origin) when the
# engine is to add ``Vary: Origin`` to its answer itself instead of through a wrapped ``send``.
VARY_ORIGIN = "mockserver.vary_origin"

# How much of each request and response body the journal keeps (the console shows it).
JOURNAL_BODY_CHARS = 4096


class BodyTooLarge(MockServerError):
    """The request body outgrew the limit (answered 413)."""


class RequestHeaders(Headers):
    """`Headers` that look names up in a dict.

    Every stage reads a few headers (prefer, authorization, accept, content-type, declared
    header parameters), and `Headers` scans the raw list on each read and raises KeyError
    for an absent name; reading them from one dict built per request is cheaper.
    """

    def __init__(self, scope: Scope) -> None:
        # What `Headers(scope=scope)` does, without copying the list: nothing here changes it.
        raw = scope["headers"]
        self._list = raw if type(raw) is list else list(raw)
        # Reversed, so that the first of repeated headers is the one kept.
        self.first = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in reversed(self._list)
        }

    def get(self, key: str, default: Any = None) -> Any:
        return self.first.get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return self.first[key.lower()]

    def __contains__(self, key: Any) -> bool:
        return isinstance(key, str) and key.lower() in self.first


@dataclass(slots=True)
class Outcome:
    """What the journal records beyond the status: violations, injected faults, the body
    read and why the answer is what it is."""

    violations: Sequence[dict[str, str]] = ()  # none, without a list made per request
    fault: str | None = None
    body: bytes = b""
    why: str | None = None


def exchange_detail(
    raw_headers: list[tuple[bytes, bytes]],
    outcome: Outcome,
    rendered: Rendered | Problem,
    answer: Rendered | None,
) -> dict[str, Any]:
    """The request and the answer as the journal keeps them, with why it was chosen."""
    why = outcome.why
    if why is None:  # an error of the mock's own (state unavailable, a bug, a body too large)
        why = f"{rendered.code}: {rendered.detail}" if isinstance(rendered, Problem) else ""
    return {
        "why": why,
        # Decoded from the raw list when read: an entry keeps no second copy of them.
        "headers": redacted_headers(
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers
        ),
        "body": redacted_text(outcome.body, JOURNAL_BODY_CHARS) if outcome.body else "",
        "response": None
        if answer is None
        else {
            "headers": redacted_headers(
                [("content-type", answer.media_type), *answer.headers.items()]
                if answer.media_type
                else answer.headers.items()
            ),
            "body": redacted_text(answer.body, JOURNAL_BODY_CHARS) if answer.body else "",
        },
    }


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; raises `BodyTooLarge` past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def send_rendered(
    send: Send, rendered: Rendered, *, head: bool = False, vary_origin: bool = False
) -> int:
    """Send ``rendered`` (its head only for a HEAD request); its status.

    Under uvicorn the whole answer goes out in one call (`httpguard.write_whole`), anywhere
    else as the usual two messages.
    """
    raw_headers = [(b"content-length", str(len(rendered.body)).encode())]
    if rendered.media_type:
        raw_headers.append((b"content-type", rendered.media_type.encode()))
    for name, value in rendered.headers.items():
        raw_headers.append((name.lower().encode("latin-1"), header_value(value)))
    start: Message = {
        "type": "http.response.start",
        "status": rendered.status,
        "headers": raw_headers,
    }
    if vary_origin:
        if rendered.headers and any(name.lower() == "vary" for name in rendered.headers):
            add_vary_origin(start)
        else:  # the common case: no Vary of the answer's own to extend
            raw_headers.append((b"vary", b"Origin"))
    body = b"" if head else rendered.body
    if not write_whole(send, rendered.status, start["headers"], body):
        await send(start)
        await send({"type": "http.response.body", "body": body})
    return rendered.status


def header_value(value: str) -> bytes:
    """``value`` as a header's bytes: Latin-1 where it fits (what HTTP clients decode), else
    UTF-8 rather than question marks; a control character (a line break from an example or a
    generated value), which no header may carry, becomes a space, so the answer still leaves.
    """
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raw = value.encode()
    if INVALID_HEADER_VALUE.search(raw):
        raw = INVALID_HEADER_VALUE.sub(b" ", raw)
    return raw


def add_vary_origin(message: Message) -> None:
    """Add ``Origin`` to the Vary of a response start, as CORSMiddleware does without one."""
    raw = list(message.get("headers", []))
    if any(name == b"vary" for name, _ in raw):
        message["headers"] = raw
        headers = MutableHeaders(scope=message)
        headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
    else:
        message["headers"] = [*raw, (b"vary", b"Origin")]
