"""One benchmark run: contenders x scenarios under wrk, start-up, tool timings, profiles."""

from __future__ import annotations

import shutil
import statistics
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.checks import NOT_AVAILABLE, CheckResult, timed_run
from bench.contenders import (
    Contender,
    SetupContext,
    ceiling_contender,
    mockserver_contenders,
    mockserver_supports,
    prism_contender,
    spec_base_path,
    static_context,
)
from bench.errors import BenchError, ToolMissing
from bench.machine import load_average, machine_info
from bench.memory import RssSampler
from bench.profile import hot_spots, layer_shares, start_py_spy
from bench.proxy import ProxyBench, measure_proxy, proxy_not_run
from bench.realworld import RealWorld, measure_realworld, not_run
from bench.results import (
    SCHEMA_VERSION,
    ContenderInfo,
    ProfileResult,
    Ratio,
    Results,
    ScenarioResult,
)
from bench.scenarios import SCENARIOS, Scenario
from bench.server import Server, free_port
from bench.startup import StartupResult, measure_startup
from bench.targets import evaluate_targets
from bench.tools import (
    NODE_MISSING,
    PY_SPY_MISSING,
    WRK_MISSING,
    PrismInstall,
    command_version,
    ensure_prism,
    find_py_spy,
    find_wrk,
    venv_script,
)
from bench.wrk import WrkResult, run_wrk, wrk_command

__all__ = ["Options", "run"]

PROFILED_SCENARIOS = ("get-auth", "post-valid", "post-invalid")
MAX_TURNS = 5  # a contender's load in one scenario comes in up to this many interleaved slices
BUSY_LOAD = 0.7  # 1-minute load average above which the machine is doing other work


@dataclass(frozen=True)
class Options:
    """What to run; `bench.__main__` validates these at the command line."""

    spec: Path
    root: Path  # working directory of every command (the checkout)
    out_dir: Path
    duration: float = 10.0
    warmup: float = 2.0
    connections: int = 32
    threads: int = 2
    mode: str = "full"
    prism: bool = True
    startup_sizes: tuple[int, ...] = (10, 100, 1000, 5000)
    prism_startup_sizes: tuple[int, ...] = (10, 100, 1000)
    startup_repeats: int = 3
    heavy_specs: bool = False  # synthetic operations dressed as published ones (~1.9 KB each)
    realworld: bool = True  # start-up on GitHub's REST description, ours and Prism
    realworld_timeout: float = 120.0
    proxy: bool = True  # mockserver proxy and prism proxy in front of the same upstream
    schemathesis: bool = True
    schemathesis_examples: int = 10
    profile: bool = False
    scenarios: tuple[str, ...] = field(default_factory=lambda: tuple(s.id for s in SCENARIOS))
    only: tuple[str, ...] = ()  # the parts --only asked for, to say why the others did not run

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache"


Log = Callable[[str], None]


@dataclass
class _Run:
    """State shared by the phases of one run."""

    options: Options
    log: Log
    work: Path
    static: SetupContext
    wrk: str | None
    notes: list[str] = field(default_factory=list)

    def server(self, contender: Contender, name: str, *, spec: Path | None = None) -> Server:
        port = free_port()
        return Server(
            contender.command(spec or self.options.spec, port),
            name=contender.label,
            port=port,
            ready_path=contender.base_path + contender.ready_path,
            headers={"Authorization": f"Bearer {self.static.token}"},
            log_path=self.work / "logs" / f"{contender.id}-{name}.log",
            cwd=self.options.root,
        )


