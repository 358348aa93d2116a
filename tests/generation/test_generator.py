"""Tests of mockserver.generation: values are valid, deterministic, realistic, errors clear.

Validity is judged by the independent ``jsonschema`` package (with ``referencing`` for $refs and
format checking), never by the generator's own validation, and also by ``jsonschema_rs``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockserver.errors import GenerationError, SpecReferenceError
from mockserver.generation import generator, realistic, values
from mockserver.generation.generator import DataGenerator
from tests.schemas_strategy import FIXED_COMPONENTS, FORMATS, PATTERNS, documents

Direction = Literal["response", "request"]
DIRECTIONS: tuple[Direction, ...] = ("response", "request")
DOC_URI = "urn:test:document"
EXAMPLE_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
REF = "#/components/schemas/"


# --- an independent oracle ------------------------------------------------------------------

# Draft 2020-12's own checkers (a bare FormatChecker() mixes in draft 3's offset-less "time"),
# plus simple independent checks for the formats jsonschema leaves to optional packages.
FORMAT_CHECKER = jsonschema.FormatChecker(formats=())
FORMAT_CHECKER.checkers.update(jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers)
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
_POINTER = re.compile(r"^(/([^~/]|~[01])*)*$")


@FORMAT_CHECKER.checks("uri")
@FORMAT_CHECKER.checks("url")
@FORMAT_CHECKER.checks("iri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", urlsplit(value).scheme) is not None


@FORMAT_CHECKER.checks("uri-reference")
def _is_uri_reference(value: object) -> bool:
    return not isinstance(value, str) or not re.search(r"\s", value)


@FORMAT_CHECKER.checks("hostname")
def _is_hostname(value: object) -> bool:
    return not isinstance(value, str) or _HOSTNAME.match(value) is not None


@FORMAT_CHECKER.checks("duration")
def _is_duration(value: object) -> bool:
    return not isinstance(value, str) or _DURATION.match(value) is not None


@FORMAT_CHECKER.checks("json-pointer")
def _is_json_pointer(value: object) -> bool:
    return not isinstance(value, str) or _POINTER.match(value) is not None


@FORMAT_CHECKER.checks("byte", raises=ValueError)
def _is_base64(value: object) -> bool:
    return not isinstance(value, str) or base64.b64decode(value, validate=True) is not None


@FORMAT_CHECKER.checks("int32")
def _is_int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@FORMAT_CHECKER.checks("int64")
def _is_int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def _for_direction(node: Any, direction: str) -> Any:
    """Apply readOnly/writeOnly the way OpenAPI does: hidden properties may not appear."""
    if isinstance(node, list):
        return [_for_direction(v, direction) for v in node]
    if not isinstance(node, Mapping):
        return node
    out = {k: _for_direction(v, direction) for k, v in node.items()}
    props = node.get("properties")
    if isinstance(props, Mapping):
        flag = "writeOnly" if direction == "response" else "readOnly"
        hidden = {k for k, s in props.items() if isinstance(s, Mapping) and s.get(flag) is True}
        out["properties"] = {k: False if k in hidden else v for k, v in out["properties"].items()}
        if "required" in node:
            out["required"] = [r for r in node["required"] if r not in hidden]
    return out


def assert_valid(document: Mapping[str, Any], ref: str, value: Any, direction: str) -> None:
    """Validate ``value`` against ``document`` at ``ref`` with two independent validators."""
    adjusted = _for_direction(document, direction)
    resource = Resource.from_contents(adjusted, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(DOC_URI, resource)
    validator = jsonschema.Draft202012Validator(
        {"$ref": DOC_URI + ref}, registry=registry, format_checker=FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]
    assert not errors, f"{json.dumps(value)} is invalid: {errors}"
    rs_registry = jsonschema_rs.Registry([(DOC_URI, adjusted)])
    rs = jsonschema_rs.validator_for(
        {"$ref": DOC_URI + ref}, registry=rs_registry, validate_formats=True
    )
    assert rs.is_valid(value), f"{json.dumps(value)} is invalid for jsonschema_rs"


def keys_of(value: Any) -> Iterator[str]:
    """Every object key anywhere inside a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_of(item)


