"""The load phase: every contender under one scenario in interleaved turns of wrk, and the
ratios of ours to Prism and to the ceiling."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from bench.contenders import Contender, SetupContext
from bench.context import RunContext
from bench.errors import BenchError
from bench.memory import RssSampler
from bench.results import Ratio, ScenarioResult
from bench.scenarios import Scenario
from bench.server import Server
from bench.tools import WRK_MISSING
from bench.wrk import WrkResult, run_wrk, wrk_command

__all__ = ["MAX_TURNS", "measure_scenario", "ratios_of", "wrk_args"]

MAX_TURNS = 5  # a contender's load in one scenario comes in up to this many interleaved slices


def wrk_args(
    run: RunContext, contender: Contender, scenario: Scenario, port: int, context: SetupContext
) -> Callable[[float], list[str]]:
    request = scenario.prepare(context)
    body_file = None
    if request.body is not None:
        body_file = run.work / "bodies" / f"{contender.id}-{scenario.id}.json"
        body_file.parent.mkdir(parents=True, exist_ok=True)
        body_file.write_bytes(request.body)
    expect = (contender.fixed_status,) if contender.fixed_status else scenario.expect
    wrk = run.wrk
    assert wrk is not None, "callers skip every scenario without wrk"

    def argv(duration: float) -> list[str]:
        return wrk_command(
            wrk,
            contender.url(port, request.path),
            method=request.method,
            headers=request.headers,
            body_file=body_file,
            expect=expect,
            duration=duration,
            connections=run.options.connections,
            threads=run.options.threads,
        )

    return argv


@dataclass
class _Turns:
    """One contender's share of a scenario: its server, its wrk command, its slices of load."""

    contender: Contender
    server: Server
    argv: Callable[[float], list[str]]
    rss: RssSampler
    outcomes: list[WrkResult] = field(default_factory=list)
    failure: str = ""


def _slices(duration: float) -> tuple[int, float]:
    """How many turns a contender's load is cut into, and how long each is (wrk: >= 1 s)."""
    turns = max(1, min(MAX_TURNS, int(duration)))
    return turns, max(1.0, round(duration / turns))


def _combine(outcomes: list[WrkResult]) -> WrkResult:
    """One result for a contender's turns: throughput over all of them, percentiles robust."""
    requests = sum(o.requests for o in outcomes)
    duration = sum(o.duration_s for o in outcomes)
    latency: dict[str, float] = {}
    for name in outcomes[0].latency_ms:
        values = [o.latency_ms.get(name, 0.0) for o in outcomes]
        if name == "mean":
            weights = [o.requests for o in outcomes]
            latency[name] = round(sum(v * w for v, w in zip(values, weights, strict=True))
                                  / (sum(weights) or 1), 3)  # fmt: skip
        elif name in ("p50", "p75", "p90", "p99"):
            # The median turn's: one turn hit by another process's burst does not decide it.
            latency[name] = statistics.median(values)
        else:  # p999, max, stdev: the worst turn's, so such bursts still show
            latency[name] = max(values)
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        for code, count in outcome.statuses.items():
            statuses[code] = statuses.get(code, 0) + count
    return WrkResult(
        requests=requests,
        duration_s=duration,
        requests_per_s=requests / duration if duration else 0.0,
        latency_ms=latency,
        socket_errors=sum(o.socket_errors for o in outcomes),
        unexpected_status=sum(o.unexpected_status for o in outcomes),
        statuses=statuses,
    )


def measure_scenario(
    run: RunContext, contenders: list[Contender], scenario: Scenario
) -> list[ScenarioResult]:
    """Every contender under one scenario, their load interleaved in turns.

    All contenders of the scenario are started (and warmed up) first; then each gets its
    load in ``MAX_TURNS`` slices, taking turns (who goes first rotates). Work that other
    processes put on the machine during the scenario then weighs on every contender alike,
    instead of on whichever happened to be measured at that moment.
    """
    expects = {
        c.id: [c.fixed_status] if c.fixed_status else list(scenario.expect) for c in contenders
    }
    if run.wrk is None:
        return [
            ScenarioResult(c.id, scenario.id, "skipped", WRK_MISSING, expects[c.id])
            for c in contenders
        ]
    options = run.options
    failed: dict[str, str] = {}
    with ExitStack() as stack:
        live: list[_Turns] = []
        for contender in contenders:
            try:
                server = stack.enter_context(run.server(contender, scenario.id))
                context = contender.setup(contender.url(server.port), run.static)
                argv = wrk_args(run, contender, scenario, server.port, context)
                if options.warmup > 0:
                    run_wrk(argv(options.warmup), duration=options.warmup)
            except BenchError as exc:
                failed[contender.id] = str(exc)
                continue
            live.append(
                _Turns(contender, server, argv, stack.enter_context(RssSampler(server.pid)))
            )
        turns, seconds = _slices(options.duration)
        for index in range(turns):
            first = index % len(live) if live else 0
            for turn in live[first:] + live[:first]:
                if turn.failure:
                    continue
                try:
                    turn.outcomes.append(run_wrk(turn.argv(seconds), duration=seconds))
                    turn.server.check_alive()
                except BenchError as exc:
                    turn.failure = str(exc)
        for turn in live:
            if turn.failure:
                failed[turn.contender.id] = turn.failure
    results = []
    done = {measured.contender.id: measured for measured in live if not measured.failure}
    for contender in contenders:
        expect = expects[contender.id]
        finished = done.get(contender.id)
        if finished is None:
            reason = failed.get(contender.id, "not measured")
            run.log(f"  {scenario.id:<13} {contender.id:<22} FAILED: {reason}")
            results.append(ScenarioResult(contender.id, scenario.id, "failed", reason, expect))
            continue
        outcome = _combine(finished.outcomes)
        result = ScenarioResult(
            contender=contender.id,
            scenario=scenario.id,
            status="ok",
            expected_status=expect,
            requests=outcome.requests,
            requests_per_s=round(outcome.requests_per_s, 1),
            latency_ms=outcome.latency_ms,
            socket_errors=outcome.socket_errors,
            unexpected_status=outcome.unexpected_status,
            errors=outcome.errors,
            statuses=outcome.statuses,
            peak_rss_mb=round(finished.rss.peak / 2**20, 1),
            ready_s=round(finished.server.ready_seconds, 3),
        )
        run.log(
            f"  {scenario.id:<13} {contender.id:<22} {outcome.requests_per_s:>9,.0f} req/s  "
            f"p50 {outcome.latency_ms['p50']:6.2f} ms  p99 {outcome.latency_ms['p99']:6.2f} ms  "
            f"{outcome.errors} errors  {result.peak_rss_mb:.0f} MB"
        )
        results.append(result)
    return results


def ratios_of(ours: list[Contender], results: list[ScenarioResult]) -> list[Ratio]:
    rps = {(r.contender, r.scenario): r.requests_per_s for r in results if r.status == "ok"}
    ratios = []
    for contender in ours:
        for scenario in {r.scenario: None for r in results}:
            mine = rps.get((contender.id, scenario))
            prism = rps.get(("prism", scenario))
            ceiling = rps.get(("ceiling", scenario))
            ratios.append(
                Ratio(
                    contender.id,
                    scenario,
                    mine / prism if mine and prism else None,
                    mine / ceiling if mine and ceiling else None,
                )
            )
    return ratios
