"""Webhook delivery: POST the spec's ``webhooks`` events to the endpoints users registered.

Switched on when the spec declares ``webhooks`` and a resource whose records have a ``url``
and a list of ``events`` (the registered endpoints). Event types are named
``<noun>.<status>`` (``payment.succeeded``): when a record of the ``<noun>`` resource is stored
with that status (created so, or moved to it), every endpoint of the record's owner subscribed
to the type gets the webhook whose example or schema names the type. The body is built from
the webhook's request schema (`mockserver.state.changes.envelope`) and signed like Stripe's:
``Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the
endpoint's secret>``.

Deliveries run as background tasks, never inside the request: a non-2xx answer or a network
error is retried with exponential backoff (``backoff``, 2x, 4x ... seconds) up to
``attempts`` tries. Each delivery ends in one journal entry of kind ``webhook`` (delivered or
failed, with every attempt's status).

At shutdown (`WebhookDispatcher.aclose`, from the app's lifespan) deliveries still under way
get ``grace`` seconds: a retry due within it is still made, and whatever has not completed
by then is stopped and journaled as failed with ``reason: "shutdown"`` and its attempts so
far. With ``--state-url`` that entry is in Redis and outlives the process; with the memory
journal it is also logged, so no delivery disappears silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from mockserver.compile.resources import OWNER, Resource, property_attribute
from mockserver.compile.schemas import object_properties
from mockserver.errors import MockServerError
from mockserver.events.egress import DeliveryPolicy
from mockserver.render.problems import Problem
from mockserver.spec.pointer import follow
from mockserver.state.changes import Change, envelope, status_of

if TYPE_CHECKING:
    import httpx

    from mockserver.state.context import StateContext
    from mockserver.store.journal import Journal

__all__ = [
    "EVENTS_FIELD",
    "SECRET_FIELD",
    "SIGNATURE_HEADER",
    "URL_FIELD",
    "DeliveryPolicy",
    "Webhook",
    "WebhookDispatcher",
    "declared_webhooks",
    "sign",
]

logger = logging.getLogger("mockserver")

SIGNATURE_HEADER = "Webhook-Signature"
USER_AGENT = "mockserver-webhooks"
_SCHEMES = ("http", "https")
# The fields of a registered endpoint (a record of the resource that has a url and events).
URL_FIELD = "url"
EVENTS_FIELD = "events"
SECRET_FIELD = "secret"


@dataclass(frozen=True, slots=True)
class Webhook:
    """One of the spec's ``webhooks``: its name, operationId, request schema and the header
    its signature goes in."""

    name: str
    operation_id: str | None
    schema: Any
    header: str


@dataclass(slots=True)
class _Delivery:
    """One event to one endpoint, and what its tries got so far."""

    webhook: Webhook
    event_type: str
    event: Mapping[str, Any]
    url: str
    endpoint_id: Any
    started: float = field(default_factory=time.perf_counter)
    tries: list[dict[str, Any]] = field(default_factory=list)
    sending: bool = False  # a try is waiting for its answer
    journaled: bool = False

    @property
    def status(self) -> int:
        """The last answer's status (0: none, or a network error)."""
        return int(self.tries[-1]["status"]) if self.tries else 0

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _http_errors() -> type[Exception]:
    import httpx  # imported by `WebhookDispatcher._http` before any delivery

    return httpx.HTTPError


