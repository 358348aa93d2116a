"""Request and response validation with everything compiled up front.

`RequestValidator` compiles, once per operation, a parser per parameter and ONE JSON Schema
validator covering the parameters and every declared body. A request then costs a few dict
lookups, one body parse and one ``is_valid`` call; only a failing request pays for
``iter_errors``, whose errors become `Violation`s located like ``body.items[0].quantity``.
`ResponseValidator` (in `mockserver.validation.response`) checks responses with the same parts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import jsonschema_rs
import orjson
from starlette.datastructures import Headers

from mockserver.compile.operations import MediaType, Operation, Parameter
from mockserver.compile.schemas import (
    OAS_FORMAT_KEYWORD,
    SchemaRegistry,
    schema_members,
    schema_types,
)
from mockserver.validation.forms import FormParser, parse_multipart
from mockserver.validation.parameters import (
    EMPTY,
    MISSING,
    Malformed,
    ParameterParser,
    is_json_media_type,
    parse_cookies,
    parse_query,
)

__all__ = [
    "MAX_MESSAGE",
    "BodyReader",
    "ContentMatcher",
    "RequestValidator",
    "ValidatedRequest",
    "Violation",
    "body_readers",
    "collect_parameters",
    "errors_to_violations",
    "group_schema",
    "lower_headers",
    "ordered_violations",
    "split_content_type",
]

# Header parameters OpenAPI says to ignore: HTTP itself governs them.
_IGNORED_HEADERS: Final = frozenset({"accept", "content-type", "authorization"})
_LOCATIONS: Final = ("path", "query", "header", "cookie")
_RANK: Final = {"path": 0, "query": 1, "header": 2, "cookie": 3, "status": 4, "body": 5}
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")
MAX_MESSAGE = 240
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where (``body.items[0].quantity``), which rule and what is wrong."""

    location: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ValidatedRequest:
    """A request's declared parameters and body, typed as the spec says."""

    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    cookies: dict[str, Any]
    media_type: str | None
    body: Any


def _short(value: Any) -> str:
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
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return f"string {_short(value)}"
    return "array" if isinstance(value, list) else "object"


def _media_key(name: str) -> str:
    return name.split(";")[0].strip().lower()


def split_content_type(value: str | None) -> tuple[str | None, dict[str, str]]:
    """``"text/plain; charset=UTF-8"`` as ``("text/plain", {"charset": "UTF-8"})``."""
    if not value:
        return None, {}
    bare, *rest = value.split(";")
    params: dict[str, str] = {}
    for item in rest:
        key, _, val = item.partition("=")
        params[key.strip().lower()] = val.strip().strip('"')
    return bare.strip().lower() or None, params


class ContentMatcher:
    """Finds the declared media type for a request's: exact, then ``type/*``, then ``*/*``."""

    def __init__(self, names: Iterable[str]) -> None:
        self.declared: dict[str, str] = {}
        for name in names:
            self.declared.setdefault(_media_key(name), name)
        self.accepted = ", ".join(self.declared.values())

    def match(self, bare: str) -> str | None:
        declared = self.declared
        found = declared.get(bare)
        if found is None:
            found = declared.get(bare.split("/", 1)[0] + "/*") or declared.get("*/*")
        return found


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
        return [Violation(location, "format", f"{_short(instance)} is not a valid {kind.format}")]
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


def write_only_locations(
    schema: Any, document: Mapping[str, Any], location: str, depth: int = 0
) -> Iterator[str]:
    """Where in a body ``writeOnly`` values (passwords) sit: their values are never echoed."""
    if depth > 8 or not isinstance(schema, Mapping):
        return
    for member in schema_members(schema, document):
        for name, sub in (member.get("properties") or {}).items():
            here = f"{location}.{name}"
            if any(m.get("writeOnly") for m in schema_members(sub, document)):
                yield here
            else:
                yield from write_only_locations(sub, document, here, depth + 1)


