"""Latency and faults, globally (``--latency``, ``--chaos``) or per request (``Prefer``).

``--latency 50-200`` delays every answer by a uniform 50-200 ms; ``--chaos 0.05`` answers 5%
of requests with a fault: the operation's declared 5xx (503 preferred) or, when it declares
none, a 503 problem, or a dropped connection. ``Prefer: delay=300`` and
``Prefer: fault=503|500|drop`` do the same for one request. Draws come from one seeded
generator, so a failing run replays with the same ``--seed``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from mockserver.errors import ConfigError
from mockserver.render.prefer import MAX_DELAY_MS

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
        latency: tuple[float, float] | None = None,
        chaos: float = 0.0,
        seed: int | None = None,
    ) -> None:
        if not 0.0 <= chaos <= 1.0:
            raise ConfigError(f"expected a chaos rate between 0 and 1, got {chaos}")
        self.latency = latency
        self.chaos = chaos
        self._random = random.Random(seed)

    @property
    def active(self) -> bool:
        """Whether any global latency or chaos is configured."""
        return self.latency is not None or self.chaos > 0

    def plan(self, *, delay: float | None = None, fault: str | None = None) -> FaultPlan:
        """The plan for one request; explicit ``delay``/``fault`` (from Prefer) win."""
        if delay is None and self.latency is not None:
            low, high = self.latency
            delay = low if low == high else self._random.uniform(low, high)
        if fault is None and self.chaos and self._random.random() < self.chaos:
            fault = "drop" if self._random.random() < 0.25 else "503"
        if not delay and fault is None:
            return NO_FAULT
        return FaultPlan(delay_ms=min(delay or 0.0, MAX_DELAY_MS), fault=fault)
