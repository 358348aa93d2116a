"""``mockserver contracts check``: pact files against an OpenAPI document, without a server.

Bi-directional contract testing: each interaction of each pact must be something the spec
allows. Its request must hit a declared path and method with valid parameters, headers and
body (unless the interaction expects the 400 or 422 that refuses it) and carry credentials when
the operation is secured (unless it expects the 401). Its response status must be declared,
its body must fit the response schema, and it may use no property the schema does not know.
Matcher-bearing bodies are checked through the example values the pact stores next to its
matching rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from mockserver.compile.operations import Operation, compile_operations
from mockserver.compile.routing import Router
from mockserver.compile.schemas import object_properties, schema_members
from mockserver.compile.validators import SchemaRegistry
from mockserver.errors import ConfigError
from mockserver.pact.files import body as pact_body
from mockserver.pact.files import headers as pact_headers
from mockserver.pact.files import http_interactions, pact_files, read_pact
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

    def __init__(self, path: Path) -> None:
        spec = load_spec(path)
        self.base_path = spec.base_path
        request_doc, response_doc = views(spec.document, spec.schemas)
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


def check_pacts(pacts: Path, spec: Path) -> list[InteractionCheck]:
    """Check every interaction of the pact files in ``pacts`` against ``spec``."""
    files = pact_files(pacts)
    if not files:
        raise ConfigError(f"no pact files at {pacts}: run `make pacts` or pass --pacts DIR")
    compiled = _Spec(spec)
    checks: list[InteractionCheck] = []
    for file in files:
        for interaction in http_interactions(read_pact(file)):
            checks.append(_check(compiled, file.name, interaction))
    return checks


def _check(spec: _Spec, pact: str, interaction: Mapping[str, Any]) -> InteractionCheck:
    request = interaction.get("request") or {}
    response = interaction.get("response") or {}
    method = str(request.get("method", "GET")).upper()
    path = str(request.get("path", "/"))
    status = int(response.get("status", 200))
    label = f"{method} {path} -> {status}"
    description = str(interaction.get("description", "?"))
    matched = spec.router.match(path)
    if matched is None:
        return InteractionCheck(
            pact, description, label, None,
            (f"request: no path of the spec matches {path} (base path {spec.base_path or '/'})",),
        )  # fmt: skip
    op = matched.methods.get(method)
    if op is None:
        allowed = ", ".join(m.upper() for m in matched.methods)
        problem = f"request: {method} is not declared for {matched.template}; allowed: {allowed}"
        return InteractionCheck(pact, description, label, None, (problem,))
    violations = list(_request_violations(op, matched.params_for(method), request, status))
    violations += _response_violations(spec, op, response, status)
    operation = op.request.operation_id or op.request.label
    return InteractionCheck(pact, description, label, operation, tuple(violations))


def _request_violations(
    op: _Compiled, params: Mapping[str, str], request: Mapping[str, Any], status: int
) -> Iterator[str]:
    headers = pact_headers(request)
    present, content, content_type = pact_body(request)
    raw = b""
    if present:
        raw = content.encode() if isinstance(content, str) else json.dumps(content).encode()
        headers.setdefault("content-type", content_type or "application/json")
    query = request.get("query") or {}
    query_string = urlencode(
        [
            (k, v)
            for k, values in query.items()
            for v in (values if isinstance(values, list) else [values])
        ]
    )
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
    spec: _Spec, op: _Compiled, response: Mapping[str, Any], status: int
) -> list[str]:
    headers = pact_headers(response)
    present, content, content_type = pact_body(response)
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
    """One line per interaction (``PASS``/``FAIL``), its violations, and a summary."""
    lines = []
    for check in checks:
        mark = "PASS" if check.passed else "FAIL"
        operation = f" ({check.operation})" if check.operation else ""
        lines.append(f"{mark:<5} {check.pact}: {check.description}: {check.request}{operation}")
        lines.extend(f"      - {violation}" for violation in check.violations)
    failed = sum(not c.passed for c in checks)
    lines.append(f"{len(checks)} interactions, {len(checks) - failed} passed, {failed} failed")
    return "\n".join(lines)
