"""Access tokens (signed JWTs) and refresh tokens (opaque, rotated, revocable).

Access tokens are HS256 JWTs signed with a key that is random per run unless configured, so a
token from another run, another server or another key is refused. Each carries the user's
token generation (``gen``): "log out everywhere" bumps the generation and every older token
stops working; and its login's id (``sid``), by which one login is revoked (`auth.logins`).
Refresh tokens are random strings whose hash is stored with their family, so
reusing a rotated token revokes the whole family (the usual theft response).
"""

from __future__ import annotations

import binascii
import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from mockserver.errors import InvalidTokenError
from mockserver.generation.unique import unique_hex
from mockserver.store.memory import Store

__all__ = ["REVOKED_FAMILY", "AccessClaims", "Rotated", "TokenService"]

ALGORITHM = "HS256"
ISSUER = "mockserver"
_REFRESH = "refresh:"
_EPOCH = "refresh-epoch:"  # + user id: bumped by "log out everywhere"
REVOKED_FAMILY = "revoked-family:"  # + login id: its refresh tokens are refused
VERIFIED_CACHE_SIZE = 10_000  # verified access tokens remembered (oldest forgotten first)
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _b64url(data: bytes) -> bytes:
    """Unpadded base64url (RFC 4648, section 5), as JWTs and `secrets.token_urlsafe` write it.

    What ``base64.urlsafe_b64encode(data).rstrip(b"=")`` gives, without its two Python calls:
    a login encodes three values.
    """
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


# The JOSE header of every access token, encoded once (what PyJWT writes for HS256).
_HEADER = _b64url(orjson.dumps({"alg": ALGORITHM, "typ": "JWT"}))


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: str
    generation: int
    token_id: str
    login: str = ""  # the login's id (``sid``); none for the console's tokens


class Rotated(NamedTuple):
    """What exchanging a refresh token gives: whose it was, its successor, the login's id."""

    user_id: str
    token: str
    login: str


class _Hs256:
    """HMAC-SHA256 (RFC 2104) under one key, its two padded key blocks hashed once.

    `hmac.digest` sets up the key and looks the digest up in OpenSSL on every call, which
    costs twice the hashing itself; copying the two primed hashes costs a fraction of it.
    The result is the same bytes (a property test holds it to `hmac.digest`).
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        block = hashlib.sha256().block_size
        if len(key) > block:
            key = hashlib.sha256(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def sign(self, message: bytes) -> bytes:
        """The HMAC-SHA256 of ``message``."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


