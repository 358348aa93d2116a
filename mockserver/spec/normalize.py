"""Walk an OpenAPI document's schemas, convert 3.0 schemas to 3.1, and build request/response views.

After `normalize`, every schema is JSON Schema 2020-12, so the rest of mockserver handles one
dialect. The walkers follow local ``$ref``s (the loader has made every reference local) and
tolerate malformed documents, because ``load_spec(validate=False)`` and ``lint`` feed them
documents that may be invalid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from mockserver.spec import pointer as jp
from mockserver.spec.regex import is_ecma_regex
from mockserver.spec.siblings import keep_referenced

__all__ = [
    "HTTP_METHODS",
    "Operation",
    "Visit",
    "iter_operations",
    "iter_schemas",
    "local_target",
    "normalize",
    "walk",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Subschema keywords of JSON Schema 2020-12 plus older spellings OpenAPI 3.0 authors use:
# "map" holds named subschemas, "single" one subschema, "list" subschemas in a list.
_SUBSCHEMA_SHAPES = {
    **dict.fromkeys(
        ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"), "map"
    ),
    "dependencies": "map",  # draft 7: values are schemas or lists of names
    **dict.fromkeys(
        (
            *("additionalProperties", "additionalItems", "unevaluatedItems"),
            *("unevaluatedProperties", "contains", "propertyNames", "not"),
            *("if", "then", "else", "contentSchema"),
        ),
        "single",
    ),
    **dict.fromkeys(("allOf", "anyOf", "oneOf", "prefixItems"), "list"),
    "items": "single",  # a list of schemas too (draft 4-7 tuples): handled below
}

# What an OpenAPI object of each kind contains: keyword -> (kind of the value, is it a name map).
_CHILDREN: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "document": (("paths", "path_item", True), ("webhooks", "path_item", True)),
    "components": (
        ("schemas", "schema", True),
        ("parameters", "parameter", True),
        ("responses", "response", True),
        ("requestBodies", "request_body", True),
        ("headers", "header", True),
        ("callbacks", "callback", True),
        ("pathItems", "path_item", True),
    ),
    "path_item": (
        ("parameters", "parameter", False),
        *((method, "operation", False) for method in HTTP_METHODS),
    ),
    "operation": (
        ("parameters", "parameter", False),
        ("requestBody", "request_body", False),
        ("responses", "response", True),
        ("callbacks", "callback", True),
    ),
    "parameter": (("schema", "schema", False), ("content", "media", True)),
    "header": (("schema", "schema", False), ("content", "media", True)),
    "media": (
        ("schema", "schema", False),
        ("itemSchema", "schema", False),
        ("encoding", "encoding", True),
    ),
    "encoding": (("headers", "header", True),),
    "response": (("headers", "header", True), ("content", "media", True)),
    "request_body": (("content", "media", True),),
}

# Keywords that, next to ``nullable: true`` but without ``type``, would still reject null;
# they move into the first branch of ``anyOf: [<them>, {type: "null"}]``.
_NULL_REJECTING = ("$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else")


class Visit(NamedTuple):
    """One node found by `walk`: what it is, where, and how it was reached."""

    kind: str  # "schema", "parameter", "response", "path_item", "operation", ...
    pointer: str
    node: Any
    origin: Literal["object", "ref", "inline"]  # inline: a subschema written inside a schema


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of ``paths``, with the path item it belongs to (references resolved)."""

    pointer: str
    path: str
    method: str
    operation: dict[str, Any]
    path_item: dict[str, Any]


def iter_operations(document: dict[str, Any]) -> Iterator[Operation]:
    """Yield every operation under ``paths`` in document order."""
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        item_pointer, path_item = jp.follow(document, item, jp.join(["paths", path]))
        if not isinstance(path_item, dict):
            continue
        for method in HTTP_METHODS:
            operation = path_item.get(method)
            if isinstance(operation, dict):
                pointer = f"{item_pointer}/{method}"
                yield Operation(pointer, path, method, operation, path_item)


def walk(document: dict[str, Any]) -> Iterator[Visit]:
    """Yield every OpenAPI object and schema reachable in the document, each once per kind.

    Reachable means under ``paths``, ``webhooks`` or ``components``, inside another schema, or
    as the target of a local ``$ref``. Reference Objects themselves are not yielded, their
    targets are (schemas with ``$ref`` are yielded too: in 3.1 their siblings apply).
    """
    seen: set[tuple[int, str]] = set()
    stack: list[Visit] = [Visit("document", "", document, "object")]
    while stack:
        visit = stack.pop()
        kind, pointer, node = visit.kind, visit.pointer, visit.node
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = local_target(document, ref)
            if target is not None:
                stack.append(Visit(kind, target[0], target[1], "ref"))
            if kind != "schema":
                # A Reference Object's siblings are only summary/description: nothing to walk.
                continue
        if (id(node), kind) in seen:
            continue
        seen.add((id(node), kind))
        yield visit
        if kind == "schema":
            stack.extend(
                Visit("schema", at, sub, "inline") for at, sub in _subschemas(node, pointer)
            )
            stack.extend(_mapped_schemas(document, node))
        elif kind == "callback":
            stack.extend(
                Visit("path_item", f"{pointer}/{jp.escape(name)}", item, "object")
                for name, item in node.items()
            )
        else:
            stack.extend(_children(kind, node, pointer))


