"""conform's webhook checks: the receiver, the signature check, and the webhook program
against the real provider: quiet when it delivers right, and each planted delivery fault
named. Faults are planted by replacing one provider function for the test (monkeypatch),
in the process that serves the provider: its real outbox, dispatcher and HTTP client send.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import provider.delivery
import provider.outbox
import provider.payments
from mockserver.conform import scenarios as scenario_module
from mockserver.conform.execute import Execution, LoginBudget, Outcome
from mockserver.conform.model import ApiModel
from mockserver.conform.receiver import Delivery, Receiver
from mockserver.conform.search import conform
from mockserver.conform.sides import HttpSide, MockSide
from mockserver.conform.webhooks import WebhookRun, check_signature, subscription_endpoint
from mockserver.events.webhooks import sign
from provider import CHEAP_PASSWORD_COST, WebhookPolicy, create_app
from tests.conform.conftest import QUIET
from tests.conftest import SPEC, RunningServer

SECRET = "whsec_" + "a" * 32
# The providers here retry after 0.2 s (as conform's mock does): `QUIET` is five backoffs.
BACKOFF = 0.2


# -- the signature ------------------------------------------------------------------------------


def _delivery(body: bytes, signature: str | None, *, received: float | None = None) -> Delivery:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["webhook-signature"] = signature
    return Delivery("/provider/n/steady0", headers, body, received or time.time(), 204)


def test_a_signature_made_with_the_whole_secret_verifies() -> None:
    body = b'{"id":"e"}'
    now = int(time.time())
    assert (
        check_signature(_delivery(body, sign(SECRET, now, body)), "Webhook-Signature", SECRET)
        is None
    )


@pytest.mark.parametrize(
    ("signature", "problem"),
    [
        (None, "no Webhook-Signature header"),
        ("v1=abc", "not t=<unix seconds>,v1=<hex>"),
        ("t=1,v1=", "not t=<unix seconds>,v1=<hex>"),
        ("KEYED_WITHOUT_PREFIX", "does not verify"),
        ("OTHER_BODY", "does not verify"),
        ("STALE", "s before it arrived"),
    ],
)
def test_a_wrong_signature_is_named(signature: str | None, problem: str) -> None:
    body = b'{"id":"e"}'
    now = int(time.time())
    if signature == "KEYED_WITHOUT_PREFIX":
        signature = sign(SECRET.removeprefix("whsec_"), now, body)
    elif signature == "OTHER_BODY":
        signature = sign(SECRET, now, body + b" ")
    elif signature == "STALE":
        signature = sign(SECRET, now - 600, body)
    found = check_signature(_delivery(body, signature), "Webhook-Signature", SECRET)
    assert found is not None
    assert problem in found


# -- the webhook program against the provider ---------------------------------------------------


def _serve(directory: Path, **options: Any) -> RunningServer:
    options.setdefault("webhooks", WebhookPolicy(backoff=BACKOFF))
    app = create_app(
        database_url=f"sqlite:///{directory / 'provider.sqlite3'}",
        password_cost=CHEAP_PASSWORD_COST,
        login_client_attempts=100_000,
        **options,
    )
    return RunningServer(app)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Factory: a fresh provider (options of `create_app`) on loopback; its URL."""
    servers: list[RunningServer] = []

    def start(**options: Any) -> str:
        directory = tmp_path / str(len(servers))
        directory.mkdir()
        servers.append(_serve(directory, **options))
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


def _run_webhook_program(model: ApiModel, url: str, receiver: Receiver) -> Outcome:
    program = scenario_module._webhooks(model)

    async def go() -> Outcome:
        nonce = uuid.uuid4().hex[:10]
        mock = MockSide(model.spec, webhook_host=receiver.host)
        side = HttpSide(url, model.base_path)
        hooks = WebhookRun(model, receiver, nonce)
        try:
            execution = Execution(model, mock, side, nonce=nonce, budget=LoginBudget(), hooks=hooks)
            return await execution.run(program)
        finally:
            await mock.aclose()
            await side.aclose()

    return asyncio.run(go())


