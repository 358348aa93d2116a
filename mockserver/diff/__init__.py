"""Breaking changes between two OpenAPI documents: ``mockserver diff OLD NEW``.

`load` reads each side (a file or a git revision) into a bundled, normalized document;
`operations` matches paths and operations and compares each pair: `requests` its parameters
and request body, `responses` its statuses, headers and bodies (both through `schemas`, which
compares two schemas on the request or the response side, their values with `values`, read
through `views` with `$ref`s followed and ``allOf`` merged, and `discriminators`), `security`
its requirement, `lifecycle` its deprecation and sunset date, `callbacks` its callbacks and
the webhooks (requests the API sends: compared with the roles reversed). `model` names the
rules and holds the findings; `impact` finds the pact interactions each finding touches (pacts
from files, or from a Pact Broker with `broker`), `ignore` sets aside the accepted ones;
`report` prints them as text, JSON or Markdown, `ci` as JUnit XML or GitHub annotations, at
the lines `lines` finds.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = [
    "broker",
    "callbacks",
    "ci",
    "discriminators",
    "ignore",
    "impact",
    "lifecycle",
    "lines",
    "load",
    "model",
    "operations",
    "report",
    "requests",
    "responses",
    "schemas",
    "security",
    "values",
    "views",
]
