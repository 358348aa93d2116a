"""The session channel, in-process: the app's WebSocket driven on the test's own event loop.

The same behaviour `tests/events/test_channels.py` checks over a real server (slow tier), here
cheap enough for the fast tier: events are still checked against the AsyncAPI payload
schemas with jsonschema (`assert_event`), never with the mock's own code.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import WebSocketRoute

from mockserver import MemoryStore, RedisStore, create_app
from mockserver.auth.tokens import TokenService
from mockserver.errors import ConfigError
from mockserver.events.channels import find_asyncapi, load_asyncapi
from tests.documents import load_yaml
from tests.events.test_channels import ASYNCAPI, assert_event
from tests.inprocess import InProcess, Socket, User, bundled_app
from tests.ports import free_port
from tests.state.test_fixtures import HAND_WRITTEN

MakeMock = Callable[..., InProcess]
DOCUMENT: dict[str, Any] = load_yaml(ASYNCAPI.read_text())


@pytest.fixture
def mock(make_mock: MakeMock) -> InProcess:
    return make_mock()


@pytest.fixture
def ada(mock: InProcess) -> User:
    return mock.user()


def _follow(user: User, session_id: str, *, token: str | None = None) -> Socket:
    socket = user.mock.connect(
        f"/sessions/{session_id}/events", query=f"access_token={token or user.token}"
    )
    user.mock.run(socket.accepted())
    return socket


def _session(user: User) -> dict[str, Any]:
    created = user.post("/sessions", json={"name": "Editor tab"})
    assert created.status_code == 201
    session: dict[str, Any] = created.json()
    return session


def test_channel_sends_updated_then_ended_then_closes_normally(ada: User) -> None:
    session = _session(ada)
    socket = _follow(ada, session["id"])
    patched = ada.patch(f"/sessions/{session['id']}", json={"status": "idle"})
    updated = ada.mock.run(socket.receive_json())
    assert_event(updated, "SessionUpdatedEvent")
    assert (updated["type"], updated["sessionId"]) == ("session.updated", session["id"])
    assert updated["session"] == patched.json()
    ended = ada.post(f"/sessions/{session['id']}/end")
    event = ada.mock.run(socket.receive_json())
    assert_event(event, "SessionEndedEvent")
    assert (event["type"], event["session"]) == ("session.ended", ended.json())
    assert ada.mock.run(socket.close_code()) == 1000


def test_channel_takes_the_token_as_a_bearer_header(ada: User) -> None:
    session = _session(ada)
    headers = {"Authorization": f"Bearer {ada.token}"}
    socket = ada.mock.connect(f"/sessions/{session['id']}/events", headers=headers)
    ada.mock.run(socket.accepted())
    body = {"name": "Renamed", "metadata": {"client": "cli"}}
    assert ada.patch(f"/sessions/{session['id']}", json=body).status_code == 200
    event = ada.mock.run(socket.receive_json())
    assert (event["session"]["name"], event["session"]["metadata"]) == (
        "Renamed",
        {"client": "cli"},
    )


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
def test_channel_refuses_with_the_documented_close_code(ada: User, case: str, code: int) -> None:
    session_id: str = _session(ada)["id"]
    query = f"access_token={ada.token}"
    if case == "missing token":
        query = ""
    elif case == "invalid token":
        query = "access_token=not-a-jwt"
    elif case == "revoked token":
        assert ada.post("/auth/logout", json={"allDevices": True}).status_code == 204
    elif case == "another user's session":
        query = f"access_token={ada.mock.user().token}"
    elif case == "unknown session":
        session_id = str(uuid.uuid4())
    elif case == "ended session":
        assert ada.post(f"/sessions/{session_id}/end").status_code == 200
    socket = ada.mock.connect(f"/sessions/{session_id}/events", query=query)
    ada.mock.run(socket.accepted())  # refusals accept the handshake, then close at once
    assert ada.mock.run(socket.close_code()) == code


def test_channel_reaches_every_socket_of_the_session_and_only_them(ada: User) -> None:
    followed, other = _session(ada), _session(ada)
    first, second = _follow(ada, followed["id"]), _follow(ada, followed["id"])
    bystander = _follow(ada, other["id"])
    assert ada.patch(f"/sessions/{followed['id']}", json={"status": "idle"}).status_code == 200
    for socket in (first, second):
        event = ada.mock.run(socket.receive_json())
        assert (event["sessionId"], event["session"]["status"]) == (followed["id"], "idle")
    # The bystander's first event is its own session's: the update above never came.
    assert ada.post(f"/sessions/{other['id']}/end").status_code == 200
    event = ada.mock.run(bystander.receive_json())
    assert (event["type"], event["sessionId"]) == ("session.ended", other["id"])
    assert ada.mock.run(bystander.close_code()) == 1000


def test_channel_ignores_what_clients_send_and_ends_when_they_leave(ada: User) -> None:
    session = _session(ada)
    socket = _follow(ada, session["id"])
    ada.mock.run(socket.send_text("hello?"))
    assert ada.patch(f"/sessions/{session['id']}", json={"name": "Still here"}).status_code == 200
    assert ada.mock.run(socket.receive_json())["session"]["name"] == "Still here"
    ada.mock.run(socket.disconnect())
    assert socket.task.done()
    # Changes after the client left are published to nobody, and nothing breaks.
    assert ada.patch(f"/sessions/{session['id']}", json={"name": "Gone"}).status_code == 200


def test_channel_follows_a_fixture_record_before_any_api_request(make_mock: MakeMock) -> None:
    session_id = "6b5a4938-2716-4f05-8e4d-3c2b1a0f9e8d"
    owner = next(iter(HAND_WRITTEN["collections"]["__users__"]))
    stamp = "2026-01-01T00:00:00Z"
    session: dict[str, Any] = {
        "userId": owner,
        "name": "Seeded",
        "status": "active",
        "metadata": {},
    }
    session |= {"createdAt": stamp, "updatedAt": stamp, "endedAt": None}
    fixtures = copy.deepcopy(HAND_WRITTEN)
    fixtures["collections"]["/sessions"] = {session_id: session}
    mock = make_mock(fixtures=fixtures, jwt_secret="k" * 32)
    # A token as the mock signs them (same key), so the socket is the mock's first request.
    token = TokenService(MemoryStore(), secret="k" * 32).issue_access(owner, 0)
    socket = mock.connect(f"/sessions/{session_id}/events", query=f"access_token={token}")
    mock.run(socket.accepted())
    patched = mock.request("PATCH", f"/sessions/{session_id}", json={"name": "Live"}, token=token)
    assert patched.status_code == 200
    assert mock.run(socket.receive_json())["session"]["name"] == "Live"


def test_channel_closes_with_1013_while_the_shared_state_is_unreachable(
    make_mock: MakeMock,
) -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", prefix="gone:")
    mock = make_mock(bundled_app(store=store), prefix="/api/v1")
    socket = mock.connect(f"/sessions/{uuid.uuid4()}/events", query="access_token=x")
    mock.run(socket.accepted())
    assert mock.run(socket.close_code()) == 1013
    assert socket.closed is not None
    assert socket.closed.reason == "The state is unreachable; try again later."


# -- which channels are served ----------------------------------------------------------------


def _routes(app: Any) -> list[str]:
    return [route.path for route in app.routes if isinstance(route, WebSocketRoute)]


def test_channels_follow_any_item_resource_a_document_names(make_mock: MakeMock) -> None:
    document = copy.deepcopy(DOCUMENT)
    document["channels"]["taskEvents"] = {
        "address": "/projects/{projectId}/tasks/{taskId}/events",
        "messages": {
            "updated": {"name": "task.updated", "payload": {"$ref": "#/components/schemas/Task"}},
            "done": {"name": "task.done", "payload": {"$ref": "#/components/schemas/Task"}},
            "unnamed": {"payload": {}},
        },
    }
    document["components"]["schemas"]["Task"] = {
        "type": "object",
        "properties": {
            "type": {"type": "string"},
            "taskId": {"$ref": "./openapi.yaml#/components/schemas/Id"},
            "task": {"$ref": "./openapi.yaml#/components/schemas/Task"},
        },
    }
    mock = make_mock(asyncapi=document)
    ada = mock.user()
    project = ada.post("/projects", json={"name": "P"}).json()
    other = ada.post("/projects", json={"name": "Q"}).json()
    task = ada.post(f"/projects/{project['id']}/tasks", json={"title": "T"}).json()
    wrong = mock.connect(
        f"/projects/{other['id']}/tasks/{task['id']}/events", query=f"access_token={ada.token}"
    )
    mock.run(wrong.accepted())
    assert mock.run(wrong.close_code()) == 4404  # the task exists, but not under that project
    path = f"/projects/{project['id']}/tasks/{task['id']}"
    socket = mock.connect(f"{path}/events", query=f"access_token={ada.token}")
    mock.run(socket.accepted())
    assert ada.patch(path, json={"priority": "high"}).status_code == 200
    updated = mock.run(socket.receive_json())
    assert (updated["type"], updated["taskId"], updated["task"]["priority"]) == (
        "task.updated", task["id"], "high"
    )  # fmt: skip
    assert ada.patch(path, json={"status": "done"}).status_code == 200
    assert mock.run(socket.receive_json())["type"] == "task.done"
    assert mock.run(socket.close_code()) == 1000


def test_channels_that_follow_no_resource_are_not_served(
    caplog: pytest.LogCaptureFixture,
) -> None:
    document = copy.deepcopy(DOCUMENT)
    document["channels"]["news"] = {"address": "/news/{newsId}/events"}
    document["channels"]["broken"] = {"title": "no address"}
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        app = bundled_app(asyncapi=document)
    assert _routes(app) == ["/api/v1/sessions/{sessionId}/events"]
    assert "asyncapi channel news follows no resource of the spec" in caplog.text


def test_load_asyncapi_refuses_what_is_not_asyncapi(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected an AsyncAPI document"):
        load_asyncapi({"openapi": "3.1.0"})
    notes = tmp_path / "notes.yaml"
    notes.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match=r"got .*notes\.yaml"):
        load_asyncapi(notes)
    assert load_asyncapi(ASYNCAPI)["asyncapi"] == "3.0.0"


def test_find_asyncapi_looks_next_to_a_spec_file_only(tmp_path: Path) -> None:
    assert find_asyncapi("<dict>") is None
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.1.0\n")
    assert find_asyncapi(str(spec)) is None
    (tmp_path / "asyncapi.json").write_text('{"asyncapi": "3.0.0", "channels": {}}')
    assert find_asyncapi(str(spec)) == tmp_path / "asyncapi.json"


def test_channels_need_a_stateful_mock() -> None:
    assert _routes(create_app(ASYNCAPI.parent / "openapi.yaml", stateful=False)) == []


def test_channel_events_are_journaled_beside_the_http_exchanges(ada: User) -> None:
    session = _session(ada)
    ada.patch(f"/sessions/{session['id']}", json={"status": "idle"})
    ada.post("/sessions", json={"name": "Created, so no event"})
    events = [
        e for e in ada.mock.admin("GET", "/journal").json()["entries"] if e["kind"] == "websocket"
    ]
    assert len(events) == 1
    assert events[0]["path"] == f"/api/v1/sessions/{session['id']}/events"
    assert events[0]["websocket"]["event"] == "session.updated"
    assert events[0]["websocket"]["payload"]["sessionId"] == session["id"]
