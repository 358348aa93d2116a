"""Events: the change feed turned into WebSocket channels (AsyncAPI) and webhook deliveries."""

from __future__ import annotations

__all__: list[str] = []
