"""OpenAPI meta-validation: the checks `load_spec` runs against the OpenAPI schemas and rules."""

from __future__ import annotations

import functools
import importlib.util
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jsonschema_rs
import orjson

from mockserver.errors import SpecError
from mockserver.spec import pointer as jp
from mockserver.spec.normalize import Operation, iter_operations, literal_braces, walk
from mockserver.spec.regex import is_ecma_regex

__all__ = ["LintIssue", "operation_name", "short_message", "validation_problems"]

# The OpenAPI schemas shipped with openapi-spec-validator, evaluated with jsonschema-rs, plus
# the semantic rules that validator adds (unique operationIds, declared path parameters).
# Running openapi-spec-validator itself takes 0.7-1.3 s for 1,000 operations (plus 0.5 s to
# import it), most of the start-up budget; this takes about 0.04 s.

_MAX_SCHEMA_ERRORS = 50


@dataclass(frozen=True, slots=True)
class LintIssue:
    """One problem: ``pointer`` locates it in the loaded (bundled) document."""

    severity: Literal["error", "warning"]
    pointer: str
    message: str
    hint: str


def validation_problems(document: dict[str, Any], *, minor: str) -> list[LintIssue]:
    """Check a bundled OpenAPI 3.``minor`` document before normalization."""
    problems = [_from_schema_error(*found, minor) for found in _schema_errors(document, minor)]
    problems.extend(_operation_problems(document))
    return list(dict.fromkeys(problems))  # path-level problems repeat once per operation


# --- validation against the OpenAPI schemas --------------------------------------------------

# The definition in the OpenAPI schema that objects of each `walk` kind must match.
_DEFINITIONS = {
    "0": {
        "schema": "Schema",
        "parameter": "Parameter",
        "response": "Response",
        "request_body": "RequestBody",
        "header": "Header",
        "path_item": "PathItem",
        "callback": "Callback",
    },
    "1": {
        "schema": "schema",
        "parameter": "parameter",
        "response": "response",
        "request_body": "request-body",
        "header": "header",
        "path_item": "path-item",
        "callback": "callbacks",
    },
}
_JSON_SCHEMA_DRAFTS = {
    None,
    "https://json-schema.org/draft/2020-12/schema",
    "https://json-schema.org/draft/2019-09/schema",
    "http://json-schema.org/draft-07/schema#",
    "http://json-schema.org/draft-06/schema#",
    "http://json-schema.org/draft-04/schema#",
}


def _schema_errors(
    document: dict[str, Any], minor: str
) -> Iterator[tuple[str, jsonschema_rs.ValidationError]]:
    """Yield ``(prefix, error)`` where the error's instance path is relative to ``prefix``."""
    found = (("", e) for e in _oas_validator(minor, None).iter_errors(document))
    yield from itertools.islice(found, _MAX_SCHEMA_ERRORS)
    # The 3.1 OpenAPI schema accepts any object as a Schema Object: check those separately.
    dialect = minor == "1" and document.get("jsonSchemaDialect") in (None, *_OAS31_DIALECTS)
    if not dialect and "x-bundled" not in document:
        return  # nothing below needs a walk of the whole document
    for visit in walk(document):
        # The document's own schema treats `x-bundled` as an extension, so check the objects
        # copied there from other files against what their referrers expect them to be.
        bundled = visit.origin == "ref" and visit.pointer.startswith("/x-bundled/")
        if bundled and visit.kind in _DEFINITIONS[minor]:
            errors = _oas_validator(minor, visit.kind).iter_errors(visit.node)
            yield from ((visit.pointer, error) for error in itertools.islice(errors, 5))
        root_schema = visit.kind == "schema" and visit.origin != "inline"
        if dialect and root_schema and visit.node.get("$schema") in _JSON_SCHEMA_DRAFTS:
            try:
                jsonschema_rs.meta.validate(visit.node)
            except jsonschema_rs.ValidationError as error:
                yield visit.pointer, error


