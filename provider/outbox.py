"""The webhook outbox: events queued with the change that causes them, and their journal.

``emit`` runs inside the unit of work that makes an event true (paying an order, refunding a
payment): it adds one ``WebhookDelivery`` row per endpoint of the owner subscribed to the event
type, with the event's exact JSON. So an event exists if and only if its change committed, and
survives a restart until it is delivered or given up. `provider.delivery` sends them: ``claim``
takes due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share one queue),
``record`` stores a try's answer and schedules the retry.

The event is the spec's webhook body: ``{"id", "type", "createdAt", "data": {...}}`` with a
fresh id shared by every endpoint it goes to, the time of the change, and the resource as its
``GET`` answers it. ``catalog`` reads which webhook (operationId, signature header) the spec
declares for each event type; the rows are listed, with ``--test-states`` only, by
``list_deliveries`` (``GET /_test/webhook-deliveries``) as the mock lists its journal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from provider.config import WebhookPolicy
from provider.endpoint import json_response, optional_timestamp, timestamp
from provider.errors import SpecError
from provider.models import WebhookDelivery, WebhookEndpoint
from provider.problems import FieldError, validation_failed

__all__ = [
    "DELIVERIES_PATH",
    "EVENT_TYPES",
    "Job",
    "Outcome",
    "WebhookSpec",
    "catalog",
    "claim",
    "emit",
    "list_deliveries",
    "record",
    "render_delivery",
]

# The event types this provider emits; `catalog` fails start-up if the spec lacks one.
EVENT_TYPES = ("payment.succeeded", "payment.failed", "payment.refunded")
DELIVERIES_PATH = "/_test/webhook-deliveries"
STATUSES = ("pending", "delivered", "failed")
MAX_LISTED = 1000


@dataclass(frozen=True, slots=True)
class WebhookSpec:
    """What the spec says of one event type's webhook."""

    name: str
    operation_id: str
    signature_header: str


@dataclass(frozen=True, slots=True)
class Job:
    """One claimed try of a delivery, with everything needed to send it off the database."""

    id: uuid.UUID
    url: str
    payload: bytes
    secret: str
    event_type: str
    attempt: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one try got: the status (0 when no answer) or the error, or why none was made."""

    status: int = 0
    error: str | None = None
    reason: str | None = None  # set when the delivery ends without a try (host_not_allowed)

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300


def catalog(document: Mapping[str, Any]) -> dict[str, WebhookSpec]:
    """Each emitted event type's webhook, from the spec's top-level ``webhooks``.

    A webhook sends the ``type`` its request examples show. Raises ``SpecError`` when an event
    type of `EVENT_TYPES` has no webhook, naming it.
    """
    found: dict[str, WebhookSpec] = {}
    for name, item in (document.get("webhooks") or {}).items():
        operation = _deref(document, item).get("post") or {}
        content = (operation.get("requestBody") or {}).get("content") or {}
        header = "Webhook-Signature"
        for parameter in operation.get("parameters") or []:
            parameter = _deref(document, parameter)
            if parameter.get("in") == "header" and "signature" in parameter["name"].lower():
                header = parameter["name"]
        spec = WebhookSpec(name, str(operation.get("operationId", name)), header)
        for media in content.values():
            for example in (media.get("examples") or {}).values():
                value = _deref(document, example).get("value") or {}
                if isinstance(value.get("type"), str):
                    found.setdefault(value["type"], spec)
    missing = [event for event in EVENT_TYPES if event not in found]
    if missing:
        raise SpecError(
            f"the document declares no webhook whose example has type {', '.join(missing)}; "
            "add it under the top-level webhooks"
        )
    return found


def _deref(document: Mapping[str, Any], node: Any) -> dict[str, Any]:
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = document
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return dict(node) if isinstance(node, Mapping) else {}


def emit(
    session: Session,
    *,
    user_id: uuid.UUID,
    event_type: str,
    data: Mapping[str, Any],
    at: dt.datetime,
) -> int:
    """Queue ``event_type`` for every endpoint of ``user_id`` subscribed to it; answer how many."""
    assert event_type in EVENT_TYPES, f"{event_type} is not an event type the provider emits"
    endpoints = session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.user_id == user_id)
    ).all()
    targets = [endpoint for endpoint in endpoints if event_type in endpoint.events]
    if not targets:
        return 0
    event_id = uuid.uuid4()
    event = {"id": str(event_id), "type": event_type, "createdAt": timestamp(at), "data": data}
    payload = orjson.dumps(event).decode()
    for endpoint in targets:
        session.add(
            WebhookDelivery(
                user_id=user_id,
                endpoint_id=endpoint.id,
                url=endpoint.url,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                status="pending",
                attempts=0,
                tries=[],
                next_attempt_at=at,
                created_at=at,
            )
        )
    return len(targets)


def claim(
    session: Session, *, now: dt.datetime, lease: float, limit: int
) -> tuple[list[Job], dt.datetime | None]:
    """Take up to ``limit`` due deliveries for ``lease`` seconds; answer them and the next due.

    A claimed row's ``next_attempt_at`` moves to the lease's end: if this process dies mid-try,
    another takes the delivery up then (deliveries are at least once).
    """
    jobs: list[Job] = []
    if limit > 0:
        due = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in due:
            endpoint = session.get(WebhookEndpoint, row.endpoint_id)
            if endpoint is None:
                _finish(row, "failed", now, reason="endpoint_removed")
                continue
            row.next_attempt_at = now + dt.timedelta(seconds=lease)
            jobs.append(
                Job(row.id, row.url, row.payload.encode(), endpoint.secret, row.event_type,
                    row.attempts + 1)
            )  # fmt: skip
    next_due = session.scalar(
        select(func.min(WebhookDelivery.next_attempt_at)).where(WebhookDelivery.status == "pending")
    )
    return jobs, next_due


def record(
    session: Session, job: Job, outcome: Outcome, *, policy: WebhookPolicy, now: dt.datetime
) -> WebhookDelivery | None:
    """Store one try's ``outcome``; end the delivery or schedule its retry. None if it is gone."""
    row = session.get(WebhookDelivery, job.id, with_for_update=True)
    if row is None or row.status != "pending":
        return None  # wiped (provider-state teardown) or finished by another worker
    if outcome.reason is not None:
        _finish(row, "failed", now, reason=outcome.reason)
        return row
    answer: dict[str, Any] = {"status": outcome.status, "at": timestamp(now)}
    if outcome.error is not None:
        answer["error"] = outcome.error
    row.tries = [*row.tries, answer]  # a new list: JSON columns do not track mutation
    row.attempts += 1
    row.last_status = outcome.status
    if outcome.delivered:
        _finish(row, "delivered", now)
    elif row.attempts >= policy.attempts:
        _finish(row, "failed", now, reason="exhausted")
    else:
        row.next_attempt_at = now + dt.timedelta(seconds=policy.delay(row.attempts))
    return row


