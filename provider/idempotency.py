"""``Idempotency-Key``: the first answer to a key is stored and replayed to its retries.

Keys are scoped per user (unique ``(user_id, key)``). A request's fingerprint is the SHA-256 of
its method, path and canonical JSON body: the same key with the same fingerprint answers the
stored status and body again with ``Idempotent-Replayed: true``; with another fingerprint, 409
``idempotency_key_reused``. Outcomes of a charge attempt (201 and 402) are stored, in the same
transaction as the payment row, so a replayed answer always matches what was recorded. Answers
that changed nothing (400, 403, 404, 409) are not stored: a retry is evaluated afresh.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from provider.models import IdempotencyRecord, utcnow
from provider.problems import PROBLEM_JSON, conflict

__all__ = ["Answer", "fingerprint", "recall", "remember"]

KEY_REUSED = "This Idempotency-Key was used with a different request; use a new key per request."


@dataclass(frozen=True, slots=True)
class Answer:
    """A response that can be stored and replayed."""

    status: int
    body: dict[str, Any]
    location: str | None = None
    replayed: bool = False

    def response(self) -> Response:
        """Render; problem documents keep their media type."""
        headers = {"Location": self.location} if self.location else {}
        if self.replayed:
            headers["Idempotent-Replayed"] = "true"
        media_type = PROBLEM_JSON if self.status >= 400 else "application/json"
        return Response(orjson.dumps(self.body), self.status, headers, media_type=media_type)


def fingerprint(method: str, path: str, body: Any) -> str:
    """What identifies "the same request" for a key."""
    canonical = orjson.dumps([method, path, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def recall(session: Session, user: uuid.UUID, key: str, print_: str) -> Answer | None:
    """The stored answer for ``key`` (replayed), None if unused; 409 if used otherwise."""
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.fingerprint != print_:
        raise conflict("idempotency_key_reused", KEY_REUSED)
    return Answer(record.status_code, orjson.loads(record.body), record.location, replayed=True)


def remember(session: Session, user: uuid.UUID, key: str, print_: str, answer: Answer) -> None:
    """Store ``answer`` as the one for ``key``; a concurrent twin fails the unique constraint."""
    session.add(
        IdempotencyRecord(
            user_id=user,
            key=key,
            fingerprint=print_,
            status_code=answer.status,
            body=orjson.dumps(answer.body).decode(),
            location=answer.location,
            created_at=utcnow(),
        )
    )
    session.flush()