_OAS31_DIALECTS = (
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://json-schema.org/draft/2020-12/schema",
)


@functools.cache
def _oas_schema(minor: str) -> dict[str, Any]:
    # find_spec locates the package without importing it (its import costs ~0.5 s).
    found = importlib.util.find_spec("openapi_spec_validator")
    if found is None or found.origin is None:
        raise SpecError(
            "openapi-spec-validator is not installed", hint="pip install openapi-spec-validator"
        )
    path = Path(found.origin).parent / "resources" / "schemas" / f"v3.{minor}" / "schema.json"
    schema: dict[str, Any] = orjson.loads(path.read_bytes())
    return schema


@functools.cache
def _oas_validator(minor: str, kind: str | None) -> jsonschema_rs.Validator:
    """The OpenAPI 3.``minor`` schema, or its definition for objects of ``kind``."""
    schema = _oas_schema(minor)
    if kind is not None:
        defs, ident = ("definitions", "id") if minor == "0" else ("$defs", "$id")
        schema = {
            ident: schema[ident],
            "$schema": schema["$schema"],
            defs: schema[defs],
            "$ref": f"#/{defs}/{_DEFINITIONS[minor][kind]}",
        }
    # jsonschema-rs's own "regex" format refuses patterns that ECMA-262 Annex B and Python
    # accept (a literal "{"); normalization makes those compile, so judge them by what a
    # validator or Python (with Unicode property escapes translated) can compile.
    return jsonschema_rs.validator_for(schema, formats={"regex": _is_regex})


def _is_regex(pattern: str) -> bool:
    return is_ecma_regex(literal_braces(pattern))


def _from_schema_error(prefix: str, error: jsonschema_rs.ValidationError, minor: str) -> LintIssue:
    error = _best_match(error)
    pointer = prefix + jp.join(error.instance_path)
    message, hint = _explain(error, pointer)
    if not hint:
        hint = f"see what the OpenAPI 3.{minor} specification allows at this location"
    return LintIssue("error", pointer, message, hint)


def _best_match(error: jsonschema_rs.ValidationError) -> jsonschema_rs.ValidationError:
    """Descend into oneOf/anyOf failures to the error that most likely explains them."""
    while True:
        context: list[list[jsonschema_rs.ValidationError]] = getattr(error.kind, "context", [])
        # Every object may be a Reference Object instead; "$ref is required" is never the point.
        branches = [[e for e in branch if not _is_ref_branch(e)] for branch in context if branch]
        branches = [branch for branch in branches if branch]
        if not branches:
            return error
        best = max(branches, key=lambda b: (max(len(e.instance_path) for e in b), -len(b)))
        error = max(best, key=lambda e: len(e.instance_path))


def _is_ref_branch(error: jsonschema_rs.ValidationError) -> bool:
    kind = error.kind
    return isinstance(kind, jsonschema_rs.ValidationErrorKind.Required) and kind.property == "$ref"


def _explain(error: jsonschema_rs.ValidationError, pointer: str) -> tuple[str, str]:
    kinds = jsonschema_rs.ValidationErrorKind
    kind = error.kind
    if isinstance(kind, kinds.Required):
        return f"missing required field {kind.property!r}", f"add {kind.property!r} here"
    if isinstance(kind, kinds.AdditionalProperties | kinds.UnevaluatedProperties):
        names = ", ".join(repr(name) for name in kind.unexpected)
        if pointer == "/paths":
            return f"invalid path {names}", "paths must start with '/', e.g. '/users/{id}'"
        if pointer.endswith("/responses"):
            hint = "use a status code such as '200', a range such as '2XX', or 'default'"
            return f"invalid response key {names}", hint
        hint = "remove or rename it (custom fields must start with 'x-')"
        return f"unexpected field {names}", hint
    if isinstance(kind, kinds.Enum):
        options = ", ".join(_short(option) for option in kind.options)
        return f"{_short(error.instance)} is not allowed here", f"use one of: {options}"
    if isinstance(kind, kinds.Type):
        expected = " or ".join(kind.types)
        return (
            f"expected {expected}, got {_short(error.instance)}",
            f"make this a{'n' if expected[0] in 'aeiou' else ''} {expected}",
        )
    return short_message(error.message), ""


