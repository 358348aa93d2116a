"""Generated data for every response of the platform spec validates, for any seed."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockserver.compile.operations import compile_operations
from mockserver.generation.generator import DataGenerator
from mockserver.spec.loader import load_spec
from mockserver.spec.views import response_view
from tests.conftest import SPEC

SPEC_URI = "urn:platform"
DOCUMENT = response_view(load_spec(SPEC).document)
REGISTRY: Registry[Any] = Registry().with_resource(
    SPEC_URI, Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
)
MEDIA = [
    pytest.param(media.schema, id=f"{op.operation_id}-{status}-{media.name}")
    for op in compile_operations(DOCUMENT)
    for status, response in op.responses.items()
    for media in response.content.values()
    if media.schema is not None
]


def _validator(schema: Any) -> jsonschema.Draft202012Validator:
    if isinstance(schema, dict) and "$ref" in schema:
        schema = {**schema, "$ref": SPEC_URI + schema["$ref"]}
    return jsonschema.Draft202012Validator(
        schema, registry=REGISTRY, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_platform_spec_has_response_schemas_to_check() -> None:
    assert len(MEDIA) > 150


@pytest.mark.parametrize("schema", MEDIA)
@settings(max_examples=8)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_generated_platform_response_validates(schema: Any, seed: int) -> None:
    value = DataGenerator(DOCUMENT, seed=seed).generate(schema, key="k", direction="response")
    errors = [e.message for e in _validator(schema).iter_errors(value)]
    assert errors == []
    assert "password" not in _keys(value)


@pytest.mark.parametrize("schema", MEDIA[:40])
def test_generated_platform_response_is_the_same_for_the_same_seed(schema: Any) -> None:
    first = DataGenerator(DOCUMENT, seed=42).generate(schema, key="GET /x", direction="response")
    again = DataGenerator(DOCUMENT, seed=42).generate(schema, key="GET /x", direction="response")
    assert first == again
