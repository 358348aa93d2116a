"""Answer from state: records created, read, changed, listed and deleted; accounts; flows.

`mock` (`StatefulMock`) dispatches a request to an ``x-mock-action`` or a CRUD role, behind
`idempotency`; `crud` runs the roles inferred from the paths; `accounts` register, log in,
refresh and log out; `transitions` move records through their states (cancel, pay); `context`
is what they share (records, rendering); `records` builds and projects records; `changes`
announces every stored change; `fixtures` imports state; `seeding` stores the spec's example
records at a collection's first use; `materialize` makes records for ids read before anything
made them.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = [
    "accounts",
    "changes",
    "context",
    "crud",
    "fixtures",
    "idempotency",
    "materialize",
    "mock",
    "records",
    "seeding",
    "transitions",
]
