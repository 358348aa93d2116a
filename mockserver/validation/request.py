"""Request validation with everything compiled up front.

`RequestValidator` compiles, once per operation, a parser per parameter and ONE JSON Schema
validator covering the parameters and every declared body. A request then costs a few dict
lookups, one body parse and one ``is_valid`` call; only a failing request pays for
``iter_errors``, whose errors become `Violation`s located like ``body.items[0].quantity``.
`ResponseValidator` (in `mockserver.validation.response`) checks responses with the same parts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mockserver.compile.operations import Operation
from mockserver.compile.routing import request_path
from mockserver.compile.validators import SchemaRegistry
from mockserver.errors import SpecError
from mockserver.store.memory import copy_json
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
    parse_cookies,
    parse_query,
)
from mockserver.validation.violations import (
    MAX_MESSAGE,
    Violation,
    errors_to_violations,
    ordered_violations,
    redact,
    write_only_locations,
)

__all__ = ["PATH_KEPT_CHARS", "PATH_OUTCOMES", "RequestValidator", "ValidatedRequest"]

# Header parameters OpenAPI says to ignore: HTTP itself governs them.
_IGNORED_HEADERS: Final = frozenset({"accept", "content-type", "authorization"})
_LOCATIONS: Final = ("path", "query", "header", "cookie")
logger = logging.getLogger("mockserver")


# Not frozen: one is made per request, and a frozen dataclass sets each field through
# object.__setattr__ (several times the cost). Nothing changes one once made.
@dataclass(slots=True)
class ValidatedRequest:
    """A request's declared parameters and body, typed as the spec says."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    cookies: dict[str, Any]
    media_type: str | None
    body: Any


_Outcome = tuple[ValidatedRequest, list[Violation]]
# How many outcomes of path-only requests one operation keeps (see `RequestValidator`), and
# the longest path values kept (the values of an id or two; a hostile path is not kept).
PATH_OUTCOMES: Final = 1024
PATH_KEPT_CHARS: Final = 256


