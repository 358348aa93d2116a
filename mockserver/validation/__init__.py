"""Validate: a request's parameters and body and responses, against their operation."""

from __future__ import annotations

__all__: list[str] = []
