"""The pieces scenarios are made of: request parts, response shapes, `Scenario`, `raises`.

Responses use matchers (type, regex, UUID, RFC 3339, each-like) and literal values only where
the rule is the contract. Values the provider generates (ids, tokens) reach requests through
provider-state generators (``${projectId}``), so a pact holds for a provider that makes its
own ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pact import Pact, generate, match

from contracts.client import ApiError, PlatformClient

__all__ = [
    "ADA",
    "BASE",
    "CONSUMER",
    "EXAMPLE_IDS",
    "EXAMPLE_REFRESH",
    "EXAMPLE_TOKEN",
    "PROVIDER",
    "RFC3339",
    "UNKNOWN_ID",
    "UUID",
    "Exercise",
    "Scenario",
    "State",
    "bearer",
    "injected",
    "location",
    "one_of",
    "order",
    "page",
    "path",
    "payment",
    "problem",
    "project",
    "raises",
    "session",
    "task",
    "timestamp",
    "token_pair",
    "user",
    "uuid",
]

CONSUMER = "platform-web"
PROVIDER = "platform-api"
BASE = "/api/v1"

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
EXAMPLE_IDS = {
    "projectId": "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d",
    "taskId": "9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
    "orderId": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "paymentId": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
    "sessionId": "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
    "userId": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
EXAMPLE_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl"
EXAMPLE_REFRESH = "rt_3q2-example-refresh-token"
ADA = {"email": "ada@example.com", "password": "correct-horse-7"}

State = tuple[str, dict[str, Any]]
Exercise = Callable[[PlatformClient], None]


# -- request pieces --------------------------------------------------------------------------


def path(template: str) -> Any:
    """A path whose ``{id}`` parts the provider state injects (``${projectId}``)."""
    example = BASE + template.format(**EXAMPLE_IDS)
    expression = BASE + template.replace("{", "${")
    if "{" not in template:
        return example
    return match.like(example, generator=generate.provider_state(expression))


def bearer() -> Any:
    """The access token of the state's user."""
    return match.like(
        f"Bearer {EXAMPLE_TOKEN}", generator=generate.provider_state("Bearer ${accessToken}")
    )


def injected(name: str, example: str) -> Any:
    """A request value the provider state answers as ``name``."""
    return match.like(example, generator=generate.provider_state("${" + name + "}"))


# -- response shapes -------------------------------------------------------------------------


def uuid() -> Any:
    return match.regex(EXAMPLE_IDS["userId"], regex=UUID)


def timestamp() -> Any:
    return match.regex("2026-11-02T09:30:00.000Z", regex=RFC3339)


def one_of(example: str, *values: str) -> Any:
    return match.regex(example, regex="^(" + "|".join(values) + ")$")


def user(**fixed: Any) -> dict[str, Any]:
    return {
        "id": uuid(),
        "email": match.str("ada@example.com"),
        "name": match.str("Ada Lovelace"),
        "role": one_of("user", "user", "admin"),
        "status": one_of("active", "active", "deactivated", "suspended"),
        "createdAt": timestamp(),
        "updatedAt": timestamp(),
        **fixed,
    }


def token_pair() -> dict[str, Any]:
    return {
        "accessToken": match.str(EXAMPLE_TOKEN),
        "refreshToken": match.str(EXAMPLE_REFRESH),
        "tokenType": "Bearer",
        "expiresIn": match.int(900, min=1),
    }


def project(**fixed: Any) -> dict[str, Any]:
    return {
        "id": uuid(),
        "ownerId": uuid(),
        "name": match.str("Website relaunch"),
        "description": match.str("Redesign and migrate the marketing site"),
        "status": one_of("active", "active", "on_hold", "completed", "archived"),
        "createdAt": timestamp(),
        "updatedAt": timestamp(),
        **fixed,
    }


