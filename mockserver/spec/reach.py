"""How much of a document a schema reaches through its ``$ref``s, and caches weighed by it.

A validator compiled by jsonschema-rs holds its own compiled copy of every schema its
``$ref``s reach: on Microsoft Graph's description one that reaches ``microsoft.graph.user``
holds about 9 MB, one of a string enum nothing. Counting validators does not bound their
memory; `Kept` bounds the sum of their `Reach.weight` instead, dropping the oldest first.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

from mockserver.errors import PointerError
from mockserver.spec.pointer import local_ref_targets, resolve

__all__ = ["Kept", "Reach"]

_V = TypeVar("_V")


class Reach:
    """The ``$ref`` targets a node reaches in ``document``, followed through it (memoized).

    ``opaque`` names nodes whose reach cannot be told from their ``$ref``s alone (a schema
    that sets ``$id``, for a validator): reaching one makes the closure unknown (None).
    """

    def __init__(
        self, document: Mapping[str, Any], *, opaque: Callable[[Any], bool] | None = None
    ) -> None:
        self.document = document
        self._opaque = opaque
        self._refs: dict[str, set[str] | None] = {}  # each target's own $ref targets
        self._total: int | None = None

    def closure(self, node: Any) -> set[str] | None:
        """Every pointer ``node``'s ``$ref``s reach; None when one is no local pointer or an
        opaque node is reached."""
        opaque = self._opaque
        start = local_ref_targets(node)
        if start is None or (opaque is not None and opaque(node)):
            return None
        seen: set[str] = set()
        todo = list(start)
        while todo:
            target = todo.pop()
            if target in seen:
                continue
            seen.add(target)
            if target not in self._refs:
                try:
                    found = resolve(self.document, target)
                except PointerError:
                    found = None  # dangling: the validator that uses it reports it
                self._refs[target] = (
                    None if opaque is not None and opaque(found) else local_ref_targets(found)
                )
            refs = self._refs[target]
            if refs is None:
                return None
            todo.extend(refs - seen)
        return seen

    def weight(self, node: Any) -> int:
        """1 plus the targets ``node`` reaches (all the document's when they cannot be told)."""
        closure = self.closure(node)
        if closure is None:
            if self._total is None:
                targets = local_ref_targets(self.document)
                schemas = (self.document.get("components") or {}).get("schemas")
                self._total = (
                    len(targets)
                    if targets is not None
                    else len(schemas)
                    if isinstance(schemas, Mapping)
                    else 0
                )
            return 1 + self._total
        return 1 + len(closure)


class Kept(Generic[_V]):
    """A cache whose entries' weights add up to at most ``budget``; the oldest go first.

    A hit is one dict lookup. An entry heavier than the budget alone is still kept (alone).
    """

    __slots__ = ("_budget", "_data", "_total")

    def __init__(self, budget: int) -> None:
        self._data: dict[Hashable, tuple[_V, int]] = {}
        self._budget = budget
        self._total = 0

    def get(self, key: Hashable) -> _V | None:
        """The value kept for ``key``, or None."""
        hit = self._data.get(key)
        return None if hit is None else hit[0]

    def put(self, key: Hashable, value: _V, weight: int) -> _V:
        """Keep ``value`` under ``key``, dropping the oldest entries past the budget."""
        old = self._data.pop(key, None)
        if old is not None:
            self._total -= old[1]
        while self._data and self._total + weight > self._budget:
            self._total -= self._data.pop(next(iter(self._data)))[1]
        self._data[key] = (value, weight)
        self._total += weight
        return value

    def __len__(self) -> int:
        return len(self._data)

    @property
    def weight(self) -> int:
        """The sum of the weights kept."""
        return self._total
