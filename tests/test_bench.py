"""The benchmark harness never rots: a smoke run completes and writes well-formed results.

No threshold is asserted here; `make bench` reports targets as PASS/MISS lines.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import RESULT_KEYS
from bench.profile import hot_spots, layer_shares
from bench.runner import _combine, _slices
from bench.specgen import generate_spec
from bench.tools import WRK_MISSING
from bench.wrk import WrkResult, parse_output

ROOT = Path(__file__).resolve().parent.parent

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:1/api/v1/projects
BENCH_RESULT {"duration_us": 2000000, "requests": 5000, "bytes": 1, "errors": {"connect": 1, \
"read": 0, "write": 0, "timeout": 2, "status": 7}, "unexpected": 7, "statuses": {"200": 4993, \
"500": 7}, "latency_us": {"mean": 1.5, "stdev": 1.0, "max": 9000, "p50": 1500, "p75": 2000, \
"p90": 2500, "p99": 8000, "p999": 8900}}
"""


def test_parse_output_reads_throughput_percentiles_and_errors() -> None:
    result = parse_output(WRK_OUTPUT)
    assert result.requests_per_s == 2500
    assert result.latency_ms["p50"] == 1.5
    assert result.latency_ms["p99"] == 8.0
    assert (result.socket_errors, result.unexpected_status, result.errors) == (3, 7, 10)
    assert result.statuses == {"200": 4993, "500": 7}


def test_combined_turns_sum_throughput_and_take_the_median_percentiles() -> None:
    fast = parse_output(WRK_OUTPUT)
    slow = WrkResult(1000, 1.0, 1000.0, {**fast.latency_ms, "p99": 50.0, "max": 99.0}, 0, 0,
                     {"200": 1000})  # fmt: skip
    combined = _combine([fast, slow, fast])
    assert combined.requests == 11_000
    assert combined.requests_per_s == pytest.approx(11_000 / 5.0)
    assert combined.latency_ms["p50"] == fast.latency_ms["p50"]  # the median turn's
    assert combined.latency_ms["p99"] == fast.latency_ms["p99"]
    assert combined.latency_ms["max"] == max(fast.latency_ms["max"], slow.latency_ms["max"])
    assert (combined.errors, combined.statuses) == (2 * fast.errors, {"200": 10_986, "500": 14})


@pytest.mark.parametrize(
    ("duration", "expected"), [(1.0, (1, 1.0)), (5.0, (5, 1.0)), (10.0, (5, 2.0)), (0.5, (1, 1.0))]
)
def test_slices_cut_the_load_into_whole_seconds(
    duration: float, expected: tuple[int, float]
) -> None:
    assert _slices(duration) == expected


@pytest.mark.parametrize("operations", [1, 7, 10, 101])
def test_generate_spec_has_exactly_the_operations_asked_for(operations: int) -> None:
    spec = generate_spec(operations)
    methods = {"get", "post", "put", "patch", "delete"}
    count = sum(len(methods & set(item)) for item in spec["paths"].values())
    assert count == operations


def test_hot_spots_attribute_samples_to_the_innermost_mockserver_frame() -> None:
    raw = (
        "run (/x/uvicorn/server.py:1);__call__ (/w/mockserver/engine.py:5);"
        "validate (/w/mockserver/validation.py:9);dumps (/x/site-packages/orjson/a.py:1) 3\n"
        "run (/x/uvicorn/server.py:1);__call__ (/w/mockserver/engine.py:5) 1\n"
    )
    spots = {spot.where: spot for spot in hot_spots(raw)}
    assert spots["mockserver/validation.py:validate"].own == 0.75
    assert spots["mockserver/engine.py:__call__"].inclusive == 1.0
    assert layer_shares(raw)["orjson"] == 0.75


@pytest.mark.slow
def test_smoke_run_completes_and_writes_results(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip(WRK_MISSING)
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert tuple(results) == RESULT_KEYS
    assert results["mode"] == "smoke"
    assert {r["contender"] for r in results["results"]} >= {"mockserver", "ceiling"}
    assert all(r["status"] in {"ok", "failed", "skipped"} for r in results["results"])
    assert {s["operations"] for s in results["startup"]} == {10, 100}
    assert all(t["verdict"] in {"PASS", "MISS", "N/A"} for t in results["targets"])
    assert "PASS" in done.stdout or "MISS" in done.stdout
