"""One document as generation reads it: nodes by pointer, JSON types, hidden properties, caches."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from functools import lru_cache
from typing import Any, Final, Generic, TypeVar

from mockserver.errors import PointerError, SpecReferenceError
from mockserver.spec.pointer import escape, pointer_from_ref, resolve

__all__ = ["INT_FORMATS", "Memo", "SchemaIndex", "ref_pointer", "types_of"]

_V = TypeVar("_V")

_OBJECT_KW: Final = frozenset({
    "properties", "required", "additionalProperties", "patternProperties", "minProperties",
    "maxProperties", "propertyNames", "dependentRequired", "unevaluatedProperties"
})  # fmt: skip
_ARRAY_KW: Final = frozenset({
    "items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains",
    "maxContains", "unevaluatedItems"
})  # fmt: skip
_STRING_KW: Final = frozenset({"minLength", "maxLength", "pattern", "contentEncoding"})
_NUMBER_KW: Final = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)
INT_FORMATS: Final = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_NUMBER_FORMATS: Final = frozenset({"float", "double"})


class Memo(Generic[_V]):
    """A cache keyed by object identity that keeps the object alive so its id is never reused."""

    __slots__ = ("_data", "_limit")

    def __init__(self, limit: int = 50_000) -> None:
        self._data: dict[tuple[int, Hashable], tuple[object, _V]] = {}
        self._limit = limit

    def get(self, obj: object, extra: Hashable = None) -> _V | None:
        hit = self._data.get((id(obj), extra))
        return hit[1] if hit is not None and hit[0] is obj else None

    def put(self, obj: object, value: _V, extra: Hashable = None) -> _V:
        # Past the limit, the oldest entry goes: callers passing fresh schemas on every
        # request, or a document so big that keeping every compiled validator would hold
        # gigabytes. (Dropping all at once made every hot entry a miss at the same time.)
        if len(self._data) >= self._limit:
            del self._data[next(iter(self._data))]
        self._data[(id(obj), extra)] = (obj, value)
        return value


def types_of(node: Mapping[str, Any]) -> tuple[str, ...]:
    """The JSON types a node may take: its ``type`` keyword, else inferred from its keywords."""
    declared = node.get("type")
    if isinstance(declared, str):
        return (declared,)
    if isinstance(declared, list):
        return tuple(declared)
    keys = node.keys()
    fmt = node.get("format")
    inferred: list[str] = []
    if not keys.isdisjoint(_OBJECT_KW):
        inferred.append("object")
    if not keys.isdisjoint(_ARRAY_KW):
        inferred.append("array")
    if not keys.isdisjoint(_STRING_KW) or (
        fmt is not None and fmt not in _NUMBER_FORMATS and fmt not in INT_FORMATS
    ):
        inferred.append("string")
    if fmt in INT_FORMATS:
        inferred.append("integer")
    elif not keys.isdisjoint(_NUMBER_KW) or fmt in _NUMBER_FORMATS:
        inferred.append("number")
    # An unconstrained node is most useful as a string: it reads well in a mock response.
    return tuple(inferred) or ("string",)


@lru_cache(maxsize=4096)
def ref_pointer(ref: str) -> str:
    """The JSON pointer of a local ``$ref`` such as ``#/components/schemas/A~1B``."""
    if not ref.startswith("#"):
        raise SpecReferenceError(
            f"$ref {ref!r} is not local to the document",
            hint="bundle the document so every $ref starts with '#'",
        )
    return pointer_from_ref(ref)


class SchemaIndex:
    """The nodes of one document by pointer, and which properties a direction hides.

    ``document`` must not change once indexed: lookups are cached per pointer and per node.
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._nodes: dict[str, Any] = {}
        self._hidden: Memo[frozenset[str]] = Memo()
        self._pointers: dict[int, str] | None = None

    def resolve(self, pointer: str) -> Any:
        """The document node at a JSON pointer (already percent-decoded)."""
        if pointer in self._nodes:
            return self._nodes[pointer]
        try:
            node = resolve(self.document, pointer)
        except PointerError as exc:
            raise SpecReferenceError(
                f"$ref '#{pointer}' points at nothing: {exc}",
                pointer=pointer,
                hint="check the name; inside a $ref escape '/' as '~1' and '~' as '~0'",
            ) from exc
        self._nodes[pointer] = node
        return node

    def node_at(self, pointer: str) -> Any:
        """The node at a pointer, or ``None`` for pointers that only describe a position."""
        try:
            return self.resolve(pointer)
        except SpecReferenceError:
            return None

    def walk(self) -> Iterator[tuple[str, Any]]:
        """Every (pointer, node) of the document, depth first."""
        todo: list[tuple[str, Any]] = [("", self.document)]
        while todo:
            pointer, node = todo.pop()
            yield pointer, node
            if isinstance(node, Mapping):
                todo.extend((f"{pointer}/{escape(str(k))}", v) for k, v in node.items())
            elif isinstance(node, list):
                todo.extend((f"{pointer}/{i}", v) for i, v in enumerate(node))

    def pointer_of(self, schema: object) -> str:
        """Where ``schema`` sits in the document (``#/...``), for messages; else ``<schema>``."""
        if self._pointers is None:
            self._pointers = {id(n): p for p, n in self.walk() if isinstance(n, Mapping)}
        pointer = self._pointers.get(id(schema))
        return "<schema>" if pointer is None else f"#{pointer}"

    def hidden_names(self, node: Mapping[str, Any], direction: str) -> frozenset[str]:
        """Properties that must not appear: writeOnly in responses, readOnly in requests."""
        hit = self._hidden.get(node, direction)
        if hit is not None:
            return hit
        props = node.get("properties")
        names: frozenset[str] = frozenset()
        if isinstance(props, Mapping):
            flag = "writeOnly" if direction == "response" else "readOnly"
            names = frozenset(k for k, s in props.items() if self._flagged(s, flag, 0))
        return self._hidden.put(node, names, direction)

    def _flagged(self, schema: Any, flag: str, depth: int) -> bool:
        if not isinstance(schema, Mapping) or depth > 16:
            return False
        if schema.get(flag) is True:
            return True
        ref = schema.get("$ref")
        if isinstance(ref, str) and self._flagged(self.resolve(ref_pointer(ref)), flag, depth + 1):
            return True
        return any(self._flagged(s, flag, depth + 1) for s in schema.get("allOf", ()))