def _wrk_args(
    run: _Run, contender: Contender, scenario: Scenario, port: int, context: SetupContext
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


def _measure_scenario(
    run: _Run, contenders: list[Contender], scenario: Scenario
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
                argv = _wrk_args(run, contender, scenario, server.port, context)
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


def _try_start(run: _Run, contender: Contender) -> str | None:
    try:
        with run.server(contender, "probe"):
            return None
    except BenchError as exc:
        return str(exc)


def _install_prism(run: _Run, major: int) -> PrismInstall:
    folder = "prism" if major == 5 else f"prism{major}"
    install = ensure_prism(run.options.cache_dir / folder, major=major)
    if install.fetched:
        note = (
            f"Prism {install.version} was fetched with npm into .cache/{folder} "
            f"(npm install --prefix .cache/{folder} @stoplight/prism-cli@{major})"
        )
        run.notes.append(note)
        run.log(f"note: {note}")
    return install


def _prepare_prism(run: _Run) -> tuple[Contender | None, ContenderInfo]:
    """Prism 5 when it installs and starts, else the latest 4.x, clearly labelled."""
    skipped = ContenderInfo("prism", "Prism", "prism", "skipped")
    if shutil.which("npm") is None or shutil.which("node") is None:
        skipped.reason = NODE_MISSING
        return None, skipped
    problems: list[str] = []
    for major in (5, 4):
        try:
            install = _install_prism(run, major)
        except ToolMissing as exc:
            problems.append(f"Prism {major}: {exc}")
            continue
        suffix = "" if major == 5 else " (FALLBACK: Prism 5 did not install or start)"
        contender = prism_contender(install, note=suffix)
        problem = _try_start(run, contender)
        if problem is None:
            if problems:
                run.notes.append("Prism 5 failed, measured Prism 4 instead: " + problems[0])
            info = ContenderInfo(
                contender.id, contender.label, "prism", "ok", install.version,
                contender.command(run.options.spec, 0),
            )  # fmt: skip
            return contender, info
        problems.append(f"Prism {install.version} did not start: {problem}")
    skipped.reason = "; ".join(problems)
    return None, skipped


def _ratios(ours: list[Contender], results: list[ScenarioResult]) -> list[Ratio]:
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
                    round(mine / prism, 2) if mine and prism else None,
                    round(mine / ceiling, 3) if mine and ceiling else None,
                )
            )
    return ratios


def _not_run(options: Options, switch: str) -> str:
    """Why a part of the run was left out: smoke mode, ``--only``, or its own ``--no-`` switch."""
    if options.mode == "smoke":
        return "not run (smoke mode)"
    if options.only:
        return f"not run (--only {','.join(options.only)})"
    return f"not run ({switch})"


def _schemathesis(run: _Run, contender: Contender) -> CheckResult:
    name = "schemathesis run"
    script = venv_script("schemathesis")
    if not run.options.schemathesis:
        return CheckResult(name, "skipped", summary=_not_run(run.options, "--no-schemathesis"))
    if script is None:
        return CheckResult(
            name, "skipped", summary="schemathesis is not installed (`make install`)"
        )
    try:
        with run.server(contender, "schemathesis") as server:
            # Auth comes from the repository's schemathesis.toml (a throwaway user, logged in
            # again after a 401): a fixed token would die at the fuzzer's first logout-all.
            argv = [
                script, "run", str(run.options.spec), "--url", contender.url(server.port),
                "--max-examples", str(run.options.schemathesis_examples), "--seed", "42",
                "--generation-database", "none", "--no-color",
            ]  # fmt: skip
            run.log(f"  running {' '.join(argv[:6])} ...")
            result = timed_run(name, argv, cwd=run.options.root, timeout=900)
    except BenchError as exc:
        return CheckResult(name, "failed", summary=str(exc))
    run.log(f"  schemathesis: {result.seconds} s, exit {result.exit_code}: {result.summary}")
    return result


def _verify(run: _Run, contender: Contender) -> CheckResult:
    name = "mockserver verify"
    if mockserver_supports("verify") is None:
        return CheckResult(name, "skipped", summary=f"{NOT_AVAILABLE} (`mockserver verify --help`)")
    if not run.options.schemathesis:  # the same switch: the whole-tool timings
        return CheckResult(name, "skipped", summary=_not_run(run.options, "--no-schemathesis"))
    script = venv_script("mockserver") or "mockserver"
    try:
        with run.server(contender, "verify") as server:
            # Every committed pact (contracts/pacts), replayed against a fresh mock, which
            # serves the provider states itself.
            argv = [script, "verify", "--provider-url", f"http://127.0.0.1:{server.port}"]
            run.log(f"  running {' '.join(argv[1:])} ...")
            result = timed_run(name, argv, cwd=run.options.root, timeout=900)
    except BenchError as exc:
        return CheckResult(name, "failed", summary=str(exc))
    run.log(f"  verify: {result.seconds} s, exit {result.exit_code}: {result.summary}")
    return result


