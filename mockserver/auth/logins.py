"""Logins: one record per login, listed and revoked one at a time.

A login's id is its refresh-token family (kept across rotations) and the ``sid`` claim of
every access token issued for it. Its record, in the collection ``LOGINS + user id`` (one per
user, so listing a user's logins reads nothing else), says when it was made, when last
refreshed, the client's User-Agent and whether it was revoked.

Revocation has to reach access tokens on the very next request without a second store read
per authenticated request: the user's generation key (`GENERATION`), which the hot path reads
anyway, holds a plain number until one login of the user is revoked by itself; then it holds
``{"generation": N, "revoked": {login id: until}}``. An entry is kept only as long as an
access token issued before the revocation can live (``until``), and "log out everywhere"
(a new generation) drops them all, so the value stays small.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from mockserver.auth.authenticate import GENERATION, USERS
from mockserver.auth.tokens import REVOKED_FAMILY, TokenService
from mockserver.compile.expressions import to_json_value
from mockserver.generation.unique import unique_hex
from mockserver.store.memory import Store

__all__ = ["LOGINS", "Logins", "generation_value", "read_generation"]

LOGINS = "__logins__:"  # + user id: the collection of that user's login records


def read_generation(value: Any) -> tuple[int | None, dict[str, float]]:
    """The generation and the revoked login ids (``id -> until``) a generation key holds."""
    if isinstance(value, dict):
        revoked = value.get("revoked")
        return int(value.get("generation", 0)), dict(revoked) if isinstance(revoked, dict) else {}
    return (int(value) if isinstance(value, int) else None), {}


def generation_value(generation: int, revoked: dict[str, float], *, now: float) -> Any:
    """What a generation key stores: a number, or with the logins still to refuse."""
    live = {login: until for login, until in revoked.items() if until > now}
    return {"generation": generation, "revoked": live} if live else generation


def _now() -> str:
    return str(to_json_value(datetime.now(UTC)))


class Logins:
    """The login records of one mock, and revoking one login."""

    def __init__(self, store: Store, tokens: TokenService) -> None:
        self.store = store
        self.tokens = tokens

    async def start(self, user_id: str, generation: int, *, user_agent: str) -> tuple[str, str]:
        """A new login of ``user_id``: its record, and ``(access token, refresh token)``."""
        login = unique_hex()
        refresh = await self.tokens.issue_refresh(user_id, family=login)
        record = {
            "id": login,
            "createdAt": _now(),
            "refreshedAt": None,
            "userAgent": user_agent[:300],
            "generation": generation,
            "revoked": None,
        }
        await self.store.put(LOGINS + user_id, login, record)
        return self.tokens.issue_access(user_id, generation, login=login), refresh

    async def refreshed(self, user_id: str, login: str) -> None:
        """Note that ``login`` was just refreshed."""
        record = await self.store.get(LOGINS + user_id, login)
        if record is not None:
            record["refreshedAt"] = _now()
            await self.store.put(LOGINS + user_id, login, record)

    async def ended(self, user_id: str, login: str, *, by: str) -> None:
        """Mark ``login`` revoked (``by`` says how) in its record only."""
        record = await self.store.get(LOGINS + user_id, login)
        if record is not None and not record.get("revoked"):
            record["revoked"] = {"at": _now(), "by": by}
            await self.store.put(LOGINS + user_id, login, record)

    async def listed(self, user_id: str) -> list[dict[str, Any]]:
        """Every login of ``user_id``, oldest first, each saying whether it still works."""
        records = await self.store.values(LOGINS + user_id)
        generation, _ = read_generation(await self.store.get_value(GENERATION + user_id))
        if generation is None:
            user = await self.store.get(USERS, user_id) or {}
            generation = int(user.get("__generation__", 0))
        for record in records:
            if record.get("revoked"):
                continue
            if record.get("generation") != generation:
                record["revoked"] = {"at": None, "by": "logout everywhere"}
            elif await self.store.get_value(REVOKED_FAMILY + str(record["id"])):
                record["revoked"] = {"at": None, "by": "refresh token reused"}
        records.sort(key=lambda r: str(r.get("createdAt")))
        return [{**r, "active": not r.get("revoked")} for r in records]

    async def revoke(self, user_id: str, login: str) -> bool:
        """Revoke one login: its access tokens at their next request, its refresh token at once.

        False when ``user_id`` has no such login.
        """
        record = await self.store.get(LOGINS + user_id, login)
        if record is None:
            return False
        async with self.store.lock(GENERATION + user_id):
            now = time.time()
            generation, revoked = read_generation(await self.store.get_value(GENERATION + user_id))
            if generation is None:
                user = await self.store.get(USERS, user_id) or {}
                generation = int(user.get("__generation__", 0))
            # Access tokens issued before now are all dead by now + their lifetime.
            revoked[login] = now + self.tokens.access_ttl
            await self.store.set_value(
                GENERATION + user_id, generation_value(generation, revoked, now=now)
            )
        await self.tokens.revoke_family(login)
        await self.ended(user_id, login, by="admin")
        return True

    async def set_generation(self, user_id: str, generation: int) -> None:
        """Store ``user_id``'s generation; logins revoked one by one stay revoked while it holds."""
        async with self.store.lock(GENERATION + user_id):
            current, revoked = read_generation(await self.store.get_value(GENERATION + user_id))
            kept = revoked if current == generation else {}
            value = generation_value(generation, kept, now=time.time())
            await self.store.set_value(GENERATION + user_id, value)
