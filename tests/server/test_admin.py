"""The ``/__mock/`` control API: reset, state export/import, journal, health, access rules."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import httpx
import pytest

from mockserver import create_app
from tests.conftest import SPEC, RunningServer

pytestmark = pytest.mark.slow

USER = {"email": "ada@example.com", "password": "passw0rd-1"}


@pytest.fixture
def mock(make_server: Callable[..., RunningServer]) -> Iterator[httpx.Client]:
    server = make_server(create_app(SPEC, seed=1))
    with httpx.Client(base_url=server.url) as client:
        yield client


def login(client: httpx.Client) -> dict[str, str]:
    client.post("/api/v1/auth/register", json={**USER, "name": "Ada", "acceptTerms": True})
    tokens = client.post("/api/v1/auth/login", json=USER).json()["tokens"]
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


def test_admin_health_reports_the_mock(mock: httpx.Client) -> None:
    body = mock.get("/__mock/health").json()
    assert body["status"] == "ok"
    assert body["operations"] == 38
    assert body["stateful"] is True


def test_admin_reset_forgets_everything(mock: httpx.Client) -> None:
    auth = login(mock)
    mock.post("/api/v1/projects", json={"name": "P"}, headers=auth)
    assert mock.post("/__mock/reset").status_code == 204
    assert mock.get("/__mock/journal").json()["entries"] == []
    assert mock.get("/api/v1/auth/me", headers=auth).status_code == 401
    assert mock.post("/api/v1/auth/login", json=USER).status_code == 401


def test_admin_state_round_trips_through_export_and_import(mock: httpx.Client) -> None:
    auth = login(mock)
    project = mock.post("/api/v1/projects", json={"name": "Kept"}, headers=auth).json()
    state = mock.get("/__mock/state").json()
    assert mock.post("/__mock/reset").status_code == 204
    assert mock.put("/__mock/state", json=state).status_code == 204
    tokens = mock.post("/api/v1/auth/login", json=USER).json()["tokens"]
    auth = {"Authorization": f"Bearer {tokens['accessToken']}"}
    assert mock.get(f"/api/v1/projects/{project['id']}", headers=auth).json() == project


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"collections": []}', b'{"collections": {"/projects": [1]}}'],
)
def test_admin_import_refuses_malformed_state(mock: httpx.Client, body: bytes) -> None:
    response = mock.put("/__mock/state", content=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_admin_journal_records_requests_and_validation_errors(mock: httpx.Client) -> None:
    auth = login(mock)
    mock.post("/api/v1/projects", json={"name": ""}, headers=auth)
    mock.get("/api/v1/nowhere")
    entries = mock.get("/__mock/journal", params={"status": 400}).json()["entries"]
    assert len(entries) == 1
    assert entries[0]["operationId"] == "createProject"
    assert entries[0]["violations"][0]["field"] == "body.name"
    missing = mock.get("/__mock/journal", params={"path": "/api/v1/now*"}).json()["entries"]
    assert [(e["method"], e["status"]) for e in missing] == [("GET", 404)]
    logins = mock.get("/__mock/journal", params={"operationId": "loginUser"}).json()["entries"]
    assert [e["status"] for e in logins] == [200]
    assert mock.delete("/__mock/journal").status_code == 204
    assert mock.get("/__mock/journal").json()["entries"] == []


def test_admin_journal_rejects_non_integer_filters(mock: httpx.Client) -> None:
    assert mock.get("/__mock/journal", params={"status": "abc"}).status_code == 400


def _from(
    host: str, app: object, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(host, 5000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(call())


def test_admin_is_refused_to_non_loopback_clients_without_a_token() -> None:
    app = create_app(SPEC)
    assert _from("127.0.0.1", app, "/__mock/health").status_code == 200
    refused = _from("203.0.113.9", app, "/__mock/health")
    assert refused.status_code == 403
    assert refused.json()["code"] == "admin_loopback_only"


def test_admin_token_lets_other_clients_in() -> None:
    app = create_app(SPEC, admin_token="s3cret-token")
    assert _from("203.0.113.9", app, "/__mock/health").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert _from("203.0.113.9", app, "/__mock/health", wrong).status_code == 401
    right = {"Authorization": "Bearer s3cret-token"}
    assert _from("203.0.113.9", app, "/__mock/health", right).status_code == 200


def test_fixtures_seed_users_and_records(make_server: Callable[..., RunningServer]) -> None:
    owner, suspended = (
        "0f8b7c1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d",
        "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    )
    stamp = "2026-01-01T00:00:00Z"
    common = {"password": "passw0rd-1", "role": "user", "createdAt": stamp, "updatedAt": stamp}
    users = {
        owner: {**common, "email": "seed@example.com", "name": "Seed", "status": "active"},
        suspended: {**common, "email": "off@example.com", "name": "Off", "status": "suspended"},
    }
    project_id = "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d"
    project = {"ownerId": owner, "name": "Seeded", "description": None, "status": "active"}
    project |= {"createdAt": stamp, "updatedAt": stamp}
    fixtures = {"collections": {"__users__": users, "/projects": {project_id: project}}}
    server = make_server(create_app(SPEC, fixtures=fixtures))
    with httpx.Client(base_url=server.url + "/api/v1") as client:
        refused = client.post(
            "/auth/login", json={"email": "off@example.com", "password": "passw0rd-1"}
        )
        assert (refused.status_code, refused.json()["code"]) == (403, "account_suspended")
        login = client.post(
            "/auth/login", json={"email": "seed@example.com", "password": "passw0rd-1"}
        )
        auth = {"Authorization": f"Bearer {login.json()['tokens']['accessToken']}"}
        assert login.json()["user"]["id"] == owner
        seeded = client.get(f"/projects/{project_id}", headers=auth).json()
        assert (seeded["name"], seeded["ownerId"]) == ("Seeded", owner)
        assert [p["id"] for p in client.get("/projects", headers=auth).json()["data"]] == [
            project_id
        ]
