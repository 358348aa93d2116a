"""Serve: the ASGI engine that runs each request through the stages, the app around it.

`engine` is the per-request path (route, prefer and faults, authenticate, validate, answer from
state or example, render, journal, send); `app` (`create_app`) wraps it with CORS, limits, the
admin API, channels and webhooks; `admin` is ``/__mock/``; `faults` injects latency and errors;
`reload` rebuilds the mock when the spec changes.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["admin", "app", "coalesce", "engine", "faults", "limits", "reload"]
