"""The proxy end to end: the reference provider upstream, faults, partial mocking, failures."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.conform.faults import Exchange, Hook
from tests.conftest import RunningServer
from tests.inprocess import InProcess
from tests.proxy.conftest import bundled_spec

MakeProxy = Callable[..., InProcess]
MakeUpstream = Callable[..., str]


def _journal(proxy: InProcess) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = proxy.admin("GET", "/journal").json()["entries"]
    return entries


def test_proxy_clean_traffic_through_the_provider_has_no_violations(
    make_proxy: MakeProxy, provider_api: str
) -> None:
    proxy = make_proxy(provider_api)
    user = proxy.user()
    created = user.post("/projects", json={"name": "Apollo"})
    assert created.status_code == 201, created.text
    project = created.json()["id"]
    answers = [
        created,
        user.get(f"/projects/{project}"),
        user.get("/projects"),
        user.patch(f"/projects/{project}", json={"name": "Gemini"}),
        user.get("/auth/me"),
        proxy.request("GET", "/health"),
    ]
    for answer in answers:
        assert answer.headers["x-mock-violations"] == "0", answer.text
        assert answer.headers["x-mock-source"] == "upstream"
    entries = _journal(proxy)
    assert len(entries) == 8  # register and login too
    assert all(entry["violations"] == [] for entry in entries)
    assert all(entry["kind"] == "proxy" for entry in entries)
    report = proxy.admin("GET", "/report").json()
    assert report["violations"] == 0
    assert report["exchanges"] == 8


def test_proxy_journal_redacts_secrets_of_both_sides(
    make_proxy: MakeProxy, provider_api: str
) -> None:
    proxy = make_proxy(provider_api)
    user = proxy.user()
    user.get("/auth/me")
    entries = _journal(proxy)
    register, login, me = (entry["proxy"] for entry in entries)
    assert register["request"]["body"]["password"] == "[redacted]"
    assert register["request"]["body"]["name"] == "Test User"
    assert login["response"]["body"]["tokens"]["accessToken"] == "[redacted]"
    assert me["request"]["headers"]["authorization"] == "[redacted]"
    assert user.token not in orjson.dumps(entries).decode()


def _renames_name(exchange: Exchange, memory: dict[str, Any]) -> None:
    if exchange.path.endswith("/auth/me") and exchange.status == 200:
        exchange.answer["fullName"] = exchange.answer.pop("name")


def _drops_location(exchange: Exchange, memory: dict[str, Any]) -> None:
    if exchange.status == 201:
        exchange.headers.pop("location", None)


def _teapot(exchange: Exchange, memory: dict[str, Any]) -> None:
    if exchange.path.endswith("/health"):
        exchange.status = 418


FAULTS: dict[str, tuple[Hook, str, str, str, dict[str, str]]] = {
    "renamed field": (
        _renames_name, "GET", "/auth/me", "getCurrentUser",
        {"in": "response", "field": "body.name", "code": "required"},
    ),
    "dropped declared header": (
        _drops_location, "POST", "/projects", "createProject",
        {"in": "response", "field": "header.Location", "code": "missing"},
    ),
    "undeclared status": (
        _teapot, "GET", "/health", "getHealth",
        {"in": "response", "field": "status", "code": "status"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("fault", list(FAULTS))
def test_proxy_reports_a_planted_fault_exactly_in_header_journal_json_and_junit(
    fault: str, make_proxy: MakeProxy, make_upstream: MakeUpstream, tmp_path: Path
) -> None:
    after, method, path, operation, expected = FAULTS[fault]
    report, junit = tmp_path / "violations.json", tmp_path / "junit.xml"
    proxy = make_proxy(make_upstream(after=after), report=report, junit=junit)
    user = proxy.user()
    body = {"name": "Apollo"} if method == "POST" else None
    answer = user.request(method, path, json=body, check=False)
    assert answer.headers["x-mock-violations"] == "1", answer.text
    entry = _journal(proxy)[-1]
    assert entry["operationId"] == operation
    assert [{k: v[k] for k in expected} for v in entry["violations"]] == [expected]
    assert proxy.admin("POST", "/report").status_code == 200
    written = orjson.loads(report.read_bytes())
    assert written["violations"] == 1
    (seen,) = [op for op in written["operations"] if op["violationCount"]]
    assert seen["operation"] == operation
    assert [{k: v[k] for k in expected} for v in seen["violations"]] == [expected]
    suite = ElementTree.parse(junit).getroot()
    assert suite.get("failures") == "1"
    (failed,) = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert failed.get("name") == operation
    assert expected["field"] in (failed.findtext("failure") or "")


def test_proxy_reports_request_violations_and_paths_the_spec_does_not_declare(
    make_proxy: MakeProxy, provider_api: str
) -> None:
    proxy = make_proxy(provider_api)
    invalid = proxy.request("POST", "/auth/register", json={"email": "nope"}, check=False)
    assert invalid.status_code == 400
    assert int(invalid.headers["x-mock-violations"]) >= 3  # password, name, acceptTerms...
    assert {v["in"] for v in _journal(proxy)[-1]["violations"]} == {"request"}
    missing = proxy.request("GET", "/no-such-thing", check=False)
    assert missing.headers["x-mock-violations"] == "1"
    assert _journal(proxy)[-1]["violations"][0]["code"] == "no_such_path"
    wrong = proxy.request("DELETE", "/health", check=False)
    assert _journal(proxy)[-1]["violations"][0]["code"] == "method_not_allowed"
    assert wrong.headers["x-mock-violations"] == "1"


def test_proxy_answers_chosen_operations_from_the_stateful_mock(
    make_proxy: MakeProxy, provider_api: str
) -> None:
    proxy = make_proxy(provider_api, mock=["auth", "projects"])
    user = proxy.user()  # registered with the mock: the provider never saw it
    created = user.post("/projects", json={"name": "Apollo"})
    assert created.status_code == 201
    assert created.headers["x-mock-source"] == "mock"
    read = user.get(f"/projects/{created.json()['id']}")
    assert read.json() == created.json()
    assert proxy.request("GET", "/health").headers["x-mock-source"] == "upstream"
    report = proxy.admin("GET", "/report").json()
    mocked = {op["operation"]: op["mocked"] for op in report["operations"] if op["mocked"]}
    assert mocked["createProject"] == 1
    assert report["exchanges"] == 1


def _only_health() -> Starlette:
    async def health(request: Any) -> PlainTextResponse:
        return PlainTextResponse('{"status": "ok"}', media_type="application/json")

    return Starlette(routes=[Route("/api/v1/health", health)])


def test_proxy_mock_missing_answers_what_the_upstream_has_no_route_for(
    make_proxy: MakeProxy, make_upstream: MakeUpstream
) -> None:
    proxy = make_proxy(make_upstream(_only_health()), mock_missing=True)
    assert proxy.request("GET", "/health").headers["x-mock-source"] == "upstream"
    user = proxy.user()  # /auth/register is Starlette's bare 404 upstream: the mock answers
    created = user.post("/projects", json={"name": "Apollo"})
    assert created.status_code == 201
    assert created.headers["x-mock-source"] == "mock"


def test_proxy_mock_missing_keeps_a_declared_404_of_the_upstream(
    make_proxy: MakeProxy, provider_api: str
) -> None:
    proxy = make_proxy(provider_api, mock_missing=True)
    user = proxy.user()
    gone = user.get("/projects/0f8b7c1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d")
    assert gone.status_code == 404
    assert gone.headers["x-mock-source"] == "upstream"


def test_proxy_mock_missing_answers_when_the_upstream_is_down(
    make_proxy: MakeProxy, closed_port_url: str
) -> None:
    proxy = make_proxy(closed_port_url, mock_missing=True)
    answer = proxy.request("GET", "/health")
    assert answer.status_code == 200
    assert answer.headers["x-mock-source"] == "mock"


def _hostile(accepted: list[str]) -> Starlette:
    async def slow(request: Any) -> PlainTextResponse:
        await asyncio.sleep(5)
        return PlainTextResponse("late")

    async def huge(request: Any) -> Response:
        return Response(b"x" * 4096, media_type="application/json")

    async def endless(request: Any) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            while True:
                yield b"x" * 1024
                await asyncio.sleep(0)

        return StreamingResponse(chunks(), media_type="application/json")

    async def fine(request: Any) -> PlainTextResponse:
        accepted.append(request.method)
        return PlainTextResponse('{"status": "ok"}', media_type="application/json")

    return Starlette(routes=[
        Route("/api/v1/slow", slow), Route("/api/v1/huge", huge),
        Route("/api/v1/endless", endless), Route("/api/v1/health", fine),
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("path", "status", "code", "cause"),
    [
        ("/slow", 504, "upstream_timeout", "did not answer GET /slow within 0.5 s"),
        ("/huge", 502, "upstream_too_large", "exceeds 2048 bytes"),
        ("/endless", 502, "upstream_too_large", "exceeds 2048 bytes"),
    ],
)
def test_proxy_answers_a_hostile_upstream_with_a_problem_and_keeps_serving(
    path: str,
    status: int,
    code: str,
    cause: str,
    make_proxy: MakeProxy,
    make_upstream: MakeUpstream,
) -> None:
    accepted: list[str] = []
    upstream = make_upstream(_hostile(accepted), timeout_graceful_shutdown=0.5)
    proxy = make_proxy(upstream, upstream_timeout=0.5, upstream_max_body=2048)
    answer = proxy.request("GET", path, check=False)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["code"] == code
    assert upstream in problem["detail"]
    assert cause in problem["detail"]
    assert _journal(proxy)[-1]["proxy"]["failure"] == code.removeprefix("upstream_")
    assert proxy.request("GET", "/health").status_code == 200  # still serving
    assert accepted == ["GET"]


def test_proxy_answers_502_when_the_upstream_is_down(
    make_proxy: MakeProxy, closed_port_url: str
) -> None:
    proxy = make_proxy(closed_port_url)
    answer = proxy.request("POST", "/projects", json={"name": "x"}, check=False)
    assert answer.status_code == 502
    problem = answer.json()
    assert problem["code"] == "upstream_unreachable"
    assert closed_port_url in problem["detail"]
    assert "safe to retry" in problem["detail"]
    report = proxy.admin("GET", "/report").json()
    (failed,) = [op for op in report["operations"] if op["upstreamFailures"]]
    assert failed["upstreamFailures"] == {"unreachable": 1}


class _Resetting:
    """A TCP server that reads a request and resets the connection, counting requests."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/v1"
        self.requests = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                self.requests += 1
                # RST instead of FIN: linger on, zero seconds.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def close(self) -> None:
        self.sock.close()


