"""The operations of a document, with every ``$ref`` of the OpenAPI structure followed.

Schemas keep their ``$ref``s (they may be recursive); everything around them (path items,
parameters, request bodies, responses, examples, headers) is resolved here once, so nothing
downstream walks the document again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mockserver.errors import PointerError, SpecError, SpecReferenceError
from mockserver.spec.pointer import escape, pointer_from_ref, resolve

__all__ = [
    "HTTP_METHODS",
    "MediaType",
    "Operation",
    "Parameter",
    "RequestBody",
    "Response",
    "compile_operations",
    "declared_response",
    "follow",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
Location = Literal["path", "query", "header", "cookie"]

_DEFAULT_STYLE: dict[str, str] = {
    "path": "simple",
    "query": "form",
    "header": "simple",
    "cookie": "form",
}


@dataclass(frozen=True, slots=True)
class MediaType:
    """One entry of a ``content`` map."""

    name: str
    schema: Mapping[str, Any] | bool | None
    # Named examples in declaration order; ``example`` is stored under the name "example".
    examples: dict[str, Any]
    pointer: str
    encoding: Mapping[str, Any] = field(default_factory=dict)
    # The ``x-mock-match`` of each named example that has one (`mockserver.spec.matching`).
    matches: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter with its serialization rules made explicit."""

    name: str
    location: Location
    required: bool
    schema: Mapping[str, Any] | bool
    style: str
    explode: bool
    pointer: str
    # A parameter described with ``content`` instead of ``schema`` (e.g. JSON in a query).
    media_type: str | None = None
    allow_empty_value: bool = False


@dataclass(frozen=True, slots=True)
class RequestBody:
    """The request body an operation accepts."""

    required: bool
    content: dict[str, MediaType]
    pointer: str


@dataclass(frozen=True, slots=True)
class Response:
    """One declared response: ``status`` is ``"200"``, ``"4XX"`` or ``"default"``."""

    status: str
    description: str
    headers: dict[str, Parameter]
    content: dict[str, MediaType]
    pointer: str


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path template, ready to be served."""

    method: str
    path: str
    operation_id: str | None
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: dict[str, Response]
    # None means "no requirement"; an empty alternative ({}) also means anonymous access.
    security: tuple[dict[str, list[str]], ...]
    pointer: str
    extensions: dict[str, Any]
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How messages name this operation: ``createProject (POST /projects)``."""
        route = f"{self.method.upper()} {self.path}"
        return f"{self.operation_id} ({route})" if self.operation_id else route


def declared_response(operation: Operation, status: int) -> Response | None:
    """The response an operation declares for ``status``: exact, then ``4XX``, then default."""
    responses = operation.responses
    return (
        responses.get(str(status))
        or responses.get(f"{str(status)[0]}XX")
        or responses.get("DEFAULT")
        or responses.get("default")
    )


def follow(document: Mapping[str, Any], node: Any, pointer: str) -> tuple[Any, str]:
    """Follow ``$ref``s from ``node`` (found at ``pointer``) to a concrete node and its pointer."""
    hops = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#"):
            raise SpecReferenceError(
                f"non-local $ref {ref!r} after bundling",
                pointer=pointer,
                hint="load the document with mockserver.spec.loader.load_spec, which bundles files",
            )
        target = pointer_from_ref(ref)
        try:
            node = resolve(document, target)
        except PointerError as exc:
            raise SpecReferenceError(str(exc), pointer=pointer, hint="fix the $ref target") from exc
        pointer = target
        hops += 1
        if hops > 64:
            raise SpecReferenceError(
                f"$ref chain does not end (last {ref!r})",
                pointer=pointer,
                hint="a $ref must eventually point at a concrete object",
            )
    return node, pointer


def _media_types(document: Mapping[str, Any], content: Any, pointer: str) -> dict[str, MediaType]:
    if not isinstance(content, Mapping):
        return {}
    out: dict[str, MediaType] = {}
    for name, raw in content.items():
        media_pointer = f"{pointer}/{escape(name)}"
        media, media_pointer = follow(document, raw, media_pointer)
        examples: dict[str, Any] = {}
        matches: dict[str, Any] = {}
        for example_name, example in (media.get("examples") or {}).items():
            resolved, _ = follow(document, example, f"{media_pointer}/examples/{example_name}")
            if isinstance(resolved, Mapping) and "value" in resolved:
                examples[str(example_name)] = resolved["value"]
                if "x-mock-match" in resolved:
                    matches[str(example_name)] = resolved["x-mock-match"]
        if "example" in media:
            examples.setdefault("example", media["example"])
        out[str(name)] = MediaType(
            name=str(name),
            schema=media.get("schema"),
            examples=examples,
            pointer=media_pointer,
            encoding=media.get("encoding") or {},
            matches=matches,
        )
    return out