def iter_schemas(
    document: dict[str, Any], *, roots_only: bool = False
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(pointer, schema)`` once for every object schema reachable in the document.

    With ``roots_only``, subschemas written inline in another schema are skipped (every
    schema is then a yielded one or inside one).
    """
    for visit in walk(document):
        if visit.kind == "schema" and not (roots_only and visit.origin == "inline"):
            yield visit.pointer, visit.node


class Reread(NamedTuple):
    """A place of the document normalizing did not keep as written, and why."""

    pointer: str
    message: str
    hint: str


_NOT_ECMA = (
    "this pattern is not an ECMA-262 regular expression: it is not enforced and not used for "
    "generation",
    "write the pattern as JSON Schema reads it (ECMA-262, Unicode mode)",
)
_CLOSED_ALL_OF = (
    "additionalProperties: false beside allOf allows none of the members' properties; read "
    "as unevaluatedProperties: false",
    "write unevaluatedProperties: false, which sees the properties of the allOf members",
)


def normalize(
    document: dict[str, Any],
    *,
    dropped: list[Reread] | None = None,
    schemas: list[tuple[str, dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Convert a 3.0 document's schemas to 3.1 in place (3.1 input only gains ``examples``).

    A ``pattern`` (or ``patternProperties`` key) that is no ECMA-262 regex is removed, so the
    rest of its schema is still enforced and generated. ``additionalProperties: false`` beside
    an ``allOf`` (which would allow none of the members' properties) is read as meant,
    ``unevaluatedProperties: false``. Each such change is added to ``dropped``.
    Every object schema of the result is appended to ``schemas`` (what `iter_schemas` would
    yield now), so later passes need not walk the document again.
    """
    version = document.get("openapi")
    legacy = isinstance(version, str) and version.startswith("3.0")
    ignored: dict[str, dict[str, Any]] = {}  # 3.0: the siblings of $refs, by the $ref's pointer

    def upgrade(pointer: str, schema: dict[str, Any]) -> None:
        if schemas is not None:
            schemas.append((pointer, schema))
        if legacy:
            if siblings := _upgrade_schema(schema):
                ignored[pointer] = siblings
        else:
            # Draft-4 style boolean bounds are invalid in 3.1 but common; read them as meant.
            _upgrade_bounds(schema)
        if isinstance(schema.get("pattern"), str):
            schema["pattern"] = literal_braces(schema["pattern"])
            if not is_ecma_regex(schema["pattern"]):
                del schema["pattern"]
                if dropped is not None:
                    dropped.append(Reread(f"{pointer}/pattern", *_NOT_ECMA))
        properties = schema.get("patternProperties")
        for key in list(properties) if isinstance(properties, dict) else ():
            if not is_ecma_regex(literal_braces(key)):
                del schema["patternProperties"][key]
                if dropped is not None:
                    at = f"{pointer}/patternProperties/{jp.escape(key)}"
                    dropped.append(Reread(at, *_NOT_ECMA))
        if schema.get("additionalProperties") is False and isinstance(schema.get("allOf"), list):
            del schema["additionalProperties"]
            schema.setdefault("unevaluatedProperties", False)
            if dropped is not None:
                dropped.append(Reread(f"{pointer}/additionalProperties", *_CLOSED_ALL_OF))
        if "example" in schema and "examples" not in schema:
            # Generators read one keyword; 2020-12 calls it `examples`, 3.0 only has `example`.
            schema["examples"] = [schema["example"]]

    # Each schema is upgraded as the walk yields it, before its subschemas are walked: what
    # an upgrade drops (the siblings of a 3.0 $ref) is not walked, what it adds is.
    for pointer, schema in iter_schemas(document):
        upgrade(pointer, schema)
    if ignored:
        keep_referenced(document, ignored, lambda node, at: _upgrade_tree(node, at, upgrade))
    if legacy:
        document["openapi"] = "3.1.0"
    return document


def _upgrade_tree(
    schema: dict[str, Any], pointer: str, upgrade: Callable[[str, dict[str, Any]], None]
) -> None:
    """Apply ``upgrade`` to ``schema`` and then to each of its subschemas, outside any walk."""
    stack = [(pointer, schema)]
    while stack:
        at, node = stack.pop()
        upgrade(at, node)
        stack.extend(
            (sub_at, sub) for sub_at, sub in _subschemas(node, at) if isinstance(sub, dict)
        )


def local_target(document: dict[str, Any], ref: str) -> tuple[str, Any] | None:
    if not ref.startswith("#/"):
        return None
    pointer = jp.pointer_from_ref(ref)
    try:
        return pointer, jp.resolve(document, pointer)
    except jp.PointerError:
        return None


def _children(kind: str, node: dict[str, Any], pointer: str) -> Iterator[Visit]:
    if kind == "document" and isinstance(node.get("components"), dict):
        yield Visit("components", "/components", node["components"], "object")
    for keyword, child_kind, is_map in _CHILDREN.get(kind, ()):
        child = node.get(keyword)
        at = f"{pointer}/{jp.escape(keyword)}"
        if is_map and isinstance(child, dict):
            for name, value in child.items():
                yield Visit(child_kind, f"{at}/{jp.escape(name)}", value, "object")
        elif isinstance(child, list):
            for i, value in enumerate(child):
                yield Visit(child_kind, f"{at}/{i}", value, "object")
        elif not is_map:
            yield Visit(child_kind, at, child, "object")


def _mapped_schemas(document: dict[str, Any], schema: dict[str, Any]) -> Iterator[Visit]:
    """Schemas a discriminator mapping names by reference (they may be referenced nowhere else)."""
    discriminator = schema.get("discriminator")
    mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
    for value in mapping.values() if isinstance(mapping, dict) else ():
        target = local_target(document, value) if isinstance(value, str) else None
        if target is not None:
            yield Visit("schema", target[0], target[1], "ref")


def _subschemas(schema: dict[str, Any], pointer: str) -> Iterator[tuple[str, Any]]:
    # Looping over the schema's own keys is faster than probing all ~20 keywords: most
    # schemas have a handful of keys.
    for keyword, value in schema.items():
        shape = _SUBSCHEMA_SHAPES.get(keyword)
        if shape is None:
            continue
        if isinstance(value, dict):
            if shape == "map":
                at = f"{pointer}/{jp.escape(keyword)}"
                for name, child in value.items():
                    if keyword != "dependencies" or isinstance(child, dict):
                        yield f"{at}/{jp.escape(name)}", child
            elif shape == "single":
                yield f"{pointer}/{keyword}", value
        elif isinstance(value, list) and (shape == "list" or keyword == "items"):
            for i, child in enumerate(value):
                yield f"{pointer}/{keyword}/{i}", child


def _upgrade_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite one OpenAPI 3.0 schema (not its subschemas) as JSON Schema 2020-12.

    Returns the siblings of a ``$ref`` it dropped (empty when none).
    """
    siblings: dict[str, Any] = {}
    if "$ref" in schema:
        # 3.0: a Reference Object "cannot be extended", so assertions beside $ref (a `type`
        # that contradicts the target, say) are ignored; 3.1 applies them, as JSON Schema
        # 2020-12 does. Annotations stay, and so does `nullable`, which only widens what is
        # accepted and is how 3.0 specs commonly say "this reference or null".
        ignored = [k for k in schema if k not in _REF_SIBLINGS_KEPT and not k.startswith("x-")]
        siblings = {key: schema.pop(key) for key in ignored}
    _upgrade_bounds(schema)
    if schema.pop("nullable", None) is True:
        _allow_null(schema)
    return siblings


_REF_SIBLINGS_KEPT = frozenset(
    {"$ref", "nullable", "description", "title", "readOnly", "writeOnly", "deprecated",
     "example", "examples", "default", "externalDocs", "xml"}
)  # fmt: skip
_QUANTIFIER = re.compile(r"\{\d+(,\d*)?\}")


def literal_braces(pattern: str) -> str:
    """Escape ``{`` and ``}`` that are not quantifiers, as ECMA-262 Annex B reads them."""
    if "{" not in pattern and "}" not in pattern:
        return pattern
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            end = i + 2
            # \p{L}, \P{C}, \u{1F600}: the braces belong to the escape (ECMA-262 Unicode mode).
            if pattern[i + 1 : i + 3] in ("p{", "P{", "u{") and "}" in pattern[i + 3 :]:
                end = pattern.index("}", i + 3) + 1
            out.append(pattern[i:end])
            i = end
            continue
        if char == "{":
            quantifier = _QUANTIFIER.match(pattern, i)
            if quantifier is not None:
                out.append(quantifier.group())
                i = quantifier.end()
                continue
            out.append("\\{")
        elif char == "}":
            out.append("\\}")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _upgrade_bounds(schema: dict[str, Any]) -> None:
    for bound in ("minimum", "maximum"):
        keyword = "exclusive" + bound.capitalize()
        flag = schema.get(keyword)
        if isinstance(flag, bool):
            del schema[keyword]
            limit = schema.get(bound)
            if flag and isinstance(limit, int | float) and not isinstance(limit, bool):
                schema[keyword] = schema.pop(bound)


def _allow_null(schema: dict[str, Any]) -> None:
    kind = schema.get("type")
    if isinstance(kind, str) and kind != "null":
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        kind.append("null")
    enum = schema.get("enum")
    if isinstance(enum, list) and None not in enum:
        enum.append(None)
    moved = {keyword: schema.pop(keyword) for keyword in _NULL_REJECTING if keyword in schema}
    if not moved:
        return
    if "discriminator" in schema and ("oneOf" in moved or "anyOf" in moved):
        # Tools look for the discriminator next to the oneOf/anyOf it describes.
        moved["discriminator"] = schema.pop("discriminator")
    # Everything left (properties, readOnly, title, ...) passes null, so it stays where it was
    # and pointers into it keep working.
    schema["anyOf"] = [moved, {"type": "null"}]
