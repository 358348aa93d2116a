"""Values that hang together within one object: pages, ids and dates.

Generation makes each property on its own, so a list answer could describe page 936 of 344,
give a project the id of its owner, or have it updated before it was created. The rules here
read the object as generated and say what to change: `find_page` spots a page of a list (an
array next to page/limit/total/pages/offset fields, in a sibling object or beside it) and
`plan_page` draws a consistent page; `is_id` names the properties whose values must differ;
`order_dates` puts pairs such as ``createdAt``/``updatedAt`` in order. The caller (the value
builder) regenerates what must change and keeps the result only when it still validates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from random import Random
from typing import Any, Final, TypeGuard

__all__ = [
    "PAGE_CAP",
    "PageFields",
    "PagePlan",
    "apply_page",
    "find_page",
    "is_id",
    "order_dates",
    "plan_page",
]

PAGE_CAP: Final = 20
"""The most items a generated page holds: a page asked to hold more is its list's last page."""

_MAX_PAGES: Final = 8
_SPLIT: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|[^A-Za-z0-9]+")

# A property name (lower case, without separators) -> its role in a page.
_ROLES: Final = {
    **dict.fromkeys(("page", "pagenumber", "currentpage", "pageindex", "pageno"), "page"),
    **dict.fromkeys(
        ("limit", "perpage", "pagesize", "size", "pagelimit", "itemsperpage", "maxresults"),
        "limit",
    ),
    **dict.fromkeys(
        ("total", "totalitems", "totalcount", "count", "totalresults", "totalelements",
         "totalrecords", "totalentries"),
        "total",
    ),
    **dict.fromkeys(("pages", "totalpages", "pagecount", "lastpage", "numpages"), "pages"),
    **dict.fromkeys(("offset", "skip", "startindex"), "offset"),
    **dict.fromkeys(("hasmore", "hasnext", "hasnextpage", "more"), "has_more"),
}  # fmt: skip
# Roles that show a page on their own; ``total`` alone may just count the items.
_PAGE_ROLES: Final = frozenset({"page", "limit", "pages", "offset"})
_CURSORS: Final = frozenset(
    {"next", "nextcursor", "cursor", "nextpage", "nextpagetoken", "nextlink", "prev", "previous"}
)
_ID_WORDS: Final = frozenset({"id", "uuid", "guid"})
# Pairs of words whose values come in this order (createdAt <= updatedAt, from <= to).
_ORDERED: Final = (
    ("created", "updated"), ("created", "modified"), ("created", "deleted"), ("updated", "deleted"),
    ("created", "expires"), ("issued", "expires"), ("start", "end"), ("starts", "ends"),
    ("started", "ended"), ("started", "finished"), ("start", "finish"), ("begin", "end"),
    ("from", "to"), ("from", "until"), ("since", "until"), ("opened", "closed"),
    ("checkin", "checkout"), ("valid", "expires"), ("min", "max"),
)  # fmt: skip


@lru_cache(maxsize=4096)
def _tokens(name: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _SPLIT.split(name) if t)


def _role(name: str) -> str | None:
    return _ROLES.get("".join(_tokens(name)))


def is_id(name: str) -> bool:
    """Whether property ``name`` holds an identifier (``id``, ``ownerId``, ``order_uuid``)."""
    tokens = _tokens(name)
    return bool(tokens) and tokens[-1] in _ID_WORDS


@dataclass(frozen=True, slots=True)
class PageFields:
    """Where a page sits in an object: its items, and its fields by role."""

    items: str
    meta: str | None  # the sibling object holding the fields; None: they sit beside the items
    roles: Mapping[str, str]  # role -> property name


@dataclass(frozen=True, slots=True)
class PagePlan:
    """A consistent page: how many items it holds and the value of each role."""

    count: int
    values: dict[str, int | bool] = field(default_factory=dict)


