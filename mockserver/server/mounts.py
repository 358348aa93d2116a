"""Several specs on one port: each mock under its own base path, one journal and one ``/__mock/``.

``mockserver serve a.yaml b.yaml`` mounts each document at the path of its ``servers[0].url``
(``--mount /billing=b.yaml`` sets one instead). Every mock is the app `create_app` builds, with
its own state, given one shared journal; `MountedApp` sends a request to the mock whose base
path is the longest prefix of its path, ``/__mock/`` to one admin API over all of them, and
anything else to a 404 problem naming the mounts. Two documents at one base path would answer
each other's paths: that is refused with `ConfigError` before anything is served.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from mockserver.errors import ConfigError
from mockserver.server.admin import ADMIN_PREFIX, admin_routes
from mockserver.server.app import create_app
from mockserver.server.console_api import PROBLEM_JSON
from mockserver.server.latency import split_by_spec
from mockserver.spec.loader import Spec, load_spec
from mockserver.store.journal import MemoryJournal

__all__ = ["Mount", "MountedApp", "Source", "create_mounted_app", "mounts"]

Source = str | os.PathLike[str] | Mapping[str, Any] | Spec
"""A document to mount: a file, a parsed document or a loaded `Spec`."""


@dataclass(frozen=True, slots=True)
class Mount:
    """One document and the base path it is served under (``""``: the root)."""

    base_path: str
    spec: Spec


def _normal(prefix: str) -> str:
    prefix = "/" + prefix.strip().strip("/")
    return "" if prefix == "/" else prefix


def mounts(entries: Sequence[tuple[str | None, Source]], *, strict: bool = False) -> list[Mount]:
    """Load each ``(prefix, spec)`` (a ``None`` prefix: the spec's own base path); refuse clashes.

    Raises `ConfigError` when two documents would be served at the same base path, naming both
    and how to set one apart (``--mount PREFIX=FILE``).
    """
    found: list[Mount] = []
    seen: dict[str, str] = {}
    for prefix, source in entries:
        spec = source if isinstance(source, Spec) else load_spec(source, strict=strict)
        base = spec.base_path if prefix is None else _normal(prefix)
        if base != spec.base_path:
            spec = dataclasses.replace(spec, base_path=base)
        if base in seen:
            raise ConfigError(
                f"{spec.source} and {seen[base]} are both served at base path "
                f"{base or '/'!r}: give one another with --mount PREFIX={spec.source} "
                "(or another servers[0].url)"
            )
        if base.startswith(ADMIN_PREFIX):
            raise ConfigError(
                f"{spec.source}: base path {base!r} is the admin API's ({ADMIN_PREFIX}/); "
                "mount it elsewhere with --mount PREFIX=FILE"
            )
        seen[base] = spec.source
        found.append(Mount(base, spec))
    if not found:
        raise ConfigError("expected at least one spec to mount, got none")
    return found


class MountedApp:
    """The ASGI app of several mocks: by longest base path, ``/__mock/`` shared, else 404."""

    def __init__(self, apps: Sequence[tuple[str, Starlette]], admin: Starlette) -> None:
        # Longest first: /api/v2 is tried before /api.
        self.apps = sorted(apps, key=lambda entry: len(entry[0]), reverse=True)
        self.admin = admin
        self.state = admin.state  # engines, as `create_app`'s app.state names them

    def route(self, path: str) -> Starlette | None:
        """The mock whose base path is the longest prefix of ``path`` (a whole segment)."""
        for base, app in self.apps:
            if not base or path == base or path.startswith(base + "/"):
                return app
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.admin(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            await self.admin(scope, receive, send)
            return
        app = self.route(path)
        if app is not None:
            await app(scope, receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        where = ", ".join(base or "/" for base, _ in sorted(self.apps))
        body = {
            "type": "urn:mockserver:problem:no-such-mount",
            "title": "Not found",
            "status": 404,
            "detail": f"No mounted spec serves {path}; the base paths are {where}.",
            "code": "no_such_mount",
        }
        payload = orjson.dumps(body)
        await send({"type": "http.response.start", "status": 404, "headers": [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(payload)).encode()),
        ]})  # fmt: skip
        await send({"type": "http.response.body", "body": payload})


def create_mounted_app(
    entries: Sequence[tuple[str | None, Source]],
    *,
    admin_token: str | None = None,
    fixtures: Mapping[str, Any] | None = None,
    strict: bool = False,
    **options: Any,
) -> MountedApp:
    """One app serving every document of ``entries`` (``(prefix or None, spec)``) on one port.

    ``options`` are `create_app`'s, applied to every mock (``state_url`` excepted: each mock
    keeps its state in memory). ``fixtures`` go to the first mock. Raises `ConfigError` on a
    clash of base paths (see `mounts`), and what `create_app` raises.
    """
    if options.get("state_url") is not None or options.get("store") is not None:
        raise ConfigError(
            "several specs on one port keep their state in memory: drop --state-url "
            "(or serve each spec on its own port)"
        )
    journal = MemoryJournal()
    apps: list[tuple[str, Starlette]] = []
    found = mounts(entries, strict=strict)
    # Each mock gets the --latency OPERATION=... its own spec names (a name none has: refused).
    latencies = split_by_spec(
        options.pop("operation_latency", None) or {},
        [(mount.spec.document, mount.base_path) for mount in found],
    )
    for index, mount in enumerate(found):
        app = create_app(
            mount.spec,
            journal=journal,
            admin_token=admin_token,
            fixtures=fixtures if index == 0 else None,
            strict=strict,
            operation_latency=latencies[index],
            **options,
        )
        apps.append((mount.base_path, app))
    engines = [app.state.engine for _, app in apps]

    @asynccontextmanager
    async def lifespan(admin: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for _, mounted in apps:
                await stack.enter_async_context(mounted.router.lifespan_context(mounted))
            yield

    admin = Starlette(routes=admin_routes(engines, token=admin_token), lifespan=lifespan)
    admin.state.engine = engines[0]
    admin.state.engines = engines
    return MountedApp(apps, admin)
