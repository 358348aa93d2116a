"""One value for a schema, built node by node: the walk behind each ``generate`` call."""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

from mockserver.errors import GenerationError
from mockserver.generation import coherence, realistic, subjects
from mockserver.generation.all_of import canonical
from mockserver.generation.closest import closest
from mockserver.generation.flatten import DerivedSchemas
from mockserver.generation.messages import (
    E_BOUNDS,
    E_BRANCHES,
    E_CHECK,
    E_DEPTH,
    E_ENUM,
    E_FALSE,
    E_RECURSIVE,
    E_REQUIRED_FALSE,
    E_TOO_FEW,
    E_TYPES,
    FIX_BRANCHES,
    FIX_CONTRADICTION,
    FIX_EXAMPLE,
    FIX_RECURSION,
    generation_error,
)
from mockserver.generation.patterns import random_match
from mockserver.generation.recursion import RecursionCosts
from mockserver.generation.scalars import ScalarBuilder
from mockserver.generation.schema_view import types_of
from mockserver.spec.pointer import escape

__all__ = ["ExampleMode", "ValueBuilder"]

ExampleMode = Literal["leaves", "all", "none"]

_INF: Final = math.inf
_SHRINK_DEPTH: Final = 24  # any $ref chain this deep generates minimal values from here on
# $ref expansions in one value past which every further one generates its minimal value: a
# depth bound alone lets a web of mutually recursive types (presalytics' 47 OOXML types, each
# with several optional object properties) grow a tree exponential in that depth.
_EXPANSIONS: Final = 1000
_HARD_DEPTH: Final = 96  # safety net: the cost model should make this unreachable
_ATTEMPTS: Final = 24  # tries for choices checked after the fact (oneOf, not, if)
_OPTIONAL_P: Final = 0.8  # chance an optional property is present
_NULL_P: Final = 0.1  # chance a nullable value is null
_ALL_TYPES: Final = ("string", "integer", "number", "boolean", "null", "object", "array")
_EMPTY: Final[Mapping[str, Any]] = {}


