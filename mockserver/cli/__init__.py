"""The ``mockserver`` command line: a thin layer over the library.

`main` parses the commands and runs ``lint``; `serve` runs ``serve`` (the app its
options build, under uvicorn, in one process or several); `pact` runs ``verify`` and
``contracts check``; `conform` runs ``conform`` (the provider in lock-step with the mock);
`diff` runs ``diff`` (the breaking changes between two documents); `proxy` runs ``proxy``
(the validating proxy and recorder).
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["conform", "diff", "main", "pact", "proxy", "serve"]
