"""The request's path through the engine (`mockserver.server.engine`): route, faults,
credentials, validation, state, the journal, and what each failure answers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from httpguard import BODY, Limits
from mockserver import MemoryJournal, RedisStore, create_app
from mockserver.server.engine import Engine
from mockserver.spec.loader import load_spec
from tests.inprocess import API, BUNDLED, InProcess, bundled_app
from tests.ports import free_port
from tests.state.test_fixtures import HAND_WRITTEN, PROJECT

MakeMock = Callable[..., InProcess]


@pytest.fixture
def mock(make_mock: MakeMock) -> InProcess:
    return make_mock()


def _asgi(
    app: Any,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    scope_body: bytes | None = None,
) -> list[Any]:
    """The messages ``app`` sends for one request without a body, as a server would see them;
    with ``scope_body``, for one whose body `RequestLimits` read (`httpguard.BODY`), so that
    reading it again through ``receive`` fails."""
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "client": ("127.0.0.1", 5000), "server": ("mock", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }  # fmt: skip
    sent: list[Any] = []
    if scope_body is not None:
        scope[BODY] = scope_body

    async def receive() -> dict[str, Any]:
        assert scope_body is None, "the body was read again"
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


# -- routing ----------------------------------------------------------------------------------


def test_engine_answers_an_unknown_path_404_naming_the_base_path(mock: InProcess) -> None:
    answer = mock.request("GET", "/nowhere", check=False)
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert answer.json()["detail"] == (
        "No operation of this API matches /api/v1/nowhere (the base path is /api/v1)."
    )
    assert answer.headers["content-type"] == "application/problem+json"


def test_engine_answers_an_unsupported_method_405_with_allow(mock: InProcess) -> None:
    answer = mock.request("PATCH", "/orders", check=False)
    assert (answer.status_code, answer.json()["code"]) == (405, "method_not_allowed")
    assert answer.headers["allow"] == "GET, HEAD, POST"
    assert answer.json()["detail"] == "/orders does not support PATCH; it supports GET, HEAD, POST."


def test_engine_answers_head_as_get_without_the_body(mock: InProcess) -> None:
    get = mock.request("GET", "/health")
    head = mock.request("HEAD", "/health", check=False)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(get.content))


# -- credentials and validation -----------------------------------------------------------------


def test_engine_refuses_a_missing_token_401_with_a_challenge(mock: InProcess) -> None:
    answer = mock.request("GET", "/projects")
    assert (answer.status_code, answer.json()["code"]) == (401, "unauthorized")
    assert answer.headers["www-authenticate"] == 'Bearer realm="api"'


def test_engine_lists_every_violation_and_leads_with_the_first(mock: InProcess) -> None:
    ada = mock.user()
    answer = ada.post("/projects", json={"name": "", "status": "lost", "extra": 1})
    problem = answer.json()
    assert (answer.status_code, problem["code"]) == (400, "validation_failed")
    assert len(problem["errors"]) == 3
    first = problem["errors"][0]
    assert (
        problem["detail"]
        == f"3 problems in the request; first: {first['field']}: {first['message']}"
    )
    journaled = mock.admin("GET", "/journal", params={"status": 400}).json()["entries"]
    assert journaled[0]["violations"] == problem["errors"]


def _one_operation(responses: dict[str, Any], **operation: Any) -> dict[str, Any]:
    body = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "One", "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "createThing",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": body}},
                    },
                    "responses": responses,
                    **operation,
                }
            }
        },
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        },
    }


@pytest.mark.parametrize(
    ("declared", "status"),
    [({"422": {"description": "invalid"}}, 422), ({"400": {"description": "bad"}}, 400), ({}, 400)],
)
def test_engine_answers_invalid_requests_with_the_status_the_spec_declares(
    make_mock: MakeMock, declared: dict[str, Any], status: int
) -> None:
    spec = _one_operation({"201": {"description": "created"}, **declared})
    answer = make_mock(create_app(spec, stateful=False)).request("POST", "/things", json={})
    assert (answer.status_code, answer.json()["code"]) == (status, "validation_failed")


def test_engine_challenges_for_an_api_key_where_the_scheme_says(make_mock: MakeMock) -> None:
    spec = _one_operation({"201": {"description": "created"}}, security=[{"key": []}])
    mock = make_mock(create_app(spec, stateful=False))
    refused = mock.request("POST", "/things", json={"name": "x"})
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'ApiKey realm="api", header="X-API-Key"'
    allowed = mock.request("POST", "/things", json={"name": "x"}, headers={"X-API-Key": "k"})
    assert allowed.status_code == 201


def test_engine_warns_of_undefined_security_schemes_and_does_not_check_them(
    make_mock: MakeMock, caplog: pytest.LogCaptureFixture
) -> None:
    spec = _one_operation({"201": {"description": "created"}}, security=[{"nope": []}])
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        app = create_app(spec, stateful=False)
    assert "createThing (POST /things): security names undefined schemes nope" in caplog.text
    assert make_mock(app).request("POST", "/things", json={"name": "x"}).status_code == 201


# -- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefer", "status", "retry_after"), [("fault=503", 503, "1"), ("fault=500", 500, None)]
)
def test_engine_injects_the_fault_a_client_prefers(
    mock: InProcess, prefer: str, status: int, retry_after: str | None
) -> None:
    answer = mock.request("GET", "/health", headers={"Prefer": prefer}, check=False)
    assert (answer.status_code, answer.json()["code"]) == (status, "injected_fault")
    assert answer.headers.get("retry-after") == retry_after
    [entry] = mock.admin("GET", "/journal").json()["entries"]
    assert (entry["status"], entry["fault"]) == (status, str(status))


def test_engine_drops_the_connection_a_client_prefers_dropped() -> None:
    app = bundled_app()
    sent = _asgi(app, "GET", f"{API}/health", headers={"Prefer": "fault=drop"})
    # A body is announced and never sent: the client sees a broken connection.
    [start] = sent
    assert (start["status"], (b"content-length", b"1") in start["headers"]) == (503, True)
    journal = app.state.engine.journal
    [entry] = asyncio.run(journal.query())
    assert (entry.status, entry.fault) == (0, "drop")


@pytest.mark.parametrize("how", ["prefer", "latency"])
def test_engine_delays_the_answer(make_mock: MakeMock, how: str) -> None:
    mock = make_mock(latency=(60, 60)) if how == "latency" else make_mock()
    headers = {"Prefer": "delay=60"} if how == "prefer" else {}
    started = time.perf_counter()
    assert mock.request("GET", "/health", headers=headers).status_code == 200
    assert time.perf_counter() - started >= 0.06


def test_engine_with_full_chaos_answers_every_request_with_a_fault() -> None:
    app = bundled_app(chaos=1.0, seed=5)
    statuses = [_asgi(app, "GET", f"{API}/health")[0]["status"] for _ in range(20)]
    assert set(statuses) == {503}
    entries = asyncio.run(app.state.engine.journal.query())
    assert {e.fault for e in entries} == {"503", "drop"}


# -- shared state that went away ---------------------------------------------------------------


def test_engine_takes_the_body_request_limits_read_from_the_scope() -> None:
    engine = Engine(load_spec(BUNDLED), journal=MemoryJournal())
    body = (
        b'{"email": "b@example.com", "password": "passw0rd-long", "name": "B", "acceptTerms": true}'
    )
    sent = _asgi(
        engine, "POST", "/api/v1/auth/register",
        headers={"Content-Type": "application/json"}, scope_body=body,
    )  # fmt: skip
    assert sent[0]["status"] == 201
    assert b'"email":"b@example.com"' in sent[1]["body"]


def test_engine_refuses_a_body_in_the_scope_over_its_own_limit() -> None:
    engine = Engine(load_spec(BUNDLED), limits=Limits(max_body_bytes=10))
    sent = _asgi(
        engine, "POST", "/api/v1/auth/register",
        headers={"Content-Type": "application/json"}, scope_body=b'{"email": "too long"}',
    )  # fmt: skip
    assert sent[0]["status"] == 413
    assert b"body_too_large" in sent[1]["body"]


def test_engine_answers_503_with_retry_after_while_the_state_is_unreachable(
    make_mock: MakeMock,
) -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", prefix="gone:")
    mock = make_mock(bundled_app(store=store), prefix=API)
    answer = mock.request("POST", "/auth/login", json={"email": "a@example.com", "password": "x"})
    assert (answer.status_code, answer.json()["code"]) == (503, "state_unavailable")
    assert answer.headers["retry-after"] == "1"


def test_engine_answers_even_when_its_journal_cannot_be_written(
    make_mock: MakeMock, caplog: pytest.LogCaptureFixture
) -> None:
    journal = RedisStore(f"redis://127.0.0.1:{free_port()}/0", prefix="gone:").journal()
    engine = Engine(load_spec(BUNDLED), stateful=False, journal=journal)
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        answer = make_mock(engine, prefix=API).request("GET", "/health")
    assert answer.json() == {"status": "ok", "version": "1.0.0"}
    assert "journal not written" in caplog.text


def test_engine_served_on_its_own_imports_fixtures_at_its_first_request(
    make_mock: MakeMock,
) -> None:
    engine = Engine(load_spec(BUNDLED), journal=MemoryJournal())
    engine.preload(HAND_WRITTEN)
    mock = make_mock(engine, prefix=API)
    login = {"email": "ada@example.com", "password": "passw0rd-long"}
    token = mock.request("POST", "/auth/login", json=login).json()["tokens"]["accessToken"]
    assert mock.request("GET", f"/projects/{PROJECT}", token=token).json()["name"] == "Seeded"


def test_engine_of_a_stateless_mock_answers_examples_whatever_fixtures_it_was_given(
    make_mock: MakeMock,
) -> None:
    mock = make_mock(stateful=False, fixtures=HAND_WRITTEN)
    project = mock.request("GET", f"/projects/{PROJECT}", headers={"Authorization": "Bearer x"})
    assert project.json()["name"] == "Website relaunch"  # the spec's example, not the fixture
    assert mock.admin("GET", "/state").json()["code"] == "stateless"


def test_engine_blames_the_spec_when_its_expression_fails_on_the_request(
    make_mock: MakeMock,
) -> None:
    ratio = {"type": "number", "readOnly": True, "x-mock-compute": "a / b"}
    fields = {"id": {"type": "string", "readOnly": True}, "a": {"type": "integer"}}
    schema = {"type": "object", "properties": {**fields, "b": {"type": "integer"}, "ratio": ratio}}
    content = {"application/json": {"schema": schema}}
    item = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    create = {
        "requestBody": {"content": content},
        "responses": {"201": {"description": "c", "content": content}},
    }
    read = {"parameters": [item], "responses": {"200": {"description": "o", "content": content}}}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Ratios", "version": "1"},
        "paths": {"/ratios": {"post": create}, "/ratios/{id}": {"get": read}},
    }
    mock = make_mock(create_app(spec))
    assert mock.request("POST", "/ratios", json={"a": 3, "b": 2}).json()["ratio"] == 1.5
    failed = mock.request("POST", "/ratios", json={"a": 1, "b": 0})
    assert (failed.status_code, failed.json()["code"]) == (500, "spec_error")
    assert (
        "x-mock-compute 'a / b' failed on this record: division by zero" in failed.json()["detail"]
    )
    assert "bug in mockserver" not in failed.json()["detail"]


@pytest.mark.parametrize(("query", "page", "limit"), [("", 1, 20), ("?page=3&limit=7", 3, 7)])
def test_engine_generates_a_page_of_projects_that_hangs_together(
    mock: InProcess, query: str, page: int, limit: int
) -> None:
    # The measurement: page 936 of 344, one project for a limit of 30, id == ownerId.
    # Without page and limit the parameters' defaults (1, 20) are the page described.
    user = mock.user()
    answer = user.get(f"/projects{query}", headers={"Prefer": "dynamic=true"})
    assert answer.status_code == 200
    body = answer.json()
    meta, projects = body["pagination"], body["data"]
    assert meta["pages"] == -(-meta["total"] // meta["limit"])
    assert 1 <= meta["page"] <= meta["pages"]
    last = meta["total"] - (meta["pages"] - 1) * meta["limit"]
    assert len(projects) == (meta["limit"] if meta["page"] < meta["pages"] else last)
    assert (meta["page"], meta["limit"]) == (page, limit)
    ids = [p["id"] for p in projects] + [p["ownerId"] for p in projects]
    assert len(set(ids)) == len(ids)
    assert all(p["createdAt"] <= p["updatedAt"] for p in projects)
