"""`Reach` weighs a schema by the ``$ref`` targets it reaches; `Kept` bounds a cache by weight."""

from __future__ import annotations

from typing import Any

from mockserver.spec.reach import Kept, Reach

DOCUMENT: dict[str, Any] = {
    "components": {
        "schemas": {
            "User": {"properties": {"team": {"$ref": "#/components/schemas/Team"}}},
            "Team": {"properties": {"members": {"items": {"$ref": "#/components/schemas/User"}}}},
            "Name": {"type": "string"},
            "Anchored": {"$ref": "#somewhere"},
        }
    }
}


def test_a_schema_weighs_one_plus_the_targets_it_reaches_through_the_document() -> None:
    reach = Reach(DOCUMENT)
    assert reach.weight({"type": "string", "enum": ["a"]}) == 1
    assert reach.weight({"$ref": "#/components/schemas/Name"}) == 2
    # User reaches Team, which reaches User again: two targets, the cycle ends.
    assert reach.weight({"$ref": "#/components/schemas/User"}) == 3


def test_a_target_that_cannot_be_told_weighs_as_every_target_of_the_document() -> None:
    reach = Reach(DOCUMENT)
    assert reach.closure({"$ref": "#/components/schemas/Anchored"}) is None
    assert reach.weight({"$ref": "#/components/schemas/Anchored"}) == 1 + 4


def test_kept_drops_the_oldest_entries_past_its_budget() -> None:
    kept: Kept[str] = Kept(10)
    for i in range(5):
        kept.put(i, f"v{i}", 4)
    assert kept.weight <= 10
    assert [kept.get(i) for i in range(5)] == [None, None, None, "v3", "v4"]


def test_kept_keeps_everything_within_its_budget_and_one_entry_heavier_than_it() -> None:
    kept: Kept[str] = Kept(10)
    for i in range(10):
        kept.put(i, f"v{i}", 1)
    assert [kept.get(i) for i in range(10)] == [f"v{i}" for i in range(10)]
    kept.put("giant", "g", 50)
    assert (kept.get("giant"), len(kept), kept.weight) == ("g", 1, 50)
    kept.put("giant", "h", 2)  # put again: its old weight is let go
    assert (kept.get("giant"), kept.weight) == ("h", 2)


def test_reaching_an_opaque_node_makes_the_closure_unknown() -> None:
    document = {
        "components": {
            "schemas": {
                "Identified": {"$id": "https://example.com/x", "type": "string"},
                "Uses": {"properties": {"x": {"$ref": "#/components/schemas/Identified"}}},
            }
        }
    }

    def sets_id(node: Any) -> bool:
        return isinstance(node, dict) and "$id" in node

    through = {"$ref": "#/components/schemas/Uses"}
    assert Reach(document).closure(through) == {
        "/components/schemas/Uses",
        "/components/schemas/Identified",
    }
    assert Reach(document, opaque=sets_id).closure(through) is None
    assert Reach(document, opaque=sets_id).closure({"$id": "https://example.com/y"}) is None