class RequestValidator:
    """Validates requests to one operation; everything is compiled in the constructor."""

    def __init__(self, operation: Operation, registry: SchemaRegistry) -> None:
        self.operation = operation
        self.label = operation.label
        document = registry.document
        # A path parameter written after a #fragment or ?query of the path (mastercard's
        # `/send/#env/v1/partners/{partnerId}/...`) can never be sent: not asked for.
        routed = request_path(operation.path)
        params = [
            p
            for p in operation.parameters
            if not (p.location == "header" and p.name.lower() in _IGNORED_HEADERS)
            and not (p.location == "path" and "{" + p.name + "}" not in routed)
        ]
        query_names = [p.name for p in params if p.location == "query"]
        self._parsers = {
            location: [
                ParameterParser(p, document, reserved=query_names)
                for p in params
                if p.location == location
            ]
            for location in _LOCATIONS
        }
        properties: dict[str, Any] = {}
        for location in _LOCATIONS:
            group = [p for p in params if p.location == location]
            if group:
                properties[location] = group_schema(group)
        request_body = operation.request_body
        self._body_required = request_body is not None and request_body.required
        content = request_body.content if request_body is not None else {}
        self._bodies = body_readers(content, document, properties)
        self._matcher = ContentMatcher(content) if content else None
        self._prefixes = {body.key: "body" for body in self._bodies.values()}
        self._content = content
        self._secrets: frozenset[str] | None = None  # found at the first violation
        # Compiled at the first request: a big spec starts without paying for the validators
        # of operations nobody calls. The registry keeps it, not this object: it keeps a
        # bounded number (a giant document's validators are big, and its operations many).
        self._registry = registry
        self._schema = {"type": "object", "properties": properties} if properties else None
        self._enforced = self._schema is not None  # False once the schema failed to compile
        # A request without a body to an operation declaring parameters only in its path
        # (a read or delete by id) validates the same way whenever its path values are the
        # same: each outcome is kept, by those values, so a record read again is not checked
        # again. At most `PATH_OUTCOMES`, forgotten all at once when full.
        parsers = self._parsers
        self._by_path: dict[tuple[tuple[str, str], ...], _Outcome] | None = (
            {} if not (parsers["query"] or parsers["header"] or parsers["cookie"]) else None
        )

    def _write_only(self) -> frozenset[str]:
        # Deferred: only a request with violations needs them, and on a big document
        # walking every body's schemas up front costs seconds at start-up.
        if self._secrets is None:
            document = self._registry.document
            self._secrets = frozenset(
                location
                for media in self._content.values()
                for location in write_only_locations(media.schema, document, "body")
            )
        return self._secrets

    def compile(self) -> Any:
        """Compile the operation's validator now (the first request does it otherwise).

        Raises `SpecError` when a schema of the operation cannot be compiled.
        """
        if self._schema is None:
            return None
        return self._registry.compile(self._schema, pointer=self.operation.pointer)

    def _compile_or_skip(self) -> Any:
        try:
            return self.compile()
        except SpecError as exc:
            # Compiled lazily, a schema no validator reads is found by a request: parameters
            # and bodies are still parsed, the schema is not enforced (lint names it).
            logger.warning("%s: its schemas are not enforced: %s", self.label, exc)
            self._enforced = False
            return None

    def validate(
        self,
        *,
        path_params: Mapping[str, str],
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[ValidatedRequest, list[Violation]]:
        """Parse and check one request; every violation found is reported, none raised."""
        by_path = self._by_path
        if by_path is None or body:
            return self._checked(path_params, query_string, headers, body)
        key = tuple(path_params.items())
        kept = by_path.get(key)
        if kept is None:
            kept = self._checked(path_params, query_string, headers, body)
            if sum(len(value) for _, value in key) <= PATH_KEPT_CHARS:  # long ones are rare
                if len(by_path) >= PATH_OUTCOMES:
                    by_path.clear()
                by_path[key] = kept
        # Copies: no caller's change reaches the next request (an array or object a path
        # parameter holds is copied too).
        validated, violations = kept
        path = copy_json(validated.path)
        return ValidatedRequest(path, {}, {}, {}, validated.media_type, None), list(violations)

    def _checked(
        self, path_params: Mapping[str, str], query_string: str, headers: Mapping[str, str],
        body: bytes,
    ) -> _Outcome:  # fmt: skip
        try:
            return self._validate(path_params, query_string, headers, body)
        except Exception as exc:
            # Hostile input must earn a 400, never a 500: whatever slipped past the parsers
            # is reported as a violation instead of escaping.
            empty = ValidatedRequest({}, {}, {}, {}, None, None)
            message = f"the request could not be validated: {type(exc).__name__}: {exc}"
            return empty, [Violation("request", "unprocessable", message[:MAX_MESSAGE])]

    def _validate(
        self,
        path_params: Mapping[str, str],
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[ValidatedRequest, list[Violation]]:
        violations: list[Violation] = []
        headers = lower_headers(headers)
        parsers = self._parsers
        where = self.label
        # A location without parameters yields {} without a call (most have none).
        path = (
            collect_parameters(parsers["path"], path_params, where, violations)
            if parsers["path"]
            else {}
        )
        empties: list[str] = []
        query = (
            collect_parameters(
                parsers["query"], parse_query(query_string), where, violations, empties
            )
            if parsers["query"]
            else {}
        )
        header_values = (
            collect_parameters(parsers["header"], headers, where, violations)
            if parsers["header"]
            else {}
        )
        cookies = (
            collect_parameters(
                parsers["cookie"], parse_cookies(headers.get("cookie")), where, violations
            )
            if parsers["cookie"]
            else {}
        )
        instance: dict[str, Any] = {
            "path": path,
            "query": query,
            "header": header_values,
            "cookie": cookies,
        }
        media_type, value = self._read_body(headers, body, instance, violations)
        validator = (
            self._registry.kept(self._schema) or self._compile_or_skip()
            if self._enforced and self._schema is not None
            else None
        )
        if validator is not None and not validator.is_valid(instance):
            found = errors_to_violations(validator.iter_errors(instance), self._prefixes)
            secrets = self._write_only()
            if secrets:
                found = [redact(v, value) if v.location in secrets else v for v in found]
            violations.extend(found)
        for name in empties:
            query[name] = ""
        request = ValidatedRequest(path, query, header_values, cookies, media_type, value)
        return request, ordered_violations(violations) if len(violations) > 1 else violations

    def _read_body(
        self,
        headers: Mapping[str, str],
        body: bytes,
        instance: dict[str, Any],
        violations: list[Violation],
    ) -> tuple[str | None, Any]:
        matcher = self._matcher
        if not body:
            if self._body_required:
                accepted = f" ({matcher.accepted})" if matcher is not None else ""
                violations.append(
                    Violation("body", "missing", f"{self.label} requires a request body{accepted}")
                )
            return None, None
        if matcher is None:
            return None, None  # no body declared: whatever was sent is ignored
        raw_type = headers.get("content-type")
        bare, params = split_content_type(raw_type)
        declared = matcher.match(bare) if bare is not None else None
        if bare is None or declared is None:
            sent = f"content type {bare!r}" if bare else "a body without a Content-Type header"
            violations.append(
                Violation(
                    "header.Content-Type",
                    "content_type",
                    f"{self.label} does not accept {sent}; send one of: {matcher.accepted}",
                )
            )
            return bare, None
        rule = self._bodies[declared]
        value, checked, problem = rule.read(bare, params, raw_type or "", body)
        if problem is not None:
            violations.append(problem)
        elif checked is not MISSING:
            instance[rule.key] = checked
        return bare, value
