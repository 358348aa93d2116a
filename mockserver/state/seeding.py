"""State seeded from the spec: the spec's example records, stored at a collection's first use.

A fresh mock of a third-party document has records to read before anything is created:
`example_records` gathers, per inferred resource, the objects the document itself shows: the
items of its list operations' examples, its item reads' examples, the item schema's own
``examples``, and (when none of those exist) one object built from property examples
(``name: {example: doggie}``). `Seeds` stores those its reads and lists would answer validly
(`mockserver.state.materialize.fits`) at the collection's first use, owned by nobody: every
user reads them, and they change only through the API. Records for ids read before anything
made them are `mockserver.state.materialize`'s.

Workers sharing a store (``--state-url``) seed each collection once: under the store's lock,
the first sets its `SEEDED_KEY` marker and the others find it set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from mockserver.compile.operations import Operation
from mockserver.compile.resources import (
    OWNER,
    PARENT,
    SEQUENCE,
    Resource,
    property_attribute,
)
from mockserver.compile.schemas import (
    object_properties,
    schema_members,
    schema_types,
)
from mockserver.state.context import StateContext
from mockserver.state.materialize import count_past, fits

__all__ = [
    "MISSING_CHOICES",
    "SEEDED_KEY",
    "Missing",
    "Seeds",
    "example_records",
    "has_mock_extensions",
]

# A validator factory (the engine's): schema and where it is -> whether a value fits.
Check = Callable[[Any, str], Callable[[Any], bool]]

SEEDED_KEY = "seeded"  # "seeded|<collection>" is set once the store holds its examples

Missing = Literal["404", "materialize"]
MISSING_CHOICES: tuple[Missing, ...] = ("404", "materialize")

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
                    fits(state, resource, record) and fits(state, resource, record, listed=True)
                ):
                    continue
                await count_past(state, record[resource.id_field])
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
