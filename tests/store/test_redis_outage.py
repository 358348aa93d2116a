"""The mock on Redis (``--state-url``) survives Redis going away and coming back.

A real ``mockserver serve`` subprocess on a real ``redis-server`` the test stops (SIGTERM, as
a supervisor restarting it would) and starts again on the same port and directory. During the
outage every request that needs the state gets a 503 problem (never a 500, never a dropped
connection, never a crash); once Redis is back the next request succeeds, with no restart of
the mock, and nothing asked for during the outage was half-written.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from tests.cli.test_workers import Mock, login, register
from tests.events.test_webhooks import ORDER
from tests.redis_server import RedisServer, redis_server

pytestmark = pytest.mark.slow


def _restart(server: RedisServer, directory: str) -> None:
    """Start ``redis-server`` again on the port and directory it had (loading its dump)."""
    binary = shutil.which("redis-server")
    assert binary is not None
    server.process = subprocess.Popen(
        [binary, "--port", str(server.port), "--bind", "127.0.0.1", "--dir", directory,
         "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=server.port)
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                if server.process.poll() is not None or time.monotonic() > deadline:
                    raise
            time.sleep(0.02)
    finally:
        client.close()


@pytest.fixture
def redis_and_mock() -> Iterator[tuple[RedisServer, Mock]]:
    with redis_server() as server:
        mock = Mock("--state-url", server.url())
        try:
            yield server, mock
        finally:
            err = mock.stop()
            assert "Traceback" not in err, err


def _assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["status"] == 503


def test_mock_answers_503_while_redis_is_down_and_recovers_by_itself(
    redis_and_mock: tuple[RedisServer, Mock],
) -> None:
    server, mock = redis_and_mock
    with mock.client() as client:
        auth = login(client, register(client))
        project = client.post("/projects", json={"name": "Before"}, headers=auth).json()
        order = client.post("/orders", json=ORDER, headers=auth).json()
        # Persist what is there, as a Redis with RDB or AOF would, then stop it.
        with redis.Redis(host="127.0.0.1", port=server.port) as direct:
            directory = str(direct.config_get("dir")["dir"])
            direct.save()
        server.stop()  # SIGTERM

        pay_path = f"/orders/{order['id']}/payments"
        pay_body = {"paymentMethod": "pm_card_visa"}
        pay_headers = {**auth, "Idempotency-Key": "during-outage"}
        during = [
            client.get(f"/projects/{project['id']}", headers=auth),
            client.post("/projects", json={"name": "During"}, headers=auth),
            client.post(pay_path, json=pay_body, headers=pay_headers),
            client.post("/auth/login", json={"email": "x@example.com", "password": "p" * 12}),
            mock.admin("GET", "/health"),
        ]
        for answer in during:
            _assert_unavailable(answer)
        assert mock.process.poll() is None  # still serving

        _restart(server, directory)
        read = client.get(f"/projects/{project['id']}", headers=auth)
        assert (read.status_code, read.json()) == (200, project)
        assert mock.admin("GET", "/health").status_code == 200
        # The payment refused during the outage was not half-made: the same key pays now.
        paid = client.post(pay_path, json=pay_body, headers=pay_headers)
        assert paid.status_code == 201, paid.text
        assert "idempotent-replayed" not in paid.headers
        assert client.get(f"/orders/{order['id']}", headers=auth).json()["status"] == "paid"
        names = [p["name"] for p in client.get("/projects", headers=auth).json()["data"]]
        assert names == ["Before"]


def test_first_request_after_a_quiet_redis_restart_succeeds(
    redis_and_mock: tuple[RedisServer, Mock],
) -> None:
    server, mock = redis_and_mock
    with mock.client() as client:
        auth = login(client, register(client))
        project = client.post("/projects", json={"name": "Kept"}, headers=auth).json()
        with redis.Redis(host="127.0.0.1", port=server.port) as direct:
            directory = str(direct.config_get("dir")["dir"])
            direct.save()
        server.stop()
        # No request meets the outage: every pooled connection is stale, none was dropped yet.
        _restart(server, directory)
        read = client.get(f"/projects/{project['id']}", headers=auth)
        assert (read.status_code, read.json()) == (200, project)
