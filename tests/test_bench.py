"""The benchmark harness never rots: a smoke run completes and writes well-formed results.

No threshold is asserted here; `make bench` reports targets as PASS/MISS lines.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench import RESULT_KEYS, Results, ToolMissing
from bench.__main__ import _build_parser, _options
from bench.checks import CheckResult
from bench.contenders import Contender, spec_base_path
from bench.errors import ServerTimedOut
from bench.load import _combine, _slices, ratios_of
from bench.npm import installed_package, npm_install
from bench.profile import hot_spots, layer_shares
from bench.proxy import ProxyBench, ProxyRow, proxy_not_run
from bench.realworld import RealWorld, measure_realworld, not_run, skipped
from bench.report import render_table
from bench.results import SCHEMA_VERSION, ScenarioResult
from bench.specgen import generate_spec, write_spec
from bench.startup import StartupResult, failed_start, summarize_starts
from bench.targets import evaluate_targets
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


@pytest.mark.parametrize("heavy", [False, True])
@pytest.mark.parametrize("operations", [1, 7, 10, 101])
def test_generate_spec_has_exactly_the_operations_asked_for(operations: int, heavy: bool) -> None:
    spec = generate_spec(operations, heavy=heavy)
    methods = {"get", "post", "put", "patch", "delete"}
    count = sum(len(methods & set(item)) for item in spec["paths"].values())
    assert count == operations


def test_heavy_specs_put_11000_operations_near_20_mb(tmp_path: Path) -> None:
    plain = write_spec(500, tmp_path).stat().st_size
    heavy = write_spec(500, tmp_path, heavy=True).stat().st_size
    assert heavy > 2 * plain
    # Size grows linearly in operations (one resource is five of them): extrapolate from 500.
    assert 18 <= heavy * 22 / 2**20 <= 22


def test_heavy_specs_keep_every_reference_resolvable() -> None:
    spec = generate_spec(12, heavy=True)
    text = json.dumps(spec)
    for kind, items in spec["components"].items():
        for name in items:
            text = text.replace(f'"#/components/{kind}/{name}"', '"ok"')
    assert "#/components/" not in text


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
    # Two of the five load scenarios (a GET with a bearer token, a POST with a body): the smoke
    # shows the harness runs end to end, and each scenario more costs ~8 s of servers.
    scenarios = ["--scenario", "get-auth", "--scenario", "post-valid"]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(tmp_path), *scenarios],
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
    assert {r["scenario"] for r in results["results"]} == {"get-auth", "post-valid"}
    assert all(r["status"] in {"ok", "failed", "skipped"} for r in results["results"])
    assert {s["operations"] for s in results["startup"]} == {10, 100}
    assert results["proxy"]["status"] == "ok"  # ours and its upstream, no Prism when smoking
    assert [row["id"] for row in results["proxy"]["rows"]] == ["upstream", "mockserver-proxy"]
    assert all(t["verdict"] in {"PASS", "MISS", "N/A"} for t in results["targets"])
    assert "PASS" in done.stdout or "MISS" in done.stdout


# --- the throughput targets, on fixed results --------------------------------------------------


def _load(rps: dict[tuple[str, str], float]) -> dict[str, tuple[str, str]]:
    """The throughput verdicts of a run whose contenders answered ``rps`` requests/s."""
    results = [
        ScenarioResult(contender, scenario, "ok", requests_per_s=value,
                       latency_ms={"p99": 5.0}, peak_rss_mb=90.0)
        for (contender, scenario), value in rps.items()
    ]  # fmt: skip
    ours = Contender("mockserver", "ours", "ours", lambda spec, port: [], "", "/")
    targets = evaluate_targets(["mockserver"], results, ratios_of([ours], results), [])
    return {t.name: (t.verdict, t.value) for t in targets if " vs " in t.name}


def _run(get: float, post: float, login: float) -> dict[tuple[str, str], float]:
    """Prism at 1,000 requests/s and the ceiling at 20,000 in every scenario."""
    rps = {("mockserver", "get-auth"): get, ("mockserver", "post-valid"): post,
           ("mockserver", "login"): login}  # fmt: skip
    for scenario in ("get-auth", "post-valid", "login"):
        rps["prism", scenario], rps["ceiling", scenario] = 1_000.0, 20_000.0
    return rps


def test_throughput_targets_are_the_architecture_issues_and_pass_a_run_that_meets_them() -> None:
    verdicts = _load(_run(get=12_000, post=5_000, login=4_000))
    assert verdicts == {
        "GET with auth vs Prism": ("PASS", "12.00x Prism"),
        "GET with auth vs ceiling": ("PASS", "0.60x the ceiling"),
        "valid POST vs Prism": ("PASS", "5.00x Prism"),
        "login vs Prism": ("PASS", "4.00x Prism"),
    }


def test_a_throughput_miss_is_named_even_where_two_decimals_would_round_it_up() -> None:
    verdicts = _load(_run(get=11_990, post=4_998, login=3_900))
    assert verdicts["GET with auth vs Prism"][0] == "PASS"  # 11.99x: only 60% is missed
    assert verdicts["GET with auth vs ceiling"] == ("MISS", "0.5995x the ceiling")
    assert verdicts["valid POST vs Prism"] == ("MISS", "4.998x Prism")
    assert verdicts["login vs Prism"] == ("MISS", "3.90x Prism")


def test_a_scenario_the_run_left_out_has_its_throughput_target_not_measured() -> None:
    rps = _run(get=12_000, post=5_000, login=4_000)
    verdicts = _load({key: value for key, value in rps.items() if key[1] != "login"})
    assert verdicts["login vs Prism"] == ("N/A", "not measured")
    assert verdicts["valid POST vs Prism"][0] == "PASS"


# --- the real-world start-up scenario and the big-spec target, on fixed results -------------


def _ok(contender: str, ready: float, rss: float, *, operations: int = 1223) -> StartupResult:
    return summarize_starts(contender, operations, [ready], [rss], spec_mb=12.4)


def _realworld(*results: StartupResult) -> RealWorld:
    mine = {r.contender: r.ready_s for r in results if r.status == "ok"}
    ours, prism = mine.get("mockserver"), mine.get("prism")
    return RealWorld(
        "GitHub REST description",
        "@octokit/openapi@23.0.2 generated/api.github.com.json",
        "ok",
        size_mb=12.4,
        operations=1223,
        repeats=1,
        results=list(results),
        vs_prism=round(prism / ours, 2) if ours and prism else None,
    )


def _verdicts(
    realworld: RealWorld | None = None, startup: list[StartupResult] | None = None
) -> dict[str, tuple[str, str]]:
    targets = evaluate_targets(["mockserver"], [], [], startup or [], realworld)
    return {t.name: (t.verdict, t.value) for t in targets}


def _timed_out_prism() -> StartupResult:
    error = ServerTimedOut("Prism did not answer GET / with a 2xx within 120 s", timeout=120)
    return failed_start("prism", 1223, error, spec_mb=12.4)


@pytest.mark.parametrize(
    ("ours", "prism", "expected"),
    [
        ((2.0, 140.0), (12.0, 290.0), ("PASS", "PASS", "PASS")),
        ((3.5, 160.0), (7.0, 290.0), ("MISS", "MISS", "MISS")),
        ((3.0, 150.0), (15.0, 290.0), ("PASS", "PASS", "PASS")),  # the limits are inclusive
        ((2.0, 151.0), None, ("PASS", "MISS", "N/A")),  # Prism not run
    ],
)
def test_realworld_targets_judge_ready_time_memory_and_the_lead_over_prism(
    ours: tuple[float, float], prism: tuple[float, float] | None, expected: tuple[str, ...]
) -> None:
    results = [_ok("mockserver", *ours)] + ([_ok("prism", *prism)] if prism else [])
    verdicts = _verdicts(_realworld(*results))
    names = ("ready", "RSS", "vs Prism")
    assert tuple(verdicts[f"GitHub REST description {n}"][0] for n in names) == expected


def test_a_prism_that_times_out_is_reported_as_such_and_bounds_the_ratio() -> None:
    realworld = _realworld(_ok("mockserver", 2.0, 140.0), _timed_out_prism())
    verdict, value = _verdicts(realworld)["GitHub REST description vs Prism"]
    assert verdict == "PASS"
    assert "Prism did not start in 120 s" in value
    assert "> 60.0x" in value
    table = render_table(make_results(realworld=realworld))
    assert "prism                   did not start in 120 s" in table


def test_a_prism_time_out_is_no_win_when_ours_did_not_start_either() -> None:
    ours = failed_start("mockserver", 1223, ServerTimedOut("silent", timeout=120), spec_mb=12.4)
    verdicts = _verdicts(_realworld(ours, _timed_out_prism()))
    assert {v for v, _ in verdicts.values()} == {"MISS"}


def test_realworld_targets_are_na_with_the_reason_when_npm_is_missing() -> None:
    verdicts = _verdicts(skipped("npm is not installed: ... apt-get install -y nodejs npm"))
    assert len(verdicts) == 3
    assert all(v == "N/A" and "npm is not installed" in text for v, text in verdicts.values())


def test_parts_a_run_left_out_have_no_target_lines() -> None:
    assert _verdicts(not_run("not run (--only load)")) == {}


@pytest.mark.parametrize(
    ("spec_mb", "ready", "rss", "expected"),
    [(19.8, 21.0, 570.0, "PASS"), (19.8, 31.0, 570.0, "MISS"), (19.8, 21.0, 1100.0, "MISS"),
     (8.5, 10.0, 300.0, "N/A")],
)  # fmt: skip
def test_the_big_spec_target_needs_11000_operations_of_about_20_mb(
    spec_mb: float, ready: float, rss: float, expected: str
) -> None:
    point = replace(_ok("mockserver", ready, rss, operations=11_000), spec_mb=spec_mb)
    name = "11,000 operations (~20 MB) ready"
    assert _verdicts(startup=[_ok("mockserver", 1.0, 90.0, operations=5000), point])[name][0] == (
        expected
    )
    assert name not in _verdicts(startup=[_ok("mockserver", 1.0, 90.0, operations=5000)])


def test_realworld_is_skipped_with_the_install_command_without_npm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    ours = Contender("mockserver", "mockserver", "ours", lambda spec, port: ["false"], "", "/")
    logged: list[str] = []
    result = measure_realworld(
        ours, None, cache=tmp_path / "npm", repeats=1, work=tmp_path, cwd=tmp_path,
        log=logged.append,
    )  # fmt: skip
    assert result.status == "skipped"
    assert "apt-get install -y nodejs npm" in result.reason
    assert "@octokit/openapi@23.0.2" in result.reason
    assert any("SKIPPED" in line for line in logged)
    assert "SKIPPED: npm is not installed" in render_table(make_results(realworld=result))


def test_npm_install_accepts_an_installed_package_of_the_wanted_version(tmp_path: Path) -> None:
    folder = tmp_path / "node_modules" / "@scope" / "pkg"
    folder.mkdir(parents=True)
    (folder / "package.json").write_text('{"version": "5.14.2"}', encoding="utf-8")
    assert installed_package(tmp_path, "@scope/pkg", "5") is not None
    assert installed_package(tmp_path, "@scope/pkg", "5.14.2") is not None
    assert installed_package(tmp_path, "@scope/pkg", "4") is None
    assert installed_package(tmp_path, "@scope/pkg", "5.1") is None
    found = npm_install(tmp_path, "@scope/pkg", "5", purpose="unused")  # no npm call
    assert (found.folder, found.fetched) == (folder, False)


def test_npm_install_without_npm_says_what_is_skipped_and_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolMissing, match=r"npm is not installed: the thing is skipped\. Install"):
        npm_install(tmp_path, "@scope/pkg", "1", purpose="the thing is skipped")


def test_base_path_of_a_json_document_is_read_as_json(tmp_path: Path) -> None:
    document = tmp_path / "api.json"
    document.write_text(json.dumps({"servers": [{"url": "https://api.github.com"}]}))
    assert spec_base_path(document) == ""
    document.write_text(json.dumps({"servers": [{"url": "https://example.com/v3/"}]}))
    assert spec_base_path(document) == "/v3"


@pytest.mark.parametrize(
    ("argv", "realworld", "load", "startup", "tools", "proxy"),
    [
        ([], True, True, True, True, True),
        (["--only", "realworld"], True, False, False, False, False),
        (["--only", "realworld", "--only", "startup"], True, False, True, False, False),
        (["--no-realworld"], False, True, True, True, True),
        (["--no-proxy"], True, True, True, True, False),
        (["--only", "proxy"], False, False, False, False, True),
        (["--smoke"], False, True, True, False, True),
        (["--smoke", "--only", "realworld"], True, False, False, False, False),
    ],
)
def test_cli_parts_choose_what_runs(
    argv: list[str], realworld: bool, load: bool, startup: bool, tools: bool, proxy: bool
) -> None:
    options = _options(_build_parser().parse_args(argv))
    assert options.proxy is proxy
    assert options.realworld is realworld
    assert bool(options.scenarios) is load
    assert bool(options.startup_sizes) is startup
    assert options.schemathesis is tools


def test_cli_heavy_specs_reach_the_options() -> None:
    args = ["--heavy-specs", "--sizes", "5000,11000", "--only", "startup"]
    options = _options(_build_parser().parse_args(args))
    assert (options.heavy_specs, options.startup_sizes) == (True, (5000, 11_000))


def test_a_realworld_only_run_charts_its_two_panels(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from bench.chart import write_chart

    realworld = _realworld(_ok("mockserver", 2.0, 140.0), _timed_out_prism())
    assert write_chart(make_results(realworld=realworld), tmp_path / "chart.png") is None
    assert (tmp_path / "chart.png").stat().st_size > 0


def make_results(**overrides: Any) -> Results:
    """A run that measured nothing but what ``overrides`` give it."""
    check = CheckResult("schemathesis run", "skipped", summary="not run")
    fields: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "mode": "full",
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:01:00+00:00",
        "settings": {},
        "machine": {"cores": 2},
        "notes": [],
        "contenders": [],
        "scenarios": [],
        "results": [],
        "ratios": [],
        "startup": [],
        "realworld": not_run("not run"),
        "schemathesis": check,
        "verify": replace(check, name="mockserver verify"),
        "profiles": [],
        "targets": [],
    }
    fields.update(overrides)
    results = Results(**fields)
    realworld = results.realworld
    results.targets = evaluate_targets(["mockserver"], [], [], results.startup, realworld)
    return results


def _proxy_bench(ours_rps: float, prism_rps: float | None, added_p99: float) -> ProxyBench:
    base = 1.0 if added_p99 > 0 else 30.0  # a negative difference: the upstream's p99 was noise
    rows = [
        ProxyRow("upstream", "upstream", requests_per_s=9000.0, idle_p99_ms=base),
        ProxyRow("mockserver-proxy", "mockserver proxy", requests_per_s=ours_rps,
                 idle_p99_ms=base + added_p99, added_p99_ms=added_p99),
    ]  # fmt: skip
    if prism_rps is not None:
        rows.append(ProxyRow("prism-proxy", "prism proxy", requests_per_s=prism_rps))
    vs_prism = round(ours_rps / prism_rps, 2) if prism_rps else None
    return ProxyBench("ok", upstream="upstream", rows=rows, vs_prism=vs_prism)


@pytest.mark.parametrize(
    ("ours", "prism", "added", "verdicts"),
    [
        (3000.0, 900.0, 1.5, ["PASS", "PASS"]),
        (2000.0, 900.0, 6.0, ["MISS", "MISS"]),
        (3000.0, None, 1.5, ["N/A", "PASS"]),
        (3000.0, 900.0, -20.0, ["PASS", "N/A"]),  # the upstream's own p99 set by noise
    ],
)
def test_proxy_targets_judge_throughput_against_prism_and_added_p99(
    ours: float, prism: float | None, added: float, verdicts: list[str]
) -> None:
    results = make_results(proxy=_proxy_bench(ours, prism, added))
    results.targets = evaluate_targets(["mockserver"], [], [], [], None, results.proxy)
    found = [t for t in results.targets if t.name.startswith("proxy")]
    assert [t.verdict for t in found] == verdicts
    table = render_table(results)
    assert "proxy: GET one project (bearer) through each proxy to upstream:" in table
    if prism is not None:
        assert f"our proxy's throughput / Prism's proxy's: {ours / prism:.2f}x" in table


def test_proxy_part_not_run_has_no_targets_and_a_failed_one_says_why() -> None:
    assert not [t for t in make_results().targets if t.name.startswith("proxy")]
    failed = ProxyBench("failed", "the upstream did not start: boom")
    targets = evaluate_targets(["mockserver"], [], [], [], None, failed)
    assert [t.verdict for t in targets] == ["N/A", "N/A"]
    assert "proxy: FAILED: the upstream did not start: boom" in render_table(
        make_results(proxy=failed)
    )
    assert proxy_not_run("x").status == "not run"
