"""Where state lives: the `Store` protocol, in memory or on Redis, and the request journal.

`memory` defines the async `Store` (records, expiring values, counters, locks, pub/sub) and the
one-process `MemoryStore`; `redis_store` implements it and the journal on Redis for several
workers; `journal` is the ring of recent exchanges the admin API filters; `redaction` keeps
secrets (passwords, tokens) out of it.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["journal", "memory", "redaction", "redis_store"]