def _numeric_roles(obj: Mapping[str, Any]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for key, value in obj.items():
        role = _role(key)
        wanted = bool if role == "has_more" else int
        exact = wanted is bool or not isinstance(value, bool)  # True is an int, not a page
        if role is not None and isinstance(value, wanted) and exact and role not in roles:
            roles[role] = key
    return roles


def _shows_page(obj: Mapping[str, Any], roles: Mapping[str, str]) -> bool:
    cursors = any("".join(_tokens(k)) in _CURSORS for k in obj)
    return bool(_PAGE_ROLES.intersection(roles)) or (cursors and bool(roles))


def find_page(obj: Mapping[str, Any]) -> PageFields | None:
    """The page ``obj`` describes, if its shape shows one."""
    items = next((k for k, v in obj.items() if isinstance(v, list)), None)
    if items is None:
        return None
    roles = _numeric_roles(obj)
    if _shows_page(obj, roles):
        return PageFields(items, None, roles)
    for key, value in obj.items():
        if isinstance(value, dict):
            roles = _numeric_roles(value)
            if _shows_page(value, roles):
                return PageFields(items, key, roles)
    return None


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _positive(query: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        raw = query.get(name)
        if raw is not None and raw.isdigit() and int(raw) > 0:
            return int(raw)
    return None


def _from_query(query: Mapping[str, str]) -> dict[str, int | None]:
    normal = {"".join(_tokens(k)): v for k, v in query.items()}
    offset = normal.get("offset", normal.get("skip"))
    return {
        "page": _positive(normal, "page", "pagenumber", "pageno"),
        "limit": _positive(normal, "limit", "perpage", "pagesize", "size", "maxresults"),
        "offset": int(offset) if offset is not None and offset.isdigit() else None,
    }


def plan_page(
    fields: PageFields,
    obj: Mapping[str, Any],
    *,
    rng: Random,
    query: Mapping[str, str],
    min_items: int = 0,
    max_items: int | None = None,
    limit_schema: Mapping[str, Any] | None = None,
) -> PagePlan:
    """Draw a page consistent with itself, the request's page/limit and the array's bounds.

    ``pages = ceil(total / limit)``, ``1 <= page <= pages``, the page holds ``limit`` items
    unless it is the last (then the rest); a limit above what a page may hold
    (`PAGE_CAP`, ``maxItems``) makes it the last page. ``limit_schema`` is the limit field's
    schema: its ``default`` serves when the request names no limit, its bounds always hold.
    """
    meta = obj[fields.meta] if fields.meta is not None else obj
    asked = _from_query(query)
    cap = PAGE_CAP if max_items is None else max(0, min(PAGE_CAP, max_items))
    bounds = limit_schema or {}
    default = bounds.get("default")
    limit: int | None = asked["limit"] or (default if _is_int(default) else None)
    if limit is None and "limit" in fields.roles:
        generated = meta[fields.roles["limit"]]
        limit = generated if _is_int(generated) else None
    if limit is None or limit < 1:
        limit = rng.randint(max(1, min(min_items, cap)), max(1, cap))
    low, high = bounds.get("minimum"), bounds.get("maximum")
    if _is_int(high) and limit > high:
        limit = high
    if _is_int(low) and limit < low:
        limit = low
    limit = max(limit, 1)
    page = asked["page"]
    if page is None and asked["offset"] is not None:
        page = asked["offset"] // limit + 1
    full_fits = max(min_items, 1) <= limit <= cap
    if page is not None:
        pages = page + (rng.randint(0, 3) if full_fits else 0)
    else:
        pages = rng.randint(1, _MAX_PAGES)
        page = rng.randint(1, pages) if full_fits else pages
    last_low, last_high = max(1, min_items), max(1, min(limit, cap))
    last = rng.randint(min(last_low, last_high), last_high)
    count = limit if page < pages else last
    total = (pages - 1) * limit + last
    values: dict[str, int | bool] = {
        "page": page,
        "limit": limit,
        "total": total,
        "pages": math.ceil(total / limit),
        "offset": (page - 1) * limit,
        "has_more": page < pages,
    }
    return PagePlan(count, {role: values[role] for role in fields.roles})


def apply_page(obj: dict[str, Any], fields: PageFields, plan: PagePlan) -> None:
    """Write the plan's values into ``obj`` (the items are the caller's)."""
    meta = obj[fields.meta] if fields.meta is not None else obj
    for role, value in plan.values.items():
        meta[fields.roles[role]] = value


def _moment(value: Any) -> float | datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo is not None or len(value) == 10 else None
    return None


def _before(first: Any, second: Any) -> bool | None:
    """Whether ``first`` is not later than ``second``; ``None`` when they do not compare."""
    a, b = _moment(first), _moment(second)
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a <= b if (a.tzinfo is None) == (b.tzinfo is None) else None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a <= b
    return None


@lru_cache(maxsize=1024)
def _ordered_pairs(keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The ``(earlier, later)`` pairs among ``keys``: one object shape, worked out once."""
    by_tokens = {_tokens(k): k for k in keys}
    pairs: list[tuple[str, str]] = []
    for key in keys:
        tokens = _tokens(key)
        for early, late in _ORDERED:
            for i, token in enumerate(tokens):
                if token == early:
                    other = by_tokens.get((*tokens[:i], late, *tokens[i + 1 :]))
                    if other is not None and other != key:
                        pairs.append((key, other))
    return tuple(pairs)


def order_dates(obj: dict[str, Any]) -> bool:
    """Swap values of ordered pairs (``createdAt`` after ``updatedAt``); whether any moved."""
    pairs = _ordered_pairs(tuple(obj))
    if not pairs:
        return False
    moved = False
    for _ in range(3):  # chains (created <= updated <= deleted) settle in a few passes
        swapped = False
        for early_key, late_key in pairs:
            if _before(obj[early_key], obj[late_key]) is False:
                obj[early_key], obj[late_key] = obj[late_key], obj[early_key]
                swapped = moved = True
        if not swapped:
            break
    return moved
