"""The request journal: what clients sent and what the mock answered, for tests to assert on.

A bounded ring of recent entries (oldest dropped first), filterable by method, path, status
and operation, served by the admin API at ``/__mock/journal``. `Journal` is the interface;
`MemoryJournal` keeps one process's entries, `mockserver.store.redis_store.RedisJournal` those of
every worker sharing a Redis. It is async for the latter; the engine records an answer
before sending it, so a client holding the answer finds it in any worker's journal.
"""

from __future__ import annotations

import copy
import fnmatch
import itertools
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

__all__ = ["Detail", "Journal", "JournalEntry", "MemoryJournal", "matches", "resolved"]

# What an entry keeps beyond its summary: the request, the answer and why. Either the mapping
# itself or a function building it: the engine passes the latter, so the memory journal builds
# (and redacts) an exchange's detail only when somebody reads the journal, not on every request.
Detail = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def resolved(detail: Detail | None) -> Mapping[str, Any] | None:
    """The detail as a mapping, built now if it was deferred."""
    return detail() if callable(detail) else detail


class JournalEntry(NamedTuple):
    """One request and its answer.

    A named tuple, not a frozen dataclass: one is recorded per request, and a frozen
    dataclass sets each of its twelve fields through ``object.__setattr__``.
    """

    id: int
    time: float
    method: str
    path: str
    query: str
    status: int
    latency_ms: float
    operation_id: str | None = None
    violations: Sequence[Mapping[str, str]] = ()
    fault: str | None = None
    # "request" for what a client sent; "webhook" for a delivery the mock made (see webhooks.py).
    kind: str = "request"
    detail: Detail | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as the admin API answers it (camelCase keys)."""
        return {
            "id": self.id,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "latencyMs": round(self.latency_ms, 3),
            "operationId": self.operation_id,
            "violations": [dict(v) for v in self.violations],
            "fault": self.fault,
            "kind": self.kind,
            **({self.kind: self._detail()} if self.detail is not None else {}),
        }

    def _detail(self) -> Mapping[str, Any] | None:
        # A deferred detail is built afresh for each reader; a kept one is copied, so no
        # reader's changes reach the journal.
        return self.detail() if callable(self.detail) else copy.deepcopy(self.detail)


class Journal(Protocol):
    """Where the engine records answers and the admin API reads them."""

    async def record(
        self,
        *,
        method: str,
        path: str,
        query: str,
        status: int,
        started: float,
        operation_id: str | None = None,
        violations: Sequence[Mapping[str, str]] = (),
        fault: str | None = None,
        kind: str = "request",
        detail: Detail | None = None,
    ) -> JournalEntry: ...
    async def query(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        operation_id: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]: ...
    async def clear(self) -> None: ...
    async def count(self) -> int: ...


def matches(
    entry: JournalEntry,
    method: str | None,
    path: str | None,
    status: int | None,
    operation_id: str | None,
    since: int | None,
) -> bool:
    """Whether ``entry`` passes every filter given (None: no filter); ``path`` globs ``*``."""
    return (
        (method is None or entry.method == method.upper())
        and (path is None or fnmatch.fnmatchcase(entry.path, path))
        and (status is None or entry.status == status)
        and (operation_id is None or entry.operation_id == operation_id)
        and (since is None or entry.id > since)
    )


class MemoryJournal:
    """The last ``capacity`` entries of this process, newest last."""

    def __init__(self, capacity: int = 1000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._ids = itertools.count(1)

    async def record(
        self,
        *,
        method: str,
        path: str,
        query: str,
        status: int,
        started: float,
        operation_id: str | None = None,
        violations: Sequence[Mapping[str, str]] = (),
        fault: str | None = None,
        kind: str = "request",
        detail: Detail | None = None,
    ) -> JournalEntry:
        """Add an entry for a request that started at ``started`` (``time.perf_counter``)."""
        latency_ms = (time.perf_counter() - started) * 1000
        entry = JournalEntry(
            next(self._ids), time.time(), method, path, query, status, latency_ms,
            operation_id, tuple(violations) if violations else (), fault, kind, detail,
        )  # fmt: skip
        self._entries.append(entry)
        return entry

    async def query(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        operation_id: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Entries matching every filter given; ``path`` may use ``*`` wildcards."""
        found = [e for e in self._entries if matches(e, method, path, status, operation_id, since)]
        return found[-limit:] if limit else found

    async def clear(self) -> None:
        """Forget every entry (ids keep counting up, so ``since`` stays meaningful)."""
        self._entries.clear()

    async def count(self) -> int:
        """How many entries are kept."""
        return len(self._entries)
