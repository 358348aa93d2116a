"""Candidate checks: generated values validated against what a schema means, $refs resolved."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.errors import GenerationError
from mockserver.generation.candidates import INLINED_MOST, VALIDATORS_KEPT, CandidateChecks
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


def _chain(length: int, **last: Any) -> dict[str, Any]:
    """A document of ``length`` schemas, each reaching the next through an expandable field
    (Stripe's ``anyOf: [string, $ref]``), the last ``last``."""
    schemas: dict[str, Any] = {
        f"S{i}": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "next": {"anyOf": [{"type": "string"}, {"$ref": f"#/components/schemas/S{i + 1}"}]},
            },
        }
        for i in range(length)
    }
    schemas[f"S{length}"] = last or {"type": "object", "required": ["end"]}
    return {"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}}


def _nested(depth: int, innermost: Any) -> Any:
    value = innermost
    for _ in range(depth):
        value = {"name": "n", "next": value}
    return value


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (_nested(3, "an id"), True),
        (_nested(INLINED_MOST + 1, {"end": 1}), True),  # through every delegated $ref
        (_nested(INLINED_MOST + 1, {"other": 1}), False),  # the last target's `required`
        (_nested(5, {"next": "x"}), False),  # S5 without its required `name`
    ],
)
def test_a_schema_reaching_many_targets_delegates_each_ref_and_checks_as_inlined(
    value: Any, valid: bool
) -> None:
    doc = _chain(INLINED_MOST + 1)
    found = checks(doc)
    first = doc["components"]["schemas"]["S0"]
    assert found.validator(first, "response").is_valid(value) is valid
    # A delegating validator holds its own schema only: it weighs 1, not what it reaches.
    assert found._validators._data[(id(first), "response", True)][1] == 1
    # A schema reaching few targets is compiled with them, as before.
    few = checks(_chain(3))
    few.validator(few.index.document["components"]["schemas"]["S0"], "response")
    assert few._validators.weight == 1 + 3


def test_a_schema_whose_keywords_cross_its_refs_is_compiled_with_them() -> None:
    # unevaluatedProperties sees what a $ref'd allOf member evaluates: delegated, it would not.
    doc = _chain(INLINED_MOST + 1)
    closed = {
        "allOf": [{"$ref": "#/components/schemas/S0"}],
        "unevaluatedProperties": False,
    }
    doc["components"]["schemas"]["Closed"] = closed
    validator = checks(doc).validator(closed, "response")
    assert validator.is_valid({"name": "n", "next": "x"})
    assert not validator.is_valid({"name": "n", "extra": 1})


def test_a_delegated_ref_that_points_at_nothing_fails_to_compile() -> None:
    doc = _chain(INLINED_MOST + 1)
    doc["components"]["schemas"]["S0"]["properties"]["broken"] = {
        "anyOf": [{"type": "integer"}, {"$ref": "#/components/schemas/Nope"}]
    }
    with pytest.raises(GenerationError, match="cannot be compiled"):
        checks(doc).validator(doc["components"]["schemas"]["S0"], "response")
