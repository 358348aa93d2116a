"""Exceptions raised by the contracts package, and the problem documents API errors carry.

The hierarchy::

    ContractsError              root of everything this package raises
    ├── ApiError                the API answered a problem (``problem`` says which); by status:
    │   ├── BadRequest          400: the request broke a rule (``problem.errors`` lists where)
    │   ├── Unauthorized        401: no token, a bad one, or wrong credentials
    │   ├── PaymentDeclined     402: the payment method was declined (``problem.code``)
    │   ├── Forbidden           403: someone else's resource, or a blocked account
    │   ├── NotFound            404
    │   ├── Conflict            409: the resource's state forbids it, or a key was reused
    │   └── TooManyRequests     429: throttled; ``retry_after`` seconds
    ├── StateDefinitionError    ``states.yaml`` is malformed (`contracts.states`)
    └── StateError              a state change the definitions refuse (also a ValueError)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "ContractsError",
    "FieldError",
    "Forbidden",
    "NotFound",
    "PaymentDeclined",
    "Problem",
    "TooManyRequests",
    "Unauthorized",
    "api_error",
]


class ContractsError(Exception):
    """Base class of every error raised by the contracts package."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One violation of a 400 answer: ``field`` is a location like ``body.name``."""

    field: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Problem:
    """An RFC 9457 problem document."""

    status: int
    code: str
    title: str
    detail: str | None = None
    type: str | None = None
    errors: tuple[FieldError, ...] = ()

    @classmethod
    def parse(cls, status: int, data: Any) -> Problem:
        """The problem of an error answer; a bare one when the body is not a problem."""
        if not isinstance(data, dict):
            return cls(status=status, code="unknown", title=f"HTTP {status}")
        return cls(
            status=int(data.get("status", status)),
            code=str(data.get("code", "unknown")),
            title=str(data.get("title", "")),
            detail=data.get("detail"),
            type=data.get("type"),
            errors=tuple(
                FieldError(str(e.get("field")), str(e.get("code")), str(e.get("message")))
                for e in data.get("errors") or ()
                if isinstance(e, dict)
            ),
        )


class ApiError(ContractsError):
    """The API answered an error; ``problem`` says which."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.status} {problem.code}: {problem.detail or problem.title}")
        self.problem = problem


class BadRequest(ApiError):
    """400: the request broke a rule of the API."""


class Unauthorized(ApiError):
    """401: the token or the credentials were refused."""


class PaymentDeclined(ApiError):
    """402: the payment method was declined."""


class Forbidden(ApiError):
    """403: the resource belongs to someone else, or the account is blocked."""


class NotFound(ApiError):
    """404: no resource has this id."""


class Conflict(ApiError):
    """409: the resource's state forbids the change, or the identity is taken."""


class TooManyRequests(ApiError):
    """429: too many attempts; ``retry_after`` is the seconds ``Retry-After`` said to wait."""

    def __init__(self, problem: Problem, *, retry_after: int | None = None) -> None:
        super().__init__(problem)
        self.retry_after = retry_after


_ERRORS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    402: PaymentDeclined,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}


def api_error(status: int, data: Any, *, retry_after: str | None = None) -> ApiError:
    """The `ApiError` subclass for an error answer's status, carrying its problem."""
    problem = Problem.parse(status, data)
    if status == 429:
        seconds = int(retry_after) if retry_after and retry_after.isdigit() else None
        return TooManyRequests(problem, retry_after=seconds)
    return _ERRORS.get(status, ApiError)(problem)