def _profile(run: _Run, contender: Contender, scenario: Scenario) -> ProfileResult:
    py_spy = find_py_spy()
    if py_spy is None or run.wrk is None:
        reason = PY_SPY_MISSING if py_spy is None else WRK_MISSING
        return ProfileResult(contender.id, scenario.id, "skipped", reason=reason)
    samples = run.options.out_dir / "profiles" / f"{contender.id}-{scenario.id}.txt"
    duration = run.options.duration
    try:
        with run.server(contender, f"profile-{scenario.id}") as server:
            context = contender.setup(contender.url(server.port), run.static)
            argv = _wrk_args(run, contender, scenario, server.port, context)
            run_wrk(argv(run.options.warmup or 1), duration=run.options.warmup or 1)
            recorder = start_py_spy(py_spy, server.pid, duration=duration, out=samples)
            run_wrk(argv(duration), duration=duration)
            _, stderr = recorder.communicate(timeout=duration + 60)
    except BenchError as exc:
        return ProfileResult(contender.id, scenario.id, "failed", reason=str(exc))
    if recorder.returncode != 0 or not samples.is_file():
        reason = f"py-spy exited {recorder.returncode}: {stderr.decode(errors='replace')[-300:]}"
        return ProfileResult(contender.id, scenario.id, "failed", reason=reason)
    raw = samples.read_text(encoding="utf-8")
    spots = hot_spots(raw)
    run.log(f"  profile {scenario.id}: top {spots[0].where if spots else '-'}")
    return ProfileResult(
        contender.id, scenario.id, "ok", str(samples), "", layer_shares(raw), spots
    )


def _realworld(run: _Run, ours: Contender, prism: Contender | None) -> RealWorld:
    """Ours and Prism started on GitHub's REST description, or why not."""
    options = run.options
    if not options.realworld:
        return not_run(_not_run(options, "--no-realworld"))
    run.log("start-up on a real-world document:")
    result = measure_realworld(
        ours,
        prism,
        cache=options.cache_dir / "npm",
        repeats=options.startup_repeats,
        work=run.work,
        cwd=options.root,
        log=run.log,
        timeout=options.realworld_timeout,
    )
    if result.fetched_with:
        note = f"{result.source} was fetched with npm (`{result.fetched_with}`)"
        run.notes.append(note)
        run.log(f"note: {note}")
    if prism is None and result.status == "ok":
        why = "--no-prism" if not options.prism else "Prism is not available (see its contender)"
        run.notes.append(f"{result.name}: ours only, {why}")
    return result


def _proxy(run: _Run, prism: Contender | None) -> ProxyBench:
    """Our proxy and Prism's over the same upstream, or why not."""
    options = run.options
    if not options.proxy:
        return proxy_not_run(_not_run(options, "--no-proxy"))
    if run.wrk is None:
        return ProxyBench("failed", WRK_MISSING)
    run.log("proxy: mockserver proxy and prism proxy over the same upstream:")
    result = measure_proxy(
        spec=options.spec,
        base_path=spec_base_path(options.spec),
        wrk=run.wrk,
        prism=prism,
        context=run.static,
        duration=options.duration,
        connections=options.connections,
        threads=options.threads,
        work=run.work,
        cwd=options.root,
        log=run.log,
    )
    if prism is None and result.status == "ok":
        why = (
            "smoke mode"
            if options.mode == "smoke"
            else "--no-prism"
            if not options.prism
            else "Prism is not available (see its contender)"
        )
        run.notes.append(f"proxy: ours only, {why}")
    return result


def _contender_info(contender: Contender, spec: Path) -> ContenderInfo:
    return ContenderInfo(
        contender.id,
        contender.label,
        contender.kind,
        "ok",
        contender.version,
        contender.command(spec, 0),
    )


