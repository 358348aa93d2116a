"""The PNG of a run, a row of two panels per part that ran.

Load: throughput and p99 per scenario and contender. Start-up: time and RSS against the
synthetic specs' size. Real world: time and RSS on GitHub's REST description, ours and Prism.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.results import Results
from bench.targets import REALWORLD_READY_LIMIT_S, REALWORLD_RSS_LIMIT_MB, REALWORLD_VS_PRISM

__all__ = ["MATPLOTLIB_MISSING", "write_chart"]

MATPLOTLIB_MISSING = (
    "matplotlib is not installed: no chart. Install it with `pip install matplotlib`."
)
COLOURS = {"ours": "#1f77b4", "prism": "#d62728", "ceiling": "#7f7f7f"}
OURS_SHADES = ("#1f77b4", "#17becf", "#2ca02c")


def _colours(results: Results) -> dict[str, str]:
    colours: dict[str, str] = {}
    ours = 0
    for contender in results.contenders:
        if contender.kind == "ours":
            colours[contender.id] = OURS_SHADES[ours % len(OURS_SHADES)]
            ours += 1
        else:
            colours[contender.id] = COLOURS.get(contender.kind, "#9467bd")
    return colours


def _load_panels(results: Results, throughput: Any, p99: Any, colours: dict[str, str]) -> None:
    """Throughput and p99 per scenario, a bar per contender."""
    scenarios = [str(s["id"]) for s in results.scenarios]
    contenders = [c.id for c in results.contenders if c.status == "ok"]
    measured = {(r.contender, r.scenario): r for r in results.results if r.status == "ok"}
    missing = {(r.contender, r.scenario): r.status for r in results.results if r.status != "ok"}
    width = 0.8 / max(1, len(contenders))
    for index, contender in enumerate(contenders):
        xs = [i + (index - (len(contenders) - 1) / 2) * width for i in range(len(scenarios))]
        rps = [getattr(measured.get((contender, s)), "requests_per_s", 0) or 0 for s in scenarios]
        tails = [
            measured[(contender, s)].latency_ms.get("p99", 0) if (contender, s) in measured else 0
            for s in scenarios
        ]
        colour = colours.get(contender, "#9467bd")
        bars = throughput.bar(xs, rps, width, label=contender, color=colour)
        labels = [f"{v:,.0f}" if v else "" for v in rps]
        throughput.bar_label(bars, labels=labels, fontsize=7, rotation=90, padding=2)
        bars = p99.bar(xs, tails, width, label=contender, color=colour)
        labels = [f"{v:.1f}" if v else "" for v in tails]
        p99.bar_label(bars, labels=labels, fontsize=7, rotation=90, padding=2)
        for x, scenario in zip(xs, scenarios, strict=True):
            if (contender, scenario) in missing:
                for ax in (throughput, p99):
                    ax.text(x, 0, missing[(contender, scenario)], rotation=90, fontsize=7,
                            ha="center", va="bottom", color=colour)  # fmt: skip
    throughput.set_title("Throughput (higher is better)")
    for ax, unit in ((throughput, "requests/s"), (p99, "ms")):
        ax.set_ylabel(unit)
        ax.set_xticks(range(len(scenarios)), scenarios)
        ax.legend(fontsize=8, ncols=2, loc="upper left")
        ax.grid(axis="y", alpha=0.3)
    throughput.margins(y=0.45)  # room for the legend and the labels above the bars
    p99.set_yscale("log")  # Prism's and a busy run's tails would flatten everyone else's bars
    tails_ms = [r.latency_ms.get("p99", 0) for r in measured.values()]
    if any(tails_ms):
        p99.set_ylim(top=max(tails_ms) * 8)
    p99.set_title("p99 latency, log scale (lower is better)")
    p99.axhline(20, color="black", linestyle="--", linewidth=0.8, label="target 20 ms")
    p99.legend(fontsize=8)


def _startup_panels(results: Results, startup: Any, memory: Any, colours: dict[str, str]) -> None:
    """Start-up time and RSS against the synthetic specs' operations, a line per contender."""
    for contender in sorted({s.contender for s in results.startup}):
        points = sorted(
            (s.operations, s.ready_s, s.rss_mb)
            for s in results.startup
            if s.contender == contender and s.status == "ok"
        )
        if not points:
            continue
        ops = [p[0] for p in points]
        colour = colours.get(contender, "#9467bd")
        startup.plot(ops, [p[1] for p in points], marker="o", label=contender, color=colour)
        memory.plot(ops, [p[2] for p in points], marker="o", label=contender, color=colour)
    startup.plot(
        [1000], [2], marker="x", color="black", linestyle="", label="target: 1,000 ops < 2 s"
    )
    if any(s.operations == 11_000 for s in results.startup):
        startup.plot([11_000], [30], marker="+", color="black", linestyle="",
                     markersize=10, label="target: 11,000 ops (~20 MB) < 30 s")  # fmt: skip
        memory.plot([11_000], [1024], marker="+", color="black", linestyle="",
                    markersize=10, label="target: 11,000 ops < 1 GB")  # fmt: skip
    for ax, title, unit in (
        (startup, "Start-up: spawn to first 2xx", "seconds"),
        (memory, "RSS after start-up", "MB"),
    ):
        ax.set_title(title)
        ax.set_xlabel("operations in the spec")
        ax.set_ylabel(unit)
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)


