"""``create_app``: the library entry point that turns an OpenAPI document into an ASGI app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from httpguard import Limits, RequestLimits
from mockserver.errors import ConfigError
from mockserver.events.channels import event_channels, find_asyncapi, load_asyncapi
from mockserver.events.webhooks import DeliveryPolicy, WebhookDispatcher
from mockserver.server.admin import admin_routes
from mockserver.server.engine import Engine
from mockserver.server.faults import Faults
from mockserver.server.guard import DEFAULT_LIMITS, refusals_for
from mockserver.server.latency import Delay, parse_delay
from mockserver.server.shortcut import ShortcutApp
from mockserver.server.wire import VARY_ORIGIN, add_vary_origin
from mockserver.spec.loader import Spec, load_spec
from mockserver.state.seeding import MISSING_CHOICES, Missing
from mockserver.store.journal import Journal
from mockserver.store.memory import Store

__all__ = ["create_app"]

# Headers a browser script may read on a cross-origin response, beyond the CORS-safelisted ones.
_ALWAYS_EXPOSED = ("Location", "Retry-After", "WWW-Authenticate", "Allow")


def _exposed_headers(engine: Engine) -> list[str]:
    names = dict.fromkeys(_ALWAYS_EXPOSED)
    for compiled in engine.operations:
        for response in compiled.operation.responses.values():
            names.update(dict.fromkeys(response.headers))
    return list(names)


def create_app(
    spec: str | os.PathLike[str] | Mapping[str, Any] | Spec,
    *,
    seed: int | None = None,
    stateful: bool = True,
    store: Store | None = None,
    state_url: str | None = None,
    state_prefix: str | None = None,
    jwt_secret: str | None = None,
    cors: bool = True,
    cors_origins: Sequence[str] | None = None,
    latency: tuple[float, float] | str | Delay | None = None,
    operation_latency: Mapping[str, str | Delay] | None = None,
    chaos: float = 0.0,
    fixtures: Mapping[str, Any] | None = None,
    admin_token: str | None = None,
    limits: Limits | None = None,
    asyncapi: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    webhooks: DeliveryPolicy | None = None,
    strict: bool = False,
    journal: Journal | None = None,
    missing: Missing | None = None,
    seed_examples: bool | None = None,
) -> Starlette:
    """Build a Starlette application that mocks ``spec``.

    Args:
        spec: a path to an OpenAPI 3.0/3.1 file (YAML or JSON), the document as a mapping,
            or a `Spec` from `mockserver.spec.loader.load_spec`.
        seed: makes generated data deterministic: the same request gets the same body in
            every run. Without it generated data varies between requests.
        stateful: keep state (POST then GET returns what was created, logins issue real
            JWTs, ``x-mock-action`` behaviours run). ``False`` answers examples and generated
            data only, like Prism.
        store: where state lives; a fresh in-memory `MemoryStore` by default.
        state_url: ``redis://host:port/db``: keep the state, the journal and session events
            in Redis, shared with every app started with the same URL and prefix (several
            workers or instances answer as one mock). Closed when the app shuts down.
        state_prefix: the prefix of every Redis key (default ``mockserver:``, or the URL's
            ``?prefix=``), so several mocks can share one Redis.
        jwt_secret: the HMAC key access tokens are signed with; random per app by default
            (with ``state_url``: random, stored in Redis, the same for every worker).
        cors: answer CORS preflights and allow credentials for the requesting origin, so a
            browser frontend on another port can call the mock.
        cors_origins: restrict CORS to these origins instead of echoing any origin.
        latency: delay every answer by a uniform ``(low, high)`` milliseconds, or by a
            `Delay` or its text (``120ms``, ``50ms..200ms``,
            ``lognormal(median=80ms,p99=400ms)``; `mockserver.server.latency`).
        operation_latency: the delay of particular operations, by operationId or
            ``METHOD /path``; wins over ``x-mock-latency`` and ``latency``.
        chaos: the share of requests (0-1) answered with a 503 or a dropped connection.
        fixtures: state to start from, in the shape ``GET /__mock/state`` answers.
        admin_token: lets clients other than loopback use ``/__mock/`` with this token.
        limits: body size, JSON depth, query parameter count and body timeout
            (`httpguard.Limits`; `guard.DEFAULT_LIMITS` when None). Header size and header
            timeout are the server's: pass ``httpguard.uvicorn_options(limits,
            refusals=guard.REFUSALS)`` to uvicorn (``mockserver serve`` does).
        asyncapi: the AsyncAPI document whose channels to serve as WebSockets; by default
            ``asyncapi.yaml`` next to the spec file, if there is one.
        webhooks: attempts, backoff and timeout of webhook deliveries (`DeliveryPolicy`).
        strict: refuse a document with any defect. By default a defect confined to one
            place degrades that place (an operation left out, a pattern not enforced) and the
            rest is served; ``app.state.engine.degraded`` and the `Spec`'s ``issues`` name them.
        journal: where requests are journaled; a fresh `MemoryJournal` by default (several
            specs on one port share one, `mounts`).
        missing: what a stateful read of an id nothing holds answers: ``"404"``, or
            ``"materialize"`` (a record generated for that id, stored, deterministic under
            ``seed``). None: materialize for a document without ``x-mock-*`` extensions,
            404 for one written for this mock.
        seed_examples: load the records the document shows (list and item examples, objects
            of property examples) at start, owned by nobody. None: on for a document
            without ``x-mock-*`` extensions, off for one written for this mock.

    Raises:
        SpecError: the document cannot be loaded or mocked; the message names the file, the
            JSON pointer and the fix.
        ConfigError: ``state_url`` is not a Redis URL, Redis cannot be reached there, or
            ``store`` is given too; a latency does not read or names no operation;
            ``missing`` is neither "404" nor "materialize".
    """
    if missing is not None and missing not in MISSING_CHOICES:
        raise ConfigError(f"create_app: expected missing='404' or 'materialize', got {missing=}")
    loaded = spec if isinstance(spec, Spec) else load_spec(spec, strict=strict)
    faults = Faults(
        latency=parse_delay(latency) if isinstance(latency, str) else latency,
        chaos=chaos,
        seed=seed,
    )
    owned: Store | None = None  # opened here, so closed here
    if state_url is not None:
        if store is not None:
            raise ConfigError("create_app: pass store or state_url, not both")
        if journal is not None:
            raise ConfigError("create_app: pass journal or state_url, not both")
        from mockserver.store.redis_store import open_state

        owned, journal, jwt_secret = open_state(
            state_url, prefix=state_prefix, jwt_secret=jwt_secret
        )
        store = owned
    engine = Engine(
        loaded,
        seed=seed,
        stateful=stateful,
        store=store,
        jwt_secret=jwt_secret,
        faults=faults,
        journal=journal,
        limits=limits,
        strict=strict,
        operation_latency=operation_latency,
        missing=missing,
        seed_examples=seed_examples,
    )
    if fixtures is not None:
        engine.preload(fixtures)
    middleware = []
    if cors:
        middleware.append(
            Middleware(
                _CORS,
                allow_origins=list(cors_origins or ()),
                allow_origin_regex=None if cors_origins else r".*",
                allow_credentials=True,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=_exposed_headers(engine),
                max_age=600,
            )
        )
    # Inside CORS, so a browser can read a refusal too; named as the spec names its problems.
    refusals = refusals_for(engine.problems.types)
    middleware.append(Middleware(RequestLimits, limits=limits or DEFAULT_LIMITS, refusals=refusals))
    routes: list[BaseRoute] = list(admin_routes(engine, token=admin_token))
    dispatcher = None
    if engine.state is not None:
        source = asyncapi if asyncapi is not None else find_asyncapi(loaded.source)
        if source is not None:
            document = load_asyncapi(source)
            channels = event_channels(
                document,
                engine.state.context,
                engine.state.authenticator,
                base_path=loaded.base_path,
                journal=engine.journal,
            )
            routes += [channel.route() for channel in channels]
        dispatcher = WebhookDispatcher(engine.state.context, engine.journal, policy=webhooks)
        dispatcher.install()
    # Innermost: what no route can match goes straight to the engine.
    middleware.append(Middleware(_EngineFirst, engine=engine, routes=routes))
    app = ShortcutApp(routes=routes, middleware=middleware, lifespan=_lifespan(dispatcher, owned))
    app.vary_origin = cors
    # What no route's path can match skips the stack (`ShortcutApp`): only the limits.
    first = _EngineFirst(
        RequestLimits(engine, limits=limits or DEFAULT_LIMITS, refusals=refusals),
        engine=engine,
        routes=routes,
    )
    app.shortcut, app.kept = first.app, first.prefixes
    # The engine answers everything the route table does not.
    app.router.default = engine
    app.state.engine = engine
    app.state.webhooks = dispatcher
    return app


# A request without an Origin: `_CORS`'s ``send`` wrapper and the ``send`` it wraps.
_CORS_SEND = "mockserver.cors_send"


class _CORS(CORSMiddleware):
    """Starlette's CORS middleware with a short path for requests that carry no ``Origin``.

    Most requests (tests, scripts, server-side clients, the benchmark) are not cross-origin:
    for them Starlette only adds ``Vary: Origin`` to the answer, yet it parses the headers and
    wraps every message to find that out, a sixth of the cost of a simple GET. Requests with
    an ``Origin`` take Starlette's path unchanged.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def vary_origin(message: Message) -> None:
            if message["type"] == "http.response.start":
                # What CORSMiddleware.send does for a request without an Origin.
                add_vary_origin(message)
            await send(message)

        # `_EngineFirst` hands the engine ``send`` itself: it adds the Vary on its own.
        scope[_CORS_SEND] = (vary_origin, send)
        await self.app(scope, receive, vary_origin)


