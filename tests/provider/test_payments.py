"""Payments over HTTP: paying, declines, idempotency, refunds, and atomic writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from provider.models import Payment
from tests.provider.conftest import Account, Api, Provider
from tests.provider.test_orders import place_order

pytestmark = pytest.mark.slow


def pay(
    account: Account, order_id: str, method: str = "pm_card_visa", key: str | None = None
) -> httpx.Response:
    return account.http.post(
        f"/orders/{order_id}/payments",
        json={"paymentMethod": method},
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def payments_of(account: Account, **params: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = account.http.get("/payments", params=params).json()["data"]
    return data


def test_paying_a_pending_order_records_the_payment_and_marks_it_paid(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    response = pay(alice, order["id"])
    assert response.status_code == 201
    payment = response.json()
    assert response.headers["location"] == f"/api/v1/payments/{payment['id']}"
    assert "idempotent-replayed" not in response.headers
    assert (payment["status"], payment["amount"], payment["currency"]) == (
        "succeeded",
        order["total"],
        "USD",
    )
    assert (payment["orderId"], payment["userId"], payment["failureCode"]) == (
        order["id"],
        alice.id,
        None,
    )
    assert alice.http.get(f"/orders/{order['id']}").json()["status"] == "paid"
    assert alice.http.get(f"/payments/{payment['id']}").json() == payment
    assert payments_of(alice) == [payment]


def test_paying_a_paid_order_again_answers_409_order_already_paid(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    pay(alice, order["id"])
    response = pay(alice, order["id"])
    assert (response.status_code, response.json()["code"]) == (409, "order_already_paid")
    assert len(payments_of(alice)) == 1


@pytest.mark.parametrize(
    ("method", "code"),
    [("pm_card_declined", "card_declined"), ("pm_card_insufficient_funds", "insufficient_funds")],
)
def test_a_declined_card_answers_402_and_records_a_failed_payment(
    api: Api, method: str, code: str
) -> None:
    alice = api.user()
    order = place_order(alice.http)
    response = pay(alice, order["id"], method)
    assert (response.status_code, response.json()["code"]) == (402, code)
    [failed] = payments_of(alice, status="failed")
    assert (failed["failureCode"], failed["paymentMethod"], failed["orderId"]) == (
        code,
        method,
        order["id"],
    )
    assert alice.http.get(f"/orders/{order['id']}").json()["status"] == "pending"
    assert pay(alice, order["id"]).status_code == 201


def test_the_same_key_and_body_replay_the_first_answer(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    first = pay(alice, order["id"], key="attempt-1")
    again = pay(alice, order["id"], key="attempt-1")
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert len(payments_of(alice)) == 1


def test_a_replayed_decline_charges_nothing_more(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    first = pay(alice, order["id"], "pm_card_declined", key="attempt-1")
    again = pay(alice, order["id"], "pm_card_declined", key="attempt-1")
    assert again.status_code == 402
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len(payments_of(alice)) == 1


def test_the_same_key_with_another_body_answers_409_idempotency_key_reused(api: Api) -> None:
    alice = api.user()
    order, other = place_order(alice.http), place_order(alice.http)
    pay(alice, order["id"], "pm_card_declined", key="attempt-1")
    for response in (
        pay(alice, order["id"], "pm_card_visa", key="attempt-1"),
        pay(alice, other["id"], "pm_card_declined", key="attempt-1"),
    ):
        assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_reused")
    assert alice.http.get(f"/orders/{order['id']}").json()["status"] == "pending"


def test_idempotency_keys_belong_to_one_user(api: Api) -> None:
    alice, bob = api.user(), api.user()
    assert pay(alice, place_order(alice.http)["id"], key="shared-key").status_code == 201
    response = pay(bob, place_order(bob.http)["id"], key="shared-key")
    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers


@pytest.mark.parametrize(("key", "code"), [(None, "required"), ("bad key!", "pattern")])
def test_an_invalid_idempotency_key_is_400(api: Api, key: str | None, code: str) -> None:
    alice = api.user()
    headers = {"Idempotency-Key": key} if key else {}
    response = alice.http.post(
        f"/orders/{place_order(alice.http)['id']}/payments",
        json={"paymentMethod": "pm_card_visa"},
        headers=headers,
    )
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("header.Idempotency-Key", code)
    ]


def test_refunding_marks_the_payment_and_its_order_refunded(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    payment = pay(alice, order["id"]).json()
    response = alice.http.post(
        f"/payments/{payment['id']}/refund", json={"reason": "requested_by_customer"}
    )
    assert response.status_code == 200
    refunded = response.json()
    assert refunded["status"] == "refunded"
    assert refunded["refundedAt"] is not None
    assert alice.http.get(f"/orders/{order['id']}").json()["status"] == "refunded"
    again = alice.http.post(f"/payments/{payment['id']}/refund")
    assert (again.status_code, again.json()["code"]) == (409, "payment_not_refundable")
    pay_again = pay(alice, order["id"])
    assert (pay_again.status_code, pay_again.json()["code"]) == (409, "order_not_payable")


def test_a_refund_needs_no_body_but_a_given_one_is_validated(api: Api) -> None:
    alice = api.user()
    payment = pay(alice, place_order(alice.http)["id"]).json()
    invalid = alice.http.post(f"/payments/{payment['id']}/refund", json={"reason": "bored"})
    assert invalid.status_code == 400
    assert invalid.json()["errors"][0]["field"] == "body.reason"
    assert alice.http.post(f"/payments/{payment['id']}/refund").status_code == 200


def test_a_failed_payment_cannot_be_refunded(api: Api) -> None:
    alice = api.user()
    pay(alice, place_order(alice.http)["id"], "pm_card_declined")
    [failed] = payments_of(alice)
    response = alice.http.post(f"/payments/{failed['id']}/refund")
    assert (response.status_code, response.json()["code"]) == (409, "payment_not_refundable")


def test_a_cancelled_order_cannot_be_paid(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    alice.http.post(f"/orders/{order['id']}/cancel")
    response = pay(alice, order["id"])
    assert (response.status_code, response.json()["code"]) == (409, "order_not_payable")
    assert payments_of(alice) == []


@contextmanager
def failing_payment_writes(provider: Provider) -> Iterator[None]:
    """Within: every flush inserting a succeeded payment fails after its INSERT ran."""
    sessions = provider.services.db.sessions

    def explode(session: Session, _: object) -> None:
        if any(isinstance(o, Payment) and o.status == "succeeded" for o in session.new):
            raise RuntimeError("injected failure between the payment INSERT and the commit")

    event.listen(sessions, "after_flush", explode)
    try:
        yield
    finally:
        event.remove(sessions, "after_flush", explode)


def test_a_failure_before_commit_leaves_neither_payment_nor_paid_order(
    api: Api, shared_provider: Provider
) -> None:
    alice = api.user()
    order = place_order(alice.http)
    with failing_payment_writes(shared_provider):
        response = api.client(alice.access_token, checked=False).post(
            f"/orders/{order['id']}/payments",
            json={"paymentMethod": "pm_card_visa"},
            headers={"Idempotency-Key": "attempt-1"},
        )
    assert response.status_code == 500
    assert shared_provider.check.check_problem(response)["code"] == "internal_error"
    assert alice.http.get(f"/orders/{order['id']}").json()["status"] == "pending"
    assert payments_of(alice) == []
    retried = pay(alice, order["id"], key="attempt-1")
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers


def test_concurrent_payments_of_one_order_charge_it_once(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    devices = [replace(alice, http=api.client(alice.access_token)) for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(r.status_code for r in pool.map(lambda a: pay(a, order["id"]), devices))
    assert statuses == [201] + [409] * 7
    assert len(payments_of(alice)) == 1


def test_concurrent_retries_with_one_key_charge_once_and_replay(api: Api) -> None:
    alice = api.user()
    order = place_order(alice.http)
    clients = [api.client(alice.access_token) for _ in range(8)]

    def attempt(client: httpx.Client) -> httpx.Response:
        return client.post(
            f"/orders/{order['id']}/payments",
            json={"paymentMethod": "pm_card_visa"},
            headers={"Idempotency-Key": "retry-storm"},
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(attempt, clients))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum("idempotent-replayed" in r.headers for r in responses) == 7
    assert len(payments_of(alice)) == 1
