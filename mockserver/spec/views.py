"""The request and response views of a document: what each direction of a message allows.

A request may leave out what is ``readOnly`` (the server sets it), so the request view drops
those properties from ``required``; a response never carries what is ``writeOnly`` (a
password), so the response view drops those properties altogether. Both views share every node
with the document except the schemas they change and the containers on the way to them
(copy on write), so they cost memory in proportion to the flagged schemas, not the document.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from mockserver.spec import pointer as jp
from mockserver.spec.normalize import iter_schemas, local_target

__all__ = ["request_view", "response_view", "views"]

_Change = tuple[str, frozenset[str]]


def views(
    document: dict[str, Any], schemas: Iterable[tuple[str, dict[str, Any]]] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(request view, response view)`` of a normalized document, from one walk.

    ``schemas``: the document's object schemas when known already (`Spec.schemas`), which
    spares the walk.
    """
    present = _flags_present(document)
    read_only: list[_Change] = []
    write_only: list[_Change] = []
    if present:
        flags = _Flags(document)
        walked = list(iter_schemas(document)) if schemas is None else schemas
        for pointer, schema in walked:
            if "readOnly" in present and (found := flags.properties(schema, "readOnly")):
                read_only.append((pointer, found))
            if "writeOnly" in present and (found := flags.properties(schema, "writeOnly")):
                write_only.append((pointer, found))
    return (
        _apply(document, read_only, drop_properties=False),
        _apply(document, write_only, drop_properties=True),
    )


def _flags_present(document: dict[str, Any]) -> set[str]:
    """Which of readOnly and writeOnly the document sets anywhere (from its JSON text)."""
    try:
        text = orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return {"readOnly", "writeOnly"}
    return {flag for flag in ("readOnly", "writeOnly") if f'"{flag}":true'.encode() in text}


def response_view(document: dict[str, Any]) -> dict[str, Any]:
    """The document without writeOnly properties (dropped from properties and required)."""
    return views(document)[1]


def request_view(document: dict[str, Any]) -> dict[str, Any]:
    """The document with readOnly properties dropped from required (still allowed)."""
    return views(document)[0]


def _apply(
    document: dict[str, Any], changes: list[_Change], *, drop_properties: bool
) -> dict[str, Any]:
    if not changes:
        return document
    view = dict(document)
    copied = {id(view)}
    for pointer, flagged in changes:
        schema = _writable(view, pointer, copied)
        if schema is None:
            continue  # inside a property an earlier change dropped: gone from this view
        if drop_properties and isinstance(schema.get("properties"), dict):
            schema["properties"] = {
                name: sub for name, sub in schema["properties"].items() if name not in flagged
            }
        _drop_required(schema, flagged)
        members = schema.get("allOf")
        if isinstance(members, list):
            # Inline allOf members belong to this schema alone; shared ($ref) ones are
            # changed at their own pointer.
            schema["allOf"] = [
                _without_required(member, flagged)
                if isinstance(member, dict) and "$ref" not in member
                else member
                for member in members
            ]
    return view


def _writable(root: dict[str, Any], pointer: str, copied: set[int]) -> dict[str, Any] | None:
    """The node at ``pointer`` in ``root``, copied (with its containers) if not copied yet;
    None when it is no longer there (a writeOnly property holding it was dropped)."""
    node: Any = root
    for token in jp.split(pointer):
        key: Any = int(token) if isinstance(node, list) else token
        if isinstance(node, dict) and key not in node:
            return None
        child = node[key]
        if id(child) not in copied:
            child = dict(child) if isinstance(child, dict) else list(child)
            node[key] = child
            copied.add(id(child))
        node = child
    assert isinstance(node, dict)  # iter_schemas yields schemas that are objects
    return node


def _without_required(schema: dict[str, Any], names: frozenset[str]) -> dict[str, Any]:
    copy = dict(schema)
    _drop_required(copy, names)
    return copy


def _drop_required(schema: dict[str, Any], names: frozenset[str]) -> None:
    required = schema.get("required")
    if isinstance(required, list):
        kept = [name for name in required if name not in names]
        if kept:
            schema["required"] = kept
        else:
            del schema["required"]


class _Flags:
    """Which schemas are marked readOnly/writeOnly (directly or through $ref, allOf, nullable
    anyOf) and which of a schema's properties are, each worked out once."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._marked: dict[tuple[int, str], bool] = {}
        self._properties: dict[tuple[int, str], frozenset[str]] = {}

    def properties(self, schema: dict[str, Any], flag: str) -> frozenset[str]:
        """Names of properties marked ``flag`` in the schema or, through allOf, its parents."""
        key = (id(schema), flag)
        if key in self._properties:
            return self._properties[key]
        self._properties[key] = frozenset()  # breaks allOf cycles
        names: set[str] = set()
        properties = schema.get("properties")
        if isinstance(properties, dict):
            names.update(name for name, sub in properties.items() if self.marked(sub, flag))
        for member in schema.get("allOf", ()):
            _, target = jp.follow(self.document, member)
            if isinstance(target, dict):
                names.update(self.properties(target, flag))
        self._properties[key] = found = frozenset(names)
        return found

    def marked(self, schema: Any, flag: str) -> bool:
        """Whether ``schema`` is marked ``flag`` directly, via $ref, allOf or a nullable anyOf."""
        if not isinstance(schema, dict):
            return False
        if schema.get(flag) is True:
            return True
        if "$ref" not in schema and "allOf" not in schema and "anyOf" not in schema:
            return False  # most property schemas: nothing to follow
        key = (id(schema), flag)
        if key in self._marked:
            return self._marked[key]
        self._marked[key] = False  # breaks cycles
        self._marked[key] = found = self._follows(schema, flag)
        return found

    def _follows(self, schema: dict[str, Any], flag: str) -> bool:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = local_target(self.document, ref)
            if target is not None and self.marked(target[1], flag):
                return True
        members = schema.get("allOf")
        if isinstance(members, list) and any(self.marked(m, flag) for m in members):
            return True
        branches = schema.get("anyOf")
        if isinstance(branches, list):
            # The shape 3.0 `nullable` takes after normalize: anyOf [<schema>, {type: null}].
            real = [b for b in branches if b != {"type": "null"}]
            return bool(real) and all(self.marked(b, flag) for b in real)
        return False