def _kinds(outcome: Outcome) -> set[str]:
    return {d.signature for d in outcome.divergences}


def test_the_model_finds_the_subscription_and_every_event_type(model: ApiModel) -> None:
    endpoint = subscription_endpoint(model)
    assert endpoint is not None
    assert endpoint.op_id == "createWebhookEndpoint"
    assert sorted(model.webhooks) == ["payment.failed", "payment.refunded", "payment.succeeded"]


def test_the_correct_provider_delivers_what_the_mock_does(
    model: ApiModel, serve: Callable[..., str], receiver: Receiver
) -> None:
    outcome = _run_webhook_program(model, serve(), receiver)
    assert outcome.divergences == []
    # Both sides delivered every kind of event, to both endpoints, retried after the 503s.
    for side in ("mock", "provider"):
        tries = [t for t in receiver.tries("/") if t.path.startswith(f"/{side}/")]
        kinds = {(t.endpoint, t.event["type"]) for t in tries}
        assert kinds == {
            (endpoint, kind)
            for endpoint in ("steady0", "flaky0")
            for kind in ("payment.succeeded", "payment.failed", "payment.refunded")
        }
        assert sum(t.answered == 503 for t in tries) >= 3


def _keyed_without_prefix(secret: str, timestamp: int, body: bytes) -> str:
    return sign(secret.removeprefix("whsec_"), timestamp, body)


def _no_refund_event(real: Callable[..., None]) -> Callable[..., None]:
    def queue(session: Any, payment: Any, at: Any) -> None:
        if payment.status != "refunded":
            real(session, payment, at)

    return queue


def _emit_changed(change: Callable[[dict[str, Any]], None]) -> Callable[..., Any]:
    real = provider.outbox.emit

    def emit(session: Any, *, data: Any, **kwargs: Any) -> int:
        payment = dict(data["payment"])
        change(payment)
        return real(session, data={"payment": payment}, **kwargs)

    return emit


def _emit_twice(session: Any, **kwargs: Any) -> int:
    real = _REAL_EMIT
    return real(session, **kwargs) + real(session, **kwargs)


def _emit_to_everyone(session: Any, *, user_id: Any, **kwargs: Any) -> int:
    from sqlalchemy import select

    from provider.models import WebhookEndpoint

    owners = set(session.scalars(select(WebhookEndpoint.user_id)).all()) | {user_id}
    return sum(_REAL_EMIT(session, user_id=owner, **kwargs) for owner in owners)


_REAL_EMIT = provider.outbox.emit

# fault -> (module, attribute, replacement, create_app options, the divergence expected)
WEBHOOK_FAULTS: dict[str, tuple[Any, str, Any, dict[str, Any], str]] = {
    "signed with the secret's prefix cut": (
        provider.delivery, "sign", _keyed_without_prefix, {},
        "webhook signature paymentSucceededWebhook Webhook-Signature",
    ),
    "never retried": (
        provider.delivery, "sign", provider.delivery.sign, {"webhooks": WebhookPolicy(attempts=1)},
        "webhook retry paymentSucceededWebhook flaky0",
    ),
    "no event on refund": (
        provider.payments, "_queue_event", _no_refund_event(provider.payments._queue_event), {},
        "webhook missing paymentRefundedWebhook steady0",
    ),
    "currency left out of the event": (
        provider.outbox, "emit", _emit_changed(lambda p: p.pop("currency")), {},
        "webhook schema paymentSucceededWebhook body.data.payment",
    ),
    "stale status in the event": (
        provider.outbox, "emit", _emit_changed(lambda p: p.update(status="pending")), {},
        "value paymentSucceededWebhook body.data.payment.status",
    ),
    "each event queued twice": (
        provider.outbox, "emit", _emit_twice, {},
        "webhook unexpected paymentSucceededWebhook steady0",
    ),
    "events sent to every user's endpoints": (
        provider.outbox, "emit", _emit_to_everyone, {},
        "webhook unexpected paymentSucceededWebhook steady0",
    ),
}  # fmt: skip


