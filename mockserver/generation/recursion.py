"""The recursion cost model: how many nested $ref expansions the smallest value needs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from mockserver.errors import SpecReferenceError
from mockserver.generation.schema_view import Memo, SchemaIndex, ref_pointer, types_of
from mockserver.spec.pointer import local_ref_targets

__all__ = ["RecursionCosts"]

_INF: Final = math.inf


def _listed(node: Mapping[str, Any], key: str) -> list[Any]:
    """``node[key]`` if it is a list (as in a schema), else nothing."""
    value = node.get(key)
    return value if isinstance(value, list) else []


class RecursionCosts:
    """The cost of each ``$ref`` target of one document, per direction, as a fixpoint.

    A target's cost is how many nested ``$ref`` expansions its smallest value needs; ``inf``
    means it has no finite value at all. Past a recursion depth generation only makes the
    cheapest choices, so the remaining depth strictly decreases and generation terminates.
    """

    def __init__(self, index: SchemaIndex) -> None:
        self.index = index
        self._costs: Memo[float] = Memo()
        self._seen_roots: Memo[bool] = Memo()
        self._ref_tables: dict[str, dict[str, float]] = {}
        self._targets: dict[str, None] | None = None
        # Targets whose every reachable $ref was resolved by an earlier walk: a later walk
        # stops at them. Without it each schema walked again all it reaches, and on a
        # document whose types all reach each other (Stripe's) every field a record lacked
        # cost a walk of the whole document.
        self._walked: set[str] = set()

    def include_refs(self, schema: Mapping[str, Any]) -> None:
        """Resolve every $ref reachable from ``schema`` (a missing one is a SpecReferenceError)
        and make sure the cost model covers them, also for schemas from outside the document."""
        if self._seen_roots.get(schema) is not None:
            return
        targets = self._ref_targets()
        visited: set[str] = set()
        todo: list[Any] = [schema]
        while todo:
            node = todo.pop()
            if isinstance(node, Mapping):
                ref = node.get("$ref")
                if (
                    isinstance(ref, str)
                    and (target := ref_pointer(ref)) not in visited
                    and target not in self._walked
                ):
                    visited.add(target)
                    todo.append(self.index.resolve(target))
                    if target not in targets:
                        targets[target] = None
                        self._ref_tables.clear()
                        self._costs = Memo()
                todo.extend(v for k, v in node.items() if k not in ("example", "examples"))
            elif isinstance(node, list):
                todo.extend(node)
        self._walked |= visited  # only now: a walk that raised resolved not all of them
        self._seen_roots.put(schema, True)

    def _ref_targets(self) -> dict[str, None]:
        """Every local ``$ref`` target of the document, and those `include_refs` added."""
        if self._targets is None:
            found = local_ref_targets(self.index.document)
            if found is None:  # a $ref that is no local pointer: find them the slow way
                found = {
                    ref_pointer(node["$ref"])
                    for _, node in self.index.walk()
                    if isinstance(node, Mapping)
                    and isinstance(node.get("$ref"), str)
                    and node["$ref"].startswith("#")
                }
            self._targets = dict.fromkeys(sorted(found))
        return self._targets

    def ref_costs(self, direction: str) -> dict[str, float]:
        """Nested $ref expansions the smallest value of each $ref target needs (inf: none)."""
        table = self._ref_tables.get(direction)
        if table is not None:
            return table
        table = dict.fromkeys(self._ref_targets(), _INF)
        nodes: dict[str, Any] = {}
        for target in table:
            try:
                nodes[target] = self.index.resolve(target)
            except SpecReferenceError:
                continue  # reported when generation actually reaches it
        for _ in range(len(nodes) + 1):  # Bellman-Ford style: costs only ever decrease
            changed = False
            for target, node in nodes.items():
                cost = self._raw_cost(node, table, direction)
                if cost < table[target]:
                    table[target], changed = cost, True
            if not changed:
                break
        self._ref_tables[direction] = table
        return table

    def cost(self, node: Any, direction: str) -> float:
        """The cost of the smallest value of any node (inf: it has none)."""
        hit = self._costs.get(node, direction)
        if hit is not None:
            return hit
        cost = self._raw_cost(node, self.ref_costs(direction), direction)
        return cost if not isinstance(node, Mapping) else self._costs.put(node, cost, direction)

    def _raw_cost(self, node: Any, table: Mapping[str, float], direction: str) -> float:
        if not isinstance(node, Mapping):
            return _INF if node is False else 0.0
        if "const" in node or "enum" in node:
            return 0.0
        cost = 0.0
        ref = node.get("$ref")
        if isinstance(ref, str):
            cost = 1 + table.get(ref_pointer(ref), _INF)
        # $ref targets include non-schemas (parameters, responses): check shapes, not trust them.
        for sub in _listed(node, "allOf"):
            cost = max(cost, self._raw_cost(sub, table, direction))
        for kind in ("oneOf", "anyOf"):
            if kind in node:
                branches = (self._raw_cost(s, table, direction) for s in _listed(node, kind))
                cost = max(cost, min(branches, default=_INF))
        if cost == _INF:
            return cost
        types = types_of(node)
        typed = min((self.type_cost(node, t, table, direction) for t in types), default=_INF)
        return max(cost, typed)

    def type_cost(
        self, node: Mapping[str, Any], kind: str, table: Mapping[str, float], direction: str
    ) -> float:
        """The cost of the smallest value of one JSON type: required properties, minItems."""
        if kind == "object":
            props = node.get("properties")
            if not isinstance(props, Mapping):
                return 0.0
            hidden = self.index.hidden_names(node, direction)
            required = _listed(node, "required")
            needed = [props[r] for r in required if r in props and r not in hidden]
            return max((self._raw_cost(s, table, direction) for s in needed), default=0.0)
        if kind == "array":
            count = node.get("minItems", 0)
            count = count if isinstance(count, int) else 0
            prefix = _listed(node, "prefixItems")
            needed = list(prefix[:count])
            if count > len(prefix):
                needed.append(node.get("items", True))
            if "contains" in node and node.get("minContains", 1) > 0:
                needed.append(node["contains"])
            return max((self._raw_cost(s, table, direction) for s in needed), default=0.0)
        return 0.0