def _realworld_panels(results: Results, ready: Any, rss: Any, colours: dict[str, str]) -> None:
    """Bars per contender: ready time and RSS on GitHub's description, with the targets."""
    realworld = results.realworld
    rows = realworld.results
    names = [r.contender for r in rows]
    for ax, attr, limit, unit, title in (
        (ready, "ready_s", REALWORLD_READY_LIMIT_S, "seconds", "start-up"),
        (rss, "rss_mb", REALWORLD_RSS_LIMIT_MB, "MB", "RSS after start-up"),
    ):
        values = [getattr(r, attr) or 0 for r in rows]
        bars = ax.bar(names, values, color=[colours.get(n, "#9467bd") for n in names])
        labels = [
            (f"{v:.2f}" if attr == "ready_s" else f"{v:.1f}")
            if r.status == "ok"
            else (f"no start in {realworld.timeout_s:g} s" if r.status == "timeout" else "failed")
            for r, v in zip(rows, values, strict=True)
        ]
        ax.bar_label(bars, labels=labels, fontsize=8, padding=2)
        ax.axhline(limit, color="black", linestyle="--", linewidth=0.8,
                   label=f"target for ours: {limit:g} {unit}")  # fmt: skip
        ax.set_title(f"{realworld.name}: {title}")
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        ax.margins(y=0.2)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8)
    if realworld.vs_prism is not None:
        ratio = f"{realworld.vs_prism:.2f}x (target >= {REALWORLD_VS_PRISM:g}x)"
        ready.set_xlabel(f"Prism's time / ours: {ratio}")


def write_chart(results: Results, path: Path) -> str | None:
    """Draw the chart to ``path``; return why not when it cannot be drawn."""
    try:
        import matplotlib
    except ImportError:
        return MATPLOTLIB_MISSING
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = _colours(results)
    rows = [
        draw
        for draw, present in (
            (_load_panels, bool(results.results)),
            (_startup_panels, bool(results.startup)),
            (_realworld_panels, bool(results.realworld.results)),
        )
        if present
    ]
    if not rows:
        return "nothing was measured in this run: no chart"
    fig, axes = plt.subplots(len(rows), 2, figsize=(14, 4.75 * len(rows)), squeeze=False)
    for draw, (left, right) in zip(rows, axes, strict=True):
        draw(results, left, right, colours)
    machine = results.machine
    load = machine.get("load_average_start")
    wrk = (
        f"; wrk {results.settings.get('connections')} connections, "
        f"{results.settings.get('duration_s')} s per scenario"
        if results.results
        else ""
    )
    fig.suptitle(
        f"mockserver benchmark ({results.mode}, {results.started_at}) - {machine.get('cpu_model')}"
        f", {machine.get('cores')} cores, load average {load} at start{wrk}",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None
