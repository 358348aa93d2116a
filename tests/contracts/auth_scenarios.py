"""The consumer's expectations of the auth API: register, login, refresh, logout, the user.

Besides the happy paths, the token lifecycle the frontend relies on: a rotated refresh token is
refused, so is one logged out; after a logout of all devices the old access token is refused;
a throttled login answers 429 with ``Retry-After``; a blocked account answers 403.
"""

from __future__ import annotations

import pytest
from pact import match

from contracts.client import (
    BadRequest,
    Conflict,
    Forbidden,
    PlatformClient,
    TooManyRequests,
    Unauthorized,
)
from tests.contracts.shapes import (
    ADA,
    EXAMPLE_REFRESH,
    Scenario,
    injected,
    path,
    problem,
    raises,
    token_pair,
    user,
)

__all__ = ["AUTH"]

LIN = {"email": "lin@example.com", "password": "correct-horse-7"}
# RFC 9110: a 401 names the scheme to use; the spec marks the header required.
CHALLENGE = match.regex('Bearer realm="api"', regex=r"^Bearer\b.*$")


def _register(api: PlatformClient) -> None:
    created = api.register("grace@example.com", "hopper-1906-x", "Grace Hopper")
    assert (created.status, created.role) == ("active", "user")


def _login(api: PlatformClient) -> None:
    result = api.login(ADA["email"], ADA["password"])
    assert result.tokens.token_type == "Bearer"
    assert api.token == result.tokens.access_token


def _refresh(api: PlatformClient) -> None:
    assert api.refresh(EXAMPLE_REFRESH).token_type == "Bearer"


def _throttled_login(api: PlatformClient) -> None:
    with pytest.raises(TooManyRequests) as caught:
        api.login(LIN["email"], LIN["password"])
    assert caught.value.problem.code == "too_many_attempts"
    assert caught.value.retry_after is not None
    assert caught.value.retry_after >= 1


def _anonymous(api: PlatformClient) -> PlatformClient:
    api.token = None
    return api


