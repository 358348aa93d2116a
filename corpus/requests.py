"""A request an operation must accept: its required parameters, serialized by their style.

Values are generated from each parameter's schema (request direction); credentials are made
up for the operation's first security alternative (bearer, basic, API key in any place).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from mockserver.compile.routing import request_path
from mockserver.errors import GenerationError
from mockserver.server.compiler import CompiledOperation
from mockserver.server.engine import Engine

__all__ = ["Unprobeable", "build_body", "build_request"]


class Unprobeable(Exception):
    """No request can be built that the operation must accept (OpenAPI leaves it undefined)."""


def _value(engine: Engine, schema: Any, key: str, pointer: str) -> Any:
    if schema in (None, {}, True):
        return "x"
    try:
        # The pointer spares the generator a walk of the whole document to find it (Microsoft
        # Graph: 50 MB of index for messages nobody reads).
        return engine.generator.generate(
            schema, key=key, direction="request", pointer=pointer + "/schema"
        )
    except GenerationError as exc:
        # No value satisfies the parameter's schema (an enum its own pattern refuses, anyOf
        # branches that all contradict themselves): no request exists that the operation must
        # accept. `mockserver lint` names the schema.
        raise Unprobeable(str(exc).splitlines()[0]) from exc


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _serialize(name: str, value: Any, style: str, explode: bool) -> list[tuple[str, str]] | str:
    """Serialize a value per OpenAPI's style table: pairs for query, text for the rest."""
    if isinstance(value, dict):
        items = [(str(k), _text(v)) for k, v in value.items()]
        if style == "deepObject":
            return [(f"{name}[{k}]", v) for k, v in items]
        if style == "form":
            return items if explode else [(name, ",".join(f"{k},{v}" for k, v in items))]
        joined = (
            ",".join(f"{k}={v}" for k, v in items)
            if explode
            else ",".join(f"{k},{v}" for k, v in items)
        )
        if style == "label":
            return "." + joined.replace(",", ".") if explode else "." + joined
        if style == "matrix":
            if explode:
                return "".join(f";{k}={v}" for k, v in items)
            return f";{name}=" + joined
        return joined
    if isinstance(value, list):
        texts = [_text(v) for v in value]
        if style == "form":
            return [(name, t) for t in texts] if explode else [(name, ",".join(texts))]
        if style in ("spaceDelimited", "pipeDelimited"):
            separator = " " if style == "spaceDelimited" else "|"
            return [(name, t) for t in texts] if explode else [(name, separator.join(texts))]
        if style == "label":
            return "." + (".".join(texts) if explode else ",".join(texts))
        if style == "matrix":
            if explode:
                return "".join(f";{name}={t}" for t in texts)
            return f";{name}=" + ",".join(texts)
        return ",".join(texts)
    text = _text(value)
    if style == "form":
        return [(name, text)]
    if style == "label":
        return "." + text
    if style == "matrix":
        return f";{name}={text}"
    return text


_Request = tuple[str, list[tuple[str, str | int | float | bool | None]], dict[str, str]]
# How many other path values are tried when the first path routes to another operation.
_REROUTES = 8


def build_request(engine: Engine, compiled: CompiledOperation) -> _Request:
    """A request that satisfies the operation's required parameters and security and that
    reaches it: ``(path, query pairs, headers)``.

    A path whose values make it another operation's (mist's `/sites/{id}/{zone_type}/count`
    with `zones`, the literal of `/sites/{id}/zones/{zone_id}`) is built again with other
    values; when none reaches the operation, it is `Unprobeable`.
    """
    template = request_path(compiled.operation.path)
    elsewhere = ""
    for attempt in range(_REROUTES):
        built = _build(engine, compiled, attempt)
        found = engine.router.match(built[0])
        if found is None or found.template == template:
            return built
        elsewhere = found.template
    raise Unprobeable(f"every path built routes to another operation's template ({elsewhere})")


