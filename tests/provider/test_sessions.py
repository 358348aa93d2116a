"""Interactive sessions over HTTP: the lifecycle up to and after the end, listing, metadata."""

from __future__ import annotations

from typing import Any

import pytest

from tests.provider.conftest import Api

pytestmark = pytest.mark.slow

METADATA = {"client": "web", "locale": "en-GB"}


def test_a_session_lives_changes_and_ends(api: Api) -> None:
    alice = api.user()
    response = alice.http.post("/sessions", json={"name": "Editor tab", "metadata": METADATA})
    assert response.status_code == 201
    session = response.json()
    path = f"/sessions/{session['id']}"
    assert response.headers["location"] == f"/api/v1{path}"
    assert (session["status"], session["metadata"], session["endedAt"]) == (
        "active",
        METADATA,
        None,
    )

    idle = alice.http.patch(path, json={"status": "idle", "metadata": {"client": "ios"}}).json()
    assert (idle["status"], idle["metadata"], idle["name"]) == (
        "idle",
        {"client": "ios"},
        "Editor tab",
    )

    ended = alice.http.post(f"{path}/end")
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    assert ended.json()["endedAt"] is not None
    assert alice.http.get(path).json() == ended.json()

    refused = alice.http.patch(path, json={"status": "active"})
    assert (refused.status_code, refused.json()["code"]) == (409, "session_ended")
    assert alice.http.post(f"{path}/end").json() == ended.json()


def test_a_session_without_metadata_has_an_empty_object(api: Api) -> None:
    session = api.user().http.post("/sessions", json={"name": "Tab"}).json()
    assert session["metadata"] == {}


def test_the_list_is_newest_first_and_filters_by_status(api: Api) -> None:
    alice = api.user()
    first, second = (alice.http.post("/sessions", json={"name": n}).json()["id"] for n in "ab")
    alice.http.post(f"/sessions/{first}/end")
    assert [s["id"] for s in alice.http.get("/sessions").json()["data"]] == [second, first]
    ended = alice.http.get("/sessions", params={"status": "ended"}).json()
    assert [s["id"] for s in ended["data"]] == [first]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "x", "metadata": {"bad key": "v"}}, "body.metadata", "propertyNames"),
        ({"name": "x", "metadata": {"k": 1}}, "body.metadata.k", "type"),
        ({"name": "x", "metadata": {"k": "v" * 501}}, "body.metadata.k", "maxLength"),
        (
            {"name": "x", "metadata": {f"k{i}": "v" for i in range(21)}},
            "body.metadata",
            "maxProperties",
        ),
        ({"name": "x", "status": "ended"}, "body.status", "additionalProperties"),
    ],
)
def test_an_invalid_session_is_400_at_its_location(
    api: Api, body: dict[str, Any], field: str, code: str
) -> None:
    response = api.user().http.post("/sessions", json=body)
    assert response.status_code == 400
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]


def test_a_session_cannot_be_ended_through_patch(api: Api) -> None:
    alice = api.user()
    session = alice.http.post("/sessions", json={"name": "Tab"}).json()
    response = alice.http.patch(f"/sessions/{session['id']}", json={"status": "ended"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body.status"
