"""Find what would stop an OpenAPI document from being mocked, or mocked well.

`validation_problems` (from `mockserver.spec.meta_validation`) is the validation `load_spec` runs;
`lint_spec` adds the rules that only matter for mocking, ``x-mock-match`` values no request
can meet among them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import jsonschema_rs

from mockserver.errors import SpecError
from mockserver.spec import pointer as jp
from mockserver.spec.loader import diagnose_spec
from mockserver.spec.matching import MATCH_KEY, Condition, parse_match
from mockserver.spec.meta_validation import (
    LintIssue,
    operation_name,
    short_message,
    validation_problems,
)
from mockserver.spec.normalize import Operation, iter_operations, iter_schemas, walk

__all__ = ["LintIssue", "lint_spec", "validation_problems"]

_SPEC_URI = "urn:mockserver:spec"


def lint_spec(source: str | os.PathLike[str] | Mapping[str, Any]) -> list[LintIssue]:
    """Load ``source`` and report every problem found, errors first.

    Pointers locate issues in the loaded document; problems in other files of a multi-file
    spec have an empty pointer and name the file and pointer in the message.
    """
    spec, errors = diagnose_spec(source)
    root = "<dict>" if isinstance(source, Mapping) else os.fspath(source)
    issues = [_from_error(error, root) for error in errors]
    if spec is not None:
        document = spec.document
        issues.extend(_response_issues(document))
        issues.extend(_schema_issues(document))
        issues.extend(_example_issues(document))
        issues.extend(_match_issues(document))
    return sorted(issues, key=lambda issue: issue.severity != "error")


# --- mocking rules ---------------------------------------------------------------------------


def _from_error(error: SpecError, root: str) -> LintIssue:
    where = f"{error.source}#{error.pointer}" if error.pointer else error.source
    message = str(error).removeprefix(f"{where}: ").split("\n  fix: ")[0]
    if error.source != root:
        message = f"{where}: {message}"
    severity: Literal["error", "warning"] = "warning" if error.severity == "warning" else "error"
    return LintIssue(severity, error.pointer if error.source == root else "", message, error.hint)


def _response_issues(document: dict[str, Any]) -> Iterator[LintIssue]:
    for operation in iter_operations(document):
        responses = operation.operation.get("responses")
        if not isinstance(responses, dict) or not responses:
            yield LintIssue(
                "warning",
                operation.pointer,
                f"{operation_name(operation)} declares no responses, "
                "so the mock has nothing to return",
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
                        f"the {status} response of {operation_name(operation)} "
                        f"has {media_type} content with neither a schema nor an example",
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
                    f"this value does not match its schema: {short_message(error.message)}",
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


# --- x-mock-match: examples no request can select -------------------------------------------

_UNSELECTABLE = "no request can select the example {name!r} of {where}: {reason}"


def _match_issues(document: dict[str, Any]) -> Iterator[LintIssue]:
    """Report malformed ``x-mock-match`` values and conditions no valid request meets."""
    registry: list[jsonschema_rs.Registry] = []  # made at the first parameter value checked
    for operation in iter_operations(document):
        parameters = _parameters(document, operation)
        responses = operation.operation.get("responses")
        for status, raw in responses.items() if isinstance(responses, dict) else ():
            at, response = jp.follow(document, raw, f"{operation.pointer}/responses/{status}")
            content = response.get("content") if isinstance(response, dict) else None
            for media_type, raw_media in (content if isinstance(content, dict) else {}).items():
                media_at, media = jp.follow(
                    document, raw_media, f"{at}/content/{jp.escape(media_type)}"
                )
                examples = media.get("examples") if isinstance(media, dict) else None
                for name, raw_example in (examples if isinstance(examples, dict) else {}).items():
                    example_at, example = jp.follow(
                        document, raw_example, f"{media_at}/examples/{jp.escape(name)}"
                    )
                    if not isinstance(example, dict) or MATCH_KEY not in example:
                        continue
                    where = f"the {status} response of {operation_name(operation)}"
                    pointer = f"{example_at}/{MATCH_KEY}"
                    try:
                        rule = parse_match(example[MATCH_KEY], pointer=pointer)
                    except SpecError as exc:
                        message = str(exc).split(": ", 1)[-1].split("\n  fix: ")[0]
                        yield LintIssue("error", exc.pointer, message, exc.hint)
                        continue
                    reasons = [] if str(status).isdigit() else [
                        "x-mock-match selects examples of responses with a numeric status only"
                    ]  # fmt: skip
                    for condition in rule.conditions:
                        reason = _unmet(document, operation, parameters, condition, registry)
                        if reason is not None:
                            reasons.append(reason)
                    for reason in reasons:
                        yield LintIssue(
                            "warning",
                            pointer,
                            _UNSELECTABLE.format(name=name, where=where, reason=reason),
                            "match on what the operation declares, with values its schemas "
                            "admit, or remove the example's x-mock-match",
                        )


def _parameters(document: dict[str, Any], operation: Operation) -> dict[tuple[str, str], str]:
    """``(location, name)`` of every declared parameter -> its pointer (header names lowered)."""
    found: dict[tuple[str, str], str] = {}
    item_pointer = operation.pointer.rsplit("/", 1)[0]
    for owner, pointer in (
        (operation.path_item, item_pointer),
        (operation.operation, operation.pointer),
    ):
        listed = owner.get("parameters")
        for index, raw in enumerate(listed if isinstance(listed, list) else []):
            at, parameter = jp.follow(document, raw, f"{pointer}/parameters/{index}")
            if isinstance(parameter, dict) and isinstance(parameter.get("name"), str):
                location = str(parameter.get("in"))
                name = parameter["name"]
                found[(location, name.lower() if location == "header" else name)] = at
    return found


def _unmet(
    document: dict[str, Any],
    operation: Operation,
    parameters: dict[tuple[str, str], str],
    condition: Condition,
    registry: list[jsonschema_rs.Registry],
) -> str | None:
    """Why no valid request meets ``condition``; None when one may."""
    if condition.location == "body":
        if "requestBody" not in operation.operation:
            return f"it matches on the body, and {operation_name(operation)} takes none"
        return None
    at = parameters.get((condition.location, condition.name))
    if at is None:
        return (
            f"{operation_name(operation)} declares no {condition.location} parameter "
            f"{condition.name!r}"
        )
    parameter = jp.resolve(document, at)
    if condition.pattern is not None or "schema" not in parameter:
        return None
    if not registry:
        registry.append(
            jsonschema_rs.Registry([(_SPEC_URI, document)], draft=jsonschema_rs.Draft202012)
        )
    try:
        validator = jsonschema_rs.validator_for(
            {"$ref": _SPEC_URI + jp.ref_from_pointer(f"{at}/schema")}, registry=registry[0]
        )
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError):
        return None  # an invalid schema is reported by validation already
    if any(validator.is_valid(value) for value in _readings(condition.expected)):
        return None
    return (
        f"the {condition.location} parameter {condition.name!r} admits no value "
        f"{condition.expected!r}"
    )


def _readings(value: Any) -> list[Any]:
    """The typed values a parameter sent as ``value``'s text may be read as."""
    readings = [value]
    if isinstance(value, str):
        for read in (int, float):
            with contextlib.suppress(ValueError):
                readings.append(read(value))
        if value in ("true", "false"):
            readings.append(value == "true")
    elif isinstance(value, bool):
        readings.append("true" if value else "false")
    elif isinstance(value, int | float):
        readings.append(str(value))
    if not isinstance(value, list):
        readings.append([value])  # an array parameter of one item
    return readings
