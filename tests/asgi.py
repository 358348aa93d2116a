"""Requests to an app in-process (ASGI, no socket): the fast tier's client."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

__all__ = ["request"]


def request(app: Any, method: str, path: str, **options: Any) -> httpx.Response:
    """Send one request to ``app`` and return the complete response."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await client.request(method, path, **options)

    return asyncio.run(call())
