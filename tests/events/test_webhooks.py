"""Webhook delivery to a real receiver on loopback.

The receiver is a separate uvicorn server. Signatures are recomputed here from the scheme the
spec documents (``Webhook-Signature``: HMAC-SHA256 over ``"<t>.<body>"`` keyed by the
endpoint's secret) and bodies are validated with jsonschema against the spec's ``webhooks``
request schemas, never with the mock's own code.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver import create_app
from mockserver.cli.main import main
from mockserver.errors import ConfigError
from mockserver.events.egress import HostPolicy
from mockserver.events.webhooks import DeliveryPolicy
from tests.conftest import SPEC, RunningServer
from tests.documents import load_yaml

slow = pytest.mark.slow  # real servers; the few tests without one are left unmarked

DOCUMENT = load_yaml(SPEC.read_text())
BASE = "file:///spec/openapi.yaml"
REGISTRY: Registry[Any] = Registry().with_resource(BASE, DRAFT202012.create_resource(DOCUMENT))
# Generous: a deadline for a slow shared machine, not a latency assertion.
DEADLINE = 20.0
FAST = DeliveryPolicy(attempts=3, backoff=0.05, timeout=10)
ORDER = {
    "currency": "EUR",
    "items": [{"productId": "sku-1", "name": "Keyboard", "quantity": 2, "unitPrice": 4500}],
}
WEBHOOK_FOR = {
    "payment.succeeded": "paymentSucceeded",
    "payment.failed": "paymentFailed",
    "payment.refunded": "paymentRefunded",
}


def assert_valid(instance: Any, pointer: str) -> None:
    validator = Draft202012Validator(
        {"$ref": f"{BASE}#{pointer}"}, registry=REGISTRY, format_checker=FormatChecker()
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors


def verify_signature(secret: str, header: str, body: bytes) -> None:
    """Check ``header`` the way the spec tells receivers to."""
    assert_valid(header, "/components/parameters/WebhookSignature/schema")
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(
        secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    assert abs(time.time() - int(parts["t"])) < 300  # "reject events more than 5 minutes old"


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = orjson.loads(self.body)
        return event


class Receiver:
    """A webhook receiver: records every POST; fails the first ``fail_first`` of each path."""

    def __init__(self, *, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.deliveries: list[Delivery] = []
        self.gate = threading.Event()  # answers wait while it is clear
        self.gate.set()
        self._lock = threading.Lock()
        self.url = ""

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            delivery = Delivery(request.url.path, dict(request.headers), await request.body())
            with self._lock:
                self.deliveries.append(delivery)
                seen = sum(d.path == delivery.path for d in self.deliveries)
            while not self.gate.is_set():
                await asyncio.sleep(0.01)
            return Response(status_code=500 if seen <= self.fail_first else 204)

        return Starlette(routes=[Route("/hooks/{name}", hook, methods=["POST"])])

    def wait_for(self, count: int, path: str) -> list[Delivery]:
        deadline = time.monotonic() + DEADLINE
        while True:
            with self._lock:
                found = [d for d in self.deliveries if d.path == path]
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"{path}: {len(found)} of {count} deliveries arrived"
                return found
            time.sleep(0.02)

    def to(self, path: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.path == path]


class Mock:
    """A user of the mock over HTTP."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.http = httpx.Client(base_url=root + "/api/v1")
        credentials = {"email": f"u-{uuid.uuid4().hex[:10]}@example.com", "password": "pw-long-1"}
        body = {**credentials, "name": "Hook User", "acceptTerms": True}
        assert self.http.post("/auth/register", json=body).status_code == 201
        token = self.http.post("/auth/login", json=credentials).json()["tokens"]["accessToken"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def endpoint(self, url: str, events: list[str]) -> dict[str, Any]:
        created = self.http.post("/webhook-endpoints", json={"url": url, "events": events})
        assert created.status_code == 201, created.text
        endpoint: dict[str, Any] = created.json()
        return endpoint

    def pay(self, method: str = "pm_card_visa") -> httpx.Response:
        order = self.http.post("/orders", json=ORDER).json()
        return self.http.post(
            f"/orders/{order['id']}/payments",
            json={"paymentMethod": method},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )

    def journal(self, operation_id: str, count: int) -> list[dict[str, Any]]:
        """The journal's webhook entries for ``operation_id``, once ``count`` are there."""
        deadline = time.monotonic() + DEADLINE
        while True:
            answer = httpx.get(f"{self.root}/__mock/journal", params={"operationId": operation_id})
            entries: list[dict[str, Any]] = answer.json()["entries"]
            if len(entries) >= count or time.monotonic() > deadline:
                assert len(entries) >= count, entries
                return entries
            time.sleep(0.02)


@pytest.fixture
def start(
    make_server: Callable[..., RunningServer],
) -> Iterator[Callable[..., tuple[Mock, Receiver]]]:
    """``start(receiver, policy)``: the receiver and a mock delivering with ``policy``."""
    clients: list[Mock] = []

    def build(receiver: Receiver, policy: DeliveryPolicy = FAST) -> tuple[Mock, Receiver]:
        receiver.url = make_server(receiver.app()).url
        mock = Mock(make_server(create_app(SPEC, seed=3, webhooks=policy)).url)
        clients.append(mock)
        return mock, receiver

    yield build
    for client in clients:
        client.http.close()


def check(delivery: Delivery, secret: str, event_type: str) -> dict[str, Any]:
    """A delivery's signature, headers and body, as the spec describes them."""
    verify_signature(secret, delivery.headers["webhook-signature"], delivery.body)
    assert delivery.headers["content-type"] == "application/json"
    event = delivery.event
    webhook = WEBHOOK_FOR[event_type]
    assert_valid(event, f"/webhooks/{webhook}/post/requestBody/content/application~1json/schema")
    assert event["type"] == event_type
    return event


@slow
def test_webhook_payment_succeeded_then_refunded_is_signed_and_matches_the_spec(
    start: Callable[..., tuple[Mock, Receiver]],
) -> None:
    mock, receiver = start(Receiver())
    endpoint = mock.endpoint(
        f"{receiver.url}/hooks/shop", ["payment.succeeded", "payment.refunded"]
    )
    paid = mock.pay()
    assert paid.status_code == 201
    [first] = receiver.wait_for(1, "/hooks/shop")
    event = check(first, endpoint["secret"], "payment.succeeded")
    assert event["data"]["payment"] == paid.json()

    refunded = mock.http.post(f"/payments/{paid.json()['id']}/refund", json={})
    assert refunded.status_code == 200
    second = receiver.wait_for(2, "/hooks/shop")[1]
    event = check(second, endpoint["secret"], "payment.refunded")
    assert event["data"]["payment"] == refunded.json()
    assert event["id"] != first.event["id"]

    [entry] = mock.journal("paymentSucceededWebhook", 1)
    assert entry["kind"] == "webhook"
    assert (entry["method"], entry["path"], entry["status"]) == (
        "POST", f"{receiver.url}/hooks/shop", 204
    )  # fmt: skip
    hook = entry["webhook"]
    assert (hook["delivered"], hook["attempts"], hook["event"]) == (True, 1, "payment.succeeded")
    assert (hook["endpointId"], hook["eventId"]) == (endpoint["id"], first.event["id"])


@slow
def test_webhook_payment_failed_reaches_only_the_payers_subscribed_endpoints(
    start: Callable[..., tuple[Mock, Receiver]],
) -> None:
    mock, receiver = start(Receiver())
    failures = mock.endpoint(f"{receiver.url}/hooks/failures", ["payment.failed"])
    mock.endpoint(f"{receiver.url}/hooks/successes", ["payment.succeeded"])
    stranger = Mock(mock.root)  # another user of the same mock
    stranger.endpoint(f"{receiver.url}/hooks/stranger", ["payment.failed", "payment.succeeded"])

    declined = mock.pay("pm_card_declined")
    assert declined.status_code == 402
    [delivery] = receiver.wait_for(1, "/hooks/failures")
    event = check(delivery, failures["secret"], "payment.failed")
    assert event["data"]["payment"]["status"] == "failed"
    assert event["data"]["payment"]["failureCode"] == "card_declined"

    # A later success is delivered after the failure's fan-out was queued: by the time it
    # arrives, a wrong delivery of the failure would have been made as well.
    assert mock.pay().status_code == 201
    receiver.wait_for(1, "/hooks/successes")
    mock.journal("paymentSucceededWebhook", 1)
    assert len(receiver.to("/hooks/failures")) == 1
    assert receiver.to("/hooks/stranger") == []
    stranger.http.close()


@slow
def test_webhook_is_retried_with_backoff_until_the_receiver_accepts(
    start: Callable[..., tuple[Mock, Receiver]],
) -> None:
    mock, receiver = start(Receiver(fail_first=2), DeliveryPolicy(attempts=4, backoff=0.05))
    endpoint = mock.endpoint(f"{receiver.url}/hooks/flaky", ["payment.succeeded"])
    assert mock.pay().status_code == 201
    deliveries = receiver.wait_for(3, "/hooks/flaky")
    for delivery in deliveries:
        check(delivery, endpoint["secret"], "payment.succeeded")
    assert len({d.body for d in deliveries}) == 1  # the same event, re-signed each time

    [entry] = mock.journal("paymentSucceededWebhook", 1)
    assert entry["status"] == 204
    hook = entry["webhook"]
    assert (hook["delivered"], hook["attempts"]) == (True, 3)
    assert [t["status"] for t in hook["tries"]] == [500, 500, 204]
    assert len(receiver.to("/hooks/flaky")) == 3


@slow
def test_webhook_gives_up_after_the_last_attempt_and_journals_the_failure(
    start: Callable[..., tuple[Mock, Receiver]],
) -> None:
    mock, receiver = start(Receiver(fail_first=99))
    mock.endpoint(f"{receiver.url}/hooks/down", ["payment.succeeded"])
    assert mock.pay().status_code == 201
    [entry] = mock.journal("paymentSucceededWebhook", 1)
    assert entry["status"] == 500
    hook = entry["webhook"]
    assert (hook["delivered"], hook["attempts"]) == (False, FAST.attempts)
    assert len(receiver.to("/hooks/down")) == FAST.attempts


@slow
def test_webhook_to_an_unreachable_endpoint_is_journaled_as_failed(
    start: Callable[..., tuple[Mock, Receiver]],
) -> None:
    mock, _ = start(Receiver())
    with socket.socket() as sock:  # a port nothing listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mock.endpoint(f"http://127.0.0.1:{port}/hooks/nowhere", ["payment.failed"])
    assert mock.pay("pm_card_insufficient_funds").status_code == 402
    [entry] = mock.journal("paymentFailedWebhook", 1)
    assert entry["status"] == 0
    hook = entry["webhook"]
    assert (hook["delivered"], hook["attempts"]) == (False, FAST.attempts)
    assert all(t["status"] == 0 and t["error"] for t in hook["tries"])


@slow
@pytest.mark.parametrize(
    ("url", "hosts"),
    [
        ("{receiver}/hooks/listed-elsewhere", ("10.0.0.0/8", "*.ngrok.app")),  # loopback not listed
        ("https://hooks.example.com/payments", ("private",)),  # the default: no public names
        ("http://93.184.215.14/hooks", ("private",)),  # nor public addresses
    ],
    ids=["patterns replace the default", "public name", "public address"],
)
def test_webhook_to_a_host_outside_webhook_hosts_is_never_sent(
    start: Callable[..., tuple[Mock, Receiver]], url: str, hosts: tuple[str, ...]
) -> None:
    policy = DeliveryPolicy(attempts=3, backoff=0.05, timeout=2, hosts=HostPolicy(hosts))
    mock, receiver = start(Receiver(), policy)
    target = url.format(receiver=receiver.url)
    mock.endpoint(target, ["payment.succeeded"])  # registering it is fine: the spec allows it
    assert mock.pay().status_code == 201
    [entry] = mock.journal("paymentSucceededWebhook", 1)
    hook = entry["webhook"]
    assert (hook["delivered"], hook["attempts"], hook["reason"]) == (False, 0, "host_not_allowed")
    assert (entry["path"], entry["status"]) == (target, 0)
    assert receiver.deliveries == []


@slow
def test_webhook_delivery_never_holds_the_api_answer(
    start: Callable[..., tuple[Mock, Receiver]],
) -> None:
    mock, receiver = start(Receiver())
    receiver.gate.clear()  # the receiver holds every delivery until the test lets it go
    try:
        mock.endpoint(f"{receiver.url}/hooks/slow", ["payment.succeeded"])
        assert mock.pay().status_code == 201  # answered while the delivery is still held
        receiver.wait_for(1, "/hooks/slow")
        assert mock.journal("paymentSucceededWebhook", 0) == []
    finally:
        receiver.gate.set()
    [entry] = mock.journal("paymentSucceededWebhook", 1)
    assert entry["webhook"]["delivered"] is True


@slow
@pytest.mark.parametrize("url", ["ftp://example.com/hooks", "file:///etc/passwd", "hooks/relative"])
@pytest.mark.parametrize("pattern", [True, False], ids=["spec pattern", "mock check"])
def test_webhook_endpoint_registration_accepts_only_http_urls(
    make_server: Callable[..., RunningServer], url: str, pattern: bool
) -> None:
    document = copy.deepcopy(DOCUMENT)
    if not pattern:  # a spec that does not restrict the scheme itself: the mock still does
        url_schema = document["components"]["schemas"]["WebhookEndpointCreate"]["properties"]
        del url_schema["url"]["pattern"]
        del url_schema["url"]["format"]
    mock = Mock(make_server(create_app(document, seed=3)).url)
    answer = mock.http.post("/webhook-endpoints", json={"url": url, "events": ["payment.failed"]})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "body.url" in answer.text
    assert mock.http.get("/webhook-endpoints").json()["data"] == []
    mock.http.close()


def test_webhooks_switch_off_for_a_spec_that_declares_none() -> None:
    document = copy.deepcopy(DOCUMENT)
    del document["webhooks"]
    assert create_app(document).state.webhooks.active is False
    assert create_app(SPEC).state.webhooks.active is True


@pytest.mark.parametrize(
    "options", [{"attempts": 0}, {"backoff": -1.0}, {"timeout": 0.0}, {"grace": -1.0}], ids=str
)
def test_delivery_policy_refuses_nonsense(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="expected"):
        DeliveryPolicy(**options)


def test_cli_refuses_a_webhook_host_pattern_it_cannot_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", str(SPEC), "--webhook-hosts", "private,hooks/*"]) == 2
    assert "webhook host pattern 'hooks/*' is neither" in capsys.readouterr().err


@pytest.mark.parametrize(
    "option", ["--webhook-attempts=0", "--webhook-backoff=-1", "--webhook-grace=0"]
)
def test_cli_refuses_nonsense_webhook_options(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", option])
    assert exit_info.value.code == 2
    assert f"argument {option.split('=')[0]}: expected a positive" in capsys.readouterr().err
