"""HTTP errors as RFC 9457 problem details in the spec's ``Problem`` shape.

Handlers raise ``Problem`` (or return one from a unit of work that must commit first, such as
a declined payment); ``app.py`` renders it. Titles and ``type`` URIs are kept here as constants
so every occurrence of a code reads the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import orjson
from starlette.responses import Response

from httpguard import Refusals
from provider.errors import ProviderError

__all__ = [
    "PROBLEM_JSON",
    "REFUSALS",
    "FieldError",
    "Problem",
    "conflict",
    "forbidden",
    "not_found",
    "unauthorized",
    "validation_failed",
]

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://errors.platform.example/"
# How httpguard refuses a request too large, too deep or too slow, in this contract's terms:
# 400 for a body too large (the spec declares 400 on every operation taking a body) and the
# spec's rule codes in ``errors[].code``.
REFUSALS = Refusals(
    type_prefix=TYPE_BASE,
    body_too_large_status=400,
    rule_codes={"body_too_large": "maxSize", "json_too_deep": "json"},
)
# The WWW-Authenticate challenge of RFC 6750 answered with every bearer-token 401.
BEARER_CHALLENGE = 'Bearer realm="api"'

TITLES: dict[str, str] = {
    "validation_failed": "Request validation failed",
    "unauthorized": "Authentication required",
    "invalid_credentials": "Invalid credentials",
    "invalid_refresh_token": "Invalid refresh token",
    "account_suspended": "Account suspended",
    "account_deactivated": "Account deactivated",
    "forbidden": "Forbidden",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "too_many_attempts": "Too many login attempts",
    "email_taken": "Email already registered",
    "order_not_cancellable": "Order cannot be cancelled",
    "order_already_paid": "Order already paid",
    "order_not_payable": "Order cannot be paid",
    "idempotency_key_reused": "Idempotency key reused",
    "card_declined": "Card declined",
    "insufficient_funds": "Insufficient funds",
    "payment_not_refundable": "Payment cannot be refunded",
    "subscription_already_canceled": "Subscription already cancelled",
    "session_ended": "Session ended",
    "database_unavailable": "Database unavailable",
    "internal_error": "Internal server error",
}


@dataclass(frozen=True, slots=True)
class FieldError:
    """One violation: ``field`` is a location such as ``body.items[0].quantity``."""

    field: str
    code: str
    message: str


class Problem(ProviderError):
    """An error answer; ``code`` picks the title and the ``type`` URI."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = tuple(errors)
        self.headers = dict(headers or {})

    def body(self, instance: str) -> dict[str, object]:
        """The problem document for a request to ``instance`` (the request path)."""
        body: dict[str, object] = {
            "type": TYPE_BASE + self.code.replace("_", "-"),
            "title": TITLES.get(self.code, self.code.replace("_", " ").capitalize()),
            "status": self.status,
            "detail": _clip(self.detail, 2000),
            "code": self.code,
        }
        if len(instance) <= 2048:  # optional; a clipped URI could be an invalid one
            body["instance"] = instance
        if self.errors:
            body["errors"] = [
                {
                    "field": _clip(e.field, 500),
                    "code": _clip(e.code, 64),
                    "message": _clip(e.message, 1000),
                }
                for e in self.errors[:1000]
            ]
        return body

    def response(self, instance: str) -> Response:
        """Render as ``application/problem+json``."""
        return Response(
            orjson.dumps(self.body(instance)),
            status_code=self.status,
            headers=self.headers,
            media_type=PROBLEM_JSON,
        )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def validation_failed(errors: Sequence[FieldError]) -> Problem:
    """400 listing every violation."""
    count = len(errors)
    first = errors[0]
    plural = "s" if count != 1 else ""
    detail = f"{count} problem{plural} in the request; first: {first.field}: {first.message}"
    return Problem(400, "validation_failed", detail, errors=errors)


def unauthorized(detail: str, *, invalid_token: bool = False) -> Problem:
    """401 for a missing, malformed, expired or revoked access token."""
    challenge = BEARER_CHALLENGE + (', error="invalid_token"' if invalid_token else "")
    return Problem(401, "unauthorized", detail, headers={"WWW-Authenticate": challenge})


def forbidden(noun: str) -> Problem:
    """403 for a resource of another user."""
    return Problem(403, "forbidden", f"This {noun} belongs to another user.")


def not_found(noun: str, identifier: object) -> Problem:
    """404 for an id nothing has."""
    return Problem(404, "not_found", f"No {noun} has the id {identifier}.")


def conflict(code: str, detail: str) -> Problem:
    """409 for a request the resource's state does not allow."""
    return Problem(409, code, detail)
