"""Several processes, one mock: ``serve --workers`` and instances sharing ``--state-url``.

Every mock here is a real ``mockserver serve`` subprocess on loopback and the state lives in
a real ``redis-server`` the tests start (skipped, with the reason, when it is not installed).
Concurrency is shown by firing requests at two instances at once: whatever order the
processes interleave in, the atomic writes (pay once, idempotency keys, login throttling)
must come out the same as in one process.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from mockserver.cli.main import main
from tests.conftest import ROOT, SPEC
from tests.events.test_webhooks import ORDER
from tests.ports import free_port
from tests.redis_server import RedisServer, redis_server

pytestmark = pytest.mark.slow

API = "/api/v1"
PASSWORD = "passw0rd-long"


class Mock:
    """``mockserver serve`` in a subprocess; ready once ``/__mock/health`` answers."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", str(SPEC), "--port", str(self.port),
             *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/__mock/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mockserver serve did not start:\n{self.stop()}")
            time.sleep(0.05)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url + API, timeout=30)

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}/__mock{path}", timeout=30, **kwargs)

    def stop(self) -> str:
        """Stop gracefully (SIGTERM, as a supervisor would); stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=30)
        return err


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture(scope="module")
def pair(redis: RedisServer) -> Iterator[tuple[Mock, Mock]]:
    """Two instances on different ports, one state: as behind a load balancer."""
    url = redis.url()
    first = Mock("--state-url", url)
    try:
        second = Mock("--state-url", url)
    except BaseException:
        first.stop()
        raise
    yield first, second
    for mock in (first, second):
        assert "Traceback" not in mock.stop()


@pytest.fixture
def mocks(pair: tuple[Mock, Mock]) -> tuple[Mock, Mock]:
    """The pair, reset: no state and no journal left by an earlier test."""
    assert pair[0].admin("POST", "/reset").status_code == 204
    return pair


def register(client: httpx.Client, email: str | None = None) -> str:
    email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
    created = client.post(
        "/auth/register",
        json={"email": email, "password": PASSWORD, "name": "Test User", "acceptTerms": True},
    )
    assert created.status_code == 201, created.text
    return email


def login(client: httpx.Client, email: str) -> dict[str, str]:
    answer = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['tokens']['accessToken']}"}


async def fire(
    requests: list[tuple[Mock, str, str, dict[str, Any]]],
) -> list[httpx.Response]:
    """Send every request at once, each on its own connection."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return await asyncio.gather(
            *(client.request(method, mock.url + API + path, **kwargs)
              for mock, method, path, kwargs in requests)
        )  # fmt: skip


# -- refusals ---------------------------------------------------------------------------------


def test_serve_refuses_several_workers_without_a_state_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", str(SPEC), "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "--workers 2 needs --state-url" in err
    assert "own memory" in err
    assert "redis://127.0.0.1:6379/0" in err


