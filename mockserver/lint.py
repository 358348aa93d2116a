"""Find what would stop an OpenAPI document from being mocked, or mocked well.

`validation_problems` is the validation `load_spec` runs: the OpenAPI schemas shipped with
openapi-spec-validator, evaluated with jsonschema-rs, plus the semantic rules that validator
adds (unique operationIds, declared path parameters). Running openapi-spec-validator itself
takes 0.7-1.3 s for 1,000 operations (plus 0.5 s to import it), most of the start-up budget;
this takes about 0.04 s.
`lint_spec` adds the rules that only matter for mocking.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jsonschema_rs
import orjson

from mockserver import pointer as jp
from mockserver.errors import SpecError
from mockserver.normalize import Operation, iter_operations, iter_schemas, walk

__all__ = ["LintIssue", "lint_spec", "validation_problems"]

_MAX_SCHEMA_ERRORS = 50
_SPEC_URI = "urn:mockserver:spec"


@dataclass(frozen=True, slots=True)
class LintIssue:
    """One problem: ``pointer`` locates it in the loaded (bundled) document."""

    severity: Literal["error", "warning"]
    pointer: str
    message: str
    hint: str


def lint_spec(source: str | os.PathLike[str] | Mapping[str, Any]) -> list[LintIssue]:
    """Load ``source`` and report every problem found, errors first.

    Pointers locate issues in the loaded document; problems in other files of a multi-file
    spec have an empty pointer and name the file and pointer in the message.
    """
    # The loader runs `validation_problems` from this module, so import it at call time.
    from mockserver.loader import diagnose_spec

    spec, errors = diagnose_spec(source)
    root = "<dict>" if isinstance(source, Mapping) else os.fspath(source)
    issues = [_from_error(error, root) for error in errors]
    if spec is not None:
        document = spec.document
        issues.extend(_response_issues(document))
        issues.extend(_schema_issues(document))
        issues.extend(_example_issues(document))
    return sorted(issues, key=lambda issue: issue.severity != "error")


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
    # accept (a literal "{"); normalization makes those compile, so judge them by Python's re.
    return jsonschema_rs.validator_for(schema, formats={"regex": _is_python_regex})


def _is_python_regex(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


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
    return _short_message(error.message), ""


def _short(value: Any) -> str:
    try:
        text = repr(value) if isinstance(value, str) else orjson.dumps(value).decode()
    except TypeError:  # e.g. integers beyond 64 bits
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _short_message(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


# --- semantic rules --------------------------------------------------------------------------

_TEMPLATE = re.compile(r"\{([^{}]+)\}")


def _operation_problems(document: dict[str, Any]) -> Iterator[LintIssue]:
    owners: dict[str, str] = {}
    shapes: dict[str, str] = {}
    paths = document.get("paths")
    for path in paths if isinstance(paths, dict) else ():
        shape = _TEMPLATE.sub("{}", str(path))
        if shape in shapes:
            yield LintIssue(
                "error",
                jp.join(["paths", path]),
                f"path {path!r} matches the same requests as {shapes[shape]!r}",
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
            owners.setdefault(operation_id, _name(operation))
        yield from _path_parameter_problems(document, operation)


def _name(operation: Operation) -> str:
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
                f"path parameter {{{name}}} of {_name(operation)} is not declared",
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


# --- mocking rules ---------------------------------------------------------------------------


def _from_error(error: SpecError, root: str) -> LintIssue:
    where = f"{error.source}#{error.pointer}" if error.pointer else error.source
    message = str(error).removeprefix(f"{where}: ").split("\n  fix: ")[0]
    if error.source != root:
        message = f"{where}: {message}"
    return LintIssue("error", error.pointer if error.source == root else "", message, error.hint)


def _response_issues(document: dict[str, Any]) -> Iterator[LintIssue]:
    for operation in iter_operations(document):
        responses = operation.operation.get("responses")
        if not isinstance(responses, dict) or not responses:
            yield LintIssue(
                "warning",
                operation.pointer,
                f"{_name(operation)} declares no responses, so the mock has nothing to return",
                "add at least one response, e.g. responses: {'200': {description: OK}}",
            )
            continue
        for status, raw in responses.items():
            at, response = jp.follow(document, raw, f"{operation.pointer}/responses/{status}")
            content = response.get("content") if isinstance(response, dict) else None
            for media_type, media in (content if isinstance(content, dict) else {}).items():
                if isinstance(media, dict) and not {"schema", "example", "examples"} & set(media):
                    yield LintIssue(
                        "warning",
                        f"{at}/content/{jp.escape(media_type)}",
                        f"the {status} response of {_name(operation)} has {media_type} content "
                        "with neither a schema nor an example",
                        "add a schema (or an example) so the mock can produce a body",
                    )


def _schema_issues(document: dict[str, Any]) -> Iterator[LintIssue]:
    for pointer, schema in iter_schemas(document):
        for low, high in (
            ("minLength", "maxLength"),
            ("minItems", "maxItems"),
            ("minProperties", "maxProperties"),
            ("minContains", "maxContains"),
        ):
            if (
                _number(schema.get(low))
                and _number(schema.get(high))
                and schema[low] > schema[high]
            ):
                yield _unsatisfiable(pointer, f"{low} {schema[low]} is above {high} {schema[high]}")
        yield from _bounds_issues(pointer, schema)
        if schema.get("enum") == []:
            yield _unsatisfiable(pointer, "enum is empty, so no value is allowed")
        yield from _required_issues(pointer, schema)


def _bounds_issues(pointer: str, schema: dict[str, Any]) -> Iterator[LintIssue]:
    lows = [(schema[k], k) for k in ("minimum", "exclusiveMinimum") if _number(schema.get(k))]
    highs = [(schema[k], k) for k in ("maximum", "exclusiveMaximum") if _number(schema.get(k))]
    for (low, low_key), (high, high_key) in itertools.product(lows, highs):
        exclusive = low_key.startswith("exclusive") or high_key.startswith("exclusive")
        if low > high or (exclusive and low == high):
            yield _unsatisfiable(pointer, f"{low_key} {low} leaves no room below {high_key} {high}")


def _required_issues(pointer: str, schema: dict[str, Any]) -> Iterator[LintIssue]:
    required = schema.get("required")
    if schema.get("additionalProperties") is not False or not isinstance(required, list):
        return
    properties = schema.get("properties")
    names = set(properties) if isinstance(properties, dict) else set()
    patterns = schema.get("patternProperties")
    patterns = list(patterns) if isinstance(patterns, dict) else []
    for name in required:
        if (
            isinstance(name, str)
            and name not in names
            and not any(_matches(pattern, name) for pattern in patterns)
        ):
            yield _unsatisfiable(
                pointer,
                f"required property {name!r} is not in properties and additionalProperties "
                "is false",
                hint=f"add {name!r} to properties or remove it from required",
            )


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return True  # do not accuse the schema on the strength of a regex Python cannot read


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unsatisfiable(pointer: str, reason: str, *, hint: str = "") -> LintIssue:
    return LintIssue(
        "error",
        pointer,
        f"no value satisfies this schema: {reason}",
        hint or "correct the bounds so that at least one value fits",
    )


def _example_issues(document: dict[str, Any]) -> Iterator[LintIssue]:
    """Warn about defaults and examples that do not match their schema (mocks echo them)."""
    registry = jsonschema_rs.Registry([(_SPEC_URI, document)], draft=jsonschema_rs.Draft202012)
    for visit in walk(document):
        if visit.kind == "schema":
            schema_pointer, samples = (
                visit.pointer,
                list(_schema_samples(visit.pointer, visit.node)),
            )
        elif visit.kind in ("media", "parameter", "header") and "schema" in visit.node:
            schema_pointer = f"{visit.pointer}/schema"
            samples = list(_object_samples(document, visit.pointer, visit.node))
        else:
            continue
        if not samples:
            continue
        try:
            validator = jsonschema_rs.validator_for(
                {"$ref": _SPEC_URI + jp.ref_from_pointer(schema_pointer)}, registry=registry
            )
        except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError):
            continue  # an invalid schema is reported by validation already
        for at, value in samples:
            error = next(iter(validator.iter_errors(value)), None)
            if error is not None:
                yield LintIssue(
                    "warning",
                    at,
                    f"this value does not match its schema: {_short_message(error.message)}",
                    "fix the value or the schema: mocks may return it as it is",
                )


def _schema_samples(pointer: str, schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    if "default" in schema:
        yield f"{pointer}/default", schema["default"]
    examples = schema.get("examples")
    examples = examples if isinstance(examples, list) else []
    yield from ((f"{pointer}/examples/{i}", value) for i, value in enumerate(examples))
    # normalize mirrors `example` into `examples`; only report it when it differs.
    if "example" in schema and schema["example"] not in examples:
        yield f"{pointer}/example", schema["example"]


def _object_samples(
    document: dict[str, Any], pointer: str, node: dict[str, Any]
) -> Iterator[tuple[str, Any]]:
    """The example values of a media type, parameter or header."""
    if "example" in node:
        yield f"{pointer}/example", node["example"]
    examples = node.get("examples")
    for name, raw in examples.items() if isinstance(examples, dict) else ():
        at, example = jp.follow(document, raw, f"{pointer}/examples/{jp.escape(name)}")
        if isinstance(example, dict) and "value" in example:
            yield f"{at}/value", example["value"]