def redact(violation: Violation, body: Any) -> Violation:
    """The violation without the rejected value of a ``writeOnly`` field in its message."""
    value: Any = body
    for key in violation.location.split(".")[1:]:
        value = value.get(key) if isinstance(value, Mapping) else None
    message = violation.message
    if isinstance(value, str) and value:
        message = message.replace(json.dumps(value), "the value").replace(value, "the value")
    return Violation(violation.location, violation.code, message)


def ordered_violations(violations: list[Violation]) -> list[Violation]:
    """Violations in the order of the message: path, query, header, cookie, status, body."""
    return sorted(violations, key=lambda v: _RANK.get(v.location.split(".", 1)[0], 6))


def lower_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    """Headers that can be looked up by their lower-case name."""
    if isinstance(headers, Headers):
        return headers  # already case-insensitive
    return {key.lower(): value for key, value in headers.items()}


class BodyReader:
    """How one declared media type's body is read and which part of the validator checks it."""

    __slots__ = ("form", "key", "name", "text")

    def __init__(self, key: str, media: MediaType, document: Mapping[str, Any]) -> None:
        self.key = key
        self.name = media.name
        schema = media.schema if media.schema is not None else {}
        self.form = FormParser(schema, document, media.encoding, pointer=media.pointer)
        # Non-JSON bodies are only validated when the schema is about text.
        self.text = media.schema is not None and schema_types(schema, document) == frozenset(
            {"string"}
        )

    def read(
        self, bare: str, params: Mapping[str, str], content_type: str, data: bytes
    ) -> tuple[Any, Any, Violation | None]:
        """``(value for the application, value to validate or MISSING, violation or None)``."""
        if is_json_media_type(bare):
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                return None, MISSING, _malformed(f"the body is not valid JSON: {exc}")
            return value, value, None
        if bare == _FORM:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                return None, MISSING, _malformed(f"the form body is not UTF-8: {exc}")
            value = self.form.urlencoded(parse_query(text))
            return value, value, None
        if bare == _MULTIPART:
            try:
                parts = parse_multipart(data, content_type)
            except ValueError as exc:
                return None, MISSING, _malformed(f"the multipart body is malformed: {exc}")
            values, checked = self.form.multipart(parts)
            return values, checked, None
        textual = bare.startswith("text/")
        if not (textual or self.text):
            return data, MISSING, None
        charset = params.get("charset") or "utf-8"
        try:
            decoded = data.decode(charset)
        except (LookupError, UnicodeDecodeError) as exc:
            if not textual:
                return data, MISSING, None  # binary after all: nothing to check
            return None, MISSING, _malformed(f"the body is not valid {charset} text: {exc}")
        return decoded, decoded if self.text else MISSING, None


def _malformed(message: str) -> Violation:
    return Violation("body", "malformed_body", message)


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
        f"{_short(value.raw)} is not a valid serialization: {value.expected}",
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


def body_readers(
    content: Mapping[str, MediaType], document: Mapping[str, Any], properties: dict[str, Any]
) -> dict[str, BodyReader]:
    """One `BodyReader` per declared media type; their schemas join the combined validator."""
    bodies: dict[str, BodyReader] = {}
    for index, (name, media) in enumerate(content.items()):
        key = f"body{index}"
        bodies[name] = BodyReader(key, media, document)
        if media.schema is not None:
            properties[key] = media.schema
    return bodies


