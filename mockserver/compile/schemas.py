"""What a schema says, read once: the types it admits and a plan for typing text by it.

`coercion_for` reads the types a schema admits (through ``$ref``, ``allOf``, ``anyOf``,
``oneOf``, type lists, ``enum`` and ``const``) once, into a `Coercion` that turns parameter and
form text into typed values per request without looking at the schema again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from mockserver.errors import PointerError
from mockserver.spec.pointer import pointer_from_ref, resolve

__all__ = [
    "KEEP",
    "Coercion",
    "SchemaFacts",
    "coercion_for",
    "json_type",
    "object_properties",
    "schema_members",
    "schema_types",
]

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
# Plans deeper than this are never needed: styles serialize one level (an array of primitives,
# an object of primitives); form bodies add one more (a property that is an array).
_MAX_DEPTH = 3
# How many $ref/combinator levels type inference follows before it gives up (says "any").
_MAX_NESTING = 32
_OBJECT_HINTS = ("properties", "additionalProperties", "patternProperties", "required")
_ARRAY_HINTS = ("items", "prefixItems")
_JSON_TYPES: Final[dict[type, str]] = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    type(None): "null",
    list: "array",
    dict: "object",
}
# What a scalar conversion returns when the text is not of its type.
_NO_MATCH: Final = object()


# --- the types a schema admits -------------------------------------------------------------


def _follow(document: Mapping[str, Any], schema: Any, seen: frozenset[int]) -> Any:
    """The schema a local ``$ref`` points at, or None when it cannot be followed."""
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#") or id(schema) in seen:
        return None
    try:
        return resolve(document, pointer_from_ref(ref))
    except PointerError:
        return None


def json_type(value: Any) -> str:
    """The JSON type of a decoded value: ``null``, ``boolean``, ``integer``, ``object``..."""
    return _JSON_TYPES.get(type(value), "string")


def schema_types(
    schema: Any, document: Mapping[str, Any], seen: frozenset[int] = frozenset()
) -> frozenset[str] | None:
    """The JSON types a schema admits, following ``$ref`` and combinators; None if any."""
    if not isinstance(schema, Mapping) or id(schema) in seen or len(seen) > _MAX_NESTING:
        return None
    inner = seen | {id(schema)}
    found: frozenset[str] | None = None
    declared = schema.get("type")
    if isinstance(declared, str):
        found = frozenset({declared})
    elif isinstance(declared, list):
        found = frozenset(t for t in declared if isinstance(t, str))
    elif "const" in schema:
        found = frozenset({json_type(schema["const"])})
    elif isinstance(schema.get("enum"), list) and schema["enum"]:
        found = frozenset(json_type(v) for v in schema["enum"])
    constraints: list[frozenset[str]] = []
    target = _follow(document, schema, seen)
    if target is not None:
        constraints.append(schema_types(target, document, inner) or frozenset())
    members = schema.get("allOf")
    for member in members if isinstance(members, list) else ():
        constraints.append(schema_types(member, document, inner) or frozenset())
    for keyword in ("anyOf", "oneOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list) and branches:
            union: set[str] = set()
            for branch in branches:
                types = schema_types(branch, document, inner)
                if types is None:
                    break
                union |= types
            else:
                constraints.append(frozenset(union))
    for constraint in constraints:
        if constraint:
            # A failed intersection means the schema is contradictory; keep what was known.
            found = constraint if found is None else (found & constraint) or found
    if found is None:
        if any(hint in schema for hint in _OBJECT_HINTS):
            return frozenset({"object"})
        if any(hint in schema for hint in _ARRAY_HINTS):
            return frozenset({"array"})
    return found


def schema_members(
    schema: Any,
    document: Mapping[str, Any],
    keywords: tuple[str, ...] = ("allOf", "anyOf", "oneOf"),
) -> list[Mapping[str, Any]]:
    """The schema and every schema it combines with ($ref, and ``keywords``), in order."""
    out: list[Mapping[str, Any]] = []
    seen: set[int] = set()
    stack = [schema]
    while stack and len(out) < 64:
        node = stack.pop(0)
        if not isinstance(node, Mapping) or id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        target = _follow(document, node, frozenset())
        if target is not None:
            stack.append(target)
        for keyword in keywords:
            branches = node.get(keyword)
            if isinstance(branches, list):
                stack.extend(branches)
    return out


# --- coercion plans ------------------------------------------------------------------------


def _to_boolean(raw: str) -> Any:
    return True if raw == "true" else False if raw == "false" else _NO_MATCH


def _to_integer(raw: str) -> Any:
    return int(raw) if _INTEGER.match(raw) else _NO_MATCH


def _to_number(raw: str) -> Any:
    if not _NUMBER.match(raw):
        return _NO_MATCH
    if _INTEGER.match(raw):
        return int(raw)
    number = float(raw)
    return number if math.isfinite(number) else _NO_MATCH


def _to_null(raw: str) -> Any:
    return None if raw == "null" else _NO_MATCH


def _to_null_or_empty(raw: str) -> Any:
    return None if raw in ("null", "") else _NO_MATCH


@dataclass(frozen=True, slots=True)
class Coercion:
    """How raw strings become typed values for one schema; computed once, applied per request.

    ``kind`` is the shape the style extracts (``scalar``, ``array`` or ``object``);
    ``parsers`` are the scalar conversions to try in order, the string itself being the
    fallback.
    """

    kind: str = "scalar"
    parsers: tuple[Callable[[str], Any], ...] = ()
    items: Coercion | None = None
    properties: Mapping[str, Coercion] = field(default_factory=dict)
    additional: Coercion | None = None

    def scalar(self, raw: str) -> Any:
        """``raw`` converted to the first scalar type that fits, else unchanged."""
        for parse in self.parsers:
            value = parse(raw)
            if value is not _NO_MATCH:
                return value
        return raw

    def property(self, name: str) -> Coercion:
        """The plan for one property of an object."""
        return self.properties.get(name) or self.additional or KEEP

    def apply(self, raw: Any) -> Any:
        """Coerce what a style extracted: a string, a list of strings or a dict of strings."""
        if isinstance(raw, str):
            return self.scalar(raw)
        if isinstance(raw, list):
            item = self.items or KEEP
            return [item.apply(x) for x in raw]
        if isinstance(raw, dict):
            return {k: self.property(k).apply(v) for k, v in raw.items()}
        return raw  # params.Malformed, passed on for the validator to report


# The plan that changes nothing: text stays text.
KEEP = Coercion()


def coercion_for(schema: Any, document: Mapping[str, Any], *, depth: int = 0) -> Coercion:
    """Build the coercion plan of ``schema`` (local ``$ref``s resolve in ``document``)."""
    types = schema_types(schema, document)
    if types is None or depth > _MAX_DEPTH:
        return KEEP
    if "array" in types:
        items: Coercion | None = None
        for member in schema_members(schema, document):
            if isinstance(member.get("items"), Mapping | bool):
                items = coercion_for(member["items"], document, depth=depth + 1)
                break
        return Coercion(kind="array", items=items)
    if "object" in types:
        properties: dict[str, Coercion] = {}
        additional: Coercion | None = None
        for member in schema_members(schema, document):
            declared = member.get("properties")
            for name, sub in declared.items() if isinstance(declared, Mapping) else ():
                if name not in properties:
                    properties[name] = coercion_for(sub, document, depth=depth + 1)
            extra = member.get("additionalProperties")
            if additional is None and isinstance(extra, Mapping):
                additional = coercion_for(extra, document, depth=depth + 1)
        return Coercion(kind="object", properties=properties, additional=additional)
    parsers: list[Callable[[str], Any]] = []
    if "boolean" in types:
        parsers.append(_to_boolean)
    if "number" in types:
        parsers.append(_to_number)
    elif "integer" in types:
        parsers.append(_to_integer)
    if "null" in types:
        # An empty value means null only when an empty string is not a valid reading of it.
        parsers.append(_to_null if "string" in types else _to_null_or_empty)
    return Coercion(kind="scalar", parsers=tuple(parsers))


def object_properties(schema: Any, document: Mapping[str, Any]) -> dict[str, Any]:
    """The property schemas of an object schema, gathered through ``$ref`` and combinators."""
    out: dict[str, Any] = {}
    for member in schema_members(schema, document):
        properties = member.get("properties")
        if isinstance(properties, Mapping):
            for name, sub in properties.items():
                out.setdefault(str(name), sub)
    return out


class SchemaFacts:
    """`schema_types`, `object_properties` and `schema_members` of one document, memoized.

    The document does not change once loaded, so what a schema admits is worked out at its
    first use and then looked up by the schema's identity: the request path never walks
    ``$ref``s and combinators again. Each entry keeps its schema alive and is checked against
    it, so an id reused by a later object cannot hit a stale entry.
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._types: dict[int, tuple[Any, frozenset[str] | None]] = {}
        self._properties: dict[int, tuple[Any, dict[str, Any]]] = {}
        self._members: dict[int, tuple[Any, list[Mapping[str, Any]]]] = {}
        self._required: dict[int, tuple[Any, tuple[str, ...]]] = {}

    def types(self, schema: Any) -> frozenset[str] | None:
        """`schema_types` of ``schema``."""
        entry = self._types.get(id(schema))
        if entry is None or entry[0] is not schema:
            entry = self._types[id(schema)] = (schema, schema_types(schema, self.document))
        return entry[1]

    def properties(self, schema: Any) -> dict[str, Any]:
        """`object_properties` of ``schema`` (shared: do not change it)."""
        entry = self._properties.get(id(schema))
        if entry is None or entry[0] is not schema:
            entry = self._properties[id(schema)] = (
                schema,
                object_properties(schema, self.document),
            )
        return entry[1]

    def members(self, schema: Any) -> list[Mapping[str, Any]]:
        """`schema_members` of ``schema`` (shared: do not change it)."""
        entry = self._members.get(id(schema))
        if entry is None or entry[0] is not schema:
            entry = self._members[id(schema)] = (schema, schema_members(schema, self.document))
        return entry[1]

    def required(self, schema: Any) -> tuple[str, ...]:
        """The property names every value of ``schema`` holds, sorted: its own, its ``$ref``'s
        and its ``allOf`` members'. Not an ``anyOf``/``oneOf`` branch's: a value takes one
        branch, and filling in every branch's (Stripe's ``source``: charge, transfer and 14
        more) made records of megabytes that no branch admits."""
        entry = self._required.get(id(schema))
        if entry is None or entry[0] is not schema:
            names: set[str] = set()
            for member in schema_members(schema, self.document, ("allOf",)):
                names.update(member.get("required") or [])
            entry = self._required[id(schema)] = (schema, tuple(sorted(names)))
        return entry[1]
