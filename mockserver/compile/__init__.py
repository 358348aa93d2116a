"""Compile, once at start-up: what every request of a spec will need, worked out up front.

`operations` resolves each operation's parameters, bodies and responses; `routing` builds the
path trie (literal segments before templates); `validators` compiles schemas with their
``$ref``s (at first use, registering only what a ``$ref`` points at); `schemas` reads what a
schema admits (types, members, coercion of text); `resources` infers the resources and CRUD
roles from the paths; `answers` decides how each operation answers from state; `expressions`
parses ``x-mock-compute``; `problem_types` reads how the spec's own problem examples name
their ``type``, ``title`` and ``code``.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = [
    "answers",
    "expressions",
    "operations",
    "problem_types",
    "resources",
    "routing",
    "schemas",
    "validators",
]
