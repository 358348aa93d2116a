"""The violations seen through the proxy, per operation: JSON for people and tools, JUnit for CI.

`ViolationReport` counts the exchanges of each operation and keeps each distinct violation
(side, field, code) once, with how often it was seen and the journal id of its first
exchange. It is written at exit (``--report``, ``--junit``) and on demand
(``POST /__mock/report``). In JUnit every operation of the spec is one test case: failed with
its violations, errored when the upstream failed it, skipped when no traffic reached it (or
the mock answered it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import orjson

__all__ = ["UNDECLARED", "OperationReport", "ViolationReport"]

# The pseudo-operation of requests that match no operation of the spec.
UNDECLARED = "(undeclared)"


@dataclass(slots=True)
class OperationReport:
    """What was seen of one operation."""

    name: str
    label: str
    exchanges: int = 0
    mocked: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    # (side, field, code) -> the violation, with "count" and "firstExchange".
    violations: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def violation_count(self) -> int:
        """Every violation seen, repeats included."""
        return sum(int(v["count"]) for v in self.violations.values())

    def to_json(self) -> dict[str, Any]:
        """The operation as the JSON report lists it."""
        return {
            "operation": self.name,
            "label": self.label,
            "exchanges": self.exchanges,
            "mocked": self.mocked,
            "upstreamFailures": dict(self.failures),
            "violationCount": self.violation_count,
            "violations": list(self.violations.values()),
        }


class ViolationReport:
    """Violations per operation over a proxy's lifetime."""

    def __init__(self, upstream: str, operations: Iterable[tuple[str, str]]) -> None:
        self.upstream = upstream
        self._operations = {name: OperationReport(name, label) for name, label in operations}

    def _of(self, name: str | None, label: str | None) -> OperationReport:
        key = name or UNDECLARED
        if key not in self._operations:
            self._operations[key] = OperationReport(key, label or "requests no operation matches")
        return self._operations[key]

    def add(
        self,
        name: str | None,
        label: str | None,
        violations: Iterable[Mapping[str, str]],
        exchange: int,
    ) -> None:
        """One exchange of operation ``name`` (None: no operation) and its violations."""
        report = self._of(name, label)
        report.exchanges += 1
        for violation in violations:
            key = (violation["in"], violation["field"], violation["code"])
            seen = report.violations.get(key)
            if seen is None:
                report.violations[key] = {**violation, "count": 1, "firstExchange": exchange}
            else:
                seen["count"] += 1

    def add_mocked(self, name: str | None, label: str | None) -> None:
        """One exchange the mock answered instead of the upstream."""
        self._of(name, label).mocked += 1

    def add_failure(self, name: str | None, label: str | None, cause: str) -> None:
        """One exchange the upstream failed (unreachable, timeout, reset, too_large)."""
        failures = self._of(name, label).failures
        failures[cause] = failures.get(cause, 0) + 1

    @property
    def violation_count(self) -> int:
        """Every violation seen, repeats included."""
        return sum(op.violation_count for op in self._operations.values())

    @property
    def exchange_count(self) -> int:
        """Exchanges answered by the upstream."""
        return sum(op.exchanges for op in self._operations.values())

    def to_json(self) -> dict[str, Any]:
        """The whole report: totals, then each operation seen or declared."""
        return {
            "upstream": self.upstream,
            "exchanges": self.exchange_count,
            "violations": self.violation_count,
            "operations": [op.to_json() for op in self._operations.values()],
        }

    def to_junit(self) -> str:
        """JUnit XML: one test case per operation."""
        suite = ElementTree.Element("testsuite", name="mockserver proxy")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for op in self._operations.values():
            counts["tests"] += 1
            case = ElementTree.SubElement(
                suite, "testcase", classname="mockserver.proxy", name=op.name
            )
            if op.violations:
                counts["failures"] += 1
                lines = [
                    f"{v['in']} {v['field']} [{v['code']}]: {v['message']} "
                    f"(seen {v['count']}x, first in journal entry {v['firstExchange']})"
                    for v in op.violations.values()
                ]
                failure = ElementTree.SubElement(
                    case,
                    "failure",
                    message=f"{op.violation_count} violations in {op.exchanges} exchanges "
                    f"of {op.label}",
                    type="contract_violation",
                )
                failure.text = "\n".join(lines)
            elif op.failures:
                counts["errors"] += 1
                causes = ", ".join(f"{cause} x{n}" for cause, n in op.failures.items())
                ElementTree.SubElement(
                    case, "error", message=f"{self.upstream} failed {op.label}: {causes}"
                )
            elif not op.exchanges:
                counts["skipped"] += 1
                why = "answered by the mock" if op.mocked else "no traffic reached it"
                ElementTree.SubElement(case, "skipped", message=why)
        for key, value in counts.items():
            suite.set(key, str(value))
        return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)

    def write(self, *, json_path: Path | None = None, junit_path: Path | None = None) -> None:
        """Write the JSON and the JUnit report where asked (each replaced whole, atomically)."""
        if json_path is not None:
            _replace(json_path, orjson.dumps(self.to_json(), option=orjson.OPT_INDENT_2))
        if junit_path is not None:
            _replace(junit_path, self.to_junit().encode())


def _replace(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
