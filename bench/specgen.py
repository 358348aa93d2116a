"""Synthetic OpenAPI 3.1 documents of N operations, for start-up time and memory against size.

Each resource ``resNNNN`` is a CRUD set of five operations (list with pagination, create with
a closed request body, get, update and delete on a path id) whose schemas live under
``components`` and are reached through ``$ref``, as in a real API. The last resource is cut
short so that the document has exactly N operations.

``heavy=True`` dresses every operation as published descriptions are (GitHub's runs to ~10 KB
an operation): a summary, a paragraph of description, tags, documentation links, described
properties and a named example, so that 11,000 operations come to ~20 MB of YAML, the size the
issue's big-spec target names. The plain documents stay as they were, so the start-up curve
remains comparable with earlier runs.
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


def _prose(subject: str, topic: str) -> str:
    """A paragraph in the register of published API docs (deterministic, no randomness)."""
    return (
        f"{topic} for {subject}. Only callers whose token grants access to {subject} see it; "
        f"others receive `404 Not Found` rather than `403 Forbidden`, so that the existence of "
        f"a private {subject} is not disclosed. Results honour the `If-None-Match` header, and "
        f"a request answered from the cache does not count against the primary rate limit. "
        f"Fine-grained tokens need the `{subject.lower()}:read` permission, classic ones a scope. "
        f"See [the {subject} guide](https://docs.example.com/{subject.lower()}) for the fields."
    )


_FIELD_NOTES = {
    "name": "The display name, unique within the owner's account.",
    "description": "Free text shown under the name; Markdown is rendered, HTML is escaped.",
    "quantity": "How many units are reserved; zero releases the reservation.",
    "tags": "Labels for filtering; compared case-insensitively, stored as given.",
    "status": "Lifecycle state: `draft` until published, `archived` once retired.",
}


def _schemas(name: str, *, heavy: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
        "description": {"type": ["string", "null"], "maxLength": 2000},
        "quantity": {"type": "integer", "minimum": 0, "maximum": 10_000},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 30}, "maxItems": 10},
        "status": {"type": "string", "enum": ["draft", "active", "archived"]},
    }
    if heavy:
        fields = {key: {**value, "description": _FIELD_NOTES[key]} for key, value in fields.items()}
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


def _example(name: str) -> dict[str, Any]:
    return {
        "summary": f"A typical {name}",
        "value": {
            "id": "5f0c6c1e-8f7a-4a8e-9d55-2b7c1c9e0a11",
            "name": f"{name} of the platform team",
            "description": f"Reserved for the quarterly review of {name}.",
            "quantity": 12,
            "tags": ["review", "platform"],
            "status": "active",
            "createdAt": "2024-03-01T09:30:00Z",
        },
    }


def _dress(operation: dict[str, Any], name: str, topic: str) -> dict[str, Any]:
    """What ``heavy`` adds to an operation: summary, description, tags and documentation."""
    slug = operation["operationId"].lower()
    return {
        "summary": f"{topic} {name}",
        "description": _prose(name, topic),
        "tags": [name],
        "externalDocs": {
            "description": f"API method documentation for {topic.lower()} {name}",
            "url": f"https://docs.example.com/rest/{name.lower()}#{slug}",
        },
        **operation,
    }


def _operations(index: int, name: str, *, heavy: bool) -> list[tuple[str, str, dict[str, Any]]]:
    """The five (path, method, operation) entries of one resource, in a fixed order."""
    entries = _plain_operations(index, name)
    if not heavy:
        return entries
    topics = ("List", "Create", "Get", "Update", "Delete")
    dressed = [
        (path, method, _dress(operation, name, topic))
        for (path, method, operation), topic in zip(entries, topics, strict=True)
    ]
    for _, _, operation in dressed:
        for response in operation["responses"].values():
            media = response.get("content", {}).get("application/json")
            if media is not None and media["schema"] == _ref("schemas", name):
                media["examples"] = {"default": _ref("examples", name)}
    return dressed


def _plain_operations(index: int, name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The five operations of one resource as the plain document has them."""
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


def generate_spec(operations: int, *, heavy: bool = False) -> dict[str, Any]:
    """An OpenAPI 3.1 document with exactly ``operations`` operations (dressed when ``heavy``)."""
    if operations < 1:
        raise ValueError(f"expected at least 1 operation, got operations={operations}")
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = dict(_SHARED_SCHEMAS)
    examples: dict[str, Any] = {}
    count, index = 0, 0
    while count < operations:
        name = f"Res{index:04d}"
        schemas.update(_schemas(name, heavy=heavy))
        if heavy:
            examples[name] = _example(name)
        for path, method, operation in _operations(index, name, heavy=heavy):
            if count == operations:
                break
            if path.endswith("{id}") and "parameters" not in paths.get(path, {}):
                paths.setdefault(path, {})["parameters"] = [_ref("parameters", "Id")]
            paths.setdefault(path, {})[method] = operation
            count += 1
        index += 1
    components: dict[str, Any] = {"examples": examples} if heavy else {}
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
            **components,
        },
    }


class _PlainDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Writes shared sub-documents out in full: no ``&id001`` anchors, as a person writes YAML."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write_spec(operations: int, directory: Path, *, heavy: bool = False) -> Path:
    """Write the synthetic document as YAML (what users write) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"synthetic-{operations}{'-heavy' if heavy else ''}.yaml"
    document = generate_spec(operations, heavy=heavy)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(document, handle, Dumper=_PlainDumper, sort_keys=False)
    return path
