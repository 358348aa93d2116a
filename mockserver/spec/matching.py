"""``x-mock-match``: the request a named example answers, read once at start-up.

A named example of a response may say which requests it answers::

    examples:
      vip:
        x-mock-match:
          path: {petId: "1"}                 # equal (path values compare as text too)
          query: {verbose: true}
          header: {X-Tenant: {pattern: "^acme-"}}   # a regex, searched
          body: {/customer/tier: gold}       # a JSON pointer into the body (or a field name)
        value: {...}

Each location maps names to a condition: a plain value (equal to the request's value, typed
or, for parameters, as the text the request sent), ``{equals: VALUE}`` (for a value that is
itself an object), or ``{pattern: REGEX}``. Every condition must hold. `parse_match` turns
the extension into a `MatchRule` (a `SpecError` naming the place when it is malformed);
`MatchRule.accepts` checks a request's `MatchFacts`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mockserver.errors import SpecError
from mockserver.spec import pointer as jp

__all__ = ["LOCATIONS", "MATCH_KEY", "Condition", "MatchFacts", "MatchRule", "parse_match"]

MATCH_KEY = "x-mock-match"
Location = Literal["path", "query", "header", "body"]
LOCATIONS: tuple[Location, ...] = ("path", "query", "header", "body")
_HINT = (
    "write x-mock-match as {path|query|header|body: {NAME: VALUE | {equals: VALUE} | "
    "{pattern: REGEX}}}; body names are JSON pointers (/a/b) or top-level field names"
)


@dataclass(frozen=True, slots=True)
class MatchFacts:
    """What a request shows to ``x-mock-match``: its parameters (typed and raw) and body."""

    path: Mapping[str, Any]  # typed by the validator, else the raw text
    query: Mapping[str, Any]
    headers: Mapping[str, Any]  # any mapping whose ``get`` is case-insensitive
    body: Any


@dataclass(frozen=True, slots=True)
class Condition:
    """One name of one location, and what its value must be."""

    location: Location
    name: str  # the parameter's name; for the body, a JSON pointer
    expected: Any = None
    pattern: re.Pattern[str] | None = None

    def holds(self, facts: MatchFacts) -> bool:
        """Whether the request's value satisfies this condition."""
        found, value = self._value(facts)
        if not found:
            return False
        if self.pattern is not None:
            return any(self.pattern.search(_text(v)) for v in _each(value))
        if self.location == "body":  # JSON is typed: "1" is not 1
            return _same(value, self.expected)
        return _equal(value, self.expected)

    def _value(self, facts: MatchFacts) -> tuple[bool, Any]:
        if self.location == "body":
            return _at(facts.body, self.name)
        source = getattr(facts, "headers" if self.location == "header" else self.location)
        value = source.get(self.name)
        return value is not None, value


@dataclass(frozen=True, slots=True)
class MatchRule:
    """Every condition an example's ``x-mock-match`` sets."""

    conditions: tuple[Condition, ...]

    def accepts(self, facts: MatchFacts) -> bool:
        """Whether the request satisfies every condition."""
        return all(condition.holds(facts) for condition in self.conditions)


def parse_match(raw: Any, *, pointer: str = "") -> MatchRule:
    """The `MatchRule` of one ``x-mock-match`` value found at ``pointer``.

    Raises:
        SpecError: the value is not of the documented shape, or a pattern does not compile.
    """
    if not isinstance(raw, Mapping) or not raw:
        raise _malformed(pointer, f"expected a mapping of locations, got {_shown(raw)}")
    conditions: list[Condition] = []
    for location, names in raw.items():
        where = f"{pointer}/{jp.escape(str(location))}"
        if location not in LOCATIONS:
            raise _malformed(
                where, f"expected a location among {', '.join(LOCATIONS)}, got {location!r}"
            )
        if not isinstance(names, Mapping) or not names:
            raise _malformed(where, f"expected a mapping of names to values, got {_shown(names)}")
        for name, condition in names.items():
            conditions.append(
                _condition(location, str(name), condition, f"{where}/{jp.escape(str(name))}")
            )
    return MatchRule(tuple(conditions))


def _condition(location: Location, name: str, raw: Any, where: str) -> Condition:
    if location == "body" and not name.startswith("/"):
        name = "/" + jp.escape(name)  # a top-level field
    if location == "header":
        name = name.lower()
    if not isinstance(raw, Mapping):
        return Condition(location, name, expected=raw)
    if set(raw) == {"equals"}:
        return Condition(location, name, expected=raw["equals"])
    if set(raw) == {"pattern"} and isinstance(raw["pattern"], str):
        try:
            return Condition(location, name, pattern=re.compile(raw["pattern"]))
        except re.error as exc:
            message = f"the pattern {raw['pattern']!r} does not compile: {exc}"
            raise _malformed(where, message) from exc
    raise _malformed(
        where, f"expected a value, {{equals: VALUE}} or {{pattern: REGEX}}, got {_shown(raw)}"
    )


def _malformed(pointer: str, reason: str) -> SpecError:
    return SpecError(f"malformed {MATCH_KEY}: {reason}", pointer=pointer, hint=_HINT)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _at(body: Any, pointer: str) -> tuple[bool, Any]:
    node = body
    for token in jp.split(pointer):
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


def _each(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A value as a request carries it: ``true``, ``1``, ``a,b``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def _equal(actual: Any, expected: Any) -> bool:
    """Equal as JSON values (``True`` is not ``1``), or equal as the text a request sends."""
    if _same(actual, expected):
        return True
    return (
        isinstance(expected, str | int | float)
        and isinstance(actual, str | int | float | list)
        and _text(actual) == _text(expected)
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
