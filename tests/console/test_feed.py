"""The live journal as server-sent events, read by sequence number from any journal."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest

from mockserver.console.feed import events, start_after
from mockserver.store.journal import MemoryJournal


async def _record(journal: MemoryJournal, path: str, status: int = 200) -> None:
    await journal.record(
        method="GET", path=path, query="", status=status, started=time.perf_counter()
    )


def _parse(chunks: list[bytes]) -> list[dict[str, object]]:
    """The entries of the ``entry`` events among ``chunks``, with their SSE ids checked."""
    found = []
    for chunk in chunks:
        lines = chunk.decode().strip().split("\n")
        if lines[0].startswith("id: "):
            assert lines[1] == "event: entry"
            entry = orjson.loads(lines[2].removeprefix("data: "))
            assert lines[0] == f"id: {entry['id']}"
            found.append(entry)
    return found


async def _never() -> bool:
    return False


async def _collect(journal: MemoryJournal, **options: object) -> list[bytes]:
    return [chunk async for chunk in events(journal, disconnected=_never, **options)]  # type: ignore[arg-type]


def test_events_stream_the_entries_after_since_in_order() -> None:
    async def scenario() -> list[bytes]:
        journal = MemoryJournal()
        for path in ("/a", "/b", "/c"):
            await _record(journal, path)
        return await _collect(journal, since=1, limit=2)

    chunks = asyncio.run(scenario())
    assert chunks[0] == b"retry: 250\n\n"
    assert [e["path"] for e in _parse(chunks)] == ["/b", "/c"]


def test_events_wait_for_an_entry_recorded_later() -> None:
    async def scenario() -> list[bytes]:
        journal = MemoryJournal()
        stream = asyncio.ensure_future(_collect(journal, since=0, limit=1, poll=0.01))
        await asyncio.sleep(0.05)
        await _record(journal, "/later", 418)
        return await asyncio.wait_for(stream, timeout=10)

    entries = _parse(asyncio.run(scenario()))
    assert [(e["path"], e["status"]) for e in entries] == [("/later", 418)]


def test_events_end_when_the_client_goes() -> None:
    calls = 0

    async def gone() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    async def scenario() -> list[bytes]:
        journal = MemoryJournal()
        return [c async for c in events(journal, since=0, disconnected=gone, poll=0.001)]

    assert asyncio.run(scenario()) == [b"retry: 250\n\n"]


def test_events_end_after_their_duration_and_keep_idle_streams_alive() -> None:
    async def scenario() -> list[bytes]:
        return await _collect(MemoryJournal(), since=0, poll=0.0, duration=0.5)

    chunks = asyncio.run(scenario())
    assert b": keep-alive\n\n" in chunks
    assert _parse(chunks) == []


@pytest.mark.parametrize(
    ("last_event_id", "since", "expected"),
    [("7", "3", 7), (None, "3", 3), (None, None, 0), ("junk", "-1", 0), (" 5 ", None, 5)],
)
def test_start_after_prefers_the_reconnects_last_event_id(
    last_event_id: str | None, since: str | None, expected: int
) -> None:
    assert start_after(last_event_id, since) == expected
