"""allOf merging: the rules that combine the members of an ``allOf`` into one schema."""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Final

__all__ = ["RESIDUAL", "canonical", "close_properties", "merge_into"]

_MIN_KEYS: Final = frozenset({"minimum", "minLength", "minItems", "minProperties", "minContains"})
_MAX_KEYS: Final = frozenset({"maximum", "maxLength", "maxItems", "maxProperties", "maxContains"})
# Constraints that could not merge; the merged schema keeps them under this key.
RESIDUAL: Final = "x-mockserver-residual"
_EMPTY: Final[Mapping[str, Any]] = {}


def canonical(value: Any) -> Hashable:
    """A hashable key under which JSON-equal values (1 and 1.0, but not 1 and true) collide."""
    if isinstance(value, dict):
        return ("o", tuple(sorted((k, canonical(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("a", tuple(canonical(v) for v in value))
    if isinstance(value, bool) or value is None:
        return ("b", value)
    return ("v", value)


def merge_into(acc: dict[str, Any], part: Mapping[str, Any]) -> None:
    """Merge one ``allOf`` member into ``acc``; constraints that cannot merge go to a residual."""
    for key, value in part.items():
        if key not in acc:
            acc[key] = value
            continue
        old = acc[key]
        if key == "type":
            olds = [old] if isinstance(old, str) else list(old)
            news = [value] if isinstance(value, str) else list(value)
            both = [t for t in olds if t in news or (t == "integer" and "number" in news)]
            both += [t for t in news if t == "integer" and "number" in olds and t not in both]
            acc[key] = both
        elif key == "required":
            acc[key] = list(dict.fromkeys([*old, *value]))
        elif key in ("properties", "patternProperties"):
            merged = dict(old)
            for name, sub in value.items():
                merged[name] = {"allOf": [merged[name], sub]} if name in merged else sub
            acc[key] = merged
        elif key in _MIN_KEYS:
            acc[key] = max(old, value)
        elif key in _MAX_KEYS:
            acc[key] = min(old, value)
        elif key == "exclusiveMinimum":
            acc[key] = max(old, value)
        elif key == "exclusiveMaximum":
            acc[key] = min(old, value)
        elif key == "enum":
            acc[key] = [v for v in old if any(canonical(v) == canonical(w) for w in value)]
        elif key in ("readOnly", "writeOnly", "uniqueItems"):
            acc[key] = old or value
        elif key in ("items", "contains", "propertyNames", "additionalProperties"):
            acc[key] = False if old is False or value is False else {"allOf": [old, value]}
        elif key == "not":
            acc[key] = {"anyOf": [old, value]}
        elif key in ("title", "description", "example", "examples", "default", "discriminator"):
            continue  # annotations: the first (outermost) one wins
        elif canonical(old) != canonical(value):
            # Two patterns, two formats, two oneOfs...: generate from the first and let the
            # final validation (against the unmerged schema) catch what the first misses.
            acc.setdefault(RESIDUAL, []).append({key: value})


def close_properties(merged: dict[str, Any], parts: Sequence[Mapping[str, Any]]) -> None:
    """Drop merged properties that an ``allOf`` member with ``additionalProperties: false``
    forbids (that member only knows its own properties), so they are never generated."""
    for part in parts:
        if part.get("additionalProperties") is False and "properties" in merged:
            own, patterns = part.get("properties") or _EMPTY, part.get("patternProperties") or ()
            merged["properties"] = {
                k: v
                for k, v in merged["properties"].items()
                if k in own or any(re.search(p, k) for p in patterns)
            }
