"""Consumer impact: which recorded interactions of which consumers' pacts a finding touches.

Each HTTP interaction of a Pact V4 file is matched to an operation of the OLD document (the
one its consumer was written against) by method and path: the concrete path, else the
path generator's ProviderState expression with each ``${name}`` read as a segment. A finding
touches an interaction of its operation when the interaction uses what changed, judged by
the finding's `Subject`: a removed operation every interaction of it; a parameter or request
body property the interactions that send it (a newly required one those that do not); a
response status or property the interactions expecting that status (and holding that
property in their expected body). Pact files are read as `mockserver.pact.check` reads them
(`mockserver.pact.files`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.compile.routing import RouteClash, Router
from mockserver.diff.model import Finding, Subject
from mockserver.errors import ConfigError, DiffError
from mockserver.pact.files import body as pact_body
from mockserver.pact.files import headers as pact_headers
from mockserver.pact.files import http_interactions, pact_files, read_pact
from mockserver.spec.loader import Spec
from mockserver.spec.normalize import HTTP_METHODS

__all__ = [
    "Interaction",
    "Use",
    "consumer_impact",
    "impact_summary",
    "pact_interactions",
    "read_pacts",
]

_EXPRESSION = re.compile(r"\$\{([^{}]*)\}")
# Rules whose subject is something clients do not send yet: they break those leaving it out.
_LEFT_OUT = {
    "request-default-changed",  # those leaving the value out get the new default
    "request-parameter-made-required",
    "request-property-made-required",
    "request-property-added-required",
}
_ABSENT = object()


@dataclass(frozen=True, slots=True)
class Interaction:
    """What matching needs of one recorded HTTP interaction."""

    consumer: str
    description: str
    method: str
    paths: tuple[str, ...]  # the concrete path, then the generator's expression if any
    query: frozenset[str]
    headers: Mapping[str, str]  # lower-case names
    body: Any  # the request body's content, or _ABSENT
    status: int
    response_headers: frozenset[str]
    response_body: Any


@dataclass(frozen=True, slots=True, order=True)
class Use:
    """An interaction a finding touches: its consumer, its description and what it uses."""

    consumer: str
    interaction: str
    field: str


def read_pacts(directory: Path) -> list[Interaction]:
    """The HTTP interactions of every ``*.json`` pact in ``directory`` (or of one file)."""
    found: list[Interaction] = []
    for file in pact_files(directory):
        try:
            pact = read_pact(file)
        except ConfigError as exc:
            why = exc.__cause__
            raise DiffError(f"{file}: cannot read this pact: {why}; fix or remove it") from None
        found.extend(pact_interactions(pact, source=str(file), consumer=file.stem))
    return found


def pact_interactions(pact: Any, *, source: str, consumer: str) -> list[Interaction]:
    """The HTTP interactions of one parsed pact (``source`` names it in errors; ``consumer``
    stands in for a pact that names none)."""
    if not isinstance(pact, dict):
        raise DiffError(f"{source}: expected a Pact JSON object, got {type(pact).__name__}")
    named = pact.get("consumer")
    name = named.get("name") if isinstance(named, dict) else None
    return [_interaction(str(name or consumer), entry) for entry in http_interactions(pact)]


def _interaction(consumer: str, entry: Mapping[str, Any]) -> Interaction:
    request, response = _part(entry, "request"), _part(entry, "response")
    paths = [str(request.get("path", "/"))]
    generators = request.get("generators")
    generated = generators.get("path") if isinstance(generators, dict) else None
    if isinstance(generated, dict) and isinstance(generated.get("expression"), str):
        paths.append(_EXPRESSION.sub(lambda m: m[1] or "_", generated["expression"]))
    query = request.get("query")
    try:
        status = int(response.get("status", 200))
    except (TypeError, ValueError):
        status = 0
    return Interaction(
        consumer=consumer,
        description=str(entry.get("description", "?")),
        method=str(request.get("method", "GET")).upper(),
        paths=tuple(paths),
        query=frozenset(map(str, query)) if isinstance(query, dict) else frozenset(),
        headers=pact_headers(request),
        body=_body(request),
        status=status,
        response_headers=frozenset(pact_headers(response)),
        response_body=_body(response),
    )


def _part(entry: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    part = entry.get(name)
    return part if isinstance(part, dict) else {}


def _body(part: Mapping[str, Any]) -> Any:
    present, content, _ = pact_body(part)
    return content if present else _ABSENT


def consumer_impact(
    findings: Iterable[Finding], old: Spec, interactions: Sequence[Interaction]
) -> dict[Finding, tuple[Use, ...]]:
    """For each breaking or possibly-breaking finding, the interactions it touches."""
    operations = _operations(old, interactions)
    impact: dict[Finding, tuple[Use, ...]] = {}
    for finding in findings:
        if finding.severity == "safe":
            continue
        method, shape = _key(finding.operation)
        uses = []
        for interaction, (i_method, i_shape, template) in zip(
            interactions, operations, strict=True
        ):
            if i_shape != shape or (method is not None and method != i_method):
                continue
            field = _touches(finding, interaction, f"{i_method} {template}")
            if field is not None:
                uses.append(Use(interaction.consumer, interaction.description, field))
        impact[finding] = tuple(sorted(uses))
    return impact


def impact_summary(impact: Mapping[Finding, Sequence[Use]], *, failing: Iterable[Finding]) -> str:
    """``breaks 1 consumer(s): platform-web (3 interactions)``, over the ``failing`` findings."""
    touched: dict[str, set[str]] = {}
    for finding in failing:
        for use in impact.get(finding, ()):
            touched.setdefault(use.consumer, set()).add(use.interaction)
    if not touched:
        return "breaks no consumer: no pact exercises a failing change"
    parts = [
        f"{consumer} ({len(names)} interaction{'s' if len(names) != 1 else ''})"
        for consumer, names in sorted(touched.items())
    ]
    return f"breaks {len(touched)} consumer(s): {', '.join(parts)}"


def _operations(
    old: Spec, interactions: Sequence[Interaction]
) -> list[tuple[str, str | None, str]]:
    """Each interaction's (method, template shape, template) in the old document."""
    router: Router[str] = Router(old.base_path)
    paths = old.document.get("paths")
    for template, item in paths.items() if isinstance(paths, dict) else ():
        for method in HTTP_METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                try:
                    router.add(str(template), method, str(template))
                except RouteClash:
                    continue  # the first of two look-alike templates answers for both
    found: list[tuple[str, str | None, str]] = []
    for interaction in interactions:
        hit = None
        for path in interaction.paths:
            matched = router.match(path)
            if matched is not None and interaction.method in matched.methods:
                hit = matched.template_for(interaction.method)
                break
        found.append((interaction.method, None if hit is None else _shape(hit), hit or ""))
    return found


