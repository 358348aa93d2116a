"""``--reload``: rebuild the mock when the spec changes, without restarting the process.

uvicorn's own reload watches Python files and restarts workers; a spec edit needs neither,
only a new `Engine`. A broken edit keeps the previous mock serving and says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import MockServerError

__all__ = ["ReloadingApp"]

SPEC_SUFFIXES = (".yaml", ".yml", ".json")


class ReloadingApp:
    """An ASGI app that delegates to ``build()`` and calls it again when ``watch`` changes."""

    def __init__(self, build: Callable[[], ASGIApp], watch: Path) -> None:
        self._build = build
        self._watch_dir = watch if watch.is_dir() else watch.parent
        self._app = build()
        self._task: asyncio.Task[None] | None = None
        self.reloads = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self._app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._task = asyncio.create_task(self._watch())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._task is not None:
                    self._task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._task
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _watch(self) -> None:
        from watchfiles import awatch

        def is_spec(_change: object, path: str) -> bool:
            return path.endswith(SPEC_SUFFIXES)

        async for _ in awatch(self._watch_dir, watch_filter=is_spec, debounce=200):
            try:
                self._app = self._build()
            except MockServerError as exc:
                print(
                    f"mockserver: reload failed, still serving the previous spec:\n{exc}",
                    file=sys.stderr,
                    flush=True,
                )
            else:
                self.reloads += 1
                print("mockserver: spec changed, reloaded", file=sys.stderr, flush=True)
