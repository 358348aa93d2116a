"""Response validation: check a response against what its operation declares for the status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.compile.operations import Operation, Response
from mockserver.compile.validators import SchemaRegistry
from mockserver.validation.bodies import (
    ContentMatcher,
    body_readers,
    lower_headers,
    split_content_type,
)
from mockserver.validation.parameters import (
    MISSING,
    ParameterParser,
    collect_parameters,
    group_schema,
)
from mockserver.validation.violations import (
    MAX_MESSAGE,
    Violation,
    errors_to_violations,
    ordered_violations,
)

__all__ = ["ResponseValidator"]


class _ResponseRule:
    """One declared response, compiled: its headers and bodies."""

    def __init__(self, response: Response, registry: SchemaRegistry, pointer: str) -> None:
        document = registry.document
        headers = [h for h in response.headers.values() if h.name.lower() != "content-type"]
        self.headers = [ParameterParser(h, document) for h in headers]
        properties: dict[str, Any] = {}
        if headers:
            properties["header"] = group_schema(headers)
        self.bodies = body_readers(response.content, document, properties)
        self.matcher = ContentMatcher(response.content) if response.content else None
        self.prefixes = {body.key: "body" for body in self.bodies.values()}
        self.validator = (
            registry.compile({"type": "object", "properties": properties}, pointer=pointer)
            if properties
            else None
        )


class ResponseValidator:
    """Checks a response against what the operation declares for its status."""

    def __init__(self, operation: Operation, registry: SchemaRegistry) -> None:
        self.operation = operation
        self._rules = {
            status: _ResponseRule(response, registry, response.pointer)
            for status, response in operation.responses.items()
        }

    def validate(
        self,
        *,
        status: int,
        headers: Mapping[str, str],
        body: bytes | Any,
        content_type: str | None,
    ) -> list[Violation]:
        """Every way the response breaks the contract (``body`` may be bytes or parsed JSON)."""
        rules = self._rules
        rule = rules.get(str(status)) or rules.get(f"{status // 100}XX") or rules.get("DEFAULT")
        label = self.operation.label
        if rule is None:
            declared = ", ".join(rules) or "none"
            return [
                Violation(
                    "status",
                    "status",
                    f"status {status} is not declared for {label}; declared: {declared}",
                )
            ]
        violations: list[Violation] = []
        headers = lower_headers(headers)
        where = f"the {status} response of {label}"
        values = collect_parameters(rule.headers, headers, where, violations)
        instance: dict[str, Any] = {"header": values}
        try:
            self._check_body(rule, status, body, content_type, instance, violations)
            if rule.validator is not None and not rule.validator.is_valid(instance):
                found = rule.validator.iter_errors(instance)
                violations.extend(errors_to_violations(found, rule.prefixes))
        except Exception as exc:
            # Same contract as requests: a self-check reports, it never crashes the caller.
            message = f"the response could not be validated: {type(exc).__name__}: {exc}"
            violations.append(Violation("body", "unprocessable", message[:MAX_MESSAGE]))
        return ordered_violations(violations) if len(violations) > 1 else violations

    def _check_body(
        self,
        rule: _ResponseRule,
        status: int,
        body: bytes | Any,
        content_type: str | None,
        instance: dict[str, Any],
        violations: list[Violation],
    ) -> None:
        raw = isinstance(body, bytes | bytearray | memoryview)
        empty = body is None or (raw and len(body) == 0)
        matcher = rule.matcher
        where = f"the {status} response of {self.operation.label}"
        if matcher is None:
            if not empty:
                violations.append(
                    Violation("body", "unexpected_body", f"{where} declares no content")
                )
            return
        if empty:
            if self.operation.method != "head":
                violations.append(
                    Violation("body", "missing", f"{where} declares {matcher.accepted}")
                )
            return
        bare, params = split_content_type(content_type)
        if bare is None and len(matcher.declared) == 1:
            bare = next(iter(matcher.declared))
        declared = matcher.match(bare) if bare is not None else None
        if bare is None or declared is None:
            sent = f"content type {bare!r}" if bare else "no Content-Type"
            violations.append(
                Violation(
                    "header.Content-Type",
                    "content_type",
                    f"{where} has {sent}; declared: {matcher.accepted}",
                )
            )
            return
        body_rule = rule.bodies[declared]
        if raw:
            _, checked, problem = body_rule.read(bare, params, content_type or "", bytes(body))
            if problem is not None:
                violations.append(problem)
                return
        else:
            checked = body
        if checked is not MISSING:
            instance[body_rule.key] = checked
