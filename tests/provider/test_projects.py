"""Projects over HTTP: CRUD, PUT versus PATCH, cascade, pagination, filters and search."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.provider.conftest import Account, Api

pytestmark = pytest.mark.slow


def create_project(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/projects", json={"name": "Website relaunch", **fields})
    assert response.status_code == 201, response.text
    project: dict[str, Any] = response.json()
    return project


def test_create_answers_the_project_with_defaults_and_a_location(api: Api) -> None:
    alice = api.user()
    response = alice.http.post("/projects", json={"name": "Website relaunch"})
    project = response.json()
    assert response.headers["location"] == f"/api/v1/projects/{project['id']}"
    assert (project["ownerId"], project["description"], project["status"]) == (
        alice.id,
        None,
        "active",
    )
    assert project["createdAt"] == project["updatedAt"]
    assert project["createdAt"].endswith("Z")
    assert alice.http.get(response.headers["location"].removeprefix("/api/v1")).json() == project


def test_put_resets_left_out_fields_while_patch_keeps_them(api: Api) -> None:
    alice = api.user()
    project = create_project(alice.http, description="Old", status="on_hold")
    patched = alice.http.patch(f"/projects/{project['id']}", json={"name": "Renamed"}).json()
    assert (patched["name"], patched["description"], patched["status"]) == (
        "Renamed",
        "Old",
        "on_hold",
    )
    assert patched["updatedAt"] >= project["updatedAt"]
    replaced = alice.http.put(f"/projects/{project['id']}", json={"name": "Replaced"}).json()
    assert (replaced["name"], replaced["description"], replaced["status"]) == (
        "Replaced",
        None,
        "active",
    )
    assert replaced["createdAt"] == project["createdAt"]


@pytest.mark.parametrize(
    ("method", "body", "field", "code"),
    [
        ("patch", {}, "body", "minProperties"),
        ("patch", {"status": "done"}, "body.status", "enum"),
        ("patch", {"ownerId": str(uuid.uuid4())}, "body.ownerId", "additionalProperties"),
        ("put", {"description": "no name"}, "body.name", "required"),
        ("put", {"name": "x" * 101}, "body.name", "maxLength"),
        ("put", {"name": "x", "id": str(uuid.uuid4())}, "body.id", "additionalProperties"),
    ],
)
def test_an_invalid_change_is_400_and_changes_nothing(
    api: Api, method: str, body: dict[str, Any], field: str, code: str
) -> None:
    alice = api.user()
    project = create_project(alice.http)
    response = alice.http.request(method.upper(), f"/projects/{project['id']}", json=body)
    assert response.status_code == 400
    assert (field, code) in [(e["field"], e["code"]) for e in response.json()["errors"]]
    assert alice.http.get(f"/projects/{project['id']}").json() == project


def test_deleting_a_project_deletes_its_tasks(api: Api) -> None:
    alice = api.user()
    project = create_project(alice.http)
    task = alice.http.post(f"/projects/{project['id']}/tasks", json={"title": "Design"}).json()
    assert alice.http.delete(f"/projects/{project['id']}").status_code == 204
    assert alice.http.get(f"/projects/{project['id']}").status_code == 404
    assert alice.http.get(f"/projects/{project['id']}/tasks/{task['id']}").status_code == 404
    assert alice.http.delete(f"/projects/{project['id']}").status_code == 404


def test_pagination_reports_totals_and_pages(api: Api) -> None:
    alice = api.user()
    created = [create_project(alice.http, name=f"Project {i}")["id"] for i in range(5)]
    pages = [
        alice.http.get("/projects", params={"limit": 2, "page": p}).json() for p in (1, 2, 3, 4)
    ]
    assert [p["pagination"] for p in pages] == [
        {"page": page, "limit": 2, "total": 5, "pages": 3} for page in (1, 2, 3, 4)
    ]
    assert [len(p["data"]) for p in pages] == [2, 2, 1, 0]
    listed = [project["id"] for p in pages for project in p["data"]]
    assert listed == list(reversed(created))


def test_the_list_applies_its_defaults(api: Api) -> None:
    body = api.user().http.get("/projects").json()
    assert body == {"data": [], "pagination": {"page": 1, "limit": 20, "total": 0, "pages": 0}}


def test_status_filter_and_search_narrow_the_list(api: Api) -> None:
    alice = api.user()
    create_project(alice.http, name="Website RELAUNCH")
    create_project(alice.http, name="Brochure", description="for the relaunch event")
    create_project(alice.http, name="Relaunch archive", status="archived")
    create_project(alice.http, name="100% done_here")

    def names(**params: Any) -> list[str]:
        return sorted(p["name"] for p in alice.http.get("/projects", params=params).json()["data"])

    assert names(q="relaunch") == ["Brochure", "Relaunch archive", "Website RELAUNCH"]
    assert names(q="ReLaunch", status="archived") == ["Relaunch archive"]
    assert names(status="active", q="relaunch") == ["Brochure", "Website RELAUNCH"]
    assert names(q="%") == ["100% done_here"]
    assert names(q="e_h") == ["100% done_here"]
    assert (
        alice.http.get("/projects", params={"q": "relaunch", "limit": 1}).json()["pagination"][
            "total"
        ]
        == 3
    )


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"limit": 0}, "query.limit", "minimum"),
        ({"limit": 101}, "query.limit", "maximum"),
        ({"limit": "ten"}, "query.limit", "type"),
        ({"page": 0}, "query.page", "minimum"),
        ({"page": 1.5}, "query.page", "type"),
        ({"status": "done"}, "query.status", "enum"),
        ({"q": ""}, "query.q", "minLength"),
        ({"q": "x" * 101}, "query.q", "maxLength"),
    ],
)
def test_invalid_list_parameters_are_400_at_their_location(
    api: Api, params: dict[str, Any], field: str, code: str
) -> None:
    response = api.user().http.get("/projects", params=params)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


def test_a_malformed_project_id_is_400_and_an_unknown_one_404(api: Api) -> None:
    alice: Account = api.user()
    malformed = alice.http.get("/projects/not-a-uuid")
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["field"] == "path.projectId"
    unknown = alice.http.get(f"/projects/{uuid.uuid4()}")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


def test_an_uppercase_id_names_the_same_project(api: Api) -> None:
    alice = api.user()
    project = create_project(alice.http)
    assert alice.http.get(f"/projects/{project['id'].upper()}").json()["id"] == project["id"]
