"""State in and out: hand-written fixtures, export and import (`mockserver.state.fixtures`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mockserver import create_app
from tests.inprocess import PASSWORD, InProcess
from tests.state.test_crud import PETSTORE

MakeMock = Callable[..., InProcess]

ADA = "0f8b7c1e-3d4a-4f5b-9c6d-7e8f9a0b1c2d"
BOB = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
PROJECT = "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d"
TASK = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"
STAMP = "2026-01-01T00:00:00Z"


def _user(email: str, **fields: Any) -> dict[str, Any]:
    return {"email": email, "password": PASSWORD, "name": email.split("@")[0], "role": "user",
            "status": "active", "createdAt": STAMP, "updatedAt": STAMP, **fields}  # fmt: skip


HAND_WRITTEN = {
    "collections": {
        "__users__": {ADA: _user("ada@example.com"), BOB: _user("bob@example.com")},
        "/projects": {
            PROJECT: {
                "ownerId": ADA,
                "name": "Seeded",
                "description": None,
                "status": "active",
                "createdAt": STAMP,
                "updatedAt": STAMP,
            },
        },
        "/projects/{projectId}/tasks": {
            TASK: {
                "projectId": PROJECT,
                "title": "Seeded task",
                "description": None,
                "status": "todo",
                "priority": "high",
                "dueDate": None,
                "createdAt": STAMP,
                "updatedAt": STAMP,
            },
        },
    }
}


def _token(mock: InProcess, email: str) -> str:
    login = mock.request("POST", "/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    token: str = login.json()["tokens"]["accessToken"]
    return token


def test_fixtures_need_no_bookkeeping_of_their_own(make_mock: MakeMock) -> None:
    mock = make_mock(fixtures=HAND_WRITTEN)
    ada = _token(mock, "ada@example.com")
    project = mock.request("GET", f"/projects/{PROJECT}", token=ada).json()
    assert (project["id"], project["ownerId"], project["name"]) == (PROJECT, ADA, "Seeded")
    task = mock.request("GET", f"/projects/{PROJECT}/tasks/{TASK}", token=ada).json()
    assert (task["id"], task["projectId"], task["priority"]) == (TASK, PROJECT, "high")
    assert mock.request("GET", "/auth/me", token=ada).json()["id"] == ADA
    # Owned as written: another user is refused it, and lists only show one's own.
    bob = _token(mock, "bob@example.com")
    assert mock.request("GET", f"/projects/{PROJECT}", token=bob).status_code == 403
    assert mock.request("GET", "/projects", token=bob).json()["data"] == []


def test_fixtures_keep_no_plain_password_and_take_the_email_for_identity(
    make_mock: MakeMock,
) -> None:
    mock = make_mock(fixtures=HAND_WRITTEN)
    exported = mock.admin("GET", "/state").json()
    assert PASSWORD not in str(exported)
    taken = {"email": "ADA@example.com", "password": PASSWORD, "name": "A", "acceptTerms": True}
    refused = mock.request("POST", "/auth/register", json=taken)
    assert (refused.status_code, refused.json()["code"]) == (409, "email_taken")


def test_records_created_after_fixtures_are_listed_first(make_mock: MakeMock) -> None:
    mock = make_mock(fixtures=HAND_WRITTEN)
    ada = _token(mock, "ada@example.com")
    created = mock.request("POST", "/projects", json={"name": "New"}, token=ada).json()
    listed = mock.request("GET", "/projects", token=ada).json()["data"]
    assert [p["id"] for p in listed] == [created["id"], PROJECT]


def test_exported_state_imports_back_as_it_was(make_mock: MakeMock) -> None:
    mock = make_mock()
    ada = mock.user("ada@example.com")
    project = ada.post("/projects", json={"name": "Kept"}).json()
    task = ada.post(f"/projects/{project['id']}/tasks", json={"title": "T"}).json()
    exported = mock.admin("GET", "/state").json()
    assert mock.admin("POST", "/reset").status_code == 204
    assert mock.admin("GET", "/state").json() == {"collections": {}}
    assert mock.admin("PUT", "/state", json=exported).status_code == 204
    assert mock.admin("GET", "/state").json() == exported
    token = _token(mock, "ada@example.com")
    assert mock.request("GET", f"/projects/{project['id']}", token=token).json() == project
    path = f"/projects/{project['id']}/tasks/{task['id']}"
    assert mock.request("GET", path, token=token).json() == task


def test_imported_integer_ids_are_not_handed_out_again(make_mock: MakeMock) -> None:
    pets = make_mock(create_app(PETSTORE, seed=1), prefix="/v1")
    for name in ("Rex", "Tom", "Coco"):
        pets.request("POST", "/pets", json={"name": name})
    exported = pets.admin("GET", "/state").json()
    assert pets.admin("POST", "/reset").status_code == 204
    assert pets.admin("PUT", "/state", json=exported).status_code == 204
    assert pets.request("POST", "/pets", json={"name": "Next"}).json()["id"] == 4


@pytest.mark.parametrize(
    ("collection", "record"),
    [("/pets", {"name": "Keyed", "species": "dog"}), ("/elsewhere", {"note": "kept as is"})],
    ids=["a resource", "no resource"],
)
def test_a_record_keyed_by_its_id_needs_no_id_field(
    make_mock: MakeMock, collection: str, record: dict[str, Any]
) -> None:
    fixtures = {"collections": {collection: {"7": record}}}
    pets = make_mock(create_app(PETSTORE, seed=1, fixtures=fixtures), prefix="/v1")
    if collection == "/pets":
        assert pets.request("GET", "/pets/7").json()["name"] == "Keyed"
    stored = pets.admin("GET", "/state").json()["collections"][collection]["7"]
    assert stored["id"] == "7"
    assert {k: stored[k] for k in record} == record