def test_proxy_answers_502_when_the_upstream_resets_and_never_resends_a_post(
    make_proxy: MakeProxy,
) -> None:
    server = _Resetting()
    try:
        proxy = make_proxy(server.url)
        answer = proxy.request("POST", "/projects", json={"name": "x"}, check=False)
        assert answer.status_code == 502
        problem = answer.json()
        assert problem["code"] == "upstream_reset"
        assert "broke the connection during POST /projects" in problem["detail"]
        assert server.requests == 1
    finally:
        server.close()


def test_proxy_answers_head_with_the_upstreams_length_and_no_body(
    make_proxy: MakeProxy, provider_api: str
) -> None:
    proxy = make_proxy(provider_api)
    got = proxy.request("GET", "/health")
    head = proxy.request("HEAD", "/health", check=False)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["x-mock-violations"] == "0"


def test_proxy_a_tour_of_the_api_through_the_typed_client_has_no_violations(
    provider_api: str, make_server: Callable[..., RunningServer], tmp_path: Path
) -> None:
    from contracts.client import PlatformClient
    from mockserver.proxy.app import create_proxy_app
    from tests.contracts.resource_scenarios import ORDER_ITEMS

    report = tmp_path / "violations.json"
    app = create_proxy_app(bundled_spec(), upstream=provider_api, report=report)
    proxy = make_server(app)
    with PlatformClient(proxy.url + "/api/v1") as api:
        api.register("tour@example.com", "passw0rd-long", "Tour")
        tokens = api.login("tour@example.com", "passw0rd-long").tokens
        api.me()
        project = api.create_project("Apollo")
        api.update_project(project.id, name="Gemini")
        task = api.create_task(project.id, "Launch", priority="high")
        api.get_task(project.id, task.id)
        api.update_task(project.id, task.id, title="Land")
        api.list_tasks(project.id)
        api.delete_task(project.id, task.id)
        api.list_projects(page=1, limit=5)
        order = api.create_order("USD", ORDER_ITEMS)
        api.pay_order(order.id, "pm_card_visa", idempotency_key="tour-1")
        api.pay_order(order.id, "pm_card_visa", idempotency_key="tour-1")  # replayed
        api.list_orders()
        session = api.create_session("Tour", metadata={"k": "v"})
        api.update_session(session.id, name="Tour 2")
        api.end_session(session.id)
        api.delete_project(project.id)
        api.refresh(tokens.refresh_token)
        api.logout(all_devices=True)
    summary = httpx.post(proxy.url + "/__mock/report").json()
    seen = {op["operation"]: op for op in summary["operations"] if op["exchanges"]}
    assert summary["violations"] == 0, [op["violations"] for op in seen.values()]
    assert len(seen) >= 20
    assert orjson.loads(report.read_bytes()) == summary
