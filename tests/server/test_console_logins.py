"""A user's logins through the admin API, in-process: listed one by one, revoked one by one.

Revoking one login refuses its access token at the next request (even one verified and
remembered before) and its refresh token, and leaves the user's other logins working; in
one worker and across workers sharing Redis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.inprocess import PASSWORD, InProcess, User
from tests.redis_server import RedisServer

MakeMock = Callable[..., InProcess]
PHONE = {"User-Agent": "PhoneApp/2.1 (Android 14)"}
LAPTOP = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"}


def log_in(mock: InProcess, headers: dict[str, str]) -> dict[str, str]:
    """A new login of ada from the client ``headers`` name; its tokens."""
    body = {"email": "ada@example.com", "password": PASSWORD}
    answer = mock.request("POST", "/auth/login", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    tokens: dict[str, str] = answer.json()["tokens"]
    return tokens


def logins(mock: InProcess, user: User) -> list[dict[str, Any]]:
    response = mock.admin("GET", f"/users/{user.id}/logins")
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["logins"]
    return listed


def by_agent(mock: InProcess, user: User, headers: dict[str, str]) -> dict[str, Any]:
    agent = headers["User-Agent"]
    return next(login for login in logins(mock, user) if login["userAgent"] == agent)


def me(mock: InProcess, token: str) -> int:
    """The status ``GET /auth/me`` answers with ``token``."""
    return mock.request("GET", "/auth/me", token=token, check=False).status_code


def refresh(mock: InProcess, token: str) -> Any:
    return mock.request("POST", "/auth/refresh", json={"refreshToken": token}, check=False)


def test_each_login_is_listed_with_when_it_was_made_and_its_client(
    mock: InProcess, ada: User
) -> None:
    log_in(mock, PHONE)
    log_in(mock, LAPTOP)
    listed = logins(mock, ada)
    assert len(listed) == 3  # the fixture's own login, the phone, the laptop
    assert [login["userAgent"] for login in listed[1:]] == [
        PHONE["User-Agent"],
        LAPTOP["User-Agent"],
    ]
    for login in listed:
        assert login["active"] is True
        assert login["revoked"] is None
        assert login["refreshedAt"] is None
        assert login["createdAt"].endswith("Z")
    assert len({login["id"] for login in listed}) == 3
    # The users list carries them too (the console's state view reads that one).
    [user] = mock.admin("GET", "/users").json()["users"]
    assert [login["id"] for login in user["logins"]] == [login["id"] for login in listed]


def test_revoking_one_login_refuses_its_tokens_and_keeps_the_others(
    mock: InProcess, ada: User
) -> None:
    phone, laptop = log_in(mock, PHONE), log_in(mock, LAPTOP)
    for tokens in (phone, laptop):  # verified now, and so remembered by the token cache
        assert mock.request("GET", "/auth/me", token=tokens["accessToken"]).status_code == 200
    target = by_agent(mock, ada, PHONE)["id"]
    assert mock.admin("POST", f"/users/{ada.id}/logins/{target}/revoke").status_code == 204
    refused = mock.request("GET", "/auth/me", token=phone["accessToken"], check=False)
    assert (refused.status_code, refused.json()["detail"]) == (401, "The access token was revoked.")
    assert refresh(mock, phone["refreshToken"]).status_code == 401
    assert mock.request("GET", "/auth/me", token=laptop["accessToken"]).status_code == 200
    assert ada.get("/auth/me").status_code == 200
    assert refresh(mock, laptop["refreshToken"]).status_code == 200
    revoked = by_agent(mock, ada, PHONE)
    assert (revoked["active"], revoked["revoked"]["by"]) == (False, "admin")
    assert by_agent(mock, ada, LAPTOP)["active"] is True


def test_a_refreshed_login_keeps_its_id_and_is_revoked_with_its_new_tokens(
    mock: InProcess, ada: User
) -> None:
    phone = log_in(mock, PHONE)
    before = by_agent(mock, ada, PHONE)
    pair = refresh(mock, phone["refreshToken"]).json()
    after = by_agent(mock, ada, PHONE)
    assert after["id"] == before["id"]
    assert after["refreshedAt"] is not None
    assert len(logins(mock, ada)) == 2  # a refresh is not a new login
    mock.admin("POST", f"/users/{ada.id}/logins/{after['id']}/revoke")
    assert me(mock, pair["accessToken"]) == 401
    assert refresh(mock, pair["refreshToken"]).status_code == 401


def test_logins_say_how_each_ended(mock: InProcess, ada: User) -> None:
    phone = log_in(mock, PHONE)
    ada.post("/auth/logout", json={"refreshToken": phone["refreshToken"]})
    assert by_agent(mock, ada, PHONE)["revoked"]["by"] == "logout"
    laptop = log_in(mock, LAPTOP)
    pair = refresh(mock, laptop["refreshToken"]).json()
    assert refresh(mock, laptop["refreshToken"]).status_code == 401  # reused: login revoked
    assert by_agent(mock, ada, LAPTOP)["revoked"]["by"] == "refresh token reused"
    assert refresh(mock, pair["refreshToken"]).status_code == 401
    ada.post("/auth/logout", json={"allDevices": True})
    assert [login["active"] for login in logins(mock, ada)] == [False, False, False]
    assert by_agent(mock, ada, PHONE)["revoked"]["by"] == "logout"  # its first end is kept


def test_a_revoked_login_stays_revoked_when_its_user_is_edited(mock: InProcess, ada: User) -> None:
    phone = log_in(mock, PHONE)
    mock.admin("POST", f"/users/{ada.id}/logins/{by_agent(mock, ada, PHONE)['id']}/revoke")
    [user] = mock.admin("GET", "/users").json()["users"]
    edited = {**user["fields"], "name": "Ada L."}
    url = f"/records?collection=__users__&id={ada.id}"
    assert mock.admin("PUT", url, json=edited).status_code == 200
    assert me(mock, phone["accessToken"]) == 401
    assert ada.get("/auth/me").status_code == 200


def test_revoking_every_login_after_one_leaves_only_later_logins(
    mock: InProcess, ada: User
) -> None:
    phone = log_in(mock, PHONE)
    mock.admin("POST", f"/users/{ada.id}/logins/{by_agent(mock, ada, PHONE)['id']}/revoke")
    assert mock.admin("POST", f"/users/{ada.id}/revoke").status_code == 204
    laptop = log_in(mock, LAPTOP)
    assert mock.request("GET", "/auth/me", token=laptop["accessToken"]).status_code == 200
    for token in (phone["accessToken"], ada.token):
        assert mock.request("GET", "/auth/me", token=token, check=False).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/users/nobody/logins", "no_such_user"),
        ("POST", "/users/nobody/logins/x/revoke", "no_such_user"),
        ("POST", "/users/{id}/logins/not-a-login/revoke", "no_such_login"),
        ("POST", "/users/{id}/logins/{login}/forget", "no_such_action"),
    ],
)
def test_login_endpoints_refuse_what_is_not_there_with_a_problem(
    mock: InProcess, ada: User, method: str, path: str, code: str
) -> None:
    login = logins(mock, ada)[0]["id"]
    response = mock.admin(method, path.format(id=ada.id, login=login))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert ada.get("/auth/me").status_code == 200  # nothing was revoked on the way


def test_login_endpoints_of_a_stateless_mock_answer_409(make_mock: MakeMock) -> None:
    response = make_mock(stateful=False).admin("GET", "/users/x/logins")
    assert (response.status_code, response.json()["code"]) == (409, "stateless")


def test_exported_state_leaves_logins_out(mock: InProcess, ada: User) -> None:
    collections = mock.admin("GET", "/state").json()["collections"]
    assert "__users__" in collections
    assert not [name for name in collections if name.startswith("__logins__")]


def test_a_login_revoked_on_one_worker_is_refused_by_another(
    shared_redis: RedisServer, make_mock: MakeMock
) -> None:
    url = shared_redis.url()
    first, second = make_mock(state_url=url), make_mock(state_url=url)
    ada = first.user("ada@example.com")
    phone = log_in(first, PHONE)
    assert second.request("GET", "/auth/me", token=phone["accessToken"]).status_code == 200
    listed = second.admin("GET", f"/users/{ada.id}/logins").json()["logins"]
    target = next(login["id"] for login in listed if login["userAgent"] == PHONE["User-Agent"])
    assert second.admin("POST", f"/users/{ada.id}/logins/{target}/revoke").status_code == 204
    me = first.request("GET", "/auth/me", token=phone["accessToken"], check=False)
    assert me.status_code == 401
    assert refresh(first, phone["refreshToken"]).status_code == 401
    assert first.request("GET", "/auth/me", token=ada.token).status_code == 200
