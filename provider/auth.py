"""Credentials and tokens: argon2id passwords, HS256 access tokens, opaque refresh tokens.

- Passwords are hashed with argon2id (``PasswordCost`` sets the price; tests use a cheap one).
  An unknown email is verified against a dummy hash so it costs what a wrong password costs.
- Access tokens are HS256 JWTs (``sub`` user id, ``iat``, ``exp``, ``jti``, ``ver``). Decoding
  pins the algorithm and requires every claim. ``ver`` is the user's ``token_version`` at issue
  time: logging out of all devices bumps it, so every access token issued before stops working.
  Each authenticated request also re-reads the user, so a suspended account is shut out at once.
- Refresh tokens are opaque (``rt_`` + 256 random bits), stored as SHA-256 hashes, usable once:
  rotation revokes the one presented and issues the next in the same family; presenting a
  revoked one revokes the whole family (the OAuth 2.0 reuse-detection practice).
- ``LoginThrottle`` counts failed logins per email address and per client address in the
  database (so it holds across workers and restarts); at either limit it answers how many
  seconds remain. The client address is the socket's peer, never ``X-Forwarded-For``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.requests import Request

from provider.config import PasswordCost
from provider.db import Database
from provider.errors import ConfigError
from provider.models import LoginFailure, RefreshToken, User
from provider.problems import unauthorized

__all__ = [
    "AccessClaims",
    "LoginThrottle",
    "Passwords",
    "Tokens",
    "authenticate",
    "client_key",
    "refresh_hash",
]

ALGORITHM = "HS256"
MISSING_TOKEN = "The Authorization header is missing; send `Authorization: Bearer <access token>`."
MALFORMED_HEADER = "Expected `Authorization: Bearer <access token>`."
EXPIRED_TOKEN = "The access token expired; get a new one from POST /auth/refresh."
INVALID_TOKEN = (
    "The access token is malformed, was not issued by this service or was tampered with."
)


class Passwords:
    """Hash and verify passwords with argon2id."""

    def __init__(self, cost: PasswordCost) -> None:
        self._hasher = PasswordHasher(
            time_cost=cost.time_cost,
            memory_cost=cost.memory_cost,
            parallelism=cost.parallelism,
            type=Type.ID,
        )
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    def hash(self, password: str) -> str:
        """A new salted hash of ``password``."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; ``None`` (no such user) costs the same and is False."""
        try:
            matched = self._hasher.verify(password_hash or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return False
        return matched and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether ``password_hash`` was made with other parameters than the current ones."""
        return self._hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: uuid.UUID
    version: int
    token_id: str


class Tokens:
    """Issue and verify access tokens; mint refresh tokens."""

    def __init__(self, secret: str, *, access_ttl: int, refresh_ttl: int) -> None:
        self._secret = secret
        self.access_ttl = access_ttl
        self.refresh_ttl = dt.timedelta(seconds=refresh_ttl)

    def access(self, user_id: uuid.UUID, version: int, now: dt.datetime) -> str:
        """A signed access token for ``user_id`` valid for ``access_ttl`` seconds."""
        issued = int(now.timestamp())
        claims = {
            "sub": str(user_id),
            "iat": issued,
            "exp": issued + self.access_ttl,
            "jti": uuid.uuid4().hex,
            "ver": version,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> AccessClaims:
        """Verify signature, algorithm and expiry; raise a 401 ``Problem`` otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"require": ["sub", "iat", "exp", "jti", "ver"]},
            )
            return AccessClaims(uuid.UUID(claims["sub"]), int(claims["ver"]), str(claims["jti"]))
        except jwt.ExpiredSignatureError:
            raise unauthorized(EXPIRED_TOKEN, invalid_token=True) from None
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise unauthorized(INVALID_TOKEN, invalid_token=True) from None

    def pair(
        self,
        session: Session,
        user: User,
        now: dt.datetime,
        *,
        family_id: uuid.UUID | None = None,
    ) -> dict[str, object]:
        """Store a new refresh token for ``user`` and answer a ``TokenPair``."""
        refresh = "rt_" + secrets.token_urlsafe(32)
        session.add(
            RefreshToken(
                user_id=user.id,
                family_id=family_id or uuid.uuid4(),
                token_hash=refresh_hash(refresh),
                created_at=now,
                expires_at=now + self.refresh_ttl,
            )
        )
        return {
            "accessToken": self.access(user.id, user.token_version, now),
            "refreshToken": refresh,
            "tokenType": "Bearer",
            "expiresIn": self.access_ttl,
        }


def refresh_hash(token: str) -> str:
    """The stored form of a refresh token."""
    return hashlib.sha256(token.encode()).hexdigest()


def client_key(address: str) -> str:
    """The throttle key of a client address (no email has a colon before its ``@``)."""
    return "client:" + address


class LoginThrottle:
    """At most ``attempts`` failed logins per email address within ``window`` seconds, and
    ``client_attempts`` per client address (`client_key`) whatever the addresses tried."""

    def __init__(self, *, attempts: int, window: int, client_attempts: int = 100) -> None:
        if isinstance(client_attempts, bool) or client_attempts < 1:
            raise ConfigError(
                f"expected login_client_attempts to be a positive integer, "
                f"got login_client_attempts={client_attempts!r}"
            )
        self.attempts = attempts
        self.client_attempts = client_attempts
        self.window = dt.timedelta(seconds=window)

    def retry_after(self, session: Session, email_key: str, now: dt.datetime) -> int | None:
        """Seconds until another attempt is allowed, or None when it is allowed now."""
        limit = self.client_attempts if email_key.startswith("client:") else self.attempts
        recent = session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.email_key == email_key, LoginFailure.at > now - self.window)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        ).all()
        if len(recent) < limit:
            return None
        return max(1, math.ceil((recent[-1] + self.window - now).total_seconds()))

    def record_failure(self, session: Session, email_key: str, now: dt.datetime) -> None:
        """Count one failure and forget the ones older than the window."""
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.email_key == email_key, LoginFailure.at <= now - self.window
            )
        )
        session.add(LoginFailure(email_key=email_key, at=now))

    def clear(self, session: Session, email_key: str) -> None:
        """Forget the failures of ``email_key`` (after a successful login)."""
        session.execute(delete(LoginFailure).where(LoginFailure.email_key == email_key))


async def authenticate(request: Request, tokens: Tokens, db: Database) -> uuid.UUID:
    """The id of the active user whose valid access token the request bears, or a 401."""
    header = request.headers.get("authorization")
    if header is None:
        raise unauthorized(MISSING_TOKEN)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized(MALFORMED_HEADER, invalid_token=True)
    claims = tokens.decode(token.strip())

    def refusal(session: Session) -> str | None:
        user = session.get(User, claims.user_id)
        if user is None:
            return "The access token's user no longer exists."
        if user.status != "active":
            return f"The account is {user.status}."
        if user.token_version != claims.version:
            return "The access token was revoked by a logout of all devices; log in again."
        return None

    reason = await db.run(refusal)
    if reason is not None:
        raise unauthorized(reason, invalid_token=True)
    return claims.user_id
