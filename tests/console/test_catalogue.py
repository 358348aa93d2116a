"""The operations as the console lists them: read from the compiled operations and the document."""

from __future__ import annotations

from typing import Any

from mockserver.compile.operations import compile_operations
from mockserver.console.catalogue import MAX_DEPTH, catalogue, inline
from tests.inprocess import bundled_app

TREE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Trees", "version": "1"},
    "paths": {
        "/nodes": {
            "post": {
                "operationId": "addNode",
                "summary": "Add a node",
                "tags": ["nodes"],
                "parameters": [
                    {"name": "dry", "in": "query", "schema": {"$ref": "#/components/schemas/Flag"}}
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Node"},
                            "examples": {"leaf": {"value": {"name": "leaf"}}},
                        }
                    },
                },
                "responses": {"201": {"description": "Added."}},
            }
        },
        "/health": {"get": {"responses": {"204": {"description": "Up."}}}},
    },
    "components": {
        "schemas": {
            "Flag": {"type": "boolean"},
            "Node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                },
            },
        }
    },
}


def test_catalogue_lists_every_operation_by_tag_with_summary_and_examples() -> None:
    described = catalogue(compile_operations(TREE), TREE, base_path="/v1")
    assert (described["title"], described["basePath"]) == ("Trees", "/v1")
    assert described["tags"] == ["nodes", "(untagged)"]
    add = described["operations"][0]
    assert (add["operationId"], add["method"], add["summary"]) == ("addNode", "POST", "Add a node")
    assert add["parameters"] == [
        {
            "name": "dry",
            "in": "query",
            "required": False,
            "schema": {"title": "Flag", "type": "boolean"},
        }
    ]
    body = add["requestBody"]["content"]["application/json"]
    assert body["examples"] == {"leaf": {"name": "leaf"}}
    assert add["responses"]["201"] == {"description": "Added.", "content": {}}
    assert add["secured"] is False
    assert described["operations"][1]["requestBody"] is None


def test_inline_replaces_refs_and_leaves_a_cycle_as_a_ref() -> None:
    node = inline({"$ref": "#/components/schemas/Node"}, TREE)
    assert node["title"] == "Node"
    children = node["properties"]["children"]["items"]
    assert children == {"$ref": "#/components/schemas/Node", "$comment": "recursive"}


def test_inline_keeps_a_dangling_ref_and_siblings() -> None:
    assert inline({"$ref": "#/components/schemas/Gone"}, TREE) == {
        "$ref": "#/components/schemas/Gone"
    }
    flag = inline({"$ref": "#/components/schemas/Flag", "description": "dry run"}, TREE)
    assert flag == {"title": "Flag", "type": "boolean", "description": "dry run"}


def test_inline_cuts_schemas_deeper_than_the_limit() -> None:
    chain: dict[str, Any] = {"components": {"schemas": {}}}
    for level in range(MAX_DEPTH + 3):
        chain["components"]["schemas"][f"L{level}"] = {"$ref": f"#/components/schemas/L{level + 1}"}
    chain["components"]["schemas"][f"L{MAX_DEPTH + 3}"] = {"type": "string"}
    text = repr(inline({"$ref": "#/components/schemas/L0"}, chain))
    assert "deeper levels left out" in text


def test_catalogue_of_the_bundled_spec_marks_secured_operations() -> None:
    engine = bundled_app().state.engine
    described = catalogue(
        (c.operation for c in engine.operations), engine.spec.document, base_path="/api/v1"
    )
    by_id = {op["operationId"]: op for op in described["operations"]}
    assert len(by_id) == 38
    assert by_id["getCurrentUser"]["secured"] is True
    assert by_id["getHealth"]["secured"] is False
