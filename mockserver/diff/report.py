"""Print findings: text for people, JSON and Markdown for CI; and the exit code they mean."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from mockserver.diff.model import SEVERITIES, Finding, Severity

__all__ = ["FORMATS", "Format", "exit_code", "render", "summary"]

Format = Literal["text", "json", "markdown"]
FORMATS: tuple[Format, ...] = ("text", "json", "markdown")


def summary(findings: Sequence[Finding]) -> str:
    """``2 breaking, 1 possibly-breaking, 3 safe``."""
    counts = Counter(finding.severity for finding in findings)
    return ", ".join(f"{counts[severity]} {severity}" for severity in SEVERITIES)


def exit_code(findings: Sequence[Finding], *, fail_on: Literal["breaking", "possibly"]) -> int:
    """1 when a finding is breaking (or, with ``fail_on="possibly"``, possibly breaking)."""
    failing: set[Severity] = {"breaking"}
    if fail_on == "possibly":
        failing.add("possibly-breaking")
    return 1 if any(finding.severity in failing for finding in findings) else 0


def render(findings: Sequence[Finding], *, old: str, new: str, format: Format) -> str:
    """The report of ``findings`` between the documents named ``old`` and ``new``."""
    if format == "json":
        return _json(findings, old=old, new=new)
    if format == "markdown":
        return _markdown(findings, old=old, new=new)
    return _text(findings, old=old, new=new)


def _text(findings: Sequence[Finding], *, old: str, new: str) -> str:
    lines = [f"mockserver diff {old} -> {new}: {summary(findings)}"]
    for finding in findings:
        lines.append(f"{finding.severity}: {finding.rule}: {finding.operation}: {finding.message}")
        lines.append(f"    old: {_where(old, finding.old)}")
        lines.append(f"    new: {_where(new, finding.new)}")
    return "\n".join(lines)


def _where(source: str, pointer: str | None) -> str:
    return "-" if pointer is None else f"{source}#{pointer}"


def _json(findings: Sequence[Finding], *, old: str, new: str) -> str:
    counts = Counter(finding.severity for finding in findings)
    return json.dumps(
        {
            "old": old,
            "new": new,
            "summary": {severity: counts[severity] for severity in SEVERITIES},
            "findings": [
                {
                    "rule": finding.rule,
                    "severity": finding.severity,
                    "operation": finding.operation,
                    "old": finding.old,
                    "new": finding.new,
                    "message": finding.message,
                }
                for finding in findings
            ],
        },
        indent=2,
    )


def _markdown(findings: Sequence[Finding], *, old: str, new: str) -> str:
    lines = [f"## API changes: `{old}` -> `{new}`", "", f"**{summary(findings)}**", ""]
    if not findings:
        return "\n".join([*lines, "No changes found."])
    lines += ["| severity | rule | operation | change | old | new |", "| --- " * 6 + "|"]
    for f in findings:
        cells = [
            f.severity,
            f"`{f.rule}`",
            f"`{f.operation}`",
            f.message,
            _code(f.old),
            _code(f.new),
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def _code(pointer: str | None) -> str:
    return "-" if pointer is None else f"`{pointer}`"
