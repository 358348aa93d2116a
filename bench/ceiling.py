"""The ceiling: a bare Starlette endpoint answering every path with one small JSON document.

Served exactly as ``mockserver serve`` serves the mock (``uvicorn.run`` with one worker, the
loop uvicorn picks, httptools writing each connection's output once per loop iteration
(`httpguard.CoalescingHttpToolsProtocol`),
``log_level="warning"``, no access log, no proxy headers), so the gap
between the two is the mock's own work. Run as ``python -m bench.ceiling --port P``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from httpguard import CoalescingHttpToolsProtocol

__all__ = ["BODY", "app", "main"]

BODY = {"id": "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d", "name": "Bench", "status": "active"}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def fixed(request: Request) -> JSONResponse:
    """The same JSON for every request."""
    return JSONResponse(BODY)


app = Starlette(routes=[Route("/{path:path}", fixed, methods=METHODS)])


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the ceiling app on 127.0.0.1."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    # The same server settings as mockserver/cli.py: keep the two in step when either
    # changes. Its write coalescing is how the server talks to sockets, so the ceiling has
    # it too; its request-head limits (the protocol of `httpguard.uvicorn_options`) are the
    # mock's own work and stay out of the ceiling.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        http=CoalescingHttpToolsProtocol,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
