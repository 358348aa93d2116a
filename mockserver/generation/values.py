"""One value for a schema, built node by node: the walk behind each ``generate`` call."""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal

from mockserver.errors import GenerationError
from mockserver.generation import subjects
from mockserver.generation.closest import closest
from mockserver.generation.containers import ContainerBuilder
from mockserver.generation.flatten import DerivedSchemas
from mockserver.generation.messages import (
    E_BRANCHES,
    E_CHECK,
    E_DEPTH,
    E_ENUM,
    E_FALSE,
    E_RECURSIVE,
    E_TYPES,
    FIX_BRANCHES,
    FIX_EXAMPLE,
    FIX_RECURSION,
    generation_error,
)
from mockserver.generation.recursion import RecursionCosts
from mockserver.generation.scalars import ScalarBuilder
from mockserver.generation.schema_view import types_of

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
_NULL_P: Final = 0.1  # chance a nullable value is null
_ALL_TYPES: Final = ("string", "integer", "number", "boolean", "null", "object", "array")
_EMPTY: Final[Mapping[str, Any]] = {}


def _copy(value: Any) -> Any:
    """Copy containers taken from the document, so callers may mutate generated values."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


class ValueBuilder(ContainerBuilder):
    """The state of one ``generate`` call: its random stream, direction and $ref stack.

    The walk and its combinators are here; objects and arrays are built by its base,
    `containers.ContainerBuilder`.
    """

    __slots__ = ("entered", "max_recursion", "notes")  # the rest: `ContainerBuilder`

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
        """Generate from each candidate schema in turn until a value validates against ``node``.

        A ``oneOf``'s value is held to both readings of ``format`` when one exists: valid with
        formats asserted (the mock's reading) and read as annotations (JSON Schema's default),
        so branches told apart only by a format (mist's ``netmask``: ``ipv4`` in one, any
        string in another) get a value no reader takes for both. Else the mock's reading wins.
        """
        check = self.checks.validator(node, self.direction)
        one_of = "oneOf" in node
        last: GenerationError | None = None
        saved, notes = self.examples, self.notes
        nearest: list[Any] = []
        asserted: list[Any] = []  # valid only with formats asserted
        self.notes = None  # a candidate that fails is not a note: the next may succeed
        try:
            for option, option_ptr in tries:
                try:
                    value = self.value(option, option_ptr, name)
                except GenerationError as exc:
                    last = exc
                    continue
                if check.is_valid(value):
                    if not one_of or self.checks.validator(
                        node, self.direction, formats=False
                    ).is_valid(value):
                        return value
                    asserted = asserted or [value]
                else:
                    nearest = nearest or [value]
                self.examples = "none"  # a fixed example that failed would only fail again
        finally:
            self.examples, self.notes = saved, notes
        if asserted:
            return asserted[0]
        if notes is not None:
            notes.append(ptr)  # e.g. overlapping oneOf branches: the first branch's value
            return nearest[0] if nearest else closest(node)
        why = f"; last error: {last}" if last is not None else ""
        raise self.fail(what + why, ptr, fix)
