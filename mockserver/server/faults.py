"""Latency and faults, globally (``--latency``, ``--chaos``) or per request (``Prefer``).

``--latency 50-200`` delays every answer by a uniform 50-200 ms (any `latency.Delay`, and per
operation too: ``x-mock-latency``, ``--latency OPERATION=DELAY``); ``--chaos 0.05`` answers 5%
of requests with a fault: the operation's declared 5xx (503 preferred) or, when it declares
none, a 503 problem, or a dropped connection. ``Prefer: delay=300`` and
``Prefer: fault=503|500|drop`` do the same for one request. Draws come from one seeded
generator, so a failing run replays with the same ``--seed``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

from mockserver.errors import ConfigError
from mockserver.render.prefer import MAX_DELAY_MS
from mockserver.server.latency import Delay

__all__ = ["FaultPlan", "Faults", "parse_latency"]

_RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*(?:ms)?\s*$")


def parse_latency(text: str) -> tuple[float, float]:
    """``"50-200"`` or ``"100"`` (milliseconds) as ``(low, high)``."""
    match = _RANGE.match(text)
    if match is None:
        raise ConfigError(f"expected latency as MS or MIN-MAX in milliseconds, got {text!r}")
    low = float(match.group(1))
    high = float(match.group(2)) if match.group(2) else low
    if high < low or high > MAX_DELAY_MS:
        raise ConfigError(
            f"expected 0 <= MIN <= MAX <= {MAX_DELAY_MS} ms for the latency, got {text!r}"
        )
    return low, high


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What to do to one request: wait ``delay_ms``, then answer ``fault`` if any."""

    delay_ms: float = 0.0
    fault: str | None = None  # "drop" or an HTTP status as text


NO_FAULT = FaultPlan()


class Faults:
    """Draws the latency and faults of each request."""

    def __init__(
        self,
        *,
        latency: tuple[float, float] | Delay | None = None,
        chaos: float = 0.0,
        seed: int | None = None,
        per_operation: Mapping[str, Delay] | None = None,
    ) -> None:
        if not 0.0 <= chaos <= 1.0:
            raise ConfigError(f"expected a chaos rate between 0 and 1, got {chaos}")
        if isinstance(latency, tuple):
            low, high = latency
            latency = Delay("fixed" if low == high else "uniform", low, high)
        self.latency = latency
        self.chaos = chaos
        # Each operation's own delay, by the operation's pointer (`latency.operation_delays`).
        self.per_operation: Mapping[str, Delay] = per_operation or {}
        self._random = random.Random(seed)

    @property
    def active(self) -> bool:
        """Whether any latency (global or an operation's) or chaos is configured."""
        return self.latency is not None or self.chaos > 0 or bool(self.per_operation)

    def plan(
        self, *, delay: float | None = None, fault: str | None = None, operation: str = ""
    ) -> FaultPlan:
        """The plan for one request; explicit ``delay``/``fault`` (from Prefer) win, then the
        delay of ``operation`` (its pointer), then the global latency."""
        if delay is None:
            chosen = self.per_operation.get(operation) or self.latency
            if chosen is not None:
                delay = chosen.sample(self._random)
        if fault is None and self.chaos and self._random.random() < self.chaos:
            fault = "drop" if self._random.random() < 0.25 else "503"
        if not delay and fault is None:
            return NO_FAULT
        return FaultPlan(delay_ms=min(delay or 0.0, MAX_DELAY_MS), fault=fault)
