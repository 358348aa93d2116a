"""Request bodies and queries for a step, varied from the spec's own examples.

A body starts from one of the operation's request examples (valid by the spec's own house
rules); ``variant`` then seeds small changes the schema allows: another member of an enum,
an optional property left out, a payment token from the operation's ``declines``. Queries
pick filters from their enums, small pages and limits, and search words taken from the
examples' names, so filters, search and pagination are exercised with rows that match.
Negative variants name the `focused_queries` one by one: each filter value and each search
word alone, and the first and second small page.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping
from typing import Any

from mockserver.conform.model import ApiModel, Endpoint, resolve
from mockserver.conform.steps import CLEAR

__all__ = ["clearing_body", "focused_queries", "search_words", "vary_body", "vary_query"]

_SEARCH_FIELDS = ("name", "title", "description")  # a search covers descriptions too


def vary_body(model: ApiModel, endpoint: Endpoint, variant: int) -> tuple[bool, Any]:
    """``(has_body, body)`` for ``endpoint``: an example, changed as ``variant`` says."""
    if not endpoint.bodies:
        return False, None
    if variant == CLEAR:
        cleared = clearing_body(model, endpoint)
        if cleared is not None:
            return True, cleared
    rng = random.Random(variant)
    body = copy.deepcopy(endpoint.bodies[variant % len(endpoint.bodies)])
    # The first variants are the examples as written (a declined card is one of them).
    if variant < len(endpoint.bodies) or not isinstance(body, dict) or not endpoint.body_schema:
        return True, body
    schema = endpoint.body_schema
    required = set(schema.get("required") or ())
    minimum = int(schema.get("minProperties", 0))
    for name, raw in (schema.get("properties") or {}).items():
        prop = resolve(model.document, raw)
        if not isinstance(prop, Mapping) or prop.get("readOnly"):
            continue
        if name == endpoint.method_field and rng.random() < 0.5:
            body[name] = rng.choice((*endpoint.method_tokens, body.get(name, "pm_card_visa")))
        elif isinstance(prop.get("enum"), list) and rng.random() < 0.5:
            body[name] = rng.choice([v for v in prop["enum"] if v is not None] or [None])
        elif (
            name in body
            and name not in required
            and len(body) > max(minimum, 1)
            and rng.random() < 0.25
        ):
            del body[name]
    return True, body


def clearing_body(model: ApiModel, endpoint: Endpoint) -> dict[str, Any] | None:
    """An update of a record made from its producer's first example that clears what that
    example set: a PUT without the optional fields, a PATCH that nulls each nullable one and
    gives each object fewer keys (replaced, not merged); None when there is nothing to clear."""
    schema = endpoint.body_schema
    producer = model.endpoints.get(endpoint.link.producer) if endpoint.link else None
    if not schema or producer is None or not producer.bodies:
        return None
    made = producer.bodies[0]
    example = endpoint.bodies[0]
    if not isinstance(made, dict) or not isinstance(example, dict):
        return None
    required = set(schema.get("required") or ())
    properties = schema.get("properties") or {}
    if endpoint.method == "PUT":
        body = {k: v for k, v in example.items() if k in required}
        return body if any(k in made and k not in required for k in properties) else None
    body = {}
    for name, value in made.items():
        prop = resolve(model.document, properties.get(name))
        if not isinstance(prop, Mapping) or name in required:
            continue
        types = prop.get("type")
        if isinstance(types, list) and "null" in types:
            body[name] = None
        elif isinstance(value, dict) and len(value) > 1:
            first = next(iter(value))
            body[name] = {first: value[first]}
    return body or None


def search_words(model: ApiModel) -> tuple[str, ...]:
    """Words of the names, titles and descriptions in the spec's request examples (search
    terms that hit)."""
    words: set[str] = set()
    for endpoint in model.endpoints.values():
        for body in endpoint.bodies:
            if isinstance(body, Mapping):
                for name in _SEARCH_FIELDS:
                    value = body.get(name)
                    if isinstance(value, str):
                        words.update(w for w in value.split() if len(w) >= 4 and w.isalpha())
    return tuple(sorted(words))


def vary_query(
    model: ApiModel, endpoint: Endpoint, variant: int, words: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """Query parameters for ``endpoint``: none for variant 0, else a few chosen by it (a
    negative variant ``-1 - i`` is the ``i``-th of `focused_queries`)."""
    if variant == 0 or not endpoint.query:
        return ()
    if variant < 0:
        focused = focused_queries(model, endpoint, words)
        return focused[(-1 - variant) % len(focused)] if focused else ()
    rng = random.Random(variant)
    query: list[tuple[str, str]] = []
    for param in endpoint.query:
        schema = resolve(model.document, param.schema)
        if not isinstance(schema, Mapping) or rng.random() < 0.5:
            continue
        if isinstance(schema.get("enum"), list):
            query.append((param.name, str(rng.choice(schema["enum"]))))
        elif schema.get("type") == "integer":
            low = int(schema.get("minimum", 1))
            query.append((param.name, str(rng.randint(low, low + 2))))
        elif schema.get("type") == "string" and words:
            query.append((param.name, rng.choice(words)))
    return tuple(query)


def focused_queries(
    model: ApiModel, endpoint: Endpoint, words: tuple[str, ...]
) -> tuple[tuple[tuple[str, str], ...], ...]:
    """One query per filter value and per search word, alone; then the integer parameters
    (page, limit) all at their minimum, and all one above it (the second page of small ones).
    """
    queries: list[tuple[tuple[str, str], ...]] = []
    integers: list[tuple[str, int]] = []
    for param in endpoint.query:
        schema = resolve(model.document, param.schema)
        if not isinstance(schema, Mapping):
            continue
        if isinstance(schema.get("enum"), list):
            queries += [((param.name, str(v)),) for v in schema["enum"] if v is not None]
        elif schema.get("type") == "integer":
            integers.append((param.name, int(schema.get("minimum", 1))))
        elif schema.get("type") == "string":
            queries += [((param.name, word),) for word in words]
    if integers:
        queries += [tuple((name, str(low + step)) for name, low in integers) for step in (0, 1)]
    return tuple(queries)