def _parameter(document: Mapping[str, Any], raw: Any, pointer: str) -> Parameter:
    param, pointer = follow(document, raw, pointer)
    location = param.get("in")
    if location not in _DEFAULT_STYLE:
        raise SpecError(
            f"parameter {param.get('name')!r} has in={location!r}",
            pointer=pointer,
            hint="use one of path, query, header, cookie",
        )
    style = param.get("style", _DEFAULT_STYLE[location])
    media_type = None
    schema = param.get("schema", {})
    if "content" in param and isinstance(param["content"], Mapping) and param["content"]:
        media_type, media = next(iter(param["content"].items()))
        schema = (media or {}).get("schema", {})
    return Parameter(
        name=str(param["name"]),
        location=location,
        required=bool(param.get("required", location == "path")),
        schema=schema if schema is not None else {},
        style=style,
        explode=bool(param.get("explode", style == "form")),
        pointer=pointer,
        media_type=media_type,
        allow_empty_value=bool(param.get("allowEmptyValue", False)),
    )


def _header(document: Mapping[str, Any], name: str, raw: Any, pointer: str) -> Parameter:
    header, pointer = follow(document, raw, pointer)
    return _parameter(document, {**header, "name": name, "in": "header"}, pointer)


def _responses(document: Mapping[str, Any], raw: Any, pointer: str) -> dict[str, Response]:
    out: dict[str, Response] = {}
    for status, value in (raw or {}).items():
        response, response_pointer = follow(document, value, f"{pointer}/{escape(str(status))}")
        headers = {
            str(name): _header(document, str(name), header, f"{response_pointer}/headers/{name}")
            for name, header in (response.get("headers") or {}).items()
        }
        out[str(status).upper()] = Response(
            status=str(status).upper(),
            description=str(response.get("description", "")),
            headers=headers,
            content=_media_types(document, response.get("content"), f"{response_pointer}/content"),
            pointer=response_pointer,
        )
    return out


def _operation(
    document: Mapping[str, Any],
    path: str,
    method: str,
    raw: Mapping[str, Any],
    shared: list[Parameter],
    pointer: str,
) -> Operation:
    own = [
        _parameter(document, p, f"{pointer}/parameters/{i}")
        for i, p in enumerate(raw.get("parameters") or [])
    ]
    keys = {(p.name.lower() if p.location == "header" else p.name, p.location) for p in own}
    for p in shared:
        if (p.name.lower() if p.location == "header" else p.name, p.location) not in keys:
            own.append(p)
    body = None
    if "requestBody" in raw:
        body_node, body_pointer = follow(document, raw["requestBody"], f"{pointer}/requestBody")
        body = RequestBody(
            required=bool(body_node.get("required", False)),
            content=_media_types(document, body_node.get("content"), f"{body_pointer}/content"),
            pointer=body_pointer,
        )
    security = raw.get("security", document.get("security"))
    return Operation(
        method=method,
        path=path,
        operation_id=raw.get("operationId"),
        parameters=tuple(own),
        request_body=body,
        responses=_responses(document, raw.get("responses"), f"{pointer}/responses"),
        security=tuple(security) if security is not None else (),
        pointer=pointer,
        extensions={k: v for k, v in raw.items() if k.startswith("x-")},
        tags=tuple(raw.get("tags") or ()),
    )


def compile_operations(
    document: Mapping[str, Any], *, failed: list[SpecError] | None = None
) -> list[Operation]:
    """Every operation under ``paths``, in document order.

    With ``failed``, an operation (or path item) that cannot be compiled is left out and its
    problem appended there instead of raised, so the rest of the document is still served.
    """
    operations = []
    for path, raw_item in (document.get("paths") or {}).items():
        item_pointer = f"/paths/{escape(path)}"
        try:
            item, item_pointer = follow(document, raw_item, item_pointer)
            shared = [
                _parameter(document, p, f"{item_pointer}/parameters/{i}")
                for i, p in enumerate(item.get("parameters") or [])
            ]
        except (SpecError, *_MALFORMED) as exc:
            if failed is None:
                raise
            failed.append(_problem(exc, item_pointer))
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), Mapping):
                pointer = f"{item_pointer}/{method}"
                try:
                    operations.append(
                        _operation(document, path, method, item[method], shared, pointer)
                    )
                except (SpecError, *_MALFORMED) as exc:
                    if failed is None:
                        raise
                    failed.append(_problem(exc, pointer))
    return operations


# What a malformed node (a list where an object belongs, a missing name) raises while compiling.
_MALFORMED = (KeyError, TypeError, AttributeError, ValueError)


def _problem(exc: Exception, pointer: str) -> SpecError:
    if isinstance(exc, SpecError):
        return exc
    return SpecError(
        f"cannot be compiled ({type(exc).__name__}: {exc}); it is not served",
        pointer=pointer,
        hint="run `mockserver lint` and fix what it reports at this place",
    )
