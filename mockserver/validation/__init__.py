"""Validate: a request's parameters and body, and a response, against the operation.

`parameters` parses each parameter by its style; `forms` reads urlencoded and multipart bodies;
`bodies` matches the content type and reads the body; `request` is the compiled
`RequestValidator`; `response` checks a response (for contract checks); `violations` are the
located rule breaks both report.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["bodies", "forms", "parameters", "request", "response", "violations"]
