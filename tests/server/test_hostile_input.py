"""Hostile input against a real mock: every refusal a 4xx problem, never a 5xx, never a crash.

The corpus (`tests/hostile.py`) goes over raw sockets to a uvicorn server run with the mock's
own limits (`httpguard`, set up by `mockserver.server.guard`): malformed and 100,000-level
JSON, invalid UTF-8, NUL bytes, ``1e400``, duplicate keys, wrong content types, multipart
abuse, 10,000 query parameters, path traversal, oversized headers, slowloris headers and
bodies. After each the mock must still answer a normal request. A Hypothesis fuzz test sends
random raw requests. A 50 MB body and SIGTERM run against ``mockserver serve`` as its own
process.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from httpguard import Limits, uvicorn_options
from mockserver.server.app import create_app
from mockserver.server.guard import REFUSALS
from tests.conftest import SPEC, RunningServer
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

pytestmark = pytest.mark.slow

BASE = "/api/v1"
LIMITS = Limits(max_body_bytes=1024 * 1024, header_timeout=1, body_timeout=1)
PASSWORD = "correct-horse-7"


class Mock:
    def __init__(self, server: RunningServer, token: str) -> None:
        self.url = server.url
        self.auth = (("Authorization", f"Bearer {token}"),)

    def assert_alive(self) -> None:
        response = send_raw(self.url, request_bytes("GET", f"{BASE}/projects", headers=self.auth))
        assert response is not None, "the mock no longer answers"
        assert response.status == 200, response


@pytest.fixture(scope="module")
def mock() -> Iterator[Mock]:
    server = RunningServer(
        create_app(SPEC, seed=7, limits=LIMITS), **uvicorn_options(LIMITS, refusals=REFUSALS)
    )
    with httpx.Client(base_url=server.url + BASE) as client:
        account = {"email": "hostile@example.com", "password": PASSWORD, "name": "H"}
        assert client.post("/auth/register", json={**account, "acceptTerms": True}).is_success
        login = client.post("/auth/login", json={"email": account["email"], "password": PASSWORD})
        token = login.json()["tokens"]["accessToken"]
    yield Mock(server, token)
    server.stop()


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


CASES = [
    *body_corpus(f"{BASE}/projects", {"name": "Website"}, [("Authorization", "Bearer {token}")]),
    *request_corpus(BASE, [("Authorization", "Bearer {token}")]),
    *request_corpus("", ()),  # outside the base path: the admin API and unknown paths
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.name} {case.target[:30]}")
def test_hostile_request_gets_a_problem_and_the_mock_lives(mock: Mock, case: Case) -> None:
    token = mock.auth[0][1].removeprefix("Bearer ")
    raw = case.raw().replace(b"{token}", token.encode())
    if not case.target.startswith(BASE):
        case = Case(case.name, case.method, case.target, expect=case.expect | {404}, code=None)
    assert_problem(send_raw(mock.url, raw), case)
    mock.assert_alive()


def test_nesting_up_to_the_limit_is_parsed(mock: Mock) -> None:
    body = b'{"name": "Deep", "description": ' + b"[" * 63 + b"]" * 63 + b"}"
    response = send_raw(
        mock.url,
        request_bytes(
            "POST",
            f"{BASE}/projects",
            body=body,
            headers=[*mock.auth, ("Content-Type", "application/json")],
        ),
    )
    assert response is not None
    assert response.status == 400  # a schema violation (description is a string), not the limit
    assert response.json()["code"] == "validation_failed"


@pytest.mark.parametrize(
    "headers",
    [[("X-Big", "a" * 100_000)], [(f"X-H{i}", "v" * 20) for i in range(5_000)]],
    ids=["one 100 kB header", "5,000 headers"],
)
def test_oversized_headers_get_431_and_a_close(mock: Mock, headers: list[tuple[str, str]]) -> None:
    response = send_raw(mock.url, request_bytes("GET", f"{BASE}/projects", headers=headers))
    assert response is not None
    assert response.status == 431
    assert response.headers["connection"] == "close"
    assert response.json()["code"] == "headers_too_large"
    mock.assert_alive()


def test_a_body_announced_too_large_is_refused_before_it_is_sent(mock: Mock) -> None:
    head = request_bytes(
        "POST",
        f"{BASE}/projects",
        headers=[
            *mock.auth,
            ("Content-Type", "application/json"),
            ("Content-Length", str(50 * 1024 * 1024)),
        ],
    )
    with connect(mock.url) as sock:
        sock.sendall(head)
        response = read_response(sock)
    assert response is not None
    assert response.status == 413
    assert response.json()["code"] == "body_too_large"
    mock.assert_alive()


def test_a_chunked_body_past_the_limit_gets_413(mock: Mock) -> None:
    body = chunked(b"[" + b"1," * (LIMITS.max_body_bytes) + b"1]")
    head = request_bytes(
        "POST",
        f"{BASE}/projects",
        headers=[
            *mock.auth,
            ("Content-Type", "application/json"),
            ("Transfer-Encoding", "chunked"),
        ],
    )
    response = send_raw(mock.url, head + body)
    assert response is not None
    assert response.status == 413
    mock.assert_alive()


def test_slowloris_headers_are_cut_off(mock: Mock) -> None:
    with connect(mock.url, timeout=30) as sock:
        sock.sendall(b"GET /api/v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        response = trickle_until_closed(sock, b"X-Slow: aaaaaaaaaaaaaaa\r\n")
        mock.assert_alive()  # served meanwhile
    if response is not None:
        assert response.status == 408
        assert response.json()["code"] == "request_timeout"


def test_a_connection_that_sends_nothing_is_closed(mock: Mock) -> None:
    with connect(mock.url, timeout=30) as sock:
        assert sock.recv(1) == b""  # closed by the server after the header timeout


def test_a_trickled_body_gets_408(mock: Mock) -> None:
    head = request_bytes(
        "POST",
        f"{BASE}/projects",
        headers=[*mock.auth, ("Content-Type", "application/json"), ("Content-Length", "1000")],
    )
    with connect(mock.url, timeout=30) as sock:
        sock.sendall(head)
        response = trickle_until_closed(sock, b'{"name": "slow"')
    assert response is not None
    assert response.status == 408
    assert response.json()["code"] == "request_timeout"
    mock.assert_alive()


# -- fuzzing: random raw requests ------------------------------------------------------------

SEGMENTS = [
    "api",
    "v1",
    "projects",
    "tasks",
    "orders",
    "auth",
    "login",
    "__mock",
    "state",
    "..",
    ".",
    "%00",
    "%2F",
    "%2e%2e",
    "%ff",
    "~",
    "11111111-1111-4111-8111-111111111111",
]
TOKEN = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"),
    min_size=1,
    max_size=20,
)
HEADER_VALUE = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
CONTENT_TYPES = [
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "application/json; charset=latin-1",
    "",
]
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def raw_requests(draw: Any) -> bytes:
    method = draw(
        st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]) | TOKEN
    )
    segments = draw(
        st.lists(st.sampled_from(SEGMENTS) | TOKEN.filter(lambda t: "?" not in t), max_size=6)
    )
    query = draw(st.lists(st.tuples(TOKEN, TOKEN), max_size=5))
    target = (
        "/" + "/".join(segments) + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
    )
    headers = draw(st.lists(st.tuples(TOKEN, HEADER_VALUE), max_size=6))
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if content_type:
        headers.append(("Content-Type", content_type))
    body = draw(st.none() | st.binary(max_size=500) | JSONISH.map(lambda v: json.dumps(v).encode()))
    return request_bytes(method, target, body=body, headers=headers)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=raw_requests())
def test_fuzzed_raw_requests_never_get_a_5xx(mock: Mock, raw: bytes) -> None:
    response = send_raw(mock.url, raw)
    assert response is None or response.status < 500, (raw[:300], response)
    mock.assert_alive()


# -- as its own process: memory and signals --------------------------------------------------


@pytest.fixture
def mock_process() -> Iterator[ServerProcess]:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "mockserver",
        "serve",
        str(SPEC),
        "--port",
        str(port),
        "--seed",
        "1",
        "--max-body-bytes",
        str(1024 * 1024),
    ]
    process = ServerProcess(argv, port, health="/__mock/health")
    yield process
    process.close()


def test_a_50_mb_body_keeps_memory_bounded(mock_process: ServerProcess) -> None:
    before = rss_bytes(mock_process.pid)
    body = b'{"name": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    for framing in ("length", "chunked"):
        if framing == "length":
            raw = request_bytes(
                "POST",
                f"{BASE}/auth/register",
                body=body,
                headers=[("Content-Type", "application/json")],
            )
        else:
            raw = request_bytes(
                "POST",
                f"{BASE}/auth/register",
                headers=[("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
            ) + chunked(body)
        response = send_raw(mock_process.url, raw, timeout=60)
        assert response is not None, framing
        assert response.status == 413, (framing, response)
    after = rss_bytes(mock_process.pid)
    assert after < before + 40 * 1024 * 1024, (before, after)
    alive = send_raw(mock_process.url, request_bytes("GET", "/__mock/health"))
    assert alive is not None
    assert alive.status == 200


def test_sigterm_lets_an_in_flight_request_finish(mock_process: ServerProcess) -> None:
    account = {"email": "late@example.com", "password": PASSWORD, "name": "L", "acceptTerms": True}
    body = json.dumps(account).encode()
    head = request_bytes(
        "POST",
        f"{BASE}/auth/register",
        headers=[
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Expect", "100-continue"),
            ("Prefer", "delay=1000"),
        ],
    )
    with connect(mock_process.url, timeout=30) as sock:
        sock.sendall(head)
        # The 100 Continue proves the request is being handled before the signal is sent.
        assert read_interim(sock).startswith(b"HTTP/1.1 100")
        mock_process.proc.send_signal(signal.SIGTERM)
        sock.sendall(body)
        response = read_response(sock)
    assert response is not None
    assert response.status == 201, response
    assert response.json()["email"] == "late@example.com"
    code, _, err = mock_process.wait()
    assert code == 0, err
    assert "Traceback" not in err


def test_the_cli_refuses_a_limit_that_is_not_positive() -> None:
    from mockserver.cli.main import main

    with pytest.raises(SystemExit) as exited:
        main(["serve", "--max-body-bytes", "0"])
    assert exited.value.code == 2
