"""Scenarios switched at run time: global latency and chaos, a forced status or example per
operation.

``PUT /__mock/scenarios`` (and the console's Scenarios view) sets them; every request then
reads them as if it carried ``Prefer: code=...`` / ``example=...``. With a shared store
(``--state-url``) the settings live in it, so every worker applies them: each worker reads
them again at most every `REFRESH_SECONDS`, not per request. A reset of the state returns
them to what the mock was started with.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.compile.operations import Operation
from mockserver.errors import ConfigError
from mockserver.render.prefer import MAX_DELAY_MS, Preferences
from mockserver.server.faults import Faults
from mockserver.server.latency import Delay
from mockserver.store.memory import Store

__all__ = ["REFRESH_SECONDS", "Forced", "Scenarios", "parse_scenarios"]

REFRESH_SECONDS = 0.5
_KEY = "console:scenarios"


@dataclass(frozen=True, slots=True)
class Forced:
    """What one operation answers whatever the request: a status, an example, or both."""

    status: int | None = None
    example: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The forced answer as the admin API shows it."""
        return {"status": self.status, "example": self.example}


@dataclass(frozen=True, slots=True)
class _Settings:
    latency: Delay | None
    chaos: float
    forced: Mapping[str, Forced]


def parse_scenarios(data: Any, operations: Mapping[str, Operation]) -> dict[str, Any]:
    """``data`` checked against ``operations`` (by operationId); `ConfigError` says what is wrong.

    The shape: ``{"latency": [low, high] | null, "chaos": 0..1,
    "operations": {"<operationId>": {"status": 503, "example": "name"}}}``.
    """
    if not isinstance(data, Mapping):
        raise ConfigError('expected {"latency": ..., "chaos": ..., "operations": {...}}')
    unknown = sorted(set(data) - {"latency", "chaos", "operations"})
    if unknown:
        raise ConfigError(f"unknown scenario settings {unknown}; known: latency, chaos, operations")
    latency = data.get("latency")
    if latency is not None:
        if (
            not isinstance(latency, list)
            or len(latency) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in latency)
            or not 0 <= latency[0] <= latency[1] <= MAX_DELAY_MS
        ):
            raise ConfigError(
                f"latency: expected [low, high] in milliseconds with 0 <= low <= high <= "
                f"{MAX_DELAY_MS}, or null; got {latency!r}"
            )
        latency = [float(latency[0]), float(latency[1])]
    chaos = data.get("chaos", 0.0)
    if isinstance(chaos, bool) or not isinstance(chaos, int | float) or not 0 <= chaos <= 1:
        raise ConfigError(f"chaos: expected a share of requests between 0 and 1, got {chaos!r}")
    forced: dict[str, Any] = {}
    given = data.get("operations")
    given = {} if given is None else given
    if not isinstance(given, Mapping):
        raise ConfigError("operations: expected an object keyed by operationId")
    for name, setting in given.items():
        forced[name] = _parse_forced(name, setting, operations)
    return {"latency": latency, "chaos": float(chaos), "operations": forced}


def _parse_forced(name: str, setting: Any, operations: Mapping[str, Operation]) -> dict[str, Any]:
    where = f"operations.{name}"
    operation = operations.get(name)
    if operation is None:
        raise ConfigError(f"{where}: no operation has this operationId; see GET /__mock/operations")
    if not isinstance(setting, Mapping) or set(setting) - {"status", "example"}:
        raise ConfigError(f'{where}: expected {{"status": 503, "example": "name"}}')
    status, example = setting.get("status"), setting.get("example")
    if status is not None:
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise ConfigError(f"{where}.status: expected an HTTP status 200-599, got {status!r}")
        declared = str(status) in operation.responses or f"{str(status)[0]}XX" in (
            operation.responses
        )
        if not declared and "DEFAULT" not in operation.responses:
            statuses = ", ".join(sorted(operation.responses)) or "none"
            raise ConfigError(
                f"{where}.status: {operation.label} does not declare {status}; declared: {statuses}"
            )
    if example is not None:
        names = sorted(
            {
                n
                for r in operation.responses.values()
                for m in r.content.values()
                for n in m.examples
            }
        )
        if example not in names:
            raise ConfigError(
                f"{where}.example: {operation.label} has no example {example!r}; "
                f"examples: {', '.join(names) or 'none'}"
            )
    return {"status": status, "example": example}


class Scenarios:
    """The scenario settings of one engine; shared through ``store`` when it has one."""

    def __init__(self, faults: Faults, store: Store | None = None) -> None:
        self._faults = faults
        self._store = store
        self._started = _Settings(faults.latency, faults.chaos, {})
        self._current = self._started
        self._read_at = -REFRESH_SECONDS

    @property
    def forced(self) -> Mapping[str, Forced]:
        """The forced answers, by operationId."""
        return self._current.forced

    def to_json(self) -> dict[str, Any]:
        """The settings as ``GET /__mock/scenarios`` answers them."""
        current = self._current
        return {
            "latency": _latency_json(current.latency),
            "chaos": current.chaos,
            "operations": {name: f.to_json() for name, f in sorted(current.forced.items())},
        }

    def due(self) -> bool:
        """Whether `refresh` would read the store now (a cheap check for every request)."""
        return self._store is not None and time.monotonic() - self._read_at >= REFRESH_SECONDS

    async def refresh(self) -> None:
        """Read the shared settings again, at most every `REFRESH_SECONDS`."""
        if not self.due():
            return
        assert self._store is not None
        self._read_at = time.monotonic()
        self._apply(await self._store.get_value(_KEY))

    async def update(self, checked: Mapping[str, Any] | None) -> None:
        """Switch to ``checked`` (from `parse_scenarios`); None returns to the start-up settings."""
        if self._store is not None:
            if checked is None:
                await self._store.delete_value(_KEY)
            else:
                await self._store.set_value(_KEY, dict(checked))
            self._read_at = time.monotonic()
        self._apply(checked)

    def preferences(self, operation_id: str | None, prefs: Preferences) -> Preferences:
        """``prefs`` with the operation's forced answer (what the client asked for wins)."""
        forced = self._current.forced.get(operation_id) if operation_id else None
        if forced is None:
            return prefs
        return dataclasses.replace(
            prefs,
            code=prefs.code if prefs.code is not None else forced.status,
            example=prefs.example if prefs.example is not None else forced.example,
        )

    def _apply(self, data: Mapping[str, Any] | None) -> None:
        if data is None:
            settings = self._started
        else:
            latency = data.get("latency")
            settings = _Settings(
                _delay(float(latency[0]), float(latency[1])) if latency else None,
                float(data.get("chaos", 0.0)),
                {
                    name: Forced(f.get("status"), f.get("example"))
                    for name, f in (data.get("operations") or {}).items()
                },
            )
        self._current = settings
        self._faults.latency = settings.latency
        self._faults.chaos = settings.chaos


def _delay(low: float, high: float) -> Delay:
    return Delay("fixed" if low == high else "uniform", low, high)


def _latency_json(latency: Delay | None) -> list[float] | str | None:
    """``[low, high]`` as set here; a log-normal start-up latency as ``--latency`` spells it."""
    if latency is None:
        return None
    if latency.kind == "lognormal":
        return f"lognormal(median={latency.low:g}ms,p99={latency.high:g}ms)"
    return [latency.low, latency.high]
