"""Webhook delivery with the mock in-process and a real receiver on loopback.

The mock runs on the test's event loop (`tests.inprocess`), so its deliveries, background
tasks on that loop, are awaited with `WebhookDispatcher.drain` instead of polled for; the
receiver is `tests.events.test_webhooks.Receiver` on an in-thread uvicorn server. Signatures
and bodies are checked as that module does: against the spec, never with the mock's code.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mockserver import DeliveryPolicy, HostPolicy, RedisStore, create_app
from mockserver.events.webhooks import WebhookDispatcher
from tests.conftest import RunningServer
from tests.events.test_webhooks import DOCUMENT, ORDER, Receiver, check, verify_signature
from tests.inprocess import InProcess, User
from tests.ports import free_port

MakeMock = Callable[..., InProcess]
FAST = DeliveryPolicy(attempts=3, backoff=0.01, timeout=5, grace=1.0)


class Shop:
    """A mock delivering with a policy, one user of it, and a receiver."""

    def __init__(self, mock: InProcess, receiver: Receiver) -> None:
        self.mock = mock
        self.receiver = receiver
        self.user: User = mock.user()
        self.dispatcher = dispatcher_of(mock)

    def endpoint(self, path: str, *events: str, url: str | None = None) -> dict[str, Any]:
        created = self.user.post(
            "/webhook-endpoints", json={"url": url or self.receiver.url + path, "events": events}
        )
        assert created.status_code == 201, created.text
        endpoint: dict[str, Any] = created.json()
        return endpoint

    def pay(self, method: str = "pm_card_visa", user: User | None = None) -> httpx.Response:
        user = user or self.user
        order = user.post("/orders", json=ORDER).json()
        return user.post(
            f"/orders/{order['id']}/payments",
            json={"paymentMethod": method},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )

    def drain(self) -> None:
        self.mock.run(self.dispatcher.drain())

    def journal(self, operation_id: str) -> list[dict[str, Any]]:
        answer = self.mock.admin("GET", "/journal", params={"operationId": operation_id})
        entries: list[dict[str, Any]] = answer.json()["entries"]
        return entries


def dispatcher_of(mock: InProcess) -> WebhookDispatcher:
    """The webhook dispatcher of the app ``mock`` drives."""
    assert isinstance(mock.app, Starlette)
    dispatcher: WebhookDispatcher = mock.app.state.webhooks
    return dispatcher


@pytest.fixture
def make_shop(
    make_mock: MakeMock, make_server: Callable[..., RunningServer]
) -> Callable[..., Shop]:
    """``make_shop(receiver, policy)``: the receiver served, a mock delivering to it."""

    def build(receiver: Receiver | None = None, policy: DeliveryPolicy = FAST) -> Shop:
        receiver = receiver or Receiver()
        receiver.url = make_server(receiver.app()).url
        return Shop(make_mock(webhooks=policy), receiver)

    return build


def test_webhook_payment_events_are_signed_shaped_by_the_spec_and_journaled(
    make_shop: Callable[..., Shop],
) -> None:
    shop = make_shop()
    endpoint = shop.endpoint("/hooks/shop", "payment.succeeded", "payment.refunded")
    paid = shop.pay()
    assert paid.status_code == 201
    shop.drain()
    [first] = shop.receiver.to("/hooks/shop")
    event = check(first, endpoint["secret"], "payment.succeeded")
    assert event["data"]["payment"] == paid.json()
    assert first.headers["user-agent"] == "mockserver-webhooks"

    refunded = shop.user.post(f"/payments/{paid.json()['id']}/refund", json={})
    shop.drain()
    second = shop.receiver.to("/hooks/shop")[1]
    assert check(second, endpoint["secret"], "payment.refunded")["data"]["payment"] == (
        refunded.json()
    )

    [entry] = shop.journal("paymentSucceededWebhook")
    assert (entry["kind"], entry["method"], entry["path"], entry["status"]) == (
        "webhook", "POST", shop.receiver.url + "/hooks/shop", 204
    )  # fmt: skip
    hook = entry["webhook"]
    assert (hook["delivered"], hook["attempts"], hook["tries"]) == (True, 1, [{"status": 204}])
    assert (hook["endpointId"], hook["eventId"], "reason" in hook) == (
        endpoint["id"], event["id"], False
    )  # fmt: skip


def test_webhook_failures_reach_only_the_payers_subscribed_endpoints(
    make_shop: Callable[..., Shop],
) -> None:
    shop = make_shop()
    failures = shop.endpoint("/hooks/failures", "payment.failed")
    shop.endpoint("/hooks/successes", "payment.succeeded")
    stranger = shop.mock.user()
    created = stranger.post(
        "/webhook-endpoints",
        json={"url": shop.receiver.url + "/hooks/stranger", "events": ["payment.failed"]},
    )
    assert created.status_code == 201
    assert shop.pay("pm_card_declined").status_code == 402
    shop.drain()
    [delivery] = shop.receiver.to("/hooks/failures")
    event = check(delivery, failures["secret"], "payment.failed")
    assert event["data"]["payment"]["failureCode"] == "card_declined"
    assert shop.receiver.to("/hooks/successes") == []
    assert shop.receiver.to("/hooks/stranger") == []


def test_webhook_is_retried_with_the_same_event_until_the_receiver_accepts(
    make_shop: Callable[..., Shop],
) -> None:
    shop = make_shop(Receiver(fail_first=2), DeliveryPolicy(attempts=4, backoff=0.01))
    endpoint = shop.endpoint("/hooks/flaky", "payment.succeeded")
    shop.pay()
    shop.drain()
    deliveries = shop.receiver.to("/hooks/flaky")
    assert len(deliveries) == 3
    for delivery in deliveries:
        verify_signature(endpoint["secret"], delivery.headers["webhook-signature"], delivery.body)
    assert len({d.body for d in deliveries}) == 1
    [entry] = shop.journal("paymentSucceededWebhook")
    assert [t["status"] for t in entry["webhook"]["tries"]] == [500, 500, 204]
    assert (entry["status"], entry["webhook"]["delivered"]) == (204, True)


def test_webhook_gives_up_after_the_last_attempt(
    make_shop: Callable[..., Shop], caplog: pytest.LogCaptureFixture
) -> None:
    shop = make_shop(Receiver(fail_first=99))
    shop.endpoint("/hooks/down", "payment.succeeded")
    shop.pay()
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        shop.drain()
    [entry] = shop.journal("paymentSucceededWebhook")
    hook = entry["webhook"]
    assert (entry["status"], hook["delivered"], hook["attempts"], hook["reason"]) == (
        500, False, FAST.attempts, "exhausted"
    )  # fmt: skip
    assert "failed (exhausted) after 3 attempts" in caplog.text


def test_webhook_to_a_closed_port_is_journaled_with_the_network_error(
    make_shop: Callable[..., Shop],
) -> None:
    shop = make_shop()
    shop.endpoint("", "payment.failed", url=f"http://127.0.0.1:{free_port()}/hooks")
    assert shop.pay("pm_card_insufficient_funds").status_code == 402
    shop.drain()
    [entry] = shop.journal("paymentFailedWebhook")
    assert entry["status"] == 0
    assert all(t["status"] == 0 and "ConnectError" in t["error"] for t in entry["webhook"]["tries"])


@pytest.mark.parametrize(
    ("url", "hosts"),
    [
        ("{receiver}/hooks/listed-elsewhere", ("10.0.0.0/8", "*.ngrok.app")),
        ("https://hooks.example.com/payments", ("private",)),
    ],
    ids=["patterns replace the default", "public name"],
)
def test_webhook_to_a_host_outside_the_policy_is_never_sent(
    make_shop: Callable[..., Shop], url: str, hosts: tuple[str, ...]
) -> None:
    shop = make_shop(policy=DeliveryPolicy(attempts=2, backoff=0.01, hosts=HostPolicy(hosts)))
    target = url.format(receiver=shop.receiver.url)
    shop.endpoint("", "payment.succeeded", url=target)
    shop.pay()
    shop.drain()
    [entry] = shop.journal("paymentSucceededWebhook")
    assert (entry["path"], entry["status"]) == (target, 0)
    assert (entry["webhook"]["attempts"], entry["webhook"]["reason"]) == (0, "host_not_allowed")
    assert shop.receiver.deliveries == []


@pytest.mark.parametrize("url", ["ftp://example.com/hooks", "file:///etc/passwd", "hooks/relative"])
def test_webhook_endpoints_must_be_absolute_http_urls_even_when_the_spec_allows_more(
    make_mock: MakeMock, url: str
) -> None:
    document = copy.deepcopy(DOCUMENT)
    url_schema = document["components"]["schemas"]["WebhookEndpointCreate"]["properties"]["url"]
    del url_schema["pattern"], url_schema["format"]
    mock = make_mock(create_app(document, seed=3), prefix="/api/v1")
    ada = mock.user()
    refused = ada.post("/webhook-endpoints", json={"url": url, "events": ["payment.failed"]})
    assert (refused.status_code, refused.json()["code"]) == (400, "validation_failed")
    assert refused.json()["errors"][0]["field"] == "body.url"
    assert refused.json()["errors"][0]["code"] == "url_scheme"
    assert ada.get("/webhook-endpoints").json()["data"] == []


# -- shutdown ---------------------------------------------------------------------------------


def test_shutdown_journals_a_delivery_still_waiting_for_its_answer(
    make_shop: Callable[..., Shop],
) -> None:
    shop = make_shop(policy=DeliveryPolicy(attempts=2, backoff=0.01, grace=0.05))
    shop.endpoint("/hooks/held", "payment.succeeded")
    shop.receiver.gate.clear()  # the receiver holds every answer
    try:
        shop.pay()
        shop.mock.run(shop.dispatcher.aclose())
    finally:
        shop.receiver.gate.set()
    [entry] = shop.journal("paymentSucceededWebhook")
    hook = entry["webhook"]
    assert (hook["delivered"], hook["reason"]) == (False, "shutdown")
    assert hook["tries"] == [{"status": 0, "error": "no answer before shutdown"}]


@pytest.mark.parametrize(
    ("backoff", "tries", "delivered"),
    [(0.01, [500, 204], True), (30.0, [500], False)],
    ids=["a retry due within the grace is made", "a retry due after it is not"],
)
def test_shutdown_gives_retries_the_grace_and_no_more(
    make_shop: Callable[..., Shop], backoff: float, tries: list[int], delivered: bool
) -> None:
    policy = DeliveryPolicy(attempts=3, backoff=backoff, grace=1.0)
    shop = make_shop(Receiver(fail_first=1), policy)
    shop.endpoint("/hooks/flaky", "payment.succeeded")
    shop.pay()
    while not shop.receiver.to("/hooks/flaky"):  # until the first try has been answered 500
        shop.mock.run(asyncio.sleep(0.01))
    shop.mock.run(shop.dispatcher.aclose())
    [entry] = shop.journal("paymentSucceededWebhook")
    assert [t["status"] for t in entry["webhook"]["tries"]] == tries
    assert entry["webhook"]["delivered"] is delivered
    if not delivered:
        assert entry["webhook"]["reason"] == "shutdown"


def test_a_delivery_the_journal_cannot_take_is_logged(
    make_shop: Callable[..., Shop], caplog: pytest.LogCaptureFixture
) -> None:
    shop = make_shop()
    unreachable = RedisStore(f"redis://127.0.0.1:{free_port()}/0", prefix="gone:").journal()
    state = shop.dispatcher.state
    lost = WebhookDispatcher(state, unreachable, policy=FAST)
    assert lost.install()
    shop.endpoint("/hooks/shop", "payment.succeeded")
    shop.pay()
    with caplog.at_level(logging.ERROR, logger="mockserver"):
        shop.mock.run(lost.drain())
    assert "could not be journaled (delivered=True)" in caplog.text
    shop.mock.run(lost.aclose())


# -- which webhooks a spec declares -------------------------------------------------------------


def _json(schema: Any, **extra: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema, **extra}}


ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "ownerId": {"type": "string", "readOnly": True},
        "status": {"type": "string", "enum": ["placed", "shipped"], "default": "placed"},
    },
}
HOOK_SCHEMA = {
    "type": "object",
    "required": ["secret"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "url": {"type": "string"},
        "events": {"type": "array"},
        "secret": {"type": "string", "readOnly": True},
    },
}
EVENT = {
    "type": "object",
    "required": ["type", "order"],
    "properties": {
        "type": {"type": "string", "enum": ["order.placed", "order.shipped"]},
        "order": ORDER_SCHEMA,
        "orderId": {"type": "integer"},
    },
}
SIGNED = [{"name": "X-Shop-Signature", "in": "header", "schema": {"type": "string"}}]


def _crud(name: str, schema: Any) -> dict[str, Any]:
    item = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    created = {"201": {"description": "created", "content": _json(schema)}}
    return {
        f"/{name}": {"post": {"requestBody": {"content": _json(schema)}, "responses": created}},
        f"/{name}/{{id}}": {
            "parameters": [item],
            "get": {"responses": {"200": {"description": "one", "content": _json(schema)}}},
            "patch": {
                "requestBody": {"content": _json({"type": "object"})},
                "responses": {"200": {"description": "changed", "content": _json(schema)}},
            },
        },
    }


SHIPPING: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Shipping", "version": "1"},
    "paths": {**_crud("orders", ORDER_SCHEMA), **_crud("hooks", HOOK_SCHEMA)},
    "webhooks": {
        "orderEvent": {
            "post": {
                "operationId": "orderEvent",
                "parameters": SIGNED,
                "requestBody": {"content": _json(EVENT)},
                "responses": {"204": {"description": "ok"}},
            }
        },
        "orderShipped": {
            "post": {
                "operationId": "orderShipped",
                "requestBody": {"content": _json(EVENT, example={"type": "order.shipped"})},
                "responses": {"204": {"description": "ok"}},
            }
        },
        "noBody": {"post": {"responses": {"204": {"description": "ok"}}}},
        "noPost": {"get": {"responses": {"204": {"description": "ok"}}}},
    },
}


def test_webhooks_of_another_spec_are_found_by_example_or_enum_and_signed_as_declared(
    make_mock: MakeMock, make_server: Callable[..., RunningServer]
) -> None:
    receiver = Receiver()
    receiver.url = make_server(receiver.app()).url
    mock = make_mock(create_app(SHIPPING, seed=1, webhooks=FAST))
    dispatcher = dispatcher_of(mock)
    assert dispatcher.active
    assert {name: hook.operation_id for name, hook in dispatcher.webhooks.items()} == {
        "order.placed": "orderEvent",  # the schema's enum: the fallback
        "order.shipped": "orderShipped",  # its example names the type: that wins
    }
    url = receiver.url + "/hooks/orders"
    hook = mock.request(
        "POST", "/hooks", json={"url": url, "events": ["order.placed", "order.shipped"]}
    )
    secret = hook.json()["secret"]
    order = mock.request("POST", "/orders", json={}).json()
    mock.request("PATCH", f"/orders/{order['id']}", json={"status": "shipped"})
    mock.request("PATCH", f"/orders/{order['id']}", json={"status": "shipped"})  # no change
    mock.run(dispatcher.drain())
    placed, shipped = receiver.to("/hooks/orders")
    verify_signature(secret, placed.headers["x-shop-signature"], placed.body)
    assert (placed.event["type"], placed.event["orderId"]) == ("order.placed", order["id"])
    verify_signature(secret, shipped.headers["webhook-signature"], shipped.body)
    assert shipped.event["order"]["status"] == "shipped"
