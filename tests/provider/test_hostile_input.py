"""Hostile input against a real provider: every refusal a 4xx problem, never a 5xx or a crash.

The same corpus as the mock's (`tests/hostile.py`) over raw sockets, on SQLite and on
PostgreSQL (NUL bytes and huge numbers meet the database there), with the provider's own
limits (`httpguard`, refusing as `provider.problems.REFUSALS` says). Transport-level attacks
(headers, slowloris, 50 MB bodies, SIGTERM) do not depend on the database and run on SQLite
only.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from httpguard import uvicorn_options
from provider import CHEAP_PASSWORD_COST, create_app
from provider.app import DEFAULT_LIMITS
from provider.problems import REFUSALS
from tests.conftest import RunningServer
from tests.hostile import (
    PROBLEM_JSON,
    Case,
    RawResponse,
    ServerProcess,
    body_corpus,
    chunked,
    connect,
    read_interim,
    read_response,
    request_bytes,
    request_corpus,
    rss_bytes,
    send_raw,
    trickle_until_closed,
)
from tests.ports import free_port
from tests.provider.conftest import JWT_SECRET, PASSWORD, Backend, unique_email
from tests.server.test_hostile_input import raw_requests

pytestmark = pytest.mark.slow

BASE = "/api/v1"
LIMITS = dataclasses.replace(DEFAULT_LIMITS, header_timeout=1, body_timeout=1)


class Target:
    def __init__(self, database_url: str) -> None:
        self.app = create_app(
            database_url=database_url,
            jwt_secret=JWT_SECRET,
            password_cost=CHEAP_PASSWORD_COST,
            limits=LIMITS,
        )
        self.server = RunningServer(self.app, **uvicorn_options(LIMITS, refusals=REFUSALS))
        self.url = self.server.url
        with httpx.Client(base_url=self.url + BASE) as client:
            email = unique_email()
            account = {"email": email, "password": PASSWORD, "name": "H", "acceptTerms": True}
            assert client.post("/auth/register", json=account).status_code == 201
            login = client.post("/auth/login", json={"email": email, "password": PASSWORD})
            self.token = login.json()["tokens"]["accessToken"]
        self.auth = (("Authorization", f"Bearer {self.token}"),)

    def assert_alive(self) -> None:
        response = send_raw(self.url, request_bytes("GET", f"{BASE}/projects", headers=self.auth))
        assert response is not None, "the provider no longer answers"
        assert response.status == 200, response


@pytest.fixture(scope="module")
def provider(backend: Backend) -> Iterator[Target]:
    """A provider on each backend (``backend`` is parametrized: SQLite, PostgreSQL)."""
    target = Target(backend.new_database())
    yield target
    target.server.stop()


@pytest.fixture(scope="module")
def sqlite_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    target = Target(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'db.sqlite3'}")
    yield target
    target.server.stop()


def assert_problem(response: RawResponse | None, case: Case) -> None:
    assert response is not None, f"{case.name}: the connection closed without an answer"
    assert response.status in case.expect, (case.name, response.status, response.body[:300])
    if response.status >= 400:
        assert response.headers["content-type"] == PROBLEM_JSON, case.name
        problem = response.json()
        assert problem["status"] == response.status
        assert {"type", "title", "status", "detail", "code"} <= problem.keys()
        if case.code is not None:
            assert problem["code"] == case.code, problem


TOKEN = [("Authorization", "Bearer {token}")]
CASES = [
    *body_corpus(f"{BASE}/projects", {"name": "Website"}, TOKEN),
    *body_corpus(f"{BASE}/auth/login", {"email": "a@example.com", "password": PASSWORD}),
    *request_corpus(BASE, TOKEN),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.name} {case.target[:24]}")
def test_hostile_request_gets_a_problem_and_the_provider_lives(
    provider: Target, case: Case
) -> None:
    raw = case.raw().replace(b"{token}", provider.token.encode())
    if case.target.endswith("/login") and case.expect & {200, 201}:
        case = Case(case.name, case.method, case.target, expect=case.expect | {401})
    assert_problem(send_raw(provider.url, raw), case)
    provider.assert_alive()


@pytest.mark.parametrize("text", ["a\u0000b", "\u0000", "back\\slash\u0000\\0"])
def test_nul_characters_are_stored_as_sent(provider: Target, text: str) -> None:
    with httpx.Client(base_url=provider.url + BASE, headers=dict(provider.auth)) as client:
        created = client.post("/projects", json={"name": text, "description": text})
        assert created.status_code == 201, created.text
        read = client.get(f"/projects/{created.json()['id']}").json()
        assert (read["name"], read["description"]) == (text, text)
        found = client.get("/projects", params={"q": text}).json()["data"]
        assert created.json()["id"] in [project["id"] for project in found]


@pytest.mark.parametrize(
    "headers",
    [[("X-Big", "a" * 100_000)], [(f"X-H{i}", "v" * 20) for i in range(5_000)]],
    ids=["one 100 kB header", "5,000 headers"],
)
def test_oversized_headers_get_431_and_a_close(
    sqlite_provider: Target, headers: list[tuple[str, str]]
) -> None:
    response = send_raw(
        sqlite_provider.url, request_bytes("GET", f"{BASE}/health", headers=headers)
    )
    assert response is not None
    assert response.status == 431
    assert response.json()["code"] == "headers_too_large"
    sqlite_provider.assert_alive()


def test_a_chunked_body_past_the_limit_gets_400_body_too_large(sqlite_provider: Target) -> None:
    head = request_bytes(
        "POST",
        f"{BASE}/projects",
        headers=[
            *sqlite_provider.auth,
            ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"),
        ],
    )
    response = send_raw(sqlite_provider.url, head + chunked(b"1" * (LIMITS.max_body_bytes + 1)))
    assert response is not None
    assert response.status == 400  # what the spec declares for a refused body
    assert response.json()["code"] == "body_too_large"
    sqlite_provider.assert_alive()


def test_slowloris_headers_are_cut_off(sqlite_provider: Target) -> None:
    with connect(sqlite_provider.url, timeout=30) as sock:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        response = trickle_until_closed(sock, b"X-Slow: aaaaaaaaaaaaaaa\r\n")
        sqlite_provider.assert_alive()
    if response is not None:
        assert response.status == 408


def test_a_trickled_body_gets_408(sqlite_provider: Target) -> None:
    head = request_bytes(
        "POST",
        f"{BASE}/projects",
        headers=[
            *sqlite_provider.auth,
            ("Content-Type", "application/json"),
            ("Content-Length", "1000"),
        ],
    )
    with connect(sqlite_provider.url, timeout=30) as sock:
        sock.sendall(head)
        response = trickle_until_closed(sock, b'{"name": "slow"')
    assert response is not None
    assert response.status == 408
    assert response.json()["code"] == "request_timeout"
    sqlite_provider.assert_alive()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=raw_requests())
def test_fuzzed_raw_requests_never_get_a_5xx(sqlite_provider: Target, raw: bytes) -> None:
    response = send_raw(sqlite_provider.url, raw)
    assert response is None or response.status < 500, (raw[:300], response)
    sqlite_provider.assert_alive()


# -- as its own process: memory and signals --------------------------------------------------


@pytest.fixture
def provider_process(tmp_path: Path) -> Iterator[ServerProcess]:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "provider",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "--log-level",
        "warning",
    ]
    process = ServerProcess(argv, port, health=f"{BASE}/health")
    yield process
    process.close()


def test_a_50_mb_body_keeps_memory_bounded(provider_process: ServerProcess) -> None:
    before = rss_bytes(provider_process.pid)
    body = b'{"email": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    json_type = ("Content-Type", "application/json")
    for raw in (
        request_bytes("POST", f"{BASE}/auth/login", body=body, headers=[json_type]),
        request_bytes(
            "POST", f"{BASE}/auth/login", headers=[json_type, ("Transfer-Encoding", "chunked")]
        )
        + chunked(body),
    ):
        response = send_raw(provider_process.url, raw, timeout=60)
        assert response is not None
        assert response.status == 400, response
    after = rss_bytes(provider_process.pid)
    assert after < before + 40 * 1024 * 1024, (before, after)


def test_sigterm_lets_an_in_flight_request_finish(provider_process: ServerProcess) -> None:
    account = {"email": unique_email(), "password": PASSWORD, "name": "L", "acceptTerms": True}
    body = json.dumps(account).encode()
    head = request_bytes(
        "POST",
        f"{BASE}/auth/register",
        headers=[
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Expect", "100-continue"),
        ],
    )
    with connect(provider_process.url, timeout=30) as sock:
        sock.sendall(head)
        # The 100 Continue proves the request is being handled before the signal is sent.
        assert read_interim(sock).startswith(b"HTTP/1.1 100")
        provider_process.proc.send_signal(signal.SIGTERM)
        sock.sendall(body)
        response = read_response(sock)
    assert response is not None
    assert response.status == 201, response
    assert response.json()["email"] == account["email"]
    code, _, err = provider_process.wait()
    assert code == 0, err
    assert "Traceback" not in err


def test_the_cli_refuses_a_limit_that_is_not_positive(capsys: pytest.CaptureFixture[str]) -> None:
    from provider.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(["--max-json-depth", "-3"])
    assert exited.value.code == 2
    assert "expected a positive int, got '-3'" in capsys.readouterr().err
