"""The request journal: what clients sent and what the mock answered, for tests to assert on.

A bounded ring of recent entries (oldest dropped first), filterable by method, path, status
and operation, served by the admin API at ``/__mock/journal``. `Journal` is the interface;
`MemoryJournal` keeps one process's entries, `mockserver.redis_store.RedisJournal` those of
every worker sharing a Redis. It is async for the latter; the engine records an answer
before sending it, so a client holding the answer finds it in any worker's journal.
"""

from __future__ import annotations

import fnmatch
import itertools
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

__all__ = ["Journal", "JournalEntry", "MemoryJournal", "matches"]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request and its answer."""

    id: int
    time: float
    method: str
    path: str
    query: str
    status: int
    latency_ms: float
    operation_id: str | None = None
    violations: Sequence[Mapping[str, str]] = field(default_factory=tuple)
    fault: str | None = None
    # "request" for what a client sent; "webhook" for a delivery the mock made (see webhooks.py).
    kind: str = "request"
    detail: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as the admin API answers it (camelCase keys)."""
        data = asdict(self)
        return {
            "id": data["id"],
            "time": data["time"],
            "method": data["method"],
            "path": data["path"],
            "query": data["query"],
            "status": data["status"],
            "latencyMs": round(data["latency_ms"], 3),
            "operationId": data["operation_id"],
            "violations": list(data["violations"]),
            "fault": data["fault"],
            "kind": data["kind"],
            **({data["kind"]: data["detail"]} if data["detail"] is not None else {}),
        }


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
        detail: Mapping[str, Any] | None = None,
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
        detail: Mapping[str, Any] | None = None,
    ) -> JournalEntry:
        """Add an entry for a request that started at ``started`` (``time.perf_counter``)."""
        entry = JournalEntry(
            id=next(self._ids),
            time=time.time(),
            method=method,
            path=path,
            query=query,
            status=status,
            latency_ms=(time.perf_counter() - started) * 1000,
            operation_id=operation_id,
            violations=tuple(violations),
            fault=fault,
            kind=kind,
            detail=detail,
        )
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
