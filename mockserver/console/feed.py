"""The live journal: new journal entries as server-sent events, newest as they happen.

The stream reads the journal it is given by sequence number (``since``) every `POLL_SECONDS`,
on the server: with a shared journal (``--state-url``) it sees the exchanges of every worker,
not only its own, and the browser holds one open request instead of polling. Each event is
``id: <entry id>`` plus the entry as JSON, so a reconnecting browser resumes after the last
one it saw (``Last-Event-ID``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import orjson

from mockserver.store.journal import Journal

__all__ = ["MAX_STREAM_SECONDS", "POLL_SECONDS", "RETRY_MS", "events", "start_after"]

POLL_SECONDS = 0.2
# A stream ends after this long and the browser's EventSource reconnects (after the last id
# it saw, `RETRY_MS` later), so no response stays open for long: a server shutting down waits
# for the responses in flight (uvicorn does not tell a streaming app it is stopping).
MAX_STREAM_SECONDS = 5.0
RETRY_MS = 250
# A comment line now and then keeps proxies from closing an idle stream.
_KEEPALIVE_POLLS = 75
_BATCH = 500


async def events(
    journal: Journal,
    *,
    since: int,
    disconnected: Callable[[], Awaitable[bool]],
    limit: int | None = None,
    poll: float = POLL_SECONDS,
    duration: float | None = None,
) -> AsyncIterator[bytes]:
    """Server-sent events of the entries after ``since``, until the client goes or ``limit``.

    ``limit`` ends the stream after that many events (for scripts and tests; a browser
    streams until it leaves); ``duration`` is `MAX_STREAM_SECONDS` unless given.
    """
    sent = 0
    idle = 0
    ends = time.monotonic() + (MAX_STREAM_SECONDS if duration is None else duration)
    yield b"retry: %d\n\n" % RETRY_MS
    while time.monotonic() < ends and not await disconnected():
        entries = await journal.query(since=since, limit=_BATCH)
        for entry in entries:
            since = max(since, entry.id)
            yield b"id: %d\nevent: entry\ndata: %s\n\n" % (entry.id, orjson.dumps(entry.to_json()))
            sent += 1
            if limit is not None and sent >= limit:
                return
        if entries:
            idle = 0
            continue
        idle += 1
        if idle >= _KEEPALIVE_POLLS:
            idle = 0
            yield b": keep-alive\n\n"
        await asyncio.sleep(poll)


def start_after(last_event_id: str | None, since: str | None) -> int:
    """The id to stream after: ``Last-Event-ID`` of a reconnect, else ``?since=``, else 0."""
    for value in (last_event_id, since):
        if value is not None and value.strip().isdigit():
            return int(value)
    return 0
