"""Render: choose the answer to a valid request (status, media type, example) and the problems."""

from __future__ import annotations

__all__: list[str] = []
