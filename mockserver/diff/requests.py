"""Compare what an operation accepts: its parameters and its request body.

Parameters are those of the path item merged with the operation's own (which override by name
and location), `$ref`s followed; path parameters are matched by their place in the template,
so ``/a/{id}`` renamed to ``/a/{aid}`` keeps its parameter. Each schema is compared on the
request side by `mockserver.diff.schemas`.
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.diff.model import Findings, Subject
from mockserver.diff.schemas import compare_contents, compare_schemas
from mockserver.diff.views import Located, resolve
from mockserver.spec import pointer as jp

__all__ = [
    "Endpoint",
    "compare_parameters",
    "compare_request_bodies",
    "media_types",
    "template_names",
]

# An operation as found: the operation, its path item (each with its pointer) and the template.
Endpoint = tuple[Located, Located, str]
_Key = tuple[str, str]


def template_names(template: str) -> list[str]:
    """The parameter names of a path template, in order: ``/a/{id}/b/{x}`` -> ``id``, ``x``."""
    return re.findall(r"\{([^{}]*)\}", template)


def compare_parameters(
    documents: tuple[Any, Any], out: Findings, old: Endpoint, new: Endpoint
) -> None:
    """Add to ``out`` the parameters added, removed, moved, made required or narrowed."""
    before, after = _parameters(documents[0], old), _parameters(documents[1], new)
    moved_to: set[_Key] = set()
    for key in sorted(before.keys() - after.keys()):
        (node, at), name = before[key], _name(before[key][0])
        subject = Subject("parameter", key[0], name)
        where = next(
            (k for k in after.keys() - before.keys() - moved_to if k[1].lower() == key[1].lower()),
            None,
        )
        if where is not None and key[0] != "path" and where[0] != "path":
            moved_to.add(where)
            message = f"parameter '{name}' moved from the {key[0]} to the {where[0]}"
            out.add("request-parameter-location-changed", at, after[where][1], message, subject)
        else:
            message = f"{key[0]} parameter '{name}' was removed; clients still send it"
            out.add("request-parameter-removed", at, new[0][1], message, subject)
    for key in sorted(after.keys() - before.keys() - moved_to):
        node, at = after[key]
        label = f"{key[0]} parameter '{_name(node)}'"
        subject = Subject("parameter", key[0], _name(node))
        if node.get("required") is True:
            message = f"{label} was added and is required; clients do not send it"
            out.add("request-parameter-added-required", old[0][1], at, message, subject)
        else:
            message = f"{label} was added (optional)"
            out.add("request-parameter-added", old[0][1], at, message, subject)
    for key in sorted(before.keys() & after.keys()):
        (o, o_at), (n, n_at) = before[key], after[key]
        label = f"{key[0]} parameter '{_name(n)}'"
        subject = Subject("parameter", key[0], _name(o))
        if n.get("required") is True and o.get("required") is not True:
            message = f"{label} became required; clients that leave it out are refused"
            out.add("request-parameter-made-required", o_at, n_at, message, subject)
        elif o.get("required") is True and n.get("required") is not True:
            message = f"{label} became optional"
            out.add("request-parameter-made-optional", o_at, n_at, message, subject)
        if n.get("deprecated") is True and o.get("deprecated") is not True:
            message = f"{label} is now deprecated"
            out.add("request-parameter-deprecated", o_at, n_at, message, subject)
        o_schema, n_schema = _schema(o, o_at), _schema(n, n_at)
        if o_schema is not None and n_schema is not None:
            compare_schemas(
                documents, out, o_schema, n_schema,
                direction="request", what=label, subject=subject,
            )  # fmt: skip


def _parameters(document: Any, endpoint: Endpoint) -> dict[_Key, Located]:
    """The operation's parameters with the path item's, by location and name."""
    (operation, operation_at), (item, item_at), template = endpoint
    names = template_names(template)
    found: dict[_Key, Located] = {}
    for container, at in ((item, item_at), (operation, operation_at)):
        listed = container.get("parameters") if isinstance(container, dict) else None
        for index, parameter in enumerate(listed if isinstance(listed, list) else ()):
            node, pointer = resolve(document, parameter, f"{at}/parameters/{index}")
            if not isinstance(node, dict) or not isinstance(node.get("name"), str):
                continue
            where, name = str(node.get("in")), node["name"]
            if where == "path" and name in names:
                name = f"{{{names.index(name)}}}"  # its place in the template, not its name
            elif where == "header":
                name = name.lower()
            found[(where, name)] = (node, pointer)
    return found


def _name(parameter: dict[str, Any]) -> str:
    return str(parameter.get("name"))


def _schema(parameter: dict[str, Any], at: str) -> Located | None:
    if isinstance(parameter.get("schema"), dict):
        return parameter["schema"], f"{at}/schema"
    content = parameter.get("content")
    for media, entry in content.items() if isinstance(content, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("schema"), dict):
            return entry["schema"], f"{at}/content/{jp.escape(media)}/schema"
    return None


def compare_request_bodies(
    documents: tuple[Any, Any], out: Findings, old: Located, new: Located
) -> None:
    """Add to ``out`` the request body's changes: required, media types, schemas."""
    (old_op, old_at), (new_op, new_at) = old, new
    o, o_at = _body(documents[0], old_op, old_at)
    n, n_at = _body(documents[1], new_op, new_at)
    if o is None and n is None:
        return
    body = Subject("request-body")
    if n is None:
        message = "the request body was removed; clients still send one"
        out.add("request-body-removed", o_at, new_at, message, body)
        return
    if n.get("required") is True and (o is None or o.get("required") is not True):
        change = "was added, required" if o is None else "became required"
        message = f"the request body {change}; clients that send none are refused"
        out.add("request-body-made-required", o_at or old_at, n_at, message, body)
    if o is None:
        if n.get("required") is not True:
            message = "an optional request body was added"
            out.add("request-body-added", old_at, n_at, message, body)
        return
    before, after = media_types(o), media_types(n)
    for media in sorted(before.keys() - after.keys()):
        message = f"the request body no longer accepts {media}"
        gone = f"{o_at}/content/{jp.escape(media)}"
        out.add("request-media-type-removed", gone, n_at, message, body)
    for media in sorted(after.keys() - before.keys()):
        message = f"the request body now also accepts {media}"
        added = f"{n_at}/content/{jp.escape(media)}"
        out.add("request-media-type-added", o_at, added, message, body)
    compare_contents(
        documents, out, (before, o_at), (after, n_at),
        direction="request", what=lambda media: f"the request body ({media})", subject=body,
    )  # fmt: skip


def _body(document: Any, operation: Any, at: str) -> tuple[dict[str, Any] | None, str]:
    if not isinstance(operation, dict) or "requestBody" not in operation:
        return None, at
    node, pointer = resolve(document, operation["requestBody"], f"{at}/requestBody")
    return (node, pointer) if isinstance(node, dict) else (None, at)


def media_types(owner: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The media type objects of a body or response, by media type."""
    content = owner.get("content")
    if not isinstance(content, dict):
        return {}
    return {str(k): v for k, v in content.items() if isinstance(v, dict)}
