"""Authorize: the record a path addresses, found under its parents and owned by the caller.

Records belong to the user who created them (`OWNER`); anyone else gets 403. A record that
does not exist, or exists under another parent (a task of another project), is 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.compile.resources import OWNER, PARENT, Resource
from mockserver.render.problems import Problem
from mockserver.store.memory import Store

__all__ = ["load_owned", "not_found"]


async def load_owned(
    store: Store, resource: Resource, params: Mapping[str, str], user: Mapping[str, Any] | None
) -> dict[str, Any] | Problem:
    """The record ``params`` address, checked against its parents and its owner."""
    record_id = params.get(resource.id_param)
    if resource.parent is not None:
        parent = await load_owned(store, resource.parent, params, user)
        if isinstance(parent, Problem):
            return parent
    record = await store.get(resource.name, str(record_id))
    if record is None or any(
        str(record.get(PARENT, {}).get(p)) != params.get(p) for p in resource.parent_params
    ):
        return not_found(resource, record_id)
    owner = record.get(OWNER)
    if owner is not None and (user is None or user["id"] != owner):
        return Problem(
            403, "forbidden", "Forbidden", f"This {resource.noun} belongs to another user."
        )
    return record


def not_found(resource: Resource, record_id: Any) -> Problem:
    """The 404 of a record that is not there."""
    return Problem(404, "not_found", "Not found", f"No {resource.noun} has the id {record_id}.")
