"""Compare the ``discriminator`` of two ``oneOf``/``anyOf`` schemas.

A discriminator tells a reader which alternative a value is by one property: its name
(``propertyName``) and, in ``mapping``, which value of it means which schema. Renaming the
property, dropping a value from the mapping or pointing a value at another schema changes
what a given payload means, for whoever sends it and whoever reads it. A mapping entry
added is not reported (the branch it names is, by the branch comparison).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.diff.views import Located, fingerprint
from mockserver.spec import pointer as jp

__all__ = ["discriminator_changes"]


def discriminator_changes(
    documents: tuple[Any, Any], old: Located | None, new: Located | None
) -> list[tuple[str, str, str]]:
    """What changed from the ``old`` discriminator to the ``new`` one, each as (old pointer,
    new pointer, what changed); nothing when either side has none."""
    if old is None or new is None:
        return []
    (before, old_at), (after, new_at) = old, new
    changes: list[tuple[str, str, str]] = []
    was, now = before.get("propertyName"), after.get("propertyName")
    if was != now:
        changes.append((old_at, new_at, f"its propertyName changed from {was!r} to {now!r}"))
    old_map, new_map = _mapping(before), _mapping(after)
    for value, target in old_map.items():
        where = f"{new_at}/mapping" if isinstance(after.get("mapping"), dict) else new_at
        if value not in new_map:
            changes.append(
                (f"{old_at}/mapping/{jp.escape(value)}", where, f"mapping {value!r} was removed")
            )
        elif _target(documents[0], target) != _target(documents[1], new_map[value]):
            changes.append(
                (
                    f"{old_at}/mapping/{jp.escape(value)}",
                    f"{where}/{jp.escape(value)}",
                    f"mapping {value!r} now points at {new_map[value]} instead of {target}",
                )
            )
    return changes


def _mapping(discriminator: Mapping[str, Any]) -> dict[str, str]:
    mapping = discriminator.get("mapping")
    if not isinstance(mapping, dict):
        return {}
    return {str(key): value for key, value in mapping.items() if isinstance(value, str)}


def _target(document: Any, ref: str) -> str:
    """What a mapping value names, by content (a component renamed is the same target)."""
    if not ref.startswith("#"):
        return ref  # a bare schema name or another file: compared as written
    return fingerprint(document, {"$ref": ref})
