"""The database going away while clients place and pay orders, and coming back.

Several client threads create orders and pay them (each payment with its own
``Idempotency-Key``) against a real provider whose PostgreSQL connection runs through
`tests.provider.tcp_proxy.TcpProxy`, or to a cluster of its own. Mid-run the proxy cuts every
connection and refuses new ones (transactions die mid-statement and mid-commit), or the server
is shut down (``pg_ctl stop -m fast``: sessions terminated), then the database comes back. Requests
meanwhile must get 503 ``database_unavailable`` problems, never a 500; the provider must serve
again by itself; and the database must hold nothing half-written: every order whole with its
items, no payment without its order marked paid, and everything a client was answered 201
for really there. Payments refused with 503 are retried afterwards with the same key and
must be made once.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, LiteralString

import httpx
import psycopg
import pytest

from tests.provider.conftest import Account, Provider, start_provider
from tests.provider.openapi_check import OpenApiCheck
from tests.provider.postgres import PostgresCluster
from tests.provider.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

CLIENTS = 6
# Generous: deadlines for a slow shared machine, not latency assertions.
DEADLINE = 60.0


@dataclass
class Answer:
    kind: str  # "order" or "pay"
    response: httpx.Response
    order: dict[str, Any] | None = None  # the order placed (kind "order")
    key: str = ""  # the Idempotency-Key (kind "pay")
    order_id: str = ""


@dataclass
class Shopper:
    """One client thread: places orders and pays each, recording every answer."""

    account: Account
    http: httpx.Client
    answers: list[Answer] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            items = [
                {"productId": f"sku-{uuid.uuid4().hex[:8]}", "name": "Pen", "quantity": n + 1,
                 "unitPrice": 150 * (n + 1)}
                for n in range(3)
            ]  # fmt: skip
            placed = self._send("POST", "/orders", json={"currency": "EUR", "items": items})
            self.answers.append(Answer("order", placed, order={"items": items}))
            if placed.status_code != 201:
                continue
            order_id = placed.json()["id"]
            key = uuid.uuid4().hex
            paid = self.pay(order_id, key)
            self.answers.append(Answer("pay", paid, key=key, order_id=order_id))

    def pay(self, order_id: str, key: str) -> httpx.Response:
        return self._send(
            "POST", f"/orders/{order_id}/payments", json={"paymentMethod": "pm_card_visa"},
            headers={"Idempotency-Key": key},
        )  # fmt: skip

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        response.read()
        return response


class Run:
    """The shoppers' threads and a view of their answers so far."""

    def __init__(self, shoppers: list[Shopper]) -> None:
        self.shoppers = shoppers
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=s.run, args=(self.stop,)) for s in shoppers]
        for thread in self.threads:
            thread.start()

    def count(self, status: int) -> int:
        return sum(a.response.status_code == status for s in self.shoppers for a in list(s.answers))

    def wait_for(self, status: int, count: int) -> None:
        deadline = time.monotonic() + DEADLINE
        while self.count(status) < count:
            assert all(t.is_alive() for t in self.threads), "a client thread died"
            assert time.monotonic() < deadline, f"{self.count(status)} of {count} {status}s"
            time.sleep(0.02)

    def finish(self) -> list[Answer]:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=DEADLINE)
        return [a for s in self.shoppers for a in s.answers]


@dataclass
class Outage:
    """A provider, the direct URL of its database, and how to take that database away."""

    provider: Provider
    direct: str
    down: Callable[[], None]
    up: Callable[[], None]


@pytest.fixture(params=["connections cut", "server stopped"])
def outage(
    request: pytest.FixtureRequest, postgres: PostgresCluster, openapi_check: OpenApiCheck
) -> Iterator[Outage]:
    """A provider on PostgreSQL that the test can take away: cut by a proxy, or shut down.

    Shutting down needs a cluster of its own (the session's is shared); a cut goes through a
    `TcpProxy` in front of the session's cluster.
    """
    if request.param == "connections cut":
        proxy = TcpProxy(postgres.port)
        proxy.start()
        direct = postgres.create_database()
        url = direct.replace(f":{postgres.port}/", f":{proxy.port}/")
        provider = start_provider(openapi_check, url)
        try:
            yield Outage(provider, direct, proxy.stop, proxy.start)
        finally:
            provider.stop()
            proxy.stop()
        return
    own = PostgresCluster.start()
    try:
        direct = own.create_database()
        provider = start_provider(openapi_check, direct)
        try:
            yield Outage(provider, direct, own.pause, own.resume)
        finally:
            provider.stop()
    finally:
        own.stop()


