"""The consumer's expectations of projects with tasks, orders, payments and sessions.

CRUD and actions with their refusals (403 another user's, 404 unknown, 409 a state conflict,
402 a declined card). Another user's records refused: `tests.contracts.access_scenarios`.
"""

from __future__ import annotations

import pytest
from pact import match

from contracts.client import (
    Conflict,
    Forbidden,
    NotFound,
    PaymentDeclined,
    PlatformClient,
)
from tests.contracts.shapes import (
    BASE,
    EXAMPLE_IDS,
    UNKNOWN_ID,
    Scenario,
    location,
    order,
    page,
    path,
    payment,
    problem,
    project,
    raises,
    session,
    task,
    timestamp,
)

__all__ = ["IDS", "ORDER", "RESOURCES", "SESSION", "TASK"]


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


RESOURCES: list[Scenario] = [
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
        response_headers={"Idempotent-Replayed": "true", "Location": location("payments")},
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
