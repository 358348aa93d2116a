"""Tests of mockserver.spec.lint: every rule reports what, where and how to fix it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.spec.lint import LintIssue, lint_spec

SPECS = Path(__file__).parent.parent / "specs"
OK = {"200": {"description": "ok"}}


def spec31(**fields: Any) -> dict[str, Any]:
    """A valid OpenAPI 3.1 document with ``fields`` added or replaced."""
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, **fields}


def with_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return spec31(components={"schemas": {"S": schema}})


def summary(issues: list[LintIssue]) -> list[tuple[str, str, str]]:
    return [(issue.severity, issue.pointer, issue.message) for issue in issues]


@pytest.mark.parametrize(
    "path",
    [
        SPECS / "lint" / "clean.yaml",
        SPECS / "loader" / "petstore-3.0.yaml",
        SPECS / "loader" / "petstore-3.1.json",
        SPECS / "loader" / "multi" / "openapi.yaml",
        SPECS / "loader" / "circular" / "openapi.yaml",
    ],
)
def test_lint_finds_nothing_in_good_specs(path: Path) -> None:
    assert lint_spec(path) == []


def test_lint_reports_each_problem_of_a_spec_errors_first() -> None:
    issues = lint_spec(SPECS / "lint" / "problems.yaml")
    assert summary(issues) == [
        (
            "error",
            "/paths/~1pets/post/operationId",
            "operationId 'listPets' is also used by GET /pets",
        ),
        (
            "error",
            "/paths/~1pets~1{petId}/get",
            "path parameter {petId} of GET /pets/{petId} is not declared",
        ),
        (
            "error",
            "/components/schemas/Impossible",
            "no value satisfies this schema: required property 'id' is not in properties and "
            "additionalProperties is false",
        ),
        (
            "error",
            "/components/schemas/Impossible/properties/size",
            "no value satisfies this schema: exclusiveMinimum 0 leaves no room below maximum 0",
        ),
        (
            "error",
            "/components/schemas/Impossible/properties/name",
            "no value satisfies this schema: minLength 5 is above maxLength 2",
        ),
        (
            "warning",
            "/paths/~1pets/get/responses/200/content/application~1json",
            "the 200 response of GET /pets has application/json content with neither a schema "
            "nor an example",
        ),
        (
            "warning",
            "/paths/~1pets/post/responses/201/content/application~1json/example",
            'this value does not match its schema: "id" is a required property',
        ),
    ]
    assert all(issue.hint for issue in issues)


def test_load_errors_become_one_error_issue() -> None:
    path = SPECS / "loader" / "invalid" / "syntax.yaml"
    assert lint_spec(path) == [
        LintIssue(
            "error",
            "",
            "invalid YAML at line 4, column 11: mapping values are not allowed in this context",
            "fix the syntax there (indentation, quoting, a missing ':' or '-')",
        )
    ]


def test_every_broken_reference_is_reported_not_just_the_first() -> None:
    responses = {
        "200": {"$ref": "https://example.com/r.yaml#/Ok"},
        "404": {"$ref": "http://example.com/r.yaml#/NotFound"},
        "500": {"$ref": "#/components/responses/Missing"},
    }
    issues = lint_spec(spec31(paths={"/a": {"get": {"responses": responses}}}))
    assert [issue.pointer for issue in issues] == [
        "/paths/~1a/get/responses/200",
        "/paths/~1a/get/responses/404",
        "/paths/~1a/get/responses/500",
    ]
    assert "remote $ref 'https://example.com/r.yaml#/Ok' is not supported" in issues[0].message
    assert issues[0].hint.startswith("download the file")
    assert "points at nothing" in issues[2].message


def test_problems_in_other_files_name_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "common.yaml").write_text(
        "Bad: {type: string, minLength: 3, maxLength: 1}\nNope: {$ref: '#/Gone'}\n"
    )
    schemas = {"A": {"$ref": "common.yaml#/Nope"}}
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(spec31(components={"schemas": schemas})))
    monkeypatch.chdir(tmp_path)
    issues = lint_spec("openapi.yaml")
    assert summary(issues) == [
        (
            "error",
            "",
            "common.yaml#/Nope: $ref '#/Gone' points at nothing: in common.yaml, the document "
            "root has no 'Gone' (it has: Bad, Nope)",
        )
    ]


def test_validation_errors_are_all_listed() -> None:
    operation = {"responses": {"200": {}, "201": {"description": 5}}}
    issues = lint_spec(spec31(paths={"/a": {"get": operation}}))
    assert summary(issues) == [
        ("error", "/paths/~1a/get/responses/200", "missing required field 'description'"),
        ("error", "/paths/~1a/get/responses/201/description", "expected string, got 5"),
    ]


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (
            {"/a": {"get": {"summary": "no responses"}}},
            (
                "warning",
                "/paths/~1a/get",
                "GET /a declares no responses, so the mock has nothing to return",
            ),
        ),
        (
            {"/a/{id}": {"get": {"responses": OK}}},
            ("error", "/paths/~1a~1{id}/get", "path parameter {id} of GET /a/{id} is not declared"),
        ),
        (
            {
                "/a": {
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {}}],
                    "get": {"responses": OK},
                }
            },
            ("error", "/paths/~1a/parameters/0", "path parameter 'id' is not in the path '/a'"),
        ),
        (
            {
                "/a": {
                    "get": {
                        "parameters": [{"name": "q", "in": "query", "schema": {}}] * 2,
                        "responses": OK,
                    }
                }
            },
            ("error", "/paths/~1a/get/parameters/1", "parameter 'q' in query is declared twice"),
        ),
    ],
)
def test_operation_rules(paths: dict[str, Any], expected: tuple[str, str, str]) -> None:
    assert summary(lint_spec(spec31(paths=paths))) == [expected]


def test_path_parameters_declared_on_the_path_item_count_for_every_operation() -> None:
    parameter = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    paths = {
        "/a/{id}": {"parameters": [parameter], "get": {"responses": OK}, "put": {"responses": OK}}
    }
    assert lint_spec(spec31(paths=paths)) == []


@pytest.mark.parametrize(
    ("schema", "pointer", "reason"),
    [
        (
            {"type": "string", "minLength": 3, "maxLength": 2},
            "",
            "minLength 3 is above maxLength 2",
        ),
        ({"type": "array", "minItems": 2, "maxItems": 1}, "", "minItems 2 is above maxItems 1"),
        ({"minProperties": 2, "maxProperties": 0}, "", "minProperties 2 is above maxProperties 0"),
        ({"minimum": 3, "maximum": 2}, "", "minimum 3 leaves no room below maximum 2"),
        (
            {"minimum": 2, "exclusiveMaximum": 2},
            "",
            "minimum 2 leaves no room below exclusiveMaximum 2",
        ),
        (
            {"exclusiveMinimum": 1, "maximum": 1},
            "",
            "exclusiveMinimum 1 leaves no room below maximum 1",
        ),
        ({"enum": []}, "", "enum is empty, so no value is allowed"),
        (
            {"properties": {"a": {"minLength": 9, "maxLength": 1}}},
            "/properties/a",
            "minLength 9 is above maxLength 1",
        ),
        (
            {"required": ["b"], "properties": {"a": {}}, "additionalProperties": False},
            "",
            "required property 'b' is not in properties and additionalProperties is false",
        ),
    ],
)
def test_unsatisfiable_schemas_are_errors(
    schema: dict[str, Any], pointer: str, reason: str
) -> None:
    assert summary(lint_spec(with_schema(schema))) == [
        ("error", f"/components/schemas/S{pointer}", f"no value satisfies this schema: {reason}")
    ]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "minLength": 2, "maxLength": 2},
        {"minimum": 2, "maximum": 2},
        {"exclusiveMinimum": 1, "maximum": 1.5},
        {"required": ["x-1"], "patternProperties": {"^x-": {}}, "additionalProperties": False},
        {"required": ["b"], "properties": {"a": {}}},
    ],
)
def test_satisfiable_schemas_pass(schema: dict[str, Any]) -> None:
    assert lint_spec(with_schema(schema)) == []


def test_a_pattern_property_that_is_no_regex_is_reported_and_dropped() -> None:
    schema = {"required": ["b"], "patternProperties": {"(": {}}, "additionalProperties": False}
    issues = {(i.pointer, i.message.split(":")[0]) for i in lint_spec(with_schema(schema))}
    assert issues == {
        (
            "/components/schemas/S/patternProperties/(",
            "this pattern is not an ECMA-262 regular expression",
        ),
        # with the pattern gone, nothing admits the required property
        ("/components/schemas/S", "no value satisfies this schema"),
    }


def test_3_0_boolean_exclusive_bounds_are_judged_after_conversion() -> None:
    schema = {"type": "integer", "minimum": 2, "maximum": 2, "exclusiveMinimum": False}
    document = {**with_schema(schema), "openapi": "3.0.3"}
    assert lint_spec(document) == []
    schema["exclusiveMinimum"] = True
    assert summary(lint_spec(document)) == [
        (
            "error",
            "/components/schemas/S",
            "no value satisfies this schema: exclusiveMinimum 2 leaves no room below maximum 2",
        )
    ]


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        (with_schema({"type": "integer", "default": "one"}), "/components/schemas/S/default"),
        (
            with_schema({"type": "integer", "examples": [1, "two"]}),
            "/components/schemas/S/examples/1",
        ),
        (
            {**with_schema({"type": "integer", "example": "one"}), "openapi": "3.0.3"},
            "/components/schemas/S/examples/0",
        ),
        (
            spec31(
                paths={
                    "/a": {
                        "get": {
                            "parameters": [
                                {
                                    "name": "q",
                                    "in": "query",
                                    "schema": {"type": "integer"},
                                    "example": "x",
                                }
                            ],
                            "responses": OK,
                        }
                    }
                }
            ),
            "/paths/~1a/get/parameters/0/example",
        ),
        (
            spec31(
                paths={
                    "/a": {
                        "get": {
                            "responses": {
                                "200": {
                                    "description": "ok",
                                    "content": {
                                        "application/json": {
                                            "schema": {"$ref": "#/components/schemas/N"},
                                            "examples": {
                                                "bad": {"$ref": "#/components/examples/Bad"}
                                            },
                                        }
                                    },
                                }
                            }
                        }
                    }
                },
                components={
                    "schemas": {"N": {"type": "number"}},
                    "examples": {"Bad": {"value": []}},
                },
            ),
            "/components/examples/Bad/value",
        ),
    ],
)
def test_examples_and_defaults_that_break_their_schema_are_warnings(
    document: dict[str, Any], pointer: str
) -> None:
    issues = lint_spec(document)
    assert [(issue.severity, issue.pointer) for issue in issues] == [("warning", pointer)]
    assert issues[0].message.startswith("this value does not match its schema: ")


def _matched(examples: dict[str, Any], *, status: str = "200") -> dict[str, Any]:
    """A document whose GET /pets/{petId} answers ``examples`` (each with x-mock-match)."""
    integer = {"type": "integer", "minimum": 1}
    parameters = [
        {"name": "petId", "in": "path", "required": True, "schema": integer},
        {"name": "X-Tenant", "in": "header", "schema": {"type": "string"}},
        {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
    ]
    media = {"schema": {"type": "object"}, "examples": examples}
    response = {"description": "ok", "content": {"application/json": media}}
    operation = {"parameters": parameters, "responses": {status: response}}
    return spec31(paths={"/pets/{petId}": {"get": operation}})


def _match(match: Any) -> dict[str, Any]:
    return {"e": {"value": {"a": 1}, "x-mock-match": match}}


MATCH_AT = (
    "/paths/~1pets~1{petId}/get/responses/200/content/application~1json/examples/e/x-mock-match"
)


@pytest.mark.parametrize(
    "match",
    [
        {"path": {"petId": "1"}, "header": {"x-tenant": "acme"}, "query": {"verbose": "true"}},
        {"path": {"petId": 7}, "query": {"verbose": True}},
        {"path": {"petId": {"pattern": "^1"}}, "header": {"X-TENANT": {"pattern": "."}}},
    ],
)
def test_a_selectable_x_mock_match_passes(match: Any) -> None:
    assert lint_spec(_matched(_match(match))) == []


@pytest.mark.parametrize(
    ("match", "reason"),
    [
        ({"path": {"petId": 0}}, "the path parameter 'petId' admits no value 0"),
        ({"path": {"petId": "abc"}}, "the path parameter 'petId' admits no value 'abc'"),
        ({"query": {"verbos": True}}, "GET /pets/{petId} declares no query parameter 'verbos'"),
        ({"query": {"verbose": "maybe"}}, "the query parameter 'verbose' admits no value 'maybe'"),
        ({"header": {"X-Other": "a"}}, "GET /pets/{petId} declares no header parameter 'x-other'"),
        ({"body": {"/a": 1}}, "it matches on the body, and GET /pets/{petId} takes none"),
    ],
)
def test_an_example_no_request_can_select_is_a_warning(match: Any, reason: str) -> None:
    issues = lint_spec(_matched(_match(match)))
    assert summary(issues) == [
        (
            "warning",
            MATCH_AT,
            "no request can select the example 'e' of the 200 response of "
            f"GET /pets/{{petId}}: {reason}",
        )
    ]
    assert "match on what the operation declares" in issues[0].hint


def test_an_example_of_a_status_range_cannot_be_selected() -> None:
    issues = lint_spec(_matched(_match({"path": {"petId": 1}}), status="default"))
    assert [issue.message.rsplit(": ", 1)[-1] for issue in issues] == [
        "x-mock-match selects examples of responses with a numeric status only"
    ]


def test_a_malformed_x_mock_match_is_an_error_at_its_place() -> None:
    issues = lint_spec(_matched(_match({"path": {"petId": {"regex": "1"}}})))
    assert summary(issues) == [
        (
            "error",
            MATCH_AT + "/path/petId",
            "malformed x-mock-match: expected a value, {equals: VALUE} or {pattern: REGEX}, "
            "got {'regex': '1'}",
        )
    ]
    assert issues[0].hint.startswith("write x-mock-match as")
