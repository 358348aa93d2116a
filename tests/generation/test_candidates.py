"""Candidate checks: generated values validated against what a schema means, $refs resolved."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.generation.candidates import VALIDATORS_KEPT, CandidateChecks
from mockserver.generation.schema_view import SchemaIndex

PET = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "owner": {"$ref": "#/components/schemas/Owner"},
        "secret": {"type": "string", "writeOnly": True},
    },
}
OWNER = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}


def document(**extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "paths": {},
        "components": {
            "schemas": {"Pet": PET, "Owner": OWNER},
            "examples": {"Pet": {"value": {"name": "Rex"}}},
            "parameters": {"Id": {"name": "id", "in": "path", "schema": {"type": "string"}}},
        },
        **extra,
    }


def checks(doc: dict[str, Any]) -> CandidateChecks:
    return CandidateChecks(SchemaIndex(doc))


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ({"name": "Rex", "owner": {"id": 1}}, True),
        ({"name": "Rex", "owner": {"id": "one"}}, False),  # through the $ref
        ({"name": "Rex", "secret": "s"}, False),  # writeOnly is hidden in responses
        ({"owner": {"id": 1}}, False),
    ],
)
def test_a_candidate_is_checked_through_its_refs_and_hidden_fields(value: Any, valid: bool) -> None:
    doc = document()
    validator = checks(doc).validator(doc["components"]["schemas"]["Pet"], "response")
    assert validator.is_valid(value) is valid


def test_only_schemas_a_ref_reaches_are_registered() -> None:
    doc = document(
        paths={
            "/pets": {
                "get": {
                    "parameters": [{"$ref": "#/components/parameters/Id"}],
                    "responses": {"200": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Pet"},
                        "examples": {"one": {"$ref": "#/components/examples/Pet"}},
                    }}}},
                }
            }
        }
    )  # fmt: skip
    skeleton = checks(doc)._referenced(doc, "response")
    assert set(skeleton["components"]) == {"schemas"}
    assert set(skeleton["components"]["schemas"]) == {"Pet", "Owner"}
    assert skeleton["components"]["schemas"]["Pet"]["properties"]["secret"] is False


def test_a_ref_that_is_no_local_pointer_registers_the_whole_document() -> None:
    doc = document()
    doc["components"]["schemas"]["Anchored"] = {"$ref": "#anchor"}
    skeleton = checks(doc)._referenced(doc, "request")
    assert set(skeleton["components"]) == {"schemas", "examples", "parameters"}


def test_a_dangling_ref_is_left_for_generation_to_report() -> None:
    doc = document()
    doc["components"]["schemas"]["Broken"] = {"$ref": "#/components/schemas/Nope"}
    skeleton = checks(doc)._referenced(doc, "response")
    assert "Nope" not in skeleton["components"]["schemas"]
    assert "Owner" in skeleton["components"]["schemas"]


def test_compiled_validators_kept_are_bounded() -> None:
    document: dict[str, Any] = {}
    checks = CandidateChecks(SchemaIndex(document))
    schemas = [{"type": "integer", "minimum": i} for i in range(VALIDATORS_KEPT + 5)]
    for schema in schemas:
        assert checks.validator(schema, "response").is_valid(10**6)
    assert len(checks._validators._data) <= VALIDATORS_KEPT
    # What was let go compiles again, the same.
    assert not checks.validator(schemas[3], "response").is_valid(0)
