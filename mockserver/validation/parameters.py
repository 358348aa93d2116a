"""Turns raw parameter text into typed values, as each parameter's ``style`` and schema say.

A `ParameterParser` is built once per parameter: it picks the extraction for its location,
style and explode flag (OpenAPI's style table) and the schema's `Coercion` plan (see
`mockserver.compile.schemas.coercion_for`), so a request costs a few string splits. Text that cannot
be coerced stays a string, and the schema validator reports the type error at the parameter's
location; text that breaks the style itself comes back as `Malformed`. The fields of
urlencoded and multipart bodies are read the same way (see `mockserver.validation.forms`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, unquote_plus

import orjson

from mockserver.compile.operations import Parameter
from mockserver.compile.schemas import KEEP, coercion_for
from mockserver.validation.violations import Violation, short

__all__ = [
    "EMPTY",
    "MISSING",
    "Malformed",
    "ParameterParser",
    "collect_parameters",
    "decode_query_value",
    "group_schema",
    "is_json_media_type",
    "parse_cookies",
    "parse_query",
]


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# The parameter is absent from the request.
MISSING: Final = _Marker("MISSING")
# A query parameter is present with an empty value (``?name=``), which OpenAPI only allows
# with ``allowEmptyValue``.
EMPTY: Final = _Marker("EMPTY")

# Delimited styles split the decoded value: clients (httpx, browsers) percent-encode the
# commas they are given, so splitting before decoding would reject most real requests.
_SEPARATORS: Final = {"spaceDelimited": " ", "pipeDelimited": "|"}


def is_json_media_type(media_type: str) -> bool:
    """Whether a bare media type (no parameters, lower case) carries JSON."""
    return media_type == "application/json" or media_type.endswith("+json")


def parse_query(query_string: str) -> dict[str, list[str]]:
    """Split a query string into decoded names and their raw (still encoded) values."""
    pairs: dict[str, list[str]] = {}
    if not query_string:
        return pairs
    for chunk in query_string.split("&"):
        if not chunk:
            continue
        key, _, value = chunk.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        found = pairs.get(key)
        if found is None:
            pairs[key] = [value]
        else:
            found.append(value)
    return pairs


def parse_cookies(header: str | None) -> dict[str, list[str]]:
    """Split a ``Cookie`` header into names and their raw values (quotes removed)."""
    cookies: dict[str, list[str]] = {}
    if not header:
        return cookies
    for chunk in header.split(";"):
        key, sep, value = chunk.strip().partition("=")
        if not sep or not key:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies.setdefault(key.strip(), []).append(value)
    return cookies


def decode_query_value(raw: str) -> str:
    """A raw query (or form) value decoded: percent escapes, and ``+`` as a space."""
    return unquote_plus(raw) if "%" in raw or "+" in raw else raw


def _decode_cookie(raw: str) -> str:
    return unquote(raw) if "%" in raw else raw


def _identity(raw: str) -> str:
    return raw


@dataclass(frozen=True, slots=True)
class Malformed:
    """Text that does not follow the parameter's style; ``expected`` says what it should do."""

    raw: str
    expected: str


# --- styles --------------------------------------------------------------------------------


def _pairs_to_dict(parts: list[str]) -> dict[str, str] | None:
    """``["a", "1", "b", "2"]`` as ``{"a": "1", "b": "2"}``; None when the count is odd."""
    if len(parts) % 2:
        return None
    return dict(zip(parts[::2], parts[1::2], strict=True))


def _assignments(parts: list[str]) -> dict[str, str] | None:
    """``["a=1", "b=2"]`` as ``{"a": "1", "b": "2"}``; None when one lacks ``=``."""
    out: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep:
            return None
        out[key] = value
    return out


