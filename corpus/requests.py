"""A request an operation must accept: its required parameters, serialized by their style.

Values are generated from each parameter's schema (request direction); credentials are made
up for the operation's first security alternative (bearer, basic, API key in any place).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

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


def build_request(
    engine: Engine, compiled: CompiledOperation
) -> tuple[str, list[tuple[str, str | int | float | bool | None]], dict[str, str]]:
    """A request that satisfies the operation's required parameters and security:
    ``(path, query pairs, headers)``."""
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
        value = _value(engine, param.schema, f"{op.pointer}/{param.name}", param.pointer)
        if param.media_type is not None and "json" in param.media_type:
            value = json.dumps(value)
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
            path = path.replace("{" + param.name + "}", quote(serialized, safe=",;=."))
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
    """``(content type, bytes)`` of a body the operation requires (JSON ones), else None."""
    body = compiled.operation.request_body
    if body is None or not body.required:
        return None
    for name, media in body.content.items():
        if "json" in name or name in ("*/*", "application/*"):
            value = _value(engine, media.schema, f"{media.pointer}|body", media.pointer)
            kind = "application/json" if name in ("*/*", "application/*") else name
            return kind, json.dumps(value).encode()
    return None


def _nested(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(isinstance(item, dict | list) for item in items)
