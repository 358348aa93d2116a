"""Compile, once at start-up: operations, the route trie, schema validators, inferred resources."""

from __future__ import annotations

__all__: list[str] = []