class ParameterParser:
    """Deserializes one parameter from its location, honouring ``style`` and ``explode``."""

    __slots__ = (
        "_decode",
        "_empty_marker",
        "_json",
        "_pairs",
        "_prefix",
        "_reserved",
        "_separator",
        "allow_empty",
        "explode",
        "key",
        "kind",
        "location",
        "name",
        "plan",
        "required",
        "style",
    )

    def __init__(
        self,
        parameter: Parameter,
        document: Mapping[str, Any],
        *,
        reserved: Collection[str] = (),
        form_field: bool = False,
    ) -> None:
        self.name = parameter.name
        self.location = parameter.location
        # Where `read` looks: headers are matched case-insensitively, by their lower-case name.
        self.key = self.name.lower() if self.location == "header" else self.name
        self._pairs = self.location in ("query", "cookie")
        self.required = parameter.required
        self.style = parameter.style
        self.explode = parameter.explode
        self.allow_empty = parameter.allow_empty_value
        media = parameter.media_type
        # A `content` parameter is one serialized document: no style applies.
        self._json: bool | None = (
            None if media is None else is_json_media_type(media.split(";")[0].strip().lower())
        )
        self.plan = KEEP if media is not None else coercion_for(parameter.schema, document)
        self.kind = self.plan.kind
        # An empty form field is an empty string; an empty query parameter is reported.
        self._empty_marker = self.location == "query" and not form_field
        self._decode: Callable[[str], str] = (
            decode_query_value
            if self.location == "query"
            else _decode_cookie
            if self.location == "cookie"
            else _identity
        )
        self._reserved = frozenset(reserved) | {self.name}
        self._prefix = f"{self.name}["
        self._separator = _SEPARATORS.get(self.style, ",")

    def _content(self, raw: str) -> Any:
        if self._json:
            try:
                return orjson.loads(raw)
            except orjson.JSONDecodeError:
                return raw
        return raw

    def read(self, source: Mapping[str, Any]) -> Any:
        """The value from its location: path values, query pairs, lower-cased headers, cookies."""
        if self._pairs:
            return self.from_pairs(source)
        return self.from_text(source.get(self.key))

    def from_text(self, raw: str | None) -> Any:
        """The value of a path or header parameter (``raw`` is None when absent)."""
        if raw is None:
            return MISSING
        if self._json is not None:
            return self._content(raw)
        return self.plan.apply(self._extract_text(raw))

    def _bad(self, raw: str, rule: str) -> Malformed:
        explode = " with explode" if self.explode else ""
        return Malformed(raw, f"{self.style} style{explode} {rule}")

    def _object(self, raw: str, parts: list[str], *, assigned: bool) -> dict[str, str] | Malformed:
        found = _assignments(parts) if assigned else _pairs_to_dict(parts)
        if found is None:
            return self._bad(
                raw, "needs name=value pairs" if assigned else "needs name,value pairs"
            )
        return found

    def _extract_text(self, raw: str) -> Any:
        kind, style, explode = self.kind, self.style, self.explode
        if style == "label":
            if not raw.startswith("."):
                return self._bad(raw, "starts with '.'")
            text = raw[1:]
            if kind == "array":
                return text.split("." if explode else ",") if text else []
            if kind == "object":
                parts = text.split("." if explode else ",") if text else []
                return self._object(raw, parts, assigned=explode)
            return text
        if style == "matrix":
            return self._extract_matrix(raw)
        # simple, and anything unknown: RFC 6570 simple expansion.
        if kind == "array":
            return raw.split(",") if raw else []
        if kind == "object":
            return self._object(raw, raw.split(",") if raw else [], assigned=explode)
        return raw

    def _extract_matrix(self, raw: str) -> Any:
        name = self.name
        if not raw.startswith(";"):
            return self._bad(raw, f"starts with ';{name}='")
        chunks = raw[1:].split(";")
        if self.kind == "object" and self.explode:
            return self._object(raw, chunks, assigned=True)
        values: list[str] = []
        for chunk in chunks:
            key, _, value = chunk.partition("=")
            if key != name:
                return self._bad(raw, f"names every value ';{name}='")
            values.append(value)
        if self.kind == "array":
            if self.explode:
                return values
            return values[0].split(",") if values[0] else []
        if self.kind == "object":
            return self._object(raw, values[0].split(",") if values[0] else [], assigned=False)
        return values[0]

    def from_pairs(self, pairs: Mapping[str, list[str]]) -> Any:
        """The value of a query or cookie parameter (or form field) from raw name/value pairs."""
        decode = self._decode
        if self._json is not None:
            found = pairs.get(self.name)
            if found is None:
                return MISSING
            if not found[0] and self._empty_marker:
                return EMPTY
            return self._content(decode(found[0]))
        kind = self.kind
        if kind == "object" and (self.explode or self.style == "deepObject"):
            value = self._exploded_object(pairs)
            return MISSING if value is None else self.plan.apply(value)
        found = pairs.get(self.name)
        if found is None:
            return MISSING
        if kind == "array":
            if self.explode:
                return self.plan.apply([decode(v) for v in found])
            return self.plan.apply(decode(found[0]).split(self._separator))
        if kind == "object":
            text = decode(found[0])
            parts = text.split(self._separator)
            return self.plan.apply(self._object(text, parts, assigned=False))
        if not found[0] and self._empty_marker:
            return EMPTY
        return self.plan.scalar(decode(found[0]))

    def _exploded_object(self, pairs: Mapping[str, list[str]]) -> dict[str, Any] | None:
        decode = self._decode
        out: dict[str, Any] = {}
        if self.style == "deepObject":
            prefix = self._prefix
            for key, values in pairs.items():
                if key.startswith(prefix) and key.endswith("]"):
                    prop = key[len(prefix) : -1]
                    if "[" in prop or "]" in prop:
                        continue
                    out[prop] = self._field(prop, values, decode)
            return out or None
        plan = self.plan
        if plan.additional is not None or not plan.properties:
            # Free-form: every pair no other parameter claims belongs to this object.
            for key, values in pairs.items():
                if key not in self._reserved or key in plan.properties:
                    out[key] = self._field(key, values, decode)
        else:
            for key in plan.properties:
                given = pairs.get(key)
                if given is not None:
                    out[key] = self._field(key, given, decode)
        return out or None

    def _field(self, name: str, values: list[str], decode: Callable[[str], str]) -> Any:
        """One property of an exploded object: every value when the property is an array."""
        if self.plan.property(name).kind == "array":
            return [decode(v) for v in values]
        return decode(values[0])


