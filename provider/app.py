"""The application factory: settings, services, the route table and the error handlers.

Routes are listed here by hand, one per operation of ``openapi/openapi.yaml``, under
``/api/v1``; at start-up each route's method and path are checked against the operation its
handler implements (``@endpoint``), so the table cannot drift from the spec unnoticed.
Every error, including unknown paths (404), wrong methods (405 with ``Allow``), an unreachable
database (503) and bugs (500), is answered as ``application/problem+json``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from httpguard import Limits, RequestLimits
from provider import (
    orders,
    outbox,
    payments,
    projects,
    sessions,
    subscriptions,
    tasks,
    users,
    webhooks,
)
from provider.auth import LoginThrottle, Passwords, Tokens
from provider.config import (
    DEFAULT_PASSWORD_COST,
    DEFAULT_SPEC,
    PasswordCost,
    Settings,
    WebhookPolicy,
)
from provider.db import Database
from provider.delivery import Dispatcher
from provider.endpoint import (
    API_PREFIX,
    Call,
    Endpoint,
    Services,
    endpoint,
    json_response,
    operation_of,
)
from provider.errors import DatabaseUnavailable, SpecError
from provider.problems import REFUSALS, Problem
from provider.states import StateRegistry, builtin_states, provider_states
from provider.validation import Spec

__all__ = ["DEFAULT_LIMITS", "ROUTES", "VERSION", "create_app"]

VERSION = "0.1.0"
# What `create_app` and ``python -m provider`` enforce unless told otherwise (the README's
# figures): bodies up to 1 MiB, and httpguard's defaults for the rest.
DEFAULT_LIMITS = Limits(max_body_bytes=1024 * 1024)
STATES_PATH = "/_pact/provider-states"
# RFC 3986 pchar plus "/": the problem's ``instance`` stays a valid URI reference.
URI_SAFE = "/:@!$&'()*+,;=-._~"
log = logging.getLogger("provider")


@endpoint("getHealth")
async def health(_: Call) -> Response:
    """Liveness: answers without touching the database."""
    return json_response({"status": "ok", "version": VERSION})


ROUTES: list[tuple[str, str, Endpoint]] = [
    ("GET", "/health", health),
    ("POST", "/auth/register", users.register),
    ("POST", "/auth/login", users.login),
    ("POST", "/auth/refresh", users.refresh),
    ("POST", "/auth/logout", users.logout),
    ("GET", "/auth/me", users.get_current_user),
    ("GET", "/projects", projects.list_projects),
    ("POST", "/projects", projects.create_project),
    ("GET", "/projects/{projectId}", projects.get_project),
    ("PUT", "/projects/{projectId}", projects.replace_project),
    ("PATCH", "/projects/{projectId}", projects.update_project),
    ("DELETE", "/projects/{projectId}", projects.delete_project),
    ("GET", "/projects/{projectId}/tasks", tasks.list_tasks),
    ("POST", "/projects/{projectId}/tasks", tasks.create_task),
    ("GET", "/projects/{projectId}/tasks/{taskId}", tasks.get_task),
    ("PATCH", "/projects/{projectId}/tasks/{taskId}", tasks.update_task),
    ("DELETE", "/projects/{projectId}/tasks/{taskId}", tasks.delete_task),
    ("GET", "/orders", orders.list_orders),
    ("POST", "/orders", orders.create_order),
    ("GET", "/orders/{orderId}", orders.get_order),
    ("POST", "/orders/{orderId}/cancel", orders.cancel_order),
    ("POST", "/orders/{orderId}/payments", payments.pay_order),
    ("GET", "/payments", payments.list_payments),
    ("GET", "/payments/{paymentId}", payments.get_payment),
    ("POST", "/payments/{paymentId}/refund", payments.refund_payment),
    ("GET", "/subscriptions", subscriptions.list_subscriptions),
    ("POST", "/subscriptions", subscriptions.create_subscription),
    ("GET", "/subscriptions/{subscriptionId}", subscriptions.get_subscription),
    ("POST", "/subscriptions/{subscriptionId}/cancel", subscriptions.cancel_subscription),
    ("GET", "/webhook-endpoints", webhooks.list_webhook_endpoints),
    ("POST", "/webhook-endpoints", webhooks.create_webhook_endpoint),
    ("GET", "/webhook-endpoints/{endpointId}", webhooks.get_webhook_endpoint),
    ("DELETE", "/webhook-endpoints/{endpointId}", webhooks.delete_webhook_endpoint),
    ("GET", "/sessions", sessions.list_sessions),
    ("POST", "/sessions", sessions.create_session),
    ("GET", "/sessions/{sessionId}", sessions.get_session),
    ("PATCH", "/sessions/{sessionId}", sessions.update_session),
    ("POST", "/sessions/{sessionId}/end", sessions.end_session),
]


def create_app(
    *,
    database_url: str,
    test_states: bool = False,
    jwt_secret: str | None = None,
    access_token_ttl: int = 900,
    refresh_token_ttl: int = 30 * 24 * 3600,
    password_cost: PasswordCost = DEFAULT_PASSWORD_COST,
    login_attempts: int = 5,
    login_window: int = 15 * 60,
    login_client_attempts: int = 100,
    limits: Limits | None = None,
    spec_path: Path = DEFAULT_SPEC,
    states: StateRegistry | None = None,
    webhooks: WebhookPolicy | None = None,
) -> Starlette:
    """Build the provider application.

    Parameters:
        database_url: SQLAlchemy URL: ``sqlite:///path`` or ``postgresql+psycopg://...``
            (``postgresql://`` is taken to mean psycopg 3). Tables are created at start-up.
        test_states: expose ``POST /_pact/provider-states`` (never in production).
        jwt_secret: the HS256 key, at least 32 bytes; random per process when None, so
            tokens do not survive a restart.
        access_token_ttl: seconds an access token lives (the ``expiresIn`` answered).
        refresh_token_ttl: seconds a refresh token lives if never used.
        password_cost: argon2id parameters; ``CHEAP_PASSWORD_COST`` for test suites.
        login_attempts, login_window: failed logins allowed per account per window (seconds).
        login_client_attempts: failed logins allowed per client address per window, whatever
            the accounts tried (password spraying).
        limits: body size, JSON depth, query parameter count and body timeout
            (`httpguard.Limits`; `DEFAULT_LIMITS` when None). Header size and header timeout
            are the server's: pass ``httpguard.uvicorn_options(limits,
            refusals=provider.problems.REFUSALS)`` to uvicorn (``python -m provider`` does).
        spec_path: the OpenAPI document whose request rules are enforced.
        states: the provider states served with ``test_states`` (``builtin_states()`` if None).
        webhooks: attempts, backoff, timeout, poll, grace and allowed hosts of webhook
            deliveries (`WebhookPolicy()`, the spec's 5 tries from 1 s, when None). With
            ``test_states``, ``GET /_test/webhook-deliveries`` lists the delivery journal.

    Raises ``ConfigError`` for an unusable setting and ``SpecError`` when the document does
    not describe the routes.
    """
    settings = Settings.build(
        database_url=database_url,
        jwt_secret=jwt_secret,
        test_states=test_states,
        access_token_ttl=access_token_ttl,
        refresh_token_ttl=refresh_token_ttl,
        password_cost=password_cost,
        login_attempts=login_attempts,
        login_window=login_window,
        spec_path=spec_path,
        webhooks=webhooks,
    )
    spec = Spec(settings.spec_path)
    routes = _routes(spec)
    if test_states:
        routes.append(Route(STATES_PATH, provider_states, methods=["POST"]))
        routes.append(Route(outbox.DELIVERIES_PATH, outbox.list_deliveries, methods=["GET"]))
    db = Database(settings.database_url)
    services = Services(
        settings=settings,
        db=db,
        spec=spec,
        passwords=Passwords(settings.password_cost),
        tokens=Tokens(
            settings.jwt_secret,
            access_ttl=settings.access_token_ttl,
            refresh_ttl=settings.refresh_token_ttl,
        ),
        throttle=LoginThrottle(
            attempts=settings.login_attempts,
            window=settings.login_window,
            client_attempts=login_client_attempts,
        ),
        webhooks=Dispatcher(db, settings.webhooks, outbox.catalog(spec.document)),
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            await run_in_threadpool(services.db.create_schema)
        except DatabaseUnavailable as error:
            log.warning("database unavailable at start-up (%s); will retry on each request", error)
        services.webhooks.start()
        try:
            yield
        finally:
            await services.webhooks.aclose()
            services.db.dispose()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(RequestLimits, limits=limits or DEFAULT_LIMITS, refusals=REFUSALS)],
        exception_handlers={
            Problem: _problem,
            HTTPException: _http_exception,
            DatabaseUnavailable: _database_unavailable,
            Exception: _internal_error,
        },
    )
    app.router.redirect_slashes = False
    app.state.services = services
    app.state.states = states if states is not None else builtin_states()
    return app


def _routes(spec: Spec) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    implemented = set()
    for method, path, handler in ROUTES:
        operation_id = operation_of(handler)
        if operation_id is None:
            raise SpecError(f"the handler of {method} {path} is not an @endpoint; decorate it")
        rules = spec.operation(operation_id)
        if (rules.method, rules.path) != (method, path):
            raise SpecError(
                f"the route {method} {path} implements {operation_id}, which the document "
                f"declares as {rules.method} {rules.path}; fix the route table in app.py"
            )
        implemented.add(operation_id)
        by_path.setdefault(path, {})[method] = handler
    missing = sorted(set(spec.operations) - implemented)
    if missing:
        raise SpecError(f"the document has operations without a route: {', '.join(missing)}")
    # One route per path, so a 405 lists in Allow every method the path supports.
    return [
        Route(API_PREFIX + path, _dispatch(handlers), methods=list(handlers))
        for path, handlers in by_path.items()
    ]


def _dispatch(handlers: dict[str, Endpoint]) -> Endpoint:
    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return dispatch


def _instance(request: Request) -> str:
    return quote(request.url.path, safe=URI_SAFE)


async def _problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, Problem)
    return error.response(_instance(request))


async def _http_exception(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        allow = (error.headers or {}).get("Allow", "")
        problem = Problem(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path}; allowed: {allow}.",
            headers={"Allow": allow},
        )
    elif error.status_code == 404:
        problem = Problem(404, "not_found", f"Nothing is served at {request.url.path}.")
    else:
        code = "bad_request" if error.status_code < 500 else "internal_error"
        problem = Problem(error.status_code, code, str(error.detail), headers=error.headers)
    return problem.response(_instance(request))


async def _database_unavailable(request: Request, _: Exception) -> Response:
    problem = Problem(
        503,
        "database_unavailable",
        "The database cannot be reached; try again shortly.",
        headers={"Retry-After": "5"},
    )
    return problem.response(_instance(request))


async def _internal_error(request: Request, _: Exception) -> Response:
    # Starlette re-raises the error after this answer, so the server logs the traceback.
    problem = Problem(500, "internal_error", "The server failed to answer; the error is logged.")
    return problem.response(_instance(request))
