"""The diff in the formats CI systems read: JUnit XML and GitHub workflow annotations.

JUnit: one test case per finding, named by its rule and operation; a finding that fails the
run is a failure, an ignored one is skipped with its reason. GitHub: ``::error`` for each
breaking finding, ``::warning`` for each possibly-breaking one (safe and ignored ones are not
annotated), pointing at the new document when it is a file, at the line of the finding's
new pointer (`mockserver.diff.lines`); JUnit test cases carry the same ``file`` and ``line``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from mockserver.diff.lines import LineIndex, read_line_index
from mockserver.diff.model import Finding
from mockserver.diff.report import NO_PACT, Report

__all__ = ["github", "junit"]


def junit(report: Report) -> str:
    """A JUnit XML document: one ``testcase`` per finding."""
    wanted = [finding.new or "" for finding in report.findings]
    lines = read_line_index(report.new_file, wanted) if report.new_file else LineIndex(None)
    failures = sum(1 for finding in report.findings if report.fails(finding))
    suite = ET.Element(
        "testsuite",
        name=f"mockserver diff {report.old} -> {report.new}",
        tests=str(len(report.findings)),
        failures=str(failures),
        skipped=str(len(report.ignored)),
        errors="0",
    )
    for finding in report.findings:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=finding.operation,
            name=f"{finding.rule}: {finding.message}",
        )
        if report.new_file is not None:
            case.set("file", report.new_file)
            line = lines.line_of(finding.new or "")
            if line is not None:
                case.set("line", str(line))
        if finding in report.ignored:
            ET.SubElement(case, "skipped", message=f"ignored: {report.ignored[finding].reason}")
        elif report.fails(finding):
            failure = ET.SubElement(case, "failure", message=finding.message, type=finding.severity)
            failure.text = _details(report, finding)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode")


def github(report: Report) -> str:
    """GitHub workflow commands, one line per breaking or possibly-breaking finding."""
    commands = []
    annotated = [f for f in report.findings if f not in report.ignored and f.severity != "safe"]
    wanted = [finding.new or "" for finding in annotated]
    lines = read_line_index(report.new_file, wanted) if report.new_file else LineIndex(None)
    for finding in annotated:
        level = "error" if finding.severity == "breaking" else "warning"
        properties = [f"title={_property(f'{finding.rule}: {finding.operation}')}"]
        if report.new_file is not None:
            line = lines.line_of(finding.new or "")
            properties[:0] = [f"file={_property(report.new_file)}"]
            properties[1:1] = [] if line is None else [f"line={line}"]
        message = f"{finding.message}\n{_details(report, finding)}"
        commands.append(f"::{level} {','.join(properties)}::{_data(message)}")
    return "\n".join(commands)


def _details(report: Report, finding: Finding) -> str:
    lines = [
        f"{finding.severity}: {finding.rule}",
        f"old: {report.old}#{finding.old or ''}",
        f"new: {report.new}#{finding.new or ''}",
    ]
    if report.consumers is not None:
        uses = report.uses(finding)
        lines += [f'consumer {u.consumer}: "{u.interaction}" ({u.field})' for u in uses]
        lines += [] if uses else [f"consumers: {NO_PACT}"]
    return "\n".join(lines)


def _data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A workflow command's property value, escaped as GitHub's toolkit escapes it."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")