def _rows(url: str, query: LiteralString) -> list[tuple[Any, ...]]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        return connection.execute(query).fetchall()


def test_orders_and_payments_survive_the_database_going_away_mid_run(
    outage: Outage, openapi_check: OpenApiCheck
) -> None:
    direct = outage.direct
    api = outage.provider.api()
    shoppers = []
    for _ in range(CLIENTS):
        account = api.user()
        shoppers.append(Shopper(account, api.client(account.access_token, checked=False)))

    run = Run(shoppers)
    try:
        run.wait_for(201, 4 * CLIENTS)
        outage.down()  # in-flight transactions die; new connections are refused
        run.wait_for(503, 3 * CLIENTS)
        outage.up()
        served = run.count(201)
        run.wait_for(201, served + 4 * CLIENTS)  # recovered by itself
    finally:
        answers = run.finish()

    for answer in answers:
        status = answer.response.status_code
        assert status in (201, 503), (answer.kind, status, answer.response.text)
        if status == 503:
            problem = openapi_check.check_problem(answer.response)
            assert problem["code"] == "database_unavailable", problem
            assert answer.response.headers["retry-after"]

    # A payment refused during the outage may or may not have been committed (the commit can
    # be cut after the database applied it): retried with its key it is made, or replayed, once.
    by_key: dict[str, dict[str, Any]] = {}
    for shopper in shoppers:
        for answer in list(shopper.answers):
            if answer.kind == "pay":
                retried = shopper.pay(answer.order_id, answer.key)
                assert retried.status_code == 201, retried.text
                if answer.response.status_code == 201:
                    assert retried.json() == answer.response.json()  # a replay
                by_key[answer.key] = retried.json()

    _assert_nothing_half_written(direct)
    orders = {str(r[0]): r for r in _rows(direct, "SELECT id, status FROM orders")}
    payments = _rows(direct, "SELECT id, order_id, status FROM payments")
    paid = {str(order_id) for _, order_id, status in payments if status == "succeeded"}
    for answer in answers:
        if answer.kind == "order" and answer.response.status_code == 201:
            placed = answer.response.json()
            assert placed["id"] in orders  # told 201: it is there, whole
            assert answer.order is not None
            assert [i["productId"] for i in placed["items"]] == [
                i["productId"] for i in answer.order["items"]
            ]
    for payment in by_key.values():
        assert payment["orderId"] in paid
        assert orders[payment["orderId"]][1] == "paid"
    assert len(payments) == len(by_key)  # one payment per key: none made twice, none extra


def _assert_nothing_half_written(url: str) -> None:
    """Every order has its items and totals; every payment its order paid, once."""
    assert (
        _rows(
            url,
            "SELECT o.id FROM orders o LEFT JOIN order_items i ON i.order_id = o.id "
            "GROUP BY o.id, o.subtotal, o.total "
            "HAVING count(i.id) <> 3 OR o.subtotal <> coalesce(sum(i.line_total), -1) "
            "OR o.total <> o.subtotal",
        )
        == []
    )
    assert (
        _rows(
            url,
            "SELECT p.id FROM payments p JOIN orders o ON o.id = p.order_id "
            "WHERE p.status = 'succeeded' AND o.status <> 'paid'",
        )
        == []
    )
    assert (
        _rows(
            url,
            "SELECT o.id FROM orders o LEFT JOIN payments p "
            "ON p.order_id = o.id AND p.status = 'succeeded' "
            "GROUP BY o.id, o.status HAVING (o.status = 'paid') <> (count(p.id) = 1)",
        )
        == []
    )
    assert (
        _rows(
            url,
            "SELECT r.key FROM idempotency_records r WHERE r.status_code = 201 AND NOT EXISTS "
            "(SELECT 1 FROM payments p WHERE r.location LIKE '%/payments/' || p.id::text)",
        )
        == []
    )
