"""Hypothesis strategies for varied, satisfiable OpenAPI 3.1 schemas inside a root document.

``documents()`` draws ``(document, schema)``: ``schema`` is
``document["components"]["schemas"]["Root"]`` and may ``$ref`` every other component. Every
drawn schema has at least one valid value in both directions (constraints are drawn consistent
with each other), so a generator that raises or returns an invalid value is at fault.

Conventions the checks in tests rely on: ``writeOnly`` properties are named ``secret...`` and
``readOnly`` ones ``server...``; no other property or generated key starts with those words.
"""

from __future__ import annotations

from typing import Any, Final

from hypothesis import strategies as st

__all__ = ["FIXED_COMPONENTS", "FORMATS", "PATTERNS", "documents", "schemas"]

Schema = dict[str, Any]

FORMATS: Final = (
    "uuid",
    "email",
    "idn-email",
    "date-time",
    "date",
    "time",
    "duration",
    "uri",
    "url",
    "uri-reference",
    "iri",
    "hostname",
    "ipv4",
    "ipv6",
    "byte",
    "binary",
    "password",
    "regex",
    "json-pointer",
)
PATTERNS: Final = (
    r"^[a-z]{3,8}$",
    r"^[A-Z]{2}-\d{4}$",
    r"^(foo|bar)+$",
    r"^\w+@\w+\.com$",
    r"^#[0-9a-f]{6}$",
    r"[0-9]",
    r"^v\d+(\.\d+){0,2}$",
    r"^[^\s]{1,5}$",
)
NAMES: Final = (
    "id",
    "email",
    "firstName",
    "last_name",
    "title",
    "description",
    "phone",
    "city",
    "country",
    "currency",
    "website",
    "createdAt",
    "updated_at",
    "price",
    "quantity",
    "status",
    "name",
    "count",
    "flag",
    "score",
    "note",
    "zip",
    "tags",
)

_REF = "#/components/schemas/"
FIXED_COMPONENTS: Final[dict[str, Schema]] = {
    "Tree": {
        "type": "object",
        "required": ["label"],
        "properties": {
            "label": {"type": "string", "maxLength": 20},
            "children": {"type": "array", "items": {"$ref": _REF + "Tree"}},
        },
    },
    # Required but nullable self-reference: terminates only by choosing null.
    "Node": {
        "type": "object",
        "required": ["value", "next"],
        "properties": {
            "value": {"type": "integer"},
            "next": {"oneOf": [{"$ref": _REF + "Node"}, {"type": "null"}]},
        },
    },
    "Cat": {
        "type": "object",
        "required": ["petType", "lives"],
        "properties": {
            "petType": {"type": "string"},
            "lives": {"type": "integer", "minimum": 1, "maximum": 9},
        },
    },
    "Dog": {
        "type": "object",
        "required": ["petType", "bark"],
        "properties": {"petType": {"type": "string"}, "bark": {"type": "boolean"}},
    },
    "Base": {
        "type": "object",
        "required": ["baseId", "secretToken"],
        "properties": {
            "baseId": {"type": "string", "format": "uuid", "readOnly": False},
            "secretToken": {"type": "string", "writeOnly": True, "minLength": 8},
        },
    },
    "A/B~C": {"type": "integer", "minimum": 5, "maximum": 10},  # needs ~1 and ~0 escapes
    "Sp ace": {"type": "string", "format": "date"},  # needs percent-encoding
}
_FIXED_REFS: Final = (
    _REF + "Tree",
    _REF + "Node",
    _REF + "Cat",
    _REF + "A~1B~0C",
    _REF + "Sp%20ace",
)


@st.composite
def _strings(draw: st.DrawFn) -> Schema:
    shape = draw(st.sampled_from(["plain", "format", "pattern", "bounded-pattern", "example"]))
    if shape == "format":
        return {"type": "string", "format": draw(st.sampled_from(FORMATS))}
    if shape == "pattern":
        return {"type": "string", "pattern": draw(st.sampled_from(PATTERNS))}
    if shape == "bounded-pattern":
        low = draw(st.integers(1, 6))
        return {"type": "string", "pattern": "^[a-z]+$", "minLength": low, "maxLength": low + 3}
    if shape == "example":
        return {"type": "string", "maxLength": 10, "examples": ["fine", "far too long to fit"]}
    schema: Schema = {"type": "string"}
    minimum = draw(st.none() | st.integers(0, 12))
    if minimum is not None:
        schema["minLength"] = minimum
    high = draw(st.none() | st.integers(minimum or 0, 30))
    if high is not None:
        schema["maxLength"] = high
    return schema


