"""What a schema means, read for comparison: `$ref`s followed, ``allOf`` merged, null set apart.

Two documents may say the same thing differently: a component renamed, a 3.0 ``nullable``
normalized into ``anyOf: [X, {type: null}]``, properties split into ``allOf`` members. A
`SchemaView` reads past those spellings, and `fingerprint` gives a schema's content with every
local ``$ref`` inlined, so branches of ``oneOf``/``anyOf`` are matched by what they say, not by
the name of the component they point at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mockserver.spec import pointer as jp

__all__ = ["Located", "SchemaView", "fingerprint", "resolve", "view"]

# A node of a document and its JSON pointer there.
Located = tuple[Any, str]

BOUNDS = (
    "maxLength",
    "maxItems",
    "maxProperties",
    "maximum",
    "exclusiveMaximum",
    "minLength",
    "minItems",
    "minProperties",
    "minimum",
    "exclusiveMinimum",
)
# Words that do not change what is valid: ignored when branches are matched by content.
_ANNOTATIONS = frozenset(
    ("description", "title", "example", "examples", "$comment", "externalDocs", "deprecated")
)
_MAX_DEPTH = 64  # of allOf members and inlined $refs; past it a schema is compared no deeper


def resolve(document: Any, node: Any, pointer: str) -> Located:
    """``node`` (at ``pointer``) with its local ``$ref`` chain followed, and where it ends."""
    pointer, node = jp.follow(document, node, pointer)
    return node, pointer


@dataclass(slots=True)
class SchemaView:
    """The keywords of a schema a diff compares, each subschema kept with its pointer."""

    pointer: str
    types: frozenset[str] | None = None  # None: any type; "null" is kept in `nullable`
    nullable: bool = False
    enum: list[Any] | None = None  # without null
    properties: dict[str, Located] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    closed: bool = False  # additionalProperties (or unevaluatedProperties) false
    items: Located | None = None
    branches: list[Located] = field(default_factory=list)  # oneOf/anyOf, the null branch apart
    bounds: dict[str, float] = field(default_factory=dict)
    pattern: str | None = None
    read_only: bool = False
    write_only: bool = False
    deprecated: bool = False
    default: list[Any] = field(default_factory=list)  # [the default] when one is declared
    discriminator: Located | None = None  # the discriminator object of the oneOf/anyOf


def view(document: Any, schema: Any, pointer: str) -> SchemaView:
    """The `SchemaView` of ``schema`` found at ``pointer`` in ``document``."""
    schema, pointer = resolve(document, schema, pointer)
    out = SchemaView(pointer)
    _read(document, schema, pointer, out, depth=0)
    return out


def _read(document: Any, schema: Any, pointer: str, out: SchemaView, *, depth: int) -> None:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return
    members = schema.get("allOf")
    for index, member in enumerate(members if isinstance(members, list) else ()):
        node, at = resolve(document, member, f"{pointer}/allOf/{index}")
        _read(document, node, at, out, depth=depth + 1)
    _read_type(schema, out)
    if isinstance(schema.get("enum"), list):
        values = schema["enum"]
        out.nullable |= None in values
        out.enum = [value for value in values if value is not None]
    if "const" in schema:
        out.nullable |= schema["const"] is None
        out.enum = [] if schema["const"] is None else [schema["const"]]
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            out.properties[name] = (sub, f"{pointer}/properties/{jp.escape(str(name))}")
    if isinstance(schema.get("required"), list):
        out.required.update(name for name in schema["required"] if isinstance(name, str))
    out.closed |= schema.get("additionalProperties") is False
    out.closed |= schema.get("unevaluatedProperties") is False
    if isinstance(schema.get("items"), dict):
        out.items = (schema["items"], f"{pointer}/items")
    for keyword in BOUNDS:
        value = schema.get(keyword)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.bounds[keyword] = value
    if isinstance(schema.get("pattern"), str):
        out.pattern = schema["pattern"]
    out.read_only |= schema.get("readOnly") is True
    out.write_only |= schema.get("writeOnly") is True
    out.deprecated |= schema.get("deprecated") is True
    if "default" in schema:
        out.default = [schema["default"]]
    if isinstance(schema.get("discriminator"), dict):
        out.discriminator = (schema["discriminator"], f"{pointer}/discriminator")
    for keyword in ("oneOf", "anyOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list):
            _read_branches(document, branches, f"{pointer}/{keyword}", out, depth=depth)


def _read_type(schema: dict[str, Any], out: SchemaView) -> None:
    declared = schema.get("type")
    if isinstance(declared, str):
        declared = [declared]
    if not isinstance(declared, list):
        return
    names = {name for name in declared if isinstance(name, str)}
    out.nullable |= "null" in names
    names.discard("null")
    # allOf members and the schema itself: a value must satisfy each, so the types intersect.
    out.types = frozenset(names) if out.types is None else out.types & names


def _read_branches(
    document: Any, branches: list[Any], pointer: str, out: SchemaView, *, depth: int
) -> None:
    located = [resolve(document, branch, f"{pointer}/{i}") for i, branch in enumerate(branches)]
    kept = [(node, at) for node, at in located if not _is_null(node)]
    if len(kept) < len(located):
        out.nullable = True
    if len(kept) == 1 and len(located) == 2:
        # `anyOf: [X, {type: null}]` (how 3.0's `nullable` on a $ref reads in 3.1): X itself.
        _read(document, kept[0][0], kept[0][1], out, depth=depth + 1)
        return
    out.branches.extend(kept)


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "null" or schema.get("type") == ["null"] or schema == {"const": None}
    )


def fingerprint(document: Any, schema: Any) -> str:
    """``schema``'s content with local ``$ref``s inlined and annotations left out, as text.

    Equal for two schemas that validate alike however their components are named; a ``$ref``
    back into a schema being inlined (recursion) becomes its distance up the chain, which does
    not depend on names either.
    """
    return json.dumps(_inline(document, schema, ()), sort_keys=True, default=repr)


def _inline(document: Any, node: Any, chain: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(document, item, chain) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    rest = {
        key: _inline(document, value, chain)
        for key, value in node.items()
        if key != "$ref" and key not in _ANNOTATIONS and not str(key).startswith("x-")
    }
    if not isinstance(ref, str) or not ref.startswith("#"):
        return rest if ref is None else {**rest, "$ref": ref}
    target = jp.pointer_from_ref(ref)
    if target in chain:
        return {**rest, "$cycle": len(chain) - chain.index(target)}
    if len(chain) > _MAX_DEPTH:
        return {**rest, "$deep": True}
    try:
        inlined = _inline(document, jp.resolve(document, target), (*chain, target))
    except jp.PointerError:
        return {**rest, "$ref": ref}
    return inlined if not rest else {"allOf": [inlined], **rest}
