"""What conform can call, read from the spec: operations, the links that feed their path
parameters, request examples to vary, the auth actions, declared headers, the webhooks.

Nothing here is written for one API: a path parameter is bound from the response of the
operation whose ``links`` name it (``GetProject: {projectId: $response.body#/id}``), bodies
start from the spec's own request examples, and the auth lifecycle follows the operations'
``x-mock-action`` (register, login, refresh, logout, current-user).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.compile.operations import Operation, Parameter, compile_operations, follow
from mockserver.compile.validators import SchemaRegistry
from mockserver.errors import ConformError
from mockserver.events.webhooks import Webhook, declared_webhooks
from mockserver.spec.loader import Spec

__all__ = ["ApiModel", "Endpoint", "Link", "resolve"]

AUTH_ACTIONS = ("register", "login", "refresh", "logout", "current-user")
# Paths conform leaves alone: a liveness probe has nothing to compare but a version string.
_SKIPPED_TAGS = frozenset({"health"})


def resolve(document: Mapping[str, Any], node: Any) -> Any:
    """``node`` with its ``$ref``s followed (the document is bundled: local refs only)."""
    resolved, _ = follow(document, node, "")
    return resolved


@dataclass(frozen=True, slots=True)
class Link:
    """Where a path parameter comes from: a pointer into the 2xx body of ``producer``."""

    producer: str
    params: tuple[tuple[str, str], ...]  # (parameter name, JSON pointer into the body)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation conform may call, with what it needs to build a request."""

    operation: Operation
    op_id: str
    action: Mapping[str, Any]
    secured: bool
    path_params: tuple[str, ...]
    link: Link | None
    bodies: tuple[Any, ...]
    body_schema: Mapping[str, Any] | None
    query: tuple[Parameter, ...]
    idempotency_header: str | None
    method_field: str | None = None
    method_tokens: tuple[str, ...] = ()
    produces: bool = False

    @property
    def method(self) -> str:
        return self.operation.method.upper()

    def declared_headers(self, status: int) -> tuple[str, ...]:
        """The response headers the spec declares for ``status`` (lower case)."""
        response = self.operation.responses.get(str(status))
        if response is None:
            return ()
        return tuple(sorted(name.lower() for name in response.headers))


@dataclass
class ApiModel:
    """The callable surface of one spec."""

    spec: Spec
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    auth: dict[str, Endpoint] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)  # by the event type each sends

    @functools.cached_property
    def registry(self) -> SchemaRegistry:
        """Validators of the document's schemas (the webhooks' request bodies)."""
        return SchemaRegistry(self.document)

    @property
    def base_path(self) -> str:
        return self.spec.base_path

    @property
    def document(self) -> Mapping[str, Any]:
        return self.spec.document

    @property
    def resources(self) -> tuple[str, ...]:
        """Operations conform calls as steps, in document order (auth actions apart)."""
        return tuple(self.endpoints)

    def endpoint(self, op_id: str) -> Endpoint:
        return self.endpoints.get(op_id) or self.auth[op_id]

    def action(self, kind: str) -> Endpoint:
        """The operation with ``x-mock-action: {type: kind}``."""
        for endpoint in self.auth.values():
            if endpoint.action.get("type") == kind:
                return endpoint
        raise ConformError(f"the spec has no operation with x-mock-action type {kind!r}")

    def throttle_attempts(self) -> int:
        """Failed logins before the spec's login answers 429 (``throttle.maxAttempts``)."""
        throttle = self.action("login").action.get("throttle") or {}
        return int(throttle.get("maxAttempts", 5))

    def failed_login_budget(self) -> int:
        """Failed logins one run may send: a quarter of what the spec lets a client address
        fail (``throttle.clientMaxAttempts``), so a few runs in one window are not throttled."""
        throttle = self.action("login").action.get("throttle") or {}
        return max(int(throttle.get("clientMaxAttempts", 100)) // 4, self.throttle_attempts() + 1)

    @classmethod
    def from_spec(cls, spec: Spec) -> ApiModel:
        """Read the callable surface of ``spec``; refuse one without the auth actions."""
        document = spec.document
        operations = [op for op in compile_operations(document) if op.operation_id]
        links = _incoming_links(document, operations)
        producers = {link.producer for link in links.values()}
        model = cls(spec, webhooks=declared_webhooks(document))
        for op in operations:
            assert op.operation_id is not None
            if _SKIPPED_TAGS.intersection(op.tags):
                continue
            endpoint = _endpoint(document, op, links.get(op.operation_id), producers)
            if endpoint.action.get("type") in AUTH_ACTIONS:
                model.auth[endpoint.op_id] = endpoint
            elif endpoint.path_params and endpoint.link is None:
                continue  # nothing says where its ids come from: conform cannot bind them
            else:
                model.endpoints[endpoint.op_id] = endpoint
        for kind in ("register", "login"):
            model.action(kind)
        return model


def _incoming_links(document: Mapping[str, Any], operations: list[Operation]) -> dict[str, Link]:
    """For each operation, the first link that fills its path parameters from a 2xx body."""
    found: dict[str, Link] = {}
    for op in operations:
        for status, response in op.responses.items():
            if not status.startswith("2"):
                continue
            raw = resolve(document, _at(document, response.pointer))
            for link in (raw.get("links") or {}).values() if isinstance(raw, Mapping) else ():
                link = resolve(document, link)
                target, params = link.get("operationId"), link.get("parameters") or {}
                pointers = tuple(
                    (name, expr.removeprefix("$response.body#"))
                    for name, expr in params.items()
                    if isinstance(expr, str) and expr.startswith("$response.body#")
                )
                if target and pointers and target not in found:
                    assert op.operation_id is not None
                    found[target] = Link(op.operation_id, pointers)
    return found


def _at(document: Mapping[str, Any], pointer: str) -> Any:
    node: Any = document
    for token in pointer.lstrip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[token] if isinstance(node, Mapping) else node[int(token)]
    return node


def _endpoint(
    document: Mapping[str, Any], op: Operation, link: Link | None, producers: set[str]
) -> Endpoint:
    assert op.operation_id is not None
    path_params = tuple(p.name for p in op.parameters if p.location == "path")
    if link is not None and not set(path_params) <= {name for name, _ in link.params}:
        link = None
    bodies: tuple[Any, ...] = ()
    schema = None
    if op.request_body is not None:
        media = op.request_body.content.get("application/json")
        if media is not None:
            bodies = tuple(media.examples.values())
            schema = resolve(document, media.schema) if isinstance(media.schema, Mapping) else None
    action = op.extensions.get("x-mock-action") or {}
    header = next((p.name for p in op.parameters if p.location == "header" and p.required), None)
    charge = action if action.get("type") == "charge" else {}
    tokens = tuple(sorted((charge.get("declines") or {}).keys()))
    # Operations inherit the document's security when they have none of their own.
    secured = bool(op.security) and not any(alt == {} for alt in op.security)
    return Endpoint(
        operation=op,
        op_id=op.operation_id,
        action=action,
        secured=secured,
        path_params=path_params,
        link=link,
        bodies=bodies,
        body_schema=schema,
        query=tuple(p for p in op.parameters if p.location == "query"),
        idempotency_header=header,
        method_field=charge.get("method"),
        method_tokens=tokens,
        produces=op.operation_id in producers,
    )
