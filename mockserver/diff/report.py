"""Print a diff: text for people, JSON and Markdown for CI (JUnit and GitHub annotations in
`mockserver.diff.ci`); and the exit code it means.

A `Report` holds what one run found: the findings that count, those the ignore file set aside,
its expired entries, and, when pacts were read, the interactions each finding touches. The
text report prints a change to a shared component once, listing the operations it reaches
(`groups`); JSON keeps every finding and says which group it is in.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mockserver.diff.ignore import Ignore
from mockserver.diff.impact import Use, impact_summary
from mockserver.diff.model import SEVERITIES, Finding, Severity

__all__ = [
    "FORMATS",
    "FailOn",
    "Format",
    "Report",
    "exit_code",
    "groups",
    "render",
    "summary",
]

Format = Literal["text", "json", "markdown", "junit", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "markdown", "junit", "github")
FailOn = Literal["breaking", "possibly"]
NO_PACT = "no pact exercises it"


@dataclass(frozen=True, slots=True)
class Report:
    """What one ``mockserver diff`` run found, between the documents named ``old`` and ``new``.

    ``consumers`` is None when no pacts were read; ``new_file`` is the new side's path when it
    is a file (GitHub annotations point at it).
    """

    findings: Sequence[Finding]
    old: str
    new: str
    consumers: Mapping[Finding, Sequence[Use]] | None = None
    ignored: Mapping[Finding, Ignore] = field(default_factory=dict)
    expired: Sequence[Ignore] = ()
    fail_on: FailOn = "breaking"
    new_file: str | None = None

    def fails(self, finding: Finding) -> bool:
        """Whether ``finding`` fails the run (an ignored one never does)."""
        failing: set[Severity] = {"breaking"}
        if self.fail_on == "possibly":
            failing.add("possibly-breaking")
        return finding.severity in failing and finding not in self.ignored

    def failing(self) -> list[Finding]:
        return [finding for finding in self.findings if self.fails(finding)]

    def uses(self, finding: Finding) -> Sequence[Use]:
        return () if self.consumers is None else self.consumers.get(finding, ())


def summary(findings: Sequence[Finding]) -> str:
    """``2 breaking, 1 possibly-breaking, 3 safe``."""
    counts = Counter(finding.severity for finding in findings)
    return ", ".join(f"{counts[severity]} {severity}" for severity in SEVERITIES)


def exit_code(report: Report) -> int:
    """1 when a finding fails the run, else 0."""
    return 1 if report.failing() else 0


def groups(findings: Sequence[Finding]) -> list[list[Finding]]:
    """The findings in order, those that are one change to a shared component together.

    Findings share a group when they have the same rule, the same message and the same
    pointers, one of them under ``/components/``: the same change reached from several
    operations. Any other finding is a group of its own.
    """
    grouped: dict[tuple[Any, ...], list[Finding]] = {}
    for index, finding in enumerate(findings):
        shared = any((p or "").startswith("/components/") for p in (finding.old, finding.new))
        key = (finding.rule, finding.old, finding.new, finding.message) if shared else (index,)
        grouped.setdefault(key, []).append(finding)
    return list(grouped.values())


def render(report: Report, *, format: Format) -> str:
    """The report in ``format``."""
    if format in ("junit", "github"):
        from mockserver.diff.ci import github, junit

        return junit(report) if format == "junit" else github(report)
    if format == "json":
        return _json(report)
    if format == "markdown":
        return _markdown(report)
    return _text(report)


def _counted(report: Report) -> str:
    counted = [f for f in report.findings if f not in report.ignored]
    line = summary(counted)
    return f"{line}, {len(report.ignored)} ignored" if report.ignored else line


def _text(report: Report) -> str:
    lines = [f"mockserver diff {report.old} -> {report.new}: {_counted(report)}"]
    if report.consumers is not None and report.failing():
        lines.append(f"consumers: {impact_summary(report.consumers, failing=report.failing())}")
    for entry in report.expired:
        lines.append(
            f"expired: ignore entry {entry.entry} ({entry.rule} at {entry.location}) expired "
            f"{entry.expires}: it no longer applies; renew or remove it"
        )
    active = [f for f in report.findings if f not in report.ignored]
    for group in groups(active):
        first = group[0]
        operations = ", ".join(dict.fromkeys(f.operation for f in group))
        lines.append(f"{first.severity}: {first.rule}: {operations}: {first.message}")
        lines.append(f"    old: {_where(report.old, first.old)}")
        lines.append(f"    new: {_where(report.new, first.new)}")
        lines += _consumer_lines(report, group)
    for group in groups([f for f in report.findings if f in report.ignored]):
        first, entry = group[0], report.ignored[group[0]]
        operations = ", ".join(dict.fromkeys(f.operation for f in group))
        lines.append(f"ignored: {first.rule}: {operations}: {first.message}")
        lines.append(f"    reason: {entry.reason} (ignore entry {entry.entry})")
    return "\n".join(lines)


def _consumer_lines(report: Report, group: Sequence[Finding]) -> list[str]:
    if report.consumers is None or group[0].severity == "safe":
        return []
    uses = sorted({use for finding in group for use in report.uses(finding)})
    if not uses:
        return [f"    consumers: {NO_PACT}"]
    return [f'    consumer {u.consumer}: "{u.interaction}" ({u.field})' for u in uses]


def _where(source: str, pointer: str | None) -> str:
    return "-" if pointer is None else f"{source}#{pointer}"


def _json(report: Report) -> str:
    counts = Counter(f.severity for f in report.findings if f not in report.ignored)
    group_of = {f: n for n, group in enumerate(groups(report.findings), 1) for f in group}
    document: dict[str, Any] = {
        "old": report.old,
        "new": report.new,
        "summary": {severity: counts[severity] for severity in SEVERITIES},
        "ignored": len(report.ignored),
        "findings": [_finding(report, finding, group_of[finding]) for finding in report.findings],
        "expired": [
            {
                "entry": e.entry,
                "rule": e.rule,
                "location": e.location,
                "expires": str(e.expires),
                "reason": e.reason,
            }
            for e in report.expired
        ],
    }
    if report.consumers is not None:
        document["consumers"] = impact_summary(report.consumers, failing=report.failing())
    return json.dumps(document, indent=2)


def _finding(report: Report, finding: Finding, group: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity,
        "operation": finding.operation,
        "old": finding.old,
        "new": finding.new,
        "message": finding.message,
        "group": group,
        "fails": report.fails(finding),
    }
    if report.consumers is not None and finding.severity != "safe":
        entry["consumers"] = [
            {"consumer": u.consumer, "interaction": u.interaction, "field": u.field}
            for u in report.uses(finding)
        ]
    if finding in report.ignored:
        entry["ignored"] = report.ignored[finding].reason
    return entry


def _markdown(report: Report) -> str:
    lines = [
        f"## API changes: `{report.old}` -> `{report.new}`",
        "",
        f"**{_counted(report)}**",
        "",
    ]
    if report.consumers is not None and report.failing():
        lines += [impact_summary(report.consumers, failing=report.failing()), ""]
    if not report.findings:
        return "\n".join([*lines, "No changes found."])
    lines += [
        "| severity | rule | operation | change | old | new | consumers |",
        "| --- " * 7 + "|",
    ]
    for f in report.findings:
        severity = f"{f.severity} (ignored: {report.ignored[f].reason})" if f in report.ignored \
            else f.severity  # fmt: skip
        cells = [
            severity,
            f"`{f.rule}`",
            f"`{f.operation}`",
            f.message,
            _code(f.old),
            _code(f.new),
            _consumers_cell(report, f),
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def _consumers_cell(report: Report, finding: Finding) -> str:
    if report.consumers is None or finding.severity == "safe":
        return "-"
    uses = report.uses(finding)
    return "<br>".join(f"{u.consumer}: {u.interaction}" for u in uses) if uses else NO_PACT


def _code(pointer: str | None) -> str:
    return "-" if pointer is None else f"`{pointer}`"