class RequestValidator:
    """Validates requests to one operation; everything is compiled in the constructor."""

    def __init__(self, operation: Operation, registry: SchemaRegistry) -> None:
        self.operation = operation
        self.label = operation.label
        document = registry.document
        params = [
            p
            for p in operation.parameters
            if not (p.location == "header" and p.name.lower() in _IGNORED_HEADERS)
        ]
        query_names = [p.name for p in params if p.location == "query"]
        self._parsers = {
            location: [
                ParameterParser(p, document, reserved=query_names)
                for p in params
                if p.location == location
            ]
            for location in _LOCATIONS
        }
        properties: dict[str, Any] = {}
        for location in _LOCATIONS:
            group = [p for p in params if p.location == location]
            if group:
                properties[location] = group_schema(group)
        request_body = operation.request_body
        self._body_required = request_body is not None and request_body.required
        content = request_body.content if request_body is not None else {}
        self._bodies = body_readers(content, document, properties)
        self._matcher = ContentMatcher(content) if content else None
        self._prefixes = {body.key: "body" for body in self._bodies.values()}
        self._secrets = frozenset(
            location
            for media in content.values()
            for location in write_only_locations(media.schema, document, "body")
        )
        self._validator = (
            registry.compile(
                {"type": "object", "properties": properties}, pointer=operation.pointer
            )
            if properties
            else None
        )

    def validate(
        self,
        *,
        path_params: Mapping[str, str],
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[ValidatedRequest, list[Violation]]:
        """Parse and check one request; every violation found is reported, none raised."""
        try:
            return self._validate(path_params, query_string, headers, body)
        except Exception as exc:
            # Hostile input must earn a 400, never a 500: whatever slipped past the parsers
            # is reported as a violation instead of escaping.
            empty = ValidatedRequest({}, {}, {}, {}, None, None)
            message = f"the request could not be validated: {type(exc).__name__}: {exc}"
            return empty, [Violation("request", "unprocessable", message[:MAX_MESSAGE])]

    def _validate(
        self,
        path_params: Mapping[str, str],
        query_string: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[ValidatedRequest, list[Violation]]:
        violations: list[Violation] = []
        headers = lower_headers(headers)
        parsers = self._parsers
        where = self.label
        # A location without parameters yields {} without a call (most have none).
        path = (
            collect_parameters(parsers["path"], path_params, where, violations)
            if parsers["path"]
            else {}
        )
        empties: list[str] = []
        query = (
            collect_parameters(
                parsers["query"], parse_query(query_string), where, violations, empties
            )
            if parsers["query"]
            else {}
        )
        header_values = (
            collect_parameters(parsers["header"], headers, where, violations)
            if parsers["header"]
            else {}
        )
        cookies = (
            collect_parameters(
                parsers["cookie"], parse_cookies(headers.get("cookie")), where, violations
            )
            if parsers["cookie"]
            else {}
        )
        instance: dict[str, Any] = {
            "path": path,
            "query": query,
            "header": header_values,
            "cookie": cookies,
        }
        media_type, value = self._read_body(headers, body, instance, violations)
        validator = self._validator
        if validator is not None and not validator.is_valid(instance):
            found = errors_to_violations(validator.iter_errors(instance), self._prefixes)
            if self._secrets:
                found = [redact(v, value) if v.location in self._secrets else v for v in found]
            violations.extend(found)
        for name in empties:
            query[name] = ""
        request = ValidatedRequest(path, query, header_values, cookies, media_type, value)
        return request, ordered_violations(violations) if len(violations) > 1 else violations

    def _read_body(
        self,
        headers: Mapping[str, str],
        body: bytes,
        instance: dict[str, Any],
        violations: list[Violation],
    ) -> tuple[str | None, Any]:
        matcher = self._matcher
        if not body:
            if self._body_required:
                accepted = f" ({matcher.accepted})" if matcher is not None else ""
                violations.append(
                    Violation("body", "missing", f"{self.label} requires a request body{accepted}")
                )
            return None, None
        if matcher is None:
            return None, None  # no body declared: whatever was sent is ignored
        raw_type = headers.get("content-type")
        bare, params = split_content_type(raw_type)
        declared = matcher.match(bare) if bare is not None else None
        if bare is None or declared is None:
            sent = f"content type {bare!r}" if bare else "a body without a Content-Type header"
            violations.append(
                Violation(
                    "header.Content-Type",
                    "content_type",
                    f"{self.label} does not accept {sent}; send one of: {matcher.accepted}",
                )
            )
            return bare, None
        rule = self._bodies[declared]
        value, checked, problem = rule.read(bare, params, raw_type or "", body)
        if problem is not None:
            violations.append(problem)
        elif checked is not MISSING:
            instance[rule.key] = checked
        return bare, value
