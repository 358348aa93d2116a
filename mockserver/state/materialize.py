"""Records made for ids read before anything made them, and whether a record fits its reads.

`materialize` answers a read of an id nothing holds yet (``--missing materialize``): a record
generated for that id (deterministic under ``--seed``), or made from a given value, stored so
that the next read, update or delete sees it. `forget` marks a deleted id, so it stays 404.
`fits` says whether a read, or each list of the collection, would answer a record as its
schema says; `count_past` moves the id counter past an integer id the spec or a client chose.
The spec's own example records (`mockserver.state.seeding`) are checked and counted the same
way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from mockserver.compile.resources import (
    OWNER,
    PARENT,
    SEQUENCE,
    UNLISTED,
    Resource,
    ResourceModel,
    property_attribute,
)
from mockserver.compile.schemas import coercion_for, object_properties, schema_types
from mockserver.state.context import SEQUENCE_KEY, StateContext
from mockserver.store.memory import copy_json

__all__ = ["count_past", "fits", "forget", "materialize"]

# Integer ids below this move the id counter past them, so a later create cannot reuse one.
# Above it (an int64 a client made up) the counter stays: it would leave no room to count on.
_COUNTER_CEILING = 1_000_000_000


async def materialize(
    state: StateContext,
    resource: Resource,
    params: Mapping[str, str],
    *,
    now: datetime,
    value: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The record ``params`` address, made (from ``value``, else generated) and stored if
    nothing holds it yet.

    None when the id is held under other parents (a task of another project) or was deleted:
    that stays 404.
    """
    # A task of a project nobody made: the project is materialized too.
    if resource.parent is not None and (
        await materialize(state, resource.parent, params, now=now) is None
    ):
        return None
    parents = {p: params.get(p) for p in resource.parent_params}
    raw = params.get(resource.id_param, "")
    key = str(raw)
    store = state.store
    if await store.get_value(_deleted(resource, key)):
        return None
    existing = await store.get(resource.name, key)
    if existing is not None:
        return existing if _under(existing, parents) else None
    async with store.lock(f"materialize|{resource.name}|{key}"):
        existing = await store.get(resource.name, key)  # another worker's, meanwhile
        if existing is not None:
            return existing if _under(existing, parents) else None
        where = "/".join(str(v) for v in parents.values())
        generated = (
            copy_json(dict(value))
            if value is not None
            else state.builder.generate(
                resource.schema, f"materialize|{resource.name}|{where}|{key}"
            )
        )
        record: dict[str, Any] = generated if isinstance(generated, dict) else {}
        record_id: Any = int(raw) if resource.id_is_integer and _integer(raw) else raw
        if not resource.id_is_integer:
            record_id = _declared(state, resource, resource.id_field, raw)
        record[resource.id_field] = record_id
        for param, field in resource.parent_fields.items():
            if not isinstance(record.get(field), dict | list):  # an object stays as generated
                value = _typed_like(record.get(field), parents.get(param))
                record[field] = _declared(state, resource, field, value)
        record[OWNER] = None
        record[PARENT] = parents
        state.builder.compute(record, resource.schema, now=now)
        if not fits(state, resource, record):
            # The path's value is no id the schema admits (a name where it wants a number):
            # no record answers for it, so the read stays 404 rather than answer invalidly.
            return None
        if not fits(state, resource, record, listed=True):
            record[UNLISTED] = True  # readable by its id; a list would answer it invalidly
        record[SEQUENCE] = await state.next_sequence()
        await store.put(resource.name, key, record)
    await count_past(state, record_id)
    return record


async def forget(state: StateContext, resource: Resource, params: Mapping[str, str]) -> None:
    """Mark the id ``params`` address deleted, so a later read does not materialize it."""
    await state.store.set_value(_deleted(resource, str(params.get(resource.id_param))), True)


def _deleted(resource: Resource, key: str) -> str:
    return f"deleted|{resource.name}|{key}"


