"""Objects and arrays of a generated value: which properties and items, and how they agree.

`ContainerBuilder` is the part of `values.ValueBuilder` that builds containers: the properties
an object gets (required, optional, dependent, undeclared names), the items of an array
(prefix, contains, unique), and the ids, pages and dates `coherence` makes agree in an object.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from mockserver.errors import GenerationError
from mockserver.generation import coherence, realistic, subjects
from mockserver.generation.all_of import canonical
from mockserver.generation.candidates import CandidateChecks
from mockserver.generation.flatten import DerivedSchemas
from mockserver.generation.messages import E_BOUNDS, E_REQUIRED_FALSE, E_TOO_FEW, FIX_CONTRADICTION
from mockserver.generation.patterns import random_match
from mockserver.generation.recursion import RecursionCosts
from mockserver.generation.scalars import ScalarBuilder
from mockserver.generation.schema_view import SchemaIndex, types_of
from mockserver.spec.pointer import escape

if TYPE_CHECKING:
    from mockserver.generation.values import ExampleMode

__all__ = ["ContainerBuilder"]

_OPTIONAL_P: Final = 0.8  # chance an optional property is present
_EMPTY: Final[Mapping[str, Any]] = {}


class ContainerBuilder:
    """Objects and arrays for `values.ValueBuilder`, its subclass, which sets this state."""

    # The state these methods share with the walk: declared here, set by `ValueBuilder`.
    __slots__ = (
        "checks",
        "component",
        "costs",
        "direction",
        "examples",
        "ids",
        "index",
        "items_wanted",
        "key",
        "query",
        "rng",
        "scalars",
        "schemas",
        "shrink",
        "stack",
    )

    checks: CandidateChecks
    component: str | None
    costs: RecursionCosts
    direction: str
    examples: ExampleMode
    ids: set[tuple[type, Any]]
    index: SchemaIndex
    items_wanted: int | None
    key: str
    query: Mapping[str, str]
    rng: random.Random
    scalars: ScalarBuilder
    schemas: DerivedSchemas
    shrink: bool
    stack: list[str]

    if TYPE_CHECKING:
        # The walk itself, in `values.ValueBuilder`.
        def value(self, node: Mapping[str, Any] | bool, ptr: str, name: str) -> Any: ...

        def fail(self, what: str, ptr: str, fix: str) -> GenerationError: ...

    # -- containers ----------------------------------------------------------------------------

    def object(self, node: Mapping[str, Any], ptr: str, name: str = "") -> dict[str, Any]:
        """An object, its values about one resource (its component, property or path)."""
        scalars, component = self.scalars, self.component
        resource = scalars.resource
        named = subjects.resource_of(component) if component else None
        scalars.resource = named or (subjects.resource_of(name) if name else None) or resource
        self.component = None  # an inline object below names its resource by its property
        try:
            out = self.properties(node, ptr)
            if out and not self.shrink:
                self.cohere(node, ptr, out)
            return out
        finally:
            scalars.resource, self.component = resource, component

    def properties(self, node: Mapping[str, Any], ptr: str) -> dict[str, Any]:
        schemas, rng = self.schemas, self.rng
        props: Mapping[str, Any] = node.get("properties") or _EMPTY
        hidden = self.index.hidden_names(node, self.direction)
        chosen = dict.fromkeys(r for r in node.get("required", ()) if r not in hidden)
        min_props, max_props = node.get("minProperties", 0), node.get("maxProperties")
        if max_props is not None and len(chosen) > max_props:
            raise self.fail(
                E_BOUNDS.format(
                    what="required count",
                    low=len(chosen),
                    high_name="maxProperties",
                    high=max_props,
                ),
                ptr,
                FIX_CONTRADICTION,
            )
        optional = [
            k
            for k, s in props.items()
            if k not in chosen
            and k not in hidden
            and s is not False
            and (not self.shrink or self.costs.cost(s, self.direction) == 0)
        ]
        picked = [k for k in optional if rng.random() < _OPTIONAL_P]
        if max_props is not None:
            picked = picked[: max_props - len(chosen)]
        short = min_props - len(chosen) - len(picked)
        if short > 0:
            picked += [k for k in optional if k not in picked][:short]
        chosen.update(dict.fromkeys(picked))
        dependent = node.get("dependentRequired") or _EMPTY
        for trigger in [k for k in chosen if k in dependent]:
            chosen.update(dict.fromkeys(d for d in dependent[trigger] if d not in hidden))
        extras = self.extra_keys(node, chosen, ptr, min_props, max_props)
        out: dict[str, Any] = {}
        for key in [*(k for k in props if k in chosen), *(k for k in chosen if k not in props)]:
            schema = schemas.key_schema(node, key)
            if schema is False:
                raise self.fail(
                    E_REQUIRED_FALSE.format(name=key),
                    ptr,
                    "declare the property or drop it from required",
                )
            where = f"{ptr}/properties/{escape(key)}"
            out[key] = self.value(schema, where, key)
            if coherence.is_id(key):
                out[key] = self.distinct_id(out[key], schema, where, key)
        for key in extras:
            out[key] = self.value(schemas.key_schema(node, key), f"{ptr}/additionalProperties", key)
        return out

    def extra_keys(
        self,
        node: Mapping[str, Any],
        taken: Mapping[str, None],
        ptr: str,
        low: int,
        high: int | None,
    ) -> list[str]:
        """Names for undeclared properties (maps, patternProperties, minProperties)."""
        extra = node.get("additionalProperties", True)
        patterns = list(node.get("patternProperties") or ())
        wanted = max(0, low - len(taken))
        if not self.shrink and ((isinstance(extra, Mapping) and extra) or patterns):
            wanted = max(wanted, self.rng.randint(0 if node.get("properties") else 1, 2))
        if high is not None:
            wanted = min(wanted, high - len(taken))
        if wanted <= 0:
            return []
        names = node.get("propertyNames")
        check = None if names is None else self.checks.validator(names, self.direction)
        keys: list[str] = []
        for _ in range(wanted * 10):
            if len(keys) == wanted:
                break
            if patterns and (extra is False or self.rng.random() < 0.5):
                key = random_match(self.rng.choice(patterns), self.rng, 0, None)
            elif extra is False:
                break
            elif isinstance(names, Mapping) and types_of(names) == ("string",):
                generated = self.value(names, f"{ptr}/propertyNames", "")
                key = generated if isinstance(generated, str) else None
            else:
                key = f"{realistic.word(self.rng)}{self.rng.randrange(100)}"
            if key is None or key in taken or key in keys or (check and not check.is_valid(key)):
                continue
            keys.append(key)
        if len(taken) + len(keys) < low:
            raise self.fail(
                E_TOO_FEW.format(count=low, unit="properties", available=len(taken) + len(keys)),
                ptr,
                "lower minProperties or allow additionalProperties",
            )
        return keys

    def array(self, node: Mapping[str, Any], ptr: str, name: str) -> list[Any]:
        schemas, rng = self.schemas, self.rng
        prefix: Sequence[Any] = node.get("prefixItems") or ()
        items = node.get("items", True)
        low, high = node.get("minItems", 0), node.get("maxItems")
        if items is False:
            high = len(prefix) if high is None else min(high, len(prefix))
        contains = node.get("contains")
        at_least = 0 if contains is None else node.get("minContains", 1)
        floor = max(low, at_least)
        if high is not None and floor > high:
            raise self.fail(
                E_BOUNDS.format(
                    what="minItems/minContains", low=floor, high_name="maxItems", high=high
                ),
                ptr,
                FIX_CONTRADICTION,
            )
        wanted, self.items_wanted = self.items_wanted, None
        if self.shrink:
            count = floor
        elif wanted is not None:  # a page's items: as many as the page holds, within bounds
            count = max(floor, wanted if high is None else min(high, wanted))
        else:
            typical = max(floor, 3 if len(self.stack) < 3 else 1)
            ceiling = typical if high is None else min(high, typical)
            count = rng.randint(min(max(floor, 1), ceiling), ceiling)
        marked = set(rng.sample(range(count), at_least)) if at_least else set()
        unique = node.get("uniqueItems") is True
        seen: set[Hashable] = set()
        out: list[Any] = []
        saved = self.examples
        try:
            for index in range(count):
                if index == 1 and self.examples == "leaves":
                    # The first item shows the documented examples; repeating them in every
                    # item would give a list of records that all share one example id.
                    self.examples = "none"
                schema = prefix[index] if index < len(prefix) else items
                if index in marked:
                    schema = schemas.both(schema, contains)
                item_ptr = f"{ptr}/prefixItems/{index}" if index < len(prefix) else f"{ptr}/items"
                for _ in range(16 if unique else 1):
                    value = self.value(schema, item_ptr, name)
                    if not unique or canonical(value) not in seen:
                        break
                    self.examples = "none"  # a fixed example would repeat forever
                else:
                    if index >= floor:
                        break
                    raise self.fail(
                        E_TOO_FEW.format(count=floor, unit="unique items", available=index),
                        ptr,
                        "lower minItems or widen the item schema",
                    )
                seen.add(canonical(value))
                out.append(value)
        finally:
            self.examples = saved
        return out

    # -- hanging together ------------------------------------------------------------------------

    def distinct_id(self, value: Any, schema: Mapping[str, Any] | bool, ptr: str, name: str) -> Any:
        """``value``, or a fresh one when another id of this value already has it.

        Only a string or integer id is kept apart: a fresh value of another type (an id schema
        whose ``anyOf`` also allows an object, as Microsoft Graph's do) is taken as it is.
        """
        saved = self.examples
        self.examples = "none"  # a documented example id is what the first one took
        try:
            for _ in range(8):
                if not _is_scalar_id(value) or (type(value), value) not in self.ids:
                    break
                value = self.value(schema, ptr, name)
        finally:
            self.examples = saved
        if _is_scalar_id(value):
            self.ids.add((type(value), value))
        return value

    def cohere(self, node: Mapping[str, Any], ptr: str, out: dict[str, Any]) -> None:
        """Make a page consistent and dates ordered in ``out``; undone if it no longer validates."""
        page = coherence.find_page(out)
        before: dict[str, Any] | None = None
        if page is not None:
            before = {**out, **({page.meta: dict(out[page.meta])} if page.meta else {})}
            self.paginate(node, ptr, out, page)
        if coherence.order_dates(out) and before is None:
            before = {}
        if before is None:
            return
        if not self.checks.validator(node, self.direction).is_valid(out):
            if before:
                out.clear()
                out.update(before)
            coherence.order_dates(out)
            if not self.checks.validator(node, self.direction).is_valid(out):
                out.clear()
                out.update(before)

    def paginate(
        self, node: Mapping[str, Any], ptr: str, out: dict[str, Any], page: coherence.PageFields
    ) -> None:
        array = self.schemas.key_schema(node, page.items)
        flat = self.schemas.flatten(array, ptr, self.key)[0] if _refers(array) else array
        bounds: Mapping[str, Any] = flat if isinstance(flat, Mapping) else _EMPTY
        plan = coherence.plan_page(
            page,
            out,
            rng=self.rng,
            query=self.query,
            min_items=bounds.get("minItems", 0),
            max_items=bounds.get("maxItems"),
            limit_schema=self.limit_schema(node, page),
        )
        items = out[page.items]
        if len(items) > plan.count:
            out[page.items] = items[: plan.count]  # a new list: the caller keeps the old one
        elif len(items) < plan.count:
            # The rest of the page: an array of the missing items, appended (the bounds of the
            # whole array are checked with the object).
            self.items_wanted = plan.count - len(items)
            item_ptr = f"{ptr}/properties/{escape(page.items)}"
            more = self.value(array, item_ptr, page.items)
            self.items_wanted = None
            if isinstance(more, list):
                out[page.items] = [*items, *more][: plan.count]
        coherence.apply_page(out, page, plan)

    def limit_schema(
        self, node: Mapping[str, Any], page: coherence.PageFields
    ) -> Mapping[str, Any] | None:
        """The schema of the page's limit field (its default and bounds), if any."""
        if "limit" not in page.roles:
            return None
        holder = node
        if page.meta is not None:
            meta = self.schemas.key_schema(node, page.meta)
            if not isinstance(meta, Mapping):
                return None
            holder = self.schemas.flatten(meta, "", self.key)[0] if _refers(meta) else meta
        limit = self.schemas.key_schema(holder, page.roles["limit"])
        if isinstance(limit, Mapping) and _refers(limit):
            limit = self.schemas.flatten(limit, "", self.key)[0]
        return limit if isinstance(limit, Mapping) else None


def _refers(schema: Any) -> bool:
    return isinstance(schema, Mapping) and ("$ref" in schema or "allOf" in schema)


def _is_scalar_id(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)
