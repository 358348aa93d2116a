"""Compile a loaded spec into what the engine serves: one `CompiledOperation` per operation.

Each operation gets its security checker, request validator, responder and, when the mock is
stateful, its `StatefulOperation`, all built once here. A defect confined to one operation (a
malformed parameter, a schema no validator compiles, the same method on two paths of one
shape) degrades that operation alone: it is left out and named in `Compiled.degraded`, and
everything else is served. With ``strict`` the first such defect raises instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Scope

from mockserver.auth.credentials import SecurityChecker
from mockserver.compile.operations import Operation, compile_operations, follow
from mockserver.compile.routing import RouteClash, Router, request_path
from mockserver.compile.validators import SchemaRegistry
from mockserver.errors import SpecError
from mockserver.render.hooks import Generate, Validate
from mockserver.render.responses import Responder
from mockserver.spec.meta_validation import LintIssue
from mockserver.state.context import StatefulOperation
from mockserver.state.mock import StatefulMock
from mockserver.validation.request import RequestValidator

__all__ = ["Compiled", "CompiledOperation", "chosen_variant", "compile_spec"]

logger = logging.getLogger("mockserver")


@dataclass(frozen=True, slots=True)
class CompiledOperation:
    """Everything one operation needs at request time."""

    operation: Operation
    security: SecurityChecker
    validator: RequestValidator
    responder: Responder
    # 422 when the spec declares it for validation failures and not 400.
    invalid_status: int
    # What the stateful mock does with it; None when the mock is stateless.
    state: StatefulOperation | None = None
    # ``(name, value)`` of a path written ``/#Action=AddTags`` or ``/?op=LIST``: the query
    # parameter or header that tells this operation from others on the same path.
    discriminator: tuple[str, str] | None = None
    # The other operations on this path and method, told apart by their discriminator
    # (`chosen_variant`); only the first registered operation has them.
    variants: list[CompiledOperation] = field(default_factory=list)
    # The journal's "why" of an answer from state (``answered from state: read of /pets``).
    from_state: str = "answered from state"
    # The query parameters' declared defaults (``name``, ``text``): a generated page honours them.
    query_defaults: tuple[tuple[str, str], ...] = ()


def _query_defaults(operation: Operation) -> tuple[tuple[str, str], ...]:
    """Each query parameter's declared default, as the text a client would send."""
    return tuple(
        (p.name, str(p.schema["default"]))
        for p in operation.parameters
        if p.location == "query"
        and isinstance(p.schema, Mapping)
        and isinstance(p.schema.get("default"), int | str)
    )


def _answered_from_state(plan: StatefulOperation | None) -> str:
    """The journal's "why" of an answer from state, worked out once per operation."""
    if plan is not None and plan.action is not None:
        return f"answered from state: the x-mock-action {plan.action.get('type')!r}"
    if plan is not None and plan.role is not None and plan.resource is not None:
        return f"answered from state: {plan.role} of {plan.resource.collection}"
    return "answered from state"


@dataclass(slots=True)
class Compiled:
    """The operations served, their routes, and the operations left out (with why)."""

    router: Router[CompiledOperation]
    operations: list[CompiledOperation] = field(default_factory=list)
    degraded: list[LintIssue] = field(default_factory=list)


