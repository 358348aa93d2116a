"""Where state lives: the `Store` protocol, in memory or on Redis, and the request journal."""

from __future__ import annotations

__all__: list[str] = []
