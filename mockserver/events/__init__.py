"""Events: stored changes sent on as WebSocket messages and webhook deliveries.

`channels` serves the AsyncAPI channels that follow a record as WebSockets; `webhooks` delivers
the spec's ``webhooks`` to registered endpoints, signed and retried; `egress` decides which
hosts webhooks may go to.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["channels", "egress", "webhooks"]
