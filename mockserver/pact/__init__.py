"""Pact: verify pacts against a provider, check them against the spec, serve provider states."""

from __future__ import annotations

__all__: list[str] = []
