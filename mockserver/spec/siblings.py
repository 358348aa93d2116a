"""Keep what references point into among the siblings of 3.0 ``$ref``s that normalizing drops.

OpenAPI 3.0 ignores the siblings of ``$ref`` (`normalize` drops them), yet generated
documents sometimes point a ``$ref`` into them: dnd5eapi.co's monster schema holds
``{"$ref": "#/components/schemas/Monster", "allOf": {...}}`` and other schemas refer to
``.../schema/allOf/3/properties/actions/items``. Dropping the siblings would leave those
references pointing at nothing, so the nodes they target move under `KEPT_KEY` and the
references follow them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from mockserver.spec import pointer as jp

__all__ = ["KEPT_KEY", "keep_referenced"]

KEPT_KEY = "x-mockserver-kept"


def keep_referenced(
    document: dict[str, Any],
    dropped: dict[str, dict[str, Any]],
    upgrade: Callable[[dict[str, Any], str], None],
) -> None:
    """Move what ``$ref``s target inside ``dropped`` (pointer -> siblings) under `KEPT_KEY`.

    ``upgrade(node, pointer)`` normalizes each moved node as the walk would have.
    """
    places = {place: siblings for place, siblings in dropped.items() if _holds_containers(siblings)}
    if not places:
        return
    moved: dict[str, str] = {}
    for target in sorted(_targets(document)):
        for place, siblings in places.items():
            if not target.startswith(place + "/") or _resolves(document, target):
                continue
            try:
                node = jp.resolve(siblings, target[len(place) :])
            except jp.PointerError:
                break
            kept = document.setdefault(KEPT_KEY, {})
            home = f"/{KEPT_KEY}/{len(kept)}"
            kept[str(len(kept))] = node
            moved[target] = home
            if isinstance(node, dict):
                upgrade(node, home)
            break
    if moved:
        for holder in _holders(document):
            pointer = jp.pointer_from_ref(holder["$ref"])
            if pointer in moved:
                holder["$ref"] = jp.ref_from_pointer(moved[pointer])


def _holds_containers(siblings: dict[str, Any]) -> bool:
    return any(isinstance(value, dict | list) for value in siblings.values())


def _resolves(document: dict[str, Any], pointer: str) -> bool:
    try:
        jp.resolve(document, pointer)
    except jp.PointerError:
        return False
    return True


def _targets(document: dict[str, Any]) -> set[str]:
    found = jp.local_ref_targets(document)
    if found is None:  # a reference by $id somewhere: read them one by one
        found = {jp.pointer_from_ref(holder["$ref"]) for holder in _holders(document)}
    return found


def _holders(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping whose ``$ref`` is a local pointer."""
    stack = [node]
    while stack:
        here = stack.pop()
        if isinstance(here, dict):
            ref = here.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                yield here
            stack.extend(here.values())
        elif isinstance(here, list):
            stack.extend(here)