def make_document(**schemas: Any) -> dict[str, Any]:
    """A minimal OpenAPI document whose components/schemas are ``schemas`` (plus fixtures)."""
    components = {**FIXED_COMPONENTS, **schemas}
    return {"openapi": "3.1.0", "components": {"schemas": components}}


def generate_one(
    schema: Any,
    *,
    seed: int = 0,
    key: str = "k",
    direction: Direction = "response",
    **options: Any,
) -> Any:
    """Generate for ``schema`` placed at ``#/components/schemas/S`` and check it independently."""
    document = make_document(S=schema)
    generator = DataGenerator(document, seed=seed, **options)
    value = generator.generate(document["components"]["schemas"]["S"], key=key, direction=direction)
    assert_valid(document, REF + "S", value, direction)
    return value


USER: dict[str, Any] = {
    "type": "object",
    "required": ["id", "email", "password", "createdAt", "name"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "readOnly": True},
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "writeOnly": True, "minLength": 8},
        "name": {"type": "string", "maxLength": 60},
        "firstName": {"type": "string"},
        "createdAt": {"type": "string", "format": "date-time", "readOnly": True},
        "country": {"type": "string", "minLength": 2, "maxLength": 2},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "price": {"type": "integer", "minimum": 0},
        "quantity": {"type": "integer", "minimum": 1},
        "status": {"type": "string", "enum": ["active", "disabled"]},
    },
}


# --- property tests -------------------------------------------------------------------------