def compile_spec(
    request_doc: dict[str, Any],
    response_doc: dict[str, Any],
    *,
    base_path: str,
    generate: Generate,
    validate: Validate,
    make_state: Callable[[list[Operation]], StatefulMock] | None,
    strict: bool = False,
) -> tuple[Compiled, StatefulMock | None]:
    """Compile every operation of the two views of one document (and the stateful mock)."""
    compiled = Compiled(Router(base_path))
    failed: list[SpecError] | None = None if strict else []
    request_ops = compile_operations(request_doc, failed=failed)
    response_ops = {op.pointer: op for op in compile_operations(response_doc, failed=failed)}
    pairs = [(op, response_ops[op.pointer]) for op in request_ops if op.pointer in response_ops]
    # A path with a #fragment or ?query routes as the path without it; where both are
    # declared, the plain one keeps the route and the other is reported (`RouteClash`).
    pairs.sort(key=lambda pair: "#" in pair[0].path or "?" in pair[0].path)
    seen: set[str] = set()
    for problem in failed or ():
        if problem.pointer not in seen:  # both views fail the same way
            seen.add(problem.pointer)
            message = str(problem).split("\n  fix: ")[0].split(": ", 1)[-1]
            _degrade(compiled, problem.pointer, f"{problem.pointer} is not served: {message}")
    state = make_state([resp for _, resp in pairs]) if make_state is not None else None
    requests = SchemaRegistry(request_doc)
    for req_op, resp_op in pairs:
        try:
            responder = Responder(response_doc, resp_op, generate, validate)
            # Records are answered with the response view's operation (no writeOnly).
            plan = state.plan(resp_op, responder=responder) if state is not None else None
            operation = CompiledOperation(
                operation=req_op,
                security=SecurityChecker(request_doc, req_op.security, where=req_op.pointer),
                validator=RequestValidator(req_op, requests),
                responder=responder,
                invalid_status=_invalid_status(req_op),
                state=plan,
                discriminator=_discriminator(req_op.path),
                from_state=_answered_from_state(plan),
                query_defaults=_query_defaults(req_op),
            )
            if strict:
                operation.validator.compile()  # strictly, every schema is compiled up front
            hints = _segment_hints(request_doc, req_op)
            try:
                compiled.router.add(req_op.path, req_op.method, operation, hints=hints)
            except RouteClash as clash:
                first = clash.existing
                if operation.discriminator is None or not isinstance(first, CompiledOperation):
                    raise
                first.variants.append(operation)  # AWS: /#Action=AddTags, /#Action=ListTags
        except Exception as exc:  # one operation's defect must not take the others down
            if strict:
                raise
            _degrade(compiled, req_op.pointer, f"{req_op.label} is not served: {exc}")
            continue
        if operation.security.undefined:
            logger.warning(
                "%s: security names undefined schemes %s; they are not checked",
                req_op.label,
                ", ".join(operation.security.undefined),
            )
        compiled.operations.append(operation)
    return compiled, state


_NAME_VALUE = re.compile(r"^[#?]([A-Za-z0-9_.-]+)=([^&#]+)$")


def _discriminator(path: str) -> tuple[str, str] | None:
    """The ``(name, value)`` a ``#name=value`` or ``?name=value`` written into a path names."""
    matched = _NAME_VALUE.match(path[len(request_path(path)) :])
    return (matched.group(1), matched.group(2)) if matched is not None else None


def chosen_variant(compiled: CompiledOperation, scope: Scope) -> CompiledOperation:
    """Of the operations sharing ``compiled``'s path and method, the one the request names by
    its discriminator (a query parameter or header), else the plain one, else ``compiled``."""
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    plain: CompiledOperation | None = None
    for candidate in (compiled, *compiled.variants):
        if candidate.discriminator is None:
            plain = plain or candidate
            continue
        name, value = candidate.discriminator
        if query.get(name) == value or headers.get(name.lower()) == value:
            return candidate
    return plain or compiled


def _degrade(compiled: Compiled, pointer: str, message: str) -> None:
    issue = LintIssue(
        "warning", pointer, message, "run `mockserver lint` and fix what it reports there"
    )
    compiled.degraded.append(issue)
    logger.warning("%s", message)


def _invalid_status(operation: Operation) -> int:
    if "400" not in operation.responses and "422" in operation.responses:
        return 422
    return 400


def _segment_hints(document: Mapping[str, Any], operation: Operation) -> dict[str, str]:
    """Regexes of path parameters whose values are listed (enum, const), to split segments."""
    hints: dict[str, str] = {}
    for parameter in operation.parameters:
        if parameter.location != "path":
            continue
        schema, _ = follow(document, parameter.schema, parameter.pointer)
        if not isinstance(schema, Mapping):
            continue
        values = [schema["const"]] if "const" in schema else schema.get("enum")
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            hints[parameter.name] = "|".join(re.escape(v) for v in values)
    return hints
