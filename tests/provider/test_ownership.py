"""Ownership over HTTP: 403 for another user's resource, 404 for an unknown id, own lists only.

One pair of users and one resource of every kind per backend (module-scoped): every operation
on a path id is tried by the owner's neighbour (403, and the resource is left as it was) and by
the owner with ids nothing has (404).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.provider.conftest import Account, Api, Provider

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Operation:
    noun: str
    method: str
    path: str
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


PAY = {"paymentMethod": "pm_card_visa"}
OPERATIONS = [
    Operation("project", "GET", "/projects/{projectId}"),
    Operation("project", "PUT", "/projects/{projectId}", {"name": "Taken over"}),
    Operation("project", "PATCH", "/projects/{projectId}", {"name": "Taken over"}),
    Operation("project", "DELETE", "/projects/{projectId}"),
    Operation("project", "GET", "/projects/{projectId}/tasks"),
    Operation("project", "POST", "/projects/{projectId}/tasks", {"title": "Sneaky"}),
    Operation("project", "GET", "/projects/{projectId}/tasks/{taskId}"),
    Operation("project", "PATCH", "/projects/{projectId}/tasks/{taskId}", {"status": "done"}),
    Operation("project", "DELETE", "/projects/{projectId}/tasks/{taskId}"),
    Operation("order", "GET", "/orders/{orderId}"),
    Operation("order", "POST", "/orders/{orderId}/cancel"),
    Operation("order", "POST", "/orders/{orderId}/payments", PAY),
    Operation("payment", "GET", "/payments/{paymentId}"),
    Operation("payment", "POST", "/payments/{paymentId}/refund"),
    Operation("subscription", "GET", "/subscriptions/{subscriptionId}"),
    Operation("subscription", "POST", "/subscriptions/{subscriptionId}/cancel"),
    Operation("webhook endpoint", "GET", "/webhook-endpoints/{endpointId}"),
    Operation("webhook endpoint", "DELETE", "/webhook-endpoints/{endpointId}"),
    Operation("session", "GET", "/sessions/{sessionId}"),
    Operation("session", "PATCH", "/sessions/{sessionId}", {"name": "Taken over"}),
    Operation("session", "POST", "/sessions/{sessionId}/end"),
]
READS = {
    "projectId": "/projects/{projectId}",
    "taskId": "/projects/{projectId}/tasks/{taskId}",
    "orderId": "/orders/{orderId}",
    "paymentId": "/payments/{paymentId}",
    "subscriptionId": "/subscriptions/{subscriptionId}",
    "endpointId": "/webhook-endpoints/{endpointId}",
    "sessionId": "/sessions/{sessionId}",
}
LISTS = ["/projects", "/orders", "/payments", "/subscriptions", "/webhook-endpoints", "/sessions"]


@dataclass(frozen=True)
class World:
    alice: Account
    bob: Account
    ids: dict[str, str]

    def snapshot(self) -> dict[str, Any]:
        return {
            name: self.alice.http.get(path.format(**self.ids)).json()
            for name, path in READS.items()
        }


def created_id(account: Account, path: str, body: dict[str, Any], **headers: str) -> str:
    response = account.http.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    identifier: str = response.json()["id"]
    return identifier


@pytest.fixture(scope="module")
def world(shared_provider: Provider) -> Iterator[World]:
    api = Api(shared_provider.url, shared_provider.check)
    alice, bob = api.user(), api.user()
    ids = {"projectId": created_id(alice, "/projects", {"name": "Mine"})}
    ids["taskId"] = created_id(alice, f"/projects/{ids['projectId']}/tasks", {"title": "Mine"})
    item = {"productId": "sku-1", "name": "Thing", "quantity": 1, "unitPrice": 100}
    ids["orderId"] = created_id(alice, "/orders", {"currency": "USD", "items": [item]})
    paid_order = created_id(alice, "/orders", {"currency": "USD", "items": [item]})
    ids["paymentId"] = created_id(
        alice, f"/orders/{paid_order}/payments", PAY, **{"Idempotency-Key": "k1"}
    )
    ids["subscriptionId"] = created_id(
        alice, "/subscriptions", {"plan": "pro", "interval": "month", **PAY}
    )
    ids["endpointId"] = created_id(
        alice, "/webhook-endpoints", {"url": "https://a.example/h", "events": ["payment.failed"]}
    )
    ids["sessionId"] = created_id(alice, "/sessions", {"name": "Mine"})
    yield World(alice, bob, ids)
    api.close()


def send(account: Account, operation: Operation, ids: dict[str, str]) -> Any:
    return account.http.request(
        operation.method,
        operation.path.format(**ids),
        json=operation.body,
        headers={"Idempotency-Key": uuid.uuid4().hex} if operation.body is PAY else {},
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_another_users_resource_is_403_and_left_alone(world: World, operation: Operation) -> None:
    before = world.snapshot()
    response = send(world.bob, operation, world.ids)
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert operation.noun in response.json()["detail"]
    assert world.snapshot() == before


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_an_unknown_id_is_404(world: World, operation: Operation) -> None:
    unknown = {name: str(uuid.uuid4()) for name in world.ids}
    response = send(world.alice, operation, unknown)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("path", LISTS)
def test_a_list_shows_only_the_callers_items(world: World, path: str) -> None:
    assert world.alice.http.get(path).json()["pagination"]["total"] >= 1
    assert world.bob.http.get(path).json() == {
        "data": [],
        "pagination": {"page": 1, "limit": 20, "total": 0, "pages": 0},
    }
