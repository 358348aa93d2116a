"""Tasks of a project: list (status and priority filters), create, get, PATCH, delete.

A task belongs to whoever owns its project: the project is checked first (404 unknown, 403
someone else's), then the task must exist in that project (404 otherwise, even if the id
names a task of another project).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from provider.endpoint import (
    API_PREFIX,
    Call,
    endpoint,
    json_response,
    list_page,
    no_content,
    timestamp,
)
from provider.models import Task, utcnow
from provider.problems import not_found
from provider.projects import owned_project

__all__ = ["create_task", "delete_task", "get_task", "list_tasks", "render_task", "update_task"]

WRITABLE = ("title", "description", "status", "priority")


def render_task(task: Task) -> dict[str, Any]:
    """The ``Task`` representation."""
    return {
        "id": str(task.id),
        "projectId": str(task.project_id),
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": task.priority,
        "dueDate": task.due_date.isoformat() if task.due_date else None,
        "createdAt": timestamp(task.created_at),
        "updatedAt": timestamp(task.updated_at),
    }


def _due_date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _owned_task(session: Session, call: Call) -> Task:
    project = owned_project(session, call.path["projectId"], call.user)
    task_id: uuid.UUID = call.path["taskId"]
    task = session.get(Task, task_id)
    if task is None or task.project_id != project.id:
        raise not_found("task", task_id)
    return task


@endpoint("listTasks")
async def list_tasks(call: Call) -> Response:
    query = call.query

    def work(session: Session) -> dict[str, Any]:
        project = owned_project(session, call.path["projectId"], call.user)
        statement = select(Task).where(Task.project_id == project.id)
        filters = ["status", "priority"]
        return list_page(session, statement, Task, query, render_task, filters=filters)

    return json_response(await call.run(work))


@endpoint("createTask")
async def create_task(call: Call) -> Response:
    body = call.body

    def work(session: Session) -> dict[str, Any]:
        project = owned_project(session, call.path["projectId"], call.user)
        now = utcnow()
        task = Task(
            project_id=project.id,
            title=body["title"],
            description=body.get("description"),
            status=body["status"],
            priority=body["priority"],
            due_date=_due_date(body.get("dueDate")),
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        session.flush()
        return render_task(task)

    task = await call.run(work)
    location = f"{API_PREFIX}/projects/{task['projectId']}/tasks/{task['id']}"
    return json_response(task, 201, {"Location": location})


@endpoint("getTask")
async def get_task(call: Call) -> Response:
    return json_response(await call.run(lambda session: render_task(_owned_task(session, call))))


@endpoint("updateTask")
async def update_task(call: Call) -> Response:
    body = call.body

    def work(session: Session) -> dict[str, Any]:
        task = _owned_task(session, call)
        for field in WRITABLE:
            if field in body:
                setattr(task, field, body[field])
        if "dueDate" in body:
            task.due_date = _due_date(body["dueDate"])
        task.updated_at = utcnow()
        return render_task(task)

    return json_response(await call.run(work))


@endpoint("deleteTask")
async def delete_task(call: Call) -> Response:
    def work(session: Session) -> None:
        session.delete(_owned_task(session, call))

    await call.run(work)
    return no_content()
