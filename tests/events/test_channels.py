"""The session channel over a real uvicorn server, driven by a real WebSocket client.

Every event is checked against the AsyncAPI payload schemas with jsonschema (the AsyncAPI
document and the OpenAPI document it references, resolved by `referencing`), never with the
mock's own code. The Redis outage test runs ``mockserver serve --state-url`` as a subprocess
on a real ``redis-server`` it stops and restarts.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import redis
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from mockserver import create_app
from tests.cli.test_workers import Mock
from tests.conftest import ROOT, SPEC, RunningServer
from tests.documents import load_yaml
from tests.redis_server import RedisServer, redis_server
from tests.store.test_redis_outage import _restart as restart_redis

slow = pytest.mark.slow  # real servers; the few tests without one are left unmarked

ASYNCAPI = ROOT / "openapi" / "asyncapi.yaml"
BASE = "file:///spec/"
# Generous: a deadline for a slow shared machine, not a latency assertion.
DEADLINE = 20.0


def _registry() -> Registry[Any]:
    documents = {
        "asyncapi.yaml": load_yaml(ASYNCAPI.read_text()),
        "openapi.yaml": load_yaml(SPEC.read_text()),
    }
    return Registry().with_resources(
        (BASE + name, DRAFT202012.create_resource(document)) for name, document in documents.items()
    )


REGISTRY = _registry()


def assert_event(event: dict[str, Any], schema_name: str) -> None:
    """``event`` is valid against the AsyncAPI component schema ``schema_name``."""
    validator = Draft202012Validator(
        {"$ref": f"{BASE}asyncapi.yaml#/components/schemas/{schema_name}"},
        registry=REGISTRY,
        format_checker=FormatChecker(),
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(event)]
    assert not errors, errors


class Client:
    """A user of the mock over HTTP (async, so it shares the loop with the sockets)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    @classmethod
    async def registered(cls, http: httpx.AsyncClient) -> Client:
        client = cls(http)
        credentials = {"email": f"u-{uuid.uuid4().hex[:10]}@example.com", "password": "pw-long-1"}
        body = {**credentials, "name": "Socket User", "acceptTerms": True}
        assert (await http.post("/auth/register", json=body)).status_code == 201
        login = await http.post("/auth/login", json=credentials)
        assert login.status_code == 200
        client.token = login.json()["tokens"]["accessToken"]
        return client

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def session(self) -> dict[str, Any]:
        created = await self.call("POST", "/sessions", json={"name": "Editor tab"})
        assert created.status_code == 201
        session: dict[str, Any] = created.json()
        return session


def ws_url(server: RunningServer, session_id: str, token: str | None = None) -> str:
    url = f"ws://127.0.0.1:{server.port}/api/v1/sessions/{session_id}/events"
    return f"{url}?access_token={token}" if token is not None else url


async def next_event(ws: ClientConnection) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.recv(), timeout=DEADLINE)
    event: dict[str, Any] = orjson.loads(message)
    return event