@st.composite
def _integers(draw: st.DrawFn) -> Schema:
    schema: Schema = {"type": "integer"}
    step = draw(st.none() | st.sampled_from([2, 3, 5, 10, 0.5, 2.5]))
    start = draw(st.integers(-1000, 1000))
    span = draw(st.integers(2, 50)) * (int(step) + 1 if step else 1)
    if step is not None:
        schema["multipleOf"] = step
    # An interval two steps wide always holds a multiple, even with open ends.
    shape = draw(st.sampled_from(["none", "closed", "open", "low", "high", "format"]))
    if shape == "closed":
        schema.update(minimum=start, maximum=start + span)
    elif shape == "open":
        schema.update(exclusiveMinimum=start, exclusiveMaximum=start + span + 1)
    elif shape == "low":
        schema["minimum"] = start
    elif shape == "high":
        schema["exclusiveMaximum"] = start
    elif shape == "format":
        schema["format"] = draw(st.sampled_from(["int32", "int64"]))
    return schema


@st.composite
def _numbers(draw: st.DrawFn) -> Schema:
    schema: Schema = {"type": "number"}
    step = draw(st.none() | st.sampled_from([0.5, 0.25, 0.1, 0.01, 2.5, 3]))
    if step is not None:
        schema["multipleOf"] = step
    low = draw(st.floats(-1e4, 1e4, allow_nan=False).map(lambda x: round(x, 3)))
    width = draw(st.floats(6, 1e4).map(lambda x: round(x, 3)))
    bounds = draw(st.sampled_from(["none", "closed", "open", "low"]))
    if bounds == "closed":
        schema.update(minimum=low, maximum=low + width)
    elif bounds == "open":
        schema.update(exclusiveMinimum=low, exclusiveMaximum=low + width)
    elif bounds == "low":
        schema["minimum"] = low
    if draw(st.booleans()):
        schema["format"] = draw(st.sampled_from(["float", "double"]))
    return schema


_scalar_values = st.none() | st.booleans() | st.integers(-100, 100) | st.text(max_size=8)


@st.composite
def _enums(draw: st.DrawFn) -> Schema:
    values = draw(st.lists(_scalar_values, min_size=1, max_size=5, unique_by=repr))
    if draw(st.booleans()):
        return {"const": values[0]}
    return {"enum": values}


def _leaves() -> st.SearchStrategy[Schema]:
    plain = st.one_of(
        _strings(),
        _integers(),
        _numbers(),
        _enums(),
        st.just({"type": "boolean"}),
        st.just({"type": "null"}),
        st.just({"type": "integer", "minimum": 0, "maximum": 10, "examples": [3, 99]}),
    )
    nullable = st.one_of(_strings(), _integers()).map(lambda s: {**s, "type": [s["type"], "null"]})
    refs = st.sampled_from(_FIXED_REFS).map(lambda ref: {"$ref": ref})
    return st.one_of(plain, nullable, refs)


@st.composite
def _objects(draw: st.DrawFn, children: st.SearchStrategy[Schema]) -> Schema:
    names = draw(st.lists(st.sampled_from(NAMES), max_size=5, unique=True))
    props: dict[str, Any] = {name: draw(children) for name in names}
    secrets = [f"secret{i}" for i in range(draw(st.integers(0, 2)))]
    servers = [f"server{i}" for i in range(draw(st.integers(0, 1)))]
    props.update({name: {"type": "string", "writeOnly": True} for name in secrets})
    props.update({name: {"type": "integer", "readOnly": True} for name in servers})
    required = draw(st.lists(st.sampled_from(list(props)), unique=True)) if props else []
    schema: Schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    extra = draw(st.sampled_from(["absent", "false", "schema", "patterns"]))
    if extra == "false":
        schema["additionalProperties"] = False
    elif extra == "schema":
        schema["additionalProperties"] = draw(_leaves())
    elif extra == "patterns":
        schema["patternProperties"] = {"^x-[a-z]{1,5}$": {"type": "string", "maxLength": 8}}
    if draw(st.booleans()):
        visible = len(names)  # properties neither readOnly nor writeOnly
        schema["minProperties"] = draw(st.integers(0, visible))
        schema["maxProperties"] = draw(st.integers(max(len(required), visible), visible + 3))
    return schema


