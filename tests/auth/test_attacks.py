"""Authentication attacks against a real mock, each one a test.

Forged JWTs (``alg: none``, alg confusion, another key, expired, not yet valid, tampered, a
subject that does not exist), refresh-token reuse, brute force per account and per client,
user enumeration through login answers, mass assignment of server-owned fields (every
operation with a body, from the spec), another user's ids (every operation with a path id,
from the spec) and the admin API from a non-loopback client.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

import mockserver.state.accounts
from httpguard import uvicorn_options
from mockserver.server.app import create_app
from mockserver.server.guard import DEFAULT_LIMITS, REFUSALS
from tests.conftest import SPEC, RunningServer
from tests.documents import load_yaml
from tests.hostile import forged_tokens, provision, request_bytes, send_raw, spec_operations

pytestmark = pytest.mark.slow

BASE = "/api/v1"
SECRET = "mock-auth-attacks-" + "s" * 40
PASSWORD = "correct-horse-7"
DOC: dict[str, Any] = load_yaml(SPEC.read_text())
ATTACKS = list(forged_tokens(jwt.encode({"sub": "x"}, "k" * 32), "k" * 32))
SERVER_OWNED = ["id", "ownerId", "userId", "role", "status", "createdAt", "amount", "paid"]


class Mock:
    def __init__(self, document: dict[str, Any], **options: Any) -> None:
        self.app = create_app(document, seed=3, jwt_secret=SECRET, **options)
        self.server = RunningServer(self.app, **uvicorn_options(DEFAULT_LIMITS, refusals=REFUSALS))
        self.url = self.server.url
        self.anonymous = httpx.Client(base_url=self.url + BASE)
        self._count = 0
        self._clients: list[httpx.Client] = []

    def user(self) -> tuple[httpx.Client, dict[str, Any], dict[str, Any]]:
        """A fresh user: its client, its ``User`` and its tokens."""
        self._count += 1
        email = f"user{self._count}@example.com"
        account = {"email": email, "password": PASSWORD, "name": "U", "acceptTerms": True}
        user = self.anonymous.post("/auth/register", json=account).json()
        login = self.anonymous.post("/auth/login", json={"email": email, "password": PASSWORD})
        tokens = login.json()["tokens"]
        headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
        client = httpx.Client(base_url=self.url + BASE, headers=headers)
        self._clients.append(client)
        return client, user, tokens

    def close(self) -> None:
        for client in [self.anonymous, *self._clients]:
            client.close()
        self.server.stop()


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    target = Mock(DOC)
    yield target
    target.close()


# -- forged access tokens ---------------------------------------------------------------------


def test_a_real_token_is_accepted(mock: Mock) -> None:
    client, user, _ = mock.user()
    assert client.get("/auth/me").json()["id"] == user["id"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_forged_token_gets_401(mock: Mock, attack: str) -> None:
    _, _, tokens = mock.user()
    forged = forged_tokens(tokens["accessToken"], SECRET)[attack]
    for path in ("/auth/me", "/projects"):
        response = mock.anonymous.get(path, headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401, (attack, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"


# -- refresh tokens ---------------------------------------------------------------------------


def test_reusing_a_rotated_refresh_token_revokes_the_family(mock: Mock) -> None:
    _, _, tokens = mock.user()
    first = tokens["refreshToken"]
    rotated = mock.anonymous.post("/auth/refresh", json={"refreshToken": first})
    assert rotated.status_code == 200
    second = rotated.json()["refreshToken"]
    reused = mock.anonymous.post("/auth/refresh", json={"refreshToken": first})
    assert reused.status_code == 401
    assert reused.json()["code"] == "invalid_refresh_token"
    # The thief's copy and the owner's newer token are both dead now.
    assert mock.anonymous.post("/auth/refresh", json={"refreshToken": second}).status_code == 401


# -- brute force and enumeration ---------------------------------------------------------------


def test_brute_force_on_one_account_gets_429_with_retry_after(mock: Mock) -> None:
    _, user, _ = mock.user()
    wrong = {"email": user["email"], "password": "wrong-password-1"}
    for _ in range(5):
        assert mock.anonymous.post("/auth/login", json=wrong).status_code == 401
    for password in ("wrong-password-1", PASSWORD):  # at the limit even the right one waits
        blocked = mock.anonymous.post("/auth/login", json={**wrong, "password": password})
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert blocked.json()["code"] == "too_many_attempts"


def test_password_spraying_from_one_client_gets_429() -> None:
    document = copy.deepcopy(DOC)
    document["paths"]["/auth/login"]["post"]["x-mock-action"]["throttle"]["clientMaxAttempts"] = 8
    target = Mock(document)
    try:
        for i in range(8):  # one failure per account: no account reaches its own limit
            attempt = {"email": f"victim{i}@example.com", "password": "Summer2024!"}
            assert target.anonymous.post("/auth/login", json=attempt).status_code == 401
        blocked = target.anonymous.post(
            "/auth/login", json={"email": "victim99@example.com", "password": "Summer2024!"}
        )
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert "this client" in blocked.json()["detail"]
    finally:
        target.close()


def test_unknown_email_and_wrong_password_answer_identically(
    mock: Mock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []
    original = mockserver.state.accounts._hash_secret

    def counting(secret: str, salt: str) -> str:
        hashed.append(secret)
        return original(secret, salt)

    monkeypatch.setattr(mockserver.state.accounts, "_hash_secret", counting)
    _, user, _ = mock.user()
    hashed.clear()
    wrong = mock.anonymous.post("/auth/login", json={"email": user["email"], "password": "nope-1"})
    unknown = mock.anonymous.post(
        "/auth/login", json={"email": "nobody-at-all@example.com", "password": "nope-1"}
    )
    assert (wrong.status_code, wrong.content) == (unknown.status_code, unknown.content)
    assert wrong.headers["content-type"] == unknown.headers["content-type"]
    # The same work: the unknown address is hashed like a wrong password is.
    assert hashed == ["nope-1", "nope-1"]


# -- mass assignment ---------------------------------------------------------------------------


def _undeclared(op: Any) -> list[str]:
    from tests.spec_rules import resolve

    media = resolve(DOC, op.operation["requestBody"])["content"]["application/json"]
    declared = set(resolve(DOC, media["schema"]).get("properties", {}))
    return [name for name in SERVER_OWNED if name not in declared]


MASS = [(op, name) for op in spec_operations(DOC) if isinstance(op.body, dict)
        for name in _undeclared(op)]  # fmt: skip


@pytest.mark.parametrize(("op", "field"), MASS, ids=[f"{op.operation_id}-{f}" for op, f in MASS])
def test_server_owned_fields_in_a_body_get_400_naming_them(mock: Mock, op: Any, field: str) -> None:
    client, user, _ = mock.user()
    ids: dict[str, str] = {}
    provision(client, DOC, op.path_ids, ids)
    before = client.get("/projects").json()["pagination"]["total"]
    response = op.call(
        client, ids, body={**op.body, field: "admin" if field == "role" else user["id"]}
    )
    assert response.status_code == 400, response.text
    assert f"body.{field}" in [error["field"] for error in response.json()["errors"]]
    assert client.get("/projects").json()["pagination"]["total"] == before
    assert client.get("/auth/me").json()["role"] == user["role"]


# -- another user's ids --------------------------------------------------------------------------

OWNED = [op for op in spec_operations(DOC) if op.path_ids and op.secured]


@pytest.fixture(scope="module")
def victim(mock: Mock) -> tuple[httpx.Client, dict[str, str]]:
    client, _, _ = mock.user()
    ids: dict[str, str] = {}
    provision(client, DOC, sorted({name for op in OWNED for name in op.path_ids}), ids)
    return client, ids


@pytest.mark.parametrize("op", OWNED, ids=[op.operation_id for op in OWNED])
def test_another_users_ids_get_the_declared_refusal(
    mock: Mock, victim: tuple[httpx.Client, dict[str, str]], op: Any
) -> None:
    owner, ids = victim
    intruder, _, _ = mock.user()
    response = op.call(intruder, ids)
    assert response.status_code == op.ownership_status(), (op.operation_id, response.text)
    for name in op.path_ids:  # nothing the intruder did took effect
        read = next(o for o in OWNED if o.method == "get" and o.path_ids[-1:] == [name])
        assert read.call(owner, ids).status_code == 200, (op.operation_id, name)


# -- the admin API --------------------------------------------------------------------------------


def _admin_calls(app: Any, calls: list[tuple[str, str, dict[str, str]]]) -> list[httpx.Response]:
    """``calls`` to ``app`` in-process, as a client at 203.0.113.9 (not loopback)."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return [await client.request(m, path, headers=h) for m, path, h in calls]

    return asyncio.run(run())


