"""Pact: verify pacts against a running provider, check them against the spec, set up states.

`files` reads pact files (specification V2, V3, V4); `verify` replays them against a provider
with Pact's verifier, its state changes (and, for extra headers or tokens, its requests)
passing a loopback `relay` whose record `explain` turns into reasons; `check` checks every
interaction against the OpenAPI document without a server, its matchers through `rules` and
its provider states through `given`; `states` runs the shared provider-state definitions
against the mock's own state.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["check", "explain", "files", "given", "relay", "rules", "states", "verify"]