@pytest.mark.parametrize("fault", sorted(WEBHOOK_FAULTS))
def test_each_planted_delivery_fault_is_named(
    fault: str,
    model: ApiModel,
    serve: Callable[..., str],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module, name, replacement, options, expected = WEBHOOK_FAULTS[fault]
    monkeypatch.setattr(module, name, replacement)
    outcome = _run_webhook_program(model, serve(**options), receiver)
    assert expected in _kinds(outcome), sorted(_kinds(outcome))


def test_the_mock_served_as_a_provider_delivers_what_the_mock_does(
    model: ApiModel, receiver: Receiver
) -> None:
    from mockserver import DeliveryPolicy, HostPolicy
    from mockserver.server.app import create_app as create_mock

    policy = DeliveryPolicy(backoff=0.2, hosts=HostPolicy(["127.0.0.1"]))
    server = RunningServer(create_mock(model.spec, cors=False, webhooks=policy))
    try:
        outcome = _run_webhook_program(model, server.url, receiver)
    finally:
        server.stop()
    assert outcome.divergences == []
    assert len(receiver.tries("/provider/")) >= 9


# -- end to end ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_conform_shrinks_a_webhook_divergence_and_keeps_the_subscription(
    model: ApiModel, serve: Callable[..., str], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider.delivery, "sign", _keyed_without_prefix)
    result = conform(model, serve(), max_examples=1, seed=1, time_limit=60, receiver=receiver)
    [finding] = [
        f
        for f in result.findings
        if f.divergence.signature == "webhook signature paymentSucceededWebhook Webhook-Signature"
    ]
    program = finding.outcome.program
    assert program[0].describe() == "user 0: subscribe to every webhook event"
    assert program[-1].describe() == "collect the webhook deliveries"
    assert len(program) <= 4  # subscribe, one charge (and the order it needs), collect
    assert finding.repeated


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", "conform", "--spec", str(SPEC), *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_the_cli_checks_webhooks_of_a_local_provider_and_says_so(
    serve: Callable[..., str],
) -> None:
    url = serve(webhooks=WebhookPolicy(attempts=1))
    # What the command wires up is checked here, how a webhook divergence shrinks just above:
    # 20 s runs the webhook program (the fourth, a few seconds in) and cuts the shrinking short.
    options = ["--max-examples", "1", "--time-limit", "20", "--webhook-settle", str(QUIET)]
    done = _cli("--provider-url", url, *options)
    assert done.returncode == 1, done.stderr
    assert "webhook retry of paymentSucceededWebhook at flaky0" in done.stdout
    assert "webhooks: checked (every event of both servers, received at http://127.0.0.1:" in (
        done.stdout
    )


def test_the_cli_leaves_webhooks_of_a_remote_provider_unchecked_and_says_why() -> None:
    from mockserver.cli.conform import _receiver
    from mockserver.cli.main import _build_parser

    parse = _build_parser().parse_args
    base = ["conform", "--provider-url"]
    model = _model()
    receiver, note = _receiver(parse([*base, "https://staging.example.com"]), model)
    assert receiver is None
    assert "cannot reach a receiver on this machine's loopback" in note
    receiver, note = _receiver(parse([*base, "http://127.0.0.1:1", "--no-webhooks"]), model)
    assert (receiver, note) == (None, "not checked (--no-webhooks)")
    receiver, note = _receiver(
        parse([*base, "https://staging.example.com", "--webhook-url", "https://me.example.net"]),
        model,
    )
    assert receiver is not None
    try:
        assert receiver.url == "https://me.example.net"
        assert "received at https://me.example.net" in note
    finally:
        receiver.close()


def _model() -> ApiModel:
    from tests.conform.conftest import bundled_model

    return bundled_model()
