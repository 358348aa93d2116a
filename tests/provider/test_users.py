"""Accounts and authentication over HTTP: register, login, throttling, tokens, logout, me."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from provider.models import User
from tests.provider.conftest import JWT_SECRET, PASSWORD, Api, Provider, unique_email

pytestmark = pytest.mark.slow


def registration(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email": unique_email(),
        "password": PASSWORD,
        "name": "Ada Lovelace",
        "acceptTerms": True,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_register_answers_the_user_without_a_password(api: Api) -> None:
    body = registration()
    response = api.anonymous.post("/auth/register", json=body)
    assert response.status_code == 201
    user = response.json()
    assert (user["email"], user["name"], user["role"], user["status"]) == (
        body["email"],
        "Ada Lovelace",
        "user",
        "active",
    )
    # No user endpoint exists to point a Location at; the account is read via /auth/me.
    assert "location" not in response.headers
    assert "password" not in response.text
    assert PASSWORD not in response.text


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"email": "not-an-email"}, "body.email", "format"),
        ({"password": "onlyletters"}, "body.password", "pattern"),
        ({"password": "12345678"}, "body.password", "pattern"),
        ({"password": "a1"}, "body.password", "minLength"),
        ({"acceptTerms": False}, "body.acceptTerms", "const"),
        ({"name": None}, "body.name", "required"),
        ({"name": ""}, "body.name", "minLength"),
        ({"role": "admin"}, "body.role", "additionalProperties"),
        ({"email": "x" * 250 + "@example.com"}, "body.email", "maxLength"),
    ],
    ids=[
        "bad email",
        "password without digit",
        "password without letter",
        "short password",
        "terms not accepted",
        "missing name",
        "empty name",
        "mass-assigned role",
        "long email",
    ],
)
def test_register_rejects_an_invalid_field_at_its_location(
    api: Api, changes: dict[str, object], field: str, code: str
) -> None:
    response = api.anonymous.post("/auth/register", json=registration(**changes))
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in problem["errors"]
    ]


def test_register_lists_every_violation_at_once(api: Api) -> None:
    response = api.anonymous.post(
        "/auth/register", json={"email": "nope", "password": "x", "acceptTerms": False}
    )
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"body.email", "body.password", "body.name", "body.acceptTerms"} <= fields


def test_registering_an_email_twice_in_any_case_answers_409_email_taken(api: Api) -> None:
    email = unique_email()
    api.register(email=email)
    response = api.anonymous.post("/auth/register", json=registration(email=email.upper()))
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


def test_login_answers_the_user_and_a_token_pair(api: Api) -> None:
    user = api.register()
    result = api.login(user["email"])
    assert result["user"] == user
    assert result["tokens"]["tokenType"] == "Bearer"
    assert result["tokens"]["expiresIn"] == 900
    assert result["tokens"]["refreshToken"].startswith("rt_")


def test_the_access_token_is_an_hs256_jwt_for_the_user(api: Api) -> None:
    account = api.user()
    assert jwt.get_unverified_header(account.access_token)["alg"] == "HS256"
    claims = jwt.decode(account.access_token, JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == account.id
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]


def test_login_answers_the_same_401_for_an_unknown_email_and_a_wrong_password(api: Api) -> None:
    user = api.register()
    wrong = api.anonymous.post("/auth/login", json={"email": user["email"], "password": "wrong-1"})
    unknown = api.anonymous.post("/auth/login", json={"email": unique_email(), "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    ("status", "code"),
    [("suspended", "account_suspended"), ("deactivated", "account_deactivated")],
)
def test_login_of_a_blocked_account_answers_403(
    api: Api, shared_provider: Provider, status: str, code: str
) -> None:
    account = api.user()
    set_status(shared_provider, account.id, status)
    response = api.anonymous.post(
        "/auth/login", json={"email": account.email, "password": PASSWORD}
    )
    assert (response.status_code, response.json()["code"]) == (403, code)
    assert account.http.get("/auth/me").status_code == 401


def set_status(provider: Provider, user_id: str, status: str) -> None:
    def work(session: Session) -> None:
        session.execute(update(User).where(User.id == uuid.UUID(user_id)).values(status=status))

    provider.services.db.run_sync(work)


def test_five_failed_logins_lock_the_account_with_retry_after(api: Api) -> None:
    user, bystander = api.register(), api.register()
    for _ in range(5):
        failed = api.anonymous.post(
            "/auth/login", json={"email": user["email"], "password": "bad-1"}
        )
        assert failed.status_code == 401
    locked = api.anonymous.post("/auth/login", json={"email": user["email"], "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert 890 <= int(locked.headers["retry-after"]) <= 900
    assert api.login(bystander["email"])["user"]["id"] == bystander["id"]


def test_unknown_emails_are_throttled_too(api: Api) -> None:
    email = unique_email()
    for _ in range(5):
        api.anonymous.post("/auth/login", json={"email": email, "password": "bad-1"})
    assert (
        api.anonymous.post("/auth/login", json={"email": email, "password": "x"}).status_code == 429
    )


def test_a_successful_login_forgets_earlier_failures(api: Api) -> None:
    user = api.register()
    for attempt in range(9):
        password = PASSWORD if attempt == 4 else "bad-1"
        response = api.anonymous.post(
            "/auth/login", json={"email": user["email"], "password": password}
        )
        assert response.status_code == (200 if attempt == 4 else 401)


def test_refresh_rotates_the_pair_and_refuses_the_used_token(api: Api) -> None:
    account = api.user()
    rotated = api.anonymous.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    assert rotated.status_code == 200
    pair = rotated.json()
    assert pair["refreshToken"] != account.refresh_token
    assert api.client(pair["accessToken"]).get("/auth/me").json()["id"] == account.id
    reused = api.anonymous.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    assert (reused.status_code, reused.json()["code"]) == (401, "invalid_refresh_token")


def test_reusing_a_rotated_refresh_token_revokes_its_successor(api: Api) -> None:
    account = api.user()
    successor = api.anonymous.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    api.anonymous.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    response = api.anonymous.post(
        "/auth/refresh", json={"refreshToken": successor.json()["refreshToken"]}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("token", ["rt_unknown", "x" * 512])
def test_refresh_with_a_token_never_issued_answers_401(api: Api, token: str) -> None:
    response = api.anonymous.post("/auth/refresh", json={"refreshToken": token})
    assert (response.status_code, response.json()["code"]) == (401, "invalid_refresh_token")


def test_logout_of_one_device_revokes_only_its_refresh_token(api: Api) -> None:
    account = api.user()
    other_device = api.login(account.email)["tokens"]
    response = account.http.post("/auth/logout", json={"refreshToken": account.refresh_token})
    assert response.status_code == 204
    assert (
        api.anonymous.post(
            "/auth/refresh", json={"refreshToken": account.refresh_token}
        ).status_code
        == 401
    )
    kept = api.anonymous.post("/auth/refresh", json={"refreshToken": other_device["refreshToken"]})
    assert kept.status_code == 200
    assert account.http.get("/auth/me").status_code == 200


def test_logout_of_all_devices_revokes_every_token_issued_before(api: Api) -> None:
    account = api.user()
    other_device = api.login(account.email)["tokens"]
    assert account.http.post("/auth/logout", json={"allDevices": True}).status_code == 204
    for refresh in (account.refresh_token, other_device["refreshToken"]):
        assert (
            api.anonymous.post("/auth/refresh", json={"refreshToken": refresh}).status_code == 401
        )
    for access in (account.access_token, other_device["accessToken"]):
        assert api.client(access).get("/auth/me").status_code == 401
    fresh = api.login(account.email)["tokens"]["accessToken"]
    assert api.client(fresh).get("/auth/me").status_code == 200


@pytest.mark.parametrize("body", [{}, {"allDevices": False}])
def test_logout_needs_a_refresh_token_unless_all_devices(api: Api, body: dict[str, Any]) -> None:
    response = api.user().http.post("/auth/logout", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("body")


def test_me_answers_the_caller(api: Api) -> None:
    account = api.user()
    me = account.http.get("/auth/me").json()
    assert (me["id"], me["email"]) == (account.id, account.email)


def forged_tokens() -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": str(uuid.uuid4()), "iat": now, "exp": now + 900, "jti": "j", "ver": 0}
    return {
        "garbage": "Bearer not-a-jwt",
        "wrong scheme": "Basic dXNlcjpwYXNz",
        "bearer without token": "Bearer",
        "foreign signature": "Bearer "
        + jwt.encode(claims, "another-secret-" + "k" * 40, algorithm="HS256"),
        "alg none": "Bearer " + jwt.encode(claims, "", algorithm="none"),
        "expired": "Bearer "
        + jwt.encode(
            {**claims, "iat": now - 2000, "exp": now - 1000}, JWT_SECRET, algorithm="HS256"
        ),
        "unknown user": "Bearer " + jwt.encode(claims, JWT_SECRET, algorithm="HS256"),
        "missing jti": "Bearer "
        + jwt.encode(
            {k: v for k, v in claims.items() if k != "jti"}, JWT_SECRET, algorithm="HS256"
        ),
    }


@pytest.mark.parametrize("name", sorted(forged_tokens()))
def test_a_bad_access_token_answers_401_with_a_bearer_challenge(api: Api, name: str) -> None:
    response = api.anonymous.get("/auth/me", headers={"Authorization": forged_tokens()[name]})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.headers["www-authenticate"].startswith('Bearer realm="api"')


def test_a_missing_access_token_answers_401(api: Api) -> None:
    response = api.anonymous.get("/auth/me")
    assert response.status_code == 401
    assert "Authorization header is missing" in response.json()["detail"]


def test_concurrent_registrations_of_one_email_create_one_account(api: Api) -> None:
    email = unique_email()
    clients = [api.client() for _ in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(
            pool.map(lambda c: c.post("/auth/register", json=registration(email=email)), clients)
        )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5


def test_a_rejected_password_is_not_echoed_in_the_error(api: Api) -> None:
    body = {**registration(), "password": "00000000"}
    response = api.anonymous.post("/auth/register", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body.password"
    assert "00000000" not in response.text
