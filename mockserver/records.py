"""Builds stored records from request bodies and projects them back onto response schemas.

A record holds everything the client sent (``writeOnly`` fields too) plus the fields the
server owns; hidden bookkeeping keys start with ``__``. What a response shows is the
projection of the record onto the response schema's properties, so a password or a secret
the schema does not list never leaves the mock.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mockserver.compute import Expression, to_json_value
from mockserver.operations import follow
from mockserver.resources import (
    CREATED_FIELDS,
    UPDATED_FIELDS,
    Resource,
    property_attribute,
)
from mockserver.schemas import object_properties, schema_members, schema_types

__all__ = ["RecordBuilder", "hidden", "project"]

OWNER = "__owner__"
PARENT = "__parent__"
SEQUENCE = "__seq__"

Generate = Callable[[Any, str], Any]


def hidden(key: str) -> bool:
    """Whether ``key`` is bookkeeping that never reaches a response."""
    return key.startswith("__")


def project(value: Any, schema: Any, document: Mapping[str, Any], depth: int = 0) -> Any:
    """Keep only what ``schema`` declares, recursively (objects without properties pass)."""
    if depth > 32:
        return value
    types = schema_types(schema, document) or frozenset()
    if isinstance(value, dict):
        props = object_properties(schema, document)
        if not props:
            return {k: v for k, v in value.items() if not hidden(k)}
        # In the schema's order, so answers read like the spec's examples.
        return {
            k: project(value[k], sub, document, depth + 1)
            for k, sub in props.items()
            if k in value and not hidden(k)
        }
    if isinstance(value, list) and "array" in types:
        items = property_attribute(schema, document, "items")
        if items is None:
            return value
        return [project(v, items, document, depth + 1) for v in value]
    return value


class RecordBuilder:
    """Fills in the server's fields of new and changed records of one document."""

    def __init__(self, document: Mapping[str, Any], generate: Generate) -> None:
        self._document = document
        self._generate = generate
        self._expressions: dict[int, dict[str, Expression]] = {}

    def new_id(self, resource: Resource, sequence: int) -> Any:
        """A fresh id of the type the schema declares."""
        return sequence if resource.id_is_integer else str(uuid.uuid4())

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
        record: dict[str, Any] = copy.deepcopy(dict(body))
        stamp = to_json_value(now)
        for name, schema in resource.properties.items():
            if name in record:
                continue
            if name == resource.id_field:
                record[name] = self.new_id(resource, sequence)
            elif name == resource.owner_field and owner is not None:
                record[name] = owner
            elif name in resource.parent_fields:
                record[name] = parents[resource.parent_fields[name]]
            elif name in CREATED_FIELDS or name in UPDATED_FIELDS:
                record[name] = stamp
            elif (default := self._default(schema)) is not _NO_DEFAULT:
                record[name] = default
        record[OWNER] = owner
        record[PARENT] = dict(parents)
        record[SEQUENCE] = sequence
        self.compute(record, resource.schema, now=now)
        self.fill_required(record, resource.schema, f"{resource.name}|{sequence}")
        return record

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
                record[name] = copy.deepcopy(body[name])
            elif (default := self._default(schema)) is not _NO_DEFAULT:
                record[name] = default
            elif name in old and self._nullable(schema):
                record[name] = None
        for name, value in body.items():
            record.setdefault(name, copy.deepcopy(value))  # writeOnly and unlisted fields
        return self.touch(resource, record, now=now)

    def merge(
        self, resource: Resource, old: Mapping[str, Any], body: Mapping[str, Any], *, now: datetime
    ) -> dict[str, Any]:
        """PATCH: ``body`` over the old record."""
        record = copy.deepcopy(dict(old))
        record.update(copy.deepcopy(dict(body)))
        return self.touch(resource, record, now=now)

    def touch(self, resource: Resource, record: dict[str, Any], *, now: datetime) -> dict[str, Any]:
        """Mark ``record`` changed: update timestamps, recompute derived fields."""
        for name in UPDATED_FIELDS:
            if name in resource.properties:
                record[name] = to_json_value(now)
        self.compute(record, resource.schema, now=now)
        return record

    def compute(self, value: Any, schema: Any, *, now: datetime, depth: int = 0) -> None:
        """Evaluate ``x-mock-compute`` in ``value``, innermost objects first."""
        if depth > 16 or not isinstance(value, dict):
            return
        props = object_properties(schema, self._document)
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
        props = object_properties(schema, self._document)
        required: set[str] = set()
        for member in schema_members(schema, self._document):
            required.update(member.get("required") or [])
        for name in sorted(required):
            if name not in record and name in props:
                record[name] = self._generate(props[name], f"{key}|{name}")

    def _default(self, schema: Any) -> Any:
        node: Any = schema
        for _ in range(16):
            if not isinstance(node, Mapping):
                return _NO_DEFAULT
            if "default" in node:
                return copy.deepcopy(node["default"])
            ref = node.get("$ref")
            if not isinstance(ref, str):
                return _NO_DEFAULT
            node, _ = follow(self._document, {"$ref": ref}, "")
        return _NO_DEFAULT

    def _nullable(self, schema: Any) -> bool:
        types = schema_types(schema, self._document)
        return types is None or "null" in types


_NO_DEFAULT: Any = object()
