"""The validating proxy and recorder: ``mockserver proxy SPEC --upstream URL``.

`forward` sends each request on to the upstream and reads its answer within limits (timeout,
size), every failure named, over keep-alive HTTP/1.1 connections (`mockserver.client.pool`);
`exchange` checks both sides with the mock's validators and redacts secrets from what is kept;
`report` counts violations per operation and writes them as JSON and JUnit; `record` keeps
each distinct answer as a named example in an overlay that ``mockserver serve --examples``
serves; `handler` runs one exchange through them, answering chosen or missing operations from
the mock engine; `app` puts it behind the mock's limits, CORS and admin API.
"""

from __future__ import annotations

# The modules of this package, one concept each (see the docstring).
__all__ = ["app", "exchange", "forward", "handler", "record", "report"]
