"""Payments: pay an order (idempotent), the caller's payments, get, refund.

Paying is one transaction: lock the order row, replay or refuse a reused ``Idempotency-Key``,
check the order's state, charge, record the payment (``failed`` with its code on a decline),
mark the order ``paid`` on success, store the answer for the key. A failure anywhere rolls it
all back. Refunding marks the payment and its order ``refunded`` together. Both queue the
spec's webhook (``payment.succeeded``, ``payment.failed``, ``payment.refunded``) in the same
transaction (`provider.outbox`), and wake the dispatcher once it committed.

``charge`` stands in for a payment gateway with the spec's test tokens: ``pm_card_declined``
and ``pm_card_insufficient_funds`` decline, any other token succeeds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from provider import idempotency, outbox
from provider.endpoint import (
    API_PREFIX,
    Call,
    endpoint,
    json_response,
    list_owned,
    optional_timestamp,
    owned,
    timestamp,
)
from provider.idempotency import Answer
from provider.models import Order, Payment, utcnow
from provider.orders import owned_order
from provider.problems import Problem, conflict

__all__ = [
    "charge",
    "get_payment",
    "list_payments",
    "pay_order",
    "refund_payment",
    "render_payment",
]

DECLINES = {
    "pm_card_declined": ("card_declined", "The card was declined by the issuer."),
    "pm_card_insufficient_funds": (
        "insufficient_funds",
        "The card has insufficient funds for {amount} {currency} minor units.",
    ),
}


def charge(payment_method: str, amount: int, currency: str) -> Problem | None:
    """Charge ``amount``: None on success, the 402 ``Problem`` on a decline."""
    decline = DECLINES.get(payment_method)
    if decline is None:
        return None
    code, detail = decline
    return Problem(402, code, detail.format(amount=amount, currency=currency))


def render_payment(payment: Payment) -> dict[str, Any]:
    """The ``Payment`` representation."""
    return {
        "id": str(payment.id),
        "orderId": str(payment.order_id),
        "userId": str(payment.user_id),
        "amount": payment.amount,
        "currency": payment.currency,
        "status": payment.status,
        "paymentMethod": payment.payment_method,
        "failureCode": payment.failure_code,
        "createdAt": timestamp(payment.created_at),
        "refundedAt": optional_timestamp(payment.refunded_at),
    }


def _queue_event(session: Session, payment: Payment, at: dt.datetime) -> None:
    """Queue ``payment.<status>`` for the owner's subscribed endpoints, in this transaction."""
    session.flush()  # the payment's id, when it is new
    outbox.emit(
        session,
        user_id=payment.user_id,
        event_type=f"payment.{payment.status}",
        data={"payment": render_payment(payment)},
        at=at,
    )


@endpoint("payOrder")
async def pay_order(call: Call) -> Response:
    user, order_id, method = call.user, call.path["orderId"], call.body["paymentMethod"]
    key: str = call.inputs.headers["Idempotency-Key"]
    print_ = idempotency.fingerprint("POST", f"/orders/{order_id}/payments", call.body)
    instance = call.request.url.path

    def work(session: Session) -> Answer:
        order = owned_order(session, order_id, user, lock=True)
        previous = idempotency.recall(session, user, key, print_)
        if previous is not None:
            return previous
        if order.status == "paid":
            raise conflict("order_already_paid", f"The order {order.id} is already paid.")
        if order.status != "pending":
            raise conflict("order_not_payable", f"The order is {order.status}.")
        declined = charge(method, order.total, order.currency)
        now = utcnow()
        payment = Payment(
            order_id=order.id,
            user_id=user,
            amount=order.total,
            currency=order.currency,
            status="failed" if declined else "succeeded",
            payment_method=method,
            failure_code=declined.code if declined else None,
            created_at=now,
        )
        session.add(payment)
        if declined:
            answer = Answer(declined.status, declined.body(instance))
        else:
            order.status = "paid"
            order.updated_at = now
            session.flush()
            answer = Answer(201, render_payment(payment), f"{API_PREFIX}/payments/{payment.id}")
        idempotency.remember(session, user, key, print_, answer)
        _queue_event(session, payment, now)
        return answer

    try:
        answer = await call.run(work)
    except IntegrityError:
        # A concurrent request with the same key committed first: replay it (or 409 on reuse).
        answer = await call.run(work)
    call.services.webhooks.wake()  # after the commit: the event is in the outbox
    return answer.response()


@endpoint("listPayments")
async def list_payments(call: Call) -> Response:
    return await list_owned(call, Payment, render_payment, filters=["status"])


def _owned_payment(
    session: Session, payment_id: uuid.UUID, user: uuid.UUID, *, lock: bool = False
) -> Payment:
    return owned(session, Payment, payment_id, user, "payment", lock=lock)


@endpoint("getPayment")
async def get_payment(call: Call) -> Response:
    user, payment_id = call.user, call.path["paymentId"]
    return json_response(
        await call.run(lambda session: render_payment(_owned_payment(session, payment_id, user)))
    )


@endpoint("refundPayment")
async def refund_payment(call: Call) -> Response:
    user, payment_id, body = call.user, call.path["paymentId"], call.body or {}

    def work(session: Session) -> dict[str, Any]:
        payment = _owned_payment(session, payment_id, user, lock=True)
        if payment.status != "succeeded":
            state = "already refunded" if payment.status == "refunded" else "failed"
            raise conflict(
                "payment_not_refundable",
                f"The payment is {state}; only a succeeded payment can be refunded.",
            )
        now = utcnow()
        payment.status, payment.refunded_at = "refunded", now
        payment.refund_reason = body.get("reason")
        order = session.get(Order, payment.order_id, with_for_update=True)
        assert order is not None, "a payment's order is deleted only with the payment"
        order.status, order.updated_at = "refunded", now
        _queue_event(session, payment, now)
        return render_payment(payment)

    answer = json_response(await call.run(work))
    call.services.webhooks.wake()
    return answer
