"""Accounts: register, login (throttled, blocked), refresh, logout, the current user.

On the bundled spec (every answer checked against it) and on a small spec of another shape:
``username``/``pass`` fields, tokens at other pointers, a tight throttle, a logout whose body
the schema does not constrain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mockserver import create_app
from tests.inprocess import PASSWORD, InProcess, User

MakeMock = Callable[..., InProcess]


@pytest.fixture
def mock(make_mock: MakeMock) -> InProcess:
    return make_mock()


@pytest.fixture
def ada(mock: InProcess) -> User:
    return mock.user("ada@example.com")


def _login(mock: InProcess, email: str, password: str = PASSWORD) -> Any:
    return mock.request("POST", "/auth/login", json={"email": email, "password": password})


# -- register -----------------------------------------------------------------------------


def test_register_answers_the_account_without_its_password(mock: InProcess) -> None:
    body = {"email": "new@example.com", "password": PASSWORD, "name": "New", "acceptTerms": True}
    created = mock.request("POST", "/auth/register", json=body)
    assert created.status_code == 201
    account = created.json()
    assert (account["email"], account["name"], account["role"], account["status"]) == (
        "new@example.com", "New", "user", "active"
    )  # fmt: skip
    assert "password" not in account
    assert PASSWORD not in created.text


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@Example.COM"])
def test_register_refuses_a_taken_email_whatever_its_case(
    mock: InProcess, ada: User, email: str
) -> None:
    body = {"email": email, "password": PASSWORD, "name": "Again", "acceptTerms": True}
    refused = mock.request("POST", "/auth/register", json=body)
    assert (refused.status_code, refused.json()["code"]) == (409, "email_taken")
    assert refused.json()["detail"] == "The email is already registered."


# -- login --------------------------------------------------------------------------------


def test_login_answers_the_user_and_a_token_pair(mock: InProcess, ada: User) -> None:
    login = _login(mock, "ada@example.com").json()
    assert login["user"]["id"] == ada.id
    tokens = login["tokens"]
    assert (tokens["tokenType"], tokens["expiresIn"]) == ("Bearer", 900)
    assert tokens["accessToken"].count(".") == 2
    me = mock.request("GET", "/auth/me", token=tokens["accessToken"])
    assert me.json() == login["user"]


def test_login_answers_an_unknown_email_as_a_wrong_password(mock: InProcess, ada: User) -> None:
    unknown = _login(mock, "nobody@example.com")
    wrong = _login(mock, "ada@example.com", "not-the-password")
    for answer in (unknown, wrong):
        assert (answer.status_code, answer.json()["code"]) == (401, "invalid_credentials")
    assert unknown.json()["detail"] == wrong.json()["detail"]


def test_login_is_throttled_after_five_failures_with_retry_after(
    mock: InProcess, ada: User
) -> None:
    for _ in range(5):
        assert _login(mock, "ada@example.com", "wrong").status_code == 401
    blocked = _login(mock, "ada@example.com")  # even the right password
    assert (blocked.status_code, blocked.json()["code"]) == (429, "too_many_attempts")
    assert 890 <= int(blocked.headers["retry-after"]) <= 900
    assert "this account" in blocked.json()["detail"]
    # Another account of the same client is not held up by it.
    mock.user("other@example.com")
    assert _login(mock, "other@example.com").status_code == 200


def test_login_success_forgets_the_failures_before_it(mock: InProcess, ada: User) -> None:
    for _ in range(4):
        assert _login(mock, "ada@example.com", "wrong").status_code == 401
    assert _login(mock, "ada@example.com").status_code == 200
    for _ in range(4):
        assert _login(mock, "ada@example.com", "wrong").status_code == 401
    assert _login(mock, "ada@example.com").status_code == 200


@pytest.mark.parametrize(
    ("status", "code"),
    [("suspended", "account_suspended"), ("deactivated", "account_deactivated")],
)
def test_login_refuses_a_blocked_account_with_403(
    make_mock: MakeMock, status: str, code: str
) -> None:
    user = {"email": "off@example.com", "password": PASSWORD, "name": "Off", "status": status}
    mock = make_mock(fixtures={"collections": {"__users__": {"u-1": user}}})
    refused = _login(mock, "off@example.com")
    assert (refused.status_code, refused.json()["code"]) == (403, code)
    assert refused.json()["detail"] == f"This account is {status}."


# -- refresh ------------------------------------------------------------------------------


def test_refresh_rotates_the_pair_and_the_new_access_token_works(
    mock: InProcess, ada: User
) -> None:
    rotated = mock.request("POST", "/auth/refresh", json={"refreshToken": ada.refresh_token})
    assert rotated.status_code == 200
    pair = rotated.json()
    assert pair["refreshToken"] != ada.refresh_token
    assert (pair["tokenType"], pair["expiresIn"]) == ("Bearer", 900)
    assert mock.request("GET", "/auth/me", token=pair["accessToken"]).json()["id"] == ada.id


def test_refresh_reuse_revokes_the_whole_login(mock: InProcess, ada: User) -> None:
    pair = mock.request("POST", "/auth/refresh", json={"refreshToken": ada.refresh_token}).json()
    reused = mock.request("POST", "/auth/refresh", json={"refreshToken": ada.refresh_token})
    assert (reused.status_code, reused.json()["code"]) == (401, "invalid_refresh_token")
    after = mock.request("POST", "/auth/refresh", json={"refreshToken": pair["refreshToken"]})
    assert (after.status_code, after.json()["code"]) == (401, "invalid_refresh_token")


def test_refresh_refuses_a_token_it_never_issued(mock: InProcess) -> None:
    refused = mock.request("POST", "/auth/refresh", json={"refreshToken": "rt_made_up"})
    assert (refused.status_code, refused.json()["code"]) == (401, "invalid_refresh_token")


# -- logout -------------------------------------------------------------------------------


def test_logout_of_one_device_revokes_only_its_refresh_token(mock: InProcess, ada: User) -> None:
    out = ada.post("/auth/logout", json={"refreshToken": ada.refresh_token})
    assert (out.status_code, out.content) == (204, b"")
    refused = mock.request("POST", "/auth/refresh", json={"refreshToken": ada.refresh_token})
    assert refused.status_code == 401
    assert ada.get("/auth/me").status_code == 200


def test_logout_of_all_devices_revokes_every_token_until_the_next_login(
    mock: InProcess, ada: User
) -> None:
    phone = _login(mock, "ada@example.com").json()["tokens"]
    assert ada.post("/auth/logout", json={"allDevices": True}).status_code == 204
    for token in (ada.token, phone["accessToken"]):
        revoked = mock.request("GET", "/auth/me", token=token)
        assert (revoked.status_code, revoked.json()["detail"]) == (
            401, "The access token was revoked."
        )  # fmt: skip
        assert "invalid_token" in revoked.headers["www-authenticate"]
    for refresh in (ada.refresh_token, phone["refreshToken"]):
        assert (
            mock.request("POST", "/auth/refresh", json={"refreshToken": refresh}).status_code == 401
        )
    fresh = _login(mock, "ada@example.com").json()["tokens"]["accessToken"]
    assert mock.request("GET", "/auth/me", token=fresh).json()["id"] == ada.id


def test_logout_needs_a_token_of_the_mock(mock: InProcess) -> None:
    refused = mock.request("POST", "/auth/logout", json={"allDevices": True})
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
    assert refused.headers["www-authenticate"].startswith("Bearer")


# -- a spec of another shape ----------------------------------------------------------------


def _body(properties: dict[str, Any], *required: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:  # OpenAPI 3.0 forbids an empty list
        schema["required"] = list(required)
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _answer(schema: Any = None, status: str = "200") -> dict[str, Any]:
    if schema is None:
        return {status: {"description": "done"}}
    return {status: {"description": "done", "content": {"application/json": {"schema": schema}}}}


STRING = {"type": "string"}
CREDENTIALS = {"username": STRING, "pass": STRING}
ACCOUNT = {
    "type": "object",
    "properties": {"id": {"type": "string", "readOnly": True}, "username": STRING},
}
CLUB: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Club", "version": "1"},
    "security": [{"token": []}],
    "paths": {
        "/signup": {
            "post": {
                "security": [],
                "x-mock-action": {"type": "register", "identity": "username", "secret": "pass"},
                "requestBody": _body(CREDENTIALS, "username", "pass"),
                "responses": _answer(ACCOUNT, "201"),
            }
        },
        "/token": {
            "post": {
                "security": [],
                "x-mock-action": {
                    "type": "login",
                    "identity": "username",
                    "secret": "pass",
                    "throttle": {"maxAttempts": 2, "windowSeconds": 60, "clientMaxAttempts": 3},
                    "response": {
                        "accessToken": "/access_token",
                        "tokenType": "/token_type",
                        "user": "/account/profile",
                    },
                },
                "requestBody": _body(CREDENTIALS, "username", "pass"),
                "responses": _answer(
                    {
                        "type": "object",
                        "properties": {
                            "access_token": STRING,
                            "token_type": STRING,
                            "account": {"type": "object", "properties": {"profile": ACCOUNT}},
                        },
                    }
                ),
            }
        },
        "/me": {"get": {"x-mock-action": {"type": "current-user"}, "responses": _answer(ACCOUNT)}},
        "/logout": {
            "post": {
                "x-mock-action": {"type": "logout", "token": "refresh", "all": "everywhere"},
                "requestBody": _body({"refresh": STRING, "everywhere": {"type": "boolean"}}),
                "responses": _answer(status="204"),
            }
        },
    },
    "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
}


@pytest.fixture
def club(make_mock: MakeMock) -> InProcess:
    mock = make_mock(create_app(CLUB, seed=2))
    for name in ("ann", "ben"):
        body = {"username": name, "pass": "secret"}
        assert mock.request("POST", "/signup", json=body).status_code == 201
    return mock


def test_accounts_put_tokens_and_the_user_where_the_action_points(club: InProcess) -> None:
    login = club.request("POST", "/token", json={"username": "ann", "pass": "secret"})
    body = login.json()
    assert set(body) == {"access_token", "token_type", "account"}
    assert body["token_type"] == "Bearer"
    assert body["account"]["profile"]["username"] == "ann"
    me = club.request("GET", "/me", token=body["access_token"])
    assert me.json() == body["account"]["profile"]


def test_accounts_refuse_a_taken_identity_with_the_default_conflict_code(club: InProcess) -> None:
    again = club.request("POST", "/signup", json={"username": "ANN", "pass": "other"})
    assert (again.status_code, again.json()["code"]) == (409, "conflict")


def test_accounts_throttle_a_client_that_sprays_many_accounts(club: InProcess) -> None:
    for name in ("ann", "ben", "nobody"):
        wrong = club.request("POST", "/token", json={"username": name, "pass": "wrong"})
        assert wrong.status_code == 401
    blocked = club.request("POST", "/token", json={"username": "ben", "pass": "secret"})
    assert (blocked.status_code, blocked.json()["code"]) == (429, "too_many_attempts")
    assert "this client" in blocked.json()["detail"]
    assert 1 <= int(blocked.headers["retry-after"]) <= 60


def test_accounts_logout_without_a_token_or_everywhere_is_a_field_error(club: InProcess) -> None:
    token = club.request("POST", "/token", json={"username": "ann", "pass": "secret"})
    access = token.json()["access_token"]
    refused = club.request("POST", "/logout", json={}, token=access)
    assert (refused.status_code, refused.json()["code"]) == (400, "validation_failed")
    assert refused.json()["errors"] == [
        {
            "field": "body.refresh",
            "code": "required",
            "message": "required unless logging out of all devices",
        }
    ]
    assert (
        club.request("POST", "/logout", json={"everywhere": True}, token=access).status_code == 204
    )
    assert club.request("GET", "/me", token=access).status_code == 401
