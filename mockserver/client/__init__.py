"""Talking to another server: a small HTTP/1.1 client over keep-alive connections.

`pool` keeps connections to one ``host:port`` (plain or TLS) and reads each answer whole with
httptools' C parser. The validating proxy forwards through it to its upstream, and conform
drives the provider with it: both make one exchange after another, where httpx's client and
pool cost more than the server they talk to.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["pool"]
