"""``create_proxy_app``: the validating proxy as a Starlette app.

`handler.Proxy` answers every request no route takes; around it the mock's request limits,
its CORS handling (``X-Mock-Violations`` exposed) and its ``/__mock/`` admin API, plus
``/__mock/report``; the lifespan writes the reports and closes the upstream's connections.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response

from httpguard import Limits, RequestLimits
from mockserver.proxy.forward import Upstream
from mockserver.proxy.handler import SOURCE_HEADER, VIOLATIONS_HEADER, Proxy
from mockserver.proxy.record import Recorder
from mockserver.server.admin import ADMIN_PREFIX, admin_routes
from mockserver.server.engine import Engine
from mockserver.server.guard import DEFAULT_LIMITS, REFUSALS
from mockserver.server.shortcut import ShortcutApp
from mockserver.spec.loader import Spec, load_spec
from mockserver.store.journal import MemoryJournal

__all__ = ["create_proxy_app"]

_EXPOSED = (VIOLATIONS_HEADER, SOURCE_HEADER, "Location", "Retry-After", "WWW-Authenticate")


def create_proxy_app(
    spec: str | os.PathLike[str] | Mapping[str, Any] | Spec,
    *,
    upstream: str | Upstream,
    mock: Sequence[str] = (),
    mock_missing: bool = False,
    record: Path | None = None,
    seed: int | None = None,
    stateful: bool = True,
    cors: bool = True,
    admin_token: str | None = None,
    limits: Limits | None = None,
    upstream_timeout: float = 30.0,
    upstream_max_body: int = 10 * 1024 * 1024,
    upstream_insecure: bool = False,
    report: Path | None = None,
    junit: Path | None = None,
    journal_capacity: int = 1000,
) -> Starlette:
    """Build the validating proxy of ``spec`` in front of ``upstream``.

    Args:
        spec: the OpenAPI document (a path, a mapping or a loaded `Spec`).
        upstream: the server the spec describes, as its URL with the base path
            (``https://staging.example.com/api/v1``), or an `Upstream`.
        mock: operationIds and tags answered by the mock, never forwarded.
        mock_missing: answer from the mock when the upstream has no such route (404, 405,
            501 not declared as such) or cannot be reached.
        record: a directory where each distinct answer is recorded as an example.
        seed, stateful: the mock's, as for `create_app`.
        cors, admin_token, limits: as for `create_app`.
        upstream_timeout: seconds for one whole exchange with the upstream (504 after).
        upstream_max_body: bytes of an upstream answer before it is refused (502).
        upstream_insecure: do not verify the upstream's TLS certificate.
        report, junit: where the JSON and the JUnit report are written at shutdown and on
            ``POST /__mock/report``.
        journal_capacity: exchanges the journal keeps.

    Raises:
        SpecError: the document cannot be loaded.
        ConfigError: the upstream URL or a ``mock`` name is wrong.
    """
    loaded = spec if isinstance(spec, Spec) else load_spec(spec)
    limits = limits or DEFAULT_LIMITS
    engine = Engine(
        loaded,
        seed=seed,
        stateful=stateful,
        journal=MemoryJournal(journal_capacity),
        limits=limits,
    )
    target = (
        upstream
        if isinstance(upstream, Upstream)
        else Upstream(
            upstream,
            timeout=upstream_timeout,
            max_body_bytes=upstream_max_body,
            insecure=upstream_insecure,
        )
    )
    recorder = Recorder(record, spec=loaded.source) if record is not None else None
    proxy = Proxy(
        engine,
        target,
        mock=mock,
        mock_missing=mock_missing,
        recorder=recorder,
        max_body_bytes=limits.max_body_bytes,
    )

    def write_report() -> None:
        proxy.report.write(json_path=report, junit_path=junit)

    async def report_endpoint(request: Request) -> Response:
        if request.method == "POST":
            write_report()
        return Response(orjson.dumps(proxy.report.to_json()), media_type="application/json")

    routes = admin_routes(
        engine, token=admin_token, extra={"/report": (report_endpoint, ["GET", "POST"])}
    )
    middleware = []
    if cors:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=[],
                allow_origin_regex=r".*",
                allow_credentials=True,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=list(_EXPOSED),
                max_age=600,
            )
        )
    middleware.append(Middleware(RequestLimits, limits=limits, refusals=REFUSALS))
    app = ShortcutApp(
        routes=routes, middleware=middleware, lifespan=_lifespan(target, write_report)
    )
    app.shortcut = RequestLimits(proxy, limits=limits, refusals=REFUSALS)
    app.kept = (ADMIN_PREFIX,)
    app.vary_origin = cors
    app.router.default = proxy
    app.state.engine = engine
    app.state.proxy = proxy
    return app


def _lifespan(
    upstream: Upstream, write_report: Callable[[], None]
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            write_report()
            await upstream.aclose()

    return lifespan
