"""The shape of one benchmark run, as written to JSON (``dataclasses.asdict`` of `Results`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from bench.checks import CheckResult
from bench.profile import HotSpot
from bench.proxy import ProxyBench, proxy_not_run
from bench.realworld import RealWorld
from bench.startup import StartupResult

__all__ = [
    "RESULT_KEYS",
    "ContenderInfo",
    "ProfileResult",
    "Ratio",
    "Results",
    "ScenarioResult",
    "TargetVerdict",
]

SCHEMA_VERSION = 3  # 2: `realworld`; start-up points carry `spec_mb` and `ready_each_s`; 3: `proxy`


@dataclass
class ContenderInfo:
    """A contender as run (or why it was not)."""

    id: str
    label: str
    kind: str
    status: str  # "ok" or "skipped"
    version: str | None = None
    command: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class ScenarioResult:
    """One contender under one scenario."""

    contender: str
    scenario: str
    status: str  # "ok", "skipped" or "failed"
    reason: str = ""
    expected_status: list[int] = field(default_factory=list)
    requests: int = 0
    requests_per_s: float | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)
    socket_errors: int = 0
    unexpected_status: int = 0
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    ready_s: float | None = None


@dataclass
class Ratio:
    """Throughput of one of our contenders divided by Prism's and by the ceiling's (unrounded:
    a target is judged on the ratio itself)."""

    contender: str
    scenario: str
    vs_prism: float | None
    vs_ceiling: float | None


@dataclass
class ProfileResult:
    """py-spy samples of our mock under one scenario."""

    contender: str
    scenario: str
    status: str
    samples_file: str = ""
    reason: str = ""
    layers: dict[str, float] = field(default_factory=dict)
    hot_spots: list[HotSpot] = field(default_factory=list)


@dataclass
class TargetVerdict:
    """One target from the issue, reported and never asserted."""

    name: str
    contender: str
    goal: str
    value: str
    verdict: str  # "PASS", "MISS" or "N/A" (not measured in this run)


@dataclass
class Results:
    """Everything one run measured."""

    schema_version: int
    mode: str  # "full" or "smoke"
    started_at: str
    finished_at: str
    settings: dict[str, object]
    machine: dict[str, object]
    notes: list[str]
    contenders: list[ContenderInfo]
    scenarios: list[dict[str, object]]
    results: list[ScenarioResult]
    ratios: list[Ratio]
    startup: list[StartupResult]
    realworld: RealWorld
    schemathesis: CheckResult
    verify: CheckResult
    profiles: list[ProfileResult]
    targets: list[TargetVerdict]
    proxy: ProxyBench = field(default_factory=lambda: proxy_not_run("not asked for"))


RESULT_KEYS: tuple[str, ...] = tuple(item.name for item in fields(Results))
