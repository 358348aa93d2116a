"""Violations: one broken rule of a request or response, located like ``body.items[0].quantity``.

Schema errors from jsonschema-rs become `Violation`s with a location a person can follow, a
rule name and a short message; `redact` keeps a ``writeOnly`` value (a password) out of the
message that rejects it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import jsonschema_rs
import orjson

from mockserver.compile.schemas import json_type, schema_members
from mockserver.compile.validators import OAS_FORMAT_KEYWORD

__all__ = [
    "MAX_MESSAGE",
    "Violation",
    "errors_to_violations",
    "ordered_violations",
    "redact",
    "short",
    "without_secret",
    "write_only_locations",
]

_RANK: Final = {"path": 0, "query": 1, "header": 2, "cookie": 3, "status": 4, "body": 5}
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")
MAX_MESSAGE = 240


# Not frozen: one is made per request, and a frozen dataclass sets each field through
# object.__setattr__ (several times the cost). Nothing changes one once made.
@dataclass(slots=True)
class Violation:
    """One broken rule: where (``body.items[0].quantity``), which rule and what is wrong."""

    location: str
    code: str
    message: str


def short(value: Any) -> str:
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _render(path: Iterable[str | int]) -> str:
    """``["items", 0, "quantity"]`` as ``.items[0].quantity``."""
    out = []
    for token in path:
        if isinstance(token, int):
            out.append(f"[{token}]")
        elif _IDENTIFIER.match(token):
            out.append(f".{token}")
        else:
            out.append(f"[{orjson.dumps(token).decode()}]")
    return "".join(out)


def _type_name(value: Any) -> str:
    kind = json_type(value)
    return f"string {short(value)}" if kind == "string" else kind


def errors_to_violations(
    errors: Iterable[jsonschema_rs.ValidationError], prefixes: Mapping[str, str]
) -> list[Violation]:
    """Schema errors as `Violation`s; ``prefixes`` maps body keys to where they are shown."""
    out: list[Violation] = []
    for error in errors:
        path = error.instance_path
        if not path:
            continue
        head = str(path[0])
        if head in prefixes:  # a body: its key stands for the declared media type
            where, rest = prefixes[head], path[1:]
        else:  # a location: the next step names the parameter
            where, rest = (f"{head}.{path[1]}", path[2:]) if len(path) > 1 else (head, [])
        location = where + _render(rest)
        out.extend(_violations_of(error, location))
    return out


def _violations_of(error: jsonschema_rs.ValidationError, location: str) -> list[Violation]:
    kind = error.kind
    name = kind.name
    instance = error.instance
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        prop = kind.property
        return [
            Violation(
                location + _render([prop]), "required", f"required property {prop!r} is missing"
            )
        ]
    if isinstance(
        kind,
        jsonschema_rs.ValidationErrorKind.AdditionalProperties
        | jsonschema_rs.ValidationErrorKind.UnevaluatedProperties,
    ):
        return [
            Violation(
                location + _render([extra]),
                name,
                f"property {extra!r} is not allowed: the schema declares no such property "
                "and allows no others",
            )
            for extra in kind.unexpected
        ]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Type):
        expected = " or ".join(kind.types)
        return [Violation(location, "type", f"expected {expected}, got {_type_name(instance)}")]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Format):
        return [Violation(location, "format", f"{short(instance)} is not a valid {kind.format}")]
    if name == OAS_FORMAT_KEYWORD:
        return [Violation(location, "format", error.message)]
    if name in ("oneOf", "anyOf"):
        many = isinstance(kind, jsonschema_rs.ValidationErrorKind.OneOfMultipleValid)
        message = (
            f"{_type_name(instance)} matches more than one of the oneOf schemas"
            if many
            else f"{_type_name(instance)} matches none of the {name} schemas"
        )
        return [Violation(location, name, message)]
    message = error.message
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return [Violation(location, name, message)]


def write_only_locations(schema: Any, document: Mapping[str, Any], location: str) -> list[str]:
    """Where in a body ``writeOnly`` values (passwords) sit: their values are never echoed."""
    return [location + rest for rest in _write_only(schema, document, _WRITE_ONLY_DEPTH, {})]


_WRITE_ONLY_DEPTH = 8


def _write_only(
    schema: Any,
    document: Mapping[str, Any],
    depth: int,
    memo: dict[tuple[int, int], tuple[str, ...]],
) -> tuple[str, ...]:
    # Memoized per schema node and depth left: in a document whose schemas all reach each
    # other (Microsoft Graph's 2,500 entity types), an unmemoized walk visits millions of
    # paths per body, and 3,849 bodies took minutes at start-up.
    if depth < 0 or not isinstance(schema, Mapping):
        return ()
    key = (id(schema), depth)
    found = memo.get(key)
    if found is None:
        memo[key] = ()  # a cycle back to this node adds nothing
        out: list[str] = []
        for member in schema_members(schema, document):
            for name, sub in (member.get("properties") or {}).items():
                here = f".{name}"
                if any(m.get("writeOnly") for m in schema_members(sub, document)):
                    out.append(here)
                else:
                    out.extend(here + rest for rest in _write_only(sub, document, depth - 1, memo))
        found = memo[key] = tuple(out)
    return found


def redact(violation: Violation, body: Any) -> Violation:
    """The violation without the rejected value of a ``writeOnly`` field in its message."""
    value: Any = body
    for key in violation.location.split(".")[1:]:
        value = value.get(key) if isinstance(value, Mapping) else None
    message = violation.message
    if isinstance(value, str) and value:
        message = without_secret(message, value)
    return Violation(violation.location, violation.code, message)


def without_secret(message: str, secret: str) -> str:
    """``message`` with each quoted rendering of ``secret`` replaced by ``the value``.

    Messages quote a rejected value as JSON (whole, or cut short with ``...``); only those
    renderings are replaced, never the bare text, which also occurs inside ordinary words
    (the password "short" in "is shorter than 8 characters").
    """
    forms = {json.dumps(secret, ensure_ascii=False), json.dumps(secret), short(secret)}
    for form in sorted(forms, key=len, reverse=True):
        message = message.replace(form, "the value")
    return message


def ordered_violations(violations: list[Violation]) -> list[Violation]:
    """Violations in the order of the message: path, query, header, cookie, status, body."""
    return sorted(violations, key=lambda v: _RANK.get(v.location.split(".", 1)[0], 6))
