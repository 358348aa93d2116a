"""Check one proxied exchange against the spec, and keep secrets out of what is kept of it.

`Checker` finds the operation of a request with the engine's router and checks the request
with the operation's compiled `RequestValidator` (the one the mock uses) and the answer with a
`ResponseValidator` of the response view (status declared, headers, body against the schema of
that status and media type), compiled per operation at its first use. Each violation says
which side broke the rule: ``{"in": "request" | "response", "field", "code", "message"}``.

`KeptExchange` is what the journal keeps of an exchange: the values of secret-looking headers
and fields (passwords, tokens, keys, cookies) replaced by `mockserver.store.redaction`, as the
mock's own journal does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import Headers

from mockserver.compile.operations import Operation, compile_operations, declared_response
from mockserver.compile.validators import SchemaRegistry
from mockserver.server.compiler import CompiledOperation
from mockserver.server.engine import Engine
from mockserver.store.redaction import redacted_body, redacted_headers
from mockserver.validation.response import ResponseValidator
from mockserver.validation.violations import Violation

__all__ = [
    "Checker",
    "KeptExchange",
    "Route",
    "kept_body",
    "violation_json",
]

# What the journal keeps of a body: parsed JSON up to this size, else the start of the text.
_KEPT_JSON = 64 * 1024
_KEPT_TEXT = 2048


@dataclass(frozen=True, slots=True)
class Route:
    """Where a request went in the spec: its operation and path parameters, or why none."""

    compiled: CompiledOperation | None
    params: dict[str, str]
    miss: Violation | None = None

    @property
    def operation(self) -> Operation | None:
        """The operation matched, or None."""
        return self.compiled.operation if self.compiled is not None else None


def violation_json(side: str, violation: Violation) -> dict[str, str]:
    """One violation as the journal and the report show it."""
    return {
        "in": side,
        "field": violation.location,
        "code": violation.code,
        "message": violation.message,
    }


class Checker:
    """The spec's rules for both sides of an exchange, compiled once per operation."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._registry = SchemaRegistry(engine.responses_document)
        self._response_ops = {
            op.pointer: op for op in compile_operations(engine.responses_document, failed=[])
        }
        self._validators: dict[str, ResponseValidator] = {}

    def route(self, method: str, path: str) -> Route:
        """The operation ``method path`` calls, as the mock would route it."""
        match = self.engine.router.match(path)
        if match is None:
            base = self.engine.spec.base_path
            return Route(None, {}, Violation(
                "path", "no_such_path",
                f"no operation of the spec matches {method} {path}"
                + (f" (the base path is {base})" if base else ""),
            ))  # fmt: skip
        answered = "GET" if method == "HEAD" and method not in match.methods else method
        compiled = match.methods.get(answered)
        if compiled is None:
            allowed = ", ".join(sorted(match.methods))
            return Route(None, {}, Violation(
                "method", "method_not_allowed",
                f"{match.template} declares no {method}; it declares {allowed}",
            ))  # fmt: skip
        return Route(compiled, match.params_for(answered))

    def check_request(
        self, route: Route, query: str, headers: Headers, body: bytes
    ) -> list[dict[str, str]]:
        """The request's violations (the route's miss when it matched no operation)."""
        if route.compiled is None:
            return [violation_json("request", route.miss)] if route.miss is not None else []
        _, violations = route.compiled.validator.validate(
            path_params=route.params, query_string=query, headers=headers, body=body
        )
        return [violation_json("request", v) for v in violations]

    def check_response(
        self,
        operation: Operation,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        *,
        head: bool = False,
    ) -> list[dict[str, str]]:
        """The answer's violations: status declared, headers, body against its schema.

        ``head``: the answer to a HEAD, which has no body to check.
        """
        validator = self._validator(operation)
        pairs = list(headers)
        content_type = next((v for k, v in pairs if k.lower() == "content-type"), None)
        found = validator.validate(
            status=status, headers=dict(pairs), body=body, content_type=content_type
        )
        return [
            violation_json("response", v)
            for v in found
            if not (head and v.location.startswith("body"))
        ]

    def declares(self, operation: Operation, status: int) -> bool:
        """Whether ``operation`` declares an answer with ``status`` (exactly, nXX or default)."""
        return declared_response(operation, status) is not None

    def _validator(self, operation: Operation) -> ResponseValidator:
        validator = self._validators.get(operation.pointer)
        if validator is None:
            response_op = self._response_ops.get(operation.pointer, operation)
            validator = ResponseValidator(response_op, self._registry)
            self._validators[operation.pointer] = validator
        return validator


def kept_body(body: bytes, content_type: str | None, size: int | None = None) -> Any:
    """What the journal keeps of a body: redacted JSON, the start of a text, or its size.

    ``size``: the whole body's, when ``body`` is only its start (`KeptExchange` keeps that).
    """
    if not body:
        return None
    size = len(body) if size is None else size
    bare = (content_type or "").split(";", 1)[0].strip().lower()
    if bare.endswith("json") and size <= _KEPT_JSON:
        try:
            return redacted_body(orjson.loads(body))
        except orjson.JSONDecodeError:
            pass
    if bare.startswith("text/") or bare.endswith(("json", "xml")):
        text = body[:_KEPT_TEXT].decode("utf-8", "replace")
        return text + (f"... ({size} bytes)" if size > _KEPT_TEXT else "")
    return f"<{size} bytes of {bare or 'unknown type'}>"


class KeptExchange(Mapping[str, Any]):
    """The journal's detail of one exchange, redacted when first read.

    Most entries are never read: building each one's redacted copy up front cost a tenth of
    the proxy's time per request. What is kept meanwhile is bounded (a body's first 64 KiB).
    """

    def __init__(
        self,
        fields: dict[str, Any],
        request: tuple[list[tuple[str, str]], bytes],
        response: tuple[int, list[tuple[str, str]], bytes] | None = None,
    ) -> None:
        self._fields = fields
        self._request = _bounded(*request)
        self._response = None if response is None else (response[0], *_bounded(*response[1:]))
        self._resolved: dict[str, Any] | None = None

    def _resolve(self) -> dict[str, Any]:
        if self._resolved is None:
            resolved = dict(self._fields)
            headers, body, size = self._request
            resolved["request"] = _side(headers, body, size)
            if self._response is not None:
                status, headers, body, size = self._response
                resolved["response"] = {"status": status, **_side(headers, body, size)}
            self._resolved = resolved
        return self._resolved

    def __getitem__(self, key: str) -> Any:
        return self._resolve()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._resolve())

    def __len__(self) -> int:
        return len(self._resolve())

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return copy.deepcopy(self._resolve(), memo)


def _bounded(
    headers: list[tuple[str, str]], body: bytes
) -> tuple[list[tuple[str, str]], bytes, int]:
    return headers, body[: _KEPT_JSON + 1], len(body)


def _side(headers: list[tuple[str, str]], body: bytes, size: int) -> dict[str, Any]:
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    return {"headers": redacted_headers(headers), "body": kept_body(body, content_type, size)}
