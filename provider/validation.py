"""Request validation against the OpenAPI document, the way the spec states it.

At start-up ``Spec`` reads ``openapi/openapi.yaml`` and compiles, per operation id, the
parameters (path, query, header: coerced from text by their schema type, defaults applied) and
the JSON request body (content type, parse, JSON Schema 2020-12 through ``jsonschema`` with a
``referencing`` registry over the whole document, top-level defaults applied). ``Spec.read``
checks one request and answers its ``Inputs`` or raises one 400 ``Problem`` listing every
violation with its location (``body.items[0].quantity``, ``query.limit``, ``path.projectId``).

Only requests are checked here; responses are built by the API modules' own code. Formats are
checked strictly by the checker below (jsonschema's defaults accept any ``uri``).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.requests import Request

from provider.errors import SpecError
from provider.problems import FieldError, validation_failed

__all__ = ["FORMATS", "Inputs", "OperationRules", "Spec"]

BASE_URI = "urn:platform-api:openapi"
METHODS = ("get", "put", "post", "delete", "patch")
MAX_BODY_BYTES = 1 << 20
_MISSING: Any = object()
# libyaml's loader when PyYAML was built with it: ten times faster on the spec.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FORMATS = FormatChecker(formats=())
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_NOT_IN_URI = frozenset(' <>"{}|\\^`')


@FORMATS.checks("uuid")
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or _UUID.fullmatch(value) is not None


@FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or _EMAIL.fullmatch(value) is not None


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None and bool(
        dt.date.fromisoformat(value)
    )


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if any(c in _NOT_IN_URI or ord(c) < 0x21 or ord(c) > 0x7E for c in value):
        return False
    parts = urlsplit(value)
    if not _SCHEME.fullmatch(parts.scheme):
        return False
    if parts.scheme.lower() in ("http", "https"):
        _ = parts.port  # raises ValueError for a port that is not a number in range
        return bool(parts.hostname)
    return True


@dataclass(frozen=True, slots=True)
class ParameterRule:
    """One path, query or header parameter of an operation."""

    name: str
    location: str
    required: bool
    kind: str | None
    is_uuid: bool
    default: Any
    validator: Draft202012Validator


@dataclass(frozen=True, slots=True)
class BodyRule:
    """The JSON request body of an operation."""

    required: bool
    validator: Draft202012Validator
    defaults: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OperationRules:
    """What ``Spec.read`` checks for one operation."""

    operation_id: str
    method: str
    path: str
    secured: bool
    parameters: tuple[ParameterRule, ...]
    body: BodyRule | None


@dataclass(frozen=True, slots=True)
class Inputs:
    """A request that passed validation: coerced parameters and the parsed body."""

    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)
    body: Any = None


class Spec:
    """The compiled request rules of every operation of one OpenAPI document."""

    def __init__(self, path: Path) -> None:
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        except (OSError, yaml.YAMLError) as error:
            raise SpecError(f"cannot read the OpenAPI document {path}: {error}") from error
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            raise SpecError(f"expected an OpenAPI document with paths in {path}")
        self.document: dict[str, Any] = document
        self._registry: Registry[Any] = Registry().with_resource(
            BASE_URI, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self.operations: dict[str, OperationRules] = {}
        for template, item in document["paths"].items():
            for method in METHODS:
                if method in item:
                    rules = self._compile(template, method, item)
                    self.operations[rules.operation_id] = rules

    def operation(self, operation_id: str) -> OperationRules:
        """The rules of ``operation_id``; ``SpecError`` if the document lacks it."""
        try:
            return self.operations[operation_id]
        except KeyError:
            raise SpecError(f"the OpenAPI document has no operation {operation_id!r}") from None

    async def read(self, request: Request, rules: OperationRules) -> Inputs:
        """Validate ``request`` against ``rules``; raise a 400 ``Problem`` listing violations."""
        errors: list[FieldError] = []
        sources: dict[str, Mapping[str, str]] = {
            "path": request.path_params,
            "query": request.query_params,
            "header": request.headers,
        }
        targets: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
        for rule in rules.parameters:
            where = f"{rule.location}.{rule.name}"
            raw = sources[rule.location].get(rule.name)
            if raw is None:
                if rule.required:
                    errors.append(FieldError(where, "required", f"{rule.name} is required"))
                elif rule.default is not _MISSING:
                    targets[rule.location][rule.name] = copy.deepcopy(rule.default)
                continue
            value = _coerce(raw, rule.kind)
            found = _field_errors(rule.validator.iter_errors(value), where)
            errors += found
            if not found:
                targets[rule.location][rule.name] = uuid.UUID(value) if rule.is_uuid else value
        body = await _read_body(request, rules.body, errors) if rules.body else None
        if errors:
            raise validation_failed(errors)
        return Inputs(targets["path"], targets["query"], targets["header"], body)

    def _compile(self, template: str, method: str, item: dict[str, Any]) -> OperationRules:
        operation = item[method]
        operation_id = operation.get("operationId")
        if not isinstance(operation_id, str):
            raise SpecError(f"{method.upper()} {template} has no operationId; give it one")
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
            resolved = self._resolve(parameter)
            merged[(resolved["name"], resolved["in"])] = resolved
        parameters = tuple(
            self._parameter(p) for p in merged.values() if p["in"] in ("path", "query", "header")
        )
        security = operation.get("security", self.document.get("security", []))
        return OperationRules(
            operation_id=operation_id,
            method=method.upper(),
            path=template,
            secured=bool(security) and {} not in security,
            parameters=parameters,
            body=self._body(operation.get("requestBody")),
        )

    def _parameter(self, parameter: dict[str, Any]) -> ParameterRule:
        schema = parameter.get("schema", {})
        resolved = self._resolve(schema)
        return ParameterRule(
            name=parameter["name"],
            location=parameter["in"],
            required=bool(parameter.get("required", parameter["in"] == "path")),
            kind=resolved.get("type") if isinstance(resolved.get("type"), str) else None,
            is_uuid=resolved.get("format") == "uuid",
            default=schema.get("default", resolved.get("default", _MISSING)),
            validator=self._validator(schema),
        )

    def _body(self, request_body: dict[str, Any] | None) -> BodyRule | None:
        if request_body is None:
            return None
        request_body = self._resolve(request_body)
        media = request_body.get("content", {}).get("application/json")
        if media is None or "schema" not in media:
            raise SpecError(f"expected an application/json request body schema in {request_body}")
        properties = self._resolve(media["schema"]).get("properties", {})
        defaults = {name: s["default"] for name, s in properties.items() if "default" in s}
        return BodyRule(
            required=bool(request_body.get("required", False)),
            validator=self._validator(media["schema"]),
            defaults=defaults,
        )

    def _validator(self, schema: Any) -> Draft202012Validator:
        return Draft202012Validator(
            _absolute(schema), registry=self._registry, format_checker=FORMATS
        )

    def _resolve(self, node: Any) -> Any:
        """Follow local ``$ref``s until a node without one."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            reference: str = node["$ref"]
            if not reference.startswith("#/") or seen > 32:
                raise SpecError(f"cannot follow $ref {reference!r}; only local references work")
            node = self.document
            for part in reference[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
        return node


async def _read_body(request: Request, rule: BodyRule, errors: list[FieldError]) -> Any:
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            errors.append(FieldError("body", "maxSize", f"larger than {MAX_BODY_BYTES} bytes"))
            return None
    if not raw.strip():
        if rule.required:
            errors.append(FieldError("body", "required", "a JSON request body is required"))
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        errors.append(
            FieldError(
                "header.Content-Type",
                "mediaType",
                f"expected application/json, got {content_type or 'no Content-Type'}",
            )
        )
        return None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        errors.append(FieldError("body", "json", f"not valid JSON: {error}"))
        return None
    found = _field_errors(rule.validator.iter_errors(body), "body")
    errors += found
    if not found and isinstance(body, dict):
        for name, default in rule.defaults.items():
            body.setdefault(name, copy.deepcopy(default))
    return body


def _coerce(raw: str, kind: str | None) -> Any:
    if kind == "integer" and re.fullmatch(r"[+-]?[0-9]{1,18}", raw):
        return int(raw)
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def _absolute(schema: Any) -> Any:
    """Copy ``schema`` with local ``$ref``s made absolute against the document's URI."""
    if isinstance(schema, dict):
        return {
            k: BASE_URI + v
            if k == "$ref" and isinstance(v, str) and v.startswith("#")
            else _absolute(v)
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(v) for v in schema]
    return schema


def _field_errors(errors: Iterable[ValidationError], root: str) -> list[FieldError]:
    found = [e for error in errors for e in _describe(error, root)]
    return sorted(found, key=lambda e: (e.field, e.code))


def _describe(error: ValidationError, root: str) -> list[FieldError]:
    where = root
    for part in error.absolute_path:
        where = f"{where}[{part}]" if isinstance(part, int) else _join(where, part)
    keyword, instance = str(error.validator), error.instance
    expected: Any = error.validator_value
    if "propertyNames" in error.relative_schema_path:
        return [FieldError(where, "propertyNames", f"the key {_show(instance)}: {_message(error)}")]
    if keyword == "required" and isinstance(instance, dict):
        return [
            FieldError(_join(where, name), "required", f"{name} is required")
            for name in expected
            if name not in instance
        ]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        declared = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [
            FieldError(_join(where, name), "additionalProperties", f"{name} is not allowed here")
            for name in instance
            if name not in declared
        ]
    message = _message(error)
    if isinstance(error.schema, dict) and error.schema.get("writeOnly"):
        # A rejected password must not travel back in the error that rejects it.
        message = message.replace(_show(instance), "the value")
    return [FieldError(where, keyword, message)]


def _message(error: ValidationError) -> str:
    keyword, instance = str(error.validator), error.instance
    expected: Any = error.validator_value
    size = len(instance) if isinstance(instance, str | list | dict) else 0
    messages: dict[str, Callable[[], str]] = {
        "type": lambda: f"expected {_types(expected)}, got {_json_type(instance)}",
        "enum": lambda: f"expected one of {', '.join(map(_show, expected))}; got {_show(instance)}",
        "const": lambda: f"expected {_show(expected)}, got {_show(instance)}",
        "minLength": lambda: f"expected at least {expected} characters, got {size}",
        "maxLength": lambda: f"expected at most {expected} characters, got {size}",
        "minimum": lambda: f"{instance} is less than the minimum of {expected}",
        "maximum": lambda: f"{instance} is greater than the maximum of {expected}",
        "minItems": lambda: f"expected at least {expected} items, got {size}",
        "maxItems": lambda: f"expected at most {expected} items, got {size}",
        "uniqueItems": lambda: "expected unique items, got duplicates",
        "minProperties": lambda: f"expected at least {expected} properties, got {size}",
        "maxProperties": lambda: f"expected at most {expected} properties, got {size}",
        "pattern": lambda: f"{_show(instance)} does not match {expected}",
        "format": lambda: f"{_show(instance)} is not a valid {expected}",
    }
    render = messages.get(keyword)
    return render() if render else error.message[:1000]


def _join(where: str, name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        return f"{where}.{name}"
    return f"{where}[{orjson.dumps(name).decode()}]"


def _show(value: Any) -> str:
    text = orjson.dumps(value).decode() if _jsonable(value) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _jsonable(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except TypeError:
        return False
    return True


def _types(expected: Any) -> str:
    return " or ".join(expected) if isinstance(expected, list) else str(expected)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
