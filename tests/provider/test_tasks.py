"""Tasks over HTTP: CRUD under a project, filters, and tasks looked up in the wrong project."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.provider.conftest import Account, Api

pytestmark = pytest.mark.slow


def project_of(account: Account) -> str:
    response = account.http.post("/projects", json={"name": "Website relaunch"})
    project_id: str = response.json()["id"]
    return project_id


def add_task(account: Account, project_id: str, **fields: Any) -> dict[str, Any]:
    response = account.http.post(
        f"/projects/{project_id}/tasks", json={"title": "Design", **fields}
    )
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


def test_create_applies_defaults_and_answers_the_task_location(api: Api) -> None:
    alice = api.user()
    project_id = project_of(alice)
    response = alice.http.post(f"/projects/{project_id}/tasks", json={"title": "Design"})
    task = response.json()
    assert response.headers["location"] == f"/api/v1/projects/{project_id}/tasks/{task['id']}"
    assert (task["projectId"], task["status"], task["priority"]) == (project_id, "todo", "medium")
    assert (task["description"], task["dueDate"]) == (None, None)


def test_patch_changes_only_the_fields_sent(api: Api) -> None:
    alice = api.user()
    project_id = project_of(alice)
    task = add_task(alice, project_id, priority="high", dueDate="2026-11-20")
    path = f"/projects/{project_id}/tasks/{task['id']}"
    done = alice.http.patch(path, json={"status": "done"}).json()
    assert (done["status"], done["priority"], done["dueDate"]) == ("done", "high", "2026-11-20")
    cleared = alice.http.patch(path, json={"dueDate": None, "description": "Hero"}).json()
    assert (cleared["dueDate"], cleared["description"], cleared["status"]) == (None, "Hero", "done")
    assert alice.http.get(path).json() == cleared


def test_delete_removes_the_task(api: Api) -> None:
    alice = api.user()
    project_id = project_of(alice)
    task = add_task(alice, project_id)
    path = f"/projects/{project_id}/tasks/{task['id']}"
    assert alice.http.delete(path).status_code == 204
    assert alice.http.get(path).status_code == 404
    assert alice.http.get(f"/projects/{project_id}/tasks").json()["pagination"]["total"] == 0


def test_the_list_filters_by_status_and_priority(api: Api) -> None:
    alice = api.user()
    project_id = project_of(alice)
    add_task(alice, project_id, title="a", status="done", priority="high")
    add_task(alice, project_id, title="b", status="done", priority="low")
    add_task(alice, project_id, title="c", status="todo", priority="high")
    add_task(alice, project_of(alice), title="elsewhere", status="done")

    def titles(**params: str) -> list[str]:
        body = alice.http.get(f"/projects/{project_id}/tasks", params=params).json()
        return sorted(t["title"] for t in body["data"])

    assert titles() == ["a", "b", "c"]
    assert titles(status="done") == ["a", "b"]
    assert titles(status="done", priority="high") == ["a"]
    assert titles(priority="medium") == []


def test_a_task_is_not_found_through_another_project(api: Api) -> None:
    alice = api.user()
    task = add_task(alice, project_of(alice))
    other_project = project_of(alice)
    response = alice.http.get(f"/projects/{other_project}/tasks/{task['id']}")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_tasks_of_an_unknown_project_are_404(api: Api) -> None:
    response = api.user().http.get(f"/projects/{uuid.uuid4()}/tasks")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"title": "x", "dueDate": "2026-02-30"}, "body.dueDate", "format"),
        ({"title": "x", "dueDate": "20261120"}, "body.dueDate", "format"),
        ({"title": "x", "priority": "urgent"}, "body.priority", "enum"),
        ({"title": ""}, "body.title", "minLength"),
        ({"title": "x", "projectId": str(uuid.uuid4())}, "body.projectId", "additionalProperties"),
    ],
)
def test_an_invalid_task_is_400_at_its_location(
    api: Api, body: dict[str, Any], field: str, code: str
) -> None:
    alice = api.user()
    response = alice.http.post(f"/projects/{project_of(alice)}/tasks", json=body)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
