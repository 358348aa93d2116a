"""Builds the ASGI application that mocks an OpenAPI document."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

__all__ = ["create_app"]


def create_app(spec: str | os.PathLike[str], *, seed: int | None = None) -> Starlette:
    """Build the mock application for ``spec``.

    The engine is not built yet: every request answers 501 problem+json saying so.
    """
    source = Path(spec)
    if not source.is_file():
        raise FileNotFoundError(source)

    async def not_yet(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Not implemented",
                "status": 501,
                "code": "engine_not_built",
                "detail": f"The mock engine for {source.name} is not built yet.",
            },
            status_code=501,
            media_type="application/problem+json",
        )

    return Starlette(routes=[Route("/{path:path}", not_yet)])
