"""Generate: values that validate against a schema, seeded, realistic by property name.

`generator` is the entry point (`DataGenerator`); `values` walks a schema node by node,
`containers` builds its objects and arrays, `scalars` makes strings and numbers, `patterns`
strings matching a regex, `realistic` values by property name and format, `subjects` by what an
object is about (a project's name, a person's), `coherence` makes the pages, ids and dates of
one value agree; `flatten` and `all_of` derive and merge schemas, `candidates` checks
candidates, `recursion` costs recursive schemas, `schema_view` looks nodes up and `messages`
says what failed; `closest` is the answer for a schema no value satisfies; `unique` makes ids
(records', logins', tokens').
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = [
    "all_of",
    "candidates",
    "closest",
    "coherence",
    "containers",
    "flatten",
    "generator",
    "messages",
    "patterns",
    "realistic",
    "recursion",
    "scalars",
    "schema_view",
    "subjects",
    "unique",
    "values",
]
