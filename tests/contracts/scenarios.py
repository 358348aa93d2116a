"""The consumer's expectations: one `Scenario` per interaction of the platform pact.

Each scenario declares its provider states (with params), the request the client sends, the
response it relies on (with matchers: shape and rules, not data) and ``exercise``, the client
code that must send that request and understand that answer. Values the provider generates
(ids, tokens) reach requests through provider-state generators (``${projectId}``), so the
pact holds for a provider that makes its own ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pact import Pact, generate, match

from contracts.client import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PaymentDeclined,
    PlatformClient,
    Unauthorized,
)

__all__ = ["CONSUMER", "PROVIDER", "SCENARIOS", "Scenario"]

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


def _register(api: PlatformClient) -> None:
    created = api.register("grace@example.com", "hopper-1906-x", "Grace Hopper")
    assert (created.status, created.role) == ("active", "user")


def _login(api: PlatformClient) -> None:
    result = api.login(ADA["email"], ADA["password"])
    assert result.tokens.token_type == "Bearer"
    assert api.token == result.tokens.access_token


def _refresh(api: PlatformClient) -> None:
    assert api.refresh(EXAMPLE_REFRESH).token_type == "Bearer"


def _create_order(api: PlatformClient) -> None:
    placed = api.create_order("USD", ORDER_ITEMS)
    assert (placed.status, placed.total) == ("pending", 15900)


def _pay(api: PlatformClient) -> None:
    paid = api.pay_order(EXAMPLE_IDS["orderId"], "pm_card_visa", idempotency_key="order-1-try-1")
    assert (paid.status, paid.replayed) == ("succeeded", False)


def _retry_pay(api: PlatformClient) -> None:
    paid = api.pay_order(
        EXAMPLE_IDS["orderId"], "pm_card_visa", idempotency_key="order-1-attempt-1"
    )
    assert (paid.status, paid.replayed) == ("succeeded", True)


def _end(api: PlatformClient) -> None:
    ended = api.end_session(EXAMPLE_IDS["sessionId"])
    assert ended.status == "ended"
    assert ended.ended_at is not None


ORDER_ITEMS = [
    {"productId": "sku-keyboard", "name": "Mechanical keyboard", "quantity": 1, "unitPrice": 12900},
    {"productId": "sku-cable", "name": "USB-C cable", "quantity": 2, "unitPrice": 1500},
]
PROJECT = "/projects/{projectId}"
TASK = "/projects/{projectId}/tasks/{taskId}"
ORDER = "/orders/{orderId}"
SESSION = "/sessions/{sessionId}"
IDS = EXAMPLE_IDS

SCENARIOS: list[Scenario] = [
    # -- auth
    Scenario(
        "a registration",
        [("no data", {})],
        "POST",
        path("/auth/register"),
        201,
        _register,
        body={
            "email": "grace@example.com",
            "password": "hopper-1906-x",
            "name": "Grace Hopper",
            "acceptTerms": True,
        },
        response=user(email=match.str("grace@example.com"), status="active"),
        authorized=False,
    ),
    Scenario(
        "a registration with a taken email",
        [("a user exists", {"email": "grace@example.com"})],
        "POST",
        path("/auth/register"),
        409,
        raises(Conflict, "email_taken", _register),
        body={
            "email": "grace@example.com",
            "password": "hopper-1906-x",
            "name": "Grace Hopper",
            "acceptTerms": True,
        },
        response=problem(409, "email_taken"),
        authorized=False,
    ),
    Scenario(
        "a registration with a short password",
        [("no data", {})],
        "POST",
        path("/auth/register"),
        400,
        raises(
            BadRequest, "validation_failed", lambda api: api.register("a@example.com", "x1", "A")
        ),
        body={"email": "a@example.com", "password": "x1", "name": "A", "acceptTerms": True},
        response={
            **problem(400, "validation_failed"),
            "errors": match.each_like(
                {
                    "field": "body.password",
                    "code": match.str("minLength"),
                    "message": match.str("too short"),
                },
                min=1,
            ),
        },
        authorized=False,
    ),
    Scenario(
        "a login",
        [("a user exists", ADA)],
        "POST",
        path("/auth/login"),
        200,
        _login,
        body=ADA,
        response={"user": user(email="ada@example.com"), "tokens": token_pair()},
        authorized=False,
    ),
    Scenario(
        "a login with a wrong password",
        [("a user exists", ADA)],
        "POST",
        path("/auth/login"),
        401,
        raises(Unauthorized, "invalid_credentials", lambda api: api.login(ADA["email"], "nope-1")),
        body={"email": ADA["email"], "password": "nope-1"},
        response=problem(401, "invalid_credentials"),
        authorized=False,
    ),
    Scenario(
        "a login to a suspended account",
        [("a user exists", {**ADA, "status": "suspended"})],
        "POST",
        path("/auth/login"),
        403,
        raises(
            Forbidden, "account_suspended", lambda api: api.login(ADA["email"], ADA["password"])
        ),
        body=ADA,
        response=problem(403, "account_suspended"),
        authorized=False,
    ),
    Scenario(
        "a token refresh",
        [("a user exists", {})],
        "POST",
        path("/auth/refresh"),
        200,
        _refresh,
        body={"refreshToken": injected("refreshToken", EXAMPLE_REFRESH)},
        response=token_pair(),
        authorized=False,
    ),
    Scenario(
        "a refresh with an unknown token",
        [("no data", {})],
        "POST",
        path("/auth/refresh"),
        401,
        raises(Unauthorized, "invalid_refresh_token", lambda api: api.refresh("rt_unknown")),
        body={"refreshToken": "rt_unknown"},
        response=problem(401, "invalid_refresh_token"),
        authorized=False,
    ),
    Scenario(
        "a logout of one device",
        [("a user exists", {})],
        "POST",
        path("/auth/logout"),
        204,
        lambda api: api.logout(EXAMPLE_REFRESH),
        body={"refreshToken": injected("refreshToken", EXAMPLE_REFRESH)},
    ),
    Scenario(
        "a request for the current user",
        [("a user exists", {})],
        "GET",
        path("/auth/me"),
        200,
        lambda api: None if api.me().email else pytest.fail("no email"),
        response=user(email="ada@example.com"),
    ),
    Scenario(
        "a request for the current user without a token",
        [("no data", {})],
        "GET",
        path("/auth/me"),
        401,
        raises(Unauthorized, "unauthorized", lambda api: PlatformClient.me(_anonymous(api))),
        response=problem(401, "unauthorized"),
        authorized=False,
    ),
    # -- projects and tasks
    Scenario(
        "a list of projects",
        [("a project exists", {})],
        "GET",
        path("/projects"),
        200,
        lambda api: None if api.list_projects().total >= 1 else pytest.fail("empty"),
        response=page(project()),
    ),
    Scenario(
        "a project creation",
        [("a user exists", {})],
        "POST",
        path("/projects"),
        201,
        lambda api: (
            None
            if api.create_project("Website relaunch").status == "active"
            else pytest.fail("status")
        ),
        body={"name": "Website relaunch"},
        response=project(name="Website relaunch", description=None, status="active"),
        response_headers={"Location": location("projects")},
    ),
    Scenario(
        "a request for a project",
        [("a project exists", {})],
        "GET",
        path(PROJECT),
        200,
        lambda api: None if api.get_project(IDS["projectId"]).name else pytest.fail("no name"),
        response=project(),
    ),
    Scenario(
        "a request for an unknown project",
        [("a user exists", {})],
        "GET",
        path(f"/projects/{UNKNOWN_ID}"),
        404,
        raises(NotFound, "not_found", lambda api: api.get_project(UNKNOWN_ID)),
        response=problem(404, "not_found"),
    ),
    Scenario(
        "a request for another user's project",
        [("a project of another user exists", {})],
        "GET",
        path(PROJECT),
        403,
        raises(Forbidden, "forbidden", lambda api: api.get_project(IDS["projectId"])),
        response=problem(403, "forbidden"),
    ),
    Scenario(
        "a project completion",
        [("a project exists", {"status": "active"})],
        "PATCH",
        path(PROJECT),
        200,
        lambda api: (
            None
            if api.update_project(IDS["projectId"], status="completed").status == "completed"
            else pytest.fail("status")
        ),
        body={"status": "completed"},
        response=project(status="completed"),
    ),
    Scenario(
        "a project deletion",
        [("a project exists", {})],
        "DELETE",
        path(PROJECT),
        204,
        lambda api: api.delete_project(IDS["projectId"]),
    ),
    Scenario(
        "a task creation",
        [("a project exists", {})],
        "POST",
        path("/projects/{projectId}/tasks"),
        201,
        lambda api: (
            None
            if api.create_task(IDS["projectId"], "Write copy", priority="high").priority == "high"
            else pytest.fail("priority")
        ),
        body={"title": "Write copy", "priority": "high"},
        response=task(
            title="Write copy",
            priority="high",
            status="todo",
            dueDate=None,
        ),
        response_headers={
            "Location": match.regex(
                f"{BASE}/projects/{IDS['projectId']}/tasks/{IDS['taskId']}",
                regex=f"^{BASE}/projects/[0-9a-f-]{{36}}/tasks/[0-9a-f-]{{36}}$",
            )
        },
    ),
    Scenario(
        "a list of tasks",
        [("a task exists", {})],
        "GET",
        path("/projects/{projectId}/tasks"),
        200,
        lambda api: None if api.list_tasks(IDS["projectId"]).items else pytest.fail("empty"),
        response=page(task()),
    ),
    Scenario(
        "a task completion",
        [("a task exists", {"status": "in_progress"})],
        "PATCH",
        path(TASK),
        200,
        lambda api: (
            None
            if api.update_task(IDS["projectId"], IDS["taskId"], status="done").status == "done"
            else pytest.fail("status")
        ),
        body={"status": "done"},
        response=task(status="done"),
    ),
    Scenario(
        "a task deletion",
        [("a task exists", {})],
        "DELETE",
        path(TASK),
        204,
        lambda api: api.delete_task(IDS["projectId"], IDS["taskId"]),
    ),
    Scenario(
        "a task creation in another user's project",
        [("a project of another user exists", {})],
        "POST",
        path("/projects/{projectId}/tasks"),
        403,
        raises(Forbidden, "forbidden", lambda api: api.create_task(IDS["projectId"], "Sneak")),
        body={"title": "Sneak"},
        response=problem(403, "forbidden"),
    ),
    # -- orders
    Scenario(
        "an order placement",
        [("a user exists", {})],
        "POST",
        path("/orders"),
        201,
        _create_order,
        body={"currency": "USD", "items": ORDER_ITEMS},
        response=order(
            status="pending",
            items=[
                {**ORDER_ITEMS[0], "lineTotal": 12900},
                {**ORDER_ITEMS[1], "lineTotal": 3000},
            ],
        ),
        response_headers={"Location": location("orders")},
    ),
    Scenario(
        "a request for an order",
        [("an order exists", {})],
        "GET",
        path(ORDER),
        200,
        lambda api: None if api.get_order(IDS["orderId"]).items else pytest.fail("no items"),
        response=order(),
    ),
    Scenario(
        "a request for an unknown order",
        [("a user exists", {})],
        "GET",
        path(f"/orders/{UNKNOWN_ID}"),
        404,
        raises(NotFound, "not_found", lambda api: api.get_order(UNKNOWN_ID)),
        response=problem(404, "not_found"),
    ),
    Scenario(
        "a cancellation of a pending order",
        [("an order exists", {"status": "pending"})],
        "POST",
        path(ORDER + "/cancel"),
        200,
        lambda api: (
            None
            if api.cancel_order(IDS["orderId"]).status == "cancelled"
            else pytest.fail("status")
        ),
        response=order(status="cancelled"),
    ),
    Scenario(
        "a cancellation of a paid order",
        [("an order exists", {"status": "paid"})],
        "POST",
        path(ORDER + "/cancel"),
        409,
        raises(Conflict, "order_not_cancellable", lambda api: api.cancel_order(IDS["orderId"])),
        response=problem(409, "order_not_cancellable"),
    ),
    # -- payments
    Scenario(
        "a payment",
        [("an order exists", {"status": "pending"})],
        "POST",
        path(ORDER + "/payments"),
        201,
        _pay,
        body={"paymentMethod": "pm_card_visa"},
        headers={"Idempotency-Key": "order-1-try-1"},
        response=payment(),
        response_headers={"Location": location("payments")},
    ),
    Scenario(
        "a payment with a declined card",
        [("an order exists", {"status": "pending"})],
        "POST",
        path(ORDER + "/payments"),
        402,
        raises(
            PaymentDeclined,
            "card_declined",
            lambda api: api.pay_order(IDS["orderId"], "pm_card_declined", idempotency_key="k-2"),
        ),
        body={"paymentMethod": "pm_card_declined"},
        headers={"Idempotency-Key": "k-2"},
        response=problem(402, "card_declined"),
    ),
    Scenario(
        "a payment with insufficient funds",
        [("an order exists", {"status": "pending"})],
        "POST",
        path(ORDER + "/payments"),
        402,
        raises(
            PaymentDeclined,
            "insufficient_funds",
            lambda api: api.pay_order(
                IDS["orderId"], "pm_card_insufficient_funds", idempotency_key="k-3"
            ),
        ),
        body={"paymentMethod": "pm_card_insufficient_funds"},
        headers={"Idempotency-Key": "k-3"},
        response=problem(402, "insufficient_funds"),
    ),
    Scenario(
        "a retried payment with the same idempotency key",
        [("an order was paid with an idempotency key", {"idempotencyKey": "order-1-attempt-1"})],
        "POST",
        path(ORDER + "/payments"),
        201,
        _retry_pay,
        body={"paymentMethod": "pm_card_visa"},
        headers={"Idempotency-Key": "order-1-attempt-1"},
        response=payment(),
        response_headers={"Idempotent-Replayed": "true"},
    ),
    Scenario(
        "a payment of a paid order",
        [("a paid order exists", {})],
        "POST",
        path(ORDER + "/payments"),
        409,
        raises(
            Conflict,
            "order_already_paid",
            lambda api: api.pay_order(IDS["orderId"], "pm_card_visa", idempotency_key="k-4"),
        ),
        body={"paymentMethod": "pm_card_visa"},
        headers={"Idempotency-Key": "k-4"},
        response=problem(409, "order_already_paid"),
    ),
    Scenario(
        "a request for a payment",
        [("a paid order exists", {})],
        "GET",
        path("/payments/{paymentId}"),
        200,
        lambda api: (
            None
            if api.get_payment(IDS["paymentId"]).status == "succeeded"
            else pytest.fail("status")
        ),
        response=payment(),
    ),
    # -- sessions
    Scenario(
        "a session opening",
        [("a user exists", {})],
        "POST",
        path("/sessions"),
        201,
        lambda api: (
            None
            if api.create_session("Editor tab", metadata={"client": "web"}).status == "active"
            else pytest.fail("status")
        ),
        body={"name": "Editor tab", "metadata": {"client": "web"}},
        response=session(status="active"),
        response_headers={"Location": location("sessions")},
    ),
    Scenario(
        "a request for a session",
        [("a session exists", {})],
        "GET",
        path(SESSION),
        200,
        lambda api: None if api.get_session(IDS["sessionId"]).name else pytest.fail("no name"),
        response=session(),
    ),
    Scenario(
        "a session going idle",
        [("a session exists", {"status": "active"})],
        "PATCH",
        path(SESSION),
        200,
        lambda api: (
            None
            if api.update_session(IDS["sessionId"], status="idle").status == "idle"
            else pytest.fail("status")
        ),
        body={"status": "idle"},
        response=session(status="idle"),
    ),
    Scenario(
        "a session ending",
        [("a session exists", {})],
        "POST",
        path(SESSION + "/end"),
        200,
        _end,
        response=session(status="ended", endedAt=timestamp()),
    ),
    Scenario(
        "a change to an ended session",
        [("an ended session exists", {})],
        "PATCH",
        path(SESSION),
        409,
        raises(
            Conflict,
            "session_ended",
            lambda api: api.update_session(IDS["sessionId"], name="Renamed"),
        ),
        body={"name": "Renamed"},
        response=problem(409, "session_ended"),
    ),
]


def _anonymous(api: PlatformClient) -> PlatformClient:
    api.token = None
    return api