def run(options: Options, *, log: Log) -> Results:
    """Measure everything ``options`` asks for; never asserts a target."""
    started = datetime.now(UTC)
    machine = machine_info()
    wrk = find_wrk()
    wrk_version = command_version([wrk, "--version"]) if wrk else None
    machine["wrk"] = wrk_version.split(" [", 1)[0] if wrk_version else None
    machine["node"] = command_version(["node", "--version"]) if shutil.which("node") else None
    machine["load_average_start"] = load_average()
    if wrk is None and options.scenarios:
        log(f"MISSING: {WRK_MISSING}")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        run_ = _Run(options, log, Path(tmp), static_context(options.spec), wrk)
        ours = mockserver_contenders(options.spec, version=str(machine["mockserver"]))
        if len(ours) == 1:
            run_.notes.append(
                "`mockserver serve --help` offers no --stateless yet: only the default mock "
                "(stateless today) is measured; the stateful/stateless pair runs once it exists"
            )
        contenders = list(ours)
        infos = [_contender_info(c, options.spec) for c in ours]
        prism: Contender | None = None
        if options.prism:
            log("preparing Prism ...")
            prism, prism_info = _prepare_prism(run_)
            infos.append(prism_info)
            if prism is None:
                log(f"SKIPPED: Prism: {prism_info.reason}")
            else:
                contenders.append(prism)
                machine["prism"] = prism.version
        scenarios = [s for s in SCENARIOS if s.id in options.scenarios]
        if scenarios:  # the ceiling is a contender under load only
            ceiling = ceiling_contender(options.spec, version=str(machine["starlette"]))
            contenders.append(ceiling)
            infos.append(_contender_info(ceiling, options.spec))
            log(f"load: {len(contenders)} contenders x {len(scenarios)} scenarios")
        # Scenario by scenario, the contenders' load interleaved: background load that drifts
        # during a run then skews the contenders of one scenario alike, and the ratios stay
        # comparable.
        results = [r for s in scenarios for r in _measure_scenario(run_, contenders, s)]
        ratios = _ratios(ours, results)

        startup: list[StartupResult] = []
        if options.startup_sizes:
            log("start-up against spec size:")
            plan: list[tuple[Contender, tuple[int, ...]]] = [(ours[0], options.startup_sizes)]
            if prism is not None and options.prism_startup_sizes:
                plan.append((prism, options.prism_startup_sizes))
            startup = measure_startup(
                plan,
                token=run_.static.token,
                repeats=options.startup_repeats,
                work=run_.work,
                cwd=options.root,
                log=log,
                heavy=options.heavy_specs,
            )
        realworld = _realworld(run_, ours[0], prism)
        proxy = _proxy(run_, prism)
        if options.schemathesis:
            log("tools:")
        schemathesis = _schemathesis(run_, ours[0])
        verify = _verify(run_, ours[0])
        profiles = []
        if options.profile:
            log("profiling with py-spy:")
            profiled = [s for s in SCENARIOS if s.id in PROFILED_SCENARIOS]
            profiles = [_profile(run_, c, s) for c in ours for s in profiled]
    start_load = machine["load_average_start"]
    if isinstance(start_load, float) and start_load > BUSY_LOAD:  # the run itself loads it later
        run_.notes.append(
            f"the machine was busy with other work when the run started (1-minute load average "
            f"{start_load:.2f} on {machine['cores']} cores): figures are lower and noisier"
        )
    targets = evaluate_targets([c.id for c in ours], results, ratios, startup, realworld, proxy)
    return Results(
        schema_version=SCHEMA_VERSION,
        mode=options.mode,
        started_at=started.isoformat(timespec="seconds"),
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings={
            "spec": str(options.spec),
            "duration_s": options.duration,
            "warmup_s": options.warmup,
            "connections": options.connections,
            "threads": options.threads,
            "server_workers": 1,
            "startup_sizes": list(options.startup_sizes),
            "startup_repeats": options.startup_repeats,
            "heavy_specs": options.heavy_specs,
            "only": list(options.only),
        },
        machine=machine,
        notes=run_.notes,
        contenders=infos,
        scenarios=[
            {"id": s.id, "label": s.label, "method": s.method, "expected_status": list(s.expect)}
            for s in scenarios
        ],
        results=results,
        ratios=ratios,
        startup=startup,
        realworld=realworld,
        schemathesis=schemathesis,
        verify=verify,
        profiles=profiles,
        targets=targets,
        proxy=proxy,
    )
