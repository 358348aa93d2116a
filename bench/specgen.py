"""Synthetic OpenAPI 3.1 documents of N operations, for start-up time and memory against size.

Each resource ``resNNNN`` is a CRUD set of five operations (list with pagination, create with
a closed request body, get, update and delete on a path id) whose schemas live under
``components`` and are reached through ``$ref``, as in a real API. The last resource is cut
short so that the document has exactly N operations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["PROBE_PATH", "generate_spec", "write_spec"]

PROBE_PATH = "/res0000"  # the first operation is always the list of resource 0
BASE_PATH = "/api/v1"

_SHARED_SCHEMAS: dict[str, Any] = {
    "Id": {"type": "string", "format": "uuid"},
    "Timestamp": {"type": "string", "format": "date-time"},
    "Pagination": {
        "type": "object",
        "required": ["page", "limit", "total"],
        "properties": {
            "page": {"type": "integer", "minimum": 1},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
        },
    },
    "Problem": {
        "type": "object",
        "required": ["title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
    },
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("schemas", "Problem")}},
    }


def _schemas(name: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": {"type": ["string", "null"], "maxLength": 2000},
        "quantity": {"type": "integer", "minimum": 0, "maximum": 10_000},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 30}, "maxItems": 10},
        "status": {"type": "string", "enum": ["draft", "active", "archived"]},
    }
    return {
        name: {
            "type": "object",
            "required": ["id", "name", "status", "createdAt"],
            "properties": {
                "id": {**_ref("schemas", "Id"), "readOnly": True},
                **fields,
                "createdAt": {**_ref("schemas", "Timestamp"), "readOnly": True},
            },
        },
        f"{name}Create": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": fields,
        },
        f"{name}List": {
            "type": "object",
            "required": ["data", "pagination"],
            "properties": {
                "data": {"type": "array", "items": _ref("schemas", name), "maxItems": 20},
                "pagination": _ref("schemas", "Pagination"),
            },
        },
    }


def _operations(index: int, name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The five (path, method, operation) entries of one resource, in a fixed order."""
    collection, item = f"/res{index:04d}", f"/res{index:04d}/{{id}}"

    def json_body(schema: str) -> dict[str, Any]:
        return {"content": {"application/json": {"schema": _ref("schemas", schema)}}}

    errors = {
        "400": _ref("responses", "ValidationFailed"),
        "401": _ref("responses", "Unauthorized"),
    }
    missing = {**errors, "404": _ref("responses", "NotFound")}
    body = {"required": True, **json_body(f"{name}Create")}
    return [
        (
            collection,
            "get",
            {
                "operationId": f"list{name}",
                "parameters": [_ref("parameters", "Page"), _ref("parameters", "Limit")],
                "responses": {"200": {"description": "A page.", **json_body(f"{name}List")}},
            },
        ),
        (
            collection,
            "post",
            {
                "operationId": f"create{name}",
                "requestBody": body,
                "responses": {"201": {"description": "Created.", **json_body(name)}, **errors},
            },
        ),
        (
            item,
            "get",
            {
                "operationId": f"get{name}",
                "responses": {"200": {"description": "The item.", **json_body(name)}, **missing},
            },
        ),
        (
            item,
            "patch",
            {
                "operationId": f"update{name}",
                "requestBody": body,
                "responses": {"200": {"description": "Updated.", **json_body(name)}, **missing},
            },
        ),
        (
            item,
            "delete",
            {
                "operationId": f"delete{name}",
                "responses": {"204": {"description": "Deleted."}, **missing},
            },
        ),
    ]


def generate_spec(operations: int) -> dict[str, Any]:
    """An OpenAPI 3.1 document with exactly ``operations`` operations."""
    if operations < 1:
        raise ValueError(f"expected at least 1 operation, got operations={operations}")
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = dict(_SHARED_SCHEMAS)
    count, index = 0, 0
    while count < operations:
        name = f"Res{index:04d}"
        schemas.update(_schemas(name))
        for path, method, operation in _operations(index, name):
            if count == operations:
                break
            if path.endswith("{id}") and "parameters" not in paths.get(path, {}):
                paths.setdefault(path, {})["parameters"] = [_ref("parameters", "Id")]
            paths.setdefault(path, {})[method] = operation
            count += 1
        index += 1
    return {
        "openapi": "3.1.0",
        "info": {"title": f"Synthetic API of {operations} operations", "version": "1.0.0"},
        "servers": [{"url": f"http://127.0.0.1:4010{BASE_PATH}"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "parameters": {
                "Id": {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": _ref("schemas", "Id"),
                },
                "Page": {
                    "name": "page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "default": 1},
                },
                "Limit": {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                },
            },
            "responses": {
                "ValidationFailed": _problem("The request is invalid."),
                "Unauthorized": _problem("No valid bearer token."),
                "NotFound": _problem("No such item."),
            },
            "schemas": schemas,
        },
    }


class _PlainDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Writes shared sub-documents out in full: no ``&id001`` anchors, as a person writes YAML."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write_spec(operations: int, directory: Path) -> Path:
    """Write the synthetic document as YAML (what users write) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"synthetic-{operations}.yaml"
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(generate_spec(operations), handle, Dumper=_PlainDumper, sort_keys=False)
    return path
