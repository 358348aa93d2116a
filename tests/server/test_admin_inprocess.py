"""The ``/__mock/`` control API, driven in-process: health, reset, state, journal, access."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mockserver import RedisStore
from tests.inprocess import InProcess, bundled_app
from tests.ports import free_port
from tests.state.test_fixtures import ADA, HAND_WRITTEN, PROJECT

MakeMock = Callable[..., InProcess]
ELSEWHERE = ("203.0.113.9", 40000)


@pytest.fixture
def mock(make_mock: MakeMock) -> InProcess:
    return make_mock()


def test_admin_health_reports_operations_state_and_journal(mock: InProcess) -> None:
    mock.request("GET", "/health")
    health = mock.admin("GET", "/health").json()
    assert (health["status"], health["operations"], health["stateful"]) == ("ok", 38, True)
    assert health["journalEntries"] == 1
    assert health["uptimeSeconds"] >= 0


def test_admin_reset_forgets_records_users_tokens_and_the_journal(mock: InProcess) -> None:
    ada = mock.user("ada@example.com")
    project = ada.post("/projects", json={"name": "P"}).json()
    assert mock.admin("POST", "/reset").status_code == 204
    assert mock.admin("GET", "/journal").json() == {"entries": []}
    assert mock.admin("GET", "/state").json() == {"collections": {}}
    assert ada.get(f"/projects/{project['id']}").status_code == 401
    login = {"email": "ada@example.com", "password": "passw0rd-long"}
    assert mock.request("POST", "/auth/login", json=login).status_code == 401


@pytest.mark.parametrize(
    ("body", "code", "detail"),
    [
        (b"not json", "malformed_body", "body: "),
        (b"[]", "invalid_state", 'expected {"collections"'),
        (b'{"collections": []}', "invalid_state", 'expected {"collections"'),
        (b'{"collections": {"/projects": [1]}}', "invalid_state", "collections./projects"),
        (b'{"collections": {"/projects": {"p": 1}}}', "invalid_state", "collections./projects"),
    ],
)
def test_admin_state_import_refuses_what_is_not_a_state(
    mock: InProcess, body: bytes, code: str, detail: str
) -> None:
    ada = mock.user()
    refused = mock.admin("PUT", "/state", content=body)
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert (refused.json()["code"], detail in refused.json()["detail"]) == (code, True)
    assert ada.get("/auth/me").status_code == 200  # the state was left alone


def test_admin_state_of_a_stateless_mock_is_409(make_mock: MakeMock) -> None:
    mock = make_mock(stateful=False)
    for method in ("GET", "PUT"):
        refused = mock.admin(method, "/state", json={"collections": {}})
        assert (refused.status_code, refused.json()["code"]) == (409, "stateless")
    assert mock.admin("POST", "/reset").status_code == 204
    assert mock.admin("GET", "/health").json()["stateful"] is False


# -- fixtures are state from the start ------------------------------------------------------


def test_admin_exports_the_fixtures_before_the_first_api_request(make_mock: MakeMock) -> None:
    mock = make_mock(fixtures=HAND_WRITTEN)
    collections = mock.admin("GET", "/state").json()["collections"]
    assert collections["/projects"][PROJECT]["ownerId"] == ADA


def test_admin_reset_before_the_first_api_request_leaves_nothing_behind(
    make_mock: MakeMock,
) -> None:
    mock = make_mock(fixtures=HAND_WRITTEN)
    assert mock.admin("POST", "/reset").status_code == 204
    assert mock.request("GET", "/health").status_code == 200
    assert mock.admin("GET", "/state").json() == {"collections": {}}


# -- the journal ------------------------------------------------------------------------------


@pytest.fixture
def journaled(mock: InProcess) -> InProcess:
    """A mock whose journal holds a register, a login, a 400, a 404 and a 200."""
    ada = mock.user()
    ada.post("/projects", json={"name": ""}, check=True)
    mock.request("GET", "/nowhere", check=False)
    ada.get("/projects")
    return mock


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["registerUser", "loginUser", "createProject", None, "listProjects"]),
        ({"status": 400}, ["createProject"]),
        ({"method": "get"}, [None, "listProjects"]),
        ({"path": "/api/v1/now*"}, [None]),
        ({"operationId": "loginUser"}, ["loginUser"]),
        ({"limit": 2}, [None, "listProjects"]),
    ],
)
def test_admin_journal_filters_entries(
    journaled: InProcess, params: dict[str, Any], expected: list[str | None]
) -> None:
    entries = journaled.admin("GET", "/journal", params=params).json()["entries"]
    assert [e["operationId"] for e in entries] == expected


def test_admin_journal_keeps_violations_and_counts_from_since(journaled: InProcess) -> None:
    entries = journaled.admin("GET", "/journal").json()["entries"]
    invalid = next(e for e in entries if e["status"] == 400)
    assert invalid["violations"][0]["field"] == "body.name"
    later = journaled.admin("GET", "/journal", params={"since": invalid["id"]}).json()["entries"]
    assert [e["status"] for e in later] == [404, 200]


def test_admin_journal_refuses_filters_that_are_not_integers(journaled: InProcess) -> None:
    for name in ("status", "since", "limit"):
        refused = journaled.admin("GET", "/journal", params={name: "abc"})
        assert (refused.status_code, refused.json()["code"]) == (400, "invalid_filter")


def test_admin_journal_delete_empties_it(journaled: InProcess) -> None:
    assert journaled.admin("DELETE", "/journal").status_code == 204
    assert journaled.admin("GET", "/journal").json() == {"entries": []}
    assert journaled.admin("GET", "/health").json()["journalEntries"] == 0


# -- who may use it ---------------------------------------------------------------------------


def test_admin_refuses_clients_elsewhere_without_a_token(make_mock: MakeMock) -> None:
    outside = make_mock(client=ELSEWHERE)
    refused = outside.admin("POST", "/reset")
    assert (refused.status_code, refused.json()["code"]) == (403, "admin_loopback_only")
    assert "--admin-token" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": "Basic s3cret"}, 401),
        ({"Authorization": "Bearer s3cret"}, 200),
        ({"X-Mock-Admin-Token": "s3cret"}, 200),
        ({"X-Mock-Admin-Token": "s3cret", "Authorization": "Bearer wrong"}, 200),
    ],
)
def test_admin_token_lets_clients_elsewhere_in(
    make_mock: MakeMock, headers: dict[str, str], status: int
) -> None:
    outside = make_mock(admin_token="s3cret", client=ELSEWHERE)
    answer = outside.admin("GET", "/health", headers=headers)
    assert answer.status_code == status
    if status == 401:
        assert answer.json()["code"] == "admin_token_required"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/state"), ("POST", "/reset"), ("PUT", "/state")]
)
def test_admin_answers_503_while_the_shared_state_is_unreachable(
    make_mock: MakeMock, method: str, path: str
) -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", prefix="gone:")
    mock = make_mock(bundled_app(store=store), prefix="/api/v1")
    answer = mock.admin(method, path, json={"collections": {}})
    assert (answer.status_code, answer.json()["code"]) == (503, "state_unavailable")
    assert answer.headers["retry-after"] == "1"