def _finish(
    row: WebhookDelivery, status: str, now: dt.datetime, *, reason: str | None = None
) -> None:
    row.status, row.reason, row.next_attempt_at, row.finished_at = status, reason, None, now


def render_delivery(row: WebhookDelivery, specs: Mapping[str, WebhookSpec]) -> dict[str, Any]:
    """A journal entry, in the terms of the mock's ``webhook`` journal detail."""
    spec = specs.get(row.event_type)
    entry: dict[str, Any] = {
        "id": str(row.id),
        "operationId": spec.operation_id if spec else None,
        "event": row.event_type,
        "eventId": str(row.event_id),
        "endpointId": str(row.endpoint_id),
        "url": row.url,
        "status": row.status,
        "delivered": row.status == "delivered",
        "attempts": row.attempts,
        "lastStatus": row.last_status or 0,
        "tries": row.tries,
        "nextAttemptAt": optional_timestamp(row.next_attempt_at),
        "createdAt": timestamp(row.created_at),
        "finishedAt": optional_timestamp(row.finished_at),
        "payload": orjson.loads(row.payload),
    }
    if row.reason is not None:
        entry["reason"] = row.reason
    return entry


async def list_deliveries(request: Request) -> Response:
    """``GET /_test/webhook-deliveries``: the journal, oldest first, filtered by the query.

    Filters: ``event``, ``eventId``, ``endpointId``, ``status`` (pending, delivered, failed),
    ``limit`` (1-1000, default 1000).
    """
    services = request.app.state.services
    query = request.query_params
    errors: list[FieldError] = []
    statement = select(WebhookDelivery)
    for name, column in (("eventId", WebhookDelivery.event_id),
                         ("endpointId", WebhookDelivery.endpoint_id)):  # fmt: skip
        if name in query:
            try:
                statement = statement.where(column == uuid.UUID(query[name]))
            except ValueError:
                errors.append(FieldError(f"query.{name}", "format", "expected a UUID"))
    if "event" in query:
        statement = statement.where(WebhookDelivery.event_type == query["event"])
    if "status" in query:
        if query["status"] not in STATUSES:
            errors.append(FieldError("query.status", "enum", f"expected one of {STATUSES}"))
        statement = statement.where(WebhookDelivery.status == query["status"])
    limit = query.get("limit", str(MAX_LISTED))
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LISTED:
        errors.append(FieldError("query.limit", "range", f"expected 1 to {MAX_LISTED}"))
    if errors:
        raise validation_failed(errors)
    statement = statement.order_by(WebhookDelivery.created_at, WebhookDelivery.id).limit(int(limit))
    specs: Mapping[str, WebhookSpec] = services.webhooks.specs

    def work(session: Session) -> list[dict[str, Any]]:
        return [render_delivery(row, specs) for row in session.scalars(statement)]

    return json_response({"data": await services.db.run(work)})