def fits(
    state: StateContext, resource: Resource, record: Mapping[str, Any], *, listed: bool = False
) -> bool:
    """Whether a read (``listed``: each list of the collection) would answer ``record`` as its
    schema says (`StateContext.check`).

    Projected as a read answers it: the required fields it lacks are generated then, and may
    make it invalid (a oneOf branch filled with another branch's fields). A list's items may
    be declared apart from the read (a read answering ``{"groundhog": {...}}``, a list of
    groundhogs whose ``id`` is an integer).
    """
    if state.check is None:
        return True
    if listed:
        shown = _list_items(state, resource)
    elif resource.schema is not None:
        shown = [(resource.schema, resource.item)]
    else:
        return True
    return all(
        state.check(schema, where)(state.builder.project(dict(record), schema))
        for schema, where in shown
    )


# Per resource model (held weakly: it goes with its mock), per collection: what the lists of
# the collection show, worked out at the first record made for it.
_LIST_ITEMS: WeakKeyDictionary[ResourceModel, dict[str, list[tuple[Any, str]]]] = (
    WeakKeyDictionary()
)


def _list_items(state: StateContext, resource: Resource) -> list[tuple[Any, str]]:
    """The item schema of each list of ``resource`` that answers from state, and where."""
    known = _LIST_ITEMS.setdefault(state.model, {})
    if resource.name in known:
        return known[resource.name]
    found: list[tuple[Any, str]] = []
    document = state.document
    for (method, path), shape in state.model.list_shapes.items():
        assigned = state.model.roles.get((method, path))
        if assigned is None or assigned[1] is not resource or shape.opaque:
            continue
        plan = next((s for s in _success_schemas(state, method, path)), None)
        if plan is None:
            continue
        schema, pointer = plan
        if shape.data is not None:
            schema = object_properties(schema, document).get(shape.data)
            pointer = f"{pointer}/properties/{shape.data}"
        items = property_attribute(schema, document, "items")
        if items is not None:
            found.append((items, f"{pointer}/items"))
    known[resource.name] = found
    return found


def _success_schemas(state: StateContext, method: str, path: str) -> Iterator[tuple[Any, str]]:
    for op in state.model.operations:
        if (op.method, op.path) != (method, path):
            continue
        for status, response in sorted(op.responses.items()):
            if status.startswith("2"):
                for name, media in response.content.items():
                    if "json" in name and media.schema is not None:
                        yield media.schema, f"{media.pointer}/schema"


def _under(record: Mapping[str, Any], parents: Mapping[str, Any]) -> bool:
    held = record.get(PARENT) or {}
    return all(str(held.get(p)) == str(v) for p, v in parents.items())


def _integer(text: str) -> bool:
    return text.lstrip("-").isdigit()


def _declared(state: StateContext, resource: Resource, field: str, value: Any) -> Any:
    """A path's text as the type ``field``'s schema declares (``"42"`` for an integer, a
    number, a boolean); the text when the schema also takes a string or it does not parse."""
    schema = resource.properties.get(field)
    if not isinstance(value, str) or schema is None:
        return value
    types = schema_types(schema, state.document)
    if not types or "string" in types:
        return value
    return coercion_for(schema, state.document).scalar(value)


def _typed_like(generated: Any, value: Any) -> Any:
    """``value`` (a path parameter) typed as the field's generated value was."""
    if isinstance(generated, int) and not isinstance(generated, bool) and isinstance(value, str):
        return int(value) if _integer(value) else value
    return value


async def count_past(state: StateContext, record_id: Any) -> None:
    """Move the id counter past an integer id the spec or a client chose."""
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        return
    if not 0 < record_id < _COUNTER_CEILING:
        return
    async with state.store.lock(SEQUENCE_KEY):
        if record_id > (await state.store.get_value(SEQUENCE_KEY) or 0):
            await state.store.set_value(SEQUENCE_KEY, record_id)