def _copy(value: Any) -> Any:
    """Copy containers taken from the document, so callers may mutate generated values."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


class ValueBuilder:
    """The state of one ``generate`` call: its random stream, direction and $ref stack."""

    __slots__ = (
        "checks",
        "component",
        "costs",
        "direction",
        "entered",
        "examples",
        "ids",
        "index",
        "items_wanted",
        "key",
        "max_recursion",
        "notes",
        "query",
        "rng",
        "scalars",
        "schemas",
        "shrink",
        "stack",
    )

    def __init__(
        self,
        schemas: DerivedSchemas,
        costs: RecursionCosts,
        *,
        rng: random.Random,
        direction: str,
        key: str,
        examples: ExampleMode,
        max_recursion: int,
        now: datetime,
        notes: list[str] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> None:
        self.schemas = schemas
        self.checks = schemas.checks
        self.index = schemas.index
        self.costs = costs
        self.rng = rng
        self.direction = direction
        self.key = key
        self.max_recursion = max_recursion
        self.scalars = ScalarBuilder(schemas.checks, rng, direction, key, now)
        self.stack: list[str] = []
        self.shrink = False  # past the recursion limit: make only the cheapest choices
        self.entered = 0  # $ref expansions so far (`_EXPANSIONS`)
        self.examples: ExampleMode = examples
        # Best effort: where no valid value exists, the closest one is used and its schema
        # pointer noted here instead of raising (None: raise `GenerationError`).
        self.notes = notes
        # Hanging together (`coherence`): the request's query (page, limit), the ids handed
        # out so far in this value, the component a $ref just entered (an object's resource)
        # and the length the next array must have (a page's items).
        self.query: Mapping[str, str] = query or _EMPTY
        self.ids: set[tuple[type, Any]] = set()
        self.component: str | None = None
        self.items_wanted: int | None = None
        self.scalars.resource = subjects.resource_of_key(key)

    def fail(self, what: str, ptr: str, fix: str) -> GenerationError:
        return generation_error(what, ptr, fix, self.key)

    def value(self, node: Mapping[str, Any] | bool, ptr: str, name: str) -> Any:
        """A value for any schema node; ``name`` is the property it is for (realistic hints)."""
        if node is True:
            return self.scalars.string(_EMPTY, ptr, name)
        if node is False:
            raise self.fail(E_FALSE, ptr, "remove the `false` schema or make it optional")
        if "$ref" in node or "allOf" in node:
            flat, absorbed = self.schemas.flatten(node, ptr, self.key)
            if absorbed:
                return self.enter(flat, absorbed, ptr, name)
            node = flat
        if self.notes is None:
            return self.typed(node, ptr, name)
        try:
            return self.typed(node, ptr, name)
        except GenerationError:
            self.notes.append(ptr)
            return closest(node)

    def enter(self, node: Mapping[str, Any], absorbed: tuple[str, ...], ptr: str, name: str) -> Any:
        """Generate a node reached through $refs, tracking recursion on the stack."""
        costs = self.costs.ref_costs(self.direction)
        stack, saved = self.stack, self.shrink
        self.entered += 1
        if self.entered > _EXPANSIONS:
            self.shrink = True
        for target in absorbed:
            if costs.get(target, 0.0) == _INF:
                raise self.fail(
                    E_RECURSIVE.format(target=f"#{target}"), f"#{target}", FIX_RECURSION
                )
            if stack.count(target) >= self.max_recursion or len(stack) >= _SHRINK_DEPTH:
                self.shrink = True
        if len(stack) + len(absorbed) > _HARD_DEPTH:
            raise self.fail(E_DEPTH.format(depth=_HARD_DEPTH), f"#{absorbed[-1]}", FIX_RECURSION)
        stack.extend(absorbed)
        component = self.component
        self.component = subjects.component_name(absorbed[-1]) or component
        try:
            if "discriminator" in node and "oneOf" not in node and "anyOf" not in node:
                chain = (ptr[1:], *absorbed) if ptr.startswith("#") else absorbed
                node = self.schemas.tagged(node, chain)
            return self.value(node, f"#{absorbed[-1]}", name)
        finally:
            del stack[len(stack) - len(absorbed) :]
            self.shrink = saved
            self.component = component

    def typed(self, node: Mapping[str, Any], ptr: str, name: str) -> Any:
        """A value for a node without $ref/allOf: examples, enum, combinators, then by type."""
        checks, rng = self.checks, self.rng
        if self.examples != "none" and ("examples" in node or "example" in node):
            every, leaves = checks.valid_examples(node, self.direction)
            pool = every if self.examples == "all" else leaves
            if pool:
                return _copy(rng.choice(pool))
        if "const" in node or "enum" in node:
            members = checks.valid_members(node, self.direction)
            if not members:
                shown = [node["const"]] if "const" in node else node["enum"]
                fix = "add a member that fits type/format/bounds, or relax them"
                raise self.fail(E_ENUM.format(members=shown), ptr, fix)
            return _copy(rng.choice(members))
        if "oneOf" in node or "anyOf" in node:
            return self.branches(node, ptr, name)
        if "if" in node:
            return self.conditional(node, ptr, name)
        if "not" in node:
            return self.negated(node, ptr, name)
        kind = self.choose_type(node, ptr)
        if kind == "string":
            return self.scalars.string(node, ptr, name)
        if kind == "object":
            return self.object(node, ptr, name)
        if kind == "array":
            return self.array(node, ptr, name)
        if kind == "integer":
            return self.scalars.integer(node, ptr, name)
        if kind == "number":
            return self.scalars.number(node, ptr, name)
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "null":
            return None
        raise self.fail(E_TYPES.format(types=kind), ptr, f"use one of {', '.join(_ALL_TYPES)}")

    def choose_type(self, node: Mapping[str, Any], ptr: str) -> str:
        types = types_of(node)
        if len(types) == 1:
            return types[0]
        if not types:
            raise self.fail(E_TYPES.format(types=[]), ptr, "list at least one type")
        if self.shrink:
            table = self.costs.ref_costs(self.direction)
            return min(types, key=lambda t: self.costs.type_cost(node, t, table, self.direction))
        others = [t for t in types if t != "null"]
        if len(others) < len(types) and (not others or self.rng.random() < _NULL_P):
            return "null"
        return self.rng.choice(others)

    # -- combinators ---------------------------------------------------------------------------

    def branches(self, node: Mapping[str, Any], ptr: str, name: str) -> Any:
        """``oneOf``/``anyOf``: try branches until a value validates against the whole node."""
        schemas, kind = self.schemas, "oneOf" if "oneOf" in node else "anyOf"
        tries: list[tuple[Any, str]] = []
        for tier in schemas.branch_options(node, kind):
            order = list(tier)
            if self.shrink:
                order.sort(key=lambda o: self.costs.cost(node[kind][o[0]], self.direction))
            else:
                self.rng.shuffle(order)
            options = [
                (schemas.branch(node, kind, i, tag), f"{ptr}/{kind}/{i}") for i, tag in order
            ]
            # The first tier (tagged by the discriminator, if any) is cycled: a branch whose
            # values sometimes also match another (oneOf overlap) deserves several tries.
            rounds = -(-_ATTEMPTS // len(options)) if options and not tries else 1
            tries += options * rounds
        return self.checked(node, ptr, tries, name, E_BRANCHES.format(kind=kind), FIX_BRANCHES)

    def conditional(self, node: Mapping[str, Any], ptr: str, name: str) -> Any:
        """``if``/``then``/``else``: try the then-path (with ``if`` enforced), the else-path."""
        schemas = self.schemas
        base = schemas.without(node, ("if", "then", "else"))
        paths = [
            schemas.derive(
                node, "then", lambda: {"allOf": [base, node["if"], node.get("then", True)]}
            ),
            schemas.derive(node, "else", lambda: {"allOf": [base, node.get("else", True)]}),
        ]
        if not self.shrink:
            self.rng.shuffle(paths)
        tries = [(path, ptr) for path in [*paths, base]] * (_ATTEMPTS // 3)
        what = E_CHECK.format(keyword="if/then/else")
        return self.checked(node, ptr, tries, name, what, FIX_EXAMPLE)

    def negated(self, node: Mapping[str, Any], ptr: str, name: str) -> Any:
        """``not``: generate without it, check, retry; ``not: {type: X}`` just removes X."""

        def build() -> Mapping[str, Any]:
            base = {k: v for k, v in node.items() if k != "not"}
            banned = node["not"]
            if isinstance(banned, Mapping) and set(banned) == {"type"}:
                excluded = set(types_of(banned))
                if "number" in excluded:
                    excluded.add("integer")  # every integer is a number
                allowed = [t for t in types_of(base) if t not in excluded]
                base["type"] = allowed or [t for t in _ALL_TYPES if t not in excluded]
            return base

        tries = [(self.schemas.derive(node, "not", build), ptr)] * _ATTEMPTS
        what = E_CHECK.format(keyword="not")
        return self.checked(node, ptr, tries, name, what, FIX_EXAMPLE)

    def checked(
        self,
        node: Mapping[str, Any],
        ptr: str,
        tries: list[tuple[Any, str]],
        name: str,
        what: str,
        fix: str,
    ) -> Any:
        """Generate from each candidate schema in turn until a value validates against ``node``."""
        check = self.checks.validator(node, self.direction)
        last: GenerationError | None = None
        saved, notes = self.examples, self.notes
        nearest: list[Any] = []
        self.notes = None  # a candidate that fails is not a note: the next may succeed
        try:
            for option, option_ptr in tries:
                try:
                    value = self.value(option, option_ptr, name)
                except GenerationError as exc:
                    last = exc
                    continue
                if check.is_valid(value):
                    return value
                nearest = nearest or [value]
                self.examples = "none"  # a fixed example that failed would only fail again
        finally:
            self.examples, self.notes = saved, notes
        if notes is not None:
            notes.append(ptr)  # e.g. overlapping oneOf branches: the first branch's value
            return nearest[0] if nearest else closest(node)
        why = f"; last error: {last}" if last is not None else ""
        raise self.fail(what + why, ptr, fix)

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
        """``value``, or a fresh one when another id of this value already has it."""
        if not isinstance(value, int | str) or isinstance(value, bool):
            return value
        saved = self.examples
        self.examples = "none"  # a documented example id is what the first one took
        try:
            for _ in range(8):
                if (type(value), value) not in self.ids:
                    break
                value = self.value(schema, ptr, name)
        finally:
            self.examples = saved
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