def _short(value: Any) -> str:
    try:
        text = repr(value) if isinstance(value, str) else orjson.dumps(value).decode()
    except TypeError:  # e.g. integers beyond 64 bits
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def short_message(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


# --- semantic rules --------------------------------------------------------------------------

_TEMPLATE = re.compile(r"\{([^{}]+)\}")


def _operation_problems(document: dict[str, Any]) -> Iterator[LintIssue]:
    owners: dict[str, str] = {}
    shapes: dict[str, str] = {}
    paths = document.get("paths")
    paths = paths if isinstance(paths, dict) else {}
    for path in paths:
        shape = _TEMPLATE.sub("{}", str(path))
        if shape in shapes:
            other = shapes[shape]
            shared = _methods(paths[path]) & _methods(paths[other])
            yield LintIssue(
                "error" if shared else "warning",
                jp.join(["paths", path]),
                f"path {path!r} matches the same requests as {other!r}"
                + (
                    f" for {', '.join(sorted(m.upper() for m in shared))}: one of them is not "
                    "served"
                    if shared
                    else "; requests are told apart by their method"
                ),
                "merge the two paths: templates that differ only in parameter names are ambiguous",
            )
        shapes.setdefault(shape, path)
    for operation in iter_operations(document):
        operation_id = operation.operation.get("operationId")
        if isinstance(operation_id, str):
            if operation_id in owners:
                yield LintIssue(
                    "error",
                    f"{operation.pointer}/operationId",
                    f"operationId {operation_id!r} is also used by {owners[operation_id]}",
                    "give every operation a unique operationId",
                )
            owners.setdefault(operation_id, operation_name(operation))
        yield from _path_parameter_problems(document, operation)


def _methods(item: Any) -> set[str]:
    return {m for m in _HTTP_METHODS if isinstance(item, dict) and isinstance(item.get(m), dict)}


_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operation_name(operation: Operation) -> str:
    """An operation as people name it: ``GET /pets/{id}``."""
    return f"{operation.method.upper()} {operation.path}"


def _path_parameter_problems(document: dict[str, Any], operation: Operation) -> Iterator[LintIssue]:
    declared: dict[str, str] = {}
    lists = (
        (jp.parent(operation.pointer), operation.path_item),
        (operation.pointer, operation.operation),
    )
    for owner, holder in lists:
        parameters = holder.get("parameters")
        seen: set[tuple[Any, Any]] = set()
        for index, raw in enumerate(parameters if isinstance(parameters, list) else ()):
            at, parameter = jp.follow(document, raw, f"{owner}/parameters/{index}")
            if not isinstance(parameter, dict):
                continue
            name, location = parameter.get("name"), parameter.get("in")
            if (name, location) in seen:
                yield LintIssue(
                    "error",
                    f"{owner}/parameters/{index}",
                    f"parameter {name!r} in {location} is declared twice",
                    "remove one of the two declarations",
                )
            seen.add((name, location))
            if location == "path" and isinstance(name, str):
                declared[name] = at
    template = _TEMPLATE.findall(operation.path)
    for name in template:
        if name not in declared:
            yield LintIssue(
                "error",
                operation.pointer,
                f"path parameter {{{name}}} of {operation_name(operation)} is not declared",
                f"add {{name: {name}, in: path, required: true, schema: {{type: string}}}} "
                "to the parameters of the operation or its path item",
            )
    for name, at in declared.items():
        if name not in template:
            yield LintIssue(
                "error",
                at,
                f"path parameter {name!r} is not in the path {operation.path!r}",
                "rename it to match a {...} segment of the path, or remove it",
            )
