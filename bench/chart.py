"""The PNG of a run: throughput and p99 per scenario and contender, start-up against spec size."""

from __future__ import annotations

from pathlib import Path

from bench.results import Results

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


def write_chart(results: Results, path: Path) -> str | None:
    """Draw the chart to ``path``; return why not when it cannot be drawn."""
    try:
        import matplotlib
    except ImportError:
        return MATPLOTLIB_MISSING
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = _colours(results)
    scenarios = [str(s["id"]) for s in results.scenarios]
    contenders = [c.id for c in results.contenders if c.status == "ok"]
    measured = {(r.contender, r.scenario): r for r in results.results if r.status == "ok"}
    missing = {(r.contender, r.scenario): r.status for r in results.results if r.status != "ok"}

    fig, axes = plt.subplots(2, 2, figsize=(14, 9.5))
    (throughput, p99), (startup, memory) = axes
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
    machine = results.machine
    load = machine.get("load_average_start")
    fig.suptitle(
        f"mockserver benchmark ({results.mode}, {results.started_at}) - {machine.get('cpu_model')}"
        f", {machine.get('cores')} cores, load average {load} at start; "
        f"wrk {results.settings.get('connections')} connections, "
        f"{results.settings.get('duration_s')} s per scenario",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None
