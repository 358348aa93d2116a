"""Tests of mockserver.spec.loader (reading, bundling, validation, base path) and the pointers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from mockserver.errors import SpecError, SpecReferenceError
from mockserver.spec import pointer as jp
from mockserver.spec.loader import BUNDLE_KEY, Spec, diagnose_spec, load_spec

SPECS = Path(__file__).parent.parent / "specs" / "loader"
SPEC_URI = "urn:test:spec"


def write(directory: Path, name: str, text: str) -> Path:
    """Write a spec file (creating folders) and return its path."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def minimal(**fields: Any) -> dict[str, Any]:
    """A valid OpenAPI 3.1 document with ``fields`` added or replaced."""
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, **fields}


def refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` string in a document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def validator(spec: Spec, pointer: str) -> jsonschema_rs.Validator:
    """A validator for the schema at ``pointer``, resolving refs within the spec."""
    registry = jsonschema_rs.Registry([(SPEC_URI, spec.document)], draft=jsonschema_rs.Draft202012)
    return jsonschema_rs.validator_for(
        {"$ref": SPEC_URI + jp.ref_from_pointer(pointer)}, registry=registry
    )


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "version", "base_path"),
    [("petstore-3.0.yaml", "3.0.3", "/v1"), ("petstore-3.1.json", "3.1.0", "/api/v2")],
)
def test_load_spec_reads_yaml_and_json_files(name: str, version: str, base_path: str) -> None:
    spec = load_spec(SPECS / name)
    assert spec.source == str(SPECS / name)
    assert spec.openapi_version == version
    assert spec.base_path == base_path
    assert spec.document["openapi"] == "3.1.0"
    assert "/pets/{petId}" in spec.document["paths"]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("spec.yaml", '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}'),
        ("spec.json", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"),
        ("spec", ' \n{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}'),
    ],
)
def test_load_spec_tells_json_from_yaml_by_content(tmp_path: Path, name: str, text: str) -> None:
    spec = load_spec(write(tmp_path, name, text))
    assert spec.document["info"] == {"title": "t", "version": "1"}


@pytest.mark.parametrize(
    ("yaml_text", "pointer", "expected"),
    [
        (
            "responses: {200: {description: ok}}",
            "/x-test/responses",
            {"200": {"description": "ok"}},
        ),
        ("on: {type: boolean}", "/x-test", {"on": {"type": "boolean"}}),
        ("yes: 1\nno: 2\nnull: 3", "/x-test", {"yes": 1, "no": 2, "null": 3}),
        ("example: 2024-01-01", "/x-test/example", "2024-01-01"),
        ("example: 2024-01-01T10:00:00Z", "/x-test/example", "2024-01-01T10:00:00Z"),
        ("enum: [yes, no, on, off, y, n]", "/x-test/enum", ["yes", "no", "on", "off", "y", "n"]),
        ("flags: [true, false, True]", "/x-test/flags", [True, False, True]),
        (
            "numbers: [012, 0o17, 0x1F, 1e3, .5, -3]",
            "/x-test/numbers",
            [12, 15, 31, 1000.0, 0.5, -3],
        ),
        ("1.10: a\n3: b", "/x-test", {"1.10": "a", "3": "b"}),
        ("time: 12:30:00", "/x-test/time", "12:30:00"),
        ("base: &b {a: 1, b: 2}\nmerged: {<<: *b, b: 3}", "/x-test/merged", {"a": 1, "b": 3}),
    ],
)
def test_yaml_1_1_quirks_are_harmless(
    tmp_path: Path, yaml_text: str, pointer: str, expected: Any
) -> None:
    body = "\n".join("  " + line for line in yaml_text.splitlines())
    text = f"openapi: 3.1.0\ninfo: {{title: t, version: '1'}}\npaths: {{}}\nx-test:\n{body}\n"
    spec = load_spec(write(tmp_path, "spec.yaml", text))
    assert jp.resolve(spec.document, pointer) == expected


def test_yaml_duplicate_keys_are_reported_with_their_line(tmp_path: Path) -> None:
    text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {}\n  /a: {}\n"
    path = write(tmp_path, "dup.yaml", text)
    with pytest.raises(SpecError) as caught:
        load_spec(path, strict=True)
    assert str(caught.value) == (
        f"{path}: invalid YAML at line 5, column 3: duplicate key '/a'\n"
        "  fix: a key may appear once per mapping: merge the two entries or rename one"
    )


def test_mapping_sources_are_copied_and_made_plain_json() -> None:
    raw = yaml.safe_load(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses:\n        200:\n          description: ok\n"
        "components:\n  schemas:\n    D: {type: string, nullable: true, example: 2024-01-01}\n"
    )
    assert isinstance(raw["components"]["schemas"]["D"]["example"], dt.date)
    spec = load_spec(raw)
    assert spec.source == "<dict>"
    assert list(spec.document["paths"]["/a"]["get"]["responses"]) == ["200"]
    schema = spec.document["components"]["schemas"]["D"]
    assert schema == {
        "type": ["string", "null"],
        "example": "2024-01-01",
        "examples": ["2024-01-01"],
    }
    assert raw["components"]["schemas"]["D"]["nullable"] is True  # the input is untouched


# --- bundling --------------------------------------------------------------------------------


def test_multi_file_refs_become_local_refs_into_x_bundled() -> None:
    spec = load_spec(SPECS / "multi" / "openapi.yaml")
    document = spec.document
    assert all(ref.startswith("#/") for ref in refs(document))
    for ref in refs(document):
        jp.resolve(document, jp.pointer_from_ref(ref))
    assert document["components"]["schemas"]["Price"] == {
        "$ref": "#/x-bundled/common.yaml/components/schemas/Money"
    }
    user = document[BUNDLE_KEY]["schemas_user.json"]
    assert user["properties"]["address"] == {
        "$ref": "#/x-bundled/schemas_nested_address.yaml/Address"
    }
    address = document[BUNDLE_KEY]["schemas_nested_address.yaml"]["Address"]
    # Refs inside a referenced file are relative to that file, in a nested folder.
    assert address["properties"]["country"] == {
        "$ref": "#/x-bundled/common.yaml/components/schemas/Country"
    }
    assert address["properties"]["street"] == {
        "$ref": "#/x-bundled/schemas_nested_address.yaml/definitions/Street"
    }
    assert document["paths"]["/items"] == {"$ref": "#/x-bundled/paths_items.yaml"}


def test_bundling_copies_only_referenced_parts_of_a_file() -> None:
    spec = load_spec(SPECS / "multi" / "openapi.yaml")
    common = spec.document[BUNDLE_KEY]["common.yaml"]["components"]["schemas"]
    # `Unused` holds a remote $ref that is never followed because nothing references it.
    assert set(common) == {"Money", "Currency", "Country"}


def test_bundled_document_validates_instances_across_files() -> None:
    spec = load_spec(SPECS / "multi" / "openapi.yaml")
    pointer = "/paths/~1users~1{id}/get/responses/200/content/application~1json/schema"
    check = validator(spec, pointer)
    user = {
        "id": "u1",
        "address": {"street": "Main", "country": "NL"},
        "balance": {"amount": 1.5, "currency": "EUR"},
    }
    assert check.is_valid(user)
    assert not check.is_valid({**user, "balance": {"amount": 1, "currency": "JPY"}})
    assert not check.is_valid({**user, "address": {"country": "NLD"}})


def test_circular_refs_stay_refs_within_and_across_files() -> None:
    spec = load_spec(SPECS / "circular" / "openapi.yaml")
    node = spec.document["components"]["schemas"]["Node"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Node"}
    bundled = spec.document[BUNDLE_KEY]
    assert bundled["pet.yaml"]["Pet"]["properties"]["owner"] == {
        "$ref": "#/x-bundled/owner.yaml/Owner"
    }
    assert bundled["owner.yaml"]["Owner"]["properties"]["pets"]["items"] == {
        "$ref": "#/x-bundled/pet.yaml/Pet"
    }
    tree = validator(spec, "/components/schemas/Node")
    assert tree.is_valid({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})
    assert not tree.is_valid({"value": 1, "children": [{"children": []}]})
    pet = validator(spec, "/x-bundled/pet.yaml/Pet")
    assert pet.is_valid({"name": "Rex", "owner": {"name": "Ann", "pets": [{"name": "Tom"}]}})
    assert not pet.is_valid({"name": "Rex", "owner": {"name": "Ann", "pets": [{}]}})


def test_loading_a_loaded_document_gives_the_same_document() -> None:
    spec = load_spec(SPECS / "multi" / "openapi.yaml")
    assert load_spec(spec.document).document == spec.document


def test_mapping_sources_resolve_relative_refs_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "schemas.yaml", "Thing: {type: string}\n")
    monkeypatch.chdir(tmp_path)
    spec = load_spec(minimal(components={"schemas": {"T": {"$ref": "schemas.yaml#/Thing"}}}))
    assert spec.document[BUNDLE_KEY] == {"schemas.yaml": {"Thing": {"type": "string"}}}


def test_refs_are_rewritten_in_percent_encoded_form() -> None:
    document = minimal(
        components={
            "schemas": {
                "My Thing": {"type": "string"},
                "A": {"$ref": "#/components/schemas/My Thing"},
                "B": {"$ref": "#/components/schemas/My%20Thing"},
            }
        }
    )
    # Component names with spaces are invalid OpenAPI, but refs must survive them anyway.
    schemas = load_spec(document, validate=False).document["components"]["schemas"]
    assert schemas["A"] == schemas["B"] == {"$ref": "#/components/schemas/My%20Thing"}


def test_refs_in_literal_values_and_anchors_are_left_alone() -> None:
    literal = {"$ref": "nowhere.yaml#/x"}
    document = minimal(
        components={
            "schemas": {
                "A": {"type": "object", "example": literal, "default": literal, "enum": [literal]},
                "B": {"$defs": {"x": {"$anchor": "here"}}, "$ref": "#here"},
            },
            "examples": {"E": {"value": literal}},
        }
    )
    document["x-extension"] = literal
    components = load_spec(document).document["components"]
    assert components["schemas"]["A"]["example"] == literal
    assert components["schemas"]["A"]["enum"] == [literal]
    assert components["examples"]["E"]["value"] == literal
    assert components["schemas"]["B"]["$ref"] == "#here"


def test_discriminator_mapping_refs_are_bundled_and_names_kept(tmp_path: Path) -> None:
    write(tmp_path, "pets.yaml", "Dog: {type: object}\nCat: {type: object}\n")
    schema = {
        "oneOf": [{"$ref": "pets.yaml#/Dog"}, {"$ref": "pets.yaml#/Cat"}],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {"dog": "pets.yaml#/Dog", "cat": "Cat"},
        },
    }
    text = yaml.safe_dump(minimal(components={"schemas": {"Pet": schema, "Cat": {}}}))
    spec = load_spec(write(tmp_path, "openapi.yaml", text))
    mapping = spec.document["components"]["schemas"]["Pet"]["discriminator"]["mapping"]
    assert mapping == {"dog": "#/x-bundled/pets.yaml/Dog", "cat": "Cat"}


def test_files_with_the_same_flattened_name_get_distinct_keys(tmp_path: Path) -> None:
    write(tmp_path, "a/b.yaml", "X: {type: string}\n")
    write(tmp_path, "a_b.yaml", "X: {type: integer}\n")
    schemas = {"S": {"$ref": "a/b.yaml#/X"}, "I": {"$ref": "a_b.yaml#/X"}}
    text = yaml.safe_dump(minimal(components={"schemas": schemas}))
    spec = load_spec(write(tmp_path, "openapi.yaml", text))
    # safe_dump sorts keys, so "I" (a_b.yaml) is bundled first and keeps the plain name.
    assert spec.document[BUNDLE_KEY] == {
        "a_b.yaml": {"X": {"type": "integer"}},
        "a_b.yaml_2": {"X": {"type": "string"}},
    }


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error", "text"),
    [
        (
            "missing-ref.yaml",
            SpecReferenceError,
            "missing-ref.yaml#/paths/~1pets/get/responses/200/content/application~1json/schema: "
            "$ref '#/components/schemas/Pett' points at nothing: in missing-ref.yaml, "
            "/components/schemas has no 'Pett' (it has: Pet)\n"
            "  fix: correct the $ref or add /components/schemas/Pett to missing-ref.yaml",
        ),
        (
            "remote-ref.yaml",
            SpecReferenceError,
            "remote-ref.yaml#/paths/~1pets/get/responses/200: remote $ref "
            "'https://example.com/common.yaml#/components/responses/Ok' is not supported\n"
            "  fix: download the file next to the spec and reference it by relative path",
        ),
        (
            "swagger.yaml",
            SpecError,
            "swagger.yaml#/swagger: Swagger 2.0 documents are not supported\n"
            "  fix: convert it to OpenAPI 3 first",
        ),
        (
            "no-description.yaml",
            SpecError,
            "no-description.yaml#/paths/~1pets/get/responses/200: missing required field "
            "'description'\n  fix: add 'description' here",
        ),
        (
            "list.yaml",
            SpecError,
            "list.yaml: expected a mapping (an OpenAPI object) at the top level, got a list",
        ),
        (
            "syntax.yaml",
            SpecError,
            "syntax.yaml: invalid YAML at line 4, column 11: mapping values are not allowed",
        ),
    ],
)
def test_invalid_specs_fail_with_file_pointer_and_fix(
    name: str, error: type[SpecError], text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SPECS / "invalid")
    with pytest.raises(error) as caught:
        load_spec(name, strict=True)
    assert type(caught.value) is error
    assert str(caught.value).startswith(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a mapping (an OpenAPI object) at the top level, got nothing"),
        ("info: {title: t}", "missing the 'openapi' field"),
        ("openapi: 3.1", "'openapi' must be a string such as \"3.1.0\", got 3.1"),
        ("openapi: 3.2.0", "unsupported OpenAPI version '3.2.0'"),
        ("openapi: 2.0.0", "unsupported OpenAPI version '2.0.0'"),
        ('{"openapi": "3.1.0",, }', "invalid JSON: "),
        (
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nfoo: 1",
            "unexpected field 'foo'",
        ),
        (
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {users: {}}",
            "invalid path 'users'",
        ),
    ],
)
def test_unusable_documents_are_rejected_with_a_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, "spec.yaml", text)
    with pytest.raises(SpecError) as caught:
        load_spec(path, strict=True)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)
    assert "\n  fix: " in str(caught.value)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p, "file not found"),
        (lambda p: p.mkdir() or p, "is a directory"),
        (lambda p: (p.write_bytes(b"openapi: \xff\xfe"), p)[1], "not UTF-8 text"),
    ],
)
def test_unreadable_files_are_reported(tmp_path: Path, setup: Any, message: str) -> None:
    path = setup(tmp_path / "spec.yaml")
    with pytest.raises(SpecError, match=message) as caught:
        load_spec(path, strict=True)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_document_text_passed_as_a_path_gets_a_hint() -> None:
    with pytest.raises(SpecError, match="looks like document text"):
        load_spec("openapi: 3.1.0\ninfo: {}\n", strict=True)


def test_sources_other_than_paths_and_mappings_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="expected a file path or a mapping, got source=42"):
        load_spec(42)  # type: ignore[arg-type]  # checking the runtime guard


def test_missing_external_file_names_the_referring_file_and_pointer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "specs/common.yaml", "A: {$ref: '../sub/nope.yaml#/A'}\n")
    text = yaml.safe_dump(minimal(components={"schemas": {"A": {"$ref": "common.yaml#/A"}}}))
    write(tmp_path, "specs/openapi.yaml", text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecReferenceError) as caught:
        load_spec("specs/openapi.yaml", strict=True)
    assert str(caught.value) == (
        "specs/common.yaml#/A: $ref '../sub/nope.yaml#/A' points at a missing file "
        "sub/nope.yaml\n  fix: check the path: it is relative to the directory of "
        "specs/common.yaml"
    )


def test_missing_target_in_an_external_file_names_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "common.yaml", "B: {$ref: 'other.yaml#/C'}\n")
    write(tmp_path, "other.yaml", "D: {type: string}\n")
    text = yaml.safe_dump(minimal(components={"schemas": {"A": {"$ref": "common.yaml#/B"}}}))
    write(tmp_path, "openapi.yaml", text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecReferenceError) as caught:
        load_spec("openapi.yaml", strict=True)
    assert str(caught.value) == (
        "common.yaml#/B: $ref 'other.yaml#/C' points at nothing: in other.yaml, the document "
        "root has no 'C' (it has: D)\n  fix: correct the $ref or add /C to other.yaml"
    )


def test_files_outside_the_working_directory_are_shown_by_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "specs/openapi.yaml", yaml.safe_dump(minimal(x={"$ref": "a.yaml"})))
    monkeypatch.chdir(write(tmp_path, "elsewhere/x", "").parent)
    with pytest.raises(SpecReferenceError) as caught:
        load_spec(tmp_path / "specs" / "openapi.yaml", strict=True)
    assert f"points at a missing file {tmp_path / 'specs' / 'a.yaml'}\n" in str(caught.value)


def test_validation_errors_inside_bundled_files_name_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "common.yaml", "responses:\n  Ok:\n    content: {}\n")
    operation = {"responses": {"200": {"$ref": "common.yaml#/responses/Ok"}}}
    write(tmp_path, "openapi.yaml", yaml.safe_dump(minimal(paths={"/a": {"get": operation}})))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as caught:
        load_spec("openapi.yaml", strict=True)
    assert str(caught.value) == (
        "common.yaml#/responses/Ok: missing required field 'description'\n"
        "  fix: add 'description' here"
    )


def test_the_first_validation_error_counts_the_others() -> None:
    operation: dict[str, Any] = {"responses": {"200": {}, "201": {}}}
    with pytest.raises(SpecError, match=r"\(and 1 more problems: `mockserver lint`"):
        load_spec(minimal(paths={"/a": {"get": operation}}), strict=True)


OK = {"200": {"description": "ok"}}


def test_paths_of_one_shape_with_other_methods_load_with_a_warning() -> None:
    paths = {
        "/a/{id}": {"parameters": [path_param("id")], "get": {"responses": OK}},
        "/a/{name}": {"parameters": [path_param("name")], "delete": {"responses": OK}},
    }
    spec = load_spec(minimal(paths=paths), strict=True)
    assert [(i.severity, i.pointer) for i in spec.issues] == [("warning", "/paths/~1a~1{name}")]
    assert "requests are told apart by their method" in spec.issues[0].message


@pytest.mark.parametrize(
    ("paths", "pointer", "message"),
    [
        (
            {
                "/a": {"get": {"operationId": "x", "responses": OK}},
                "/b": {"get": {"operationId": "x", "responses": OK}},
            },
            "/paths/~1b/get/operationId",
            "operationId 'x' is also used by GET /a",
        ),
        (
            {"/a/{id}": {"get": {"responses": OK}}},
            "/paths/~1a~1{id}/get",
            "path parameter {id} of GET /a/{id} is not declared",
        ),
        (
            {
                "/a/{id}": {"parameters": [path_param("id")], "get": {"responses": OK}},
                "/a/{name}": {"parameters": [path_param("name")], "get": {"responses": OK}},
            },
            "/paths/~1a~1{name}",
            "path '/a/{name}' matches the same requests as '/a/{id}' for GET",
        ),
    ],
)
def test_semantic_rules_of_openapi_are_validated(
    paths: dict[str, Any], pointer: str, message: str
) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(minimal(paths=paths), strict=True)
    assert caught.value.pointer == pointer
    assert message in str(caught.value)


def test_validate_false_loads_invalid_documents() -> None:
    spec = load_spec(SPECS / "invalid" / "no-description.yaml", validate=False)
    assert spec.document["paths"]["/pets"]["get"]["responses"]["200"]["content"]


def test_diagnose_spec_collects_every_reference_problem() -> None:
    schemas = {
        "A": {"$ref": "https://example.com/a.yaml"},
        "B": {"$ref": "#/components/schemas/Nope"},
        "C": {"$ref": "urn:example:c"},
    }
    spec, errors = diagnose_spec(minimal(components={"schemas": schemas}))
    assert spec is not None
    assert [error.pointer for error in errors] == [
        "/components/schemas/A",
        "/components/schemas/B",
        "/components/schemas/C",
    ]
    assert all(isinstance(error, SpecReferenceError) for error in errors)
    assert "unsupported scheme 'urn:'" in str(errors[2])


def test_diagnose_spec_returns_no_spec_when_the_file_is_unreadable(tmp_path: Path) -> None:
    spec, errors = diagnose_spec(tmp_path / "missing.yaml")
    assert spec is None
    assert len(errors) == 1
    assert "file not found" in str(errors[0])


FIXTURES = ["petstore-3.0.yaml", "petstore-3.1.json", "invalid/no-description.yaml"]


@pytest.mark.parametrize("name", FIXTURES)
def test_validation_agrees_with_openapi_spec_validator(name: str) -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    # Through JSON: openapi-spec-validator (like JSON) needs "200", not the int YAML 1.1 makes.
    raw = json.loads(json.dumps(yaml.safe_load((SPECS / name).read_text()), default=str))
    try:
        validate(raw)
    except OpenAPIValidationError:
        expected_valid = False
    else:
        expected_valid = True
    _, errors = diagnose_spec(SPECS / name)
    assert (not errors) == expected_valid


# --- base path -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "base_path"),
    [
        (None, ""),
        ([], ""),
        ([{"url": "/"}], ""),
        ([{"url": "https://api.example.com"}], ""),
        ([{"url": "https://api.example.com/v1/"}], "/v1"),
        ([{"url": "http://localhost:8080/api/v1?x=1"}], "/api/v1"),
        ([{"url": "/api/v1"}, {"url": "/other"}], "/api/v1"),
        ([{"url": "api/v1/"}], "/api/v1"),
        ([{"url": "./v2"}], "/v2"),
        ([{"url": "//cdn.example.com/base"}], "/base"),
        ([{"url": "/a%20b"}], "/a b"),
        (
            [
                {
                    "url": "{scheme}://{host}/{version}",
                    "variables": {
                        "scheme": {"default": "https"},
                        "host": {"default": "x.example"},
                        "version": {"default": "v3", "enum": ["v3"]},
                    },
                }
            ],
            "/v3",
        ),
        ([{"url": "https://{region}.example.com/v1"}], "/v1"),
    ],
)
def test_base_path_is_the_path_of_the_first_server(
    servers: list[dict[str, Any]] | None, base_path: str
) -> None:
    document = minimal() if servers is None else minimal(servers=servers)
    assert load_spec(document, validate=False).base_path == base_path


def test_base_path_with_an_undefined_variable_is_an_error() -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(minimal(servers=[{"url": "/api/{version}"}]), validate=False, strict=True)
    assert str(caught.value) == (
        "<dict>#/servers/0/url: server variable 'version' in the URL path has no default\n"
        "  fix: add servers[0].variables.version.default"
    )


# --- speed -----------------------------------------------------------------------------------


def big_spec(operations: int) -> dict[str, Any]:
    """A 3.0 document with ``operations`` operations over ``operations / 4`` schemas."""
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    count = operations // 4
    for i in range(count):
        ref = {"$ref": f"#/components/schemas/Item{i}"}
        schemas[f"Item{i}"] = {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "integer", "readOnly": True},
                "name": {"type": "string", "nullable": True, "example": "x"},
                "next": {"$ref": f"#/components/schemas/Item{(i + 1) % count}"},
            },
        }
        content = {"application/json": {"schema": ref}}
        ok = {"200": {"description": "ok", "content": content}}
        paths[f"/items{i}"] = {
            "get": {"operationId": f"list{i}", "responses": ok},
            "post": {
                "operationId": f"create{i}",
                "requestBody": {"content": content},
                "responses": ok,
            },
        }
        parameter = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
        paths[f"/items{i}/{{id}}"] = {
            "parameters": [parameter],
            "get": {"operationId": f"get{i}", "responses": ok},
            "delete": {"operationId": f"delete{i}", "responses": {"204": {"description": "gone"}}},
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "big", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def test_a_thousand_operations_load(tmp_path: Path) -> None:
    # How fast is the benchmark's business (`python -m bench --only startup`), never a
    # timed assertion here: a busy CI machine would make it flaky.
    path = write(tmp_path, "big.yaml", yaml.safe_dump(big_spec(1000)))
    spec = load_spec(path)
    assert len(spec.document["paths"]) == 500
    methods = {"get", "put", "post", "delete", "patch"}
    operations = sum(len(methods & set(item)) for item in spec.document["paths"].values())
    assert operations == 1000