def _missing(location: str, name: str, where: str) -> Violation:
    return Violation(
        f"{location}.{name}",
        "missing",
        f"required {location} parameter {name!r} is missing from {where}",
    )


def _malformed_param(location: str, name: str, value: Malformed) -> Violation:
    return Violation(
        f"{location}.{name}",
        "style",
        f"{short(value.raw)} is not a valid serialization: {value.expected}",
    )


def _empty(name: str) -> Violation:
    return Violation(
        f"query.{name}",
        "empty_value",
        f"query parameter {name!r} is empty; give it a value or leave it out "
        "(the parameter does not set allowEmptyValue)",
    )


def collect_parameters(
    parsers: list[ParameterParser],
    source: Mapping[str, Any],
    where: str,
    violations: list[Violation],
    empties: list[str] | None = None,
) -> dict[str, Any]:
    """The values of one location's parameters; what is missing or malformed is reported."""
    values: dict[str, Any] = {}
    for parser in parsers:
        value = parser.read(source)
        if value is MISSING:
            if parser.required:
                violations.append(_missing(parser.location, parser.name, where))
        elif value is EMPTY:
            if not parser.allow_empty:
                violations.append(_empty(parser.name))
            elif empties is not None:
                empties.append(parser.name)  # present without a value: nothing to check
        elif type(value) is Malformed:
            violations.append(_malformed_param(parser.location, parser.name, value))
        else:
            values[parser.name] = value
    return values


def group_schema(parameters: Iterable[Parameter]) -> dict[str, Any]:
    """The schema of one location's parameters (or a response's headers) as one object."""
    return {"type": "object", "properties": {p.name: p.schema for p in parameters}}
