"""Orders: the caller's list (status filter, newest first), place, get, cancel.

The server computes every ``lineTotal`` (quantity x unit price), the ``subtotal`` (their sum)
and the ``total`` (the subtotal: no tax, no shipping). The spec bounds line items so that the
largest total (100 lines of 1,000 x 10^7) is exactly the ``Amount`` maximum, 10^12.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from provider.endpoint import Call, created, endpoint, json_response, list_owned, owned, timestamp
from provider.models import Order, OrderItem, utcnow
from provider.problems import conflict

__all__ = [
    "cancel_order",
    "create_order",
    "get_order",
    "list_orders",
    "owned_order",
    "render_order",
]


def render_order(order: Order) -> dict[str, Any]:
    """The ``Order`` representation."""
    return {
        "id": str(order.id),
        "userId": str(order.user_id),
        "status": order.status,
        "currency": order.currency,
        "items": [
            {
                "productId": item.product_id,
                "name": item.name,
                "quantity": item.quantity,
                "unitPrice": item.unit_price,
                "lineTotal": item.line_total,
            }
            for item in order.items
        ],
        "subtotal": order.subtotal,
        "total": order.total,
        "createdAt": timestamp(order.created_at),
        "updatedAt": timestamp(order.updated_at),
    }


def owned_order(
    session: Session, order_id: uuid.UUID, user: uuid.UUID, *, lock: bool = False
) -> Order:
    """The caller's order (404 unknown, 403 someone else's), row-locked when ``lock``."""
    return owned(session, Order, order_id, user, "order", lock=lock)


def build_order(user: uuid.UUID, currency: str, items: list[dict[str, Any]]) -> Order:
    """A pending order with its computed totals (not yet added to a session)."""
    now = utcnow()
    lines = [
        OrderItem(
            position=position,
            product_id=item["productId"],
            name=item["name"],
            quantity=int(item["quantity"]),
            unit_price=int(item["unitPrice"]),
            line_total=int(item["quantity"]) * int(item["unitPrice"]),
        )
        for position, item in enumerate(items)
    ]
    subtotal = sum(line.line_total for line in lines)
    return Order(
        user_id=user,
        status="pending",
        currency=currency,
        subtotal=subtotal,
        total=subtotal,
        items=lines,
        created_at=now,
        updated_at=now,
    )


@endpoint("listOrders")
async def list_orders(call: Call) -> Response:
    return await list_owned(call, Order, render_order, filters=["status"])


@endpoint("createOrder")
async def create_order(call: Call) -> Response:
    order = build_order(call.user, call.body["currency"], call.body["items"])

    def work(session: Session) -> dict[str, Any]:
        session.add(order)
        session.flush()
        return render_order(order)

    return created(await call.run(work), "orders")


@endpoint("getOrder")
async def get_order(call: Call) -> Response:
    user, order_id = call.user, call.path["orderId"]
    return json_response(
        await call.run(lambda session: render_order(owned_order(session, order_id, user)))
    )


@endpoint("cancelOrder")
async def cancel_order(call: Call) -> Response:
    user, order_id = call.user, call.path["orderId"]

    def work(session: Session) -> dict[str, Any]:
        order = owned_order(session, order_id, user, lock=True)
        if order.status != "pending":
            raise conflict(
                "order_not_cancellable",
                f"The order is {order.status}; only a pending order can be cancelled.",
            )
        order.status = "cancelled"
        order.updated_at = utcnow()
        return render_order(order)

    return json_response(await call.run(work))