def task(**fixed: Any) -> dict[str, Any]:
    return {
        "id": uuid(),
        "projectId": uuid(),
        "title": match.str("Design the landing page"),
        "description": None,
        "status": one_of("todo", "todo", "in_progress", "done"),
        "priority": one_of("medium", "low", "medium", "high"),
        "dueDate": match.regex("2026-12-01", regex=r"^\d{4}-\d{2}-\d{2}$"),
        "createdAt": timestamp(),
        "updatedAt": timestamp(),
        **fixed,
    }


def order(**fixed: Any) -> dict[str, Any]:
    return {
        "id": uuid(),
        "userId": uuid(),
        "status": one_of("pending", "pending", "paid", "cancelled", "refunded"),
        "currency": "USD",
        "items": match.each_like(
            {
                "productId": match.str("sku-keyboard"),
                "name": match.str("Mechanical keyboard"),
                "quantity": match.int(1, min=1),
                "unitPrice": match.int(12900, min=0),
                "lineTotal": match.int(12900, min=0),
            },
            min=1,
        ),
        "subtotal": 15900,
        "total": 15900,
        "createdAt": timestamp(),
        "updatedAt": timestamp(),
        **fixed,
    }


def payment(**fixed: Any) -> dict[str, Any]:
    return {
        "id": uuid(),
        "orderId": uuid(),
        "userId": uuid(),
        "amount": 15900,
        "currency": "USD",
        "status": "succeeded",
        "paymentMethod": "pm_card_visa",
        "failureCode": None,
        "createdAt": timestamp(),
        "refundedAt": None,
        **fixed,
    }


def session(**fixed: Any) -> dict[str, Any]:
    return {
        "id": uuid(),
        "userId": uuid(),
        "name": match.str("Editor tab"),
        "status": one_of("active", "active", "idle", "ended"),
        "metadata": match.like({"client": "web"}),
        "createdAt": timestamp(),
        "updatedAt": timestamp(),
        "endedAt": None,
        **fixed,
    }


def page(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": match.each_like(item, min=1),
        "pagination": {
            "page": match.int(1, min=1),
            "limit": match.int(20, min=1),
            "total": match.int(1, min=0),
            "pages": match.int(1, min=0),
        },
    }


def problem(status: int, code: str) -> dict[str, Any]:
    return {
        "type": match.str("urn:problem:" + code),
        "title": match.str("Problem"),
        "status": status,
        "detail": match.str("What went wrong."),
        "code": code,
    }


def location(collection: str) -> Any:
    return match.regex(
        f"{BASE}/{collection}/{EXAMPLE_IDS['userId']}",
        regex=f"^{BASE}/{collection}/[0-9a-f-]{{36}}$",
    )


# -- scenarios --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One interaction: states, request, response, and the client code exercising it."""

    description: str
    states: list[State]
    method: str
    path: Any
    status: int
    exercise: Exercise
    body: Any = None
    response: Any = None
    headers: dict[str, Any] = field(default_factory=dict)
    response_headers: dict[str, Any] = field(default_factory=dict)
    authorized: bool = True

    @property
    def id(self) -> str:
        return self.description.replace(" ", "-")

    def register(self, pact: Pact) -> None:
        """Add this interaction to ``pact``."""
        interaction = pact.upon_receiving(self.description)
        for state, params in self.states:
            interaction.given(state, params) if params else interaction.given(state)
        interaction.with_request(self.method, self.path)
        if self.authorized:
            interaction.with_header("Authorization", bearer(), "Request")
        for name, value in self.headers.items():
            interaction.with_header(name, value, "Request")
        if self.body is not None:
            interaction.with_body(self.body, "application/json", "Request")
        interaction.will_respond_with(self.status)
        for name, value in self.response_headers.items():
            interaction.with_header(name, value, "Response")
        if self.response is not None:
            media = "application/problem+json" if self.status >= 400 else "application/json"
            interaction.with_body(self.response, media, "Response")


def raises(error: type[ApiError], code: str, call: Callable[[PlatformClient], object]) -> Exercise:
    """Exercise ``call`` and expect ``error`` carrying the problem ``code``."""

    def exercise(api: PlatformClient) -> None:
        with pytest.raises(error) as caught:
            call(api)
        assert caught.value.problem.code == code

    return exercise
