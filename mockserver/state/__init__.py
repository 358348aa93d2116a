"""Answer from state: records created, read, changed, listed and deleted; accounts and actions."""

from __future__ import annotations

__all__: list[str] = []
