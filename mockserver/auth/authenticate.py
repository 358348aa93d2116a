"""Authenticate: the user behind a bearer token the mock issued, or a 401 that says why not.

`mockserver.auth.credentials` checks that a request carries what its security requirement
asks for; when the spec declares a login (``x-mock-action: login``), this module checks that
the bearer token is one the mock signed, unexpired, and not revoked since.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers

from mockserver.auth.tokens import AccessClaims, TokenService
from mockserver.errors import InvalidTokenError
from mockserver.render.problems import Problem
from mockserver.store.memory import Store

__all__ = ["GENERATION", "USERS", "Authenticator", "unauthorized"]

USERS = "__users__"  # the collection accounts are stored in
GENERATION = "user-generation:"  # + user id: bumped by "log out everywhere" (see `Authenticator`)


class Authenticator:
    """Verifies the access tokens of one mock's `TokenService` against its store."""

    def __init__(self, store: Store, tokens: TokenService, *, enabled: bool) -> None:
        self.store = store
        self.tokens = tokens
        # Without a login in the spec the mock issues no tokens, so it checks none.
        self.enabled = enabled

    async def authenticate(
        self, headers: Headers, *, anonymous: bool
    ) -> dict[str, Any] | Problem | None:
        """The user (``{"id": ...}``) of a verified bearer token; 401 for one we did not issue.

        Revocation ("log out everywhere") bumps the user's generation, kept under its own
        value key (`GENERATION`) so this check reads one number, not the user's record. The
        same key lists the logins revoked one by one (`mockserver.auth.logins`), so refusing
        a single login costs no second read. ``anonymous`` operations answer None instead of
        a 401.
        """
        if not self.enabled:
            return None
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None if anonymous else unauthorized("A bearer access token is required.")
        try:
            claims = self.tokens.verify_access(token.strip())
        except InvalidTokenError as exc:
            return None if anonymous else unauthorized(str(exc))
        generation = await self.store.get_value(GENERATION + claims.user_id)
        if type(generation) is not int:  # rarely: no key, or some logins revoked one by one
            generation = await self._generation(generation, claims)
        if generation != claims.generation:
            return None if anonymous else unauthorized("The access token was revoked.")
        # Only the id: copying the whole record per request cost more than the check. An
        # action that needs the record (current user, logout) reads it from the store.
        return {"id": claims.user_id}

    async def _generation(self, value: Any, claims: AccessClaims) -> int | None:
        """The generation ``claims`` must carry; None when its login is revoked or no user."""
        if isinstance(value, dict):
            revoked = value.get("revoked") or {}
            if claims.login and claims.login in revoked:
                return None
            return int(value.get("generation", 0))
        # A user stored without its generation key: read the record.
        record = await self.store.get(USERS, claims.user_id)
        return int(record.get("__generation__", 0)) if record is not None else None


def unauthorized(detail: str) -> Problem:
    """The 401 of a missing, foreign, expired or revoked bearer token."""
    return Problem(
        401,
        "unauthorized",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
    )
