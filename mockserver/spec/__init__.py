"""Load: turn an OpenAPI 3.0 or 3.1 document into one normalized 3.1 document.

A document is read file by file (`files`), its external ``$ref``s bundled into the root
(`bundle`), checked against the OpenAPI schemas and rules (`meta_validation`), converted to
JSON Schema 2020-12 (`normalize`, which keeps in `siblings` what references point into among
the 3.0 ``$ref`` siblings it drops) and handed on as a `Spec` (`loader`); `views` are its request
and response views (copy on write); `regex` reads ECMA-262 patterns (Unicode property escapes)
with Python; `lint` reports ahead of time what would stop it from being mocked well; `pointer`
resolves JSON pointers and local ``$ref``s for every layer above, and `reach` weighs what a
schema's ``$ref``s reach (bounding caches of compiled validators); `matching` reads the
``x-mock-match`` of named examples (the requests each answers).
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = [
    "bundle",
    "files",
    "lint",
    "loader",
    "matching",
    "meta_validation",
    "normalize",
    "pointer",
    "reach",
    "regex",
    "siblings",
    "views",
]
