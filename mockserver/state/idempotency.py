"""``Idempotency-Key``: a request with a key is answered once, and its answer replayed after.

The same key with the same request (path parameters and body) replays the first answer with
``Idempotent-Replayed: true``; the same key with another request gets 409. Keys are per user,
operation and path, kept for a day, and checked under a lock so concurrent retries (in any
worker sharing the store) run the operation once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

import orjson

from mockserver.render.problems import Problem
from mockserver.render.responses import Rendered
from mockserver.state.context import Request
from mockserver.store.memory import Store

__all__ = ["IDEMPOTENCY_TTL", "once"]

IDEMPOTENCY_TTL = 24 * 3600

Answer = Rendered | Problem | None


async def once(
    store: Store, header: str, key: str, request: Request, run: Callable[[], Awaitable[Answer]]
) -> Answer:
    """Run ``run`` for the first request with ``key``; replay its answer for the next ones."""
    op = request.operation
    owner = request.user["id"] if request.user else "-"
    store_key = f"idempotency:{owner}:{op.method}:{op.path}:{key}"
    fingerprint = hashlib.sha256(
        orjson.dumps([request.params, request.validated.body], option=orjson.OPT_SORT_KEYS)
    ).hexdigest()
    async with store.lock(store_key):
        seen = await store.get_value(store_key)
        if seen is not None:
            if seen["fingerprint"] != fingerprint:
                return Problem(
                    409,
                    "idempotency_key_reused",
                    "Idempotency key reused",
                    f"This {header} was used with a different request.",
                )
            headers = {**seen["headers"], "Idempotent-Replayed": "true"}
            return Rendered(
                seen["status"], seen["media_type"], bytes.fromhex(seen["body"]), headers
            )
        result = await run()
        if isinstance(result, Rendered):
            saved = {
                "fingerprint": fingerprint,
                "status": result.status,
                "media_type": result.media_type,
                "body": result.body.hex(),
                "headers": result.headers,
            }
            await store.set_value(store_key, saved, ttl=IDEMPOTENCY_TTL)
        return result