def _key(operation: str) -> tuple[str | None, str]:
    """``POST /a/{id}`` -> (``POST``, ``/a/{}``); a path finding's ``/a`` -> (None, ``/a``)."""
    method, _, template = operation.partition(" ")
    if template and method.lower() in HTTP_METHODS:
        return method, _shape(template)
    return None, _shape(operation)


def _shape(template: str) -> str:
    return re.sub(r"\{[^{}]*\}", "{}", template)


def _touches(finding: Finding, interaction: Interaction, operation: str) -> str | None:
    """What of ``interaction`` the finding touches (a phrase), or None."""
    subject = finding.subject
    if subject.part in ("operation", "security"):
        return operation
    if subject.part == "parameter":
        return _parameter(finding.rule, subject, interaction)
    if subject.part == "request-body":
        return _request_body(finding.rule, subject.field, interaction)
    if finding.rule.endswith("-status-added"):
        return f"{operation} (any answer)"
    if not _status_matches(subject.place, interaction.status):
        return None
    if subject.part == "response-header":
        named = subject.name.lower() in interaction.response_headers
        return f"{subject.place} response header {subject.name}" if named else None
    if not subject.field:
        return f"status {interaction.status}"
    if _contains(interaction.response_body, subject.field):
        return f"{interaction.status} response body {_dotted(subject.field)}"
    return None


def _parameter(rule: str, subject: Subject, interaction: Interaction) -> str | None:
    label = f"{subject.place} parameter {subject.name}"
    sent = _sends(subject, interaction)
    if rule == "request-parameter-added-required":
        return f"{label} (not sent)"
    if rule in _LEFT_OUT:
        return None if sent else f"{label} (not sent)"
    return label if sent else None


def _sends(subject: Subject, interaction: Interaction) -> bool:
    if subject.place == "path":
        return True
    if subject.place == "query":
        return subject.name in interaction.query
    if subject.place == "header":
        return subject.name.lower() in interaction.headers
    if subject.place == "cookie":
        cookies = interaction.headers.get("cookie", "")
        return any(c.strip().startswith(f"{subject.name}=") for c in cookies.split(";"))
    return False


def _request_body(rule: str, field: tuple[str, ...], interaction: Interaction) -> str | None:
    label = f"request body {_dotted(field)}".rstrip()
    if rule == "request-body-made-required":
        return None if interaction.body is not _ABSENT else "request body (not sent)"
    if rule in _LEFT_OUT:
        parent = field[:-1]
        # A property the root needs: every interaction, as none sends it (even bodiless ones).
        sends_parent = not parent or _contains(interaction.body, parent)
        if sends_parent and not _contains(interaction.body, field):
            return f"{label} (not sent)"
        return None
    return label if _contains(interaction.body, field) else None


def _status_matches(declared: str, status: int) -> bool:
    """Whether an interaction's status answers to a declared one (``200``, ``2XX``, default)."""
    if declared == "DEFAULT":
        return True
    if len(declared) == 3 and declared.endswith("XX"):
        return str(status).startswith(declared[0])
    return declared == str(status)


def _contains(value: Any, field: tuple[str, ...]) -> bool:
    """Whether ``value`` holds the property trail ``field`` (``"[]"``: in any of its items)."""
    if value is _ABSENT:
        return False
    if not field:
        return True
    step, rest = field[0], field[1:]
    if step == "[]":
        return isinstance(value, list) and any(_contains(item, rest) for item in value)
    return isinstance(value, dict) and step in value and _contains(value[step], rest)


def _dotted(field: tuple[str, ...]) -> str:
    """``("data", "[]", "status")`` -> ``data[].status``."""
    text = ""
    for step in field:
        text += step if step == "[]" or not text else f".{step}"
    return text
