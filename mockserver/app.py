"""``create_app``: the library entry point that turns an OpenAPI document into an ASGI app."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from mockserver.admin import admin_routes
from mockserver.engine import Engine
from mockserver.faults import Faults
from mockserver.loader import Spec, load_spec
from mockserver.store import Store

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
    jwt_secret: str | None = None,
    cors: bool = True,
    cors_origins: Sequence[str] | None = None,
    latency: tuple[float, float] | None = None,
    chaos: float = 0.0,
    fixtures: Mapping[str, Any] | None = None,
    admin_token: str | None = None,
) -> Starlette:
    """Build a Starlette application that mocks ``spec``.

    Args:
        spec: a path to an OpenAPI 3.0/3.1 file (YAML or JSON), the document as a mapping,
            or a `Spec` from `mockserver.loader.load_spec`.
        seed: makes generated data deterministic: the same request gets the same body in
            every run. Without it generated data varies between requests.
        stateful: keep state (POST then GET returns what was created, logins issue real
            JWTs, ``x-mock-action`` behaviours run). ``False`` answers examples and generated
            data only, like Prism.
        store: where state lives; a fresh in-memory `MemoryStore` by default.
        jwt_secret: the HMAC key access tokens are signed with; random per app by default.
        cors: answer CORS preflights and allow credentials for the requesting origin, so a
            browser frontend on another port can call the mock.
        cors_origins: restrict CORS to these origins instead of echoing any origin.
        latency: delay every answer by a uniform ``(low, high)`` milliseconds.
        chaos: the share of requests (0-1) answered with a 503 or a dropped connection.
        fixtures: state to start from, in the shape ``GET /__mock/state`` answers.
        admin_token: lets clients other than loopback use ``/__mock/`` with this token.

    Raises:
        SpecError: the document cannot be loaded or mocked; the message names the file, the
            JSON pointer and the fix.
    """
    loaded = spec if isinstance(spec, Spec) else load_spec(spec)
    faults = Faults(latency=latency, chaos=chaos, seed=seed)
    engine = Engine(
        loaded, seed=seed, stateful=stateful, store=store, jwt_secret=jwt_secret, faults=faults
    )
    if fixtures is not None:
        engine.preload(fixtures)
    middleware = []
    if cors:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins or ()),
                allow_origin_regex=None if cors_origins else r".*",
                allow_credentials=True,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=_exposed_headers(engine),
                max_age=600,
            )
        )
    app = Starlette(routes=admin_routes(engine, token=admin_token), middleware=middleware)
    # The engine answers everything the (empty) route table does not: no per-route regexes.
    app.router.default = engine
    app.state.engine = engine
    return app