def _build(engine: Engine, compiled: CompiledOperation, attempt: int) -> _Request:
    op = compiled.operation
    if "?" in op.path:
        raise Unprobeable(f"the path template {op.path} holds a query string")
    path = op.path
    query: list[tuple[str, str | int | float | bool | None]] = []
    headers = {"Authorization": "Bearer token"}
    cookies: list[str] = []
    for param in op.parameters:
        if not param.required and param.location != "path":
            continue
        key = f"{op.pointer}/{param.name}" + (f"|{attempt}" if attempt else "")
        value = _value(engine, param.schema, key, param.pointer)
        if value in (None, "") and not (param.location == "query" and param.allow_empty_value):
            # Sent empty, a parameter is absent (a path segment gone: /boards/ is the list
            # /boards), or refused (allowEmptyValue is false): ask for a value that is there.
            there = {"allOf": [param.schema, {"minLength": 1, "not": {"enum": [None, ""]}}]}
            value = _value(engine, there, key, param.pointer)
        if param.media_type is not None and "json" in param.media_type:
            value = json.dumps(value)
        elif value == {} and param.explode and param.location in ("query", "cookie"):
            # An empty object spread over the query sends nothing: a required one is missing.
            raise Unprobeable(f"parameter {param.name} is an object with nothing to send")
        elif _nested(value):
            # Styles serialize one level: nested objects and arrays have no defined form.
            raise Unprobeable(f"parameter {param.name} holds nested values: {value!r}"[:200])
        serialized = _serialize(param.name, value, param.style, param.explode)
        if param.location == "query":
            assert isinstance(serialized, list)
            query.extend(serialized)
        elif isinstance(serialized, list):
            cookies.extend(f"{k}={quote(v)}" for k, v in serialized)
        elif param.location == "path":
            path = path.replace("{" + param.name + "}", _segment(serialized))
        else:
            headers[param.name] = serialized
    schemes = engine.spec.document.get("components", {}).get("securitySchemes", {})
    for alternative in op.security[:1]:
        for name in alternative:
            scheme = schemes.get(name, {})
            if scheme.get("type") == "apiKey":
                where, key = scheme["in"], scheme["name"]
                if where == "header":
                    headers[key] = "key"
                elif where == "query":
                    query.append((key, "key"))
                else:
                    cookies.append(f"{key}=key")
            elif scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "basic":
                headers["Authorization"] = "Basic dXNlcjpwYXNz"
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    return engine.spec.base_path + path, query, headers


def build_body(engine: Engine, compiled: CompiledOperation) -> tuple[str, bytes] | None:
    """``(content type, bytes)`` of the body the operation requires, else None: JSON, a form
    (urlencoded or multipart, one field per property) or text; `Unprobeable` for any other."""
    body = compiled.operation.request_body
    if body is None or not body.required:
        return None
    for name, media in body.content.items():
        bare = name.split(";")[0].strip().lower()
        if "json" in bare or bare in ("*/*", "application/*"):
            value = _value(engine, media.schema, f"{media.pointer}|body", media.pointer)
            kind = "application/json" if bare in ("*/*", "application/*") else name
            return kind, json.dumps(value).encode()
        if bare in (_URLENCODED, _MULTIPART):
            value = _value(engine, media.schema, f"{media.pointer}|body", media.pointer)
            if not isinstance(value, dict):
                raise Unprobeable(f"the {bare} body's schema makes no object: {value!r}"[:200])
            if bare == _URLENCODED:
                return name, urlencode(_form_pairs(value)).encode()
            return f"{_MULTIPART}; boundary={_BOUNDARY}", _multipart(value)
        if bare.startswith("text/"):
            value = _value(engine, media.schema, f"{media.pointer}|body", media.pointer)
            return name, _text(value).encode()
    media_types = ", ".join(body.content) or "none declared"
    raise Unprobeable(f"the required request body is of a kind not built here ({media_types})")


_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"
_BOUNDARY = "corpus-boundary-7d1f"


def _form_pairs(value: dict[str, Any]) -> list[tuple[str, str]]:
    """A form's fields, OpenAPI's default encoding (style form): an array is one field per
    item, a flat object one field ``k,v,k,v``; nested values have no defined form."""
    pairs: list[tuple[str, str]] = []
    for key, item in value.items():
        if _nested(item) or (isinstance(item, list) and any(isinstance(i, dict) for i in item)):
            raise Unprobeable(f"form field {key} holds nested values: {item!r}"[:200])
        serialized = _serialize(str(key), item, "form", not isinstance(item, dict))
        assert isinstance(serialized, list)  # the form style serializes to pairs
        pairs.extend(serialized)
    return pairs


def _multipart(value: dict[str, Any]) -> bytes:
    """The form as ``multipart/form-data``: one part per field (an array: one per item),
    objects as JSON parts, as OpenAPI's default encoding says."""
    out = bytearray()
    for key, item in value.items():
        for one in item if isinstance(item, list) else [item]:
            is_json = isinstance(one, dict | list)
            kind = "application/json" if is_json else "text/plain; charset=utf-8"
            text = json.dumps(one) if is_json else _text(one)
            out += f"--{_BOUNDARY}\r\n".encode()
            out += f'Content-Disposition: form-data; name="{key}"\r\n'.encode()
            out += f"Content-Type: {kind}\r\n\r\n".encode()
            out += text.encode() + b"\r\n"
    out += f"--{_BOUNDARY}--\r\n".encode()
    return bytes(out)


def _segment(text: str) -> str:
    """A path parameter's text, percent-encoded: a value of ``.`` or ``..`` encoded whole, or
    the client would take it for a dot-segment and drop it (RFC 3986 5.2.4), sending the
    request to another operation (``/groups/.`` to ``/groups``)."""
    if text in (".", ".."):
        return text.replace(".", "%2E")
    return quote(text, safe=",;=.")


def _nested(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(isinstance(item, dict | list) for item in items)