@pytest.mark.parametrize("forwarded", [None, "127.0.0.1", "::1"])
def test_the_admin_api_refuses_non_loopback_clients(forwarded: str | None) -> None:
    spoof = {"X-Forwarded-For": forwarded} if forwarded else {}
    bearer = {"Authorization": "Bearer admin-token-1"}
    missing, wrong, allowed = _admin_calls(
        create_app(DOC, admin_token="admin-token-1"),
        [
            ("GET", "/__mock/state", spoof),
            ("GET", "/__mock/state", {**spoof, "Authorization": "Bearer nope"}),
            ("GET", "/__mock/state", bearer),
        ],
    )
    assert (missing.status_code, missing.json()["code"]) == (401, "admin_token_required")
    assert wrong.status_code == 401
    assert allowed.status_code == 200
    (closed,) = _admin_calls(create_app(DOC), [("POST", "/__mock/reset", spoof)])
    assert (closed.status_code, closed.json()["code"]) == (403, "admin_loopback_only")


def test_x_forwarded_for_does_not_change_the_client_address(mock: Mock) -> None:
    # Behind uvicorn's defaults a loopback peer could claim any address; with the mock's
    # server options the socket's peer is the client, whatever the header says.
    response = send_raw(
        mock.url,
        request_bytes("GET", "/__mock/health", headers=[("X-Forwarded-For", "203.0.113.9")]),
    )
    assert response is not None
    assert response.status == 200
