"""State seeded from the spec: the spec's example records, and records for ids read first.

A fresh mock of a third-party document has records to read before anything is created:

- `example_records` gathers, per inferred resource, the objects the document itself shows:
  the items of its list operations' examples, its item reads' examples, the item schema's
  own ``examples``, and (when none of those exist) one object built from property examples
  (``name: {example: doggie}``). `Seeds` stores them at the collection's first use, owned by
  nobody: every user reads them, and they change only through the API.
- `materialize` answers a read of an id nothing holds yet: a record generated for that id
  (deterministic under ``--seed``), stored, so the next read, update or delete sees it.

Workers sharing a store (``--state-url``) seed each collection once: under the store's lock,
the first sets its `SEEDED_KEY` marker and the others find it set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal
from weakref import WeakKeyDictionary

from mockserver.compile.operations import Operation
from mockserver.compile.resources import (
    OWNER,
    PARENT,
    SEQUENCE,
    UNLISTED,
    Resource,
    ResourceModel,
    property_attribute,
)
from mockserver.compile.schemas import (
    coercion_for,
    object_properties,
    schema_members,
    schema_types,
)
from mockserver.state.context import SEQUENCE_KEY, StateContext
from mockserver.store.memory import copy_json

__all__ = [
    "MISSING_CHOICES",
    "SEEDED_KEY",
    "Missing",
    "Seeds",
    "example_records",
    "forget",
    "has_mock_extensions",
    "materialize",
]

# A validator factory (the engine's): schema and where it is -> whether a value fits.
Check = Callable[[Any, str], Callable[[Any], bool]]

SEEDED_KEY = "seeded"  # "seeded|<collection>" is set once the store holds its examples

Missing = Literal["404", "materialize"]
MISSING_CHOICES: tuple[Missing, ...] = ("404", "materialize")

# Integer ids below this move the id counter past them, so a later create cannot reuse one.
# Above it (an int64 a client made up) the counter stays: it would leave no room to count on.
_COUNTER_CEILING = 1_000_000_000
_MAX_DEPTH = 8
# Schemas one walk for property examples visits at most (`_from_property_examples`).
_MAX_VISITS = 2000


def has_mock_extensions(document: Mapping[str, Any], operations: Sequence[Operation]) -> bool:
    """Whether the document was written for this mock: ``x-mock-*`` at its top, on a path
    item or an operation, on a named example, or on a component schema or its properties.

    Only where the extensions mean something is looked at: a walk of all of GitHub's
    description would cost a tenth of its start-up.
    """
    if _marked(document) or any(_marked(op.extensions) for op in operations):
        return True
    paths = document.get("paths")
    if isinstance(paths, Mapping) and any(_marked(item) for item in paths.values()):
        return True
    for op in operations:
        for response in op.responses.values():
            if any(media.matches for media in response.content.values()):
                return True
    components = document.get("components")
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    for schema in schemas.values() if isinstance(schemas, Mapping) else ():
        if _marked(schema):
            return True
        properties = schema.get("properties") if isinstance(schema, Mapping) else None
        if isinstance(properties, Mapping) and any(_marked(p) for p in properties.values()):
            return True
    return False


def _marked(node: Any) -> bool:
    return isinstance(node, Mapping) and any(
        isinstance(key, str) and key.startswith("x-mock-") for key in node
    )


# -- gathering -------------------------------------------------------------------------------


def example_records(state: StateContext, resource: Resource) -> list[dict[str, Any]]:
    """The example objects the document shows for ``resource``, in document order."""
    found = list(_shown(state, resource))
    if not found:
        built = _from_property_examples(state.document, resource.schema, 0, (), [_MAX_VISITS])
        if isinstance(built, dict) and built:
            found.append(built)
    return found


def _shown(state: StateContext, resource: Resource) -> Iterator[dict[str, Any]]:
    """The examples of the resource's list and read answers, then its schema's examples."""
    for op in state.model.operations:
        assigned = state.model.roles.get((op.method, op.path))
        if assigned is None or assigned[1] is not resource or assigned[0] not in ("list", "read"):
            continue
        shape = state.model.list_shapes.get((op.method, op.path))
        for status, response in sorted(op.responses.items()):
            if not status.startswith("2"):
                continue
            for name, media in response.content.items():
                if "json" not in name:
                    continue
                for value in media.examples.values():
                    if assigned[0] == "read":
                        if isinstance(value, dict):
                            yield value
                        continue
                    items = value if shape is None or shape.data is None else None
                    if items is None and isinstance(value, Mapping) and shape is not None:
                        items = value.get(shape.data or "")
                    for item in items if isinstance(items, list) else ():
                        if isinstance(item, dict):
                            yield item
    for member in schema_members(resource.schema, state.document):
        examples = member.get("examples")
        if isinstance(examples, list):
            yield from (value for value in examples if isinstance(value, dict))
        elif isinstance(member.get("example"), dict):
            yield member["example"]


def _example_of(schema: Any, document: Mapping[str, Any]) -> tuple[bool, Any]:
    examples = property_attribute(schema, document, "examples")
    if isinstance(examples, list) and examples:
        return True, examples[0]
    example = property_attribute(schema, document, "example")
    if example is not None:
        return True, example
    return False, None


def _from_property_examples(
    document: Mapping[str, Any], schema: Any, depth: int, refs: tuple[str, ...], left: list[int]
) -> Any:
    """An object of the property examples below ``schema``; None when it shows none.

    A ``$ref`` already on the way down is not entered again, and at most `_MAX_VISITS` schemas
    are visited in all (``left``): presalytics' 47 mutually recursive OOXML types, each with
    several object properties, made the walk exponential in `_MAX_DEPTH` (a read never ended).
    """
    ref = schema.get("$ref") if isinstance(schema, Mapping) else None
    if depth > _MAX_DEPTH or left[0] <= 0 or ref in refs:
        return None
    left[0] -= 1
    if isinstance(ref, str):
        refs = (*refs, ref)
    found, value = _example_of(schema, document)
    if found:
        return value
    types = schema_types(schema, document) or frozenset()
    if "array" in types:
        items = property_attribute(schema, document, "items")
        item = _from_property_examples(document, items, depth + 1, refs, left)
        return None if item is None else [item]
    if "object" not in types:
        return None
    built = {}
    for name, sub in object_properties(schema, document).items():
        value = _from_property_examples(document, sub, depth + 1, refs, left)
        if value is not None:
            built[name] = value
    return built or None


# -- storing ---------------------------------------------------------------------------------


class Seeds:
    """The spec's example records of each collection, stored at the collection's first use.

    Lazily, collection by collection: a document of a thousand operations (GitHub's) starts
    and answers its first request without checking every example it holds. Each collection
    is seeded once per store (`SEEDED_KEY` set under the store's lock, for every worker
    sharing it) and once per process (`seen`: one set lookup per request afterwards).
    """

    def __init__(self, state: StateContext) -> None:
        self._state = state
        self._seen: set[str] = set()

    async def ensure(self, resource: Resource) -> None:
        """Seed ``resource`` and its parents, if nothing did yet."""
        if resource.name in self._seen:
            return
        if resource.parent is not None:
            await self.ensure(resource.parent)
        await self._seed(resource, now=datetime.now(UTC))
        # Only once stored: a store that failed (Redis away) is tried again next time.
        self._seen.add(resource.name)

    async def everything(self) -> int:
        """Seed every collection now (an export wants them all); how many records were stored."""
        stored = 0
        for resource in self._state.model.resources.values():
            if resource.name not in self._seen:
                stored += await self._seed(resource, now=datetime.now(UTC))
                self._seen.add(resource.name)
        return stored

    def forget(self) -> None:
        """After a reset: seed each collection again at its next use."""
        self._seen.clear()

    async def _seed(self, resource: Resource, *, now: datetime) -> int:
        state, store = self._state, self._state.store
        marker = f"{SEEDED_KEY}|{resource.name}"
        async with store.lock(marker):
            if await store.get_value(marker):
                return 0
            stored = 0
            for value in example_records(state, resource):
                record = await _adopt(state, resource, value, now=now)
                # An example its item schema refuses is left out: a read would answer it (as
                # adopted: an id made for it may be of a type a list's items refuse).
                if record is None or not (
                    _fits(state, resource, record) and _fits(state, resource, record, listed=True)
                ):
                    continue
                await _count_past(state, record[resource.id_field])
                key = str(record[resource.id_field])
                if await store.get(resource.name, key) is None:  # the first of an id wins
                    await store.put(resource.name, key, record)
                    stored += 1
            await store.set_value(marker, True)
        return stored


async def _adopt(
    state: StateContext, resource: Resource, value: dict[str, Any], *, now: datetime
) -> dict[str, Any] | None:
    """``value`` as a stored record owned by nobody; None when its parents are not shown."""
    parents = {param: value.get(field) for param, field in resource.parent_fields.items()}
    if len(parents) < len(resource.parent_params) or None in parents.values():
        return None  # a child record that names no parent cannot be addressed by any path
    record = dict(value)
    sequence = await state.next_sequence()
    if resource.id_field not in record:
        record[resource.id_field] = state.builder.new_id(resource, sequence)
    record[OWNER] = None
    record[PARENT] = parents
    record[SEQUENCE] = sequence
    state.builder.compute(record, resource.schema, now=now)
    return record


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
        if not _fits(state, resource, record):
            # The path's value is no id the schema admits (a name where it wants a number):
            # no record answers for it, so the read stays 404 rather than answer invalidly.
            return None
        if not _fits(state, resource, record, listed=True):
            record[UNLISTED] = True  # readable by its id; a list would answer it invalidly
        record[SEQUENCE] = await state.next_sequence()
        await store.put(resource.name, key, record)
    await _count_past(state, record_id)
    return record


async def forget(state: StateContext, resource: Resource, params: Mapping[str, str]) -> None:
    """Mark the id ``params`` address deleted, so a later read does not materialize it."""
    await state.store.set_value(_deleted(resource, str(params.get(resource.id_param))), True)


def _deleted(resource: Resource, key: str) -> str:
    return f"deleted|{resource.name}|{key}"


def _fits(
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


async def _count_past(state: StateContext, record_id: Any) -> None:
    """Move the id counter past an integer id the spec or a client chose."""
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        return
    if not 0 < record_id < _COUNTER_CEILING:
        return
    async with state.store.lock(SEQUENCE_KEY):
        if record_id > (await state.store.get_value(SEQUENCE_KEY) or 0):
            await state.store.set_value(SEQUENCE_KEY, record_id)
