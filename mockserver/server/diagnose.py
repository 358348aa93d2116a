"""What `mockserver lint` reports: the document's defects and what serving it would degrade.

`mockserver.spec.lint` judges the document; this module also builds the mock the way
``serve`` does and adds what only that shows: the operations that would not be served (with
why), and the response schemas no value satisfies, which the mock answers with the closest
value and a ``Warning`` header. Everything is located by JSON pointer.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from mockserver.errors import MockServerError, SpecError
from mockserver.server.engine import Engine
from mockserver.spec.lint import LintIssue, lint_spec
from mockserver.spec.loader import load_spec

__all__ = ["diagnose"]


def diagnose(source: str | os.PathLike[str] | Mapping[str, Any]) -> list[LintIssue]:
    """Every issue of ``source``, errors first: the document's, then the mock's."""
    issues = lint_spec(source)
    if any(issue.severity == "error" and not issue.pointer for issue in issues):
        return issues  # the document could not be read: there is no mock to build
    try:
        engine = Engine(load_spec(source), seed=0, stateful=False)
    except MockServerError:
        return issues  # lint_spec has said why
    issues.extend(engine.degraded)
    issues.extend(_uncompilable(engine))
    known = {issue.pointer for issue in issues}  # the document's lint names some already
    issues.extend(i for i in _unsatisfiable(engine) if i.pointer not in known)
    return sorted(issues, key=lambda issue: issue.severity != "error")


def _uncompilable(engine: Engine) -> Iterator[LintIssue]:
    """The operations whose schemas no validator compiles (served without enforcing them)."""
    for compiled in engine.operations:
        try:
            compiled.validator.compile()
        except SpecError as exc:
            yield LintIssue(
                "warning",
                exc.pointer or compiled.operation.pointer,
                f"{compiled.operation.label}: its schemas are not enforced: "
                + str(exc).split("\n  fix: ")[0].split(": ", 1)[-1],
                exc.hint,
            )


def _unsatisfiable(engine: Engine) -> Iterator[LintIssue]:
    """The response schemas generation cannot satisfy, each once."""
    seen: set[str] = set()
    for compiled in engine.operations:
        for response in compiled.responder.operation.responses.values():
            for media in response.content.values():
                if media.schema is None:
                    continue
                notes: list[str] = []
                engine.generator.generate(
                    media.schema, key="lint", direction="response", notes=notes
                )
                for pointer in notes:
                    if pointer in seen:
                        continue
                    seen.add(pointer)
                    yield LintIssue(
                        "warning",
                        pointer.lstrip("#"),
                        "no value satisfies this schema (overlapping oneOf branches, "
                        "contradictory bounds...): the mock answers the closest value it can "
                        "build, with a Warning header",
                        "make oneOf branches mutually exclusive, or correct the bounds",
                    )