class TokenService:
    """Issues and verifies tokens; refresh-token state lives in the `Store`."""

    def __init__(
        self,
        store: Store,
        *,
        secret: str | None = None,
        access_ttl: int = 900,
        refresh_ttl: int = 14 * 24 * 3600,
    ) -> None:
        self._store = store
        self._secret = secret or secrets.token_urlsafe(32)
        self._mac = _Hs256(self._secret.encode())
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        # token -> (claims, not before, expires): a verified token is not decoded again.
        self._verified: dict[str, tuple[AccessClaims, float, float]] = {}

    def issue_access(self, user_id: str, generation: int, *, login: str = "") -> str:
        """A signed access token for ``user_id`` (of the login ``login``, when given)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": user_id,
            "iss": ISSUER,
            "iat": now,
            "nbf": now,
            "exp": now + self.access_ttl,
            "jti": unique_hex(),
            "gen": generation,
        }
        if login:
            claims["sid"] = login
        # Signed here rather than by `jwt.encode`, which re-checks the key and serializes with
        # the standard json module on every call (six times the cost); `jwt.decode` verifies.
        payload = _b64url(orjson.dumps(claims))
        signing_input = _HEADER + b"." + payload
        signature = self._mac.sign(signing_input)
        return (signing_input + b"." + _b64url(signature)).decode()

    def verify_access(self, token: str) -> AccessClaims:
        """The claims of a valid token; `InvalidTokenError` for anything else.

        A client sends the same token on every request, and checking its signature costs more
        than the rest of a read, so a verified token is remembered until it expires. Only the
        signature and the time window are cached: revocation (the user's generation) is
        checked by the caller on every request. Outside its window a token is decoded again,
        so an expired one gets the usual error.
        """
        cached = self._verified.get(token)
        if cached is not None:
            claims, not_before, expires = cached
            if not_before <= time.time() < expires:
                return claims
        verified, not_before, expires = self._decode(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest entry
        self._verified[token] = (verified, not_before, expires)
        return verified

    def _decode(self, token: str) -> tuple[AccessClaims, float, float]:
        # Imported at the first token to verify: PyJWT loads `cryptography` (0.1 s, 9 MB),
        # which a mock of a spec without logins never needs.
        import jwt

        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],  # never "none", never what the token header asks for
                issuer=ISSUER,
                options={"require": ["sub", "exp", "iat", "nbf", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidTokenError(
                "The access token has expired; refresh it or log in again."
            ) from exc
        except jwt.ImmatureSignatureError as exc:
            raise InvalidTokenError("The access token is not valid yet.") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError("The access token was not issued by this server.") from exc
        generation = claims.get("gen", 0)
        login = claims.get("sid", "")
        if not all((isinstance(claims["sub"], str), isinstance(generation, int),
                    isinstance(login, str))):  # fmt: skip
            raise InvalidTokenError("The access token was not issued by this server.")
        verified = AccessClaims(claims["sub"], generation, str(claims["jti"]), login)
        return verified, float(claims["nbf"]), float(claims["exp"])

    async def issue_refresh(self, user_id: str, *, family: str | None = None) -> str:
        """A new refresh token for ``user_id`` (in ``family`` when rotating)."""
        token = "rt_" + _b64url(os.urandom(32)).decode()  # secrets.token_urlsafe(32)
        family = family or unique_hex()
        epoch = await self._store.get_value(_EPOCH + user_id) or 0
        record = {"userId": user_id, "family": family, "used": False, "epoch": epoch}
        await self._store.set_value(_REFRESH + _digest(token), record, ttl=self.refresh_ttl)
        return token

    async def rotate_refresh(self, token: str) -> Rotated:
        """Exchange ``token`` for a new one in its login; reuse revokes the family."""
        key = _REFRESH + _digest(token)
        async with self._store.lock(key):
            record = await self._store.get_value(key)
            if record is None or await self._revoked(record):
                raise InvalidTokenError("The refresh token is invalid, expired or revoked.")
            if record["used"]:
                await self.revoke_family(record["family"])
                raise InvalidTokenError(
                    "The refresh token was already used; every token of its login is revoked."
                )
            record["used"] = True
            await self._store.set_value(key, record, ttl=self.refresh_ttl)
        new = await self.issue_refresh(record["userId"], family=record["family"])
        return Rotated(record["userId"], new, record["family"])

    async def _revoked(self, record: dict[str, Any]) -> bool:
        """Whether a refresh token's login was logged out, or its user logged out everywhere."""
        if await self._store.get_value(REVOKED_FAMILY + record["family"]):
            return True
        epoch = await self._store.get_value(_EPOCH + record["userId"]) or 0
        return bool(record.get("epoch", 0) != epoch)

    async def revoke_refresh(self, token: str, user_id: str) -> str | None:
        """Revoke one refresh token of ``user_id`` (logout on one device): its login's id."""
        key = _REFRESH + _digest(token)
        record = await self._store.get_value(key)
        if record is None or record["userId"] != user_id:
            return None
        await self.revoke_family(record["family"])
        return str(record["family"])

    async def revoke_family(self, family: str) -> None:
        """Refuse every refresh token of one login."""
        await self._store.set_value(REVOKED_FAMILY + family, True, ttl=self.refresh_ttl)

    async def revoke_all(self, user_id: str) -> None:
        """Refuse every refresh token of ``user_id`` (logout on all devices).

        Each refresh token carries its user's epoch at issue; bumping the epoch refuses them
        all at once. (Keeping a list of the user's logins to revoke one by one made every
        login copy a list that grew with each login.)
        """
        key = _EPOCH + user_id
        async with self._store.lock(key):
            epoch = await self._store.get_value(key) or 0
            await self._store.set_value(key, epoch + 1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
