"""`RecursionCosts.include_refs`: every ``$ref`` a schema reaches is resolved once per document,
however many schemas reach it (a document whose types all reach each other is walked once)."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.errors import SpecReferenceError
from mockserver.generation.recursion import RecursionCosts
from mockserver.generation.schema_view import SchemaIndex


class CountingIndex(SchemaIndex):
    """A `SchemaIndex` that counts the pointers resolved."""

    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__(document)
        self.resolved: list[str] = []

    def resolve(self, pointer: str) -> Any:
        self.resolved.append(pointer)
        return super().resolve(pointer)


def web(size: int) -> dict[str, Any]:
    """``size`` types, each with a property of every other type."""
    names = [f"T{i}" for i in range(size)]
    return {
        "components": {
            "schemas": {
                name: {
                    "type": "object",
                    "properties": {o: {"$ref": f"#/components/schemas/{o}"} for o in names},
                }
                for name in names
            }
        }
    }


def test_each_target_is_walked_once_however_many_schemas_reach_it() -> None:
    index = CountingIndex(web(30))
    costs = RecursionCosts(index)
    for i in range(30):  # thirty distinct schemas, each reaching the whole web
        costs.include_refs({"properties": {"x": {"$ref": f"#/components/schemas/T{i}"}}})
    assert sorted(index.resolved) == sorted(f"/components/schemas/T{i}" for i in range(30))


def test_a_missing_target_is_still_found_after_a_walk_that_failed() -> None:
    document = web(3)
    document["components"]["schemas"]["T0"]["properties"]["gone"] = {"$ref": "#/nowhere"}
    costs = RecursionCosts(SchemaIndex(document))
    for _ in range(2):  # a failed walk is not remembered as complete
        with pytest.raises(SpecReferenceError):
            costs.include_refs({"$ref": "#/components/schemas/T1"})