@st.composite
def _arrays(draw: st.DrawFn, children: st.SearchStrategy[Schema]) -> Schema:
    shape = draw(st.sampled_from(["items", "unique", "prefix", "contains"]))
    low = draw(st.integers(0, 3))
    high = low + draw(st.integers(0, 3))
    if shape == "unique":
        rich = st.sampled_from(
            [{"type": "string", "format": "uuid"}, {"type": "integer"}, {"type": "string"}]
        )
        return {"type": "array", "items": draw(rich), "uniqueItems": True, "minItems": low}
    if shape == "prefix":
        prefix = draw(st.lists(_leaves(), min_size=1, max_size=3))
        closed = draw(st.booleans())
        return {
            "type": "array",
            "prefixItems": prefix,
            "items": False if closed else draw(children),
            "minItems": min(low, len(prefix)) if closed else low,
        }
    if shape == "contains":
        return {
            "type": "array",
            "items": {"type": "string", "maxLength": 12},
            "contains": {"const": "needle"},
            "minContains": draw(st.integers(1, 2)),
            "maxItems": high + 2,
        }
    return {"type": "array", "items": draw(children), "minItems": low, "maxItems": high}


@st.composite
def _one_ofs(draw: st.DrawFn, children: st.SearchStrategy[Schema]) -> Schema:
    shape = draw(st.sampled_from(["types", "kinds", "pets", "pets-mapped"]))
    if shape == "pets":
        return {
            "oneOf": [{"$ref": _REF + "Cat"}, {"$ref": _REF + "Dog"}],
            "discriminator": {"propertyName": "petType"},
        }
    if shape == "pets-mapped":
        return {
            "oneOf": [{"$ref": _REF + "Cat"}, {"$ref": _REF + "Dog"}],
            "discriminator": {
                "propertyName": "petType",
                "mapping": {"cat": _REF + "Cat", "dog": "Dog"},
            },
        }
    if shape == "kinds":
        count = draw(st.integers(1, 3))
        return {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {"kind": {"const": f"k{i}"}, "body": draw(children)},
                }
                for i in range(count)
            ]
        }
    # Branches of distinct JSON types are mutually exclusive by construction.
    kinds = draw(
        st.lists(
            st.sampled_from(["string", "integer", "boolean", "null"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    return {"oneOf": [{"type": kind} for kind in kinds]}


@st.composite
def _composites(draw: st.DrawFn, children: st.SearchStrategy[Schema]) -> Schema:
    shape = draw(st.sampled_from(["anyOf", "allOf", "not", "not-type", "if"]))
    if shape == "anyOf":
        return {"anyOf": draw(st.lists(children, min_size=1, max_size=3))}
    if shape == "allOf":
        extension = {
            "type": "object",
            "required": ["extName"],
            "properties": {"extName": {"type": "string"}, "extCount": draw(children)},
        }
        return {"allOf": [{"$ref": _REF + "Base"}, extension]}
    if shape == "not":
        return {"type": "integer", "minimum": 0, "maximum": 9, "not": {"const": 5}}
    if shape == "not-type":
        return {"type": ["string", "integer"], "not": {"type": "integer"}}
    return {
        "type": "object",
        "required": ["mode"],
        "properties": {"mode": {"enum": ["a", "b"]}, "size": {"type": "integer"}},
        "if": {"properties": {"mode": {"const": "a"}}},
        "then": {"required": ["size"], "properties": {"size": {"minimum": 100}}},
        "else": {"properties": {"size": {"maximum": 0}}},
    }


def schemas(max_leaves: int = 12) -> st.SearchStrategy[Schema]:
    """Schemas of every supported shape, nested a few levels deep."""
    return st.recursive(
        _leaves(),
        lambda children: st.one_of(
            _objects(children), _arrays(children), _one_ofs(children), _composites(children)
        ),
        max_leaves=max_leaves,
    )


@st.composite
def documents(draw: st.DrawFn) -> tuple[Schema, Schema]:
    """A root document with fixed components plus drawn ones, and its ``Root`` schema."""
    components: dict[str, Schema] = {name: dict(s) for name, s in FIXED_COMPONENTS.items()}
    drawn = draw(st.lists(schemas(max_leaves=4), max_size=2))
    for index, schema in enumerate(drawn):
        components[f"Gen{index}"] = schema
    refs = [{"$ref": f"{_REF}Gen{i}"} for i in range(len(drawn))]
    root = draw(schemas() | st.sampled_from(refs) if refs else schemas())
    components["Root"] = root
    document = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    document["components"] = {"schemas": components}
    return document, root
