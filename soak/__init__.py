"""Load and endurance: many clients run the stateful flows for a fixed time, then the state is
checked (no lost writes, no duplicate payments, idempotent retries replayed, zero 5xx).

``python -m soak`` (``make soak``) runs it against the mock (memory, Redis) and the provider
(SQLite, PostgreSQL); `soak` runs it against one server already started.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from soak.flows import Ledger, Stats, run_clients, verify
from soak.targets import TARGETS, Running, Unavailable, rss_bytes, start

__all__ = [
    "TARGETS",
    "Ledger",
    "Running",
    "SoakResult",
    "Stats",
    "Unavailable",
    "soak",
    "start",
    "verify",
]


@dataclass
class SoakResult:
    """One target's run: the load, its cost and every broken invariant."""

    target: str
    clients: int
    seconds: float
    stats: Stats
    rss_start: int
    rss_end: int
    problems: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.stats.requests / self.seconds if self.seconds else 0.0


def soak(server: Running, *, clients: int, seconds: float) -> SoakResult:
    """Load ``server`` with ``clients`` users for ``seconds``; check the invariants after."""
    rss_start = rss_bytes(server.pid)
    started = time.monotonic()
    ledgers, stats = asyncio.run(run_clients(server.url, clients=clients, seconds=seconds))
    elapsed = time.monotonic() - started
    rss_end = rss_bytes(server.pid)
    problems = asyncio.run(verify(server.url, ledgers, stats))
    if "Traceback" in server.log_text():
        problems.append(f"{server.name} logged a traceback:\n{server.log_text()[-2000:]}")
    return SoakResult(server.name, clients, elapsed, stats, rss_start, rss_end, problems)
