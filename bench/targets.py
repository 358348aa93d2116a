"""The issue's targets, evaluated on a run: a PASS/MISS line each, never an assertion."""

from __future__ import annotations

import math
from collections.abc import Iterator

from bench.results import Ratio, ScenarioResult, TargetVerdict
from bench.startup import StartupResult

__all__ = ["evaluate_targets"]

P99_LIMIT_MS = 20.0
RSS_LIMIT_MB = 150.0
READY_1000_LIMIT_S = 2.0
MAX_GROWTH_EXPONENT = 1.1  # start-up ~ operations^k between the two largest sizes; linear is 1


def _verdict(ok: bool | None) -> str:
    return "N/A" if ok is None else ("PASS" if ok else "MISS")


def _ratio(ratios: list[Ratio], contender: str, scenario: str, attr: str) -> float | None:
    for ratio in ratios:
        if ratio.contender == contender and ratio.scenario == scenario:
            value: float | None = getattr(ratio, attr)
            return value
    return None


def _ratio_target(
    ratios: list[Ratio], contender: str, scenario: str, attr: str, goal: float, name: str
) -> TargetVerdict:
    value = _ratio(ratios, contender, scenario, attr)
    against = "Prism" if attr == "vs_prism" else "the ceiling"
    text = "not measured" if value is None else f"{value:.2f}x {against}"
    ok = None if value is None else value >= goal
    return TargetVerdict(name, contender, f">= {goal:g}x {against}", text, _verdict(ok))


def _scenario_targets(results: list[ScenarioResult], contender: str) -> Iterator[TargetVerdict]:
    measured = [r for r in results if r.contender == contender and r.status == "ok"]
    not_ok = [r.scenario for r in results if r.contender == contender and r.status != "ok"]
    suffix = f" ({', '.join(not_ok)} not measured)" if not_ok else ""
    if measured:
        worst = max(measured, key=lambda r: r.latency_ms.get("p99", math.inf))
        p99 = worst.latency_ms.get("p99", math.inf)
        yield TargetVerdict(
            "p99 latency everywhere",
            contender,
            f"< {P99_LIMIT_MS:g} ms",
            f"worst {p99:.1f} ms ({worst.scenario}){suffix}",
            _verdict(p99 < P99_LIMIT_MS),
        )
        errors = sum(r.errors for r in measured)
        failing = ", ".join(f"{r.scenario}: {r.errors}" for r in measured if r.errors)
        yield TargetVerdict(
            "zero errors",
            contender,
            "0 socket errors or unexpected statuses",
            f"{errors} errors{f' ({failing})' if failing else ''}{suffix}",
            _verdict(errors == 0 and not not_ok),
        )
        peak = max((r.peak_rss_mb or 0.0) for r in measured)
        yield TargetVerdict(
            "RSS on our spec",
            contender,
            f"< {RSS_LIMIT_MB:g} MB peak",
            f"{peak:.0f} MB peak",
            _verdict(peak < RSS_LIMIT_MB),
        )
    else:
        for name in ("p99 latency everywhere", "zero errors", "RSS on our spec"):
            yield TargetVerdict(name, contender, "", "not measured", "N/A")


def _startup_targets(startup: list[StartupResult], contender: str) -> Iterator[TargetVerdict]:
    points = sorted(
        (s.operations, s.ready_s)
        for s in startup
        if s.contender == contender and s.status == "ok" and s.ready_s
    )
    if len(points) >= 2:
        (n1, t1), (n2, t2) = points[-2], points[-1]
        exponent = math.log(t2 / t1) / math.log(n2 / n1)
        yield TargetVerdict(
            "start-up grows at most linearly",
            contender,
            f"time ~ ops^k with k <= {MAX_GROWTH_EXPONENT:g} ({n1}->{n2} ops)",
            f"k = {exponent:.2f} ({t1:.2f} s -> {t2:.2f} s)",
            _verdict(exponent <= MAX_GROWTH_EXPONENT),
        )
    else:
        yield TargetVerdict("start-up grows at most linearly", contender, "", "not measured", "N/A")
    at_1000 = dict(points).get(1000)
    yield TargetVerdict(
        "1,000 operations ready",
        contender,
        f"< {READY_1000_LIMIT_S:g} s",
        "not measured" if at_1000 is None else f"{at_1000:.2f} s",
        _verdict(None if at_1000 is None else at_1000 < READY_1000_LIMIT_S),
    )


def evaluate_targets(
    ours: list[str],
    results: list[ScenarioResult],
    ratios: list[Ratio],
    startup: list[StartupResult],
) -> list[TargetVerdict]:
    """Every target for each of our contenders."""
    verdicts: list[TargetVerdict] = []
    for contender in ours:
        verdicts += [
            _ratio_target(ratios, contender, "get-auth", "vs_prism", 5, "GET with auth vs Prism"),
            _ratio_target(
                ratios, contender, "get-auth", "vs_ceiling", 0.5, "GET with auth vs ceiling"
            ),
            _ratio_target(ratios, contender, "post-valid", "vs_prism", 4, "valid POST vs Prism"),
        ]
        verdicts += _scenario_targets(results, contender)
        if contender == ours[0]:  # start-up is measured for the default contender only
            verdicts += _startup_targets(startup, contender)
    return verdicts
