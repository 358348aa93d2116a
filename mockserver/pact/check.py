"""``mockserver contracts check``: pact files against an OpenAPI document, without a server.

Bi-directional contract testing: each interaction of each pact must be something the spec
allows. Its request must hit a declared path and method with valid parameters, headers and
body (unless the interaction expects the 400 or 422 that refuses it) and carry credentials when
the operation is secured (unless it expects the 401). Its response status must be declared,
its body must fit the response schema, and it may use no property the schema does not know.
Matcher-bearing bodies are checked through the example values the pact stores next to its
matching rules, and the matchers themselves against the schema (`rules`); the provider states
and their params against the shared definitions (`given`). Pact specification V2, V3 and V4
are read (`files`), and each file's version is reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from contracts.states import DEFAULT_STATES, StateDefinitionError, StateDefinitions, load_states
from mockserver.compile.operations import Operation, compile_operations
from mockserver.compile.routing import Router
from mockserver.compile.schemas import object_properties, schema_members
from mockserver.compile.validators import SchemaRegistry
from mockserver.errors import ConfigError
from mockserver.pact.files import (
    VERSIONS,
    generators,
    http_interactions,
    matching_rules,
    pact_files,
    pact_version,
    provider_states,
    query,
    read_pact,
)
from mockserver.pact.files import body as pact_body
from mockserver.pact.files import headers as pact_headers
from mockserver.pact.given import state_problems
from mockserver.pact.rules import RuleTarget, rule_conflicts
from mockserver.spec.loader import load_spec
from mockserver.spec.views import views
from mockserver.validation.request import RequestValidator
from mockserver.validation.response import ResponseValidator

__all__ = ["InteractionCheck", "check_pacts", "format_checks"]


@dataclass(frozen=True, slots=True)
class InteractionCheck:
    """One interaction against the spec: the operation it hit and what it breaks."""

    pact: str
    description: str
    request: str
    operation: str | None
    violations: tuple[str, ...]
    version: str = "V4"

    @property
    def passed(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class _Compiled:
    request: Operation
    validator: RequestValidator
    responses: ResponseValidator


class _Spec:
    """The operations of one document, routed, with request and response validators."""

    def __init__(self, path: Path, states: StateDefinitions) -> None:
        spec = load_spec(path)
        self.states = states
        self.base_path = spec.base_path
        request_doc, response_doc = views(spec.document, spec.schemas)
        self.request_doc = request_doc
        self.response_doc = response_doc
        requests, responses = SchemaRegistry(request_doc), SchemaRegistry(response_doc)
        self.router: Router[_Compiled] = Router(spec.base_path)
        for req, resp in zip(
            compile_operations(request_doc), compile_operations(response_doc), strict=True
        ):
            compiled = _Compiled(
                req, RequestValidator(req, requests), ResponseValidator(resp, responses)
            )
            self.router.add(req.path, req.method, compiled)


def check_pacts(pacts: Path, spec: Path, *, states: Path | None = None) -> list[InteractionCheck]:
    """Check every interaction of the pact files in ``pacts`` against ``spec``, and their
    provider states against ``states`` (default: ``contracts/states.yaml``).

    Reads pact specification V2, V3 and V4; a file of another version fails as a whole.
    """
    files = pact_files(pacts)
    if not files:
        raise ConfigError(f"no pact files at {pacts}: run `make pacts` or pass --pacts DIR")
    try:
        definitions = load_states(states or DEFAULT_STATES)
    except StateDefinitionError as exc:
        raise ConfigError(f"{exc}; pass --states FILE") from exc
    compiled = _Spec(spec, definitions)
    checks: list[InteractionCheck] = []
    for file in files:
        pact = read_pact(file)
        version = pact_version(pact)
        if version not in VERSIONS:
            problem = (
                f"pact specification {version} is not read: contracts check reads "
                f"{', '.join(VERSIONS)} (metadata.pactSpecification.version); regenerate the "
                "pact with a current Pact library"
            )
            checks.append(InteractionCheck(file.name, "*", "", None, (problem,), version))
            continue
        for interaction in http_interactions(pact):
            checks.append(_check(compiled, file.name, interaction, version))
    return checks


def _check(
    spec: _Spec, pact: str, interaction: Mapping[str, Any], version: str
) -> InteractionCheck:
    request = interaction.get("request") or {}
    response = interaction.get("response") or {}
    method = str(request.get("method", "GET")).upper()
    path = str(request.get("path", "/"))
    status = int(response.get("status", 200))
    label = f"{method} {path} -> {status}"
    description = str(interaction.get("description", "?"))
    given = [
        *(("request", g) for g in generators(request)),
        *(("response", g) for g in generators(response)),
    ]
    states = list(state_problems(provider_states(interaction), given, spec.states))
    matched = spec.router.match(path)
    if matched is None:
        problem = f"request: no path of the spec matches {path} (base path {spec.base_path or '/'})"
        return InteractionCheck(pact, description, label, None, (problem, *states), version)
    op = matched.methods.get(method)
    if op is None:
        allowed = ", ".join(m.upper() for m in matched.methods)
        problem = f"request: {method} is not declared for {matched.template}; allowed: {allowed}"
        return InteractionCheck(pact, description, label, None, (problem, *states), version)
    violations = list(_request_violations(op, matched.params_for(method), request, status, version))
    violations += _response_violations(spec, op, response, status, version)
    violations += _request_rules(spec, op, request, version)
    violations += _response_rules(spec, op, response, status, version)
    violations += states
    operation = op.request.operation_id or op.request.label
    return InteractionCheck(pact, description, label, operation, tuple(violations), version)


def _request_rules(
    spec: _Spec, op: _Compiled, request: Mapping[str, Any], version: str
) -> list[str]:
    present, content, _ = pact_body(request, version)
    body = op.request.request_body
    schema = None
    if body is not None:
        media = next(iter(body.content.values()), None)
        schema = media.schema if media is not None else None
    parameters: dict[tuple[str, str], Any] = {
        (p.location, p.name.lower() if p.location == "header" else p.name): p.schema
        for p in op.request.parameters
        if p.location in ("header", "query")
    }
    values = {("header", name): value for name, value in pact_headers(request).items()}
    values |= {("query", name): value for name, value in query(request)}
    target = RuleTarget(
        "request", spec.request_doc, schema, content if present else None, parameters, values
    )
    return list(rule_conflicts(matching_rules(request, version), target))


def _response_rules(
    spec: _Spec, op: _Compiled, response: Mapping[str, Any], status: int, version: str
) -> list[str]:
    declared = op.responses.operation.responses.get(str(status))
    if declared is None:
        return []
    present, content, _ = pact_body(response, version)
    media = next(iter(declared.content.values()), None)
    schema = media.schema if media is not None else None
    parameters = {("header", name.lower()): h.schema for name, h in declared.headers.items()}
    values = {("header", name): value for name, value in pact_headers(response).items()}
    target = RuleTarget(
        "response", spec.response_doc, schema, content if present else None, parameters, values
    )
    return list(rule_conflicts(matching_rules(response, version), target))


def _request_violations(
    op: _Compiled, params: Mapping[str, str], request: Mapping[str, Any], status: int, version: str
) -> Iterator[str]:
    headers = pact_headers(request)
    present, content, content_type = pact_body(request, version)
    raw = b""
    if present:
        raw = content.encode() if isinstance(content, str) else json.dumps(content).encode()
        headers.setdefault("content-type", content_type or "application/json")
    query_string = urlencode(query(request))
    _, violations = op.validator.validate(
        path_params=params, query_string=query_string, headers=headers, body=raw
    )
    if status not in (400, 422):  # an interaction about a refused request sends a bad one
        for violation in violations:
            yield f"request {violation.location}: {violation.message}"
    secured = any(requirement for requirement in op.request.security)
    if secured and status != 401 and "authorization" not in headers:
        yield (
            f"request: {op.request.label} requires credentials (security), and the interaction "
            "sends no Authorization header; only a 401 interaction may leave it out"
        )


def _response_violations(
    spec: _Spec, op: _Compiled, response: Mapping[str, Any], status: int, version: str
) -> list[str]:
    headers = pact_headers(response)
    present, content, content_type = pact_body(response, version)
    found = op.responses.validate(
        status=status,
        headers=headers,
        body=content if present else None,
        content_type=headers.get("content-type") or content_type,
    )
    out = [f"response {v.location}: {v.message}" for v in found]
    declared = op.responses.operation.responses.get(str(status))
    if present and declared is not None:
        for media in declared.content.values():
            if media.schema is not None:
                out += [
                    f"response body{where}: property {name!r} is not in the response schema"
                    for where, name in _unknown(content, media.schema, spec.response_doc, "")
                ]
                break
    return out


def _unknown(
    value: Any, schema: Any, document: Mapping[str, Any], where: str
) -> Iterator[tuple[str, str]]:
    """Properties of ``value`` that ``schema`` does not declare (unless it allows any)."""
    members = schema_members(schema, document) if isinstance(schema, Mapping) else []
    if isinstance(value, Mapping):
        properties = object_properties(schema, document)
        # Unlike JSON Schema, an absent additionalProperties counts as closed here: a
        # consumer relying on an undeclared property is what this check exists to catch.
        open_ended = any(
            m.get("additionalProperties") not in (None, False) or m.get("patternProperties")
            for m in members
        )
        if not properties and not any("properties" in m for m in members):
            return  # a free-form object (metadata): anything goes
        for name, item in value.items():
            if name in properties:
                yield from _unknown(item, properties[name], document, f"{where}.{name}")
            elif not open_ended:
                yield where or ".", str(name)
    elif isinstance(value, list):
        items = next((m["items"] for m in members if isinstance(m.get("items"), Mapping)), None)
        if items is not None:
            for index, item in enumerate(value):
                yield from _unknown(item, items, document, f"{where}[{index}]")


def format_checks(checks: list[InteractionCheck]) -> str:
    """Per pact file the specification read, then one line per interaction (``PASS``/``FAIL``)
    with its violations, and a summary."""
    lines = []
    seen: set[str] = set()
    for check in checks:
        if check.pact not in seen:
            seen.add(check.pact)
            lines.append(f"{check.pact}: pact specification {check.version}")
        mark = "PASS" if check.passed else "FAIL"
        operation = f" ({check.operation})" if check.operation else ""
        request = f": {check.request}" if check.request else ""
        lines.append(f"{mark:<5} {check.pact}: {check.description}{request}{operation}")
        lines.extend(f"      - {violation}" for violation in check.violations)
    failed = sum(not c.passed for c in checks)
    lines.append(f"{len(checks)} interactions, {len(checks) - failed} passed, {failed} failed")
    return "\n".join(lines)
