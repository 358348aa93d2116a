"""Serve: the ASGI engine that runs each request through the stages, the app around it.

`engine` is the per-request path (route, prefer and faults, authenticate, validate, answer from
state or example, render, journal, send); `wire` how a request arrives and its answer leaves
(headers, body, send, the journal's detail); `compiler` builds each operation's
`CompiledOperation` once, leaving out an operation with a defect of its own; `app`
(`create_app`) wraps the engine with CORS, limits (`guard`: the mock's settings of httpguard),
the admin API, channels and webhooks, in a `shortcut` app that sends plain requests past the
middleware to the engine (the proxy's app is one too); `admin` is ``/__mock/``, `console_api`
the endpoints of the mock console under it; `scenarios` are the switches set at run time
(latency, chaos, a forced status or example); `faults` injects latency and errors, `latency`
reads delays (fixed, uniform, log-normal; per operation); `mounts` serves several specs on one
port; `reload` rebuilds the mock when the spec changes; `diagnose` is what `mockserver lint`
reports beyond the document.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = [
    "admin",
    "app",
    "compiler",
    "console_api",
    "diagnose",
    "engine",
    "faults",
    "guard",
    "latency",
    "mounts",
    "reload",
    "scenarios",
    "shortcut",
    "wire",
]
