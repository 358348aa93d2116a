"""The closest value for a schema no value satisfies: the mock's answer instead of a failure.

Overlapping ``oneOf`` branches, contradictory bounds, an ``enum`` of another type: when
generation finds no valid value, it answers this one (and notes the schema), so a request
never fails for a defect of the spec.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from mockserver.generation.schema_view import types_of

__all__ = ["closest"]

_TYPE_NAMES: Final = {
    str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null",
    list: "array", dict: "object",
}  # fmt: skip


def closest(node: Mapping[str, Any]) -> Any:
    """A plain value of the node's first type, for a schema no value satisfies."""
    types = types_of(node) or ["object"]
    candidates = [node["const"]] if "const" in node else []
    for keyword in ("enum", "examples"):
        members = node.get(keyword)
        candidates += members if isinstance(members, list) else []
    for member in candidates:  # a member of the schema's own type first
        if _TYPE_NAMES.get(type(member)) in types or (type(member) is int and "number" in types):
            return copy.deepcopy(member)
    if candidates:
        return copy.deepcopy(candidates[0])
    low = node.get("minimum")
    number = low if isinstance(low, int | float) and not isinstance(low, bool) else 0
    return {
        "string": "",
        "integer": int(number),
        "number": float(number),
        "boolean": False,
        "null": None,
        "array": [],
    }.get(types[0], {})
