"""Tests of spec.normalize: the walkers, 3.0 to 3.1 conversion and request/response views."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mockserver.spec import pointer as jp
from mockserver.spec.loader import load_spec
from mockserver.spec.normalize import (
    iter_operations,
    iter_schemas,
    literal_braces,
    normalize,
    walk,
)
from mockserver.spec.views import request_view, response_view

SPECS = Path(__file__).parent.parent / "specs" / "loader"
SPEC_URI = "urn:test:spec"
NULLABLE = {"type": "string", "nullable": True}


def document30(**schemas: Any) -> dict[str, Any]:
    """An OpenAPI 3.0 document holding ``schemas`` as components."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
    }


def keys(node: Any) -> Iterator[str]:
    """Every mapping key anywhere in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from keys(item)


def accepts(document: dict[str, Any], pointer: str, value: Any) -> bool:
    """Whether ``value`` is valid against the schema at ``pointer`` (refs resolved in document)."""
    registry = jsonschema_rs.Registry([(SPEC_URI, document)], draft=jsonschema_rs.Draft202012)
    schema = {"$ref": SPEC_URI + jp.ref_from_pointer(pointer)}
    return bool(jsonschema_rs.validator_for(schema, registry=registry).is_valid(value))


# --- 3.0 to 3.1 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "nullable": True}, {"type": ["string", "null"]}),
        ({"type": "string", "nullable": False}, {"type": "string"}),
        (
            {"type": "string", "enum": ["a", "b"], "nullable": True},
            {"type": ["string", "null"], "enum": ["a", "b", None]},
        ),
        (
            {"type": "string", "enum": ["a", None], "nullable": True},
            {"type": ["string", "null"], "enum": ["a", None]},
        ),
        (
            {"$ref": "#/components/schemas/Other", "nullable": True},
            {"anyOf": [{"$ref": "#/components/schemas/Other"}, {"type": "null"}]},
        ),
        (
            {"allOf": [{"$ref": "#/x"}], "nullable": True, "description": "d", "readOnly": True},
            {
                "description": "d",
                "readOnly": True,
                "anyOf": [{"allOf": [{"$ref": "#/x"}]}, {"type": "null"}],
            },
        ),
        (
            {
                "type": "object",
                "nullable": True,
                "oneOf": [{"$ref": "#/a"}, {"$ref": "#/b"}],
                "discriminator": {"propertyName": "kind"},
            },
            {
                "type": ["object", "null"],
                "anyOf": [
                    {
                        "oneOf": [{"$ref": "#/a"}, {"$ref": "#/b"}],
                        "discriminator": {"propertyName": "kind"},
                    },
                    {"type": "null"},
                ],
            },
        ),
        (
            {"nullable": True, "properties": {"a": {"type": "string"}}},
            {"properties": {"a": {"type": "string"}}},
        ),
        (
            {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            {"type": "integer", "exclusiveMinimum": 0},
        ),
        (
            {"type": "number", "maximum": 5, "exclusiveMaximum": False},
            {"type": "number", "maximum": 5},
        ),
        ({"type": "number", "exclusiveMinimum": True}, {"type": "number"}),
        (
            {"type": "string", "example": "x"},
            {"type": "string", "example": "x", "examples": ["x"]},
        ),
        (
            {"type": "string", "x-nullable": True},
            {"type": "string", "x-nullable": True},
        ),
    ],
)
def test_normalize_converts_3_0_schemas_to_2020_12(
    schema: dict[str, Any], expected: dict[str, Any]
) -> None:
    document = normalize(document30(Target=schema))
    assert document["components"]["schemas"]["Target"] == expected
    assert document["openapi"] == "3.1.0"


def test_normalize_keeps_3_1_documents_as_they_are_except_for_examples() -> None:
    raw = (SPECS / "petstore-3.1.json").read_text()
    spec = load_spec(SPECS / "petstore-3.1.json", validate=False)
    again = normalize(copy.deepcopy(spec.document))
    assert again == spec.document
    # Without `example` keywords nothing is added: the loaded document equals the file.
    assert spec.document == json.loads(raw)


def test_normalize_leaves_3_1_nullable_alone() -> None:
    # `nullable` is not a 3.1 keyword: converting it would change what the author wrote.
    schema = {"type": "string", "nullable": True}
    document = {**document30(Target=dict(schema)), "openapi": "3.1.0"}
    assert normalize(document)["components"]["schemas"]["Target"] == schema


def test_normalize_reads_3_1_boolean_bounds_as_draft_4_meant_them() -> None:
    # Boolean bounds are invalid 2020-12 and would stop the schema compiling at all; public
    # 3.1 specs still carry them, so they are read the one way they can be meant.
    schema = {"type": "number", "maximum": 5, "exclusiveMaximum": True, "exclusiveMinimum": False}
    document = {**document30(Target=dict(schema)), "openapi": "3.1.0"}
    target = normalize(document)["components"]["schemas"]["Target"]
    assert target == {"type": "number", "exclusiveMaximum": 5}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("^{[0-9a-f]{4}}$", "^\\{[0-9a-f]{4}\\}$"),
        ("a{2,}b{3}c{1,2}", "a{2,}b{3}c{1,2}"),
        ("\\{x\\}", "\\{x\\}"),
        ("a{,3}", "a\\{,3\\}"),
        ("no braces", "no braces"),
    ],
)
def test_literal_braces_escapes_only_non_quantifier_braces(pattern: str, expected: str) -> None:
    assert literal_braces(pattern) == expected


def every_location(schema: dict[str, Any]) -> dict[str, Any]:
    """A 3.0 document with a copy of ``schema`` in every place a schema can appear."""

    def s() -> dict[str, Any]:
        return copy.deepcopy(schema)

    def media() -> dict[str, Any]:
        return {
            "application/json": {
                "schema": s(),
                "encoding": {"a": {"headers": {"X-E": {"schema": s()}}}},
            }
        }

    def subschemas() -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"p": s()},
            "patternProperties": {"^x": s()},
            "additionalProperties": s(),
            "items": s(),
            "prefixItems": [s()],
            "allOf": [s()],
            "anyOf": [s()],
            "oneOf": [s()],
            "not": s(),
            "if": s(),
            "then": s(),
            "else": s(),
            "dependentSchemas": {"p": s()},
            "$defs": {"d": s()},
            "definitions": {"d": s()},
            "contains": s(),
            "propertyNames": s(),
            "unevaluatedProperties": s(),
            "unevaluatedItems": s(),
            "dependencies": {"p": s(), "q": ["p"]},
        }

    response = {"description": "ok", "headers": {"X-H": {"schema": s()}}, "content": media()}

    def callback() -> dict[str, Any]:
        return {"{$request.body#/url}": {"post": {"requestBody": {"content": media()}}}}

    operation = {
        "parameters": [{"name": "q", "in": "query", "schema": s()}],
        "requestBody": {"content": media()},
        "responses": {"200": response, "default": {"$ref": "#/components/responses/R"}},
        "callbacks": {"cb": callback()},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {
                "parameters": [{"name": "h", "in": "header", "content": media()}],
                "get": operation,
            },
            "/b": {"$ref": "#/x-bundled/other.yaml/PathItem"},
        },
        "components": {
            "schemas": {"Sub": subschemas(), "Plain": s()},
            "parameters": {"P": {"name": "p", "in": "query", "schema": s()}},
            "headers": {"H": {"schema": s()}},
            "requestBodies": {"B": {"content": media()}},
            "responses": {"R": {"description": "r", "content": media()}},
            "callbacks": {"C": callback()},
        },
        "x-bundled": {
            "other.yaml": {
                "PathItem": {"post": {"responses": {"200": {"$ref": "#/x-bundled/other.yaml/Ok"}}}},
                "Ok": {"description": "ok", "content": media()},
                "Unreferenced": s(),
            }
        },
    }


def test_normalize_reaches_every_schema_location() -> None:
    document = normalize(every_location(NULLABLE))
    nullable = [key for key in keys(document) if key == "nullable"]
    # Only the schema nothing references stays untouched: it is never used.
    assert nullable == ["nullable"]
    assert document["x-bundled"]["other.yaml"]["Unreferenced"] == NULLABLE
    converted = [
        schema for _, schema in iter_schemas(document) if schema.get("type") == ["string", "null"]
    ]
    # 20 subschema keywords + 21 places in OpenAPI objects (media types count their encoding).
    assert len(converted) == 41


def test_iter_schemas_yields_each_schema_once_even_through_cycles() -> None:
    node = {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}
    document = document30(Node=node)
    document["paths"] = {
        "/a": {
            "get": {
                "responses": {
                    "200": {
                        "description": "x",
                        "content": {"a/b": {"schema": {"$ref": "#/components/schemas/Node"}}},
                    }
                }
            }
        }
    }
    pointers = [pointer for pointer, _ in iter_schemas(document)]
    assert sorted(pointers) == [
        "/components/schemas/Node",
        "/components/schemas/Node/properties/next",
        "/paths/~1a/get/responses/200/content/a~1b/schema",
    ]
    roots = [pointer for pointer, _ in iter_schemas(document, roots_only=True)]
    assert sorted(roots) == [
        "/components/schemas/Node",
        "/paths/~1a/get/responses/200/content/a~1b/schema",
    ]


def test_schemas_named_only_by_a_discriminator_mapping_are_normalized() -> None:
    pet = {"oneOf": [], "discriminator": {"propertyName": "k", "mapping": {"d": "#/x-b/Dog"}}}
    document = {**document30(Pet=pet), "x-b": {"Dog": dict(NULLABLE)}}
    assert normalize(document)["x-b"]["Dog"] == {"type": ["string", "null"]}


def test_walk_tolerates_malformed_documents() -> None:
    document: dict[str, Any] = {
        "paths": {"/a": [], "/b": {"get": "x", "parameters": {"not": "a list"}}},
        "components": {"schemas": [], "responses": {"R": {"content": {"a/b": None}}}},
    }
    assert [visit.kind for visit in walk(document)].count("response") == 1
    assert list(iter_operations(document)) == []


def test_iter_operations_follows_path_item_refs() -> None:
    spec = load_spec(SPECS / "multi" / "openapi.yaml")
    found = [(op.method, op.path, op.pointer) for op in iter_operations(spec.document)]
    assert found == [
        ("get", "/items", "/x-bundled/paths_items.yaml/get"),
        ("get", "/users/{id}", "/paths/~1users~1{id}/get"),
    ]


# --- generated schemas -----------------------------------------------------------------------

TYPES = ("string", "integer", "number", "boolean", "object", "array")


@st.composite
def schemas30(draw: st.DrawFn) -> dict[str, Any]:
    """OpenAPI 3.0 schemas that reject null unless they say ``nullable: true``."""
    shape = draw(st.sampled_from(["typed", "ref", "allOf", "enum", "typed-ref"]))
    schema: dict[str, Any] = {}
    if shape in ("typed", "typed-ref"):
        schema["type"] = draw(st.sampled_from(TYPES))
    if shape in ("ref", "typed-ref"):
        schema["$ref"] = "#/components/schemas/NotNull"
    if shape == "allOf":
        schema["allOf"] = [{"$ref": "#/components/schemas/NotNull"}]
    if shape == "enum" or (schema.get("type") == "string" and draw(st.booleans())):
        schema["enum"] = draw(st.lists(st.text(max_size=3), min_size=1, max_size=3, unique=True))
    if schema.get("type") in ("integer", "number"):
        for bound in ("minimum", "maximum"):
            if draw(st.booleans()):
                schema[bound] = draw(st.integers(-5, 5)) * (1 if bound == "maximum" else -1)
                schema["exclusive" + bound.capitalize()] = draw(st.booleans())
    if draw(st.booleans()):
        schema["nullable"] = draw(st.booleans())
    if draw(st.booleans()):
        schema["description"] = "generated"
    return schema


@given(schemas30())
@example({"$ref": "#/components/schemas/NotNull", "nullable": True})
@example({"type": "object", "allOf": [{"$ref": "#/components/schemas/NotNull"}], "nullable": True})
def test_normalized_3_0_schemas_accept_null_exactly_when_nullable(schema: dict[str, Any]) -> None:
    document = normalize(document30(Target=copy.deepcopy(schema), NotNull={"type": "object"}))
    converted = document["components"]["schemas"]["Target"]
    jsonschema_rs.meta.validate(converted)
    assert "nullable" not in converted
    assert accepts(document, "/components/schemas/Target", None) is (schema.get("nullable") is True)


@given(
    low=st.integers(-100, 100),
    width=st.integers(1, 50),
    exclusive_low=st.booleans(),
    exclusive_high=st.booleans(),
)
def test_normalized_boolean_exclusive_bounds_keep_their_meaning(
    low: int, width: int, exclusive_low: bool, exclusive_high: bool
) -> None:
    high = low + width
    schema = {
        "type": "integer",
        "minimum": low,
        "exclusiveMinimum": exclusive_low,
        "maximum": high,
        "exclusiveMaximum": exclusive_high,
    }
    document = normalize(document30(Target=schema))
    at = "/components/schemas/Target"
    assert accepts(document, at, low) is not exclusive_low
    assert accepts(document, at, high) is not exclusive_high
    assert not accepts(document, at, low - 1)
    assert not accepts(document, at, high + 1)


@given(st.dictionaries(st.sampled_from(["type", "minimum", "title", "items"]), st.just(1)))
def test_normalize_is_idempotent(extra: dict[str, Any]) -> None:
    once = normalize(every_location({**extra, **NULLABLE, "example": "x"}))
    assert normalize(copy.deepcopy(once)) == once


# --- views -----------------------------------------------------------------------------------


def view_document() -> dict[str, Any]:
    account = {
        "type": "object",
        "required": ["id", "password", "owner", "token"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "password": {"type": "string", "writeOnly": True},
            "owner": {"$ref": "#/components/schemas/Owner"},
            "token": {"anyOf": [{"$ref": "#/components/schemas/Secret"}, {"type": "null"}]},
            "name": {"type": "string"},
        },
        "additionalProperties": False,
    }
    extended = {
        "allOf": [
            {"$ref": "#/components/schemas/Account"},
            {"required": ["password", "id", "name"], "properties": {"extra": {"type": "string"}}},
        ]
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Account": account,
                "Extended": extended,
                "Owner": {"type": "string", "readOnly": True},
                "Secret": {"type": "string", "writeOnly": True},
            }
        },
    }


def test_response_view_drops_write_only_properties() -> None:
    document = view_document()
    view = response_view(document)
    account = view["components"]["schemas"]["Account"]
    assert set(account["properties"]) == {"id", "owner", "name"}
    assert account["required"] == ["id", "owner"]
    extended = view["components"]["schemas"]["Extended"]
    assert extended["allOf"][1]["required"] == ["id", "name"]
    assert document == view_document()  # the original is untouched
    assert accepts(view, "/components/schemas/Account", {"id": 1, "owner": "me"})
    assert not accepts(
        view, "/components/schemas/Account", {"id": 1, "owner": "me", "password": "x"}
    )


def test_request_view_makes_read_only_properties_optional_but_allowed() -> None:
    view = request_view(view_document())
    account = view["components"]["schemas"]["Account"]
    assert set(account["properties"]) == set(
        view_document()["components"]["schemas"]["Account"]["properties"]
    )
    assert account["required"] == ["password", "token"]
    assert view["components"]["schemas"]["Extended"]["allOf"][1]["required"] == ["password", "name"]
    assert accepts(view, "/components/schemas/Account", {"password": "p", "token": None})
    assert accepts(view, "/components/schemas/Account", {"id": 3, "password": "p", "token": "t"})


def test_views_drop_required_when_it_becomes_empty_and_keep_refs_local() -> None:
    schema = {"type": "object", "required": ["id"], "properties": {"id": {"readOnly": True}}}
    view = request_view(document30(A=schema, B={"$ref": "#/components/schemas/A"}))
    assert view["components"]["schemas"]["A"] == {
        "type": "object",
        "properties": {"id": {"readOnly": True}},
    }
    assert view["components"]["schemas"]["B"] == {"$ref": "#/components/schemas/A"}


def test_views_of_a_loaded_3_0_spec_handle_nullable_refs() -> None:
    spec = load_spec(SPECS / "petstore-3.0.yaml")
    pet = response_view(spec.document)["components"]["schemas"]["Pet"]
    assert "secret" not in pet["properties"]
    request_pet = request_view(spec.document)["components"]["schemas"]["Pet"]
    assert request_pet["required"] == ["name"]
    assert "id" in request_pet["properties"]


def test_a_ref_into_the_dropped_siblings_of_a_3_0_ref_still_resolves() -> None:
    # dnd5eapi.co: other schemas point into the (ignored) `allOf` beside a $ref.
    monster_ref = {
        "$ref": "#/components/schemas/Base",
        "type": "object",
        "allOf": [{"properties": {"speed": {"type": "integer", "nullable": True}}}],
    }
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Base": {"type": "object"},
                "Monster": {"properties": {"shape": monster_ref}},
                "Speed": {"$ref": "#/components/schemas/Monster/properties/shape/allOf/0"},
            }
        },
    }
    spec = load_spec(document)
    schemas = spec.document["components"]["schemas"]
    assert schemas["Monster"]["properties"]["shape"] == {"$ref": "#/components/schemas/Base"}
    kept = jp.resolve(spec.document, jp.pointer_from_ref(schemas["Speed"]["$ref"]))
    # moved, and upgraded as the walk would have (nullable -> a null branch)
    assert kept["properties"]["speed"]["type"] == ["integer", "null"]
    assert any(pointer.startswith("/x-mockserver-kept/") for pointer, _ in spec.schemas or ())
    validator = jsonschema_rs.validator_for(
        {"$ref": "urn:t" + schemas["Speed"]["$ref"]},
        registry=jsonschema_rs.Registry([("urn:t", spec.document)]),
    )
    assert validator.is_valid({"speed": None})
    assert not validator.is_valid({"speed": "x"})


def test_additional_properties_false_beside_all_of_is_read_as_unevaluated_and_reported() -> None:
    # codat.io: {"additionalProperties": false, "allOf": [{"properties": ...}, {"$ref": ...}]}
    # would allow only {}, and no list the API answers.
    listing = {
        "additionalProperties": False,
        "allOf": [
            {"properties": {"results": {"type": "array"}}},
            {"$ref": "#/components/schemas/Paging"},
        ],
    }
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "List": listing,
                "Paging": {"properties": {"pageSize": {"type": "integer"}}},
            }
        },
    }
    spec = load_spec(document)
    read = spec.document["components"]["schemas"]["List"]
    assert "additionalProperties" not in read
    assert read["unevaluatedProperties"] is False
    validator = jsonschema_rs.validator_for(
        {"$ref": "urn:t#/components/schemas/List"},
        registry=jsonschema_rs.Registry([("urn:t", spec.document)]),
    )
    assert validator.is_valid({"results": [], "pageSize": 2})
    assert not validator.is_valid({"results": [], "other": 1})
    reported = [str(issue) for issue in spec.issues]
    assert any("/components/schemas/List/additionalProperties" in text for text in reported)
