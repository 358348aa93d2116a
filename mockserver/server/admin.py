"""The control API under ``/__mock/``: reset, state export and import, journal, health,
Pact provider states, and the console's endpoints (`console_api`).

Reachable from loopback only, unless an admin token is configured: then a client elsewhere
must send it as ``Authorization: Bearer <token>`` (or ``X-Mock-Admin-Token``). A browser
cannot send a header when it opens a page, so ``/__mock/ui?admin_token=<token>`` trades the
token for a cookie (HttpOnly, SameSite=Strict, path ``/__mock``) and redirects to the console.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mockserver.errors import StateUnavailableError
from mockserver.server.console_api import console_routes
from mockserver.server.console_api import json_response as _json
from mockserver.server.console_api import problem as _problem
from mockserver.server.engine import Engine

__all__ = ["ADMIN_PREFIX", "admin_routes", "reset_engine"]

ADMIN_PREFIX = "/__mock"
# The console's way in from elsewhere: the token as a query parameter once, then a cookie.
TOKEN_PARAMETER = "admin_token"
TOKEN_COOKIE = "mockserver_admin_token"

Endpoint = Callable[[Request], Awaitable[Response]]


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _answering_outages(endpoint: Endpoint) -> Endpoint:
    """``endpoint``, answering 503 (not 500) while the shared state cannot be reached."""

    async def answered(request: Request) -> Response:
        try:
            return await endpoint(request)
        except StateUnavailableError as exc:
            response = _problem(503, "state_unavailable", "State unavailable", str(exc))
            response.headers["Retry-After"] = "1"
            return response

    return answered


def _guard(endpoint: Endpoint, token: str | None) -> Endpoint:
    endpoint = _answering_outages(endpoint)

    async def guarded(request: Request) -> Response:
        if _is_loopback(request):
            return await endpoint(request)
        if token is None:
            return _problem(
                403,
                "admin_loopback_only",
                "Admin API is loopback only",
                "Start the mock with --admin-token to reach /__mock/ from elsewhere.",
            )
        given = request.query_params.get(TOKEN_PARAMETER)
        if given is not None and request.url.path == ADMIN_PREFIX + "/ui":
            if not hmac.compare_digest(given.encode(), token.encode()):
                detail = f"The {TOKEN_PARAMETER} given is not the mock's admin token."
                return _problem(401, "admin_token_required", "Admin token required", detail)
            # Out of the address bar (and history) at once; the cookie carries it from here.
            redirect = RedirectResponse(ADMIN_PREFIX + "/ui", status_code=303)
            redirect.set_cookie(
                TOKEN_COOKIE, token, path=ADMIN_PREFIX, httponly=True, samesite="strict"
            )
            return redirect
        sent = request.headers.get("x-mock-admin-token") or ""
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            sent = sent or credentials.strip()
        sent = sent or request.cookies.get(TOKEN_COOKIE, "")
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return _problem(401, "admin_token_required", "Admin token required",
                            "Send the admin token as Authorization: Bearer <token> (a browser: "
                            f"open {ADMIN_PREFIX}/ui?{TOKEN_PARAMETER}=<token>).")  # fmt: skip
        return await endpoint(request)

    return guarded


async def reset_engine(engine: Engine) -> None:
    """What ``/__mock/reset`` does to one engine: every record, user, token and counter
    forgotten, the scenarios back to the start-up settings. The journal is the caller's to
    clear: the engines of several mounts share one."""
    if engine.state is not None:
        await engine.state.reset()
    await engine.scenarios.update(None)


def admin_routes(
    engine: Engine | Sequence[Engine],
    *,
    token: str | None = None,
    extra: Mapping[str, tuple[Endpoint, Sequence[str]]] | None = None,
) -> list[Route]:
    """The ``/__mock/`` routes controlling ``engine``, or several sharing one journal.

    With several engines (several specs on one port, `mounts`), the state endpoints and
    provider states take ``?mount=BASE_PATH`` to say whose state they mean. ``extra``: more
    routes, ``{path: (endpoint, methods)}``, behind the same guard (the proxy's ``/report``).
    """
    started = time.time()
    engines = [engine] if isinstance(engine, Engine) else list(engine)
    first = engines[0]
    by_mount = {e.spec.base_path or "/": e for e in engines}

    def chosen(request: Request) -> Engine | Response:
        if len(engines) == 1:
            return first
        mount = request.query_params.get("mount", "")
        found = by_mount.get("/" + mount.strip("/") if mount.strip("/") else "/")
        if found is None:
            return _problem(
                400,
                "mount_required",
                "Which mount?",
                f"Several specs are mounted: add ?mount= with one of {', '.join(by_mount)}.",
            )
        return found

    async def health(request: Request) -> Response:
        body: dict[str, Any] = {
            "status": "ok",
            "operations": sum(len(e.operations) for e in engines),
            "stateful": any(e.state is not None for e in engines),
            "uptimeSeconds": round(time.time() - started, 3),
            "journalEntries": await first.journal.count(),
        }
        if len(engines) > 1:
            body["mounts"] = [
                {"basePath": e.spec.base_path or "/", "source": e.spec.source,
                 "operations": len(e.operations)}
                for e in engines
            ]  # fmt: skip
        return _json(body)

    async def reset(request: Request) -> Response:
        for each in engines:
            await reset_engine(each)
        await first.journal.clear()  # one journal for all
        return Response(status_code=204)

    async def get_state(request: Request) -> Response:
        engine = chosen(request)
        if isinstance(engine, Response):
            return engine
        if engine.state is None:
            return _stateless()
        return _json(await engine.state.export_state())

    async def put_state(request: Request) -> Response:
        engine = chosen(request)
        if isinstance(engine, Response):
            return engine
        if engine.state is None:
            return _stateless()
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return _problem(400, "malformed_body", "Malformed JSON", f"body: {exc}")
        problem = _state_problem(data)
        if problem is not None:
            return _problem(400, "invalid_state", "Invalid state", problem)
        await engine.state.reset()
        await engine.state.import_state(data)
        return Response(status_code=204)

    async def journal(request: Request) -> Response:
        params = request.query_params
        try:
            status = int(params["status"]) if "status" in params else None
            since = int(params["since"]) if "since" in params else None
            limit = int(params["limit"]) if "limit" in params else None
        except ValueError:
            return _problem(400, "invalid_filter", "Invalid journal filter",
                            "status, since and limit must be integers.")  # fmt: skip
        entries = await first.journal.query(
            method=params.get("method"),
            path=params.get("path"),
            status=status,
            operation_id=params.get("operationId"),
            since=since,
            limit=limit,
        )
        return _json({"entries": [e.to_json() for e in entries]})

    async def clear_journal(request: Request) -> Response:
        await first.journal.clear()
        return Response(status_code=204)

    async def provider_states(request: Request) -> Response:
        # Pact's state change protocol, with the states of the shared definitions.
        from mockserver.errors import ProviderStateError
        from mockserver.pact.states import change_state

        engine = chosen(request)
        if isinstance(engine, Response):
            return engine
        try:
            body = orjson.loads(await request.body())
            return _json(await change_state(engine.state, engine, engine.spec.base_path, body))
        except orjson.JSONDecodeError as exc:
            return _problem(400, "malformed_body", "Malformed JSON", f"body: {exc}")
        except ProviderStateError as exc:
            return _problem(400, "invalid_provider_state", "Invalid provider state", str(exc))

    def route(path: str, endpoint: Endpoint, methods: list[str]) -> Route:
        return Route(ADMIN_PREFIX + path, _guard(endpoint, token), methods=methods)

    return [
        route("/health", health, ["GET"]),
        route("/reset", reset, ["POST"]),
        route("/state", get_state, ["GET"]),
        route("/state", put_state, ["PUT"]),
        route("/journal", journal, ["GET"]),
        route("/journal", clear_journal, ["DELETE"]),
        route("/provider-states", provider_states, ["POST"]),
        # With several specs mounted, the console shows the first (its journal is everyone's).
        *(route(path, endpoint, methods) for path, endpoint, methods in console_routes(first)),
        *(
            route(path, endpoint, list(methods))
            for path, (endpoint, methods) in (extra or {}).items()
        ),
    ]


def _stateless() -> Response:
    return _problem(
        409,
        "stateless",
        "The mock is stateless",
        "Started with --stateless, so it has no state to export or import.",
    )


def _state_problem(data: Any) -> str | None:
    """What is wrong with an imported state document, or None."""
    if not isinstance(data, dict) or not isinstance(data.get("collections", {}), dict):
        return 'expected {"collections": {"<collection path>": {"<id>": {record}}}}'
    for name, records in data.get("collections", {}).items():
        if not isinstance(records, dict) or not all(isinstance(r, dict) for r in records.values()):
            return f"collections.{name}: expected an object of records keyed by id"
    return None
