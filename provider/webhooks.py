"""Webhook endpoints: the caller's list, register, get, remove.

Registering generates the signing secret (``whsec_`` + 32 alphanumerics from ``secrets``) and
answers it this once; reads never show it. Events are queued for the endpoints by
`provider.outbox` and sent by `provider.delivery`; removing an endpoint fails its pending ones.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from provider.endpoint import (
    Call,
    created,
    endpoint,
    json_response,
    list_owned,
    no_content,
    owned,
    timestamp,
)
from provider.models import WebhookEndpoint, utcnow

__all__ = [
    "create_webhook_endpoint",
    "delete_webhook_endpoint",
    "get_webhook_endpoint",
    "list_webhook_endpoints",
    "new_secret",
    "render_webhook_endpoint",
]

NOUN = "webhook endpoint"
_ALPHANUMERIC = string.ascii_letters + string.digits


def new_secret() -> str:
    """A fresh signing secret."""
    return "whsec_" + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(32))


def render_webhook_endpoint(endpoint_row: WebhookEndpoint) -> dict[str, Any]:
    """The ``WebhookEndpoint`` representation, without the secret."""
    body: dict[str, Any] = {
        "id": str(endpoint_row.id),
        "url": endpoint_row.url,
        "events": list(endpoint_row.events),
        "createdAt": timestamp(endpoint_row.created_at),
    }
    if endpoint_row.description is not None:
        body["description"] = endpoint_row.description
    return body


@endpoint("listWebhookEndpoints")
async def list_webhook_endpoints(call: Call) -> Response:
    return await list_owned(call, WebhookEndpoint, render_webhook_endpoint)


@endpoint("createWebhookEndpoint")
async def create_webhook_endpoint(call: Call) -> Response:
    user, body = call.user, call.body

    def work(session: Session) -> dict[str, Any]:
        row = WebhookEndpoint(
            user_id=user,
            url=body["url"],
            events=list(body["events"]),
            description=body.get("description"),
            secret=new_secret(),
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return {**render_webhook_endpoint(row), "secret": row.secret}

    return created(await call.run(work), "webhook-endpoints")


@endpoint("getWebhookEndpoint")
async def get_webhook_endpoint(call: Call) -> Response:
    user, ident = call.user, call.path["endpointId"]
    return json_response(
        await call.run(
            lambda session: render_webhook_endpoint(
                owned(session, WebhookEndpoint, ident, user, NOUN)
            )
        )
    )


@endpoint("deleteWebhookEndpoint")
async def delete_webhook_endpoint(call: Call) -> Response:
    user, ident = call.user, call.path["endpointId"]

    def work(session: Session) -> None:
        session.delete(owned(session, WebhookEndpoint, ident, user, NOUN))

    await call.run(work)
    return no_content()
