"""`Limits`: what one request may cost a server, validated when it is made."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from httpguard.errors import LimitsError

__all__ = ["BODY", "BODY_DEADLINE", "HEADER_DICT", "Limits"]

# The scope key by which the guarded uvicorn protocol tells `RequestLimits` that it bounds the
# body's arrival itself (the value: its deadline in seconds), so the middleware arms no timer.
BODY_DEADLINE = "httpguard.body_deadline"
# The scope key under which `RequestLimits` leaves the body it read and checked (b"" when the
# request announced none), so that the application behind it need not read it again.
BODY = "httpguard.body"
# The scope key of the request's headers as one dict (bytes names, the last of a repeated
# header winning): the first layer that builds it leaves it there for the layers after it.
HEADER_DICT = "httpguard.headers"


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The limits of one server; every default is safe for a public port.

    ``max_body_bytes``, ``max_json_depth``, ``max_query_params`` and ``body_timeout`` (seconds)
    are enforced by `RequestLimits`; ``max_header_bytes`` (request line plus headers),
    ``header_timeout`` (seconds) and, again, ``body_timeout`` by the protocol
    `uvicorn_options` installs.
    """

    max_body_bytes: int = 1024 * 1024
    max_json_depth: int = 64
    max_header_bytes: int = 64 * 1024
    max_query_params: int = 1000
    header_timeout: float = 10.0
    body_timeout: float = 30.0

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            # ``not value > 0`` refuses NaN too, which every comparison answers False.
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise LimitsError(f"expected {spec.name} > 0, got {spec.name}={value!r}")
            if math.isinf(value):  # a timer or counter that never fires is no limit
                raise LimitsError(f"expected a finite {spec.name}, got {spec.name}={value!r}")
