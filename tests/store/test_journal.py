"""The memory journal's deferred details: built when read, fresh for every reader."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from mockserver.store.journal import MemoryJournal, resolved


def test_a_deferred_detail_is_built_only_when_the_journal_is_read() -> None:
    built: list[int] = []

    def detail() -> dict[str, Any]:
        built.append(1)
        return {"why": "answered from state", "headers": {"accept": "application/json"}}

    journal = MemoryJournal()

    async def scenario() -> list[dict[str, Any]]:
        await journal.record(
            method="GET",
            path="/p",
            query="",
            status=200,
            started=time.perf_counter(),
            detail=detail,
        )
        assert built == []  # recording did not build it
        first = (await journal.query())[0].to_json()
        first["request"]["headers"]["accept"] = "changed by a reader"
        second = (await journal.query())[0].to_json()
        return [first, second]

    first, second = asyncio.run(scenario())
    assert len(built) == 2
    assert second["request"] == {
        "why": "answered from state",
        "headers": {"accept": "application/json"},
    }
    assert first["request"]["headers"]["accept"] == "changed by a reader"


def test_a_kept_detail_is_copied_for_each_reader() -> None:
    journal = MemoryJournal()

    async def scenario() -> dict[str, Any]:
        kept = {"why": "w", "headers": {"a": "1"}}
        await journal.record(
            method="GET", path="/p", query="", status=200, started=time.perf_counter(), detail=kept
        )
        (await journal.query())[0].to_json()["request"]["headers"]["a"] = "2"
        return (await journal.query())[0].to_json()

    assert asyncio.run(scenario())["request"]["headers"] == {"a": "1"}


def test_resolved_builds_a_deferred_detail_and_passes_a_mapping_through() -> None:
    assert resolved(lambda: {"a": 1}) == {"a": 1}
    assert resolved({"b": 2}) == {"b": 2}
    assert resolved(None) is None
