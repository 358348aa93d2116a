"""Tests of mockserver.generation.coherence: pages, ids and dates of one value agree.

The rules are tested on plain objects (each catches a planted inconsistency and leaves a
consistent object alone), then through `DataGenerator`: every paginated answer Hypothesis can
shape is internally consistent and still valid (`tests.generation.test_generator.assert_valid`).
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mockserver.generation import coherence
from mockserver.generation.coherence import (
    PAGE_CAP,
    PageFields,
    apply_page,
    find_page,
    is_id,
    order_dates,
    plan_page,
)
from mockserver.generation.generator import DataGenerator
from tests.generation.test_generator import EXAMPLE_ID, REF, assert_valid

# --- the rules on plain objects ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"data": [1], "pagination": {"page": 1, "limit": 2, "total": 3, "pages": 2}},
         PageFields("data", "pagination", {"page": "page", "limit": "limit", "total": "total",
                                           "pages": "pages"})),
        ({"items": [], "per_page": 5, "current_page": 2},
         PageFields("items", None, {"limit": "per_page", "page": "current_page"})),
        ({"results": [], "count": 9, "next": None},
         PageFields("results", None, {"total": "count"})),
        ({"results": [], "meta": {"totalPages": 3, "hasMore": True}},
         PageFields("results", "meta", {"pages": "totalPages", "has_more": "hasMore"})),
    ],
)  # fmt: skip
def test_find_page_spots_pagination_beside_or_next_to_the_items(
    obj: dict[str, Any], expected: PageFields
) -> None:
    assert find_page(obj) == expected


@pytest.mark.parametrize(
    "obj",
    [
        {"tags": ["a"], "total": 3},  # a count alone is not a page
        {"name": "x", "page": 2},  # no items
        {"data": [1], "meta": {"page": "two"}},  # not a number
        {"data": [1], "page": True},  # a flag is not a page number
    ],
)
def test_find_page_stays_quiet_on_objects_that_are_no_page(obj: dict[str, Any]) -> None:
    assert find_page(obj) is None


def _check_page(values: dict[str, Any], count: int) -> None:
    """The invariants of a page, for whichever fields it has."""
    page, limit, total, pages = (values.get(k) for k in ("page", "limit", "total", "pages"))
    if limit is not None and total is not None:
        assert pages is None or pages == math.ceil(total / limit)
        last = math.ceil(total / limit)
        if page is not None:
            assert 1 <= page <= last
            assert count == (limit if page < last else total - (last - 1) * limit)
    if page is not None and pages is not None:
        assert 1 <= page <= pages
    if "offset" in values and page is not None and limit is not None:
        assert values["offset"] == (page - 1) * limit
    if "has_more" in values and page is not None and pages is not None:
        assert values["has_more"] == (page < pages)


def test_check_page_catches_the_measured_inconsistent_page() -> None:
    # What the issue measured: page 936 of 344, 47752 / 30 != 344, one item for a limit of 30.
    with pytest.raises(AssertionError):
        _check_page({"page": 936, "limit": 30, "total": 47752, "pages": 344}, 1)
    _check_page({"page": 2, "limit": 30, "total": 47, "pages": 2}, 17)


ROLES = {"page": "page", "limit": "limit", "total": "total", "pages": "pages",
         "offset": "offset", "has_more": "hasMore"}  # fmt: skip


@given(
    seed=st.integers(0, 2**32),
    page=st.none() | st.integers(1, 1000),
    limit=st.none() | st.integers(1, 500),
    max_items=st.none() | st.integers(1, 200),
)
def test_plan_page_is_consistent_for_any_request(
    seed: int, page: int | None, limit: int | None, max_items: int | None
) -> None:
    query = {k: str(v) for k, v in (("page", page), ("limit", limit)) if v is not None}
    obj = {"data": [], "meta": {"page": 1, "limit": 30, "total": 47752, "pages": 1}}
    fields = PageFields("data", "meta", ROLES)
    plan = plan_page(fields, obj, rng=random.Random(seed), query=query, max_items=max_items)
    _check_page(plan.values, plan.count)
    assert plan.count <= min(PAGE_CAP, max_items or PAGE_CAP)
    assert plan.values["page"] == (page or plan.values["page"])
    assert plan.values["limit"] == (limit or 30)


def test_plan_page_keeps_the_limit_within_its_schema_and_takes_its_default() -> None:
    fields = PageFields("data", None, {"limit": "limit"})
    obj: dict[str, Any] = {"data": [], "limit": 7}
    rng = random.Random(0)
    bounded = {"minimum": 1, "maximum": 50, "default": 20}
    assert plan_page(fields, obj, rng=rng, query={}, limit_schema=bounded).values == {"limit": 20}
    asked = plan_page(fields, obj, rng=rng, query={"limit": "500"}, limit_schema=bounded)
    assert asked.values == {"limit": 50}
    assert plan_page(fields, obj, rng=rng, query={}).values == {"limit": 7}


def test_plan_page_reads_an_offset_as_the_page_it_starts() -> None:
    fields = PageFields("data", None, {"page": "page", "limit": "limit", "offset": "offset"})
    obj: dict[str, Any] = {"data": [], "page": 1, "limit": 5, "offset": 0}
    plan = plan_page(fields, obj, rng=random.Random(3), query={"offset": "10", "limit": "5"})
    assert plan.values["page"] == 3
    assert plan.values["offset"] == 10


def test_apply_page_writes_each_role_where_it_sits() -> None:
    obj: dict[str, Any] = {"data": [], "meta": {"total": 0, "pageSize": 1}}
    fields = PageFields("data", "meta", {"total": "total", "limit": "pageSize"})
    apply_page(obj, fields, coherence.PagePlan(2, {"total": 12, "limit": 5}))
    assert obj["meta"] == {"total": 12, "pageSize": 5}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("id", True), ("ownerId", True), ("owner_id", True), ("orderUUID", True),
     ("identity", False), ("idle", False), ("name", False), ("ids", False)],
)  # fmt: skip
def test_is_id_names_identifier_properties(name: str, expected: bool) -> None:
    assert is_id(name) is expected


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"createdAt": "2025-01-02T00:00:00Z", "updatedAt": "2025-01-01T00:00:00Z"},
         {"createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-02T00:00:00Z"}),
        ({"start_date": "2025-03-01", "end_date": "2025-02-01"},
         {"start_date": "2025-02-01", "end_date": "2025-03-01"}),
        ({"from": 20, "to": 10}, {"from": 10, "to": 20}),
        ({"validFrom": 5, "validUntil": 1}, {"validFrom": 1, "validUntil": 5}),
        ({"createdAt": "2025-01-03T00:00:00Z", "updatedAt": "2025-01-02T00:00:00Z",
          "deletedAt": "2025-01-01T00:00:00Z"},
         {"createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-02T00:00:00Z",
          "deletedAt": "2025-01-03T00:00:00Z"}),
    ],
)  # fmt: skip
def test_order_dates_puts_planted_pairs_in_order(
    obj: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert order_dates(obj) is True
    assert obj == expected


@pytest.mark.parametrize(
    "obj",
    [
        {"createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-02T00:00:00Z"},
        {"from": "USD", "to": "EUR"},  # not moments
        {"start": "2025-01-02", "end": 3},  # not comparable
        {"createdAt": "2025-01-02T00:00:00", "updatedAt": "2025-01-01T00:00:00Z"},  # naive
    ],
)
def test_order_dates_leaves_ordered_or_incomparable_values_alone(obj: dict[str, Any]) -> None:
    before = dict(obj)
    assert order_dates(obj) is False
    assert obj == before


# --- through the generator ----------------------------------------------------------------------

_ITEM = {
    "type": "object",
    "required": ["id", "ownerId", "createdAt", "updatedAt"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "example": EXAMPLE_ID},
        "ownerId": {"type": "string", "format": "uuid", "example": EXAMPLE_ID},
        "number": {"type": "integer", "minimum": 1, "maximum": 3},
        "createdAt": {"type": "string", "format": "date-time"},
        "updatedAt": {"type": "string", "format": "date-time"},
    },
}  # fmt: skip
_NAMES = {
    "page": ("page", "currentPage", "page_number"),
    "limit": ("limit", "per_page", "pageSize"),
    "total": ("total", "totalCount", "total_items"),
    "pages": ("pages", "totalPages"),
    "offset": ("offset",),
}


@st.composite
def paginated_documents(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str]]:
    """A document whose ``List`` is a page of items, shaped in any of the usual ways."""
    roles = draw(st.sets(st.sampled_from(sorted(_NAMES)), min_size=1))
    if not roles & {"page", "limit", "pages", "offset"}:
        roles.add("page")
    fields: dict[str, Any] = {}
    for role in sorted(roles):
        schema: dict[str, Any] = {"type": "integer", "minimum": 0 if role == "offset" else 1}
        if role == "limit":
            schema["maximum"] = draw(st.integers(1, 200))
            if draw(st.booleans()):
                schema["default"] = draw(st.integers(1, schema["maximum"]))
        if role in ("total", "offset"):
            schema["minimum"] = 0
        fields[draw(st.sampled_from(_NAMES[role]))] = schema
    array: dict[str, Any] = {"type": "array", "items": {"$ref": REF + "Item"}}
    if draw(st.booleans()):
        array["maxItems"] = draw(st.integers(1, 150))
    items = draw(st.sampled_from(("data", "items", "results")))
    if draw(st.booleans()):
        meta = draw(st.sampled_from(("pagination", "meta", "page_info")))
        document_list = {
            "type": "object",
            "required": [items, meta],
            "properties": {items: array, meta: {"$ref": REF + "Page"}},
        }
        page = {"type": "object", "required": sorted(fields), "properties": fields}
        schemas = {"List": document_list, "Page": page, "Item": _ITEM}
    else:
        properties = {items: array, **fields}
        document_list = {"type": "object", "required": sorted(properties), "properties": properties}
        schemas = {"List": document_list, "Item": _ITEM}
    query: dict[str, str] = {}
    if draw(st.booleans()):
        query["page"] = str(draw(st.integers(1, 60)))
    if draw(st.booleans()):
        query["limit"] = str(draw(st.integers(1, 200)))
    return {"openapi": "3.1.0", "components": {"schemas": schemas}}, query


def _page_values(value: dict[str, Any]) -> tuple[dict[str, Any], int]:
    found = find_page(value)
    assert found is not None, value
    meta = value[found.meta] if found.meta else value
    return {role: meta[key] for role, key in found.roles.items()}, len(value[found.items])


@settings(max_examples=60, deadline=None)
@given(case=paginated_documents(), seed=st.integers(0, 2**32))
@example(
    case=(
        {"openapi": "3.1.0", "components": {"schemas": {
            "List": {"type": "object", "required": ["data", "pagination"], "properties": {
                "data": {"type": "array", "maxItems": 100, "items": {"$ref": REF + "Item"}},
                "pagination": {"$ref": REF + "Page"}}},
            "Page": {"type": "object", "required": ["page", "limit", "total", "pages"],
                     "properties": {"page": {"type": "integer", "minimum": 1},
                                    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                                    "total": {"type": "integer", "minimum": 0},
                                    "pages": {"type": "integer", "minimum": 0}}},
            "Item": _ITEM}}},
        {},
    ),
    seed=936,
)  # fmt: skip
def test_generate_every_paginated_answer_is_internally_consistent(
    case: tuple[dict[str, Any], dict[str, str]], seed: int
) -> None:
    document, query = case
    schema = document["components"]["schemas"]["List"]
    value = DataGenerator(document, seed=seed).generate(schema, key="GET /things", query=query)
    assert_valid(document, REF + "List", value, "response")
    values, count = _page_values(value)
    _check_page(values, count)
    limit_schema = next(
        (s for k, s in _schemas_by_name(document).items() if k in _NAMES["limit"]), None
    )
    if "limit" in values and "limit" in query and limit_schema is not None:
        assert values["limit"] == min(int(query["limit"]), limit_schema["maximum"])
    if "page" in values and "page" in query:
        assert values["page"] == int(query["page"])
    items = value[find_page(value).items]  # type: ignore[union-attr]
    ids = [i["id"] for i in items] + [i["ownerId"] for i in items]
    assert len(set(ids)) == len(ids)
    assert all(i["createdAt"] <= i["updatedAt"] for i in items)


def _schemas_by_name(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for schema in document["components"]["schemas"].values():
        found.update(schema.get("properties", {}))
    return found


def test_generate_is_still_deterministic_with_a_page() -> None:
    document: dict[str, Any] = {"openapi": "3.1.0", "components": {"schemas": {
        "List": {"type": "object", "required": ["data", "page", "limit", "total"], "properties": {
            "data": {"type": "array", "items": {"$ref": REF + "Item"}},
            "page": {"type": "integer"}, "limit": {"type": "integer"},
            "total": {"type": "integer"}}},
        "Item": _ITEM}}}  # fmt: skip
    schema = document["components"]["schemas"]["List"]
    first = DataGenerator(document, seed=5).generate(schema, key="k", query={"page": "2"})
    again = DataGenerator(document, seed=5).generate(schema, key="k", query={"page": "2"})
    assert first == again
    assert first["page"] == 2


def test_generate_gives_an_id_and_its_owner_id_different_values_despite_one_example() -> None:
    document = {"openapi": "3.1.0", "components": {"schemas": {"Item": _ITEM}}}
    for seed in range(20):
        value = DataGenerator(document, seed=seed).generate(_ITEM, key="k")
        assert value["id"] != value["ownerId"]


def test_generate_keeps_a_page_that_cannot_be_made_consistent_valid() -> None:
    # total may not exceed 3, so no page of 5 can be described: the value stays valid.
    document: dict[str, Any] = {"openapi": "3.1.0", "components": {"schemas": {
        "List": {"type": "object", "required": ["data", "limit", "total"], "properties": {
            "data": {"type": "array", "minItems": 5, "items": {"type": "integer"}},
            "limit": {"type": "integer", "const": 5},
            "total": {"type": "integer", "maximum": 3}}}}}}  # fmt: skip
    schema = document["components"]["schemas"]["List"]
    value = DataGenerator(document, seed=1).generate(schema, key="k")
    assert_valid(document, REF + "List", value, "response")