class WebhookDispatcher:
    """Turns stored changes into signed, retried webhook deliveries for one spec."""

    def __init__(
        self,
        state: StateContext,
        journal: Journal,
        *,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.state = state
        self.journal = journal
        self.policy = policy or DeliveryPolicy()
        self.webhooks = declared_webhooks(state.document)
        # The nouns some webhook is about (``payment`` of ``payment.succeeded``): a change of
        # any other resource is passed over without looking at it.
        self._nouns = frozenset(event.split(".", 1)[0] for event in self.webhooks)
        self.endpoints = _endpoint_resource(state)
        self._tasks: dict[asyncio.Task[None], _Delivery] = {}
        self._client: httpx.AsyncClient | None = None
        # Set by `aclose`: retries wake up, and give up if due after the grace deadline.
        self._closing = asyncio.Event()
        self._deadline = float("inf")

    @property
    def active(self) -> bool:
        """Whether the spec declares webhooks and a resource to register endpoints with."""
        return bool(self.webhooks) and self.endpoints is not None

    def install(self) -> bool:
        """Listen to the mock's changes, when `active`; True when it did."""
        if not self.active:
            return False
        self.state.changes.guard(self.check_registration)
        self.state.changes.listen(self.on_change)
        return True

    def check_registration(self, resource: Resource, body: Any) -> Problem | None:
        """Refuse an endpoint whose ``url`` is not an absolute http(s) URL."""
        if self.endpoints is None or resource.name != self.endpoints.name:
            return None
        url = body.get(URL_FIELD) if isinstance(body, Mapping) else None
        if url is None:
            return None  # the request schema decides whether a url is required
        parts = urlsplit(str(url))
        if parts.scheme.lower() in _SCHEMES and parts.hostname:
            return None
        where = f"body.{URL_FIELD}"
        message = f"expected an absolute http or https URL, got {str(url)[:100]!r}"
        return Problem(
            400, "validation_failed", "Request validation failed", f"{where}: {message}",
            errors=[(where, "url_scheme", message)],
        )  # fmt: skip

    async def on_change(self, change: Change) -> None:
        """Queue a delivery per subscribed endpoint when a record reaches an event's status."""
        if (
            self.endpoints is None
            or change.resource.noun not in self._nouns
            or not change.status_changed
        ):
            return
        event_type = f"{change.resource.noun}.{status_of(change.record)}"
        webhook = self.webhooks.get(event_type)
        owner = change.record.get(OWNER)
        if webhook is None:
            return
        body: dict[str, Any] | None = None  # one event, one id, to every endpoint
        for endpoint in await self.state.store.values(self.endpoints.name):
            events = endpoint.get(EVENTS_FIELD) or []
            if endpoint.get(OWNER) != owner or event_type not in events:
                continue
            if body is None:
                body = envelope(
                    webhook.schema, self.state.document, self.state.builder.project,
                    noun=change.resource.noun, record=change.record, event_type=event_type,
                    record_id=change.record.get(change.resource.id_field), now=change.now,
                )  # fmt: skip
            delivery = _Delivery(
                webhook, event_type, body, str(endpoint.get(URL_FIELD)),
                endpoint.get(self.endpoints.id_field),
            )  # fmt: skip
            task = asyncio.create_task(self._deliver(delivery, endpoint))
            self._tasks[task] = delivery
            task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)

    async def drain(self) -> None:
        """Wait for every queued delivery to finish (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel(self) -> None:
        """End every delivery under way now, unjournaled; the dispatcher stays open.

        For a mock that is emptied and used again (conform's, between programs): what the
        last user of its state queued must not reach the next one.
        """
        under_way = list(self._tasks)
        for task in under_way:
            task.cancel()
        await asyncio.gather(*under_way, return_exceptions=True)

    async def aclose(self) -> None:
        """Give deliveries under way `DeliveryPolicy.grace` seconds, then journal the rest.

        Every delivery not completed by the deadline is cancelled and recorded as failed
        with ``reason: "shutdown"``; then the HTTP client is closed.
        """
        self._deadline = time.monotonic() + self.policy.grace
        self._closing.set()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.policy.grace)
        cut = dict(self._tasks)
        for task in cut:
            task.cancel()
        await asyncio.gather(*cut, return_exceptions=True)
        for delivery in cut.values():
            if delivery.sending:
                delivery.tries.append({"status": 0, "error": "no answer before shutdown"})
            if not delivery.journaled:
                await self._journal(delivery, reason="shutdown")
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx  # on the first delivery: it adds a quarter second to every start-up

            self._client = httpx.AsyncClient(
                timeout=self.policy.timeout, headers={"User-Agent": USER_AGENT}
            )
        return self._client

    async def _deliver(self, delivery: _Delivery, endpoint: Mapping[str, Any]) -> None:
        host = urlsplit(delivery.url).hostname or ""
        if not self.policy.hosts.allows(host):
            logger.warning(
                "webhook %s to %s not sent: %s is not an allowed host (--webhook-hosts %s)",
                delivery.event_type, delivery.url, host, self.policy.hosts.describe(),
            )  # fmt: skip
            await self._journal(delivery, reason="host_not_allowed", log=False)
            return
        body = orjson.dumps(delivery.event)
        secret = str(endpoint.get(SECRET_FIELD) or "")
        reason = "exhausted"
        for attempt in range(1, self.policy.attempts + 1):
            headers = {
                "Content-Type": "application/json",
                delivery.webhook.header: sign(secret, int(time.time()), body),
            }
            delivery.sending = True
            client = self._http()
            try:
                response = await client.post(delivery.url, content=body, headers=headers)
            except _http_errors() as exc:
                error = f"{type(exc).__name__}: {exc}"[:200]
                delivery.tries.append({"status": 0, "error": error})
            else:
                delivery.tries.append({"status": response.status_code})
            delivery.sending = False
            if delivery.delivered:
                break
            if attempt == self.policy.attempts:
                break
            if not await self._wait_to_retry(self.policy.delay(attempt)):
                reason = "shutdown"
                break
        await self._journal(delivery, reason=None if delivery.delivered else reason)

    async def _wait_to_retry(self, delay: float) -> bool:
        """Sleep ``delay`` seconds before a retry; False when shutdown leaves no time for it."""
        due = time.monotonic() + delay
        if not self._closing.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=delay)
        if due > self._deadline:
            return False
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        return True

    async def _journal(self, delivery: _Delivery, *, reason: str | None, log: bool = True) -> None:
        """The delivery's one journal entry; logged too when it failed or cannot be written."""
        delivery.journaled = True
        detail: dict[str, Any] = {
            "event": delivery.event_type,
            "eventId": delivery.event.get("id"),
            "endpointId": delivery.endpoint_id,
            "url": delivery.url,
            "delivered": delivery.delivered,
            "attempts": len(delivery.tries),
            "tries": delivery.tries,
        }
        if reason is not None:
            detail["reason"] = reason
        if reason is not None and log:
            logger.warning(
                "webhook %s %s to %s failed (%s) after %d attempts",
                delivery.event_type, delivery.event.get("id"), delivery.url, reason,
                len(delivery.tries),
            )  # fmt: skip
        try:
            await self.journal.record(
                method="POST",
                path=delivery.url,
                query="",
                status=delivery.status,
                started=delivery.started,
                operation_id=delivery.webhook.operation_id,
                kind="webhook",
                detail=detail,
            )
        except MockServerError as exc:  # the shared journal is away (Redis down)
            logger.error(
                "webhook %s %s to %s could not be journaled (delivered=%s): %s",
                delivery.event_type, delivery.event.get("id"), delivery.url,
                delivery.delivered, exc,
            )  # fmt: skip


def declared_webhooks(document: Mapping[str, Any]) -> dict[str, Webhook]:
    """The declared webhooks by the event type each sends."""
    found: dict[str, Webhook] = {}
    fallback: dict[str, Webhook] = {}
    for name, item in (document.get("webhooks") or {}).items():
        operation = item.get("post") if isinstance(item, Mapping) else None
        if not isinstance(operation, Mapping):
            continue
        content = (operation.get("requestBody") or {}).get("content") or {}
        media: Mapping[str, Any] = next(iter(content.values()), {})
        schema = media.get("schema")
        if schema is None:
            continue
        header = _signature_header(document, operation.get("parameters") or [])
        webhook = Webhook(name, operation.get("operationId"), schema, header)
        # Which type this webhook sends: its examples say it; the schema's enum is the fallback.
        for example in (media.get("examples") or {}).values():
            value = _deref(document, example).get("value")
            if isinstance(value, Mapping) and isinstance(value.get("type"), str):
                found.setdefault(value["type"], webhook)
        if isinstance(media.get("example"), Mapping) and "type" in media["example"]:
            found.setdefault(str(media["example"]["type"]), webhook)
        type_schema = object_properties(schema, document).get("type")
        for value in property_attribute(type_schema, document, "enum") or []:
            fallback.setdefault(str(value), webhook)
    return {**fallback, **found}


def _signature_header(document: Mapping[str, Any], parameters: list[Any]) -> str:
    """The header parameter the webhook is signed in (Webhook-Signature unless declared)."""
    for parameter in parameters:
        parameter = _deref(document, parameter)
        name = str(parameter.get("name", "")) if isinstance(parameter, Mapping) else ""
        if parameter.get("in") == "header" and "signature" in name.lower():
            return name
    return SIGNATURE_HEADER


def _endpoint_resource(state: StateContext) -> Resource | None:
    return next(
        (r for r in state.model.resources.values()
         if URL_FIELD in r.properties and EVENTS_FIELD in r.properties),
        None,
    )  # fmt: skip


def _deref(document: Mapping[str, Any], node: Any) -> Any:
    return follow(document, node)[1]
