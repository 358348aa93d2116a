"""Projects: the caller's list (status filter, ``q`` search), create, get, PUT, PATCH, delete.

PUT replaces every writable field (left-out ones take their defaults: ``description`` null,
``status`` from the spec's default); PATCH changes only the fields sent. Deleting a project
deletes its tasks in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, literal, or_, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from provider.endpoint import (
    Call,
    created,
    endpoint,
    json_response,
    list_page,
    no_content,
    owned,
    timestamp,
)
from provider.models import NulSafeText, Project, Task, utcnow

__all__ = [
    "create_project",
    "delete_project",
    "get_project",
    "list_projects",
    "owned_project",
    "render_project",
    "replace_project",
    "update_project",
]

NOUN = "project"
WRITABLE = {"name": "name", "description": "description", "status": "status"}


def render_project(project: Project) -> dict[str, Any]:
    """The ``Project`` representation."""
    return {
        "id": str(project.id),
        "ownerId": str(project.user_id),
        "name": project.name,
        "description": project.description,
        "status": project.status,
        "createdAt": timestamp(project.created_at),
        "updatedAt": timestamp(project.updated_at),
    }


def owned_project(session: Session, project_id: uuid.UUID, user: uuid.UUID) -> Project:
    """The caller's project ``project_id`` (404 unknown, 403 someone else's)."""
    return owned(session, Project, project_id, user, NOUN)


@endpoint("listProjects")
async def list_projects(call: Call) -> Response:
    user, query = call.user, call.query

    def work(session: Session) -> dict[str, Any]:
        statement = select(Project).where(Project.user_id == user)
        if "q" in query:
            # Bound as NulSafeText so the needle is escaped like the stored text.
            needle = literal("%" + _like_escape(query["q"].lower()) + "%", NulSafeText())
            statement = statement.where(
                or_(
                    func.lower(Project.name).like(needle, escape="/"),
                    func.lower(func.coalesce(Project.description, "")).like(needle, escape="/"),
                )
            )
        return list_page(session, statement, Project, query, render_project, filters=["status"])

    return json_response(await call.run(work))


def _like_escape(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


@endpoint("createProject")
async def create_project(call: Call) -> Response:
    user, body = call.user, call.body

    def work(session: Session) -> dict[str, Any]:
        now = utcnow()
        project = Project(
            user_id=user,
            name=body["name"],
            description=body.get("description"),
            status=body["status"],
            created_at=now,
            updated_at=now,
        )
        session.add(project)
        session.flush()
        return render_project(project)

    return created(await call.run(work), "projects")


@endpoint("getProject")
async def get_project(call: Call) -> Response:
    user, project_id = call.user, call.path["projectId"]
    return json_response(
        await call.run(lambda session: render_project(owned_project(session, project_id, user)))
    )


@endpoint("replaceProject")
async def replace_project(call: Call) -> Response:
    # The body carries the spec's defaults already (status); description defaults to null.
    changes = {"description": None, **call.body}
    return await _change(call, changes)


@endpoint("updateProject")
async def update_project(call: Call) -> Response:
    return await _change(call, dict(call.body))


async def _change(call: Call, changes: dict[str, Any]) -> Response:
    user, project_id = call.user, call.path["projectId"]

    def work(session: Session) -> dict[str, Any]:
        project = owned_project(session, project_id, user)
        for field, attribute in WRITABLE.items():
            if field in changes:
                setattr(project, attribute, changes[field])
        project.updated_at = utcnow()
        return render_project(project)

    return json_response(await call.run(work))


@endpoint("deleteProject")
async def delete_project(call: Call) -> Response:
    user, project_id = call.user, call.path["projectId"]

    def work(session: Session) -> None:
        project = owned_project(session, project_id, user)
        session.execute(delete(Task).where(Task.project_id == project.id))
        session.delete(project)

    await call.run(work)
    return no_content()
