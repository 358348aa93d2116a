"""Conformance of a provider to the executable spec: ``mockserver conform``.

`model` reads what can be called from the spec (operations, links, examples, auth actions);
`steps` draws programs of steps with Hypothesis; `scenarios` are the fixed programs every
run starts with; `bodies` varies request bodies and queries;
`sides` drives the fresh in-process mock and the provider over HTTP; `states` changes
provider states on both (a suspended account); `execute` runs a program
on both in lock-step; `compare` and `invariants` find the divergences; `search` explores,
shrinks and keeps the shortest program per divergence; `receiver` receives what both servers
deliver and `webhooks` checks it; `report` prints them as requests, curl scripts and JUnit XML.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = [
    "bodies",
    "compare",
    "execute",
    "invariants",
    "model",
    "receiver",
    "report",
    "scenarios",
    "search",
    "sides",
    "states",
    "steps",
    "webhooks",
]
