"""Subscriptions over HTTP: prices, periods, declines and cancellation."""

from __future__ import annotations

import datetime as dt

import pytest

from provider.subscriptions import period_end
from tests.provider.conftest import Api

pytestmark = pytest.mark.slow


def parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("plan", "interval", "amount"),
    [
        ("basic", "month", 900),
        ("basic", "year", 9000),
        ("pro", "month", 2900),
        ("pro", "year", 29000),
        ("enterprise", "month", 9900),
        ("enterprise", "year", 99000),
    ],
)
def test_a_subscription_is_priced_by_plan_and_interval(
    api: Api, plan: str, interval: str, amount: int
) -> None:
    alice = api.user()
    response = alice.http.post(
        "/subscriptions", json={"plan": plan, "interval": interval, "paymentMethod": "pm_card_visa"}
    )
    assert response.status_code == 201
    subscription = response.json()
    assert response.headers["location"] == f"/api/v1/subscriptions/{subscription['id']}"
    assert (subscription["amount"], subscription["currency"], subscription["status"]) == (
        amount,
        "USD",
        "active",
    )
    start, end = parse(subscription["currentPeriodStart"]), parse(subscription["currentPeriodEnd"])
    assert (
        28 <= (end - start).days <= 31 if interval == "month" else 365 <= (end - start).days <= 366
    )
    assert alice.http.get(f"/subscriptions/{subscription['id']}").json() == subscription


@pytest.mark.parametrize(
    ("start", "interval", "end"),
    [
        (
            dt.datetime(2027, 1, 31, 8, tzinfo=dt.UTC),
            "month",
            dt.datetime(2027, 2, 28, 8, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(2028, 1, 31, 8, tzinfo=dt.UTC),
            "month",
            dt.datetime(2028, 2, 29, 8, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(2026, 12, 15, tzinfo=dt.UTC),
            "month",
            dt.datetime(2027, 1, 15, tzinfo=dt.UTC),
        ),
        (dt.datetime(2028, 2, 29, tzinfo=dt.UTC), "year", dt.datetime(2029, 2, 28, tzinfo=dt.UTC)),
    ],
)
def test_a_period_ends_one_calendar_interval_later(
    start: dt.datetime, interval: str, end: dt.datetime
) -> None:
    assert period_end(start, interval) == end


@pytest.mark.parametrize(
    ("method", "code"),
    [("pm_card_declined", "card_declined"), ("pm_card_insufficient_funds", "insufficient_funds")],
)
def test_a_declined_card_answers_402_and_subscribes_nothing(
    api: Api, method: str, code: str
) -> None:
    alice = api.user()
    response = alice.http.post(
        "/subscriptions", json={"plan": "pro", "interval": "month", "paymentMethod": method}
    )
    assert (response.status_code, response.json()["code"]) == (402, code)
    assert alice.http.get("/subscriptions").json()["pagination"]["total"] == 0


def test_cancelling_twice_answers_409_subscription_already_canceled(api: Api) -> None:
    alice = api.user()
    subscription = alice.http.post(
        "/subscriptions",
        json={"plan": "basic", "interval": "year", "paymentMethod": "pm_card_visa"},
    ).json()
    cancelled = alice.http.post(f"/subscriptions/{subscription['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "canceled"
    assert cancelled.json()["canceledAt"] is not None
    again = alice.http.post(f"/subscriptions/{subscription['id']}/cancel")
    assert (again.status_code, again.json()["code"]) == (409, "subscription_already_canceled")
    assert alice.http.get(f"/subscriptions/{subscription['id']}").json() == cancelled.json()


def test_the_list_filters_by_status(api: Api) -> None:
    alice = api.user()
    ids = [
        alice.http.post(
            "/subscriptions",
            json={"plan": "pro", "interval": "month", "paymentMethod": "pm_card_visa"},
        ).json()["id"]
        for _ in range(3)
    ]
    alice.http.post(f"/subscriptions/{ids[0]}/cancel")
    active = alice.http.get("/subscriptions", params={"status": "active"}).json()
    assert sorted(s["id"] for s in active["data"]) == sorted(ids[1:])
    canceled = alice.http.get("/subscriptions", params={"status": "canceled"}).json()
    assert [s["id"] for s in canceled["data"]] == [ids[0]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan": "gold", "interval": "month", "paymentMethod": "pm_card_visa"}, "body.plan"),
        ({"plan": "pro", "interval": "week", "paymentMethod": "pm_card_visa"}, "body.interval"),
        ({"plan": "pro", "interval": "month", "paymentMethod": "card_visa"}, "body.paymentMethod"),
        ({"plan": "pro", "interval": "month"}, "body.paymentMethod"),
        ({"plan": "pro", "interval": "month", "paymentMethod": "pm_x", "amount": 1}, "body.amount"),
    ],
)
def test_an_invalid_subscription_is_400(api: Api, body: dict[str, object], field: str) -> None:
    response = api.user().http.post("/subscriptions", json=body)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
