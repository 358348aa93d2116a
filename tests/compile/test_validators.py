"""`SchemaRegistry`: a compile registers only what its schema's ``$ref``s reach, and falls
back to one registry of the whole document when a closure cannot be told or adds up."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.compile.validators import SchemaRegistry
from mockserver.errors import SpecError

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "components": {
        "schemas": {
            "Order": {
                "type": "object",
                "required": ["id", "items"],
                "properties": {
                    "id": {"$ref": "#/components/schemas/Id"},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                },
            },
            "Item": {
                "type": "object",
                "properties": {
                    "quantity": {"type": "integer", "format": "int32"},
                    "parent": {"$ref": "#/components/schemas/Item"},  # recursive
                },
            },
            "Id": {"type": "string", "format": "uuid"},
            "User": {"type": "object", "properties": {"id": {"$ref": "#/components/schemas/Id"}}},
            "Named": {"$ref": "#anchor-of-something"},
            "Unused1": {"type": "string"},
            "Unused2": {"$ref": "#/components/schemas/Unused1"},
            "Unused3": {"$ref": "#/components/schemas/Unused2"},
            "Unused4": {"$ref": "#/components/schemas/Unused3"},
        }
    },
}
ORDER = {"$ref": "#/components/schemas/Order"}
GOOD = {"id": "4b5f4d3e-8a1c-4a55-9c43-1d2f3b4a5c6d", "items": [{"parent": {"quantity": 2}}]}


def _errors(registry: SchemaRegistry, schema: Any, value: Any) -> list[str]:
    return [e.message for e in registry.compile(schema, pointer="/x").iter_errors(value)]


def test_a_compile_registers_only_what_its_refs_reach() -> None:
    registry = SchemaRegistry({**DOCUMENT, "components": dict(DOCUMENT["components"])})
    registry.compile(ORDER, pointer="/x")
    assert registry._registry is None  # the whole document was never registered
    [closure] = registry._partial
    assert closure == {
        "/components/schemas/Order",
        "/components/schemas/Id",
        "/components/schemas/Item",
    }


def test_validators_of_a_closure_validate_through_refs_recursion_and_formats() -> None:
    registry = SchemaRegistry(DOCUMENT)
    assert _errors(registry, ORDER, GOOD) == []
    bad = {"id": "nope", "items": [{"parent": {"quantity": 2**31}}]}
    found = _errors(registry, ORDER, bad)
    assert any("uuid" in message for message in found)
    assert any("int32" in message for message in found)
    assert registry._registry is None


def test_an_anchor_ref_registers_the_whole_document() -> None:
    registry = SchemaRegistry(DOCUMENT)
    with pytest.raises(Exception, match="anchor-of-something"):
        registry.compile({"$ref": "#/components/schemas/Named"}, pointer="/x")
    assert registry._registry is not None


def test_closures_beyond_half_the_documents_targets_share_one_registry() -> None:
    registry = SchemaRegistry(DOCUMENT)
    # 9 component schemas (an anchor ref hides the targets): closures of up to 4 in all.
    registry.compile({"$ref": "#/components/schemas/User"}, pointer="/a")
    assert len(registry._partial) == 1
    assert registry._registry is None
    assert _errors(registry, {"$ref": "#/components/schemas/Unused4"}, 5) == [
        '5 is not of type "string"'
    ]
    assert registry._registry is not None
    assert registry._partial == {}  # let go: they live on only in validators compiled before


def test_validators_kept_weigh_at_most_the_budget_and_what_went_compiles_again() -> None:
    # Each compile of an Order reaches 3 targets (weight 4): a budget of 10 keeps two.
    registry = SchemaRegistry(DOCUMENT, kept=10)
    orders = [{"$ref": "#/components/schemas/Order", "title": f"order {i}"} for i in range(6)]
    for order in orders:
        assert _errors(registry, order, GOOD) == []
    assert registry._cache.weight <= 10
    assert registry._by_id.weight <= 10
    assert len(registry._cache) == 2
    assert _errors(registry, orders[0], {"items": []}) == ['"id" is a required property']


def test_a_schema_seen_before_is_found_by_identity_without_compiling() -> None:
    registry = SchemaRegistry(DOCUMENT)
    first = registry.compile(ORDER, pointer="/x")
    registry._cache = type(registry._cache)(0)  # a content lookup would now miss
    assert registry.compile(ORDER, pointer="/x") is first
    # An equal schema that is another object is found by its content.
    assert registry.compile(dict(ORDER), pointer="/y") is not None


def test_a_schema_that_cannot_be_compiled_fails_again_without_compiling() -> None:
    registry = SchemaRegistry(DOCUMENT)
    broken = {"type": "string", "pattern": "(unclosed"}
    with pytest.raises(SpecError, match="cannot be compiled") as first:
        registry.compile(broken, pointer="/x")
    with pytest.raises(SpecError, match="cannot be compiled") as again:
        registry.compile(broken, pointer="/x")
    assert again.value is first.value
    assert len(registry._cache) == 0
