"""What the checks share: a response's JSON, its caller, and sending one more request.

A check that needs a second request (read the ``Location``, replay as another user) sends it to
the server that answered, under the prefix the API was reached at (``/api/v1``), through
Schemathesis' own transport so the ASGI app of an in-process run is used too.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

from schemathesis import Case, Response

__all__ = ["api_prefix", "authorization", "caller", "json_body", "server_url"]


def json_body(response: Response) -> Any:
    """The response's JSON, or None when it has none."""
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def authorization(response: Response) -> str | None:
    """The ``Authorization`` header the request was sent with."""
    raw = response.request.headers.get("Authorization")
    if raw is None:
        return None
    return raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)


def caller(response: Response) -> str | None:
    """The user id in the request's bearer JWT (read, not verified: the server verified it)."""
    scheme, _, token = (authorization(response) or "").partition(" ")
    parts = token.split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) else None


def api_prefix(case: Case[Any], response: Response) -> str:
    """The path prefix the API was reached under (``/api/v1``), read off the request sent."""
    sent = urlsplit(str(response.request.url)).path
    formatted = case.formatted_path
    if formatted and sent.endswith(formatted):
        return sent[: len(sent) - len(formatted)]
    return urlsplit(case.operation.base_url or "").path.rstrip("/")


def server_url(case: Case[Any], response: Response) -> str:
    """The base URL of the API on the server that answered ``response``."""
    sent = urlsplit(str(response.request.url))
    return f"{sent.scheme}://{sent.netloc}{api_prefix(case, response)}"
