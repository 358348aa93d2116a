"""Units of work over HTTP: a failure mid-write leaves nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from provider.models import Project
from tests.provider.conftest import Api, Provider

pytestmark = pytest.mark.slow


def test_a_failure_after_the_tasks_are_deleted_keeps_project_and_tasks(
    api: Api, shared_provider: Provider
) -> None:
    alice = api.user()
    project = alice.http.post("/projects", json={"name": "Keep me"}).json()
    tasks = f"/projects/{project['id']}/tasks"
    for title in ("one", "two"):
        alice.http.post(tasks, json={"title": title})
    sessions = shared_provider.services.db.sessions

    def explode(session: Session, _: object) -> None:
        if any(isinstance(o, Project) for o in session.deleted):
            raise RuntimeError("injected failure after DELETE FROM tasks, before the commit")

    event.listen(sessions, "after_flush", explode)
    try:
        response = api.client(alice.access_token, checked=False).delete(
            f"/projects/{project['id']}"
        )
    finally:
        event.remove(sessions, "after_flush", explode)
    assert response.status_code == 500
    assert shared_provider.check.check_problem(response)["code"] == "internal_error"
    assert alice.http.get(f"/projects/{project['id']}").json() == project
    assert alice.http.get(tasks).json()["pagination"]["total"] == 2
