"""One benchmark run: contenders x scenarios under wrk, start-up, tool timings, profiles.

`run` goes through the phases in order: the load (`bench.load`), then start-up, the real-world
document, the proxy, the tool timings and the profiles (`bench.phases`).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.contenders import (
    Contender,
    ceiling_contender,
    mockserver_contenders,
    static_context,
)
from bench.context import Log, Options, RunContext
from bench.load import measure_scenario, ratios_of
from bench.machine import load_average, machine_info
from bench.phases import (
    contender_info,
    prepare_prism,
    run_profile,
    run_proxy,
    run_realworld,
    run_schemathesis,
    run_verify,
)
from bench.results import SCHEMA_VERSION, Results
from bench.scenarios import SCENARIOS
from bench.startup import StartupResult, measure_startup
from bench.targets import evaluate_targets
from bench.tools import WRK_MISSING, command_version, find_wrk

__all__ = ["Options", "run"]

PROFILED_SCENARIOS = ("get-auth", "post-valid", "post-invalid")
BUSY_LOAD = 0.7  # 1-minute load average above which the machine is doing other work


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
        run_ = RunContext(options, log, Path(tmp), static_context(options.spec), wrk)
        ours = mockserver_contenders(options.spec, version=str(machine["mockserver"]))
        if len(ours) == 1:
            run_.notes.append(
                "`mockserver serve --help` offers no --stateless yet: only the default mock "
                "(stateless today) is measured; the stateful/stateless pair runs once it exists"
            )
        contenders = list(ours)
        infos = [contender_info(c, options.spec) for c in ours]
        prism: Contender | None = None
        if options.prism:
            log("preparing Prism ...")
            prism, prism_info = prepare_prism(run_)
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
            infos.append(contender_info(ceiling, options.spec))
            log(f"load: {len(contenders)} contenders x {len(scenarios)} scenarios")
        # Scenario by scenario, the contenders' load interleaved: background load that drifts
        # during a run then skews the contenders of one scenario alike, and the ratios stay
        # comparable.
        results = [r for s in scenarios for r in measure_scenario(run_, contenders, s)]
        ratios = ratios_of(ours, results)

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
        realworld = run_realworld(run_, ours[0], prism)
        proxy = run_proxy(run_, prism)
        if options.schemathesis:
            log("tools:")
        schemathesis = run_schemathesis(run_, ours[0])
        verify = run_verify(run_, ours[0])
        profiles = []
        if options.profile:
            log("profiling with py-spy:")
            profiled = [s for s in SCENARIOS if s.id in PROFILED_SCENARIOS]
            profiles = [run_profile(run_, c, s) for c in ours for s in profiled]
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
