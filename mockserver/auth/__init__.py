"""Authenticate: credentials a request must carry, the tokens the mock issues and verifies."""

from __future__ import annotations

__all__: list[str] = []
