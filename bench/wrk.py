"""Running wrk with the scenario Lua script and parsing the JSON line its ``done()`` prints."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.errors import BenchError

__all__ = ["LUA_SCRIPT", "WrkResult", "parse_output", "run_wrk", "wrk_command"]

LUA_SCRIPT = Path(__file__).resolve().parent / "lua" / "scenario.lua"
RESULT_MARKER = "BENCH_RESULT "


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, exact percentiles (ms) and every kind of error."""

    requests: int
    duration_s: float
    requests_per_s: float
    latency_ms: dict[str, float]
    socket_errors: int
    unexpected_status: int
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Socket errors plus responses whose status was not the expected one."""
        return self.socket_errors + self.unexpected_status


def wrk_command(
    wrk: str,
    url: str,
    *,
    method: str,
    headers: Mapping[str, str],
    body_file: Path | None,
    expect: Sequence[int],
    duration: float,
    connections: int,
    threads: int,
) -> list[str]:
    """The wrk argv; everything request-specific goes to the Lua script after ``--``."""
    argv = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(duration))}s",
        "--timeout=5s",
        f"--script={LUA_SCRIPT}",
        url,
        "--",
        f"method={method}",
        "expect=" + ",".join(str(code) for code in expect),
    ]
    argv += [f"header={name}: {value}" for name, value in headers.items()]
    if body_file is not None:
        argv.append(f"body={body_file}")
    return argv


def parse_output(text: str) -> WrkResult:
    """Parse the ``BENCH_RESULT {...}`` line of the Lua ``done()`` hook."""
    for line in text.splitlines():
        if line.startswith(RESULT_MARKER):
            raw = json.loads(line[len(RESULT_MARKER) :])
            break
    else:
        raise BenchError(
            f"wrk printed no {RESULT_MARKER.strip()} line: is {LUA_SCRIPT} intact? "
            f"Output was:\n{text.strip()[-800:]}"
        )
    duration_s = raw["duration_us"] / 1e6
    errors = raw["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    latency = {name: value / 1000 for name, value in raw["latency_us"].items()}
    return WrkResult(
        requests=raw["requests"],
        duration_s=duration_s,
        requests_per_s=raw["requests"] / duration_s if duration_s else 0.0,
        latency_ms={name: round(value, 3) for name, value in latency.items()},
        socket_errors=socket_errors,
        unexpected_status=raw["unexpected"],
        statuses={str(code): int(count) for code, count in raw["statuses"].items()},
    )


def run_wrk(argv: Sequence[str], *, duration: float) -> WrkResult:
    """Run wrk and parse its result; raise `BenchError` when it fails."""
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=duration + 60, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish within {duration + 60:.0f} s") from exc
    if done.returncode != 0:
        raise BenchError(
            f"wrk exited with code {done.returncode}: {(done.stderr or done.stdout).strip()}"
        )
    return parse_output(done.stdout)