def test_serve_refuses_reload_with_shared_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", str(SPEC), "--reload", "--state-url", "redis://127.0.0.1/0"]) == 2
    assert "--reload rebuilds the mock inside one process" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_serve_refuses_a_worker_count_that_is_not_positive(
    workers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--workers", workers])
    assert exc.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_serve_refuses_a_state_url_that_is_not_redis(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", str(SPEC), "--state-url", "memcached://127.0.0.1/0"]) == 2
    assert "expected redis://host:port/db" in capsys.readouterr().err


def test_serve_says_how_to_fix_an_unreachable_redis(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    assert main(["serve", str(SPEC), "--state-url", url]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach Redis at {url}" in err
    assert "start redis-server" in err


# -- one mock across instances ----------------------------------------------------------------


def test_instances_share_resources_tokens_journal_and_reset(mocks: tuple[Mock, Mock]) -> None:
    a, b = mocks
    with a.client() as on_a, b.client() as on_b:
        email = register(on_a)
        auth = login(on_b, email)  # a token issued by B ...
        created = on_a.post("/projects", json={"name": "Apollo"}, headers=auth)  # ... A accepts
        assert created.status_code == 201, created.text
        project = created.json()
        read = on_b.get(f"/projects/{project['id']}", headers=auth)
        assert (read.status_code, read.json()) == (200, project)
        assert [p["id"] for p in on_b.get("/projects", headers=auth).json()["data"]] == [
            project["id"]
        ]

        for mock in (a, b):
            journal = mock.admin("GET", "/journal").json()["entries"]
            assert [(e["method"], e["operationId"], e["status"]) for e in journal] == [
                ("POST", "registerUser", 201),
                ("POST", "loginUser", 200),
                ("POST", "createProject", 201),
                ("GET", "getProject", 200),
                ("GET", "listProjects", 200),
            ]
            assert mock.admin("GET", "/health").json()["journalEntries"] == 5

        assert b.admin("POST", "/reset").status_code == 204
        assert a.admin("GET", "/state").json() == {"collections": {}}
        assert a.admin("GET", "/journal").json() == {"entries": []}
        assert on_a.get(f"/projects/{project['id']}", headers=auth).status_code == 401
        register(on_a, email)  # the identity is free again: reset cleared it everywhere


def test_state_imported_through_one_instance_is_served_by_the_other(
    mocks: tuple[Mock, Mock],
) -> None:
    a, b = mocks
    state = {"collections": {"/projects": {"p-1": {"name": "Imported", "ownerId": None}}}}
    assert a.admin("PUT", "/state", json=state).status_code == 204
    exported = b.admin("GET", "/state").json()["collections"]
    assert exported["/projects"]["p-1"]["name"] == "Imported"


# -- atomic writes under concurrency, across instances -----------------------------------------


def test_concurrent_pays_of_one_order_across_instances_succeed_once(
    mocks: tuple[Mock, Mock],
) -> None:
    a, b = mocks
    with a.client() as on_a:
        auth = login(on_a, register(on_a))
        order = on_a.post("/orders", json=ORDER, headers=auth).json()
    path = f"/orders/{order['id']}/payments"
    answers = asyncio.run(
        fire(
            [
                (
                    (a, b)[n % 2],
                    "POST",
                    path,
                    {
                        "json": {"paymentMethod": "pm_card_visa"},
                        "headers": {**auth, "Idempotency-Key": f"attempt-{n}"},
                    },
                )
                for n in range(16)
            ]
        )
    )
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 15}
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"order_already_paid"}
    with b.client() as on_b:
        payments = on_b.get("/payments", headers=auth).json()["data"]
        assert [p["orderId"] for p in payments] == [order["id"]]
        assert on_b.get(f"/orders/{order['id']}", headers=auth).json()["status"] == "paid"


def test_concurrent_requests_with_one_idempotency_key_pay_once(mocks: tuple[Mock, Mock]) -> None:
    a, b = mocks
    with a.client() as on_a:
        auth = login(on_a, register(on_a))
        order = on_a.post("/orders", json=ORDER, headers=auth).json()
    path = f"/orders/{order['id']}/payments"
    headers = {**auth, "Idempotency-Key": "one-key"}
    answers = asyncio.run(
        fire(
            [
                (
                    (a, b)[n % 2],
                    "POST",
                    path,
                    {"json": {"paymentMethod": "pm_card_visa"}, "headers": headers},
                )
                for n in range(16)
            ]
        )
    )
    assert {r.status_code for r in answers} == {201}
    assert len({r.json()["id"] for r in answers}) == 1
    replayed = Counter(r.headers.get("idempotent-replayed") for r in answers)
    assert replayed == {None: 1, "true": 15}
    with b.client() as on_b:
        assert len(on_b.get("/payments", headers=auth).json()["data"]) == 1


def test_concurrent_failed_logins_across_instances_are_each_counted_once(
    mocks: tuple[Mock, Mock],
) -> None:
    a, b = mocks
    with a.client() as on_a:
        email = register(on_a)
    wrong = {"json": {"email": email, "password": "not-the-password"}}
    answers = asyncio.run(fire([((a, b)[n % 2], "POST", "/auth/login", wrong) for n in range(12)]))
    # The spec allows 5 failures per account: exactly 5 are checked, the rest refused.
    assert Counter(r.status_code for r in answers) == {401: 5, 429: 7}
    with b.client() as on_b:
        refused = on_b.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert refused.status_code == 429  # even the right password, until the window ends
        assert 0 < int(refused.headers["retry-after"]) <= 900


def test_concurrent_registrations_of_one_email_create_one_user(mocks: tuple[Mock, Mock]) -> None:
    a, b = mocks
    body = {"email": "same@example.com", "password": PASSWORD, "name": "T", "acceptTerms": True}
    answers = asyncio.run(
        fire([((a, b)[n % 2], "POST", "/auth/register", {"json": body}) for n in range(10)])
    )
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 9}
    users = a.admin("GET", "/state").json()["collections"]["__users__"]
    assert [u["email"] for u in users.values()] == ["same@example.com"]


def test_session_events_reach_a_socket_on_another_instance(mocks: tuple[Mock, Mock]) -> None:
    a, b = mocks
    with a.client() as on_a:
        auth = login(on_a, register(on_a))
        session = on_a.post("/sessions", json={"name": "Editor tab"}, headers=auth).json()
    token = auth["Authorization"].removeprefix("Bearer ")
    socket_url = (
        f"ws://127.0.0.1:{a.port}{API}/sessions/{session['id']}/events?access_token={token}"
    )

    async def scenario() -> list[dict[str, Any]]:
        async with (
            connect(socket_url) as socket_on_a,
            httpx.AsyncClient(base_url=b.url + API, headers=auth) as on_b,
        ):
            # Changed through B, published through Redis, sent by A.
            patched = await on_b.patch(f"/sessions/{session['id']}", json={"status": "idle"})
            assert patched.status_code == 200
            ended = await on_b.post(f"/sessions/{session['id']}/end")
            assert ended.status_code == 200
            return [json.loads(await socket_on_a.recv()) for _ in range(2)]

    events = asyncio.run(scenario())
    assert [(e["type"], e["sessionId"]) for e in events] == [
        ("session.updated", session["id"]),
        ("session.ended", session["id"]),
    ]


# -- serve --workers ------------------------------------------------------------------------------


def _children(pid: int) -> list[str]:
    """The command lines of the children of ``pid`` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found.append(Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


def test_workers_serve_one_mock_with_fixtures_loaded_once(
    redis: RedisServer, tmp_path: Path
) -> None:
    user = {"email": "fixture@example.com", "password": PASSWORD, "name": "Fixture"}
    fixtures = tmp_path / "fixtures.json"
    fixtures.write_text(json.dumps({"collections": {"__users__": {"u-1": user}}}))
    mock = Mock("--workers", "2", "--state-url", redis.url(), "--fixtures", str(fixtures))
    try:
        workers = [c for c in _children(mock.process.pid) if "multiprocessing-fork" in c]
        assert len(workers) == 2
        with mock.client() as client:
            email = register(client)
        # Fresh connections are spread over the workers by the kernel; each must see the
        # same users, accept the same tokens and order records by one shared sequence.
        for n in range(8):
            with mock.client() as client:
                auth = login(client, user["email"])
                assert client.get("/auth/me", headers=auth).json()["email"] == user["email"]
                login(client, email)
                created = client.post("/projects", json={"name": f"p{n}"}, headers=auth)
                assert created.status_code == 201, created.text
        with mock.client() as client:
            listed = client.get("/projects", headers=login(client, user["email"])).json()
        assert [p["name"] for p in listed["data"]] == [f"p{n}" for n in reversed(range(8))]
        users = mock.admin("GET", "/state").json()["collections"]["__users__"]
        assert sorted(u["email"] for u in users.values()) == sorted([user["email"], email])
    finally:
        err = mock.stop()
    assert "Traceback" not in err
    assert mock.process.returncode == 0


def test_workers_read_the_state_options_from_the_environment(redis: RedisServer) -> None:
    env = {**os.environ, "MOCKSERVER_STATE_URL": redis.url()}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", str(SPEC), "--port", str(port),
         "--workers", "2", "--stateless", "--reload"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _, err = process.communicate(timeout=60)
    # The URL came from the environment: what is refused is --reload, not a missing URL.
    assert process.returncode == 2
    assert "--reload rebuilds the mock inside one process" in err
