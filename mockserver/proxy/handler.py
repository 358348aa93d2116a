"""One proxied exchange, from the request to the answer: `Proxy`, the app behind the routes.

Per request: route it with the mock's router; an operation chosen with ``mock`` goes to the
mock engine untouched; otherwise the body is read (within the request limits), the request
checked, and it is forwarded (`forward.Upstream`). The upstream's answer is checked, journaled
with its violations (request and response, secrets redacted when read), counted in the
`ViolationReport`, recorded when asked and sent on with ``X-Mock-Violations``. With
``mock_missing``, an upstream without the route (a 404, 405 or 501 the operation does not
declare as such) or one that cannot be reached is answered by the mock instead. An upstream
that fails is a 502 or 504 problem naming it and the cause.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from mockserver.errors import ConfigError, StateUnavailableError
from mockserver.proxy.exchange import Checker, KeptExchange, Route
from mockserver.proxy.forward import Upstream, UpstreamAnswer, UpstreamFailure
from mockserver.proxy.record import Recorder
from mockserver.proxy.report import ViolationReport
from mockserver.render.problems import Problem
from mockserver.server.engine import Engine
from mockserver.server.wire import VARY_ORIGIN, BodyTooLarge, read_body

__all__ = ["SOURCE_HEADER", "VIOLATIONS_HEADER", "Proxy"]

logger = logging.getLogger("mockserver")

VIOLATIONS_HEADER = "X-Mock-Violations"
SOURCE_HEADER = "X-Mock-Source"
# Statuses by which an upstream says it has no such route (when the operation does not
# declare that status with that body itself).
_MISSING = frozenset({404, 405, 501})


class Proxy:
    """The ASGI app behind the admin routes: forward, check, journal, report, record."""

    def __init__(
        self,
        engine: Engine,
        upstream: Upstream,
        *,
        mock: Collection[str] = (),
        mock_missing: bool = False,
        recorder: Recorder | None = None,
        max_body_bytes: int,
    ) -> None:
        self.engine = engine
        self.upstream = upstream
        self.checker = Checker(engine)
        self.mock_missing = mock_missing
        self.recorder = recorder
        self.max_body_bytes = max_body_bytes
        chosen = set(mock)
        known = {
            name
            for compiled in engine.operations
            for name in (compiled.operation.operation_id, *compiled.operation.tags)
            if name
        }
        unknown = sorted(chosen - known)
        if unknown:
            raise ConfigError(
                f"--mock {', '.join(unknown)}: no operationId or tag of the spec; "
                f"known: {', '.join(sorted(known))}"
            )
        self.mocked = {
            compiled.operation.pointer
            for compiled in engine.operations
            if chosen & {compiled.operation.operation_id, *compiled.operation.tags}
        }
        self.report = ViolationReport(
            upstream.url,
            [(_name(c.operation.operation_id, c.operation.label), c.operation.label)
             for c in engine.operations],
        )  # fmt: skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        method: str = scope["method"]
        raw_path = scope.get("raw_path")
        path = (raw_path.decode("latin-1") if raw_path else scope["path"]).split("?", 1)[0]
        query = scope.get("query_string", b"").decode("latin-1")
        route = self.checker.route(method, path)
        operation = route.operation
        name = _name(operation.operation_id, operation.label) if operation else None
        label = operation.label if operation else None
        if operation is not None and operation.pointer in self.mocked:
            self.report.add_mocked(name, label)
            await self._mocked(scope, receive, send)
            return
        try:
            body = await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            await self._problem(scope, send, route, path, Problem(
                413, "body_too_large", "Request body too large",
                f"The body exceeds {self.max_body_bytes} bytes.",
            ), {})  # fmt: skip
            return
        headers = Headers(scope=scope)
        violations = self.checker.check_request(route, query, headers, body)
        base = self.engine.spec.base_path
        relative = path[len(base) :] if base and path.startswith(base) else path
        answer = await self.upstream.forward(method, relative, query, headers.items(), body)
        if self.mock_missing and operation is not None and self._missing(operation, answer):
            self.report.add_mocked(name, label)
            await self._mocked(scope, _replay(body), send)
            return
        sent = (headers.items(), body)
        if isinstance(answer, UpstreamFailure):
            self.report.add_failure(name, label, answer.cause)
            problem = Problem(
                answer.status,
                f"upstream_{answer.cause}",
                "Upstream timed out" if answer.cause == "timeout" else "Bad gateway",
                f"The upstream {self.upstream.url} failed: {answer.detail}."
                + ("" if answer.sent else " The request was not sent; it is safe to retry."),
            )
            status = await self._problem(scope, send, route, path, problem, {
                VIOLATIONS_HEADER: str(len(violations)), SOURCE_HEADER: "proxy",
            })  # fmt: skip
            await self._journal(
                scope, path, query, status, started, operation, violations,
                KeptExchange({"source": "proxy", "upstream": self.upstream.url,
                              "failure": answer.cause, "detail": answer.detail}, sent),
            )  # fmt: skip
            return
        if operation is not None:
            violations += self.checker.check_response(
                operation, answer.status, answer.headers, answer.body, head=method == "HEAD"
            )
        entry = await self._journal(
            scope, path, query, answer.status, started, operation, violations,
            KeptExchange({"source": "upstream", "upstream": self.upstream.url}, sent,
                         (answer.status, answer.headers, answer.body)),
        )  # fmt: skip
        self.report.add(name, label, violations, entry)
        if self.recorder is not None and name is not None and operation is not None:
            self.recorder.record(
                name, answer.status, answer.header("content-type"), answer.body, violations
            )
        await _send(
            send,
            answer,
            violations=len(violations),
            head=method == "HEAD",
            vary_origin=VARY_ORIGIN in scope,
        )

    def _missing(self, operation: Any, answer: UpstreamAnswer | UpstreamFailure) -> bool:
        """Whether the upstream has no such route (or cannot be reached): the mock answers."""
        if isinstance(answer, UpstreamFailure):
            return answer.cause == "unreachable"
        if answer.status not in _MISSING:
            return False
        # A 404 the operation declares, shaped as declared, is the upstream's own answer.
        declared = self.checker.declares(operation, answer.status) and not (
            self.checker.check_response(operation, answer.status, answer.headers, answer.body)
        )
        return not declared

    async def _mocked(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (SOURCE_HEADER.lower().encode(), b"mock"),
                    (VIOLATIONS_HEADER.lower().encode(), b"0"),
                ]
            await send(message)

        await self.engine(scope, receive, marked)

    async def _problem(
        self,
        scope: Scope,
        send: Send,
        route: Route,
        path: str,
        problem: Problem,
        extra: Mapping[str, str],
    ) -> int:
        status, media_type, body, headers = self.engine.problems.render(
            problem, route.operation, path
        )
        raw: list[tuple[bytes, bytes]] = [
            (b"content-type", media_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
            *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()),
        ]
        if VARY_ORIGIN in scope:
            _add_vary_origin(raw)
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
        return status

    async def _journal(
        self,
        scope: Scope,
        path: str,
        query: str,
        status: int,
        started: float,
        operation: Any,
        violations: list[dict[str, str]],
        detail: KeptExchange,
    ) -> int:
        try:
            entry = await self.engine.journal.record(
                method=scope["method"],
                path=path,
                query=query,
                status=status,
                started=started,
                operation_id=operation.operation_id if operation else None,
                violations=violations,
                kind="proxy",
                detail=detail,
            )
        except StateUnavailableError as exc:
            logger.warning("journal not written: %s", exc)
            return 0
        return entry.id


def _name(operation_id: str | None, label: str) -> str:
    return operation_id or label


def _replay(body: bytes) -> Receive:
    """A ``receive`` that hands the engine the body already read, then waits for nothing."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _send(
    send: Send, answer: UpstreamAnswer, *, violations: int, head: bool, vary_origin: bool
) -> None:
    # The upstream's Date is dropped: the server adds the proxy's own, and two would disagree.
    raw = [
        (name, v.encode("latin-1", "replace"))
        for k, v in answer.headers
        if (name := k.lower().encode("latin-1")) != b"date"
    ]
    if vary_origin:
        _add_vary_origin(raw)
    if not (head and answer.header("content-length") is not None):
        raw.append((b"content-length", str(len(answer.body)).encode()))
    raw.append((VIOLATIONS_HEADER.lower().encode(), str(violations).encode()))
    raw.append((SOURCE_HEADER.lower().encode(), b"upstream"))
    await send({"type": "http.response.start", "status": answer.status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else answer.body})


def _add_vary_origin(raw: list[tuple[bytes, bytes]]) -> None:
    """``Vary: Origin`` as the CORS middleware adds it, merged into the upstream's own Vary."""
    for index, (name, value) in enumerate(raw):
        if name == b"vary":
            if b"origin" not in value.lower():
                raw[index] = (name, value + b", Origin")
            return
    raw.append((b"vary", b"Origin"))
