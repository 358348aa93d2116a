"""The operations of the served spec as the console lists them: by tag, with their summary,
parameters, request and response schemas (``$ref``s inlined, cycles left as ``$ref``) and
examples.

Read from the compiled operations and the document, never restated: ``GET /__mock/operations``
answers it, the console's Operations view and its "try it" form are drawn from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mockserver.compile.operations import MediaType, Operation
from mockserver.errors import PointerError
from mockserver.spec.pointer import resolve

__all__ = ["MAX_DEPTH", "catalogue", "inline"]

# Deeper schemas are cut with a note: the console shows them, a reader need not drill further.
MAX_DEPTH = 12


def catalogue(
    operations: Iterable[Operation], document: Mapping[str, Any], *, base_path: str = ""
) -> dict[str, Any]:
    """Every operation of ``document``, in document order, described for the console."""
    described = [_operation(op, document) for op in operations]
    tags = list(dict.fromkeys(tag for op in described for tag in op["tags"]))
    return {
        "title": str((document.get("info") or {}).get("title", "")),
        "basePath": base_path,
        "tags": tags,
        "operations": described,
    }


def _operation(operation: Operation, document: Mapping[str, Any]) -> dict[str, Any]:
    try:
        raw = resolve(document, operation.pointer)
    except PointerError:
        raw = {}
    raw = raw if isinstance(raw, Mapping) else {}
    return {
        "operationId": operation.operation_id,
        "method": operation.method.upper(),
        "path": operation.path,
        "tags": list(operation.tags) or ["(untagged)"],
        "summary": str(raw.get("summary", "")),
        "description": str(raw.get("description", "")),
        "secured": any(requirement for requirement in operation.security),
        "parameters": [
            {
                "name": p.name,
                "in": p.location,
                "required": p.required,
                "schema": inline(p.schema, document),
            }
            for p in operation.parameters
        ],
        "requestBody": None
        if operation.request_body is None
        else {
            "required": operation.request_body.required,
            "content": _content(operation.request_body.content, document),
        },
        "responses": {
            status: {
                "description": response.description,
                "content": _content(response.content, document),
            }
            for status, response in operation.responses.items()
        },
    }


def _content(content: Mapping[str, MediaType], document: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: {"schema": inline(media.schema, document), "examples": dict(media.examples)}
        for name, media in content.items()
    }


def inline(schema: Any, document: Mapping[str, Any], _seen: tuple[str, ...] = ()) -> Any:
    """``schema`` with local ``$ref``s replaced by what they point at (a cycle stays a ``$ref``)."""
    if len(_seen) > MAX_DEPTH:
        return {"$comment": "deeper levels left out"}
    if isinstance(schema, Mapping):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            if ref in _seen:
                return {"$ref": ref, "$comment": "recursive"}
            try:
                target = resolve(document, ref[1:])
            except PointerError:
                return dict(schema)
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            resolved = inline(target, document, (*_seen, ref))
            name = ref.rsplit("/", 1)[-1]
            if isinstance(resolved, Mapping):
                return {"title": name, **resolved, **inline(siblings, document, _seen)}
            return resolved
        return {key: inline(value, document, _seen) for key, value in schema.items()}
    if isinstance(schema, list):
        return [inline(item, document, _seen) for item in schema]
    return schema
