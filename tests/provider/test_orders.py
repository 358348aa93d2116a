"""Orders over HTTP: server-side totals, validation, cancellation, listing, concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.provider.conftest import Account, Api

pytestmark = pytest.mark.slow

KEYBOARD = {
    "productId": "sku-keyboard",
    "name": "Mechanical keyboard",
    "quantity": 1,
    "unitPrice": 12900,
}
CABLE = {"productId": "sku-cable", "name": "USB-C cable", "quantity": 2, "unitPrice": 1500}


def place_order(
    client: httpx.Client, *items: dict[str, Any], currency: str = "USD"
) -> dict[str, Any]:
    response = client.post(
        "/orders", json={"currency": currency, "items": list(items or [KEYBOARD])}
    )
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def test_the_server_computes_line_totals_subtotal_and_total(api: Api) -> None:
    alice = api.user()
    response = alice.http.post("/orders", json={"currency": "EUR", "items": [KEYBOARD, CABLE]})
    order = response.json()
    assert response.headers["location"] == f"/api/v1/orders/{order['id']}"
    assert [i["lineTotal"] for i in order["items"]] == [12900, 3000]
    assert (order["subtotal"], order["total"], order["currency"]) == (15900, 15900, "EUR")
    assert (order["status"], order["userId"]) == ("pending", alice.id)
    assert alice.http.get(f"/orders/{order['id']}").json() == order


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"currency": "USD", "items": []}, "body.items", "minItems"),
        ({"currency": "USD"}, "body.items", "required"),
        ({"currency": "XXX", "items": [KEYBOARD]}, "body.currency", "enum"),
        (
            {"currency": "USD", "items": [{**KEYBOARD, "quantity": 0}]},
            "body.items[0].quantity",
            "minimum",
        ),
        (
            {"currency": "USD", "items": [CABLE, {**KEYBOARD, "unitPrice": -1}]},
            "body.items[1].unitPrice",
            "minimum",
        ),
        (
            {"currency": "USD", "items": [{**KEYBOARD, "productId": "a b"}]},
            "body.items[0].productId",
            "pattern",
        ),
        (
            {"currency": "USD", "items": [{**KEYBOARD, "lineTotal": 1}]},
            "body.items[0].lineTotal",
            "additionalProperties",
        ),
        (
            {"currency": "USD", "items": [KEYBOARD], "status": "paid"},
            "body.status",
            "additionalProperties",
        ),
        (
            {"currency": "USD", "items": [{**KEYBOARD, "quantity": "1"}]},
            "body.items[0].quantity",
            "type",
        ),
    ],
    ids=[
        "no items",
        "items missing",
        "unknown currency",
        "zero quantity",
        "negative price",
        "bad product id",
        "client line total",
        "client status",
        "quantity as string",
    ],
)
def test_an_invalid_order_is_400_at_its_location(
    api: Api, body: dict[str, Any], field: str, code: str
) -> None:
    response = api.user().http.post("/orders", json=body)
    assert response.status_code == 400
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_the_largest_possible_order_fits_the_amount_schema(api: Api) -> None:
    item = {**KEYBOARD, "quantity": 1000, "unitPrice": 10_000_000}
    response = api.user().http.post("/orders", json={"currency": "USD", "items": [item] * 100})
    assert response.status_code == 201
    assert response.json()["total"] == 10**12


def test_cancelling_a_pending_order_once(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    cancelled = alice.http.post(f"/orders/{order['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    again = alice.http.post(f"/orders/{order['id']}/cancel")
    assert (again.status_code, again.json()["code"]) == (409, "order_not_cancellable")


def test_a_paid_order_cannot_be_cancelled(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    paid = alice.http.post(
        f"/orders/{order['id']}/payments",
        json={"paymentMethod": "pm_card_visa"},
        headers={"Idempotency-Key": "pay-1"},
    )
    assert paid.status_code == 201
    response = alice.http.post(f"/orders/{order['id']}/cancel")
    assert (response.status_code, response.json()["code"]) == (409, "order_not_cancellable")
    assert alice.http.get(f"/orders/{order['id']}").json()["status"] == "paid"


def test_the_list_is_newest_first_and_filters_by_status(api: Api) -> None:
    alice: Account = api.user()
    first, second, third = (place_order(alice.http)["id"] for _ in range(3))
    alice.http.post(f"/orders/{second}/cancel")
    listed = alice.http.get("/orders").json()
    assert [o["id"] for o in listed["data"]] == [third, second, first]
    cancelled = alice.http.get("/orders", params={"status": "cancelled"}).json()
    assert [o["id"] for o in cancelled["data"]] == [second]
    assert cancelled["pagination"]["total"] == 1


def test_concurrent_orders_of_one_user_all_get_unique_ids(api: Api) -> None:
    alice = api.user()
    clients = [api.client(alice.access_token) for _ in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        orders = list(pool.map(place_order, clients))
    assert len({o["id"] for o in orders}) == 20
    listed = alice.http.get("/orders", params={"limit": 100}).json()
    assert listed["pagination"]["total"] == 20
    assert {o["id"] for o in listed["data"]} == {o["id"] for o in orders}
