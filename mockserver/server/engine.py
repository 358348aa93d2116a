"""The request hot path: route, authorize, validate, respond. Everything is compiled up front.

`Engine` is a plain ASGI callable built once from a loaded spec. Per request it does one trie
lookup, one security check, one validation pass with precompiled validators and, for static
examples, sends bytes serialized at the first use.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope, Send

from httpguard import BODY, Limits
from mockserver.compile.operations import Operation
from mockserver.compile.validators import SchemaRegistry
from mockserver.errors import PreferenceError, SpecError, StateUnavailableError
from mockserver.generation.generator import DataGenerator
from mockserver.render.prefer import NO_PREFERENCES, Preferences, parse_preferences
from mockserver.render.problems import Problem, ProblemRenderer
from mockserver.render.responses import Rendered
from mockserver.server.compiler import CompiledOperation, chosen_variant, compile_spec
from mockserver.server.faults import Faults
from mockserver.server.guard import DEFAULT_LIMITS
from mockserver.server.latency import Delay, operation_delays
from mockserver.server.scenarios import Scenarios
from mockserver.server.wire import (
    VARY_ORIGIN,
    BodyTooLarge,
    Outcome,
    RequestHeaders,
    add_vary_origin,
    exchange_detail,
    read_body,
    send_rendered,
)
from mockserver.spec.loader import Spec, paused_gc
from mockserver.spec.matching import MatchFacts
from mockserver.spec.views import views
from mockserver.state.context import Request
from mockserver.state.mock import StatefulMock
from mockserver.state.records import RecordBuilder
from mockserver.state.seeding import Missing, has_mock_extensions
from mockserver.store.journal import Journal, MemoryJournal
from mockserver.store.memory import MemoryStore, Store
from mockserver.validation.violations import Violation

__all__ = ["Engine"]

logger = logging.getLogger("mockserver")
_UNSATISFIED = "no value satisfies the schema at %s; answering the closest value (see lint)"
_UNCHECKED = "answers for the schema at %s are not checked: %s"
_CHAOS = "chaos (--chaos or a scenario)"


def _violations_problem(status: int, violations: list[Violation]) -> Problem:
    count = len(violations)
    first = violations[0]
    detail = f"{first.location}: {first.message}"
    if count > 1:
        detail = f"{count} problems in the request; first: {detail}"
    return Problem(
        status,
        "validation_failed",
        "Request validation failed",
        detail,
        errors=[(v.location, v.code, v.message) for v in violations],
    )


class Engine:
    """The ASGI application that answers every operation of one spec."""

    def __init__(
        self,
        spec: Spec,
        *,
        seed: int | None = None,
        stateful: bool = True,
        store: Store | None = None,
        jwt_secret: str | None = None,
        faults: Faults | None = None,
        journal: Journal | None = None,
        limits: Limits | None = None,
        strict: bool = False,
        operation_latency: Mapping[str, Delay | str] | None = None,
        missing: Missing | None = None,
        seed_examples: bool | None = None,
    ) -> None:
        # The walk's list of schemas serves the views once; kept, it would cost megabytes.
        self.spec = dataclasses.replace(spec, schemas=None) if spec.schemas else spec
        # The body cap of `RequestLimits` (which refuses first under `create_app`), kept here
        # too for the engine served on its own.
        self.max_body_bytes = (limits or DEFAULT_LIMITS).max_body_bytes
        self.faults = faults or Faults(seed=seed)
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests read the delays
        self.journal: Journal = journal or MemoryJournal()
        self._fixtures: Mapping[str, Any] | None = None  # to import before the first answer
        # Schemas generation could not satisfy (each logged once).
        self.unsatisfied: set[str] = set()
        # Schemas no validator could be compiled for (their answers unchecked, each logged once).
        self.unchecked: set[str] = set()
        # Compiling allocates like loading does: no collector passes meanwhile (`paused_gc`).
        with paused_gc():
            request_doc, response_doc = views(spec.document, spec.schemas)
            responses = SchemaRegistry(response_doc)
            self.generator = DataGenerator(response_doc, seed=seed)

            def generate(
                schema: Mapping[str, Any] | bool,
                key: str,
                notes: list[str] | None = None,
                pointer: str | None = None,
                query: Mapping[str, str] | None = None,
            ) -> Any:
                # Best effort always: a schema no value satisfies gets the closest value (the
                # responder says so in a Warning header), never a 500.
                noted: list[str] = [] if notes is None else notes
                value = self.generator.generate(
                    schema,
                    key=key,
                    direction="response",
                    notes=noted,
                    pointer=pointer,
                    query=query,
                )
                for where in noted:
                    if where not in self.unsatisfied:
                        self.unsatisfied.add(where)
                        logger.warning(_UNSATISFIED, where)
                return value

            def validate(schema: Mapping[str, Any] | bool, pointer: str) -> Any:
                # A schema no validator compiles (a dangling $ref, say) leaves its answers
                # unchecked, logged once, rather than failing every request that uses it.
                try:
                    return responses.compile(schema, pointer=pointer).is_valid
                except SpecError as exc:
                    if pointer not in self.unchecked:
                        self.unchecked.add(pointer)
                        logger.warning(_UNCHECKED, pointer, str(exc).splitlines()[0])
                    return lambda value: True

            self.problems = ProblemRenderer(response_doc, validate, generate)

            def make_state(operations: list[Operation]) -> StatefulMock:
                # A document written for this mock says what it holds itself (x-mock-*);
                # another gets records to read from the start.
                plain = (missing is None or seed_examples is None) and not has_mock_extensions(
                    response_doc, operations
                )
                seeds = plain if seed_examples is None else seed_examples
                return StatefulMock(
                    response_doc,
                    operations,
                    RecordBuilder(response_doc, generate),
                    store or MemoryStore(),
                    base_path=spec.base_path,
                    jwt_secret=jwt_secret,
                    missing=missing or ("materialize" if plain else "404"),
                    seed_examples=seeds,
                    check=validate,
                )

            compiled, self.state = compile_spec(
                request_doc,
                response_doc,
                base_path=spec.base_path,
                generate=generate,
                validate=validate,
                make_state=make_state if stateful else None,
                strict=strict,
            )
        # The response view: the document as answers are generated and checked against.
        self.responses_document = response_doc
        self.router = compiled.router
        self.operations = compiled.operations
        # Operations left out for a defect of their own, each with its place and reason.
        self.degraded = compiled.degraded
        # Each operation's own latency: x-mock-latency, overridden by --latency OPERATION=...
        delays = operation_delays(
            (c.operation for c in self.operations),
            operation_latency or {},
            base_path=spec.base_path,
            issues=None if strict else self.degraded,
        )
        if delays:
            self.faults.per_operation = {**self.faults.per_operation, **delays}
        # Run-time switches (the console's Scenarios, ``/__mock/scenarios``), shared through
        # the store when there is one.
        self.scenarios = Scenarios(
            self.faults, self.state.context.store if self.state is not None else None
        )

    def preload(self, fixtures: Mapping[str, Any]) -> None:
        """State to import before the first request is answered (``--fixtures``)."""
        self._fixtures = fixtures

    async def import_fixtures(self) -> None:
        """Import what `preload` was given, once; every entry point calls it first."""
        fixtures, self._fixtures = self._fixtures, None
        if self.state is not None and fixtures is not None:  # stateless: nowhere to go
            await self.state.import_state(fixtures)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if self._fixtures is not None:
            await self.import_fixtures()
        started = time.perf_counter()
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        path = path.split("?", 1)[0]
        method: str = scope["method"]
        outcome = Outcome()
        match = self.router.match(path)
        operation: Operation | None = None
        if match is None:
            outcome.why = "no operation of the spec matches the path"
            rendered: Rendered | Problem = Problem(
                404,
                "no_such_path",
                "Not found",
                f"No operation of this API matches {path}"
                + (f" (the base path is {self.spec.base_path})" if self.spec.base_path else "")
                + ".",
            )
        elif (
            compiled := match.methods.get(
                answered := "GET" if method == "HEAD" and method not in match.methods else method
            )
        ) is None:
            allowed = sorted(set(match.methods) | ({"HEAD"} if "GET" in match.methods else set()))
            outcome.why = "the path exists but declares no operation for the method"
            rendered = Problem(
                405,
                "method_not_allowed",
                "Method not allowed",
                f"{match.template} does not support {method}; it supports {', '.join(allowed)}.",
                headers={"Allow": ", ".join(allowed)},
            )
        else:
            if compiled.variants:  # one path and method, told apart by a query value or header
                compiled = chosen_variant(compiled, scope)
            operation = compiled.operation
            params = match.params_for(answered)  # HEAD is answered as GET
            try:
                rendered = await self._handle(scope, receive, compiled, params, outcome)
            except Exception as exc:  # each kind has its answer (`_failure`)
                rendered = self._failure(exc, compiled)
        answer: Rendered | None = None
        if outcome.fault != "drop":
            answer = (
                self._render_problem(rendered, operation, path)
                if isinstance(rendered, Problem)
                else rendered
            )
        # Journaled before it is sent: a client holding the answer finds it in the journal,
        # even in another worker's when the journal is shared (--state-url).
        try:
            await self.journal.record(
                method=method,
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                status=answer.status if answer is not None else 0,
                started=started,
                operation_id=operation.operation_id if operation else None,
                violations=outcome.violations,
                fault=outcome.fault,
                # Built when the journal is read (or shared through Redis), not per request.
                detail=partial(exchange_detail, scope["headers"], outcome, rendered, answer),
            )
        except StateUnavailableError as exc:  # the journal shares Redis: answer unjournaled
            logger.warning("journal not written: %s", exc)
        if answer is None:
            # Announce a body and close without it: the client sees a broken connection.
            start: Message = {"type": "http.response.start", "status": 503,
                              "headers": [(b"content-length", b"1")]}  # fmt: skip
            if VARY_ORIGIN in scope:
                add_vary_origin(start)
            await send(start)
        else:
            await send_rendered(
                send, answer, head=method == "HEAD", vary_origin=VARY_ORIGIN in scope
            )

    def _failure(self, exc: Exception, compiled: CompiledOperation) -> Problem:
        """The problem answering what `_handle` raised."""
        if isinstance(exc, StateUnavailableError):
            logger.warning("%s: %s", compiled.operation.label, exc)
            return Problem(
                503,
                "state_unavailable",
                "State unavailable",
                "The mock's shared state (--state-url) cannot be reached; retry shortly.",
                headers={"Retry-After": "1"},
            )
        if isinstance(exc, BodyTooLarge):
            return Problem(
                413,
                "body_too_large",
                "Request body too large",
                f"The body exceeds {self.max_body_bytes} bytes.",
            )
        if isinstance(exc, SpecError):  # the spec cannot be mocked here (x-mock-compute)
            logger.warning("%s: %s", compiled.operation.label, exc)
            return Problem(500, "spec_error", "The spec cannot be mocked here", str(exc))
        # A bug of ours must not look like the client's mistake.
        logger.error("mock failed on %s", compiled.operation.label, exc_info=exc)
        return Problem(
            500,
            "mock_error",
            "Mock server error",
            f"The mock failed while answering {compiled.operation.label}; "
            "this is a bug in mockserver, not in the request.",
        )

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        compiled: CompiledOperation,
        params: dict[str, str],
        outcome: Outcome,
    ) -> Rendered | Problem:
        headers = RequestHeaders(scope)
        query = scope.get("query_string", b"").decode("latin-1")
        prefer = headers.get("prefer")
        prefs = NO_PREFERENCES
        if prefer is not None or "__" in query:
            try:
                prefs, query = parse_preferences(prefer, query)
            except PreferenceError as exc:
                outcome.why = "the Prefer header cannot be understood"
                return Problem(400, "invalid_preference", "Invalid Prefer header", str(exc))
        asked = prefs
        scenarios = self.scenarios
        if scenarios.due():
            await scenarios.refresh()
        if scenarios.forced:
            prefs = scenarios.preferences(compiled.operation.operation_id, prefs)
        if prefs.delay is not None or prefs.fault is not None or self.faults.active:
            plan = self.faults.plan(
                delay=prefs.delay, fault=prefs.fault, operation=compiled.operation.pointer
            )
            if plan.delay_ms:
                await self.sleep(plan.delay_ms / 1000)
            if plan.fault is not None:
                outcome.fault = plan.fault
                cause = "Prefer: fault" if prefs.fault is not None else _CHAOS
                outcome.why = f"fault {plan.fault} injected by {cause}"
                if plan.fault == "drop":
                    return Problem(503, "dropped", "Dropped", "The connection was dropped.")
                status = int(plan.fault)
                return Problem(
                    status,
                    "injected_fault",
                    "Injected fault",
                    f"The mock answered {status} on purpose (--chaos or Prefer: fault).",
                    headers={"Retry-After": "1"} if status == 503 else None,
                )
        failure = compiled.security.check(headers, query)
        user = None
        if failure is None and self.state is not None:
            authenticated = await self.state.authenticator.authenticate(
                headers, anonymous=compiled.security.anonymous
            )
            if isinstance(authenticated, Problem):
                outcome.why = f"the bearer token was refused: {authenticated.detail}"
                return authenticated
            user = authenticated
        if failure is not None:
            outcome.why = f"the credentials the operation requires are missing: {failure.detail}"
            # The renderer shapes the body by the operation's declared 401 when there is one.
            return Problem(
                401,
                "unauthorized",
                "Authentication required",
                failure.detail,
                headers={"WWW-Authenticate": ", ".join(failure.challenges)},
            )
        # Read and bounded by `RequestLimits` in front (its limit is this one under
        # `create_app`); an engine served on its own reads the body itself.
        body = scope.get(BODY)
        if body is None:
            body = await read_body(receive, self.max_body_bytes)
        elif len(body) > self.max_body_bytes:
            raise BodyTooLarge
        outcome.body = body
        validated, violations = compiled.validator.validate(
            path_params=params, query_string=query, headers=headers, body=body
        )
        if violations:
            outcome.violations = [
                {"field": v.location, "code": v.code, "message": v.message} for v in violations
            ]
            outcome.why = f"the request breaks the spec in {len(violations)} place(s)"
            return _violations_problem(compiled.invalid_status, violations)
        if compiled.state is not None and self.state is not None and not prefs.wants_example:
            answer = await self.state.handle(
                Request(
                    op=compiled.state,
                    validated=validated,
                    params=params,
                    headers=headers,
                    user=user,
                    client=(scope.get("client") or ("",))[0],
                )
            )
            if answer is not None:
                outcome.why = compiled.from_state
                return answer
        key = f"{scope['method']} {scope['path']}?{query}"
        accept = headers.get("accept")
        why = compiled.responder.explain(prefs, accept)
        # Nearly every request asks for nothing and gets what the mock chose.
        outcome.why = why if prefs is NO_PREFERENCES else why + _asked_by(asked, prefs)
        facts = None
        if compiled.responder.matches:  # some example is chosen by the request
            facts = MatchFacts(
                {**params, **validated.path}, validated.query, headers, validated.body
            )
        # A generated page honours the request's query and the operation's declared defaults.
        asked_query = dict(parse_qsl(query)) if query else {}
        for name, value in compiled.query_defaults:
            asked_query.setdefault(name, value)
        return compiled.responder.respond(prefs, accept, key, facts, asked_query or None)

    def _render_problem(self, problem: Problem, operation: Operation | None, path: str) -> Rendered:
        status, media_type, body, headers = self.problems.render(problem, operation, path)
        return Rendered(status, media_type, body, headers)


def _asked_by(asked: Preferences, prefs: Preferences) -> str:
    """Who chose the answer, when not the mock: the client's ``Prefer`` or a scenario."""
    if prefs == asked:
        return " by Prefer" if asked.wants_example else ""
    return " by a scenario (/__mock/scenarios)"
