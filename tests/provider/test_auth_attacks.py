"""Authentication attacks against a real provider (SQLite and PostgreSQL), each one a test.

The same attacks as the mock's (`tests/auth/test_attacks.py`): forged JWTs, refresh-token
reuse, brute force per account and per client, user enumeration, mass assignment of
server-owned fields and another user's ids, the last two derived from the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.auth.test_attacks import ATTACKS, DOC, SERVER_OWNED, _undeclared
from tests.hostile import forged_tokens, provision, spec_operations
from tests.provider.conftest import JWT_SECRET, PASSWORD, Api, Provider, unique_email

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_forged_token_gets_401(api: Api, attack: str) -> None:
    account = api.user()
    forged = forged_tokens(account.access_token, JWT_SECRET)[attack]
    for path in ("/auth/me", "/projects"):
        response = api.anonymous.get(path, headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401, (attack, path, response.text)


def test_reusing_a_rotated_refresh_token_revokes_the_family(api: Api) -> None:
    first = api.user().refresh_token
    rotated = api.anonymous.post("/auth/refresh", json={"refreshToken": first})
    assert rotated.status_code == 200
    second = rotated.json()["refreshToken"]
    assert api.anonymous.post("/auth/refresh", json={"refreshToken": first}).status_code == 401
    assert api.anonymous.post("/auth/refresh", json={"refreshToken": second}).status_code == 401


def test_brute_force_on_one_account_gets_429_with_retry_after(
    make_provider: Callable[..., Provider],
) -> None:
    api = make_provider().api()
    account = api.user()
    wrong = {"email": account.email, "password": "wrong-password-1"}
    for _ in range(5):
        assert api.anonymous.post("/auth/login", json=wrong).status_code == 401
    for password in ("wrong-password-1", PASSWORD):
        blocked = api.anonymous.post("/auth/login", json={**wrong, "password": password})
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0


def test_password_spraying_from_one_client_gets_429(
    make_provider: Callable[..., Provider],
) -> None:
    api = make_provider(login_client_attempts=8).api()
    for i in range(8):  # one failure per account: no account reaches its own limit
        attempt = {"email": f"victim{i}@example.com", "password": "Summer2024!"}
        assert api.anonymous.post("/auth/login", json=attempt).status_code == 401
    blocked = api.anonymous.post(
        "/auth/login", json={"email": "victim99@example.com", "password": "Summer2024!"}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "this client" in blocked.json()["detail"]


def test_unknown_email_and_wrong_password_answer_identically(
    make_provider: Callable[..., Provider], monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make_provider()
    api = provider.api()
    account = api.user()
    passwords = provider.services.passwords
    verified: list[bool] = []
    original = passwords.verify

    def counting(password_hash: str | None, password: str) -> bool:
        verified.append(password_hash is None)
        return original(password_hash, password)

    monkeypatch.setattr(passwords, "verify", counting)
    wrong = api.anonymous.post("/auth/login", json={"email": account.email, "password": "nope-1"})
    unknown = api.anonymous.post(
        "/auth/login", json={"email": unique_email(), "password": "nope-1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    # The same work: the unknown address is verified (against a dummy hash) like a wrong one.
    assert verified == [False, True]


MASS = [(op, name) for op in spec_operations(DOC) if isinstance(op.body, dict)
        for name in _undeclared(op)]  # fmt: skip


@pytest.mark.parametrize(("op", "field"), MASS, ids=[f"{op.operation_id}-{f}" for op, f in MASS])
def test_server_owned_fields_in_a_body_get_400_naming_them(api: Api, op: Any, field: str) -> None:
    account = api.user()
    client = account.http
    ids: dict[str, str] = {}
    provision(client, DOC, op.path_ids, ids)
    before = client.get("/projects").json()["pagination"]["total"]
    value = "admin" if field == "role" else account.id
    response = op.call(client, ids, body={**op.body, field: value})
    assert response.status_code == 400, response.text
    assert f"body.{field}" in [error["field"] for error in response.json()["errors"]]
    assert client.get("/projects").json()["pagination"]["total"] == before
    assert client.get("/auth/me").json()["role"] == "user"


OWNED = [op for op in spec_operations(DOC) if op.path_ids and op.secured]


@pytest.fixture(scope="module")
def victim(shared_provider: Provider) -> tuple[httpx.Client, dict[str, str]]:
    owner = shared_provider.api().user().http
    ids: dict[str, str] = {}
    provision(owner, DOC, sorted({name for op in OWNED for name in op.path_ids}), ids)
    return owner, ids


@pytest.mark.parametrize("op", OWNED, ids=[op.operation_id for op in OWNED])
def test_another_users_ids_get_the_declared_refusal(
    api: Api, victim: tuple[httpx.Client, dict[str, str]], op: Any
) -> None:
    owner, ids = victim
    response = op.call(api.user().http, ids)
    assert response.status_code == op.ownership_status(), (op.operation_id, response.text)
    for name in op.path_ids:
        read = next(o for o in OWNED if o.method == "get" and o.path_ids[-1:] == [name])
        assert read.call(owner, ids).status_code == 200, (op.operation_id, name)


def test_server_owned_fields_cover_the_spec() -> None:
    assert {"id", "ownerId", "role", "status"} <= set(SERVER_OWNED)
