"""Matching rules against the schema: what a pact's matchers let through or demand, compared
with what the spec lets the consumer send and the provider answer.

`check` validates an interaction's example values; a matcher widens or narrows them, and a
conflict there passes the example check but fails verification. Each rule is located by its
JSONPath (``$.body.amount``) in the schema of the operation's body, header or query parameter:

- ``integer`` on a property that is not an integer (a response may answer 12.5), ``decimal``
  on an integer property (the provider answers 12900, which it fails), ``number`` / ``boolean``
  / ``type`` against the property's type;
- ``regex``: its example must match the regex and the property's ``pattern``; against a
  ``format`` (uuid, date-time, date) the regex must match the format's ordinary values (else
  the provider's values fail it) and produce some value of the format (else the consumer's
  values are not of it) — only what is plainly incompatible, nothing a provider could meet;
- ``date`` / ``time`` / ``datetime`` / ``timestamp`` against a string's ``format``;
- ``min`` / ``max`` (``eachLike``) against ``minItems`` / ``maxItems``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.compile.schemas import json_type, schema_members, schema_types
from mockserver.generation.patterns import random_match
from mockserver.pact.files import Rule
from mockserver.spec.regex import python_pattern

__all__ = ["RuleTarget", "rule_conflicts"]

_STEP = re.compile(r"\.([^.\[\]]+)|\['([^']*)'\]|\[(\*|\d+)\]")
_MISSING: Any = object()
_SAMPLES = 24  # values drawn from a regex to see whether any fits a format
# Pact's time matchers and the format each one reads; the formats among them.
_TIME_MATCHERS = {"date": "date", "time": "time", "datetime": "date-time", "timestamp": "date-time"}
_TIME_FORMATS = frozenset(_TIME_MATCHERS.values())
_OTHER_TYPE = "; use a matcher of the schema's type (like(), regex())"

# Ordinary values of each format: a regex that matches none of them rejects what a provider
# answers; checked as Pact's verifier does (search, not a full match).
_FORMAT_VALUES: dict[str, tuple[str, ...]] = {
    "uuid": ("3fa85f64-5717-4562-b3fc-2c963f66afa6", "00000000-0000-4000-8000-000000000000"),
    "date-time": (
        "2026-01-02T03:04:05Z",
        "2026-01-02T03:04:05.678Z",
        "2026-01-02T03:04:05+00:00",
        "2026-01-02T03:04:05.678+00:00",
        "2026-01-02T03:04:05.678901+00:00",
    ),
    "date": ("2026-01-02",),
}
_SHAPES = {
    "uuid": re.compile(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    ),
    "date-time": re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
}


@dataclass(frozen=True, slots=True)
class RuleTarget:
    """What the rules of one side of an interaction are checked against.

    ``side`` is ``request`` or ``response``; ``body`` the body schema and ``value`` the body
    the pact stores; ``parameters`` the schemas of headers (names in lower case) and query
    parameters by ``(category, name)``; ``document`` resolves ``$ref``s.
    """

    side: str
    document: Mapping[str, Any]
    body: Any = None
    value: Any = _MISSING
    parameters: Mapping[tuple[str, str], Any] | None = None
    values: Mapping[tuple[str, str], str] | None = None


def rule_conflicts(rules: list[Rule], target: RuleTarget) -> Iterator[str]:
    """A located message for each matcher the schema contradicts."""
    for rule in rules:
        if rule.category == "body":
            if target.body is None:
                continue
            resolved = _resolve(rule.where, target.body, target.value, target.document)
            if resolved is None:
                continue
            schema, value = resolved
        elif rule.category in ("header", "query"):
            key = rule.where.lower() if rule.category == "header" else rule.where
            schema = (target.parameters or {}).get((rule.category, key))
            if schema is None:
                continue
            value = (target.values or {}).get((rule.category, key), _MISSING)
        else:
            continue
        for matcher in rule.matchers:
            for problem in _conflicts(matcher, schema, value, target, rule.category):
                yield f"{target.side} {rule.label}: {problem}"


def _resolve(
    where: str, schema: Any, value: Any, document: Mapping[str, Any]
) -> tuple[Any, Any] | None:
    """The schema (and stored value) a body JSONPath names; None when it names none."""
    if not where.startswith("$"):
        return None
    rest = where[1:]
    position = 0
    while position < len(rest):
        step = _STEP.match(rest, position)
        if step is None:
            return None
        position = step.end()
        name = step.group(1) if step.group(1) is not None else step.group(2)
        if name is not None and name != "*":
            schema = _property(schema, name, document)
            value = value.get(name, _MISSING) if isinstance(value, Mapping) else _MISSING
        elif step.group(3) is not None:
            schema = _items(schema, document)
            index = 0 if step.group(3) == "*" else int(step.group(3))
            value = value[index] if isinstance(value, list) and index < len(value) else _MISSING
        else:
            return None  # a wildcard over an object's values
        if schema is None:
            return None
    return schema, value


def _property(schema: Any, name: str, document: Mapping[str, Any]) -> Any:
    for member in schema_members(schema, document):
        properties = member.get("properties")
        if isinstance(properties, Mapping) and name in properties:
            return properties[name]
    for member in schema_members(schema, document):
        extra = member.get("additionalProperties")
        if isinstance(extra, Mapping):
            return extra
    return None


def _items(schema: Any, document: Mapping[str, Any]) -> Any:
    for member in schema_members(schema, document):
        if isinstance(member.get("items"), Mapping):
            return member["items"]
    return None


def _keyword(schema: Any, document: Mapping[str, Any], name: str) -> Any:
    for member in schema_members(schema, document):
        if name in member:
            return member[name]
    return None


def _conflicts(
    matcher: Mapping[str, Any], schema: Any, value: Any, target: RuleTarget, category: str
) -> Iterator[str]:
    kind = str(matcher.get("match") or ("regex" if "regex" in matcher else "type"))
    types = schema_types(schema, target.document) or None  # empty: contradictory, left alone
    shown = "/".join(sorted(types)) if types else "any"
    response = target.side == "response"
    if kind == "integer" and types is not None:
        if "integer" not in types and ("number" not in types or response):
            advice = (
                " (the provider may answer 12.5); use a number matcher or like()"
                if "number" in types
                else _OTHER_TYPE
            )
            yield f"an integer matcher, but the schema's type is {shown}{advice}"
    elif kind == "decimal" and types is not None and "number" not in types:
        advice = (
            ": the provider answers whole numbers, which Pact's decimal matcher fails (it wants "
            "a fraction, 12.5); use an integer matcher or like()"
            if "integer" in types
            else _OTHER_TYPE
        )
        yield f"a decimal matcher, but the schema's type is {shown}{advice}"
    elif kind == "number" and types is not None and not types & {"integer", "number"}:
        yield f"a number matcher, but the schema's type is {shown}"
    elif kind == "boolean" and types is not None and "boolean" not in types:
        yield f"a boolean matcher, but the schema's type is {shown}"
    elif kind == "type" and category == "body" and value is not _MISSING and types is not None:
        found = json_type(value)
        numeric = found in ("integer", "number") and types & {"integer", "number"}
        if found not in types and not numeric:
            yield f"a type matcher on a {found} ({value!r}), but the schema's type is {shown}"
    elif kind == "regex":
        yield from _regex_conflicts(matcher, schema, value, target)
    elif kind in _TIME_MATCHERS:
        yield from _time_conflicts(kind, matcher, schema, types, target)
    yield from _size_conflicts(matcher, schema, target)


def _time_conflicts(
    kind: str,
    matcher: Mapping[str, Any],
    schema: Any,
    types: frozenset[str] | None,
    target: RuleTarget,
) -> Iterator[str]:
    """A date, time or datetime matcher (pact-js ``datetime(format)``) against the schema."""
    if types is not None and "string" not in types:
        shown = "/".join(sorted(types))
        yield f"a {kind} matcher, but the schema's type is {shown}"
        return
    form = _keyword(schema, target.document, "format")
    wanted = _TIME_MATCHERS[kind]
    if isinstance(form, str) and form in _TIME_FORMATS and form != wanted:
        pattern = matcher.get("format") or matcher.get(kind)
        shown = f" ({pattern})" if pattern else ""
        yield (
            f"a {kind} matcher{shown}, but the schema's format is {form}; "
            f"use a {'datetime' if form == 'date-time' else form} matcher"
        )


def _regex_conflicts(
    matcher: Mapping[str, Any], schema: Any, value: Any, target: RuleTarget
) -> Iterator[str]:
    raw = matcher.get("regex")
    if not isinstance(raw, str):
        yield "a regex matcher without a regex"
        return
    # Pact's verifier reads Rust's syntax, pact-js writes ECMA's: what Python cannot read
    # even translated is left to the verifier rather than guessed at.
    translated = python_pattern(raw)
    if translated is None:
        return
    regex = re.compile(translated)
    if isinstance(value, str) and not regex.search(value):
        yield f"the regex {raw!r} does not match its own example {value!r}"
    pattern = _keyword(schema, target.document, "pattern")
    if isinstance(pattern, str):
        yield from _pattern_conflicts(raw, value, pattern)
    form = _keyword(schema, target.document, "format")
    ordinary = _FORMAT_VALUES.get(form) if isinstance(form, str) else None
    if ordinary is None:
        return
    if not any(regex.search(text) for text in ordinary):
        yield (
            f"the regex {raw!r} matches no {form} such as {ordinary[0]!r}: the provider's "
            f"values (format: {form}) fail it; use a {form} matcher"
        )
        return
    rng = random.Random(0)
    samples = [random_match(raw, rng, 0, None) for _ in range(_SAMPLES)]
    drawn = [s for s in samples if s is not None]
    if drawn and not any(_is_format(form, s) for s in drawn):
        yield (
            f"the regex {raw!r} produces values such as {drawn[0]!r}, none shaped as a "
            f"{form} (the schema's format); narrow it to the {form} form"
        )


def _pattern_conflicts(raw: str, value: Any, pattern: str) -> Iterator[str]:
    python = python_pattern(pattern)
    if python is None:
        return
    schema_pattern = re.compile(python)
    if isinstance(value, str) and not schema_pattern.search(value):
        yield f"the regex's example {value!r} does not match the schema's pattern {pattern!r}"
        return
    rng = random.Random(0)
    drawn = [s for s in (random_match(raw, rng, 0, None) for _ in range(_SAMPLES)) if s]
    if drawn and not any(schema_pattern.search(text) for text in drawn):
        yield (
            f"the regex {raw!r} produces values such as {drawn[0]!r}, none matching the "
            f"schema's pattern {pattern!r}"
        )


def _is_format(form: str, text: str) -> bool:
    """Whether ``text`` has the form's shape (digits and separators where they belong): a
    structural regex (``\\d{2}`` for a month) is not held to the calendar."""
    return _SHAPES[form].search(text) is not None


def _size_conflicts(matcher: Mapping[str, Any], schema: Any, target: RuleTarget) -> Iterator[str]:
    low, high = matcher.get("min"), matcher.get("max")
    if not isinstance(low, int) and not isinstance(high, int):
        return
    min_items = _keyword(schema, target.document, "minItems")
    max_items = _keyword(schema, target.document, "maxItems")
    if isinstance(low, int) and isinstance(max_items, int) and low > max_items:
        yield f"min {low} (eachLike), but the schema allows at most {max_items} items (maxItems)"
    if isinstance(high, int) and isinstance(min_items, int) and high < min_items:
        yield f"max {high}, but the schema requires at least {min_items} items (minItems)"
    if (
        target.side == "request"
        and isinstance(low, int)
        and isinstance(min_items, int)
        and low < min_items
    ):
        yield (
            f"min {low} (eachLike) lets the consumer send {low} items, but the schema requires "
            f"at least {min_items} (minItems); use min {min_items}"
        )
