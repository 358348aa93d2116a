"""`mockserver.diff.discriminators`: what changed between two discriminator objects."""

from __future__ import annotations

from typing import Any

from mockserver.diff.discriminators import discriminator_changes

_DOC: dict[str, Any] = {"components": {"schemas": {"Cat": {"type": "object"}, "Dog": {}}}}
_CAT, _DOG = "#/components/schemas/Cat", "#/components/schemas/Dog"


def _changes(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[str]:
    located_old = None if old is None else (old, "/o")
    located_new = None if new is None else (new, "/n")
    return [change for *_, change in discriminator_changes((_DOC, _DOC), located_old, located_new)]


def test_an_unchanged_discriminator_and_a_missing_one_find_nothing() -> None:
    same = {"propertyName": "kind", "mapping": {"cat": _CAT}}
    assert _changes(same, dict(same)) == []
    assert _changes(None, same) == []
    assert _changes(same, None) == []


def test_each_change_is_said() -> None:
    old = {"propertyName": "kind", "mapping": {"cat": _CAT, "dog": _DOG, "bird": "Bird"}}
    new = {"propertyName": "type", "mapping": {"cat": _DOG, "bird": "Parrot"}}
    assert _changes(old, new) == [
        "its propertyName changed from 'kind' to 'type'",
        f"mapping 'cat' now points at {_DOG} instead of {_CAT}",
        "mapping 'dog' was removed",
        "mapping 'bird' now points at Parrot instead of Bird",
    ]


def test_a_mapping_that_is_not_an_object_is_read_as_none() -> None:
    assert _changes({"propertyName": "k", "mapping": []}, {"propertyName": "k"}) == []
