"""httpguard: what one HTTP request may cost a server, and where a server may send its own
(webhooks), for Starlette apps served by uvicorn.

`Limits` says what a request may cost; `RequestLimits` (ASGI middleware) enforces the body,
JSON-depth, query and body-deadline limits; `uvicorn_options` gives uvicorn a protocol that
enforces the request-head size and deadline and coalesces writes, and `write_whole` hands
uvicorn an app's whole answer in one call; `Refusals` says how a server's refusals look;
`add_limit_options` and `limits_from_args` are the command-line options; `HostPolicy` is the
allow-list of hosts a server may send webhooks to and `DeliveryPolicy` how hard it tries. It
imports only the standard library, uvicorn and Starlette's types.
"""

from __future__ import annotations

from httpguard.cli import add_limit_options, limits_from_args, positive_number
from httpguard.egress import DEFAULT_HOST_PATTERNS, DeliveryPolicy, HostPolicy
from httpguard.errors import EgressPolicyError, GuardError, LimitsError, UnsupportedUvicornError
from httpguard.limits import BODY, HEADER_DICT, Limits
from httpguard.middleware import RequestLimits, json_depth_exceeds
from httpguard.refusals import REFUSAL_CODES, Refusals
from httpguard.uvicorn_hooks import UVICORN_HOOKS, missing_hooks
from httpguard.uvicorn_protocol import (
    CoalescingHttpToolsProtocol,
    GuardedHttpToolsProtocol,
    uvicorn_options,
)
from httpguard.uvicorn_write import INVALID_HEADER_VALUE, write_whole

__all__ = [
    "BODY",
    "DEFAULT_HOST_PATTERNS",
    "HEADER_DICT",
    "INVALID_HEADER_VALUE",
    "REFUSAL_CODES",
    "UVICORN_HOOKS",
    "CoalescingHttpToolsProtocol",
    "DeliveryPolicy",
    "EgressPolicyError",
    "GuardError",
    "GuardedHttpToolsProtocol",
    "HostPolicy",
    "Limits",
    "LimitsError",
    "Refusals",
    "RequestLimits",
    "UnsupportedUvicornError",
    "add_limit_options",
    "json_depth_exceeds",
    "limits_from_args",
    "missing_hooks",
    "positive_number",
    "uvicorn_options",
    "write_whole",
]
