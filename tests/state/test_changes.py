"""Change events (`mockserver.state.changes`): what listeners hear, and that they cannot undo a
write; the event bodies built from a schema."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.applications import Starlette

from mockserver.compile.resources import Resource
from mockserver.render.problems import Problem
from mockserver.state.changes import Change, ChangeFeed, envelope, status_of
from mockserver.state.context import StateContext
from tests.inprocess import InProcess

MakeMock = Callable[..., InProcess]
NOW = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)


def _context(mock: InProcess) -> StateContext:
    assert isinstance(mock.app, Starlette)
    context: StateContext = mock.app.state.engine.state.context
    return context


def test_listeners_hear_creations_and_changes_in_order(make_mock: MakeMock) -> None:
    mock = make_mock()
    heard: list[tuple[str, Any, Any, bool]] = []

    async def listen(change: Change) -> None:
        before = status_of(change.before) if change.before is not None else None
        heard.append(
            (change.resource.noun, before, status_of(change.record), change.status_changed)
        )

    _context(mock).changes.listen(listen)
    ada = mock.user()
    project = ada.post("/projects", json={"name": "P"}).json()
    ada.patch(f"/projects/{project['id']}", json={"name": "Renamed"})
    ada.patch(f"/projects/{project['id']}", json={"status": "completed"})
    assert heard == [
        ("project", None, "active", True),
        ("project", "active", "active", False),
        ("project", "active", "completed", True),
    ]


def test_a_failing_listener_is_logged_and_the_write_stands(
    make_mock: MakeMock, caplog: pytest.LogCaptureFixture
) -> None:
    mock = make_mock()

    async def broken(change: Change) -> None:
        raise RuntimeError("listener bug")

    _context(mock).changes.listen(broken)
    ada = mock.user()
    with caplog.at_level(logging.ERROR, logger="mockserver"):
        created = ada.post("/projects", json={"name": "Kept"})
    assert created.status_code == 201
    assert ada.get(f"/projects/{created.json()['id']}").json() == created.json()
    assert "change listener failed on /projects" in caplog.text


def test_the_first_guard_that_objects_refuses_a_create() -> None:
    notes = Resource(collection="/notes", item="/notes/{id}", id_param="id", schema=None)
    feed = ChangeFeed()
    feed.guard(lambda resource, body: None)
    feed.guard(lambda resource, body: Problem(400, "first", "First", "no"))
    feed.guard(lambda resource, body: Problem(400, "second", "Second", "no"))
    refused = feed.refuse(notes, {})
    assert refused is not None
    assert refused.code == "first"


SESSION_EVENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string"},
        "kind": {"const": "session-event"},
        "sessionId": {"type": "string"},
        "occurredAt": {"type": "string", "format": "date-time"},
        "session": {"type": "object", "properties": {"id": {}, "name": {}}},
        "data": {
            "type": "object",
            "properties": {"session": {"type": "object", "properties": {"name": {}}}},
        },
        "empty": {"type": "object", "properties": {"unknown": {"type": "integer"}}},
        "note": {"type": "string"},
    },
}


def test_envelope_places_the_record_its_id_the_type_and_the_time_by_property() -> None:
    record = {"id": "s-1", "name": "Tab", "__owner__": "u-1", "secret": "x"}

    def project(value: Any, schema: Any) -> Any:
        names = set(schema.get("properties", {}))
        return {k: v for k, v in value.items() if k in names}

    body = envelope(
        SESSION_EVENT, {}, project, noun="session", record=record, event_type="session.updated",
        record_id="s-1", now=NOW,
    )  # fmt: skip
    assert body.pop("id") != body.get("sessionId")
    assert body == {
        "type": "session.updated",
        "kind": "session-event",
        "sessionId": "s-1",
        "occurredAt": "2026-05-04T03:02:01.000Z",
        "session": {"id": "s-1", "name": "Tab"},
        "data": {"session": {"name": "Tab"}},
    }
