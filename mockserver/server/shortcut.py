"""The Starlette app of the mock and of the proxy, with one short way for nearly every request.

An HTTP request with no ``Origin`` outside the paths of the app's own routes needs none of the
middleware stack but the request limits: the error middleware (the engine and the proxy answer
their own errors), the CORS middleware (it would only add ``Vary: Origin``, which the engine
and the proxy add themselves) and the router are skipped. Every other request takes the whole
stack.
"""

from __future__ import annotations

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from httpguard import HEADER_DICT
from mockserver.server.wire import VARY_ORIGIN

__all__ = ["ShortcutApp"]


class ShortcutApp(Starlette):
    """`Starlette` that sends a plain HTTP request straight to `shortcut`.

    ``kept`` lists the path prefixes that always take the whole stack (the routes of the
    admin API, the console, channels); ``vary_origin`` says whether CORS is on, so that the
    answer still varies by ``Origin``.
    """

    shortcut: ASGIApp | None = None
    kept: tuple[str, ...] = ()
    vary_origin = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        shortcut = self.shortcut
        if (
            shortcut is not None
            and scope["type"] == "http"
            and not get_route_path(scope).startswith(self.kept)
        ):
            # Built in C, cheaper than a loop; left for `RequestLimits`, which reads it too.
            headers = scope[HEADER_DICT] = dict(scope["headers"])
            if b"origin" not in headers:
                scope["app"] = self
                if self.vary_origin:
                    scope[VARY_ORIGIN] = True  # what CORS adds to an answer to no Origin
                await shortcut(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
