"""Records materialized for ids read first (`mockserver.state.materialize`), through the mock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import create_app
from tests.inprocess import InProcess, request
from tests.state.test_seeding import _document, _json, _mock, _param

MakeMock = Callable[..., InProcess]


def test_a_read_of_a_missing_id_materializes_the_same_record_each_time(
    make_mock: MakeMock,
) -> None:
    mock = _mock(make_mock)
    first = mock.request("GET", "/pets/42")
    assert first.status_code == 200, first.text
    assert first.json()["id"] == 42
    assert isinstance(first.json()["name"], str)
    assert mock.request("GET", "/pets/42").json() == first.json()
    # The same seed materializes the same record in another mock.
    assert _mock(make_mock).request("GET", "/pets/42").json() == first.json()
    # It is stored: an update sees it, and so does the list.
    kept = mock.request("PUT", "/pets/42", json={"name": "Kept"})
    assert kept.json() == {"id": 42, "name": "Kept"}
    assert 42 in [pet["id"] for pet in mock.request("GET", "/pets").json()]


def test_a_materialized_child_brings_its_parent_and_stays_under_it(make_mock: MakeMock) -> None:
    mock = _mock(make_mock)
    task = mock.request("GET", "/projects/p1/tasks/t1")
    assert task.status_code == 200, task.text
    assert task.json()["id"] == "t1"
    assert task.json()["projectId"] == "p1"
    assert mock.request("GET", "/projects/p1").status_code == 200
    # The id is taken under p1: under another project it is not there.
    assert mock.request("GET", "/projects/p2/tasks/t1").status_code == 404


@pytest.mark.parametrize(
    ("options", "status"),
    [({"missing": "404"}, 404), ({"missing": "materialize"}, 200), ({}, 200)],
)
def test_missing_chooses_404_or_materialize(
    make_mock: MakeMock, options: dict[str, Any], status: int
) -> None:
    assert _mock(make_mock, **options).request("GET", "/pets/42").status_code == status


def test_an_id_the_schema_cannot_hold_stays_404_and_a_list_of_names_holds_no_records(
    make_mock: MakeMock,
) -> None:
    user = {
        "type": "object",
        "required": ["id", "login"],
        "properties": {"id": {"type": "integer"}, "login": {"type": "string"}},
    }
    names = {"type": "array", "items": {"type": "string"}}
    document = _document()
    document["paths"]["/users/{username}"] = {
        "parameters": [_param("username")],
        "get": {"responses": {"200": _json(user)}},
    }
    document["paths"]["/users"] = {
        "get": {"responses": {"200": _json(names, example=["octocat", "hubot"])}}
    }
    mock = _mock(make_mock, document)
    # The path's value is a name, the record's id a number: no record answers validly.
    assert mock.request("GET", "/users/octocat").status_code == 404
    # The list shows names, not records: it keeps the spec's answer.
    assert mock.request("GET", "/users").json() == ["octocat", "hubot"]


@settings(max_examples=25, deadline=None)
@given(pet_id=st.integers(min_value=1, max_value=2**53), seed=st.integers(0, 3))
def test_any_id_read_first_is_materialized_valid_and_kept(pet_id: int, seed: int) -> None:
    app = create_app(_document(), seed=seed)
    first = request(app, "GET", f"/pets/{pet_id}")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["id"] == pet_id
    assert isinstance(body["name"], str)
    assert len(body["name"]) <= 20  # the schema's bound
    assert request(app, "GET", f"/pets/{pet_id}").json() == body


def test_a_materialized_record_takes_the_types_its_schema_declares_for_path_values(
    make_mock: MakeMock,
) -> None:
    # Found by the corpus (xtrf.eu): a read declaring only `default`, an integer `id`, a path
    # parameter of type string; the record answered the path's text as its id.
    def record(**properties: Any) -> dict[str, Any]:
        return {"type": "object", "required": list(properties), "properties": properties}

    document = _document()
    paths = document["paths"]
    paths["/projects/{projectId}"] = {
        "parameters": [_param("projectId")],
        "get": {"responses": {"default": _json(record(id={"type": "integer"}))}},
    }
    paths["/meters/{meterId}"] = {
        "parameters": [_param("meterId")],
        "get": {"responses": {"200": _json(record(meterId={"type": "number"}))}},
    }
    paths["/flags/{on}"] = {
        "parameters": [_param("on")],
        "get": {"responses": {"200": _json(record(on={"type": "boolean"}))}},
    }
    paths["/flags/{on}/notes/{noteId}"] = {
        "parameters": [_param("on"), _param("noteId")],
        "get": {"responses": {"200": _json(record(noteId={}, on={"type": "boolean"}))}},
    }
    mock = _mock(make_mock, document)
    assert mock.request("GET", "/projects/42").json()["id"] == 42
    assert mock.request("GET", "/meters/2.5").json()["meterId"] == 2.5
    assert mock.request("GET", "/flags/true/notes/n1").json()["on"] is True
    # Text the declared type cannot read stays text: no record answers it validly.
    assert mock.request("GET", "/meters/abc").status_code == 404
