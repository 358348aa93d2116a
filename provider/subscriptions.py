"""Subscriptions: the caller's list (status filter), subscribe, get, cancel.

Prices follow ``createSubscription``'s description (USD minor units per interval). The first
period is charged with ``payments.charge``, so the test tokens decline as for orders (402, and
nothing is stored). A period runs one calendar month or year from now (the 31st of January plus
a month is the end of February).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from provider.endpoint import (
    Call,
    created,
    endpoint,
    json_response,
    list_owned,
    optional_timestamp,
    owned,
    timestamp,
)
from provider.models import Subscription, utcnow
from provider.payments import charge
from provider.problems import conflict

__all__ = [
    "PRICES",
    "cancel_subscription",
    "create_subscription",
    "get_subscription",
    "list_subscriptions",
    "period_end",
    "render_subscription",
]

CURRENCY = "USD"
PRICES: dict[tuple[str, str], int] = {
    ("basic", "month"): 900,
    ("basic", "year"): 9000,
    ("pro", "month"): 2900,
    ("pro", "year"): 29000,
    ("enterprise", "month"): 9900,
    ("enterprise", "year"): 99000,
}


def period_end(start: dt.datetime, interval: str) -> dt.datetime:
    """``start`` plus one calendar month or year, clamped to the month's last day."""
    months = 12 if interval == "year" else 1
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def render_subscription(subscription: Subscription) -> dict[str, Any]:
    """The ``Subscription`` representation."""
    return {
        "id": str(subscription.id),
        "userId": str(subscription.user_id),
        "plan": subscription.plan,
        "interval": subscription.interval,
        "status": subscription.status,
        "amount": subscription.amount,
        "currency": subscription.currency,
        "currentPeriodStart": timestamp(subscription.current_period_start),
        "currentPeriodEnd": timestamp(subscription.current_period_end),
        "canceledAt": optional_timestamp(subscription.canceled_at),
        "createdAt": timestamp(subscription.created_at),
    }


@endpoint("listSubscriptions")
async def list_subscriptions(call: Call) -> Response:
    return await list_owned(call, Subscription, render_subscription, filters=["status"])


@endpoint("createSubscription")
async def create_subscription(call: Call) -> Response:
    user, body = call.user, call.body
    amount = PRICES[(body["plan"], body["interval"])]
    declined = charge(body["paymentMethod"], amount, CURRENCY)
    if declined:
        raise declined

    def work(session: Session) -> dict[str, Any]:
        now = utcnow()
        subscription = Subscription(
            user_id=user,
            plan=body["plan"],
            interval=body["interval"],
            status="active",
            amount=amount,
            currency=CURRENCY,
            payment_method=body["paymentMethod"],
            current_period_start=now,
            current_period_end=period_end(now, body["interval"]),
            created_at=now,
        )
        session.add(subscription)
        session.flush()
        return render_subscription(subscription)

    return created(await call.run(work), "subscriptions")


@endpoint("getSubscription")
async def get_subscription(call: Call) -> Response:
    user, ident = call.user, call.path["subscriptionId"]
    return json_response(
        await call.run(
            lambda session: render_subscription(
                owned(session, Subscription, ident, user, "subscription")
            )
        )
    )


@endpoint("cancelSubscription")
async def cancel_subscription(call: Call) -> Response:
    user, ident = call.user, call.path["subscriptionId"]

    def work(session: Session) -> dict[str, Any]:
        subscription = owned(session, Subscription, ident, user, "subscription", lock=True)
        if subscription.canceled_at is not None:
            day = subscription.canceled_at.date().isoformat()
            raise conflict(
                "subscription_already_canceled", f"The subscription was cancelled on {day}."
            )
        subscription.status, subscription.canceled_at = "canceled", utcnow()
        return render_subscription(subscription)

    return json_response(await call.run(work))
