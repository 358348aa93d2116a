"""The parts of a run besides the load: Prism made ready, the whole-tool timings
(schemathesis run, mockserver verify), py-spy profiles, start-up on a real-world document
and the proxy."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.checks import NOT_AVAILABLE, CheckResult, timed_run
from bench.contenders import Contender, mockserver_supports, prism_contender, spec_base_path
from bench.context import RunContext, skip_reason
from bench.errors import BenchError, ToolMissing
from bench.load import wrk_args
from bench.profile import hot_spots, layer_shares, start_py_spy
from bench.proxy import ProxyBench, measure_proxy, proxy_not_run
from bench.realworld import RealWorld, measure_realworld, not_run
from bench.results import ContenderInfo, ProfileResult
from bench.scenarios import Scenario
from bench.tools import (
    NODE_MISSING,
    PY_SPY_MISSING,
    WRK_MISSING,
    PrismInstall,
    ensure_prism,
    find_py_spy,
    venv_script,
)
from bench.wrk import run_wrk

__all__ = [
    "contender_info",
    "prepare_prism",
    "run_profile",
    "run_proxy",
    "run_realworld",
    "run_schemathesis",
    "run_verify",
]


def _try_start(run: RunContext, contender: Contender) -> str | None:
    try:
        with run.server(contender, "probe"):
            return None
    except BenchError as exc:
        return str(exc)


def _install_prism(run: RunContext, major: int) -> PrismInstall:
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


def contender_info(contender: Contender, spec: Path) -> ContenderInfo:
    """What the results say of a contender that is measured: its name, version and command."""
    return ContenderInfo(
        contender.id,
        contender.label,
        contender.kind,
        "ok",
        contender.version,
        contender.command(spec, 0),
    )


def prepare_prism(run: RunContext) -> tuple[Contender | None, ContenderInfo]:
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
            return contender, contender_info(contender, run.options.spec)
        problems.append(f"Prism {install.version} did not start: {problem}")
    skipped.reason = "; ".join(problems)
    return None, skipped


def run_schemathesis(run: RunContext, contender: Contender) -> CheckResult:
    name = "schemathesis run"
    script = venv_script("schemathesis")
    if not run.options.schemathesis:
        return CheckResult(name, "skipped", summary=skip_reason(run.options, "--no-schemathesis"))
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


def run_verify(run: RunContext, contender: Contender) -> CheckResult:
    name = "mockserver verify"
    if mockserver_supports("verify") is None:
        return CheckResult(name, "skipped", summary=f"{NOT_AVAILABLE} (`mockserver verify --help`)")
    if not run.options.schemathesis:  # the same switch: the whole-tool timings
        return CheckResult(name, "skipped", summary=skip_reason(run.options, "--no-schemathesis"))
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


def run_profile(run: RunContext, contender: Contender, scenario: Scenario) -> ProfileResult:
    py_spy = find_py_spy()
    if py_spy is None or run.wrk is None:
        reason = PY_SPY_MISSING if py_spy is None else WRK_MISSING
        return ProfileResult(contender.id, scenario.id, "skipped", reason=reason)
    samples = run.options.out_dir / "profiles" / f"{contender.id}-{scenario.id}.txt"
    duration = run.options.duration
    try:
        with run.server(contender, f"profile-{scenario.id}") as server:
            context = contender.setup(contender.url(server.port), run.static)
            argv = wrk_args(run, contender, scenario, server.port, context)
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


def run_realworld(run: RunContext, ours: Contender, prism: Contender | None) -> RealWorld:
    """Ours and Prism started on GitHub's REST description, or why not."""
    options = run.options
    if not options.realworld:
        return not_run(skip_reason(options, "--no-realworld"))
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


def run_proxy(run: RunContext, prism: Contender | None) -> ProxyBench:
    """Our proxy and Prism's over the same upstream, or why not."""
    options = run.options
    if not options.proxy:
        return proxy_not_run(skip_reason(options, "--no-proxy"))
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
