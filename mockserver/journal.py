"""The request journal: what clients sent and what the mock answered, for tests to assert on.

A bounded ring of recent entries (oldest dropped first), filterable by method, path, status
and operation, served by the admin API at ``/__mock/journal``.
"""

from __future__ import annotations

import fnmatch
import itertools
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Journal", "JournalEntry"]


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
        }


class Journal:
    """The last ``capacity`` entries, newest last."""

    def __init__(self, capacity: int = 1000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._ids = itertools.count(1)

    def record(
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
        )
        self._entries.append(entry)
        return entry

    def query(
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
        found = [
            e
            for e in self._entries
            if (method is None or e.method == method.upper())
            and (path is None or fnmatch.fnmatchcase(e.path, path))
            and (status is None or e.status == status)
            and (operation_id is None or e.operation_id == operation_id)
            and (since is None or e.id > since)
        ]
        return found[-limit:] if limit else found

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