def _case(schema: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ``documents()`` draw for one schema, for pinning with ``@example``."""
    return make_document(Root=schema), schema


_PETS = {
    "oneOf": [{"$ref": REF + "Cat"}, {"$ref": REF + "Dog"}],
    "discriminator": {"propertyName": "petType"},
}


@given(
    case=documents(),
    seed=st.integers(0, 2**32),
    direction=st.sampled_from(DIRECTIONS),
)
@example(case=_case({"$ref": REF + "Tree"}), seed=0, direction="response")
@example(case=_case(_PETS), seed=1, direction="request")
# A name hint ("id" -> uuid) must not override a format jsonschema_rs does not assert.
@example(
    case=_case({"type": "object", "required": ["id"], "properties": {"id": {"format": "url"}}}),
    seed=0,
    direction="response",
)
# Float multipleOf: 0.3 / 0.1 and 0.6 / 0.1 are not whole numbers in floating point.
@example(
    case=_case({"type": "number", "multipleOf": 0.1, "minimum": 0.25, "maximum": 0.75}),
    seed=0,
    direction="response",
)
def test_generate_any_schema_yields_a_value_the_independent_validator_accepts(
    case: tuple[dict[str, Any], dict[str, Any]], seed: int, direction: Direction
) -> None:
    document, schema = case
    generator = DataGenerator(document, seed=seed)
    value = generator.generate(schema, key="GET /things 200", direction=direction)
    assert_valid(document, REF + "Root", value, direction)
    hidden = "secret" if direction == "response" else "server"
    assert not [k for k in keys_of(value) if k.startswith(hidden)]


@given(case=documents(), seed=st.integers(0, 2**32))
def test_generate_same_seed_and_key_gives_equal_values(
    case: tuple[dict[str, Any], dict[str, Any]], seed: int
) -> None:
    document, schema = case
    first = DataGenerator(document, seed=seed).generate(schema, key="a")
    second = DataGenerator(document, seed=seed).generate(schema, key="a")
    assert first == second
    assert json.dumps(first) == json.dumps(second)


@given(seed=st.integers(0, 2**32))
def test_generate_different_keys_usually_give_different_values(seed: int) -> None:
    document = make_document(
        S={
            "type": "object",
            "required": ["id", "n"],
            "properties": {"id": {"type": "string"}, "n": {"type": "integer"}},
        }
    )
    generator = DataGenerator(document, seed=seed)
    schema = document["components"]["schemas"]["S"]
    values = {json.dumps(generator.generate(schema, key=f"key-{i}")) for i in range(20)}
    assert len(values) >= 18


# --- determinism ----------------------------------------------------------------------------


def test_generate_seeded_output_is_identical_in_a_fresh_process_with_another_hash_seed() -> None:
    document = make_document(S=USER)
    program = (
        "import json, sys; from mockserver.generation.generator import DataGenerator;"
        "d = json.loads(sys.argv[1]);"
        "s = d['components']['schemas']['S'];"
        "print(json.dumps(DataGenerator(d, seed=7).generate(s, key='GET /users/1 200')))"
    )
    there = subprocess.run(
        [sys.executable, "-c", program, json.dumps(document)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        check=True,
    )
    schema = document["components"]["schemas"]["S"]
    here = DataGenerator(document, seed=7).generate(schema, key="GET /users/1 200")
    assert json.loads(there.stdout) == here


def test_generate_unseeded_values_vary_between_calls() -> None:
    document = make_document(S=USER)
    generator = DataGenerator(document)
    schema = document["components"]["schemas"]["S"]
    assert len({json.dumps(generator.generate(schema)) for _ in range(5)}) > 1


def test_generate_seeded_timestamps_are_recent_relative_to_the_fixed_epoch() -> None:
    value = generate_one({"type": "string", "format": "date-time"}, seed=3)
    moment = datetime.fromisoformat(value)
    assert realistic.FIXED_EPOCH - timedelta(days=31) <= moment <= realistic.FIXED_EPOCH


# --- readOnly / writeOnly -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "absent", "present"),
    [
        ("response", "password", "id"),
        ("request", "id", "password"),
    ],
)
def test_generate_hidden_properties_never_appear_even_when_required(
    direction: Direction, absent: str, present: str
) -> None:
    for seed in range(20):
        value = generate_one(USER, seed=seed, direction=direction)
        assert absent not in value
        assert present in value


def test_generate_write_only_through_a_ref_is_hidden_in_responses() -> None:
    schema = {
        "type": "object",
        "required": ["token"],
        "properties": {"token": {"$ref": REF + "Secret"}},
    }
    document = make_document(S=schema, Secret={"type": "string", "writeOnly": True})
    value = DataGenerator(document, seed=1).generate(schema)
    assert value == {}


# --- formats, patterns, numbers -------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_generate_format_yields_a_well_formed_string(fmt: str) -> None:
    for seed in range(10):
        assert isinstance(generate_one({"type": "string", "format": fmt}, seed=seed), str)


@pytest.mark.parametrize("fmt", ["email", "uri", "hostname", "byte", "password"])
def test_generate_format_respects_length_bounds(fmt: str) -> None:
    generate_one({"type": "string", "format": fmt, "minLength": 40, "maxLength": 60})
    generate_one({"type": "string", "format": fmt, "maxLength": 8})


@pytest.mark.parametrize("pattern", [*PATTERNS, r"^(a|b)\1$", r"^[^a-z]{3}$", r"^x(?=y)y\b"])
def test_generate_pattern_yields_a_matching_string(pattern: str) -> None:
    for seed in range(10):
        value = generate_one({"type": "string", "pattern": pattern}, seed=seed)
        assert re.search(pattern, value)


def test_generate_pattern_with_ecma_named_groups_matches() -> None:
    # Python's re (and so the jsonschema package) cannot read (?<name>...): check with Rust.
    schema = {"type": "string", "pattern": r"^(?<year>\d{4})-(0[1-9]|1[0-2])$"}
    document = make_document(S=schema)
    for seed in range(10):
        value = DataGenerator(document, seed=seed).generate(schema)
        assert jsonschema_rs.validator_for(schema).is_valid(value)
        assert re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "exclusiveMinimum": 5, "exclusiveMaximum": 7},
        {"type": "integer", "minimum": 2**40, "format": "int64"},
        {"type": "integer", "multipleOf": 7, "minimum": -20, "maximum": -10},
        {"type": "integer", "multipleOf": 2.5},
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.001},
        {"type": "number", "multipleOf": 0.01, "minimum": 19.9, "maximum": 20.1},
        {"type": "number", "minimum": 1.5, "maximum": 1.5},
    ],
)
def test_generate_numeric_bounds_are_respected(schema: dict[str, Any]) -> None:
    for seed in range(10):
        generate_one(schema, seed=seed)


# --- combinators ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mapping", "tags"),
    [
        (None, {"Cat", "Dog"}),
        ({"cat": REF + "Cat", "dog": "Dog"}, {"cat", "dog"}),
    ],
)
def test_generate_discriminator_property_names_the_chosen_branch(
    mapping: dict[str, str] | None, tags: set[str]
) -> None:
    disc: dict[str, Any] = {"propertyName": "petType"}
    if mapping:
        disc["mapping"] = mapping
    schema = {"oneOf": [{"$ref": REF + "Cat"}, {"$ref": REF + "Dog"}], "discriminator": disc}
    seen = set()
    for seed in range(20):
        value = generate_one(schema, seed=seed)
        seen.add(value["petType"])
        assert ("lives" in value) == (value["petType"] in ("Cat", "cat"))
    assert seen == tags


ANIMAL = {
    "type": "object",
    "required": ["kind"],
    "properties": {"kind": {"type": "string"}},
    "discriminator": {"propertyName": "kind"},
}
BIRD = {"allOf": [{"$ref": REF + "Animal"}, {"properties": {"wings": {"type": "integer"}}}]}


@pytest.mark.parametrize(
    ("root", "path"),
    [
        (BIRD, []),
        ({"$ref": REF + "Bird"}, []),  # an alias component: the pin still names Bird
        (
            {"type": "object", "required": ["pet"], "properties": {"pet": {"$ref": REF + "Bird"}}},
            ["pet"],
        ),
    ],
)
def test_generate_discriminator_on_an_all_of_base_is_pinned_to_the_component(
    root: dict[str, Any], path: list[str]
) -> None:
    document = make_document(Animal=ANIMAL, Bird=BIRD, Root=root)
    value = DataGenerator(document, seed=0).generate(root)
    for step in path:
        value = value[step]
    assert value["kind"] == "Bird"


def test_generate_inline_schema_outside_the_document_resolves_refs() -> None:
    document = make_document()
    inline = {"type": "array", "items": {"$ref": REF + "Tree"}, "minItems": 1}
    value = DataGenerator(document, seed=0).generate(inline)
    assert_valid(make_document(S=inline), REF + "S", value, "response")
    with pytest.raises(GenerationError, match="<schema>"):
        DataGenerator(document, seed=0).generate({"type": "string", "minLength": 1, "maxLength": 0})


def test_generate_one_of_retries_until_exactly_one_branch_matches() -> None:
    schema = {
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": 20},
            {"type": "integer", "multipleOf": 2, "minimum": 0, "maximum": 20},
        ]
    }
    values = {generate_one(schema, seed=seed) for seed in range(30)}
    assert all(v % 2 == 1 for v in values)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": ["string", "integer"], "not": {"type": "integer"}},
        {"type": "integer", "minimum": 0, "maximum": 2, "not": {"enum": [0, 1]}},
        {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "boolean"}]},
        {
            "type": "object",
            "required": ["mode"],
            "properties": {"mode": {"enum": ["a", "b"]}, "size": {"type": "integer"}},
            "if": {"properties": {"mode": {"const": "a"}}},
            "then": {"required": ["size"], "properties": {"size": {"minimum": 100}}},
            "else": {"properties": {"size": {"maximum": 0}}},
        },
        {"allOf": [{"type": "string", "minLength": 3}, {"maxLength": 3}, {"pattern": "^x"}]},
        {
            "allOf": [
                {"$ref": REF + "Base"},
                {"properties": {"extra": {"type": "boolean"}}, "required": ["extra"]},
            ]
        },
        {
            "type": "array",
            "items": {"type": "string"},
            "contains": {"const": "needle"},
            "minContains": 2,
            "maxItems": 2,
        },
        {
            "type": "array",
            "prefixItems": [{"type": "integer"}, {"type": "string"}],
            "items": False,
            "minItems": 2,
        },
        {"type": "array", "items": {"enum": [1, 2, 3]}, "uniqueItems": True, "minItems": 3},
        {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2},
        {
            "type": "object",
            "patternProperties": {"^x-[a-z]+$": {"type": "boolean"}},
            "additionalProperties": False,
            "minProperties": 1,
        },
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}},
            "dependentRequired": {"a": ["b"]},
            "required": ["a"],
        },
        {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Z]+$"},
            "additionalProperties": {"type": "integer"},
            "minProperties": 1,
        },
        {
            "allOf": [
                {
                    "type": "object",
                    "properties": {"a": {"type": "integer"}},
                    "additionalProperties": False,
                },
                {"properties": {"b": {"type": "string"}}, "minProperties": 1},
            ]
        },
        {"$ref": REF + "A~1B~0C"},
        {"$ref": REF + "Sp%20ace"},
        True,
    ],
)
def test_generate_keyword_combination_yields_valid_values(schema: Any) -> None:
    for seed in range(8):
        generate_one(schema, seed=seed)


@pytest.mark.parametrize(
    "schema",
    [
        # The generator does not model dependentSchemas; only the final validation of the
        # whole value (and a retry) keeps "a without b" out of the output.
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "dependentSchemas": {"a": {"required": ["b"]}},
        },
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "unevaluatedProperties": False,
            "not": {"required": ["a", "b"]},
        },
    ],
)
def test_generate_keywords_without_a_generation_rule_are_enforced_by_validation(
    schema: dict[str, Any],
) -> None:
    for seed in range(40):
        generate_one(schema, seed=seed)


@pytest.mark.parametrize("patterns", [("^a", "b$"), ("[0-9]", "[A-Z]"), ("^[a-z]+", "-v[0-9]$")])
def test_generate_all_of_patterns_yield_a_string_matching_every_pattern(
    patterns: tuple[str, ...],
) -> None:
    schema = {"allOf": [{"type": "string", "pattern": p} for p in patterns]}
    for seed in range(10):
        value = generate_one(schema, seed=seed)
        assert all(re.search(p, value) for p in patterns)


def test_generate_unique_items_are_pairwise_distinct() -> None:
    schema = {
        "type": "array",
        "items": {"enum": [1, 1.5, "1", True]},
        "uniqueItems": True,
        "minItems": 4,
    }
    value = generate_one(schema)
    assert len(value) == 4


# --- recursion ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Tree", "Node"])
def test_generate_recursive_schema_terminates(name: str) -> None:
    document = make_document()
    generator = DataGenerator(document, seed=0, max_recursion=3)
    for index in range(30):
        value = generator.generate(document["components"]["schemas"][name], key=str(index))
        assert_valid(document, REF + name, value, "response")


def _depth(tree: Any) -> int:
    return 1 + max((_depth(child) for child in tree.get("children", [])), default=0)


@pytest.mark.parametrize("required", [[], ["children"]])
def test_generate_recursion_stops_at_max_recursion(required: list[str]) -> None:
    # Required children always recurse unless the generator shrinks arrays to minItems.
    forest = {
        "type": "object",
        "required": required,
        "properties": {"children": {"type": "array", "items": {"$ref": REF + "Forest"}}},
    }
    document = make_document(Forest=forest)
    generator = DataGenerator(document, seed=0, max_recursion=2)
    for index in range(30):
        value = generator.generate(forest, key=str(index))
        assert _depth(value) <= 3


def test_generate_required_self_reference_raises_naming_the_pointer() -> None:
    loop = {"type": "object", "required": ["next"], "properties": {"next": {"$ref": REF + "Loop"}}}
    document = make_document(Loop=loop)
    with pytest.raises(GenerationError, match=re.escape("#/components/schemas/Loop")) as info:
        DataGenerator(document, seed=0).generate(loop)
    assert "fix:" in str(info.value)


def test_generate_mutual_recursion_through_arrays_with_min_items_raises() -> None:
    a = {"type": "array", "minItems": 1, "items": {"$ref": REF + "B"}}
    b = {"type": "object", "required": ["a"], "properties": {"a": {"$ref": REF + "A"}}}
    document = make_document(A=a, B=b)
    with pytest.raises(GenerationError, match="no finite value"):
        DataGenerator(document, seed=0).generate(b)


# --- contradictions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "pointer", "words"),
    [
        (
            {"type": "string", "minLength": 5, "maxLength": 2},
            "",
            "minLength 5 is above maxLength 2",
        ),
        (
            {"type": "integer", "minimum": 10, "maximum": 1},
            "",
            "no integer lies between minimum 10 and maximum 1",
        ),
        (
            {"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1},
            "",
            "exclusiveMaximum 1",
        ),
        (
            {"type": "integer", "multipleOf": 10, "minimum": 1, "maximum": 9},
            "",
            "no integer multiple of 10",
        ),
        ({"type": "string", "enum": [1, 2]}, "", "no member of enum"),
        (
            {
                "type": "object",
                "properties": {"p": {"type": "string", "maxLength": 1, "minLength": 3}},
                "required": ["p"],
            },
            "/properties/p",
            "minLength 3",
        ),
        (
            {"type": "object", "properties": {"p": False}, "required": ["p"]},
            "",
            "'p' is not allowed",
        ),
        ({"type": "object", "additionalProperties": False, "required": ["q"]}, "", "'q'"),
        ({"type": "object", "required": ["a", "b"], "maxProperties": 1}, "", "maxProperties"),
        ({"type": "array", "minItems": 3, "maxItems": 1}, "", "maxItems 1"),
        (
            {"type": "array", "items": {"enum": ["x"]}, "uniqueItems": True, "minItems": 2},
            "",
            "unique items",
        ),
        ({"oneOf": [{"type": "string"}, {"type": "string"}]}, "", "no oneOf branch"),
        ({"allOf": [{"type": "string"}, False]}, "/allOf/1", "`false`"),
    ],
)
def test_generate_contradictory_constraints_raise_with_the_pointer(
    schema: dict[str, Any], pointer: str, words: str
) -> None:
    document = make_document(Bad=schema)
    generator = DataGenerator(document, seed=0)
    with pytest.raises(GenerationError) as info:
        generator.generate(document["components"]["schemas"]["Bad"], key="GET /bad 200")
    message = str(info.value)
    assert (
        f"#/components/schemas/Bad{pointer}:" in message
        or f"#/components/schemas/Bad{pointer} (" in message
    )
    assert words in message
    assert "'GET /bad 200'" in message
    assert "fix:" in message


def test_generate_missing_ref_raises_a_spec_reference_error() -> None:
    schema = {"$ref": REF + "Nope"}
    with pytest.raises(SpecReferenceError, match="Nope"):
        DataGenerator(make_document(S=schema), seed=0).generate(schema)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("examples", "sometimes"),
        ("max_recursion", 0),
    ],
)
def test_generate_invalid_options_are_rejected_at_the_boundary(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option):
        DataGenerator(make_document(), **{option: value})


def test_generate_unknown_direction_is_rejected() -> None:
    generator = DataGenerator(make_document(), seed=0)
    with pytest.raises(ValueError, match="direction='sideways'"):
        generator.generate({"type": "string"}, direction="sideways")  # type: ignore[arg-type]


# --- examples -------------------------------------------------------------------------------


def test_generate_valid_schema_examples_win_for_leaves_and_invalid_ones_are_skipped() -> None:
    schema = {"type": "integer", "maximum": 10, "examples": [50, 7], "example": 99}
    assert {generate_one(schema, seed=s) for s in range(10)} == {7}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("all", {"name": "Rex"}),
        ("leaves", None),
    ],
)
def test_generate_object_examples_are_used_only_in_all_mode(
    mode: str, expected: dict[str, str] | None
) -> None:
    schema = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}},
        "example": {"name": "Rex"},
    }
    values = [generate_one(schema, seed=seed, examples=mode) for seed in range(5)]
    if expected is not None:
        assert values == [expected] * 5
    else:
        assert values != [{"name": "Rex"}] * 5


def test_generate_leaf_examples_appear_only_in_the_first_array_item() -> None:
    item = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string", "format": "uuid", "example": EXAMPLE_ID}},
    }
    schema = {"type": "array", "items": item, "minItems": 3, "maxItems": 3}
    ids = [entry["id"] for entry in generate_one(schema)]
    assert ids[0] == EXAMPLE_ID
    assert len(set(ids)) == 3


def test_generate_examples_are_ignored_in_none_mode() -> None:
    schema = {"type": "integer", "examples": [7]}
    values = {generate_one(schema, seed=s, examples="none") for s in range(5)}
    assert values != {7}


def test_generate_returned_values_do_not_alias_the_document() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "examples": [{"a": 1}]}
    document = make_document(S=schema)
    value = DataGenerator(document, seed=0, examples="all").generate(schema)
    value["a"] = 2
    assert schema["examples"] == [{"a": 1}]


# --- realistic values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "schema", "looks_right"),
    [
        (
            "email",
            {"type": "string"},
            lambda v: re.fullmatch(r"[a-z.0-9]+@example\.(com|org|net)", v),
        ),
        ("userEmail", {"type": "string"}, lambda v: "@" in v),
        ("firstName", {"type": "string"}, lambda v: v.istitle() and " " not in v),
        ("last_name", {"type": "string"}, lambda v: v.istitle()),
        ("country", {"type": "string", "maxLength": 2}, lambda v: re.fullmatch("[A-Z]{2}", v)),
        ("currency", {"type": "string"}, lambda v: re.fullmatch("[A-Z]{3}", v)),
        ("website", {"type": "string"}, lambda v: v.startswith("https://")),
        ("avatarUrl", {"type": "string"}, lambda v: v.endswith(".png")),
        ("createdAt", {"type": "string"}, lambda v: datetime.fromisoformat(v).tzinfo is not None),
        ("userId", {"type": "string"}, lambda v: re.fullmatch(r"[0-9a-f-]{36}", v)),
        ("price", {"type": "integer"}, lambda v: v > 0),
        ("quantity", {"type": "integer"}, lambda v: 1 <= v <= 10),
        ("phone", {"type": "string"}, lambda v: v.startswith("+")),
        (
            "status",
            {"type": "string"},
            lambda v: v in ("active", "pending", "inactive", "archived", "draft"),
        ),
        (
            "emails",
            {"type": "array", "items": {"type": "string"}, "minItems": 1},
            lambda v: all("@" in e for e in v),
        ),
    ],
)
def test_generate_realistic_value_is_chosen_by_property_name(
    name: str, schema: dict[str, Any], looks_right: Any
) -> None:
    wrapper = {"type": "object", "required": [name], "properties": {name: schema}}
    for seed in range(5):
        value = generate_one(wrapper, seed=seed)[name]
        assert looks_right(value), value


def test_generate_realistic_value_is_dropped_when_it_does_not_validate() -> None:
    wrapper = {
        "type": "object",
        "required": ["email"],
        "properties": {"email": {"type": "string", "pattern": "^[0-9]{4}$"}},
    }
    assert re.fullmatch("[0-9]{4}", generate_one(wrapper)["email"])


def test_generate_realistic_module_imports_quickly_without_faker() -> None:
    assert "faker" not in sys.modules


# --- public API -----------------------------------------------------------------------------


def test_generate_modules_export_exactly_these_names() -> None:
    assert generator.__all__ == ["DataGenerator"]
    assert sorted(realistic.__all__) == [
        "FIXED_EPOCH",
        "cut",
        "format_value",
        "name_value",
        "text",
        "word",
    ]


# Microsoft Graph spells ISO 8601 out as a pattern beside the format, on hundreds of fields.
_GRAPH_DATE_TIME = (
    "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]"
    ":[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$"
)


@pytest.mark.parametrize("key", [str(k) for k in range(20)])
def test_a_date_time_with_a_pattern_gets_a_real_date_time_that_fits_both(key: str) -> None:
    schema = {"type": "string", "format": "date-time", "pattern": _GRAPH_DATE_TIME}

    value = generator.DataGenerator({}, seed=1).generate(schema, key=key)

    assert re.search(_GRAPH_DATE_TIME, value)
    datetime.fromisoformat(value.replace("Z", "+00:00"))


def _web(types: int, links: int) -> dict[str, Any]:
    """Mutually recursive object types, each with ``links`` optional properties to others."""
    names = [f"T{i}" for i in range(types)]
    schemas = {
        name: {
            "type": "object",
            "properties": {
                "label": {"type": "string", "example": name},
                **{
                    f"to{j}": {"$ref": f"#/components/schemas/{names[(i + j + 1) % types]}"}
                    for j in range(links)
                },
            },
        }
        for i, name in enumerate(names)
    }
    return {"openapi": "3.1.0", "components": {"schemas": schemas}}


def _objects(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(_objects(v) for v in value)
    return 0


def test_a_web_of_recursive_types_generates_a_value_of_bounded_size() -> None:
    # Found by the corpus (presalytics.io's OOXML types): a depth bound alone let each type
    # appear twice on every path, a tree exponential in that depth (58,014 objects here).
    document = _web(types=6, links=4)
    value = DataGenerator(document, seed=1).generate({"$ref": "#/components/schemas/T0"}, key="k")
    assert isinstance(value, dict)
    assert 1 < _objects(value) <= 2 * values._EXPANSIONS
