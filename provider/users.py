"""Accounts and authentication: register, login, refresh, logout, me (the ``auth`` tag).

Login runs in three short steps so the argon2 work holds no database lock: read the throttle
and the account, verify the password off the event loop, then record the failure or issue the
tokens. A wrong password and an unknown email answer the same 401 and cost the same. The
throttle is checked before the password, so at the limit even the right password waits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from provider.auth import client_key, refresh_hash
from provider.endpoint import (
    Call,
    endpoint,
    json_response,
    no_content,
    timestamp,
)
from provider.models import RefreshToken, User, utcnow
from provider.problems import FieldError, Problem, conflict, validation_failed

__all__ = ["get_current_user", "login", "logout", "refresh", "register", "render_user"]

EMAIL_TAKEN = "An account with this email address already exists."
INVALID_CREDENTIALS = "The email or the password is wrong."
INVALID_REFRESH = "The refresh token is unknown, expired, already used or revoked; log in again."
BLOCKED = {
    "suspended": ("account_suspended", "This account is suspended; contact support."),
    "deactivated": ("account_deactivated", "This account was deactivated by its owner."),
}


def render_user(user: User) -> dict[str, Any]:
    """The ``User`` representation (never the password hash)."""
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "status": user.status,
        "createdAt": timestamp(user.created_at),
        "updatedAt": timestamp(user.updated_at),
    }


def email_key(email: str) -> str:
    """The case-insensitive identity of an address."""
    return email.strip().lower()


@endpoint("registerUser")
async def register(call: Call) -> Response:
    body = call.body
    password_hash = await run_in_threadpool(call.services.passwords.hash, body["password"])

    def work(session: Session) -> dict[str, Any]:
        if session.scalar(select(User.id).where(User.email_key == email_key(body["email"]))):
            raise conflict("email_taken", EMAIL_TAKEN)
        now = utcnow()
        user = User(
            email=body["email"],
            email_key=email_key(body["email"]),
            name=body["name"],
            password_hash=password_hash,
            role="user",
            status="active",
            token_version=0,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        session.flush()
        return render_user(user)

    try:
        user = await call.run(work)
    except IntegrityError:  # a concurrent registration of the same address won the race
        raise conflict("email_taken", EMAIL_TAKEN) from None
    return json_response(user, 201)


@endpoint("loginUser")
async def login(call: Call) -> Response:
    services, key, password = call.services, email_key(call.body["email"]), call.body["password"]
    client = client_key(call.request.client.host if call.request.client else "unknown")
    throttle = services.throttle

    def look_up(session: Session) -> tuple[int | None, str, User | None]:
        user = session.scalar(select(User).where(User.email_key == key))
        now = utcnow()
        for who, throttled in (("this account", key), ("this client", client)):
            retry_after = throttle.retry_after(session, throttled, now)
            if retry_after is not None:
                return retry_after, who, user
        return None, "", user

    retry_after, who, user = await call.run(look_up)
    if retry_after is not None:
        raise Problem(
            429,
            "too_many_attempts",
            f"Too many failed logins for {who}; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )
    # Verified even without a user (against a dummy hash): an unknown email costs the same.
    matched = await run_in_threadpool(
        services.passwords.verify, user.password_hash if user else None, password
    )
    if user is None or not matched:

        def fail(session: Session) -> None:
            throttle.record_failure(session, key, utcnow())
            throttle.record_failure(session, client, utcnow())

        await call.run(fail)
        raise Problem(401, "invalid_credentials", INVALID_CREDENTIALS)
    if user.status in BLOCKED:
        code, detail = BLOCKED[user.status]
        raise Problem(403, code, detail)

    def issue(session: Session) -> dict[str, Any]:
        fresh = session.get(User, user.id)
        assert fresh is not None, "a user is never deleted between two steps of a login"
        now = utcnow()
        services.throttle.clear(session, key)
        if services.passwords.needs_rehash(fresh.password_hash):
            fresh.password_hash = services.passwords.hash(password)
        return {"user": render_user(fresh), "tokens": services.tokens.pair(session, fresh, now)}

    return json_response(await call.run(issue))


@endpoint("refreshToken")
async def refresh(call: Call) -> Response:
    tokens, presented = call.services.tokens, refresh_hash(call.body["refreshToken"])

    def rotate(session: Session) -> dict[str, object] | Problem:
        now = utcnow()
        stored = session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == presented).with_for_update()
        )
        if stored is None or stored.expires_at <= now:
            return Problem(401, "invalid_refresh_token", INVALID_REFRESH)
        if stored.revoked_at is not None:
            # A rotated token came back: someone holds a copy. Revoke the whole family.
            _revoke(session, now, RefreshToken.family_id == stored.family_id)
            return Problem(401, "invalid_refresh_token", INVALID_REFRESH)
        user = session.get(User, stored.user_id)
        revoked = _revoke(session, now, RefreshToken.id == stored.id)
        if user is None or user.status != "active" or revoked != 1:
            return Problem(401, "invalid_refresh_token", INVALID_REFRESH)
        return tokens.pair(session, user, now, family_id=stored.family_id)

    # Returned, not raised: the family revocation above must commit before the 401 goes out.
    outcome = await call.run(rotate)
    if isinstance(outcome, Problem):
        raise outcome
    return json_response(outcome)


@endpoint("logoutUser")
async def logout(call: Call) -> Response:
    user_id, body = call.user, call.body
    if not body.get("allDevices") and "refreshToken" not in body:
        raise validation_failed(
            [
                FieldError(
                    "body.refreshToken",
                    "required",
                    "refreshToken is required unless allDevices is true",
                )
            ]
        )

    def work(session: Session) -> None:
        now = utcnow()
        if body.get("allDevices"):
            _revoke(session, now, RefreshToken.user_id == user_id)
            session.execute(
                update(User)
                .where(User.id == user_id)
                .values(token_version=User.token_version + 1, tokens_valid_after=now)
            )
        else:
            # Someone else's or an unknown token is left alone; the answer is the same 204.
            _revoke(
                session,
                now,
                RefreshToken.token_hash == refresh_hash(body["refreshToken"]),
                RefreshToken.user_id == user_id,
            )

    await call.run(work)
    return no_content()


@endpoint("getCurrentUser")
async def get_current_user(call: Call) -> Response:
    user_id = call.user

    def work(session: Session) -> dict[str, Any]:
        user = session.get(User, user_id)
        assert user is not None, "authenticate() checked the user exists"
        return render_user(user)

    return json_response(await call.run(work))


def _revoke(session: Session, now: dt.datetime, *where: Any) -> int:
    """Revoke the matching live refresh tokens; answer how many."""
    result = session.execute(
        update(RefreshToken).where(*where, RefreshToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    return cast(CursorResult[Any], result).rowcount
