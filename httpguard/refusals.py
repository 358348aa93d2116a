"""How a server's refusals look: one parameter for what differs, the rest fixed.

Every refusal is an RFC 9457 ``application/problem+json`` document with ``type``, ``title``,
``status``, ``detail`` and ``code`` (and ``errors`` when the refusal concerns one part of the
request, ``body`` or ``query``). Servers differ only in the ``type`` prefix, the status of a
body too large (413, or 400 where a contract declares 400) and the ``errors[].code`` of each
refusal (the refusal's own code unless a rule code is given).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from httpguard.errors import LimitsError

__all__ = [
    "BODY_TOO_LARGE",
    "HEADERS_TOO_LARGE",
    "JSON_TOO_DEEP",
    "PROBLEM_JSON",
    "REFUSAL_CODES",
    "REQUEST_TIMEOUT",
    "TOO_MANY_PARAMETERS",
    "Refusals",
    "late_body",
]

PROBLEM_JSON = b"application/problem+json"

BODY_TOO_LARGE = "body_too_large"
JSON_TOO_DEEP = "json_too_deep"
TOO_MANY_PARAMETERS = "too_many_parameters"
REQUEST_TIMEOUT = "request_timeout"
HEADERS_TOO_LARGE = "headers_too_large"
REFUSAL_CODES = (
    BODY_TOO_LARGE,
    JSON_TOO_DEEP,
    TOO_MANY_PARAMETERS,
    REQUEST_TIMEOUT,
    HEADERS_TOO_LARGE,
)


def late_body(timeout: float) -> str:
    """The detail of the 408 for a body that did not arrive within ``timeout`` seconds (said
    by the guarded protocol, or by `RequestLimits` where the server has no such protocol)."""
    return f"The request body did not arrive within {timeout:g} seconds."


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusals:
    """The refusal style of one server.

    ``type_prefix`` starts every problem ``type`` (the code, dashed, follows it);
    ``body_too_large_status`` answers a body over ``max_body_bytes`` (a 4xx);
    ``rule_codes`` maps a refusal code (`REFUSAL_CODES`) to the ``errors[].code`` answered
    for it, the refusal code itself where it has none.
    """

    type_prefix: str = "urn:httpguard:problem:"
    body_too_large_status: int = 413
    rule_codes: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        status = self.body_too_large_status
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 499:
            raise LimitsError(
                "expected body_too_large_status between 400 and 499, "
                f"got body_too_large_status={status!r}"
            )
        unknown = sorted(set(self.rule_codes) - set(REFUSAL_CODES))
        if unknown:
            raise LimitsError(
                f"expected rule_codes keyed by refusal codes {', '.join(REFUSAL_CODES)}, "
                f"got rule_codes keys {', '.join(map(repr, unknown))}"
            )
        # Frozen all the way down: a refusal style is shared by every connection.
        object.__setattr__(self, "rule_codes", MappingProxyType(dict(self.rule_codes)))

    def problem(self, status: int, code: str, title: str, detail: str, field: str = "") -> bytes:
        """The problem document of one refusal, as it goes on the wire."""
        body: dict[str, Any] = {
            "type": self.type_prefix + code.replace("_", "-"),
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        }
        if field:
            body["errors"] = [
                {"field": field, "code": self.rule_codes.get(code, code), "message": detail}
            ]
        # Compact and UTF-8, byte for byte what orjson writes for the same document.
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