AUTH: list[Scenario] = [
    Scenario(
        "a registration",
        [("no data", {})],
        "POST",
        path("/auth/register"),
        201,
        _register,
        body={
            "email": "grace@example.com",
            "password": "hopper-1906-x",
            "name": "Grace Hopper",
            "acceptTerms": True,
        },
        response=user(email=match.str("grace@example.com"), status="active"),
        authorized=False,
    ),
    Scenario(
        "a registration with a taken email",
        [("a user exists", {"email": "grace@example.com"})],
        "POST",
        path("/auth/register"),
        409,
        raises(Conflict, "email_taken", _register),
        body={
            "email": "grace@example.com",
            "password": "hopper-1906-x",
            "name": "Grace Hopper",
            "acceptTerms": True,
        },
        response=problem(409, "email_taken"),
        authorized=False,
    ),
    Scenario(
        "a registration with a short password",
        [("no data", {})],
        "POST",
        path("/auth/register"),
        400,
        raises(
            BadRequest, "validation_failed", lambda api: api.register("a@example.com", "x1", "A")
        ),
        body={"email": "a@example.com", "password": "x1", "name": "A", "acceptTerms": True},
        response={
            **problem(400, "validation_failed"),
            "errors": match.each_like(
                {
                    "field": "body.password",
                    "code": match.str("minLength"),
                    "message": match.str("too short"),
                },
                min=1,
            ),
        },
        authorized=False,
    ),
    Scenario(
        "a login",
        [("a user exists", ADA)],
        "POST",
        path("/auth/login"),
        200,
        _login,
        body=ADA,
        response={"user": user(email="ada@example.com"), "tokens": token_pair()},
        authorized=False,
    ),
    Scenario(
        "a login with a wrong password",
        [("a user exists", ADA)],
        "POST",
        path("/auth/login"),
        401,
        raises(Unauthorized, "invalid_credentials", lambda api: api.login(ADA["email"], "nope-1")),
        body={"email": ADA["email"], "password": "nope-1"},
        response=problem(401, "invalid_credentials"),
        authorized=False,
    ),
    Scenario(
        "a login to a suspended account",
        [("a user exists", {**ADA, "status": "suspended"})],
        "POST",
        path("/auth/login"),
        403,
        raises(
            Forbidden, "account_suspended", lambda api: api.login(ADA["email"], ADA["password"])
        ),
        body=ADA,
        response=problem(403, "account_suspended"),
        authorized=False,
    ),
    Scenario(
        "a token refresh",
        [("a user exists", {})],
        "POST",
        path("/auth/refresh"),
        200,
        _refresh,
        body={"refreshToken": injected("refreshToken", EXAMPLE_REFRESH)},
        response=token_pair(),
        authorized=False,
    ),
    Scenario(
        "a refresh with an unknown token",
        [("no data", {})],
        "POST",
        path("/auth/refresh"),
        401,
        raises(Unauthorized, "invalid_refresh_token", lambda api: api.refresh("rt_unknown")),
        body={"refreshToken": "rt_unknown"},
        response=problem(401, "invalid_refresh_token"),
        authorized=False,
    ),
    Scenario(
        "a logout of one device",
        [("a user exists", {})],
        "POST",
        path("/auth/logout"),
        204,
        lambda api: api.logout(EXAMPLE_REFRESH),
        body={"refreshToken": injected("refreshToken", EXAMPLE_REFRESH)},
    ),
    Scenario(
        "a request for the current user",
        [("a user exists", {})],
        "GET",
        path("/auth/me"),
        200,
        lambda api: None if api.me().email else pytest.fail("no email"),
        response=user(email="ada@example.com"),
    ),
    Scenario(
        "a request for the current user without a token",
        [("no data", {})],
        "GET",
        path("/auth/me"),
        401,
        raises(Unauthorized, "unauthorized", lambda api: PlatformClient.me(_anonymous(api))),
        response=problem(401, "unauthorized"),
        response_headers={"WWW-Authenticate": CHALLENGE},
        authorized=False,
    ),
    # -- the token lifecycle and blocked accounts
    Scenario(
        "a refresh with a token already rotated",
        [("a refresh token was rotated", {})],
        "POST",
        path("/auth/refresh"),
        401,
        raises(Unauthorized, "invalid_refresh_token", _refresh),
        body={"refreshToken": injected("refreshToken", EXAMPLE_REFRESH)},
        response=problem(401, "invalid_refresh_token"),
        authorized=False,
    ),
    Scenario(
        "a refresh with a token logged out",
        [("a user logged out of one device", {})],
        "POST",
        path("/auth/refresh"),
        401,
        raises(Unauthorized, "invalid_refresh_token", _refresh),
        body={"refreshToken": injected("refreshToken", EXAMPLE_REFRESH)},
        response=problem(401, "invalid_refresh_token"),
        authorized=False,
    ),
    Scenario(
        "a logout of all devices",
        [("a user exists", {})],
        "POST",
        path("/auth/logout"),
        204,
        lambda api: api.logout(all_devices=True),
        body={"allDevices": True},
    ),
    Scenario(
        "a request for the current user after a logout of all devices",
        [("a user logged out of all devices", {})],
        "GET",
        path("/auth/me"),
        401,
        raises(Unauthorized, "unauthorized", PlatformClient.me),
        response=problem(401, "unauthorized"),
        response_headers={"WWW-Authenticate": CHALLENGE},
    ),
    Scenario(
        "a refresh after a logout of all devices",
        [("a user logged out of all devices", {})],
        "POST",
        path("/auth/refresh"),
        401,
        raises(Unauthorized, "invalid_refresh_token", _refresh),
        body={"refreshToken": injected("refreshToken", EXAMPLE_REFRESH)},
        response=problem(401, "invalid_refresh_token"),
        authorized=False,
    ),
    Scenario(
        "a login to a throttled account",
        [("an account's logins are throttled", {"email": LIN["email"]})],
        "POST",
        path("/auth/login"),
        429,
        _throttled_login,
        body=LIN,
        response=problem(429, "too_many_attempts"),
        response_headers={"Retry-After": match.regex("900", regex=r"^[1-9][0-9]*$")},
        authorized=False,
    ),
    Scenario(
        "a login to a deactivated account",
        [("a user exists", {**ADA, "status": "deactivated"})],
        "POST",
        path("/auth/login"),
        403,
        raises(
            Forbidden, "account_deactivated", lambda api: api.login(ADA["email"], ADA["password"])
        ),
        body=ADA,
        response=problem(403, "account_deactivated"),
        authorized=False,
    ),
]
