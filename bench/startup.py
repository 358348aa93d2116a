"""Start-up time and resident memory against spec size (synthetic specs of N operations)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.contenders import Contender
from bench.errors import BenchError
from bench.memory import tree_rss_bytes
from bench.server import Server, free_port
from bench.specgen import PROBE_PATH, write_spec

__all__ = ["StartupResult", "measure_startup"]


@dataclass(frozen=True)
class StartupResult:
    """Median over ``repeats`` starts of one contender on one synthetic spec."""

    contender: str
    operations: int
    status: str  # "ok" or "failed"
    ready_s: float | None = None  # process spawn -> first 2xx
    rss_mb: float | None = None  # resident set right after that response
    repeats: int = 0
    reason: str = ""


def _start_once(
    contender: Contender, spec: Path, *, token: str, work: Path, cwd: Path
) -> tuple[float, float]:
    port = free_port()
    server = Server(
        contender.command(spec, port),
        name=f"{contender.id} on {spec.name}",
        port=port,
        ready_path=contender.base_path + PROBE_PATH,
        headers={"Authorization": f"Bearer {token}"},
        log_path=work / "logs" / f"startup-{contender.id}-{spec.stem}.log",
        cwd=cwd,
        timeout=180,
    )
    with server:
        return server.ready_seconds, tree_rss_bytes(server.pid) / 2**20


def measure_startup(
    contenders: Sequence[tuple[Contender, Sequence[int]]],
    *,
    token: str,
    repeats: int,
    work: Path,
    cwd: Path,
    log: Callable[[str], None],
) -> list[StartupResult]:
    """Start each contender ``repeats`` times on each of its spec sizes."""
    results: list[StartupResult] = []
    specs: dict[int, Path] = {}
    for contender, sizes in contenders:
        for size in sizes:
            spec = specs.get(size) or write_spec(size, work / "specs")
            specs[size] = spec
            times: list[float] = []
            rss: list[float] = []
            try:
                for _ in range(repeats):
                    ready, resident = _start_once(contender, spec, token=token, work=work, cwd=cwd)
                    times.append(ready)
                    rss.append(resident)
            except BenchError as exc:
                log(f"  start-up {contender.id} {size} ops: FAILED: {exc}")
                results.append(StartupResult(contender.id, size, "failed", reason=str(exc)))
                continue
            result = StartupResult(
                contender.id,
                size,
                "ok",
                ready_s=round(statistics.median(times), 3),
                rss_mb=round(statistics.median(rss), 1),
                repeats=repeats,
            )
            log(
                f"  start-up {contender.id:<22} {size:>5} ops: ready in {result.ready_s:.2f} s, "
                f"{result.rss_mb:.0f} MB RSS"
            )
            results.append(result)
    return results
