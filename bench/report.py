"""The terminal table and the JSON files of a run."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from bench.results import Results, ScenarioResult

__all__ = ["render_table", "write_json"]


def _num(value: float | None, spec: str = ",.0f") -> str:
    return "-" if value is None else format(value, spec)


def _row(cells: list[str], widths: list[int], *, text_columns: int = 2) -> str:
    """Text columns left-aligned, numbers right-aligned, two spaces between columns."""
    parts = [
        cell.ljust(width) if index < text_columns else cell.rjust(width)
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
    ]
    return "  ".join(parts).rstrip()


def _load_table(results: Results) -> list[str]:
    if not results.results:
        return ["(no load scenarios in this run)"]
    labels = {str(s["id"]): str(s["label"]) for s in results.scenarios}
    header = ["scenario", "contender", "req/s", "p50 ms", "p99 ms", "errors", "peak RSS MB"]
    widths = [26, 22, 9, 7, 7, 7, 11]
    lines = [_row(header, widths), _row(["-" * w for w in widths], widths)]
    by_scenario: dict[str, list[ScenarioResult]] = {}
    for result in results.results:
        by_scenario.setdefault(result.scenario, []).append(result)
    for scenario, rows in by_scenario.items():
        for index, row in enumerate(rows):
            name = labels.get(scenario, scenario) if index == 0 else ""
            if row.status != "ok":
                reason = row.reason.splitlines()[0] if row.reason else ""
                lines.append(f"{_row([name, row.contender], widths[:2])}  {row.status.upper()}")
                lines.append(f"    {reason[:110]}")
                continue
            cells = [
                name,
                row.contender,
                _num(row.requests_per_s),
                _num(row.latency_ms.get("p50"), ".1f"),
                _num(row.latency_ms.get("p99"), ".1f"),
                str(row.errors),
                _num(row.peak_rss_mb),
            ]
            lines.append(_row(cells, widths))
    return lines


def _ratio_table(results: Results) -> list[str]:
    if not results.ratios:
        return []
    widths = [26, 22, 11, 13]
    lines = ["", _row(["scenario", "ours", "vs Prism", "vs ceiling"], widths)]
    for ratio in results.ratios:
        cells = [
            ratio.scenario,
            ratio.contender,
            _num(ratio.vs_prism, ".2f") + ("x" if ratio.vs_prism is not None else ""),
            _num(ratio.vs_ceiling, ".0%"),
        ]
        lines.append(_row(cells, widths))
    return lines


def _startup_table(results: Results) -> list[str]:
    if not results.startup:
        return []
    heavy = " (heavy operations)" if results.settings.get("heavy_specs") else ""
    lines = ["", f"start-up (spawn -> first 2xx, median) and RSS after start-up{heavy}:"]
    widths = [22, 10, 8, 10, 10]
    header = ["contender", "operations", "spec MB", "ready s", "RSS MB"]
    lines.append(_row(header, widths, text_columns=1))
    for item in results.startup:
        cells = [item.contender, f"{item.operations:,}", _num(item.spec_mb, ".1f")]
        if item.status != "ok":
            reason = item.reason.splitlines()[0][:80]
            lines.append(f"{_row(cells, widths[:3], text_columns=1)}  {item.status.upper()}")
            lines.append(f"    {reason}")
            continue
        cells += [_num(item.ready_s, ".2f"), _num(item.rss_mb)]
        lines.append(_row(cells, widths, text_columns=1))
    return lines


def _realworld_table(results: Results) -> list[str]:
    """Start-up on GitHub's description: one row per contender, then Prism's time over ours."""
    realworld = results.realworld
    title = f"{realworld.name} ({realworld.source})"
    if realworld.status == "not run":
        return ["", f"start-up on {realworld.name}: {realworld.reason}"]
    if realworld.status != "ok":
        return ["", f"start-up on {title}: {realworld.status.upper()}: {realworld.reason}"]
    lines = [
        "",
        f"start-up on {title}: {realworld.size_mb:.1f} MB, {realworld.operations:,} operations, "
        f"unmodified; spawn -> first 2xx of {realworld.probe}, median of {realworld.repeats}:",
    ]
    widths = [22, 10, 10]
    header = _row(["contender", "ready s", "RSS MB"], widths, text_columns=1)
    lines.append(f"{header}  each start (s)")
    for item in realworld.results:
        if item.status == "timeout":
            lines.append(f"{item.contender.ljust(widths[0])}  did not start in "
                         f"{realworld.timeout_s:g} s")  # fmt: skip
            continue
        if item.status != "ok":
            reason = item.reason.splitlines()[0][:100] if item.reason else ""
            lines.append(f"{item.contender.ljust(widths[0])}  FAILED: {reason}")
            continue
        each = ", ".join(f"{t:.2f}" for t in item.ready_each_s)
        cells = [item.contender, _num(item.ready_s, ".2f"), _num(item.rss_mb, ".1f")]
        lines.append(f"{_row(cells, widths, text_columns=1)}  {each}")
    if realworld.vs_prism is not None:
        lines.append(f"Prism's start-up time / ours: {realworld.vs_prism:.2f}x")
    return lines


def _proxy_table(results: Results) -> list[str]:
    """Both proxies over the same upstream: throughput, and latency added at one connection."""
    proxy = results.proxy
    if proxy.status == "not run":
        return []
    if proxy.status != "ok":
        return ["", f"proxy: {proxy.status.upper()}: {proxy.reason}"]
    header = ["target", "req/s", "p50 ms", "p99 ms", "1-conn p50", "1-conn p99", "added p99"]
    rows = [
        [row.label, _num(row.requests_per_s, ",.0f"), _num(row.p50_ms, ".2f"),
         _num(row.p99_ms, ".2f"), _num(row.idle_p50_ms, ".2f"), _num(row.idle_p99_ms, ".2f"),
         _num(row.added_p99_ms, ".2f")]
        if row.status == "ok" else [row.label, f"FAILED: {row.reason}", "", "", "", "", ""]
        for row in proxy.rows
    ]  # fmt: skip
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["", f"proxy: GET one project (bearer) through each proxy to {proxy.upstream}:"]
    lines += [_row(r, widths, text_columns=1) for r in [header, *rows]]
    if proxy.vs_prism is not None:
        lines.append(f"our proxy's throughput / Prism's proxy's: {proxy.vs_prism:.2f}x")
    return lines


def render_table(results: Results) -> str:
    """The whole run as plain text: load, ratios, start-up, real-world start-up, tools, targets."""
    machine = results.machine
    settings = results.settings
    load = (
        f"load: wrk {settings.get('threads')} threads, {settings.get('connections')} connections,"
        f" {settings.get('duration_s')} s per scenario after {settings.get('warmup_s')} s warm-up"
    )
    lines = [
        f"mockserver benchmark ({results.mode}) {results.started_at}",
        f"machine: {machine.get('cpu_model')}, {machine.get('cores')} cores, "
        f"{machine.get('memory_gib')} GiB; Python {machine.get('python')} "
        f"({machine.get('python_executable') or '-'}), "
        f"uvicorn {machine.get('uvicorn')}, Node {machine.get('node') or '-'}, "
        f"Prism {machine.get('prism') or '-'}, {machine.get('wrk') or 'no wrk'}",
        *([load] if results.results else []),
        "",
        *_load_table(results),
        *_ratio_table(results),
        *_startup_table(results),
        *_realworld_table(results),
        *_proxy_table(results),
        "",
    ]
    for check in (results.schemathesis, results.verify):
        if check.status == "ok":
            failed = " FAILED" if check.exit_code else ""
            lines.append(
                f"{check.name}: {check.seconds:.1f} s, exit {check.exit_code}{failed}"
                f" ({check.summary})"
            )
        else:
            lines.append(f"{check.name}: {check.status.upper()}: {check.summary}")
    for profile in results.profiles:
        if profile.status != "ok":
            lines.append(f"profile {profile.scenario}: {profile.status}: {profile.reason}")
            continue
        lines.append(f"profile {profile.contender} {profile.scenario} (own share of samples):")
        lines += [
            f"    {spot.own:6.1%}  (incl. {spot.inclusive:6.1%})  {spot.where}"
            for spot in profile.hot_spots[:8]
        ]
    if results.notes:
        lines += ["", *(f"note: {note}" for note in results.notes)]
    lines.append("")
    lines += [
        f"{t.verdict:<4}  {t.contender}: {t.name} {t.goal}: {t.value}" for t in results.targets
    ]
    return "\n".join(lines)


def write_json(results: Results, out_dir: Path, *, stamp: str) -> tuple[Path, Path]:
    """Write ``latest.json`` and ``history/<stamp>.json``; return both paths."""
    text = json.dumps(asdict(results), indent=2) + "\n"
    latest = out_dir / "latest.json"
    history = out_dir / "history" / f"{stamp}.json"
    history.parent.mkdir(parents=True, exist_ok=True)
    latest.write_text(text, encoding="utf-8")
    history.write_text(text, encoding="utf-8")
    return latest, history
