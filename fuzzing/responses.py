"""Checks of what one response shows: fields it does not declare, secrets, its own pagination.

The response schema comes from the spec (the operation's declared response for the status
answered), with local ``$ref``s followed here. Which objects are closed:

- An object schema that lists ``properties`` is **closed** unless it says otherwise, whether
  or not it sets ``additionalProperties: false``. Every object of this API is the platform's
  own (users, projects, orders, problems ...), and a field a client cannot know about is either
  a leak or an undocumented contract; RFC 9457 extension members of a problem are no exception
  (the spec declares the ones it uses, ``code`` and ``errors``).
- It is **open** where the spec says so: ``additionalProperties`` true or a schema (a free-form
  map such as a session's ``metadata``), or ``patternProperties``.
- ``allOf`` adds up its branches; ``anyOf``/``oneOf`` declare what any branch declares.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemathesis import Case, Response

__all__ = [
    "SECRET_NAMES",
    "declared_shape",
    "no_secrets_outside_their_declared_places",
    "no_undeclared_properties",
    "pagination_adds_up",
]

# Field names that hold a credential or what derives from one, compared without case, "_" or "-".
SECRET_NAMES = (
    "password",
    "passwordhash",
    "hash",
    "salt",
    "secret",
    "clientsecret",
    "token",
    "accesstoken",
    "refreshtoken",
    "sessiontoken",
    "apikey",
    "privatekey",
    "otp",
    "totpsecret",
)
SECRET_SUFFIXES = ("password", "passwordhash", "secret", "token", "apikey", "privatekey")
# Password hashes in the formats servers store them (argon2, bcrypt, scrypt, PBKDF2, crypt(3)).
PASSWORD_HASH = re.compile(r"\$(argon2(id|i|d)|2[abxy]|scrypt|pbkdf2[-_a-z0-9]*|[156])\$\S{8,}")


@dataclass(slots=True)
class Shape:
    """What an object schema declares: its property names and their schemas, open or closed."""

    properties: dict[str, list[Any]] = field(default_factory=dict)
    items: list[Any] = field(default_factory=list)
    open: bool = False
    is_object: bool = False


def _resolve(root: Mapping[str, Any], schema: Any, seen: frozenset[str] = frozenset()) -> Any:
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref: str = schema["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return {}  # a remote or circular reference: nothing is known about it here
        seen = seen | {ref}
        target: Any = root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        schema = target
    return schema


def declared_shape(root: Mapping[str, Any], schema: Any) -> Shape:
    """The properties an object schema declares, through ``$ref``s and combinators."""
    shape = Shape()
    _collect(root, schema, shape, depth=0)
    return shape


def _collect(root: Mapping[str, Any], schema: Any, shape: Shape, depth: int) -> None:
    schema = _resolve(root, schema)
    if not isinstance(schema, Mapping) or depth > 20:
        return
    if isinstance(schema.get("properties"), Mapping):
        shape.is_object = True
        for name, sub in schema["properties"].items():
            shape.properties.setdefault(name, []).append(sub)
    additional = schema.get("additionalProperties")
    if additional not in (None, False) or "patternProperties" in schema:
        shape.open = True
    if "items" in schema:
        shape.items.append(schema["items"])
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword) or ():
            _collect(root, branch, shape, depth + 1)


def _response_schema(case: Case[Any], response: Response) -> Any:
    """The declared schema of this response's body, or None when the spec declares none."""
    declared = case.operation.responses.find_by_status_code(response.status_code)
    return None if declared is None else declared.get_raw_schema()


