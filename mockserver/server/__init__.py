"""Serve: the ASGI engine that runs a request through every stage, the app, the admin API."""

from __future__ import annotations

__all__: list[str] = []
