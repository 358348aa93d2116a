"""Start-up time and resident memory against spec size (synthetic specs of N operations)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.contenders import Contender
from bench.errors import BenchError, ServerTimedOut
from bench.memory import tree_rss_bytes
from bench.server import Server, free_port
from bench.specgen import PROBE_PATH, write_spec

__all__ = ["StartupResult", "failed_start", "measure_startup", "start_once", "summarize_starts"]

STARTUP_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class StartupResult:
    """Median over ``repeats`` starts of one contender on one spec."""

    contender: str
    operations: int
    status: str  # "ok", "failed" (exited or refused) or "timeout" (no 2xx within the time-out)
    ready_s: float | None = None  # process spawn -> first 2xx
    rss_mb: float | None = None  # resident set right after that response
    repeats: int = 0
    reason: str = ""
    spec_mb: float | None = None  # size of the document on disk
    ready_each_s: tuple[float, ...] = ()  # every start, in the order measured


def start_once(
    contender: Contender,
    spec: Path,
    *,
    probe_path: str,
    headers: Mapping[str, str],
    log_path: Path,
    cwd: Path,
    timeout: float = STARTUP_TIMEOUT_S,
) -> tuple[float, float]:
    """Spawn ``contender`` on ``spec``; (seconds to its first 2xx, tree RSS in MB right then)."""
    port = free_port()
    server = Server(
        contender.command(spec, port),
        name=f"{contender.id} on {spec.name}",
        port=port,
        ready_path=contender.base_path + probe_path,
        headers=headers,
        log_path=log_path,
        cwd=cwd,
        timeout=timeout,
    )
    with server:
        return server.ready_seconds, tree_rss_bytes(server.pid) / 2**20


def summarize_starts(
    contender: str, operations: int, times: Sequence[float], rss: Sequence[float], *, spec_mb: float
) -> StartupResult:
    """The medians of a contender's successful starts."""
    return StartupResult(
        contender,
        operations,
        "ok",
        ready_s=round(statistics.median(times), 3),
        rss_mb=round(statistics.median(rss), 1),
        repeats=len(times),
        spec_mb=spec_mb,
        ready_each_s=tuple(round(t, 3) for t in times),
    )


def failed_start(
    contender: str, operations: int, error: BenchError, *, spec_mb: float
) -> StartupResult:
    """A contender that did not start: "timeout" when it was alive but silent, else "failed"."""
    status = "timeout" if isinstance(error, ServerTimedOut) else "failed"
    return StartupResult(contender, operations, status, reason=str(error), spec_mb=spec_mb)


def _megabytes(path: Path) -> float:
    return round(path.stat().st_size / 2**20, 2)


def measure_startup(
    contenders: Sequence[tuple[Contender, Sequence[int]]],
    *,
    token: str,
    repeats: int,
    work: Path,
    cwd: Path,
    log: Callable[[str], None],
    heavy: bool = False,
) -> list[StartupResult]:
    """Start each contender ``repeats`` times on each of its spec sizes."""
    results: list[StartupResult] = []
    specs: dict[int, Path] = {}
    headers = {"Authorization": f"Bearer {token}"}
    for contender, sizes in contenders:
        for size in sizes:
            spec = specs.get(size) or write_spec(size, work / "specs", heavy=heavy)
            specs[size] = spec
            spec_mb = _megabytes(spec)
            times: list[float] = []
            rss: list[float] = []
            try:
                for _ in range(repeats):
                    ready, resident = start_once(
                        contender,
                        spec,
                        probe_path=PROBE_PATH,
                        headers=headers,
                        log_path=work / "logs" / f"startup-{contender.id}-{spec.stem}.log",
                        cwd=cwd,
                    )
                    times.append(ready)
                    rss.append(resident)
            except BenchError as exc:
                log(f"  start-up {contender.id} {size} ops: FAILED: {exc}")
                results.append(failed_start(contender.id, size, exc, spec_mb=spec_mb))
                continue
            result = summarize_starts(contender.id, size, times, rss, spec_mb=spec_mb)
            log(
                f"  start-up {contender.id:<22} {size:>5} ops ({spec_mb:.1f} MB): ready in "
                f"{result.ready_s:.2f} s, {result.rss_mb:.0f} MB RSS"
            )
            results.append(result)
    return results
