"""Compare what values two schemas allow: types, null, enums, bounds, patterns, defaults.

The direction decides what breaks: a request schema that accepts less (a type narrowed, null
refused, an enum value removed, a bound tightened, a pattern added) refuses what clients send;
a response schema that may hold more (a type widened, null allowed, an enum value added)
surprises what clients parse, and so may a bound loosened or a pattern changed or dropped
(possibly breaking: a client may have sized a column or a check to the old limits). A default
changed on the request side changes what a client that leaves the value out gets; a property
newly ``deprecated`` is said on both sides.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mockserver.diff.views import SchemaView

__all__ = ["Add", "compare_values", "disjoint"]

# maximum 10 turned into exclusiveMaximum 10 is no loosening: each stands for the other.
_COUNTERPART = {
    "maximum": "exclusiveMaximum",
    "exclusiveMaximum": "maximum",
    "minimum": "exclusiveMinimum",
    "exclusiveMinimum": "minimum",
}

# Report a finding: (the rule without its request-/response- prefix, the sentence).
Add = Callable[[str, str], None]


def compare_values(
    direction: str, o: SchemaView, n: SchemaView, where: str, trail: tuple[str, ...], add: Add
) -> None:
    """Add, through ``add``, what changed in the values ``o`` and ``n`` allow at ``where``."""
    if n.deprecated and not o.deprecated and trail and trail[-1] != "[]":
        add("property-deprecated", f"{where} is now deprecated")
    if direction == "request" and o.default != n.default:
        add(
            "default-changed",
            f"{where}: {_default(o)} became {_default(n)}; "
            "clients that leave it out get another value",
        )
    if direction == "request":
        _request_values(o, n, where, add)
    else:
        _response_values(o, n, where, add)


def _request_values(o: SchemaView, n: SchemaView, where: str, add: Add) -> None:
    if o.types is not None and n.types is not None:
        lost = _missing(o.types, n.types)
        if lost:
            add(
                "type-changed",
                f"{where} accepted {_types(o.types)}, now {_types(n.types)}: "
                f"clients sending {_types(lost)} are refused",
            )
    if o.nullable and not n.nullable:
        add("type-changed", f"{where} accepted null and no longer does")
    if n.enum is not None:
        kept = {_key(value) for value in n.enum}
        if o.enum is None:
            listed = ", ".join(map(_key, n.enum))
            add("enum-value-removed", f"{where} is now restricted to the values {listed}")
        for value in o.enum or ():
            if _key(value) not in kept:
                add(
                    "enum-value-removed",
                    f"{where}: enum value {_key(value)} was removed; "
                    "clients sending it are refused",
                )
        listed_before = {_key(value) for value in o.enum or ()}
        for value in n.enum if o.enum is not None else ():
            if _key(value) not in listed_before:
                add("enum-value-added", f"{where}: enum value {_key(value)} added")
    for keyword, limit in n.bounds.items():
        was = o.bounds.get(keyword)
        lower_is_tighter = keyword.startswith(("max", "exclusiveMax"))
        if was is None or (limit < was if lower_is_tighter else limit > was):
            before = "none" if was is None else _number(was)
            add(
                "bound-narrowed",
                f"{where}: {keyword} changed from {before} to {_number(limit)}; "
                "values valid before are refused",
            )
    if n.pattern is not None and n.pattern != o.pattern:
        before = "no pattern" if o.pattern is None else f"pattern {o.pattern!r}"
        add(
            "pattern-changed",
            f"{where}: {before} became pattern {n.pattern!r}; some values may be refused",
        )


def _response_values(o: SchemaView, n: SchemaView, where: str, add: Add) -> None:
    if o.types is not None and n.types is not None:
        gained = _missing(n.types, o.types)
        if gained:
            add(
                "type-changed",
                f"{where} was {_types(o.types)}, now {_types(n.types)}: "
                f"clients may receive {_types(gained)}",
            )
    if n.nullable and not o.nullable:
        add("made-nullable", f"{where} may now be null")
    _response_bounds(o, n, where, add)
    if o.enum is None:
        return
    if n.enum is None:
        add("enum-value-added", f"{where} is no longer restricted to an enum of values")
        return
    before, after = {_key(v) for v in o.enum}, {_key(v) for v in n.enum}
    for value in n.enum:
        if _key(value) not in before:
            add(
                "enum-value-added",
                f"{where}: enum value {_key(value)} added; clients may not handle it",
            )
    for value in o.enum:
        if _key(value) not in after:
            add("enum-value-removed", f"{where}: enum value {_key(value)} removed")


def _response_bounds(o: SchemaView, n: SchemaView, where: str, add: Add) -> None:
    """A response bound loosened or gone, a pattern changed or gone: clients that sized a
    buffer, a column or a check to the old limits may receive values beyond them."""
    for keyword, was in o.bounds.items():
        limit = n.bounds.get(keyword, n.bounds.get(_COUNTERPART.get(keyword, "")))
        higher_is_looser = keyword.startswith(("max", "exclusiveMax"))
        if limit is None or (limit > was if higher_is_looser else limit < was):
            after = "none" if limit is None else _number(limit)
            add(
                "bound-widened",
                f"{where}: {keyword} changed from {_number(was)} to {after}; "
                "clients may receive values beyond the old limit",
            )
    if o.pattern is not None and n.pattern != o.pattern:
        after = "no pattern" if n.pattern is None else f"pattern {n.pattern!r}"
        add(
            "pattern-changed",
            f"{where}: pattern {o.pattern!r} became {after}; "
            "clients may receive values the old one refused",
        )


def _default(schema: SchemaView) -> str:
    return f"default {_key(schema.default[0])}" if schema.default else "no default"


def disjoint(o: SchemaView, n: SchemaView) -> bool:
    """Both schemas declare types and no value has a type both accept."""
    if o.types is None or n.types is None or not o.types or not n.types:
        return False
    return not _missing(o.types, n.types) < o.types and not _missing(n.types, o.types) < n.types


def _missing(wanted: frozenset[str], offered: frozenset[str]) -> frozenset[str]:
    """The types of ``wanted`` that ``offered`` does not cover (``number`` covers integers)."""
    return frozenset(
        kind
        for kind in wanted
        if kind not in offered and not (kind == "integer" and "number" in offered)
    )


def _types(types: frozenset[str]) -> str:
    return " or ".join(sorted(types)) or "no type"


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def _number(value: float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