async def close_code(ws: ClientConnection) -> int | None:
    """The code the server closed with, after reading whatever was still to come."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout=DEADLINE)
    except ConnectionClosed:
        return ws.close_code


@pytest.fixture
def server(make_server: Callable[..., RunningServer]) -> RunningServer:
    return make_server(create_app(SPEC, seed=11))


def run(server: RunningServer, scenario: Callable[[httpx.AsyncClient], Any]) -> None:
    async def main() -> None:
        async with httpx.AsyncClient(base_url=server.url + "/api/v1") as http:
            await scenario(http)

    asyncio.run(main())


@slow
def test_session_channel_sends_updated_then_ended_then_closes_normally(
    server: RunningServer,
) -> None:
    async def scenario(http: httpx.AsyncClient) -> None:
        user = await Client.registered(http)
        session = await user.session()
        async with connect(ws_url(server, session["id"], user.token)) as ws:
            patched = await user.call(
                "PATCH", f"/sessions/{session['id']}", json={"status": "idle"}
            )
            assert patched.status_code == 200
            updated = await next_event(ws)
            assert_event(updated, "SessionUpdatedEvent")
            assert updated["type"] == "session.updated"
            assert updated["sessionId"] == session["id"]
            assert updated["session"] == patched.json()

            ended = await user.call("POST", f"/sessions/{session['id']}/end")
            assert ended.status_code == 200
            event = await next_event(ws)
            assert_event(event, "SessionEndedEvent")
            assert event["type"] == "session.ended"
            assert event["session"] == ended.json()
            assert event["session"]["status"] == "ended"
            assert await close_code(ws) == 1000

    run(server, scenario)


@slow
def test_session_channel_takes_the_token_as_a_bearer_header(server: RunningServer) -> None:
    async def scenario(http: httpx.AsyncClient) -> None:
        user = await Client.registered(http)
        session = await user.session()
        headers = {"Authorization": f"Bearer {user.token}"}
        async with connect(ws_url(server, session["id"]), additional_headers=headers) as ws:
            metadata = {"client": "cli"}
            body = {"name": "Renamed", "metadata": metadata}
            assert (await user.call("PATCH", f"/sessions/{session['id']}", json=body)).is_success
            event = await next_event(ws)
            assert_event(event, "SessionUpdatedEvent")
            assert event["session"]["name"] == "Renamed"
            assert event["session"]["metadata"] == metadata

    run(server, scenario)


@slow
@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("missing token", 4401),
        ("invalid token", 4401),
        ("revoked token", 4401),
        ("another user's session", 4403),
        ("unknown session", 4404),
        ("ended session", 4409),
    ],
)
def test_session_channel_refuses_with_the_documented_close_code(
    server: RunningServer, case: str, code: int
) -> None:
    async def scenario(http: httpx.AsyncClient) -> None:
        owner = await Client.registered(http)
        session = await owner.session()
        session_id: str = session["id"]
        token: str | None = owner.token
        if case == "missing token":
            token = None
        elif case == "invalid token":
            token = "not-a-jwt"
        elif case == "revoked token":
            assert (await owner.call("POST", "/auth/logout", json={"allDevices": True})).is_success
        elif case == "another user's session":
            token = (await Client.registered(http)).token
        elif case == "unknown session":
            session_id = str(uuid.uuid4())
        elif case == "ended session":
            assert (await owner.call("POST", f"/sessions/{session_id}/end")).is_success
        async with connect(ws_url(server, session_id, token)) as ws:
            assert await close_code(ws) == code

    run(server, scenario)


@slow
def test_session_channel_reaches_every_client_of_the_session_and_only_them(
    server: RunningServer,
) -> None:
    async def scenario(http: httpx.AsyncClient) -> None:
        user = await Client.registered(http)
        followed, other = await user.session(), await user.session()
        first = await connect(ws_url(server, followed["id"], user.token))
        second = await connect(ws_url(server, followed["id"], user.token))
        bystander = await connect(ws_url(server, other["id"], user.token))
        try:
            body = {"status": "idle"}
            assert (await user.call("PATCH", f"/sessions/{followed['id']}", json=body)).is_success
            events = await asyncio.gather(next_event(first), next_event(second))
            for event in events:
                assert_event(event, "SessionUpdatedEvent")
                assert event["sessionId"] == followed["id"]
                assert event["session"]["status"] == "idle"
            # The bystander's first event is its own session's: the update above never came.
            assert (await user.call("POST", f"/sessions/{other['id']}/end")).is_success
            event = await next_event(bystander)
            assert (event["type"], event["sessionId"]) == ("session.ended", other["id"])
            assert await close_code(bystander) == 1000
        finally:
            for ws in (first, second, bystander):
                await ws.close()

    run(server, scenario)


def test_session_channel_is_not_served_without_an_asyncapi_document(tmp_path: Path) -> None:
    lone = tmp_path / "openapi.yaml"
    lone.write_text(SPEC.read_text())
    app = create_app(lone)
    assert not [r for r in app.routes if isinstance(r, WebSocketRoute)]
    served = create_app(lone, asyncapi=ASYNCAPI)
    paths = [r.path for r in served.routes if isinstance(r, WebSocketRoute)]
    assert paths == ["/api/v1/sessions/{sessionId}/events"]
    stateless = create_app(SPEC, stateful=False)
    assert not [r for r in stateless.routes if isinstance(r, WebSocketRoute)]


def test_session_channel_ignores_a_neighbour_that_is_not_asyncapi(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC.read_text())
    (tmp_path / "asyncapi.yaml").write_text("title: notes, not an AsyncAPI document\n")
    app = create_app(spec)
    assert not [r for r in app.routes if isinstance(r, WebSocketRoute)]


@slow
def test_session_channel_closes_with_1013_while_redis_is_down_and_serves_again_after() -> None:
    with redis_server() as redis_:
        mock = Mock("--state-url", redis_.url())
        try:
            asyncio.run(_redis_outage(redis_, mock))
        finally:
            err = mock.stop()
        assert "Traceback" not in err, err
        # One line per socket closed, not a loop retrying in the background.
        assert err.count("with 1013") == 2, err


async def _redis_outage(server: RedisServer, mock: Mock) -> None:
    socket_url = f"ws://127.0.0.1:{mock.port}/api/v1/sessions/{{}}/events?access_token={{}}"
    async with httpx.AsyncClient(base_url=mock.url + "/api/v1") as http:
        user = await Client.registered(http)
        session = await user.session()
        url = socket_url.format(session["id"], user.token)
        with redis.Redis(host="127.0.0.1", port=server.port) as direct:
            directory = str(direct.config_get("dir")["dir"])
            direct.save()  # as a Redis with RDB would: users and sessions survive its restart
        async with connect(url) as held:
            server.stop()
            assert await close_code(held) == 1013
            assert held.close_reason == "The state is unreachable; try again later."
        async with connect(url) as refused:
            assert await close_code(refused) == 1013
        assert mock.process.poll() is None  # still serving

        restart_redis(server, directory)
        async with connect(url) as ws:
            patched = await user.call("PATCH", f"/sessions/{session['id']}", json={"name": "Back"})
            assert patched.status_code == 200, patched.text
            event = await next_event(ws)
            assert_event(event, "SessionUpdatedEvent")
            assert event["session"] == patched.json()
