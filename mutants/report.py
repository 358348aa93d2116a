"""The scoreboard: a fault x detector table in the terminal and in Markdown, and JSON."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mutants.catalogue import CATEGORIES, Fault
from mutants.detectors import Outcome
from mutants.runner import RunResult, TrialResult, summary_rates, undetected

__all__ = [
    "SCHEMA_VERSION",
    "from_json",
    "render_markdown",
    "render_table",
    "to_json",
    "write_results",
]

SCHEMA_VERSION = 1
MARKS = {"detected": "caught", "passed": "-", "error": "ERROR"}


def _cell(result: TrialResult, detector: str, unavailable: dict[str, str]) -> str:
    if detector in unavailable:
        return "n/a"
    if result.error:
        return "ERROR"
    for outcome in result.outcomes:
        if outcome.detector == detector:
            return MARKS[outcome.verdict]
    return "?"


def _columns(result: RunResult) -> list[str]:
    return [*result.detectors, *result.unavailable]


def _rows(result: RunResult) -> list[list[str]]:
    rows = []
    for trial in result.trials:
        cells = [_cell(trial, d, result.unavailable) for d in _columns(result)]
        combined = "caught" if trial.detected_by else ("ERROR" if trial.error else "-")
        rows.append([trial.fault_id, *cells, combined])
    return rows


def _rate_cells(result: RunResult) -> list[str]:
    rates = summary_rates(result)
    count = len(result.trials)
    cells = []
    for name in _columns(result):
        if name in result.unavailable:
            cells.append("n/a")
            continue
        caught = sum(name in t.detected_by for t in result.trials)
        cells.append(f"{caught}/{count} ({rates[name]:.0%})")
    caught = sum(bool(t.detected_by) for t in result.trials)
    cells.append(f"{caught}/{count} ({rates['combined']:.0%})")
    return cells


def _baseline_line(result: RunResult) -> str:
    if result.baseline.error:
        return f"clean provider: ERROR {result.baseline.error.splitlines()[0]}"
    fps = result.false_positives
    if fps:
        return f"clean provider: FALSE POSITIVE by {', '.join(fps)} (it fails the clean provider)"
    return "clean provider: every detector passes (no false positive)"


def render_table(result: RunResult) -> str:
    """A plain-text table for the terminal, with rates, the baseline and the wall time."""
    header = ["fault", *_columns(result), "combined"]
    rows = [header, *_rows(result), ["detection rate", *_rate_cells(result)]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, "  ".join("-" * w for w in widths))
    for name, reason in result.unavailable.items():
        lines.append(f"{name}: {reason}")
    lines.append(_baseline_line(result))
    lines.append(f"wall time {result.seconds:.0f} s with --jobs {result.jobs}")
    return "\n".join(lines)


def render_markdown(result: RunResult, faults: dict[str, Fault]) -> str:
    """The same table in Markdown, then the faults no detector caught, with their descriptions."""
    header = ["fault", "category", *_columns(result), "combined"]
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for row in _rows(result):
        category = faults[row[0]].category if row[0] in faults else ""
        out.append("| " + " | ".join([f"`{row[0]}`", category, *row[1:]]) + " |")
    out.append("| **detection rate** | | " + " | ".join(_rate_cells(result)) + " |")
    out += [
        "",
        _baseline_line(result) + f"; wall time {result.seconds:.0f} s (`--jobs {result.jobs}`).",
        "",
    ]
    out += _by_category(result, faults)
    for name in result.detectors:
        missed_by = [t.fault_id for t in result.trials if name not in t.detected_by]
        out += [f"Missed by `{name}` ({len(missed_by)}): " + ", ".join(missed_by) + ".", ""]
    missed = undetected(result)
    if missed:
        out.append(f"Undetected by every detector ({len(missed)}):")
        out.append("")
        for trial in missed:
            fault = faults.get(trial.fault_id)
            out.append(f"- `{trial.fault_id}`: {fault.description if fault else ''}")
    return "\n".join(out) + "\n"


def _by_category(result: RunResult, faults: dict[str, Fault]) -> list[str]:
    """Faults caught per category, per detector and combined, as a Markdown table."""
    header = ["category", *result.detectors, "combined"]
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for category in CATEGORIES:
        trials = [
            t
            for t in result.trials
            if t.fault_id in faults and faults[t.fault_id].category == category
        ]
        if not trials:
            continue
        cells = [
            f"{sum(n in t.detected_by for t in trials)}/{len(trials)}" for n in result.detectors
        ]
        cells.append(f"{sum(bool(t.detected_by) for t in trials)}/{len(trials)}")
        out.append(f"| {category} | " + " | ".join(cells) + " |")
    return [*out, ""]


def to_json(result: RunResult, faults: dict[str, Fault], *, command: str) -> dict[str, Any]:
    """Everything the run measured, for ``results/latest.json``."""

    def trial(t: TrialResult) -> dict[str, Any]:
        fault = faults.get(t.fault_id)
        return {
            "id": t.fault_id,
            "category": fault.category if fault else None,
            "description": fault.description if fault else None,
            "seconds": round(t.seconds, 1),
            "start_seconds": round(t.start_seconds, 1),
            "stop_seconds": round(t.stop_seconds, 1),
            "error": t.error,
            "detected_by": list(t.detected_by),
            "outcomes": {
                o.detector: {
                    "verdict": o.verdict,
                    "exit_code": o.exit_code,
                    "seconds": round(o.seconds, 1),
                    "evidence": o.evidence,
                }
                for o in t.outcomes
            },
        }

    return {
        "schema_version": SCHEMA_VERSION,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "seed": result.seed,
        "max_examples": result.max_examples,
        "jobs": result.jobs,
        "wall_seconds": round(result.seconds, 1),
        "detectors": list(result.detectors),
        "unavailable": result.unavailable,
        "categories": CATEGORIES,
        "rates": {k: round(v, 4) for k, v in summary_rates(result).items()},
        "false_positives": list(result.false_positives),
        "baseline": trial(result.baseline),
        "faults": [trial(t) for t in result.trials],
        "undetected": [t.fault_id for t in undetected(result)],
    }


def from_json(document: dict[str, Any]) -> RunResult:
    """The ``RunResult`` a ``latest.json`` was written from (to render it again)."""

    def trial(entry: dict[str, Any]) -> TrialResult:
        outcomes = tuple(
            Outcome(name, o["verdict"], o["exit_code"], o["seconds"], o["evidence"])
            for name, o in entry["outcomes"].items()
        )
        return TrialResult(
            entry["id"],
            outcomes,
            entry["seconds"],
            entry["error"],
            entry.get("start_seconds", 0.0),
            entry.get("stop_seconds", 0.0),
        )

    return RunResult(
        baseline=trial(document["baseline"]),
        trials=tuple(trial(entry) for entry in document["faults"]),
        detectors=tuple(document["detectors"]),
        unavailable=dict(document["unavailable"]),
        seconds=document["wall_seconds"],
        seed=document["seed"],
        max_examples=document["max_examples"],
        jobs=document["jobs"],
    )


def write_results(result: RunResult, faults: dict[str, Fault], out: Path, *, command: str) -> None:
    """Write ``out/latest.json`` and ``out/latest.md``."""
    out.mkdir(parents=True, exist_ok=True)
    document = to_json(result, faults, command=command)
    (out / "latest.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "latest.md").write_text(render_markdown(result, faults), encoding="utf-8")
