"""Builds stored records from request bodies and projects them back onto response schemas.

A record holds everything the client sent (``writeOnly`` fields too) plus the fields the
server owns; hidden bookkeeping keys start with ``__``. What a response shows is the
projection of the record onto the response schema's properties, so a password or a secret
the schema does not list never leaves the mock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mockserver.compile.expressions import Expression, to_json_value
from mockserver.compile.operations import follow
from mockserver.compile.resources import (
    CREATED_FIELDS,
    OWNER,
    PARENT,
    SEQUENCE,
    UPDATED_FIELDS,
    Resource,
    property_attribute,
)
from mockserver.compile.schemas import SchemaFacts
from mockserver.generation.unique import random_uuid
from mockserver.store.memory import copy_json

__all__ = ["Projector", "RecordBuilder", "hidden", "project"]

_MAX_PROJECTION_DEPTH = 32

Generate = Callable[[Any, str], Any]


def hidden(key: str) -> bool:
    """Whether ``key`` is bookkeeping that never reaches a response."""
    return key.startswith("__")


def project(value: Any, schema: Any, document: Mapping[str, Any]) -> Any:
    """Keep only what ``schema`` declares, recursively (objects without properties pass)."""
    return Projector(SchemaFacts(document)).project(value, schema)


@dataclass(frozen=True, slots=True)
class _Projection:
    """What projecting onto one schema needs, read from the schema once."""

    schema: Any
    fields: tuple[tuple[str, Any], ...]  # declared properties that may be shown, in order
    declares: bool  # whether the schema declares properties at all (else objects pass)
    items: Any  # the item schema when the schema admits arrays, else None
    required: tuple[tuple[str, Any], ...]  # the fields an answer must hold
    # The field names when every field is a scalar (no object or array below): then a value
    # is projected by name alone, with no recursion to consider.
    flat: tuple[str, ...] | None


_CONTAINERS = frozenset({"object", "array"})


class Projector:
    """Projects values onto the schemas of one document; each schema is read once."""

    def __init__(self, facts: SchemaFacts, fill: Generate | None = None) -> None:
        self._facts = facts
        self._plans: dict[int, _Projection] = {}
        # What makes a required field a value lacks (a record created through another shape
        # than this answer's): without it the field stays missing.
        self._fill = fill

    def project(self, value: Any, schema: Any, depth: int = 0) -> Any:
        """Keep only what ``schema`` declares, recursively (objects without properties pass)."""
        if depth > _MAX_PROJECTION_DEPTH:
            return value
        plan = self._plans.get(id(schema))
        if plan is None or plan.schema is not schema:
            plan = self._plan(schema)
        if isinstance(value, dict):
            if not plan.declares:
                return {k: v for k, v in value.items() if not hidden(k)}
            # In the schema's order, so answers read like the spec's examples.
            out: dict[str, Any]
            if plan.flat is not None:
                out = {name: value[name] for name in plan.flat if name in value}
            else:
                out = {}
                for name, sub in plan.fields:
                    if name in value:
                        child = value[name]
                        out[name] = (
                            self.project(child, sub, depth + 1)
                            if isinstance(child, dict | list)
                            else child
                        )
            if plan.required and self._fill is not None and len(out) < len(plan.fields):
                for name, sub in plan.required:
                    if name not in out:
                        out[name] = self._fill(sub, f"fill|{value.get('id', '')}|{name}")
            return out
        if isinstance(value, list) and plan.items is not None:
            return [self.project(v, plan.items, depth + 1) for v in value]
        return value

    def _plan(self, schema: Any) -> _Projection:
        props = self._facts.properties(schema)
        types = self._facts.types(schema) or frozenset()
        items = (
            property_attribute(schema, self._facts.document, "items") if "array" in types else None
        )
        required = set(self._facts.required(schema))
        fields = tuple((k, sub) for k, sub in props.items() if not hidden(k))
        scalar = all(
            (kinds := self._facts.types(sub)) is not None and not kinds & _CONTAINERS
            for _, sub in fields
        )
        plan = _Projection(
            schema=schema,
            fields=fields,
            declares=bool(props),
            items=items,
            required=tuple((k, sub) for k, sub in fields if k in required),
            flat=tuple(k for k, _ in fields) if scalar else None,
        )
        self._plans[id(schema)] = plan
        return plan


class RecordBuilder:
    """Fills in the server's fields of new and changed records of one document."""

    def __init__(
        self, document: Mapping[str, Any], generate: Generate, *, facts: SchemaFacts | None = None
    ) -> None:
        self._document = document
        self._generate = generate
        self._facts = facts or SchemaFacts(document)
        self._projector = Projector(self._facts, generate)
        self._expressions: dict[int, dict[str, Expression]] = {}
        self._defaults: dict[int, tuple[Any, Any]] = {}
        self._computing: dict[int, tuple[Any, bool]] = {}
        self._fills: dict[int, tuple[Resource, tuple[_Fill, ...]]] = {}
        self._required: dict[int, tuple[Any, tuple[tuple[str, Any], ...]]] = {}

    def project(self, value: Any, schema: Any) -> Any:
        """``value`` with only what ``schema`` declares (see `Projector`)."""
        return self._projector.project(value, schema)

    def generate(self, schema: Any, key: str) -> Any:
        """A value generated for ``schema``, the same for the same ``key`` under a seed."""
        return self._generate(schema, key)

    def new_id(self, resource: Resource, sequence: int) -> Any:
        """A fresh id of the type the schema declares."""
        return sequence if resource.id_is_integer else random_uuid()

    def create(
        self,
        resource: Resource,
        body: Mapping[str, Any],
        *,
        owner: str | None,
        parents: Mapping[str, Any],
        now: datetime,
        sequence: int,
    ) -> dict[str, Any]:
        """A new record from ``body``: id, owner, parents, timestamps, defaults, computed."""
        record: dict[str, Any] = copy_json(body if type(body) is dict else dict(body))
        stamp = to_json_value(now)
        for name, fill, arg, otherwise in self._fills_of(resource):
            if name in record:
                continue
            if fill is _OWNER_FIELD:
                if owner is not None:
                    record[name] = owner
                    continue
                if otherwise is None:
                    continue
                fill, arg = otherwise
            if fill is _ID_FIELD:
                record[name] = self.new_id(resource, sequence)
            elif fill is _PARENT_FIELD:
                record[name] = parents[arg]
            elif fill is _STAMP_FIELD:
                record[name] = stamp
            else:  # a default: shared when immutable, else copied
                record[name] = arg if fill is _SHARED_DEFAULT else copy_json(arg)
        if resource.id_field not in record:  # the schema shows no id: stored under one anyway
            record[resource.id_field] = self.new_id(resource, sequence)
        record[OWNER] = owner
        record[PARENT] = dict(parents)
        record[SEQUENCE] = sequence
        self.compute(record, resource.schema, now=now)
        self.fill_required(record, resource.schema, f"{resource.name}|{sequence}")
        return record

    def _fills_of(self, resource: Resource) -> tuple[_Fill, ...]:
        """How `create` fills each property a body lacks (worked out once per resource)."""
        known = self._fills.get(id(resource))
        if known is not None and known[0] is resource:
            return known[1]
        fills: list[_Fill] = []
        for name, schema in resource.properties.items():
            if name == resource.id_field:
                fills.append((name, _ID_FIELD, None, None))
                continue
            rest = self._fill_after_owner(resource, name, schema)
            if name == resource.owner_field:
                fills.append((name, _OWNER_FIELD, None, rest))
            elif rest is not None:
                fills.append((name, rest[0], rest[1], None))
        self._fills[id(resource)] = (resource, tuple(fills))
        return self._fills[id(resource)][1]

    def _fill_after_owner(
        self, resource: Resource, name: str, schema: Any
    ) -> tuple[object, Any] | None:
        if name in resource.parent_fields:
            return _PARENT_FIELD, resource.parent_fields[name]
        if name in CREATED_FIELDS or name in UPDATED_FIELDS:
            return _STAMP_FIELD, None
        default = self._find_default(schema)
        if default is _NO_DEFAULT:
            return None
        shared = isinstance(default, str | int | float | None)
        return (_SHARED_DEFAULT if shared else _COPIED_DEFAULT), default

    def replace(
        self, resource: Resource, old: Mapping[str, Any], body: Mapping[str, Any], *, now: datetime
    ) -> dict[str, Any]:
        """PUT: writable fields from ``body`` or their defaults; server fields kept."""
        record = {k: v for k, v in old.items() if hidden(k)}
        for name, schema in resource.properties.items():
            if property_attribute(schema, self._document, "readOnly"):
                if name in old:
                    record[name] = old[name]
            elif name in body:
                record[name] = copy_json(body[name])
            elif (default := self._default(schema)) is not _NO_DEFAULT:
                record[name] = default
            elif name in old and self._nullable(schema):
                record[name] = None
        for name, value in body.items():
            record.setdefault(name, copy_json(value))  # writeOnly and unlisted fields
        return self.touch(resource, record, now=now)

    def merge(
        self, resource: Resource, old: Mapping[str, Any], body: Mapping[str, Any], *, now: datetime
    ) -> dict[str, Any]:
        """PATCH: ``body`` over the old record."""
        record = copy_json(dict(old))
        record.update(copy_json(dict(body)))
        return self.touch(resource, record, now=now)

    def touch(self, resource: Resource, record: dict[str, Any], *, now: datetime) -> dict[str, Any]:
        """Mark ``record`` changed: update timestamps, recompute derived fields.

        A changed record's stamp is always later than its last, even when it changes twice
        within one millisecond: a client comparing ``updatedAt`` sees every change.
        """
        stamp = to_json_value(now)
        for name in UPDATED_FIELDS:
            if name in resource.properties:
                record[name] = _later(stamp, record.get(name))
        self.compute(record, resource.schema, now=now)
        return record

    def compute(self, value: Any, schema: Any, *, now: datetime, depth: int = 0) -> None:
        """Evaluate ``x-mock-compute`` in ``value``, innermost objects first."""
        if depth > 16 or not isinstance(value, dict) or not self._computes(schema):
            return
        props = self._facts.properties(schema)
        for name, sub in props.items():
            child = value.get(name)
            if isinstance(child, dict):
                self.compute(child, sub, now=now, depth=depth + 1)
            elif isinstance(child, list):
                items = property_attribute(sub, self._document, "items")
                for element in child:
                    self.compute(element, items, now=now, depth=depth + 1)
        for name, expression in self._expressions_of(schema, props).items():
            value[name] = expression.evaluate(value, now=now)

    def _computes(self, schema: Any) -> bool:
        """Whether ``x-mock-compute`` occurs in ``schema``'s properties or anywhere below them."""
        known = self._computing.get(id(schema))
        if known is not None and known[0] is schema:
            return known[1]
        seen: set[int] = set()
        pending = [schema]
        found = False
        while pending and not found:
            node = pending.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            for sub in self._facts.properties(node).values():
                if isinstance(property_attribute(sub, self._document, "x-mock-compute"), str):
                    found = True
                    break
                pending.append(sub)
                pending.append(property_attribute(sub, self._document, "items"))
        self._computing[id(schema)] = (schema, found)
        return found

    def _expressions_of(self, schema: Any, props: Mapping[str, Any]) -> dict[str, Expression]:
        cached = self._expressions.get(id(schema))
        if cached is None:
            cached = {}
            for name, sub in props.items():
                source = property_attribute(sub, self._document, "x-mock-compute")
                if isinstance(source, str):
                    cached[name] = Expression(source, where=f"x-mock-compute of {name}")
            self._expressions[id(schema)] = cached
        return cached

    def fill_required(self, record: dict[str, Any], schema: Any, key: str) -> None:
        """Generate the properties ``schema`` requires that ``record`` lacks (e.g. a secret)."""
        known = self._required.get(id(schema))
        if known is None or known[0] is not schema:  # worked out once per schema
            props = self._facts.properties(schema)
            fields = tuple((n, props[n]) for n in self._facts.required(schema) if n in props)
            known = self._required[id(schema)] = (schema, fields)
        for name, sub in known[1]:
            if name not in record:
                record[name] = self._generate(sub, f"{key}|{name}")

    def _default(self, schema: Any) -> Any:
        """A copy of the default of a property (through its ``$ref``), or `_NO_DEFAULT`."""
        known = self._defaults.get(id(schema))
        if known is None or known[0] is not schema:
            known = self._defaults[id(schema)] = (schema, self._find_default(schema))
        value = known[1]
        if value is _NO_DEFAULT or isinstance(value, str | int | float | None):
            return value
        return copy_json(value)

    def _find_default(self, schema: Any) -> Any:
        node: Any = schema
        for _ in range(16):
            if not isinstance(node, Mapping):
                return _NO_DEFAULT
            if "default" in node:
                return node["default"]
            ref = node.get("$ref")
            if not isinstance(ref, str):
                return _NO_DEFAULT
            node, _ = follow(self._document, {"$ref": ref}, "")
        return _NO_DEFAULT

    def _nullable(self, schema: Any) -> bool:
        types = self._facts.types(schema)
        return types is None or "null" in types


_NO_DEFAULT: Any = object()

# How `RecordBuilder.create` fills a property the body lacks.
_ID_FIELD = object()
_OWNER_FIELD = object()  # the owner; without one, what the entry's last item says
_PARENT_FIELD = object()  # the value of the parent parameter the entry names
_STAMP_FIELD = object()  # the creation time
_SHARED_DEFAULT = object()  # the entry's (immutable) default
_COPIED_DEFAULT = object()  # a copy of the entry's default
# (property, how, argument, for the owner field: how and argument without an owner)
_Fill = tuple[str, object, Any, tuple[object, Any] | None]


def _later(stamp: str, last: Any) -> str:
    """``stamp``, or a millisecond after ``last`` (a stamp of ours of the same second) when
    that is not earlier: a stamp far ahead (a fixture's) is not followed into the future."""
    if (
        isinstance(last, str)
        and len(last) == len(stamp)
        and last[:19] == stamp[:19]
        and last >= stamp
        and last[-1] == "Z"
    ):
        try:
            return str(to_json_value(datetime.fromisoformat(last) + _MILLISECOND))
        except ValueError:  # not a date-time after all: now is later than nothing
            return stamp
    return stamp


_MILLISECOND = timedelta(milliseconds=1)