def _json(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Field:
    """One property of the body: where it is, its name and value, and whether it is declared."""

    location: str
    name: str
    value: Any
    declared: bool
    in_open_object: bool


def _fields(root: Mapping[str, Any], schemas: list[Any], value: Any, path: str) -> Iterator[Field]:
    """Every property of ``value`` with what ``schemas`` (any of them applies) say about it."""
    shape = Shape()
    for schema in schemas:
        _collect(root, schema, shape, depth=0)
    if isinstance(value, dict):
        for name, sub in value.items():
            location = f"{path}.{name}" if path else str(name)
            declared = name in shape.properties
            yield Field(location, str(name), sub, declared, shape.open or not shape.is_object)
            subschemas = shape.properties.get(name, [])
            yield from _fields(root, subschemas, sub, location)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _fields(root, shape.items, item, f"{path}[{index}]")


def _body_fields(case: Case[Any], response: Response) -> Iterator[Field]:
    schema = _response_schema(case, response)
    body = _json(response)
    if schema is None or body is None:
        return
    yield from _fields(case.operation.schema.raw_schema, [schema], body, "")


def no_undeclared_properties(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """Every property of the body is declared by its response schema (objects are closed)."""
    undeclared = [
        f.location for f in _body_fields(case, response) if not f.declared and not f.in_open_object
    ]
    assert not undeclared, (
        f"{case.operation.label} answered {response.status_code} with properties its response "
        f"schema does not declare: {', '.join(undeclared)} (declare them in "
        "openapi/openapi.yaml or stop sending them)"
    )
    return True


def _is_secret_name(name: str) -> bool:
    key = name.lower().replace("_", "").replace("-", "")
    return key in SECRET_NAMES or key.endswith(SECRET_SUFFIXES)


def _sent(case: Case[Any], name: str, value: Any) -> bool:
    """Whether the request body itself carried ``name: value`` (an echo is not a leak)."""
    stack = [case.body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if name in item and item[name] == value:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def no_secrets_outside_their_declared_places(
    ctx: Any, response: Response, case: Case[Any]
) -> bool | None:
    """No secret-looking field where the spec does not declare it, and no password hash at all.

    ``tokens.accessToken`` of a login or ``secret`` of a new webhook endpoint are declared there,
    so they pass; a ``passwordHash`` on a user, or a ``token`` in a session's free-form metadata
    that the request did not send, fails.
    """
    for found in _body_fields(case, response):
        if _is_secret_name(found.name) and not found.declared:
            assert _sent(case, found.name, found.value), (
                f"{case.operation.label} answered {response.status_code} with {found.location}, "
                "a secret-looking field its response schema does not declare there"
            )
        if isinstance(found.value, str) and PASSWORD_HASH.search(found.value):
            assert _sent(case, found.name, found.value), (
                f"{case.operation.label} answered {response.status_code} with a password hash "
                f"at {found.location}"
            )
    return True


def _sent_query(case: Case[Any], name: str) -> int | None:
    raw = (case.query or {}).get(name)
    try:
        return int(raw) if raw is not None and not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        return None


def pagination_adds_up(ctx: Any, response: Response, case: Case[Any]) -> bool | None:
    """A page agrees with itself: ``pages`` is ``ceil(total / limit)``, the items fit the page.

    Only the last page may be short, a page past the last is empty, and the ``page`` and
    ``limit`` the request asked for are the ones answered.
    """
    body = _json(response)
    if response.status_code != 200 or not isinstance(body, dict):
        return None
    pagination, items = body.get("pagination"), body.get("data")
    if not isinstance(pagination, dict) or not isinstance(items, list):
        return None
    numbers = [pagination.get(k) for k in ("page", "limit", "total", "pages")]
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        return None  # the schema check reports a wrong type
    page, limit, total, pages = (int(n) for n in numbers if n is not None)
    where = f"{case.operation.label} pagination {pagination}"
    assert limit >= 1, f"{where}: limit must be at least 1"
    assert pages == math.ceil(total / limit), f"{where}: pages is not ceil(total / limit)"
    expected = max(0, min(limit, total - (page - 1) * limit))
    assert len(items) == expected, (
        f"{where}: the page holds {len(items)} items, expected {expected} "
        "(a full page before the last, the rest on the last, none past it)"
    )
    for name, answered in (("page", page), ("limit", limit)):
        asked = _sent_query(case, name)
        assert asked is None or asked == answered, f"{where}: asked for {name}={asked}"
    return True
