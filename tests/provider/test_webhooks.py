"""Webhooks over HTTP: endpoints (the secret shown once, reads, removal, validation), then the
delivery of the spec's webhooks to a real receiver on loopback: signed, valid, retried, bounded,
journaled, and never in the way of the API answer."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from provider.config import WebhookPolicy
from tests.provider.conftest import Account, Api, Provider
from tests.provider.openapi_check import OpenApiCheck
from tests.provider.receiver import Blackhole, Received, Receiver
from tests.provider.test_orders import place_order
from tests.provider.test_payments import pay, payments_of

pytestmark = pytest.mark.slow

ENDPOINT = {
    "url": "https://shop.example.com/hooks/payments",
    "events": ["payment.succeeded", "payment.refunded"],
}


def test_the_secret_is_answered_on_create_only(api: Api) -> None:
    alice = api.user()
    response = alice.http.post("/webhook-endpoints", json={**ENDPOINT, "description": "Shop"})
    assert response.status_code == 201
    created = response.json()
    assert re.fullmatch(r"whsec_[A-Za-z0-9]{32}", created["secret"])
    assert response.headers["location"] == f"/api/v1/webhook-endpoints/{created['id']}"
    read = alice.http.get(f"/webhook-endpoints/{created['id']}").json()
    assert read == {k: v for k, v in created.items() if k != "secret"}
    assert read["description"] == "Shop"
    listed = alice.http.get("/webhook-endpoints").json()
    assert listed["data"] == [read]
    assert created["secret"] not in alice.http.get("/webhook-endpoints").text


def test_every_endpoint_gets_its_own_secret(api: Api) -> None:
    alice = api.user()
    secrets = {
        alice.http.post("/webhook-endpoints", json=ENDPOINT).json()["secret"] for _ in range(3)
    }
    assert len(secrets) == 3


def test_a_removed_endpoint_is_gone(api: Api) -> None:
    alice = api.user()
    created = alice.http.post("/webhook-endpoints", json=ENDPOINT).json()
    assert alice.http.delete(f"/webhook-endpoints/{created['id']}").status_code == 204
    assert alice.http.get(f"/webhook-endpoints/{created['id']}").status_code == 404
    assert alice.http.delete(f"/webhook-endpoints/{created['id']}").status_code == 404
    assert alice.http.get("/webhook-endpoints").json()["pagination"]["total"] == 0


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"url": "ftp://shop.example.com/hooks"}, "body.url", "pattern"),
        ({"url": "https://"}, "body.url", "format"),
        ({"url": "https://shop example.com/"}, "body.url", "format"),
        ({"events": []}, "body.events", "minItems"),
        ({"events": ["payment.succeeded", "payment.succeeded"]}, "body.events", "uniqueItems"),
        ({"events": ["order.created"]}, "body.events[0]", "enum"),
        ({"secret": "whsec_" + "a" * 32}, "body.secret", "additionalProperties"),
    ],
)
def test_an_invalid_endpoint_is_400_at_its_location(
    api: Api, changes: dict[str, Any], field: str, code: str
) -> None:
    response = api.user().http.post("/webhook-endpoints", json={**ENDPOINT, **changes})
    assert response.status_code == 400
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]


# --- Delivery: the spec's webhooks reach a real receiver, signed, retried, journaled. ---------

FAST = WebhookPolicy(attempts=3, backoff=0.05, timeout=2.0, poll=0.2, grace=0.5)
ALL_EVENTS = ["payment.succeeded", "payment.failed", "payment.refunded"]
SIGNATURE = re.compile(r"t=(?P<t>[0-9]+),v1=(?P<v1>[0-9a-f]{64})")


class Shop:
    """A provider delivering webhooks fast, one of its users, and its delivery journal."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.api = provider.api()
        self.alice = self.api.user()
        self.journal_client = httpx.Client(base_url=provider.url, trust_env=False, timeout=30)

    def endpoint(self, url: str, events: list[str], account: Account | None = None) -> Any:
        response = (account or self.alice).http.post(
            "/webhook-endpoints", json={"url": url, "events": events}
        )
        assert response.status_code == 201, response.text
        return response.json()

    def paid_order(self, method: str = "pm_card_visa", account: Account | None = None) -> Any:
        account = account or self.alice
        response = pay(account, place_order(account.http)["id"], method)
        assert response.status_code in (201, 402), response.text
        return response

    def journal(self, **params: str) -> list[dict[str, Any]]:
        response = self.journal_client.get("/_test/webhook-deliveries", params=params)
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["data"]
        return entries

    def settled(self, count: int, *, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The journal once ``count`` deliveries ended (delivered or failed)."""
        deadline = time.monotonic() + timeout
        while True:
            entries = self.journal()
            if sum(e["status"] != "pending" for e in entries) >= count:
                return entries
            assert time.monotonic() < deadline, f"expected {count} settled deliveries: {entries}"
            time.sleep(0.05)

    def close(self) -> None:
        self.journal_client.close()


@pytest.fixture
def make_shop(make_provider: Callable[..., Provider]) -> Iterator[Callable[..., Shop]]:
    """Factory: ``make_shop(policy=FAST, database_url=None)``: a provider with ``--test-states``
    (on a fresh database unless given one) and a user."""
    shops: list[Shop] = []

    def start(policy: WebhookPolicy = FAST, *, database_url: str | None = None) -> Shop:
        shop = Shop(make_provider(database_url=database_url, test_states=True, webhooks=policy))
        shops.append(shop)
        return shop

    yield start
    for shop in shops:
        shop.close()


@pytest.fixture
def make_receiver() -> Iterator[Callable[..., Receiver]]:
    """Factory: ``make_receiver(answers=[500, 200])``; all closed after the test."""
    receivers: list[Receiver] = []

    def start(answers: list[int] | None = None) -> Receiver:
        receiver = Receiver(answers or [204])
        receivers.append(receiver)
        return receiver

    yield start
    for receiver in receivers:
        receiver.close()


def verify(secret: str, received: Received, *, now: float | None = None) -> None:
    """The spec's signature check, written here apart from the provider's ``sign``."""
    match = SIGNATURE.fullmatch(received.headers["Webhook-Signature"])
    assert match is not None, received.headers
    expected = hmac.new(
        secret.encode(), match["t"].encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, match["v1"]), "the signature does not verify"
    assert abs((now or time.time()) - int(match["t"])) < 300, "the signature is stale"


def test_every_declared_webhook_reaches_the_receiver_signed_and_valid(
    make_shop: Callable[..., Shop],
    make_receiver: Callable[..., Receiver],
    openapi_check: OpenApiCheck,
) -> None:
    shop, receiver = make_shop(), make_receiver()
    endpoint = shop.endpoint(receiver.url + "/hooks", ALL_EVENTS)
    paid = shop.paid_order().json()
    assert shop.alice.http.post(f"/payments/{paid['id']}/refund", json={}).status_code == 200
    declined = shop.paid_order("pm_card_declined")
    assert declined.status_code == 402
    received = receiver.wait_for(3)
    by_type: dict[str, dict[str, Any]] = {}
    for delivery in received:
        assert delivery.path == "/hooks"
        verify(endpoint["secret"], delivery)
        event_type = json.loads(delivery.body)["type"]
        operation_id = openapi_check.webhook_for(event_type)
        by_type[event_type] = openapi_check.check_webhook(
            operation_id, delivery.headers, delivery.body
        )
    # Every webhook the spec declares was sent: one per declared operation.
    assert {openapi_check.webhook_for(t) for t in by_type} == set(
        openapi_check.webhook_operations()
    )
    # The payment as GET answered it at the time of the event.
    refunded = shop.alice.http.get(f"/payments/{paid['id']}").json()
    failed = payments_of(shop.alice, status="failed")[0]
    assert by_type["payment.succeeded"]["data"]["payment"] == paid
    assert by_type["payment.refunded"]["data"]["payment"] == refunded
    assert by_type["payment.failed"]["data"]["payment"] == failed
    assert by_type["payment.succeeded"]["createdAt"] == paid["createdAt"]
    assert by_type["payment.refunded"]["createdAt"] == refunded["refundedAt"]
    journal = shop.settled(3)
    assert sorted(
        (e["event"], e["operationId"], e["status"], e["attempts"], e["lastStatus"]) for e in journal
    ) == sorted((t, openapi_check.webhook_for(t), "delivered", 1, 204) for t in ALL_EVENTS)
    assert {e["eventId"] for e in journal} == {e["id"] for e in by_type.values()}
    assert {e["endpointId"] for e in journal} == {endpoint["id"]}


def test_an_event_reaches_only_the_payers_endpoints_subscribed_to_it(
    make_shop: Callable[..., Shop], make_receiver: Callable[..., Receiver]
) -> None:
    shop, receiver = make_shop(), make_receiver()
    bob = shop.api.user()
    shop.endpoint(receiver.url + "/alice-refunds", ["payment.refunded"])
    shop.endpoint(receiver.url + "/alice-payments", ["payment.succeeded"])
    shop.endpoint(receiver.url + "/bob", ALL_EVENTS, account=bob)
    shop.paid_order()
    assert [r.path for r in receiver.wait_for(1)] == ["/alice-payments"]
    assert len(shop.settled(1)) == 1
    time.sleep(0.3)  # several poll intervals: nothing else is on its way
    assert len(receiver.received) == 1


def test_a_replayed_payment_sends_its_event_once(
    make_shop: Callable[..., Shop], make_receiver: Callable[..., Receiver]
) -> None:
    shop, receiver = make_shop(), make_receiver()
    shop.endpoint(receiver.url, ["payment.succeeded"])
    order = place_order(shop.alice.http)
    first = pay(shop.alice, order["id"], key="replayed-key")
    again = pay(shop.alice, order["id"], key="replayed-key")
    assert (first.status_code, again.status_code) == (201, 201)
    assert len(shop.settled(1)) == 1
    time.sleep(0.3)
    assert len(receiver.received) == 1


def test_a_delivery_answered_500_is_retried_after_the_backoff_until_200(
    make_shop: Callable[..., Shop], make_receiver: Callable[..., Receiver]
) -> None:
    shop, receiver = make_shop(), make_receiver([500, 200])
    endpoint = shop.endpoint(receiver.url, ["payment.succeeded"])
    shop.paid_order()
    first, second = receiver.wait_for(2)
    assert first.body == second.body  # the same event, byte for byte
    assert second.at - first.at >= FAST.backoff * 0.9
    verify(endpoint["secret"], first)
    verify(endpoint["secret"], second)
    [entry] = shop.settled(1)
    assert (entry["status"], entry["delivered"], entry["attempts"]) == ("delivered", True, 2)
    assert [t["status"] for t in entry["tries"]] == [500, 200]
    assert entry["nextAttemptAt"] is None
    assert "reason" not in entry


def test_a_delivery_gives_up_after_the_bounded_attempts(
    make_shop: Callable[..., Shop], make_receiver: Callable[..., Receiver]
) -> None:
    shop, receiver = make_shop(), make_receiver([500])
    shop.endpoint(receiver.url, ["payment.succeeded"])
    shop.paid_order()
    received = receiver.wait_for(FAST.attempts)
    gaps = [b.at - a.at for a, b in itertools.pairwise(received)]
    # Each retry waits at least its backoff, doubling: 0.05 s, then 0.1 s.
    assert all(gap >= FAST.delay(n) * 0.9 for n, gap in enumerate(gaps, start=1)), gaps
    [entry] = shop.settled(1)
    assert (entry["status"], entry["reason"], entry["attempts"]) == (
        "failed",
        "exhausted",
        FAST.attempts,
    )
    assert [t["status"] for t in entry["tries"]] == [500] * FAST.attempts
    time.sleep(FAST.backoff * 2**FAST.attempts + 0.3)  # when a next try would be due
    assert len(receiver.received) == FAST.attempts


def test_an_unreachable_receiver_never_slows_or_fails_the_api_call(
    make_shop: Callable[..., Shop],
) -> None:
    # A call that waited for the silent receiver would take the whole timeout; one that does
    # not answers in a fraction of it. 3 s leaves that fraction room on a loaded 2-core
    # machine (a pay on PostgreSQL took 0.92 s there against a 1.5 s timeout's 0.75 s bound).
    policy = WebhookPolicy(attempts=2, backoff=0.05, timeout=3.0, poll=0.2, grace=0.2)
    shop = make_shop(policy)
    hole = Blackhole()
    try:
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        refused_url = f"http://127.0.0.1:{closed.getsockname()[1]}/hooks"
        closed.close()  # nothing listens there now: connections are refused
        shop.endpoint(hole.url + "/hooks", ["payment.succeeded"])
        shop.endpoint(refused_url, ["payment.succeeded"])
        order = place_order(shop.alice.http)
        started = time.monotonic()
        response = pay(shop.alice, order["id"])
        elapsed = time.monotonic() - started
        assert response.status_code == 201
        assert elapsed < policy.timeout / 2, f"the API answer waited {elapsed:.2f} s"
        entries = shop.settled(2, timeout=3 * policy.timeout + 5)
    finally:
        hole.close()
    by_url = {e["url"]: e for e in entries}
    silent, refused = by_url[hole.url + "/hooks"], by_url[refused_url]
    for entry in (silent, refused):
        assert (entry["status"], entry["reason"], entry["attempts"]) == ("failed", "exhausted", 2)
        assert [t["status"] for t in entry["tries"]] == [0, 0]
    assert "no answer within 3 s" in silent["tries"][0]["error"]
    assert "Connect" in refused["tries"][0]["error"]


def test_a_host_outside_the_allowed_hosts_is_never_sent_to(make_shop: Callable[..., Shop]) -> None:
    shop = make_shop()
    shop.endpoint("https://shop.example.com/hooks", ["payment.succeeded"])
    assert shop.paid_order().status_code == 201
    [entry] = shop.settled(1)
    assert (entry["status"], entry["reason"], entry["attempts"], entry["tries"]) == (
        "failed",
        "host_not_allowed",
        0,
        [],
    )


def test_pending_deliveries_of_a_removed_endpoint_fail(
    make_shop: Callable[..., Shop], make_receiver: Callable[..., Receiver]
) -> None:
    slow = WebhookPolicy(attempts=3, backoff=0.5, timeout=2.0, poll=0.2, grace=0.2)
    shop, receiver = make_shop(slow), make_receiver([500])
    endpoint = shop.endpoint(receiver.url, ["payment.succeeded"])
    shop.paid_order()
    receiver.wait_for(1)
    assert shop.alice.http.delete(f"/webhook-endpoints/{endpoint['id']}").status_code == 204
    [entry] = shop.settled(1)
    assert (entry["status"], entry["reason"], entry["attempts"]) == (
        "failed",
        "endpoint_removed",
        1,
    )
    assert len(receiver.received) == 1


def test_the_delivery_journal_is_served_only_with_test_states(
    make_provider: Callable[..., Provider], make_shop: Callable[..., Shop]
) -> None:
    plain = make_provider()
    assert httpx.get(plain.url + "/_test/webhook-deliveries").status_code == 404
    shop = make_shop()
    response = shop.journal_client.get(
        "/_test/webhook-deliveries", params={"endpointId": "nope", "status": "lost", "limit": "0"}
    )
    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["query.endpointId", "query.status", "query.limit"]


def test_a_pending_delivery_survives_a_restart_and_is_delivered_by_the_next_process(
    make_shop: Callable[..., Shop], make_receiver: Callable[..., Receiver]
) -> None:
    waiting = WebhookPolicy(attempts=3, backoff=0.6, timeout=2.0, poll=0.2, grace=0.2)
    first, receiver = make_shop(waiting), make_receiver([503, 204])
    first.endpoint(receiver.url, ["payment.succeeded"])
    first.paid_order()
    receiver.wait_for(1)
    first.provider.stop()  # the retry is due 0.6 s later: it stays pending in the database
    second = make_shop(database_url=first.provider.database_url)
    [entry] = second.settled(1)
    assert (entry["status"], entry["attempts"]) == ("delivered", 2)
    assert [t["status"] for t in entry["tries"]] == [503, 204]
    one, two = receiver.wait_for(2)
    assert one.body == two.body


def test_shutdown_waits_only_the_grace_for_a_silent_receiver_and_keeps_the_delivery(
    make_shop: Callable[..., Shop],
) -> None:
    patient = WebhookPolicy(attempts=2, backoff=0.05, timeout=30.0, poll=0.2, grace=0.3)
    shop, hole = make_shop(patient), Blackhole()
    try:
        shop.endpoint(hole.url, ["payment.succeeded"])
        shop.paid_order()
        time.sleep(0.3)  # the try is waiting for an answer that never comes
        started = time.monotonic()
        shop.provider.stop()
        stopped = time.monotonic() - started
        assert stopped < 3, f"shutdown took {stopped:.2f} s; the receiver gets 30 s"
    finally:
        hole.close()
    later = make_shop(database_url=shop.provider.database_url)
    [entry] = later.journal()
    assert (entry["status"], entry["attempts"]) == ("pending", 0)  # taken up when its lease ends
    assert entry["nextAttemptAt"] is not None
