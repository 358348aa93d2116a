"""The application as a whole: the route table, health, errors outside the API, malformed
requests, authentication of every secured operation, restarts, the database going away, and
a property test that no JSON body makes the server fail.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from provider import SpecError, create_app
from tests.conftest import SPEC
from tests.documents import load_yaml
from tests.provider.conftest import TLS, Account, Api, Backend, Provider, start_provider
from tests.provider.openapi_check import OpenApiCheck
from tests.provider.postgres import PostgresCluster
from tests.provider.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

DOCUMENT = load_yaml(SPEC.read_text(encoding="utf-8"))
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if method in ("get", "put", "post", "delete", "patch")
]
SECURED = [(m, p) for m, p, op in OPERATIONS if op.get("security", DOCUMENT["security"]) != []]


def routes_of(app: Any) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }


def test_every_operation_of_the_spec_is_routed_and_nothing_else(tmp_path: Path) -> None:
    app = create_app(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert routes_of(app) == {(m, "/api/v1" + p) for m, p, _ in OPERATIONS}
    assert len(OPERATIONS) == 38


def test_an_operation_without_a_route_stops_the_start(tmp_path: Path) -> None:
    document = load_yaml(SPEC.read_text(encoding="utf-8"))
    document["paths"]["/reports"] = {"get": {"operationId": "listReports", "responses": {}}}
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(SpecError, match="listReports"):
        create_app(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", spec_path=spec)


def test_health_answers_without_a_token(api: Api) -> None:
    assert api.anonymous.get("/health").json() == {"status": "ok", "version": "0.1.0"}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nowhere", 404),
        ("GET", "/api/v1/projects/", 404),
        ("GET", "/", 404),
        ("GET", "/api/v2/health", 404),
        ("DELETE", "/api/v1/health", 405),
        ("PUT", "/api/v1/orders", 405),
        ("POST", "/api/v1/auth/me", 405),
        ("POST", "/_pact/provider-states", 404),
    ],
)
def test_requests_outside_the_api_answer_a_problem(
    shared_provider: Provider, method: str, path: str, status: int
) -> None:
    response = httpx.request(method, shared_provider.url + path, json={}, verify=TLS)
    assert response.status_code == status
    problem = shared_provider.check.check_problem(response)
    assert problem["instance"] == path


MALFORMED: dict[str, tuple[bytes, dict[str, str], str, str]] = {
    "invalid JSON": (b'{"name": ', {"content-type": "application/json"}, "body", "json"),
    "invalid UTF-8": (b'{"name": "\xff"}', {"content-type": "application/json"}, "body", "json"),
    "lone surrogate": (
        b'{"name": "\\ud800"}',
        {"content-type": "application/json"},
        "body",
        "json",
    ),
    "deep nesting": (b"[" * 5000, {"content-type": "application/json"}, "body", "json"),
    "text/plain": (
        b'{"name": "x"}',
        {"content-type": "text/plain"},
        "header.Content-Type",
        "mediaType",
    ),
    "no content type": (b'{"name": "x"}', {}, "header.Content-Type", "mediaType"),
    "empty body": (b"", {"content-type": "application/json"}, "body", "required"),
    "array": (b"[]", {"content-type": "application/json"}, "body", "type"),
    "null": (b"null", {"content-type": "application/json"}, "body", "type"),
    "huge number": (b'{"name": 1e400}', {"content-type": "application/json"}, "body", "json"),
    "over a megabyte": (
        b'{"name": "' + b"x" * (1 << 20) + b'"}',
        {"content-type": "application/json"},
        "body",
        "maxSize",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_request_is_400_and_never_5xx(api: Api, case: str) -> None:
    content, headers, field, code = MALFORMED[case]
    response = api.user().http.post("/projects", content=content, headers=headers)
    assert response.status_code == 400
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_text_with_nul_and_backslashes_round_trips(api: Api) -> None:
    tricky = "a\x00b\\0c\\\\"
    alice = api.user(password="nul\x00pass-1")
    project = alice.http.post("/projects", json={"name": tricky, "description": tricky}).json()
    assert (project["name"], project["description"]) == (tricky, tricky)
    assert alice.http.get(f"/projects/{project['id']}").json() == project
    for needle in ("\x00b", "\\0", "B\\0C"):
        found = alice.http.get("/projects", params={"q": needle}).json()["data"]
        assert [p["id"] for p in found] == [project["id"]], needle
    session = alice.http.post("/sessions", json={"name": tricky, "metadata": {"k": tricky}}).json()
    assert alice.http.get(f"/sessions/{session['id']}").json()["metadata"] == {"k": tricky}
    assert api.login(alice.email, "nul\x00pass-1")["user"]["name"] == "Test User"


@pytest.mark.parametrize(("method", "path"), SECURED, ids=[f"{m} {p}" for m, p in SECURED])
def test_a_secured_operation_without_a_token_answers_401(api: Api, method: str, path: str) -> None:
    concrete = path.format_map({name: uuid.uuid4() for name in _parameters(path)})
    response = api.anonymous.request(method, concrete)
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'


def _parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def test_data_survives_a_restart_on_the_same_database(
    make_provider: Callable[..., Provider], backend: Backend
) -> None:
    database_url = backend.new_database()
    first = make_provider(database_url=database_url)
    alice = first.api().user()
    project = alice.http.post("/projects", json={"name": "Kept"}).json()
    first.stop()

    second = make_provider(database_url=database_url, jwt_secret=None)
    api = second.api()
    assert api.client(alice.access_token).get("/auth/me").status_code == 401
    token = api.login(alice.email)["tokens"]["accessToken"]
    assert api.client(token).get(f"/projects/{project['id']}").json() == project


def test_the_sqlite_default_creates_its_file_on_first_start(
    tmp_path: Path, openapi_check: OpenApiCheck
) -> None:
    database = tmp_path / ".data" / "provider.sqlite3"
    provider = start_provider(openapi_check, f"sqlite:///{database}")
    try:
        assert database.is_file()
        assert provider.api().register()["status"] == "active"
    finally:
        provider.stop()


def test_an_unreachable_database_answers_503_and_service_resumes(
    postgres: PostgresCluster, openapi_check: OpenApiCheck
) -> None:
    proxy = TcpProxy(postgres.port)
    proxy.start()
    url = postgres.create_database().replace(f":{postgres.port}/", f":{proxy.port}/")
    provider = start_provider(openapi_check, url)
    try:
        api = provider.api()
        alice = api.user()
        unchecked = api.client(alice.access_token, checked=False)
        proxy.stop()
        down = unchecked.get("/projects")
        assert down.status_code == 503
        assert openapi_check.check_problem(down)["code"] == "database_unavailable"
        assert down.headers["retry-after"] == "5"
        assert api.anonymous.get("/health").status_code == 200
        proxy.start()
        assert alice.http.get("/projects").status_code == 200
    finally:
        provider.stop()
        proxy.stop()


def test_a_database_down_at_start_up_is_served_once_it_is_back(
    postgres: PostgresCluster, openapi_check: OpenApiCheck
) -> None:
    proxy = TcpProxy(postgres.port)
    url = postgres.create_database().replace(f":{postgres.port}/", f":{proxy.port}/")
    provider = start_provider(openapi_check, url)
    try:
        api = provider.api()
        response = api.client(checked=False).post(
            "/auth/register",
            json={
                "email": "a@example.com",
                "password": "abcdefg1",
                "name": "A",
                "acceptTerms": True,
            },
        )
        assert openapi_check.check_problem(response)["code"] == "database_unavailable"
        proxy.start()
        assert api.register()["status"] == "active"
    finally:
        provider.stop()
        proxy.stop()


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "name",
    "description",
    "status",
    "currency",
    "items",
    "metadata",
    "url",
    "events",
    "title",
]
BODIES = JSON | st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5)


@pytest.fixture
def fuzzer(api: Api) -> Account:
    """One account per test function; Hypothesis reuses it for every example."""
    return api.user()


@pytest.mark.parametrize(
    "path", ["/projects", "/orders", "/sessions", "/webhook-endpoints", "/subscriptions"]
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODIES)
def test_no_json_body_makes_the_server_fail(fuzzer: Account, path: str, body: Any) -> None:
    response = fuzzer.http.post(path, json=body)
    assert response.status_code in (201, 400, 402)