class _EngineFirst:
    """Send HTTP requests no route can match straight to the engine.

    Nearly every request is the engine's, yet the router tries every route's regex before
    falling back to it, behind Starlette's exception middleware (which builds a `Request`
    and wraps ``send``, for handlers the engine never needs: it answers its own errors).
    Together that cost more than routing the request in the engine. A path outside every
    HTTP route's literal prefix cannot match a route (nor be redirected to one by a trailing
    slash), so it skips both; everything else, WebSockets and lifespan included, goes the
    usual way.
    """

    def __init__(self, app: ASGIApp, *, engine: Engine, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.engine = engine
        self.prefixes = tuple(
            # Another kind of route (a Host) may match any path: "" sends everything its way.
            route.path.split("{", 1)[0].rstrip("/") if isinstance(route, Route | Mount) else ""
            for route in routes
            if not isinstance(route, WebSocketRoute)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not get_route_path(scope).startswith(self.prefixes):
            wrapped = scope.pop(_CORS_SEND, None)
            if wrapped is not None and wrapped[0] is send:
                # Nothing between `_CORS` and here wrapped ``send``: skip its wrapper.
                scope[VARY_ORIGIN] = True
                send = wrapped[1]
            await self.engine(scope, receive, send)
        else:
            # /__mock/ (export, reset), a channel and the lifespan see the fixtures too.
            await self.engine.import_fixtures()
            await self.app(scope, receive, send)


def _lifespan(
    dispatcher: WebhookDispatcher | None, store: Store | None
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if dispatcher is not None:
                await dispatcher.aclose()  # a bounded grace, then the rest journaled as failed
            if store is not None:
                await store.aclose()

    return lifespan
