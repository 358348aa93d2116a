"""Webhooks in a conform run: what each server delivered, checked against the mock's.

The webhook program subscribes user 0 to every event type of the spec's ``webhooks``, on
both servers, with URLs of `mockserver.conform.receiver.Receiver`: a ``steady`` endpoint that
answers 204, and a ``flaky`` one that answers 503 to the first try of each event, so a retry
must follow. Then it runs the actions that emit events, and collects. The mock's deliveries
are the oracle. Each event the mock sent must come from the provider once per endpoint (a
second successful try of one event is a duplicate), with the same type and, ids mapped, the
same body; an event the mock did not send must not come; the flaky endpoint must get the event
again after its 503. Every try must also be JSON, be valid against its webhook's request
schema, and carry a signature that verifies with the secret the provider answered at
registration (the spec's ``WebhookSignature``: ``t=<unix seconds>,
v1=<hex HMAC-SHA256 keyed by the secret over "<t>." + raw body>``, ``t`` within 5 minutes).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.conform.compare import Divergence, IdMap, compare_answers, value_format
from mockserver.conform.model import ApiModel, Endpoint, resolve
from mockserver.conform.receiver import FLAKY, STEADY, Delivery, Receiver
from mockserver.conform.sides import Answer
from mockserver.errors import SpecError
from mockserver.events.webhooks import EVENTS_FIELD, SECRET_FIELD, URL_FIELD, Webhook, sign

__all__ = [
    "EVENTS_FIELD",
    "URL_FIELD",
    "WebhookRun",
    "check_signature",
    "subscription_endpoint",
]

DEADLINE = 12.0  # the longest a collect waits for the provider
TOLERANCE = 300  # seconds a signature's ``t`` may be off (the spec: 5 minutes)
_SIDES = ("mock", "provider")


def subscription_endpoint(model: ApiModel) -> Endpoint | None:
    """The operation that registers a webhook endpoint: a create whose body has a ``url`` and
    a list of ``events`` (what the mock's webhook dispatcher recognises too)."""
    if not model.webhooks:
        return None
    for endpoint in model.endpoints.values():
        properties = (endpoint.body_schema or {}).get("properties") or {}
        if endpoint.method == "POST" and URL_FIELD in properties and EVENTS_FIELD in properties:
            return endpoint
    return None


@dataclass
class WebhookRun:
    """The webhook side of one program: its subscriptions, their secrets, the checks."""

    model: ApiModel
    receiver: Receiver
    nonce: str
    secrets: dict[tuple[str, str], str] = field(default_factory=dict)  # (side, endpoint)

    def subscriptions(self) -> Iterator[tuple[str, list[str]]]:
        """``(endpoint name, event types)`` to register: every type, on a steady and a flaky
        endpoint, split to the ``maxItems`` the spec allows in ``events``."""
        endpoint = subscription_endpoint(self.model)
        assert endpoint is not None
        assert endpoint.body_schema is not None
        events = resolve(self.model.document, endpoint.body_schema["properties"][EVENTS_FIELD])
        per = int(events.get("maxItems") or len(self.model.webhooks)) or 1
        types = sorted(self.model.webhooks)
        for kind in (STEADY, FLAKY):
            for number, start in enumerate(range(0, len(types), per)):
                yield f"{kind}{number}", types[start : start + per]

    def url(self, side: int, name: str) -> str:
        return f"{self.receiver.url}/{_SIDES[side]}/{self.nonce}/{name}"

    def remember(self, side: int, name: str, answer: Answer) -> None:
        """Keep the secret a server answered for the endpoint ``name``."""
        if 200 <= answer.status < 300 and isinstance(answer.body, dict):
            secret = answer.body.get(SECRET_FIELD)
            if isinstance(secret, str):
                self.secrets[(_SIDES[side], name)] = secret

    async def collect(self, ids: IdMap) -> list[Divergence]:
        """Wait until neither server sends more, then check what each delivered."""
        mock, provider = await self._settled()
        found: list[Divergence] = []
        for delivery in provider:
            found += self._check_try(delivery)
        mock_events, provider_events = _events(mock), _events(provider)
        for tries in provider_events.values():
            found += self._check_retries(tries)
        found += self._pair(mock_events, provider_events, ids)
        return found

    async def _settled(self) -> tuple[list[Delivery], list[Delivery]]:
        prefixes = [f"/{side}/{self.nonce}/" for side in _SIDES]
        started = last = time.monotonic()
        counts = (-1, -1)
        while (now := time.monotonic()) - started < DEADLINE:
            seen = (len(self.receiver.tries(prefixes[0])), len(self.receiver.tries(prefixes[1])))
            if seen != counts:
                counts, last = seen, now
            elif now - last >= self.receiver.settle * (1 if counts[1] >= counts[0] else 2):
                break
            await asyncio.sleep(0.05)  # the mock's deliveries run on this loop
        return self.receiver.tries(prefixes[0]), self.receiver.tries(prefixes[1])

    def _webhook(self, delivery: Delivery) -> Webhook | None:
        return self.model.webhooks.get(delivery.kind) if delivery.kind is not None else None

    def _op(self, delivery: Delivery) -> str:
        """What a divergence of ``delivery`` is named after: its webhook's operationId."""
        webhook = self._webhook(delivery)
        return (webhook.operation_id or webhook.name) if webhook else "webhooks"

    def _check_try(self, delivery: Delivery) -> list[Divergence]:
        webhook, op = self._webhook(delivery), self._op(delivery)
        media = delivery.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json" or delivery.event is None:
            shown = f"{media or 'no media type'}: {delivery.body[:80]!r}"
            return [Divergence("webhook media type", op, "", "a JSON body", shown)]
        if webhook is None:
            declared = ", ".join(sorted(self.model.webhooks))
            shown = repr(delivery.kind)
            return [Divergence("webhook type", op, "type", f"one of {declared}", shown)]
        found = self._check_schema(webhook, op, delivery)
        secret = self.secrets.get(("provider", delivery.endpoint))
        problem = check_signature(delivery, webhook.header, secret) if secret else None
        if problem is not None:
            expected = f"t=<unix seconds>,v1=<HMAC-SHA256 keyed by the endpoint's {SECRET_FIELD}>"
            found.append(Divergence("webhook signature", op, webhook.header, expected, problem))
        return found

    def _check_schema(self, webhook: Webhook, op: str, delivery: Delivery) -> list[Divergence]:
        pointer = f"/webhooks/{webhook.name}/post/requestBody"
        try:
            validator = self.model.registry.compile(webhook.schema, pointer=pointer)
        except SpecError:
            return []  # the spec's own schema is broken: nothing to hold the provider to
        error = next(iter(validator.iter_errors(delivery.event)), None)
        if error is None:
            return []
        where = "body" + "".join(f".{part}" for part in error.instance_path)
        return [Divergence("webhook schema", op, where, "valid", error.message[:200])]

    def _check_retries(self, tries: list[Delivery]) -> list[Divergence]:
        op = self._op(tries[0])
        kind = repr(tries[0].kind) if tries[0].kind is not None else ""
        if tries[-1].answered >= 300:
            return [
                Divergence(
                    "webhook retry",
                    op,
                    tries[0].endpoint,
                    f"the {kind} event tried again after the receiver's 503",
                    f"{len(tries)} try, none after the 503",
                )
            ]
        delivered = sum(1 for t in tries if t.answered < 300)
        if delivered > 1:
            return [
                Divergence(
                    "webhook duplicate",
                    op,
                    tries[0].endpoint,
                    f"the {kind} event delivered once",
                    f"delivered {delivered} times",
                )
            ]
        return []

    def _pair(
        self,
        mock: Mapping[tuple[str, str], list[Delivery]],
        provider: Mapping[tuple[str, str], list[Delivery]],
        ids: IdMap,
    ) -> list[Divergence]:
        """Each event the mock sent matched to one the provider sent to the same endpoint,
        about the same records (ids mapped); what is left over on either side diverges."""
        found: list[Divergence] = []
        left = {key: tries[0] for key, tries in provider.items()}
        for (endpoint, _), tries in mock.items():
            first = tries[0]
            op = self._op(first)
            wanted = _about(first, ids, mock=True)
            match = next(
                (
                    key
                    for key, other in left.items()
                    if key[0] == endpoint
                    and _type(other) == _type(first)
                    and _about(other, ids, mock=False) == wanted
                ),
                None,
            )
            if match is None:
                found.append(
                    Divergence(
                        "webhook missing",
                        op,
                        endpoint,
                        f"a {_type(first)} event like {_summary(first)}",
                        "none",
                    )
                )
                continue
            other = left.pop(match)
            mock_answer, provider_answer = (
                Answer(200, {}, first.event),
                Answer(200, {}, other.event),
            )
            found += compare_answers(op, mock_answer, provider_answer, ids)
        for (endpoint, _), first in left.items():
            op = self._op(first)
            found.append(
                Divergence(
                    "webhook unexpected",
                    op,
                    endpoint,
                    "no such event",
                    f"a {_type(first)} event: {_summary(first)}",
                )
            )
        return found


def check_signature(delivery: Delivery, header: str, secret: str) -> str | None:
    """What is wrong with ``delivery``'s signature under ``secret``; None when it verifies."""
    value = delivery.headers.get(header.lower())
    if value is None:
        return f"no {header} header"
    fields: dict[str, list[str]] = {}
    for item in value.split(","):
        name, _, text = item.strip().partition("=")
        fields.setdefault(name, []).append(text)
    stamp = (fields.get("t") or [""])[0]
    given = [text for text in fields.get("v1", []) if text]
    if not stamp.isdigit() or not given:
        return f"{value[:120]!r}: not t=<unix seconds>,v1=<hex>"
    expected = sign(secret, int(stamp), delivery.body).rsplit("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, text) for text in given):
        return f"{value[:120]!r}, which does not verify with the endpoint's {SECRET_FIELD}"
    if abs(delivery.received - int(stamp)) > TOLERANCE:
        return f"t={stamp}, {delivery.received - int(stamp):.0f} s before it arrived"
    return None


def _events(tries: list[Delivery]) -> dict[tuple[str, str], list[Delivery]]:
    """Tries grouped per (endpoint, event id), in order of arrival."""
    grouped: dict[tuple[str, str], list[Delivery]] = {}
    for delivery in tries:
        grouped.setdefault((delivery.endpoint, delivery.event_id), []).append(delivery)
    return grouped


def _type(delivery: Delivery) -> str:
    return delivery.kind if delivery.kind is not None else "?"


def _about(delivery: Delivery, ids: IdMap, *, mock: bool) -> frozenset[str]:
    """The ids an event names (its own apart) that both servers have answered, each as the
    provider knows it: two events are about the same records when these are equal. Ids only
    a webhook showed (a declined payment's) are left out, and paired when the bodies are."""
    event = delivery.event
    own = event.get("id") if isinstance(event, dict) else None
    named = {value for value in _strings(event) if value_format(value) == "uuid"} - {own}
    if mock:
        return frozenset(ids.provider_of[value] for value in named if value in ids.provider_of)
    return frozenset(value for value in named if value in ids.mock_of)


def _strings(node: Any) -> Iterator[str]:
    """Every string value in a parsed JSON value."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _summary(delivery: Delivery) -> str:
    return delivery.body.decode(errors="replace")[:200]
