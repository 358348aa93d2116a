"""Business flows: ``transition`` and ``charge`` actions moving a record's state.

The bundled spec's orders, payments, refunds, subscriptions and sessions (every answer checked
against the spec), then a small spec exercising what it does not: literal ``set`` values, a
``related`` record that is gone, actions addressing no record, a charge into no collection.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from mockserver import create_app
from tests.inprocess import API, InProcess, User

MakeMock = Callable[..., InProcess]
ORDER = {
    "currency": "EUR",
    "items": [
        {"productId": "sku-1", "name": "Keyboard", "quantity": 2, "unitPrice": 4500},
        {"productId": "sku-2", "name": "Cable", "quantity": 3, "unitPrice": 250},
    ],
}


@pytest.fixture
def ada(make_mock: MakeMock) -> User:
    return make_mock().user()


def _order(user: User) -> dict[str, Any]:
    order: dict[str, Any] = user.post("/orders", json=ORDER).json()
    return order


def _pay(user: User, order: dict[str, Any], method: str = "pm_card_visa") -> httpx.Response:
    return user.post(
        f"/orders/{order['id']}/payments",
        json={"paymentMethod": method},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


# -- orders and payments ------------------------------------------------------------------


def test_order_totals_are_computed_and_it_starts_pending(ada: User) -> None:
    order = _order(ada)
    assert [item["lineTotal"] for item in order["items"]] == [9000, 750]
    assert (order["subtotal"], order["total"], order["status"]) == (9750, 9750, "pending")


def test_pay_records_a_payment_of_the_total_and_marks_the_order_paid(ada: User) -> None:
    order = _order(ada)
    paid = _pay(ada, order)
    assert paid.status_code == 201
    payment = paid.json()
    assert paid.headers["location"] == f"{API}/payments/{payment['id']}"
    assert (payment["orderId"], payment["userId"], payment["amount"], payment["currency"]) == (
        order["id"], ada.id, 9750, "EUR"
    )  # fmt: skip
    assert (payment["status"], payment["failureCode"], payment["refundedAt"]) == (
        "succeeded", None, None
    )  # fmt: skip
    assert ada.get(f"/orders/{order['id']}").json()["status"] == "paid"
    assert ada.get(f"/payments/{payment['id']}").json() == payment


@pytest.mark.parametrize(
    ("method", "code", "detail"),
    [
        ("pm_card_declined", "card_declined", "The card was declined by the issuer."),
        ("pm_card_insufficient_funds", "insufficient_funds", "The card has insufficient funds."),
    ],
)
def test_pay_with_a_declined_card_is_402_records_a_failure_and_leaves_the_order_pending(
    ada: User, method: str, code: str, detail: str
) -> None:
    order = _order(ada)
    declined = _pay(ada, order, method)
    assert (declined.status_code, declined.json()["code"]) == (402, code)
    assert declined.json()["detail"] == detail
    assert ada.get(f"/orders/{order['id']}").json()["status"] == "pending"
    failed = ada.get("/payments", params={"status": "failed"}).json()["data"]
    assert [(p["orderId"], p["failureCode"], p["amount"]) for p in failed] == [
        (order["id"], code, 9750)
    ]
    assert _pay(ada, order).status_code == 201  # a declined order can still be paid


@pytest.mark.parametrize(
    ("first", "then", "status", "code"),
    [
        ("pay", "pay", 409, "order_already_paid"),
        ("pay", "cancel", 409, "order_not_cancellable"),
        ("cancel", "pay", 409, "order_not_payable"),
        ("cancel", "cancel", 409, "order_not_cancellable"),
    ],
)
def test_orders_move_only_from_the_states_the_actions_allow(
    ada: User, first: str, then: str, status: int, code: str
) -> None:
    order = _order(ada)

    def act(action: str) -> httpx.Response:
        if action == "pay":
            return _pay(ada, order)
        return ada.post(f"/orders/{order['id']}/cancel")

    assert act(first).status_code in (200, 201)
    before = ada.get(f"/orders/{order['id']}").json()
    refused = act(then)
    assert (refused.status_code, refused.json()["code"]) == (status, code)
    assert ada.get(f"/orders/{order['id']}").json() == before
    assert len(ada.get("/payments").json()["data"]) == (1 if first == "pay" else 0)


def test_cancel_moves_a_pending_order_to_cancelled(ada: User) -> None:
    order = _order(ada)
    cancelled = ada.post(f"/orders/{order['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["total"] == order["total"]


def test_refund_moves_the_payment_and_its_order_to_refunded(ada: User) -> None:
    order = _order(ada)
    payment = _pay(ada, order).json()
    refunded = ada.post(f"/payments/{payment['id']}/refund", json={"reason": "duplicate"})
    assert refunded.status_code == 200
    body = refunded.json()
    assert body["status"] == "refunded"
    assert _time(body["refundedAt"]) >= _time(payment["createdAt"])
    assert ada.get(f"/orders/{order['id']}").json()["status"] == "refunded"
    again = ada.post(f"/payments/{payment['id']}/refund")
    assert (again.status_code, again.json()["code"]) == (409, "payment_not_refundable")
    assert again.json()["detail"] == "The payment is refunded."
    assert _pay(ada, order).json()["code"] == "order_not_payable"


def test_refund_of_a_failed_payment_is_refused(ada: User) -> None:
    order = _order(ada)
    _pay(ada, order, "pm_card_declined")
    [failed] = ada.get("/payments").json()["data"]
    refused = ada.post(f"/payments/{failed['id']}/refund")
    assert (refused.status_code, refused.json()["code"]) == (409, "payment_not_refundable")


@pytest.mark.parametrize(
    "path", ["/orders/{id}/cancel", "/orders/{id}/payments", "/payments/{id}/refund"]
)
def test_actions_on_a_missing_record_are_404(ada: User, path: str) -> None:
    missing = str(uuid.uuid4())
    answer = ada.post(
        path.format(id=missing),
        json={"paymentMethod": "pm_card_visa"} if path.endswith("payments") else None,
        headers={"Idempotency-Key": "k"},
    )
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


# -- subscriptions: a create that charges -----------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "interval", "amount", "days"),
    [("basic", "month", 900, 30), ("pro", "year", 29000, 365), ("enterprise", "month", 9900, 30)],
)
def test_subscription_is_priced_by_plan_and_interval(
    ada: User, plan: str, interval: str, amount: int, days: int
) -> None:
    created = ada.post(
        "/subscriptions",
        json={"plan": plan, "interval": interval, "paymentMethod": "pm_card_visa"},
    )
    assert created.status_code == 201
    subscription = created.json()
    assert (subscription["amount"], subscription["currency"], subscription["status"]) == (
        amount, "USD", "active"
    )  # fmt: skip
    period = _time(subscription["currentPeriodEnd"]) - _time(subscription["currentPeriodStart"])
    assert abs(period - timedelta(days=days)) < timedelta(seconds=5)
    assert created.headers["location"] == f"{API}/subscriptions/{subscription['id']}"


def test_subscription_with_a_declined_card_is_402_and_not_created(ada: User) -> None:
    body = {"plan": "pro", "interval": "month", "paymentMethod": "pm_card_declined"}
    declined = ada.post("/subscriptions", json=body)
    assert (declined.status_code, declined.json()["code"]) == (402, "card_declined")
    assert ada.get("/subscriptions").json()["data"] == []


def test_subscription_cancels_once_and_stamps_the_time(ada: User) -> None:
    body = {"plan": "basic", "interval": "month", "paymentMethod": "pm_card_visa"}
    subscription = ada.post("/subscriptions", json=body).json()
    cancelled = ada.post(f"/subscriptions/{subscription['id']}/cancel").json()
    assert cancelled["status"] == "canceled"
    assert _time(cancelled["canceledAt"]) >= _time(subscription["createdAt"])
    again = ada.post(f"/subscriptions/{subscription['id']}/cancel")
    assert (again.status_code, again.json()["code"]) == (409, "subscription_already_canceled")


# -- sessions: unchanged ---------------------------------------------------------------------


def test_ending_an_ended_session_answers_it_again_unchanged(ada: User) -> None:
    session = ada.post("/sessions", json={"name": "Tab"}).json()
    ended = ada.post(f"/sessions/{session['id']}/end")
    assert ended.status_code == 200
    assert (ended.json()["status"], ended.json()["endedAt"] is not None) == ("ended", True)
    assert ada.post(f"/sessions/{session['id']}/end").json() == ended.json()


# -- a spec of another shape -------------------------------------------------------------------


def _json(schema: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _ok(schema: Any, status: str = "200") -> dict[str, Any]:
    return {status: {"description": "ok", "content": _json(schema)}}


TICKET = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "state": {"type": "string", "default": "open"},
        "boardId": {"type": "integer"},
        "closedBy": {"type": "string"},
        "points": {"type": "integer", "default": 1},
        "score": {"type": "integer"},
    },
}
BOARD = {
    "type": "object",
    "properties": {"id": {"type": "integer", "readOnly": True}, "open": {"type": "integer"}},
}
BODY = {"content": _json({"type": "object"})}
ITEM = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _collection(name: str, schema: Any) -> dict[str, Any]:
    return {
        f"/{name}": {
            "post": {"requestBody": BODY, "responses": _ok(schema, "201")},
            "get": {"responses": _ok({"type": "array", "items": schema})},
        },
        f"/{name}/{{id}}": {"parameters": [ITEM], "get": {"responses": _ok(schema)}},
    }


TRACKER: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Tracker", "version": "1"},
    "paths": {
        **_collection("tickets", TICKET),
        **_collection("boards", BOARD),
        "/tickets/{id}/close": {
            "parameters": [ITEM],
            "post": {
                "x-mock-action": {
                    "type": "transition",
                    "field": "state",
                    "from": ["open"],
                    "to": "closed",
                    "set": {"closedBy": "robot", "score": "points * 10 + len(closedBy)"},
                    "related": {"collection": "/boards", "key": "boardId", "set": {"open": 0}},
                },
                "responses": _ok(TICKET),
            },
        },
        "/tickets/{id}/archive": {
            "parameters": [ITEM],
            "post": {
                "x-mock-action": {
                    "type": "transition",
                    "field": "state",
                    "from": ["closed"],
                    "to": "archived",
                    "related": {"collection": "/nowhere", "key": "boardId"},
                },
                "responses": _ok(TICKET),
            },
        },
        "/tickets/{id}/bill": {
            "parameters": [ITEM],
            "post": {
                "x-mock-action": {"type": "charge", "collection": "/invoices"},
                "requestBody": BODY,
                "responses": _ok(TICKET, "201"),
            },
        },
        "/tickets/{id}/tip": {
            "parameters": [ITEM],
            "post": {
                "x-mock-action": {"type": "charge", "declines": {"pm_no": "card_declined"}},
                "requestBody": BODY,
                "responses": _ok(
                    {
                        "type": "object",
                        "required": ["tipped"],
                        "properties": {"tipped": {"const": True}},
                    }
                ),
            },
        },
        "/close-everything": {
            "post": {
                "x-mock-action": {"type": "transition", "field": "state", "to": "closed"},
                "responses": _ok(TICKET),
            }
        },
        "/teleport": {
            "post": {"x-mock-action": {"type": "teleport"}, "responses": _ok({"const": "nowhere"})}
        },
    },
}


@pytest.fixture
def tracker(make_mock: MakeMock) -> InProcess:
    return make_mock(create_app(TRACKER, seed=4))


def test_transition_sets_literals_and_expressions_and_updates_the_related_record(
    tracker: InProcess,
) -> None:
    board = tracker.request("POST", "/boards", json={"open": 3}).json()
    ticket = tracker.request("POST", "/tickets", json={"boardId": board["id"], "points": 2}).json()
    closed = tracker.request("POST", f"/tickets/{ticket['id']}/close").json()
    assert (closed["state"], closed["closedBy"], closed["score"]) == ("closed", "robot", 25)
    assert tracker.request("GET", f"/boards/{board['id']}").json()["open"] == 0
    conflict = tracker.request("POST", f"/tickets/{ticket['id']}/close")
    assert (conflict.status_code, conflict.json()["code"]) == (409, "conflict")
    assert conflict.json()["detail"] == "The ticket is closed."


@pytest.mark.parametrize("board", [None, 999], ids=["no key", "no such record"])
def test_transition_without_a_related_record_still_moves_the_record(
    tracker: InProcess, board: int | None
) -> None:
    ticket = tracker.request("POST", "/tickets", json={"boardId": board} if board else {}).json()
    closed = tracker.request("POST", f"/tickets/{ticket['id']}/close")
    assert (closed.status_code, closed.json()["state"]) == (200, "closed")
    archived = tracker.request("POST", f"/tickets/{ticket['id']}/archive")  # related: no collection
    assert (archived.status_code, archived.json()["state"]) == (200, "archived")


def test_actions_that_address_no_record_or_collection_are_404(tracker: InProcess) -> None:
    nothing = tracker.request("POST", "/close-everything")
    assert (nothing.status_code, nothing.json()["detail"]) == (
        404, "This operation addresses no resource."
    )  # fmt: skip
    ticket = tracker.request("POST", "/tickets", json={}).json()
    billed = tracker.request("POST", f"/tickets/{ticket['id']}/bill", json={})
    assert (billed.status_code, billed.json()["detail"]) == (404, "No collection /invoices.")


def test_a_charge_that_is_no_create_declines_or_else_answers_statelessly(
    tracker: InProcess,
) -> None:
    ticket = tracker.request("POST", "/tickets", json={}).json()
    declined = tracker.request(
        "POST", f"/tickets/{ticket['id']}/tip", json={"paymentMethod": "pm_no"}
    )
    assert (declined.status_code, declined.json()["code"]) == (402, "card_declined")
    tipped = tracker.request(
        "POST", f"/tickets/{ticket['id']}/tip", json={"paymentMethod": "pm_ok"}
    )
    assert (tipped.status_code, tipped.json()) == (200, {"tipped": True})


def test_an_unknown_action_type_answers_statelessly(tracker: InProcess) -> None:
    answer = tracker.request("POST", "/teleport")
    assert (answer.status_code, answer.json()) == (200, "nowhere")
