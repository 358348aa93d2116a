"""Interactive sessions: the caller's list (status filter, newest first), open, get, change, end.

``PATCH`` replaces ``metadata`` whole and may move between ``active`` and ``idle``; an ended
session answers 409 ``session_ended``. ``POST .../end`` marks the session ``ended`` with
``endedAt`` (it stays readable); ending it again answers it unchanged. The WebSocket channel of
``openapi/asyncapi.yaml`` is not part of this provider.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from provider.endpoint import (
    Call,
    created,
    endpoint,
    json_response,
    list_owned,
    optional_timestamp,
    owned,
    timestamp,
)
from provider.models import InteractiveSession, utcnow
from provider.problems import conflict

__all__ = [
    "create_session",
    "end_session",
    "get_session",
    "list_sessions",
    "render_session",
    "update_session",
]

NOUN = "session"
SESSION_ENDED = "The session has ended and can no longer be changed."


def render_session(row: InteractiveSession) -> dict[str, Any]:
    """The ``Session`` representation."""
    return {
        "id": str(row.id),
        "userId": str(row.user_id),
        "name": row.name,
        "status": row.status,
        "metadata": dict(row.meta),
        "createdAt": timestamp(row.created_at),
        "updatedAt": timestamp(row.updated_at),
        "endedAt": optional_timestamp(row.ended_at),
    }


def _owned(
    session: Session, ident: uuid.UUID, user: uuid.UUID, *, lock: bool = False
) -> InteractiveSession:
    return owned(session, InteractiveSession, ident, user, NOUN, lock=lock)


@endpoint("listSessions")
async def list_sessions(call: Call) -> Response:
    return await list_owned(call, InteractiveSession, render_session, filters=["status"])


@endpoint("createSession")
async def create_session(call: Call) -> Response:
    user, body = call.user, call.body

    def work(session: Session) -> dict[str, Any]:
        now = utcnow()
        row = InteractiveSession(
            user_id=user,
            name=body["name"],
            status="active",
            meta=dict(body.get("metadata", {})),
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return render_session(row)

    return created(await call.run(work), "sessions")


@endpoint("getSession")
async def get_session(call: Call) -> Response:
    user, ident = call.user, call.path["sessionId"]
    return json_response(
        await call.run(lambda session: render_session(_owned(session, ident, user)))
    )


@endpoint("updateSession")
async def update_session(call: Call) -> Response:
    user, ident, body = call.user, call.path["sessionId"], call.body

    def work(session: Session) -> dict[str, Any]:
        row = _owned(session, ident, user, lock=True)
        if row.status == "ended":
            raise conflict("session_ended", SESSION_ENDED)
        if "name" in body:
            row.name = body["name"]
        if "status" in body:
            row.status = body["status"]
        if "metadata" in body:
            row.meta = dict(body["metadata"])
        row.updated_at = utcnow()
        return render_session(row)

    return json_response(await call.run(work))


@endpoint("endSession")
async def end_session(call: Call) -> Response:
    user, ident = call.user, call.path["sessionId"]

    def work(session: Session) -> dict[str, Any]:
        row = _owned(session, ident, user, lock=True)
        if row.status != "ended":
            now = utcnow()
            row.status, row.ended_at, row.updated_at = "ended", now, now
        return render_session(row)

    return json_response(await call.run(work))
