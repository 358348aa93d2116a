"""The CRUD roles inferred from a spec's paths, driven in-process (`mockserver.state.crud`).

On the bundled spec (every answer checked against it by `tests.contract`) and on small
third-party shapes written here: a petstore with integer ids, an array body paged by
``offset``, a ``q`` search and a field filter, and ``x-mock-guard`` on a spec without users.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mockserver import create_app
from tests.inprocess import API, InProcess, User, bundled_app, bundled_checker

MakeMock = Callable[..., InProcess]


@pytest.fixture
def mock(make_mock: MakeMock) -> InProcess:
    return make_mock()


@pytest.fixture
def ada(mock: InProcess) -> User:
    return mock.user()


@pytest.fixture
def bob(mock: InProcess) -> User:
    return mock.user()


# -- create and read --------------------------------------------------------------------------


def test_crud_create_answers_201_with_the_location_of_the_record(ada: User) -> None:
    created = ada.post("/projects", json={"name": "Relaunch", "description": "New site"})
    assert created.status_code == 201
    project = created.json()
    assert created.headers["location"] == f"{API}/projects/{project['id']}"
    assert (project["ownerId"], project["status"]) == (ada.id, "active")
    assert project["createdAt"] == project["updatedAt"]
    assert ada.get(created.headers["location"].removeprefix(API)).json() == project


def test_crud_create_under_a_parent_locates_the_child_below_it(ada: User) -> None:
    project = ada.post("/projects", json={"name": "P"}).json()
    created = ada.post(f"/projects/{project['id']}/tasks", json={"title": "Design"})
    task = created.json()
    assert created.headers["location"] == f"{API}/projects/{project['id']}/tasks/{task['id']}"
    assert (task["projectId"], task["status"], task["priority"]) == (
        project["id"],
        "todo",
        "medium",
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_crud_children_of_a_missing_parent_are_404(ada: User, method: str) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    answer = ada.request(method, f"/projects/{missing}/tasks", json={"title": "T"})
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert missing in answer.json()["detail"]


def test_crud_a_child_is_found_only_under_its_own_parent(ada: User) -> None:
    first = ada.post("/projects", json={"name": "First"}).json()
    second = ada.post("/projects", json={"name": "Second"}).json()
    task = ada.post(f"/projects/{first['id']}/tasks", json={"title": "T"}).json()
    assert ada.get(f"/projects/{first['id']}/tasks/{task['id']}").status_code == 200
    elsewhere = ada.get(f"/projects/{second['id']}/tasks/{task['id']}")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "not_found")
    assert ada.get(f"/projects/{second['id']}/tasks").json()["data"] == []


# -- replace, update, delete ----------------------------------------------------------------


def test_crud_put_replaces_and_fields_left_out_take_their_defaults(ada: User) -> None:
    project = ada.post(
        "/projects", json={"name": "Old", "description": "D", "status": "on_hold"}
    ).json()
    replaced = ada.put(f"/projects/{project['id']}", json={"name": "New"})
    assert replaced.status_code == 200
    body = replaced.json()
    assert (body["name"], body["description"], body["status"]) == ("New", None, "active")
    assert (body["id"], body["ownerId"], body["createdAt"]) == (
        project["id"], ada.id, project["createdAt"]
    )  # fmt: skip
    assert ada.get(f"/projects/{project['id']}").json() == body


def test_crud_patch_merges_into_the_record(ada: User) -> None:
    project = ada.post("/projects", json={"name": "Keep", "description": "D"}).json()
    patched = ada.patch(f"/projects/{project['id']}", json={"status": "completed"}).json()
    assert (patched["name"], patched["description"], patched["status"]) == (
        "Keep", "D", "completed"
    )  # fmt: skip
    assert patched["updatedAt"] >= project["updatedAt"]


def test_crud_delete_takes_every_record_below_with_it(ada: User) -> None:
    project = ada.post("/projects", json={"name": "Doomed"}).json()
    tasks = [
        ada.post(f"/projects/{project['id']}/tasks", json={"title": f"T{n}"}).json()
        for n in range(2)
    ]
    kept = ada.post("/projects", json={"name": "Kept"}).json()
    kept_task = ada.post(f"/projects/{kept['id']}/tasks", json={"title": "K"}).json()
    deleted = ada.delete(f"/projects/{project['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert ada.get(f"/projects/{project['id']}").status_code == 404
    for task in tasks:
        assert ada.get(f"/projects/{project['id']}/tasks/{task['id']}").status_code == 404
    assert ada.get(f"/projects/{kept['id']}/tasks/{kept_task['id']}").status_code == 200
    assert [p["id"] for p in ada.get("/projects").json()["data"]] == [kept["id"]]


# -- ownership ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "body"),
    [("GET", None), ("PUT", {"name": "Theirs"}), ("PATCH", {"name": "Theirs"}), ("DELETE", None)],
)
def test_crud_another_users_record_is_403_and_left_alone(
    ada: User, bob: User, method: str, body: dict[str, Any] | None
) -> None:
    project = ada.post("/projects", json={"name": "Mine"}).json()
    refused = bob.request(method, f"/projects/{project['id']}", json=body)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert "belongs to another user" in refused.json()["detail"]
    assert ada.get(f"/projects/{project['id']}").json() == project


def test_crud_the_children_of_another_users_record_are_403(ada: User, bob: User) -> None:
    project = ada.post("/projects", json={"name": "Mine"}).json()
    task = ada.post(f"/projects/{project['id']}/tasks", json={"title": "T"}).json()
    for path in (
        f"/projects/{project['id']}/tasks",
        f"/projects/{project['id']}/tasks/{task['id']}",
    ):
        assert bob.get(path).status_code == 403


def test_crud_lists_show_only_the_callers_records(ada: User, bob: User) -> None:
    ada.post("/projects", json={"name": "Ada's"})
    bob.post("/projects", json={"name": "Bob's"})
    assert [p["name"] for p in ada.get("/projects").json()["data"]] == ["Ada's"]
    assert [p["name"] for p in bob.get("/projects").json()["data"]] == ["Bob's"]


# -- lists: order, filters, search, pages ---------------------------------------------------


@pytest.fixture(scope="module")
def seven() -> Iterator[User]:
    """A user with seven projects, P0 .. P6, every third one completed (read-only: shared)."""
    mock = InProcess(bundled_app(), prefix=API, checker=bundled_checker())
    try:
        owner = mock.user()
        for n in range(7):
            status = "completed" if n % 3 == 0 else "active"
            assert owner.post("/projects", json={"name": f"P{n}", "status": status}).is_success
        yield owner
    finally:
        mock.close()


def _pages(page: int, limit: int, total: int, pages: int) -> dict[str, int]:
    return {"page": page, "limit": limit, "total": total, "pages": pages}


@pytest.mark.parametrize(
    ("params", "names", "pagination"),
    [
        ({}, ["P6", "P5", "P4", "P3", "P2", "P1", "P0"], _pages(1, 20, 7, 1)),
        ({"page": 2, "limit": 3}, ["P3", "P2", "P1"], _pages(2, 3, 7, 3)),
        ({"page": 4, "limit": 3}, [], _pages(4, 3, 7, 3)),
        ({"status": "completed"}, ["P6", "P3", "P0"], _pages(1, 20, 3, 1)),
        ({"q": "p5"}, ["P5"], _pages(1, 20, 1, 1)),
        ({"q": "nothing like it"}, [], _pages(1, 20, 0, 0)),
        ({"status": "active", "q": "P"}, ["P5", "P4", "P2", "P1"], _pages(1, 20, 4, 1)),
    ],
    ids=["newest first", "a page", "past the end", "filtered", "searched", "nothing found", "both"],
)
def test_crud_list_pages_filters_and_searches_newest_first(
    seven: User, params: dict[str, Any], names: list[str], pagination: dict[str, int]
) -> None:
    page = seven.get("/projects", params=params).json()
    assert [p["name"] for p in page["data"]] == names
    assert page["pagination"] == pagination


# -- x-mock-guard ---------------------------------------------------------------------------


def test_crud_guard_refuses_to_change_an_ended_session_with_409(ada: User) -> None:
    session = ada.post("/sessions", json={"name": "Tab"}).json()
    assert ada.patch(f"/sessions/{session['id']}", json={"status": "idle"}).status_code == 200
    ended = ada.post(f"/sessions/{session['id']}/end").json()
    refused = ada.patch(f"/sessions/{session['id']}", json={"name": "Renamed"})
    assert (refused.status_code, refused.json()["code"]) == (409, "session_ended")
    assert refused.json()["detail"] == "The status is ended."
    assert ada.get(f"/sessions/{session['id']}").json() == ended


# -- a third-party shape: integer ids, an array body, offset pages ---------------------------

PET = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "species": {"type": "string", "default": "cat"},
        "status": {"type": "string", "enum": ["available", "adopted"], "default": "available"},
    },
}
NEW_PET = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "species": {"type": "string"},
        "status": {"type": "string", "enum": ["available", "adopted"]},
    },
}


def _json(schema: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _answer(description: str, schema: Any = None, **extra: Any) -> dict[str, Any]:
    answer = {"description": description, **extra}
    if schema is not None:
        answer["content"] = _json(schema)
    return answer


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


INTEGER = {"type": "integer", "minimum": 0}
PETSTORE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Petstore", "version": "1.0.0"},
    "servers": [{"url": "https://pets.example/v1"}],
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "parameters": [
                    _query("offset", INTEGER),
                    _query("limit", {**INTEGER, "minimum": 1}),
                    _query("q", {"type": "string"}),
                    _query("species", {"type": "string"}),
                ],
                "responses": {"200": _answer("Pets", {"type": "array", "items": _ref("Pet")})},
            },
            "post": {
                "operationId": "createPet",
                "requestBody": {"required": True, "content": _json(_ref("NewPet"))},
                "responses": {
                    "201": _answer(
                        "Created", _ref("Pet"), headers={"Location": {"schema": {"type": "string"}}}
                    )
                },
            },
        },
        "/pets/{petId}": {
            "parameters": [_id("petId")],
            "get": {
                "operationId": "getPet",
                "responses": {"200": _answer("A pet", _ref("Pet")), "404": _answer("No pet")},
            },
            "put": {
                "operationId": "replacePet",
                "x-mock-guard": {"field": "status", "not": ["adopted"], "conflict": "pet_adopted"},
                "requestBody": {"required": True, "content": _json(_ref("NewPet"))},
                "responses": {
                    "200": _answer("Replaced", _ref("Pet")),
                    "409": _answer("Adopted pets are not changed"),
                },
            },
            "delete": {
                "operationId": "deletePet",
                "x-mock-guard": {"field": "status", "not": ["adopted"]},
                "responses": {"204": _answer("Gone")},
            },
        },
        "/pets/{petId}/visits": {
            "parameters": [_id("petId")],
            "get": {
                "operationId": "listVisits",
                "responses": {"200": _answer("Visits", {"type": "array", "items": _ref("Visit")})},
            },
            "post": {
                "operationId": "createVisit",
                "requestBody": {"content": _json(_ref("Visit"))},
                "responses": {"201": _answer("Created", _ref("Visit"))},
            },
        },
        "/pets/{petId}/visits/{visitId}": {
            "parameters": [_id("petId"), _id("visitId")],
            "get": {
                "operationId": "getVisit",
                "responses": {"200": _answer("A visit", _ref("Visit"))},
            },
        },
    },
    "components": {
        "schemas": {
            "Pet": PET,
            "NewPet": NEW_PET,
            "Visit": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "petId": {"type": "integer", "readOnly": True},
                    "reason": {"type": "string"},
                },
            },
        }
    },
}


@pytest.fixture
def pets(make_mock: MakeMock) -> InProcess:
    return make_mock(create_app(PETSTORE, seed=1), prefix="/v1")


def test_crud_integer_ids_count_up_and_locate_under_the_servers_base_path(pets: InProcess) -> None:
    first = pets.request("POST", "/pets", json={"name": "Rex", "species": "dog"})
    second = pets.request("POST", "/pets", json={"name": "Tom"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == {"id": 1, "name": "Rex", "species": "dog", "status": "available"}
    assert second.json()["id"] == 2
    assert second.json()["species"] == "cat"  # the schema's default
    assert first.headers["location"] == "/v1/pets/1"
    assert pets.request("GET", "/pets/1").json() == first.json()


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ["Coco", "Tom", "Rex"]),
        ({"offset": 1}, ["Tom", "Rex"]),
        ({"offset": 1, "limit": 1}, ["Tom"]),
        ({"limit": 2}, ["Coco", "Tom"]),
        ({"offset": 5}, []),
        ({"species": "dog"}, ["Coco", "Rex"]),
        ({"q": "TO"}, ["Tom"]),
        ({"q": "o", "species": "dog", "limit": 1}, ["Coco"]),
    ],
)
def test_crud_array_lists_page_by_offset_filter_and_search(
    pets: InProcess, params: dict[str, Any], names: list[str]
) -> None:
    for name, species in (("Rex", "dog"), ("Tom", "cat"), ("Coco", "dog")):
        pets.request("POST", "/pets", json={"name": name, "species": species})
    listed = pets.request("GET", "/pets", params=params).json()
    assert [pet["name"] for pet in listed] == names


def test_crud_integer_children_cascade_with_their_integer_parent(pets: InProcess) -> None:
    rex = pets.request("POST", "/pets", json={"name": "Rex"}).json()
    tom = pets.request("POST", "/pets", json={"name": "Tom"}).json()
    visit = pets.request("POST", f"/pets/{rex['id']}/visits", json={"reason": "shots"}).json()
    assert visit["petId"] == rex["id"]
    assert pets.request("GET", f"/pets/{rex['id']}/visits/{visit['id']}").json() == visit
    assert pets.request("GET", f"/pets/{tom['id']}/visits/{visit['id']}").status_code == 404
    assert pets.request("GET", f"/pets/{rex['id']}/visits").json() == [visit]
    assert pets.request("DELETE", f"/pets/{rex['id']}").status_code == 204
    assert pets.request("GET", f"/pets/{rex['id']}/visits/{visit['id']}").status_code == 404
    assert pets.request("GET", f"/pets/{rex['id']}/visits").status_code == 404


@pytest.mark.parametrize(
    ("method", "body", "code"),
    [("PUT", {"name": "Rex II"}, "pet_adopted"), ("DELETE", None, "conflict")],
)
def test_crud_guard_refuses_changes_in_a_listed_state_on_a_spec_without_users(
    pets: InProcess, method: str, body: dict[str, Any] | None, code: str
) -> None:
    adopted = pets.request("POST", "/pets", json={"name": "Rex", "status": "adopted"}).json()
    refused = pets.request(method, f"/pets/{adopted['id']}", json=body)
    assert (refused.status_code, refused.json()["code"]) == (409, code)
    assert refused.headers["content-type"] == "application/problem+json"
    assert pets.request("GET", f"/pets/{adopted['id']}").json() == adopted
    available = pets.request("POST", "/pets", json={"name": "Tom"}).json()
    assert pets.request(method, f"/pets/{available['id']}", json=body).status_code in (200, 204)


# -- a record type whose schema declares no id --------------------------------------------------


def _notes(id_type: str) -> dict[str, Any]:
    note = {"type": "object", "properties": {"text": {"type": "string"}}}
    item = {"name": "noteId", "in": "path", "required": True, "schema": {"type": id_type}}
    location = {"Location": {"schema": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Notes", "version": "1"},
        "paths": {
            "/notes": {
                "post": {
                    "requestBody": {"content": _json(note)},
                    "responses": {"201": _answer("Created", note, headers=location)},
                },
                "get": {"responses": {"200": _answer("Notes", {"type": "array", "items": note})}},
            },
            "/notes/{noteId}": {
                "parameters": [item],
                "get": {"responses": {"200": _answer("A note", note), "404": _answer("None")}},
                "delete": {"responses": {"204": _answer("Gone")}},
            },
        },
    }


@pytest.mark.parametrize("id_type", ["string", "integer"])
def test_crud_a_schema_without_an_id_still_gets_records_addressed_by_one(
    make_mock: MakeMock, id_type: str
) -> None:
    notes = make_mock(create_app(_notes(id_type), seed=1))
    created = notes.request("POST", "/notes", json={"text": "remember"})
    assert (created.status_code, created.json()) == (201, {"text": "remember"})
    location = created.headers["location"]
    assert notes.request("GET", location).json() == {"text": "remember"}
    assert notes.request("GET", "/notes").json() == [{"text": "remember"}]
    assert notes.request("DELETE", location).status_code == 204
    assert notes.request("GET", location).status_code == 404
