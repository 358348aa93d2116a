"""The proxy part: ``mockserver proxy`` and ``prism proxy`` in front of the same upstream.

The upstream is ``mockserver serve SPEC --stateless`` (fast, and every answer it gives is valid
against the spec, so both proxies do their full validation work on each exchange). Three
targets of one request (GET one project with a bearer token): the upstream directly, our
proxy, Prism's proxy. Each gets its load at ``connections`` in up to five slices interleaved
with the others' (throughput over all slices, the median slice's p50/p99), each slice after one
at one connection for the same time, a second of quiet before it: the *added* latency is a
proxy's p50/p99 there over the upstream's, where queueing does not hide it. Targets (reported,
not asserted): at least 3x Prism's proxy throughput, p99 added latency under 5 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.contenders import Contender, SetupContext
from bench.errors import BenchError
from bench.scenarios import SCENARIOS
from bench.server import Server, free_port
from bench.wrk import WrkResult, run_wrk, wrk_command

__all__ = ["ProxyBench", "ProxyRow", "measure_proxy", "proxy_not_run"]

SCENARIO = "get-auth"
MAX_TURNS = 5
SETTLE_S = 1.0  # quiet before each one-connection slice


@dataclass
class ProxyRow:
    """One target of the proxy part: the upstream itself, or a proxy in front of it."""

    id: str  # "upstream", "mockserver-proxy" or "prism-proxy"
    label: str
    status: str = "ok"  # "ok" or "failed"
    requests_per_s: float = 0.0
    p50_ms: float = 0.0  # under load
    p99_ms: float = 0.0
    idle_p50_ms: float = 0.0  # one connection
    idle_p99_ms: float = 0.0
    added_p50_ms: float | None = None  # idle, over the upstream's
    added_p99_ms: float | None = None
    errors: int = 0
    reason: str = ""


@dataclass
class ProxyBench:
    """The proxy part of a run, or why it did not run."""

    status: str  # "ok", "not run" or "failed"
    reason: str = ""
    upstream: str = ""
    scenario: str = SCENARIO
    rows: list[ProxyRow] = field(default_factory=list)
    vs_prism: float | None = None  # our proxy's throughput / Prism's


def proxy_not_run(reason: str) -> ProxyBench:
    """The part, left out of this run."""
    return ProxyBench("not run", reason)


Log = Callable[[str], None]


def _mockserver() -> list[str]:
    # ``python -m`` from the checkout (the servers' cwd): the code of this working tree.
    return [sys.executable, "-m", "mockserver"]


def measure_proxy(
    *,
    spec: Path,
    base_path: str,
    wrk: str,
    prism: Contender | None,
    context: SetupContext,
    duration: float,
    connections: int,
    threads: int,
    work: Path,
    cwd: Path,
    log: Log,
) -> ProxyBench:
    """Throughput and added latency of both proxies over the same upstream."""
    scenario = next(s for s in SCENARIOS if s.id == SCENARIO)
    request = scenario.prepare(context)
    ports = {"upstream": free_port(), "mockserver-proxy": free_port(), "prism-proxy": free_port()}
    upstream_url = f"http://127.0.0.1:{ports['upstream']}{base_path}"
    commands: dict[str, tuple[str, list[str], str]] = {
        "upstream": (
            "upstream: mockserver serve --stateless",
            [*_mockserver(), "serve", str(spec), "--stateless",
             "--port", str(ports["upstream"])],
            base_path,
        ),
        "mockserver-proxy": (
            "mockserver proxy",
            [*_mockserver(), "proxy", str(spec), "--upstream", upstream_url,
             "--port", str(ports["mockserver-proxy"])],
            base_path,
        ),
    }  # fmt: skip
    if prism is not None:
        executable = prism.command(spec, 0)[0]
        commands["prism-proxy"] = (
            f"prism proxy ({prism.label})",
            [executable, "proxy", str(spec), upstream_url, "-p", str(ports["prism-proxy"]),
             "-h", "127.0.0.1", "--verboseLevel", "error"],
            "",  # Prism serves the paths at the root and appends them to the upstream URL
        )  # fmt: skip
    rows = {key: ProxyRow(key, label) for key, (label, _, _) in commands.items()}
    servers: list[Server] = []
    try:
        for key, (label, command, base) in commands.items():
            server = Server(
                command, name=label, port=ports[key], ready_path=base + "/health",
                headers={}, log_path=work / "logs" / f"proxy-{key}.log", cwd=cwd,
            )  # fmt: skip
            try:
                server.start()
            except BenchError as exc:
                if key == "upstream":
                    return ProxyBench("failed", f"the upstream did not start: {exc}")
                rows[key].status, rows[key].reason = "failed", str(exc).splitlines()[0]
                log(f"  {label}: FAILED to start: {rows[key].reason}")
                continue
            servers.append(server)
        running = [key for key in commands if rows[key].status == "ok"]

        def argv(key: str, seconds: float, conns: int, thr: int) -> list[str]:
            url = f"http://127.0.0.1:{ports[key]}{commands[key][2]}{request.path}"
            return wrk_command(
                wrk, url, method=request.method, headers=request.headers, body_file=None,
                expect=scenario.expect, duration=seconds, connections=conns, threads=thr,
            )  # fmt: skip

        turns = max(1, min(MAX_TURNS, int(duration)))
        seconds = max(1.0, round(duration / turns))
        loaded: dict[str, list[WrkResult]] = {key: [] for key in running}
        idle: dict[str, list[WrkResult]] = {key: [] for key in running}
        for turn in range(turns):
            order = running[turn % len(running) :] + running[: turn % len(running)]
            for key in order:
                if rows[key].status != "ok":
                    continue
                try:
                    # One connection first, once what the previous slice left has drained (a
                    # loaded server still answers its backlog for a moment after wrk stops).
                    time.sleep(SETTLE_S)
                    idle[key].append(run_wrk(argv(key, seconds, 1, 1), duration=seconds))
                    loaded[key].append(
                        run_wrk(argv(key, seconds, connections, threads), duration=seconds)
                    )
                except BenchError as exc:
                    rows[key].status, rows[key].reason = "failed", str(exc).splitlines()[0]
        for key in running:
            row = rows[key]
            if row.status != "ok" or not loaded[key]:
                continue
            requests = sum(r.requests for r in loaded[key])
            spent = sum(r.duration_s for r in loaded[key])
            row.requests_per_s = round(requests / spent, 1) if spent else 0.0
            row.p50_ms = statistics.median(r.latency_ms["p50"] for r in loaded[key])
            row.p99_ms = statistics.median(r.latency_ms["p99"] for r in loaded[key])
            row.idle_p50_ms = statistics.median(r.latency_ms["p50"] for r in idle[key])
            row.idle_p99_ms = statistics.median(r.latency_ms["p99"] for r in idle[key])
            row.errors = sum(r.errors for r in loaded[key] + idle[key])
            log(f"  {row.label}: {row.requests_per_s:,.0f} req/s, p99 {row.p99_ms:.2f} ms; one "
                f"connection p50 {row.idle_p50_ms:.2f} / p99 {row.idle_p99_ms:.2f} ms")  # fmt: skip
    finally:
        for server in servers:
            server.stop()
    base_row = rows["upstream"]
    for key in ("mockserver-proxy", "prism-proxy"):
        through = rows.get(key)
        if through is not None and through.status == "ok" and base_row.status == "ok":
            through.added_p50_ms = round(through.idle_p50_ms - base_row.idle_p50_ms, 3)
            through.added_p99_ms = round(through.idle_p99_ms - base_row.idle_p99_ms, 3)
    ours, theirs = rows["mockserver-proxy"], rows.get("prism-proxy")
    vs_prism = None
    if theirs is not None and ours.status == theirs.status == "ok" and theirs.requests_per_s:
        vs_prism = round(ours.requests_per_s / theirs.requests_per_s, 2)
    return ProxyBench(
        "ok", upstream=commands["upstream"][0], rows=list(rows.values()), vs_prism=vs_prism
    )
