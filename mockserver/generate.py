"""Generate JSON values that validate against OpenAPI 3.1 (JSON Schema 2020-12) schemas.

Generation walks the schema and builds a value that satisfies it by construction; wherever a
choice can go wrong (``oneOf`` overlap, ``not``, ``if``, examples, enum members, realistic
suggestions) the candidate is checked with a compiled ``jsonschema_rs`` validator, and the
finished value is checked once more against the whole schema before it is returned.

Recursion through ``$ref`` terminates because of a small cost model: for every ``$ref`` target
we compute how many nested ``$ref`` expansions its *smallest* value needs (a fixpoint over the
document). Past a recursion depth the generator only makes the cheapest choices, so the
remaining depth strictly decreases; a target whose cost is infinite has no finite value at all
and is reported as a ``GenerationError`` naming its pointer.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import math
import random
import re
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any, Final, Generic, Literal, TypeVar

import jsonschema_rs

from mockserver import realistic
from mockserver.errors import GenerationError, SpecReferenceError
from mockserver.pointer import PointerError, escape, pointer_from_ref, resolve, unescape

__all__ = ["DataGenerator"]

Direction = Literal["response", "request"]
ExampleMode = Literal["leaves", "all", "none"]
_V = TypeVar("_V")

_INF: Final = math.inf
_SHRINK_DEPTH: Final = 24  # any $ref chain this deep generates minimal values from here on
_HARD_DEPTH: Final = 96  # safety net: the cost model should make this unreachable
_ATTEMPTS: Final = 24  # tries for choices checked after the fact (oneOf, not, if)
_TOP_ATTEMPTS: Final = 4  # whole-value retries when the final validation fails
_OPTIONAL_P: Final = 0.8  # chance an optional property is present
_NULL_P: Final = 0.1  # chance a nullable value is null
_WINDOW: Final = 1000  # width of the range used for unbounded numbers

_SUB_ONE: Final = frozenset({
    "items", "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema"
})  # fmt: skip
_SUB_LIST: Final = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUB_MAP: Final = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
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
_INT_FORMATS: Final = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_NUMBER_FORMATS: Final = frozenset({"float", "double"})
_ASSERTED_FORMATS: Final = frozenset({
    "date", "date-time", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
    "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uri-template", "uuid",
    "json-pointer", "relative-json-pointer", "regex"
})  # fmt: skip
_ALL_TYPES: Final = ("string", "integer", "number", "boolean", "null", "object", "array")
_MIN_KEYS: Final = frozenset({"minimum", "minLength", "minItems", "minProperties", "minContains"})
_MAX_KEYS: Final = frozenset({"maximum", "maxLength", "maxItems", "maxProperties", "maxContains"})
_RESIDUAL: Final = "x-mockserver-residual"

# Messages: what failed; the pointer and key are appended by _Run.fail, then how to fix it.
E_FALSE: Final = "schema is `false`, so no value is allowed"
E_BOUNDS: Final = "{what} {low} is above {high_name} {high}"
E_RANGE: Final = "no {kind} lies between {low_name} {low} and {high_name} {high}"
E_MULTIPLE: Final = "no {kind} multiple of {step} lies between {low} and {high}"
E_ENUM: Final = "no member of enum/const {members} satisfies the rest of the schema"
E_RECURSIVE: Final = (
    "schema {target} has no finite value: it requires itself (through required properties,"
    " minItems or oneOf/anyOf branches that all recurse) or a `false` schema"
)
E_DEPTH: Final = "$ref nesting deeper than {depth} levels"
E_CYCLE: Final = "$ref/allOf cycle through {target} never reaches a schema"
E_STRING: Final = "could not generate a string for format={fmt!r} pattern={pattern!r}"
E_REQUIRED_FALSE: Final = "required property {name!r} is not allowed by the schema"
E_TOO_FEW: Final = "needs {count} {unit} but only {available} can be produced"
E_BRANCHES: Final = "no {kind} branch produced a valid value"
E_CHECK: Final = "generated value does not satisfy {keyword}"
E_INVALID: Final = "generated value fails validation: {error}"
E_TYPES: Final = "`type` allows no type: {types!r}"
FIX_CONTRADICTION: Final = "relax one of the conflicting constraints"
FIX_RECURSION: Final = "make the self-reference optional, nullable, or allow an empty array"
FIX_BRANCHES: Final = (
    "make the branches mutually exclusive (distinct const/enum values, required properties"
    " or additionalProperties: false) or add a valid example"
)
FIX_EXAMPLE: Final = "simplify the schema or add a valid `example`"

# re._parser is private, but the public alias sre_parse warns on import since Python 3.11
# (warnings are errors here); the parse tree is the same in 3.11-3.13.
_sre: Any = importlib.import_module("re._parser")
_PRINTABLE: Final = tuple(chr(c) for c in range(33, 127))
_CATEGORIES: Final = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_NOT_DIGIT": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_",
    "CATEGORY_WORD": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    "CATEGORY_NOT_WORD": "-.,:;!@# ",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "abcdefghijklmnopqrstuvwxyz0123456789",
}


class _Memo(Generic[_V]):
    """A cache keyed by object identity that keeps the object alive so its id is never reused."""

    __slots__ = ("_data",)

    def __init__(self) -> None:
        self._data: dict[tuple[int, Hashable], tuple[object, _V]] = {}

    def get(self, obj: object, extra: Hashable = None) -> _V | None:
        hit = self._data.get((id(obj), extra))
        return hit[1] if hit is not None and hit[0] is obj else None

    def put(self, obj: object, value: _V, extra: Hashable = None) -> _V:
        if len(self._data) > 50_000:  # callers passing fresh schemas on every request
            self._data.clear()
        self._data[(id(obj), extra)] = (obj, value)
        return value


def _copy(value: Any) -> Any:
    """Copy containers taken from the document, so callers may mutate generated values."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def _canonical(value: Any) -> Hashable:
    """A hashable key under which JSON-equal values (1 and 1.0, but not 1 and true) collide."""
    if isinstance(value, dict):
        return ("o", tuple(sorted((k, _canonical(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("a", tuple(_canonical(v) for v in value))
    if isinstance(value, bool) or value is None:
        return ("b", value)
    return ("v", value)


def _types_of(node: Mapping[str, Any]) -> tuple[str, ...]:
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
        fmt is not None and fmt not in _NUMBER_FORMATS and fmt not in _INT_FORMATS
    ):
        inferred.append("string")
    if fmt in _INT_FORMATS:
        inferred.append("integer")
    elif not keys.isdisjoint(_NUMBER_KW) or fmt in _NUMBER_FORMATS:
        inferred.append("number")
    # An unconstrained node is most useful as a string: it reads well in a mock response.
    return tuple(inferred) or ("string",)


# --- merging (allOf) ------------------------------------------------------------------------


def _merge_into(acc: dict[str, Any], part: Mapping[str, Any]) -> None:
    """Merge one ``allOf`` member into ``acc``; constraints that cannot merge go to a residual."""
    for key, value in part.items():
        if key not in acc:
            acc[key] = value
            continue
        old = acc[key]
        if key == "type":
            olds = [old] if isinstance(old, str) else list(old)
            news = [value] if isinstance(value, str) else list(value)
            both = [t for t in olds if t in news or (t == "integer" and "number" in news)]
            both += [t for t in news if t == "integer" and "number" in olds and t not in both]
            acc[key] = both
        elif key == "required":
            acc[key] = list(dict.fromkeys([*old, *value]))
        elif key in ("properties", "patternProperties"):
            merged = dict(old)
            for name, sub in value.items():
                merged[name] = {"allOf": [merged[name], sub]} if name in merged else sub
            acc[key] = merged
        elif key in _MIN_KEYS:
            acc[key] = max(old, value)
        elif key in _MAX_KEYS:
            acc[key] = min(old, value)
        elif key == "exclusiveMinimum":
            acc[key] = max(old, value)
        elif key == "exclusiveMaximum":
            acc[key] = min(old, value)
        elif key == "enum":
            acc[key] = [v for v in old if any(_canonical(v) == _canonical(w) for w in value)]
        elif key in ("readOnly", "writeOnly", "uniqueItems"):
            acc[key] = old or value
        elif key in ("items", "contains", "propertyNames", "additionalProperties"):
            acc[key] = False if old is False or value is False else {"allOf": [old, value]}
        elif key == "not":
            acc[key] = {"anyOf": [old, value]}
        elif key in ("title", "description", "example", "examples", "default", "discriminator"):
            continue  # annotations: the first (outermost) one wins
        elif _canonical(old) != _canonical(value):
            # Two patterns, two formats, two oneOfs...: generate from the first and let the
            # final validation (against the unmerged schema) catch what the first misses.
            acc.setdefault(_RESIDUAL, []).append({key: value})


# --- regular expressions --------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _parse_regex(pattern: str) -> tuple[str, Any] | None:
    """Parse a pattern (ECMA named groups rewritten to Python's), or ``None`` if unsupported."""
    python = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern)
    try:
        re.compile(python)
        return python, _sre.parse(python)
    except (re.error, RecursionError, OverflowError):
        return None


def _pick_in(items: Sequence[tuple[Any, Any]], rng: random.Random) -> str:
    """One character from a character class such as ``[^a-z\\d]``."""
    if items and str(items[0][0]) == "NEGATE":
        pool = [c for c in _PRINTABLE if not any(_in_item(c, op, arg) for op, arg in items[1:])]
        return rng.choice(pool) if pool else "~"
    op, arg = rng.choice(items)
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "RANGE":
        return chr(rng.randint(arg[0], arg[1]))
    return rng.choice(_CATEGORIES.get(str(arg), "a"))


def _in_item(char: str, op: Any, arg: Any) -> bool:
    name = str(op)
    if name == "LITERAL":
        return bool(ord(char) == arg)
    if name == "RANGE":
        return bool(arg[0] <= ord(char) <= arg[1])
    return char in _CATEGORIES.get(str(arg), "")


def _emit(tree: Any, rng: random.Random, cap: int, groups: dict[int, str], out: list[str]) -> None:
    """Append a random string matching the parsed regex ``tree`` to ``out``."""
    for op, arg in tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif name == "ANY":
            out.append(rng.choice(_CATEGORIES["CATEGORY_WORD"]))
        elif name == "IN":
            out.append(_pick_in(arg, rng))
        elif name == "BRANCH":
            _emit(rng.choice(arg[1]), rng, cap, groups, out)
        elif name == "SUBPATTERN":
            start = len(out)
            _emit(arg[3], rng, cap, groups, out)
            if arg[0] is not None:
                groups[arg[0]] = "".join(out[start:])
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            for _ in range(rng.randint(low, max(low, min(high, low + cap)))):
                _emit(sub, rng, cap, groups, out)
        elif name == "GROUPREF":
            out.append(groups.get(arg, ""))
        elif name == "ATOMIC_GROUP":
            _emit(arg, rng, cap, groups, out)
        elif name == "GROUPREF_EXISTS":
            branch = arg[1] if arg[0] in groups else arg[2]
            if branch is not None:
                _emit(branch, rng, cap, groups, out)
        # AT (anchors), ASSERT and ASSERT_NOT (lookaround) emit nothing; re.search checks them.


def _regex_string(
    pattern: str, rng: random.Random, min_length: int, max_length: int | None
) -> str | None:
    """A string matching ``pattern`` (as ``re.search`` does) within the length bounds."""
    parsed = _parse_regex(pattern)
    if parsed is None:
        return None
    python, tree = parsed
    cap = rng.randint(1, 6)
    for _ in range(24):
        out: list[str] = []
        try:
            _emit(tree, rng, cap, {}, out)
        except (IndexError, ValueError):  # an empty negated class or branch
            return None
        text = "".join(out)
        if len(text) < min_length:
            # Unanchored patterns stay matched when padded; anchored ones need more repeats.
            padded = text + "a" * (min_length - len(text))
            if (max_length is None or len(padded) <= max_length) and re.search(python, padded):
                return padded
            cap = cap * 2 + min_length
            continue
        if max_length is not None and len(text) > max_length:
            cap = max(0, cap // 2 - 1)
            continue
        if re.search(python, text):
            return text
    return None


# --- numbers --------------------------------------------------------------------------------


def _multiple_ok(value: float, step: float) -> bool:
    """Whether ``value`` is a multiple of ``step`` under float division, as validators check."""
    if isinstance(step, float) or isinstance(value, float):
        try:
            quotient = value / step
            return math.isfinite(quotient) and quotient == int(quotient)
        except (OverflowError, ZeroDivisionError):
            return False
    return value % step == 0


def _exact_multiple(value: float, step: float) -> bool:
    """Whether ``value`` is a multiple of ``step`` read as decimals (as JSON numbers are)."""
    return (Fraction(repr(value)) / Fraction(repr(step))).denominator == 1


def _lower_bound(node: Mapping[str, Any]) -> tuple[float | None, bool]:
    """The effective lower bound and whether it is exclusive (numbers, as in OpenAPI 3.1)."""
    low, ex_min = node.get("minimum"), node.get("exclusiveMinimum")
    if ex_min is not None and (low is None or ex_min >= low):
        return ex_min, True
    return low, False


def _upper_bound(node: Mapping[str, Any]) -> tuple[float | None, bool]:
    high, ex_max = node.get("maximum"), node.get("exclusiveMaximum")
    if ex_max is not None and (high is None or ex_max <= high):
        return ex_max, True
    return high, False


def _bound_names(low_open: bool, high_open: bool) -> dict[str, str]:
    return {
        "low_name": "exclusiveMinimum" if low_open else "minimum",
        "high_name": "exclusiveMaximum" if high_open else "maximum",
    }


def _window(low: float | None, high: float | None) -> tuple[float, float]:
    """A finite range to draw from when the schema leaves one or both ends open."""
    if low is None and high is None:
        return 0, _WINDOW
    if low is None:
        assert high is not None
        return high - _WINDOW, high
    if high is None:
        return low, low + _WINDOW
    return low, high


# --- the generator --------------------------------------------------------------------------

_ANNOTATIONS: Final = frozenset({"title", "description", "$comment", "deprecated", "summary"})
_EMPTY: Final[Mapping[str, Any]] = {}


def _error(what: str, ptr: str, fix: str, key: str = "") -> GenerationError:
    where = f"{ptr} (key {key!r})" if key else ptr
    return GenerationError(f"{where}: {what}\n  fix: {fix}")


@lru_cache(maxsize=4096)
def _ref_pointer(ref: str) -> str:
    """The JSON pointer of a local ``$ref`` such as ``#/components/schemas/A~1B``."""
    if not ref.startswith("#"):
        raise SpecReferenceError(
            f"$ref {ref!r} is not local to the document",
            hint="bundle the document so every $ref starts with '#'",
        )
    return pointer_from_ref(ref)


def _tag_pointer(target: str) -> str | None:
    """The pointer a discriminator ``mapping`` value names (a ``$ref`` or a component name)."""
    if target.startswith("#"):
        return pointer_from_ref(target)
    if "/" in target or ":" in target:
        return None
    return f"/components/schemas/{escape(target)}"


def _tags_for(disc: Mapping[str, Any], pointer: str) -> list[str]:
    """Discriminator values that name the schema at ``pointer``: mapping keys, else its name."""
    mapping = disc.get("mapping") or _EMPTY
    tags = [tag for tag, dest in mapping.items() if _tag_pointer(dest) == pointer]
    if not tags and pointer.startswith("/components/schemas/") and pointer.count("/") == 3:
        tags = [unescape(pointer.rsplit("/", 1)[1])]
    return tags


def _extends(node: Any, base: str) -> bool:
    """Whether ``node`` lists ``{"$ref": <base>}`` among its ``allOf`` members."""
    members = node.get("allOf", ()) if isinstance(node, Mapping) else ()
    return any(
        isinstance(m, Mapping)
        and isinstance(m.get("$ref"), str)
        and _ref_pointer(m["$ref"]) == base
        for m in members
    )


def _close(merged: dict[str, Any], parts: Sequence[Mapping[str, Any]]) -> None:
    """Drop merged properties that an ``allOf`` member with ``additionalProperties: false``
    forbids (that member only knows its own properties), so they are never generated."""
    for part in parts:
        if part.get("additionalProperties") is False and "properties" in merged:
            own, patterns = part.get("properties") or _EMPTY, part.get("patternProperties") or ()
            merged["properties"] = {
                k: v
                for k, v in merged["properties"].items()
                if k in own or any(re.search(p, k) for p in patterns)
            }


def _listed(node: Mapping[str, Any], key: str) -> list[Any]:
    """``node[key]`` if it is a list (as in a schema), else nothing."""
    value = node.get(key)
    return value if isinstance(value, list) else []


def _is_significant(part: Mapping[str, Any]) -> bool:
    return any(k not in _ANNOTATIONS and not k.startswith("x-") for k in part)


class DataGenerator:
    """Generates values for the schemas of one OpenAPI document.

    ``document`` is the root every local ``$ref`` resolves against; it must not change after the
    generator is built (results are cached per schema object). ``seed`` makes output
    deterministic per ``(seed, key, schema)``; ``None`` gives fresh values on every call.
    ``examples`` chooses where valid schema ``example``/``examples`` win over generation:
    ``"leaves"`` (scalar values only, and only in the first item of an array: dynamic data that
    still looks like the docs), ``"all"`` (whole objects and arrays too: example-first static
    responses) or ``"none"``. ``max_recursion`` is how often one ``$ref``
    may repeat along a path before only the smallest valid value is generated below it.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        seed: int | None = None,
        examples: ExampleMode = "leaves",
        max_recursion: int = 2,
    ) -> None:
        if not isinstance(document, Mapping):
            raise TypeError(f"expected a mapping, got document={type(document).__name__}")
        if examples not in ("leaves", "all", "none"):
            raise ValueError(f"expected 'leaves', 'all' or 'none', got examples={examples!r}")
        if max_recursion < 1:
            raise ValueError(f"expected max_recursion >= 1, got max_recursion={max_recursion!r}")
        self.document = document
        self.seed = seed
        self.examples: ExampleMode = examples
        self.max_recursion = max_recursion
        self._nodes: dict[str, Any] = {}
        self._flat: _Memo[tuple[Mapping[str, Any], tuple[str, ...]]] = _Memo()
        self._exact: _Memo[Mapping[str, Any]] = _Memo()
        self._derived: _Memo[Mapping[str, Any]] = _Memo()
        self._validators: _Memo[jsonschema_rs.Validator] = _Memo()
        self._examples: _Memo[tuple[list[Any], list[Any]]] = _Memo()
        self._members: _Memo[list[Any]] = _Memo()
        self._hidden: _Memo[frozenset[str]] = _Memo()
        self._options: _Memo[tuple[list[tuple[int, str | None]], ...]] = _Memo()
        self._costs: _Memo[float] = _Memo()
        self._seen_roots: _Memo[bool] = _Memo()
        self._registries: dict[str, jsonschema_rs.Registry] = {}
        self._ref_tables: dict[str, dict[str, float]] = {}
        self._targets: dict[str, None] | None = None
        self._pointers: dict[int, str] | None = None

    def generate(
        self,
        schema: Mapping[str, Any] | bool,
        *,
        key: str = "",
        direction: Direction = "response",
    ) -> Any:
        """Return a value valid against ``schema`` (with ``readOnly``/``writeOnly`` applied).

        ``key`` names the value (e.g. ``"GET /pets 200"``) so a seeded generator returns the
        same value for the same key and different values for different keys. ``direction`` is
        ``"response"`` (``writeOnly`` properties never appear) or ``"request"`` (``readOnly``).
        Raises ``GenerationError`` when no value exists, naming the schema pointer.
        """
        if direction not in ("response", "request"):
            raise ValueError(f"expected 'response' or 'request', got direction={direction!r}")
        ptr = self._pointer_of(schema)
        if schema is False:
            raise _error(E_FALSE, ptr, "use a schema that allows a value", key)
        run = _Run(self, self._rng(key), direction, key)
        if ptr.startswith("#"):
            run.stack.append(ptr[1:])  # a component generated directly counts as one level
        if schema is True:
            return run.value(schema, ptr, "")
        self._include_refs(schema)
        check = self._validator(schema, direction)
        for _ in range(_TOP_ATTEMPTS):
            value = run.value(schema, ptr, "")
            if check.is_valid(value):
                return value
        first = next(iter(check.iter_errors(value)))
        detail = f"{first.message} (at instance path {'/'.join(map(str, first.instance_path))})"
        raise _error(E_INVALID.format(error=detail), ptr, FIX_EXAMPLE, key)

    # -- determinism and lookup ----------------------------------------------------------------

    def _rng(self, key: str) -> random.Random:
        if self.seed is None:
            return random.Random()
        # hash() of a str changes with PYTHONHASHSEED; sha256 is the same in every process.
        digest = hashlib.sha256(f"{self.seed}:{key}".encode()).digest()
        return random.Random(int.from_bytes(digest[:16], "big"))

    def _resolve(self, pointer: str) -> Any:
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

    def _node_at(self, pointer: str) -> Any:
        """The node at a pointer, or ``None`` for pointers that only describe a position."""
        try:
            return self._resolve(pointer)
        except SpecReferenceError:
            return None

    def _walk(self) -> Iterator[tuple[str, Any]]:
        """Every (pointer, node) of the document, depth first."""
        todo: list[tuple[str, Any]] = [("", self.document)]
        while todo:
            pointer, node = todo.pop()
            yield pointer, node
            if isinstance(node, Mapping):
                todo.extend((f"{pointer}/{escape(str(k))}", v) for k, v in node.items())
            elif isinstance(node, list):
                todo.extend((f"{pointer}/{i}", v) for i, v in enumerate(node))

    def _pointer_of(self, schema: object) -> str:
        if self._pointers is None:
            self._pointers = {id(n): p for p, n in self._walk() if isinstance(n, Mapping)}
        pointer = self._pointers.get(id(schema))
        return "<schema>" if pointer is None else f"#{pointer}"

    def _ref_targets(self) -> dict[str, None]:
        if self._targets is None:
            self._targets = {}
            for _, node in self._walk():
                ref = node.get("$ref") if isinstance(node, Mapping) else None
                if isinstance(ref, str) and ref.startswith("#"):
                    self._targets[_ref_pointer(ref)] = None
        return self._targets

    def _include_refs(self, schema: Mapping[str, Any]) -> None:
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
                if isinstance(ref, str) and (target := _ref_pointer(ref)) not in visited:
                    visited.add(target)
                    todo.append(self._resolve(target))
                    if target not in targets:
                        targets[target] = None
                        self._ref_tables.clear()
                        self._costs = _Memo()
                todo.extend(v for k, v in node.items() if k not in ("example", "examples"))
            elif isinstance(node, list):
                todo.extend(node)
        self._seen_roots.put(schema, True)

    # -- schema algebra ------------------------------------------------------------------------

    def _flatten(
        self, node: Mapping[str, Any], ptr: str, key: str
    ) -> tuple[Mapping[str, Any], tuple[str, ...]]:
        """Resolve ``$ref`` and merge ``allOf``; also return the ``$ref`` targets absorbed."""
        hit = self._flat.get(node)
        if hit is not None:
            return hit
        parts: list[Mapping[str, Any]] = []
        absorbed: list[str] = []
        self._collect(node, parts, absorbed, [], (ptr, key))
        if len(parts) == 1:
            flat = parts[0]
        else:
            merged: dict[str, Any] = {}
            for part in parts:
                _merge_into(merged, part)
            _close(merged, parts)
            self._exact.put(merged, node)
            flat = merged
        return self._flat.put(node, (flat, tuple(absorbed)))

    def _collect(
        self,
        node: Any,
        parts: list[Mapping[str, Any]],
        absorbed: list[str],
        visiting: list[str],
        where: tuple[str, str],
    ) -> None:
        ptr, key = where
        if node is False:
            raise _error(E_FALSE, ptr, "remove the `false` member from allOf", key)
        if not isinstance(node, Mapping):
            return
        ref, all_of = node.get("$ref"), node.get("allOf")
        if ref is None and all_of is None:
            parts.append(node)
            return
        rest = {k: v for k, v in node.items() if k not in ("$ref", "allOf")}
        if _is_significant(rest) or "examples" in rest or "example" in rest:
            parts.append(rest)
        if isinstance(ref, str):
            target = _ref_pointer(ref)
            if target in visiting:
                what = E_CYCLE.format(target=f"#{target}")
                raise _error(what, ptr, "break the $ref/allOf loop", key)
            visiting.append(target)
            absorbed.append(target)
            self._collect(self._resolve(target), parts, absorbed, visiting, (f"#{target}", key))
            visiting.pop()
        for index, sub in enumerate(all_of or ()):
            self._collect(sub, parts, absorbed, visiting, (f"{ptr}/allOf/{index}", key))

    def _derive(
        self, node: Mapping[str, Any], tag: Hashable, build: Callable[[], Mapping[str, Any]]
    ) -> Mapping[str, Any]:
        """A schema derived from ``node`` (e.g. one oneOf branch), built once and cached."""
        hit = self._derived.get(node, tag)
        return hit if hit is not None else self._derived.put(node, build(), tag)

    def _without(self, node: Mapping[str, Any], keys: tuple[str, ...]) -> Mapping[str, Any]:
        return self._derive(node, keys, lambda: {k: v for k, v in node.items() if k not in keys})

    def _both(self, first: Any, second: Any) -> Any:
        if first is True or first == _EMPTY:
            return second
        return self._derive(first, ("both", id(second)), lambda: {"allOf": [first, second]})

    def _branch(
        self, node: Mapping[str, Any], kind: str, index: int, tag: str | None
    ) -> Mapping[str, Any] | bool:
        """``node`` without its ``kind`` keyword, joined with one branch (and its tag)."""

        def build() -> Mapping[str, Any]:
            rest = {k: v for k, v in node.items() if k not in (kind, "discriminator")}
            parts: list[Any] = [rest] if _is_significant(rest) else []
            parts.append(node[kind][index])
            if tag is not None:
                name = node["discriminator"]["propertyName"]
                parts.append({"properties": {name: {"const": tag}}, "required": [name]})
            return {"allOf": parts}

        return self._derive(node, (kind, index, tag), build)

    def _branch_options(
        self, node: Mapping[str, Any], kind: str
    ) -> tuple[list[tuple[int, str | None]], ...]:
        """Branches to try: with discriminator tags first, then untagged as a fallback."""
        hit = self._options.get(node, kind)
        if hit is not None:
            return hit
        plain: list[tuple[int, str | None]] = [(i, None) for i in range(len(node[kind]))]
        disc = node.get("discriminator")
        if not isinstance(disc, Mapping) or not isinstance(disc.get("propertyName"), str):
            return self._options.put(node, (plain,), kind)
        tagged: list[tuple[int, str | None]] = []
        for index, branch in enumerate(node[kind]):
            ref = branch.get("$ref") if isinstance(branch, Mapping) else None
            if isinstance(ref, str):
                tagged.extend((index, tag) for tag in _tags_for(disc, _ref_pointer(ref)))
        return self._options.put(node, (tagged, plain), kind)

    def _tagged(self, node: Mapping[str, Any], chain: tuple[str, ...]) -> Mapping[str, Any]:
        """For allOf inheritance: pin the base's discriminator to the inheriting component.

        ``chain`` lists the pointers flattened into ``node``; the base is the one declaring the
        discriminator, the component is the one whose ``allOf`` references the base.
        """
        hit = self._derived.get(node, ("tagged", chain))
        if hit is not None:
            return hit
        result, disc = node, node["discriminator"]
        name = disc.get("propertyName") if isinstance(disc, Mapping) else None
        nodes = [(p, self._node_at(p)) for p in chain]
        base = next((p for p, n in nodes if isinstance(n, Mapping) and "discriminator" in n), "")
        child = next((p for p, n in nodes if _extends(n, base)), None)
        tags = _tags_for(disc, child) if child is not None else []
        if tags and isinstance(name, str):
            prop = (node.get("properties") or _EMPTY).get(name, True)
            if prop is True or self._validator(prop, "response").is_valid(tags[0]):
                pin = {"properties": {name: {"const": tags[0]}}, "required": [name]}
                result = {"allOf": [self._without(node, ("discriminator",)), pin]}
        return self._derived.put(node, result, ("tagged", chain))

    def _key_schema(self, node: Mapping[str, Any], key: str) -> Any:
        """The schemas that apply to property ``key``: properties, patternProperties or extras."""
        props = node.get("properties") or _EMPTY
        patterns = node.get("patternProperties") or _EMPTY
        if not patterns:
            return props[key] if key in props else node.get("additionalProperties", True)
        hit = self._derived.get(node, ("key", key))
        if hit is not None:
            return hit
        found = [props[key]] if key in props else []
        for pattern, sub in patterns.items():
            parsed = _parse_regex(pattern)
            if parsed is not None and re.search(parsed[0], key):
                found.append(sub)
        if not found:
            return node.get("additionalProperties", True)
        return self._derived.put(node, {"allOf": found}, ("key", key))

    # -- readOnly / writeOnly ------------------------------------------------------------------

    def _hidden_names(self, node: Mapping[str, Any], direction: str) -> frozenset[str]:
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
        if isinstance(ref, str) and self._flagged(
            self._resolve(_ref_pointer(ref)), flag, depth + 1
        ):
            return True
        return any(self._flagged(s, flag, depth + 1) for s in schema.get("allOf", ()))

    # -- validation ----------------------------------------------------------------------------

    def _transform(self, node: Any, direction: str) -> Any:
        """A copy of a schema for validation: absolute $refs, hidden properties forbidden."""
        if not isinstance(node, Mapping):
            return node
        base = f"urn:mockserver:{direction}"
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[key] = base + value
            elif key in _SUB_ONE:
                out[key] = self._transform(value, direction)
            elif key in _SUB_LIST and isinstance(value, list):
                out[key] = [self._transform(v, direction) for v in value]
            elif key in _SUB_MAP and isinstance(value, Mapping):
                out[key] = {k: self._transform(v, direction) for k, v in value.items()}
            elif key != _RESIDUAL:
                out[key] = value
        hidden = self._hidden_names(node, direction)
        if hidden:
            props = out["properties"]
            out["properties"] = {k: False if k in hidden else v for k, v in props.items()}
            if isinstance(out.get("required"), list):
                out["required"] = [r for r in out["required"] if r not in hidden]
        return out

    def _transform_document(self, node: Any, direction: str) -> Any:
        """Transform every schema location of an OpenAPI document, leaving the rest alone."""
        if isinstance(node, list):
            return [self._transform_document(v, direction) for v in node]
        if not isinstance(node, Mapping):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "schema":
                out[key] = self._transform(value, direction)
            elif key == "schemas" and isinstance(value, Mapping):
                out[key] = {k: self._transform(v, direction) for k, v in value.items()}
            elif key in ("example", "examples"):
                out[key] = value
            else:
                out[key] = self._transform_document(value, direction)
        return out

    def _registry(self, direction: str) -> jsonschema_rs.Registry:
        registry = self._registries.get(direction)
        if registry is None:
            doc = self.document
            # A bare JSON Schema document (no "openapi") is one schema from its root.
            body = (
                self._transform_document(doc, direction)
                if "openapi" in doc or "components" in doc or "paths" in doc
                else self._transform(doc, direction)
            )
            resource = (f"urn:mockserver:{direction}", body)
            registry = jsonschema_rs.Registry([resource], draft=jsonschema_rs.Draft202012)
            self._registries[direction] = registry
        return registry

    def _validator(self, node: Any, direction: str) -> jsonschema_rs.Validator:
        """A compiled validator for exactly what ``node`` means (merges are checked unmerged)."""
        hit = self._validators.get(node, direction)
        if hit is not None:
            return hit
        source = self._exact.get(node)
        schema = self._transform(node if source is None else source, direction)
        try:
            validator = jsonschema_rs.Draft202012Validator(
                schema, validate_formats=True, registry=self._registry(direction)
            )
        except (ValueError, jsonschema_rs.ReferencingError) as exc:
            what = f"schema cannot be compiled: {exc}"
            fix = "fix the schema (invalid regex or unresolvable $ref)"
            raise _error(what, self._pointer_of(node), fix) from exc
        return self._validators.put(node, validator, direction)

    def _valid_examples(
        self, node: Mapping[str, Any], direction: str
    ) -> tuple[list[Any], list[Any]]:
        """Valid examples of a node: all of them, and only the scalar ones."""
        hit = self._examples.get(node, direction)
        if hit is not None:
            return hit
        pool = list(node["examples"]) if isinstance(node.get("examples"), list) else []
        if "example" in node:
            pool.append(node["example"])
        check = self._validator(node, direction)
        valid = [e for e in pool if check.is_valid(e)]
        leaves = [e for e in valid if not isinstance(e, dict | list)]
        return self._examples.put(node, (valid, leaves), direction)

    def _valid_members(self, node: Mapping[str, Any], direction: str) -> list[Any]:
        hit = self._members.get(node, direction)
        if hit is not None:
            return hit
        values = [node["const"]] if "const" in node else list(node["enum"])
        check = self._validator(node, direction)
        return self._members.put(node, [v for v in values if check.is_valid(v)], direction)

    # -- termination: the cost model -----------------------------------------------------------

    def _ref_costs(self, direction: str) -> dict[str, float]:
        """Nested $ref expansions the smallest value of each $ref target needs (inf: none)."""
        table = self._ref_tables.get(direction)
        if table is not None:
            return table
        table = dict.fromkeys(self._ref_targets(), _INF)
        nodes: dict[str, Any] = {}
        for target in table:
            try:
                nodes[target] = self._resolve(target)
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

    def _cost(self, node: Any, direction: str) -> float:
        hit = self._costs.get(node, direction)
        if hit is not None:
            return hit
        cost = self._raw_cost(node, self._ref_costs(direction), direction)
        return cost if not isinstance(node, Mapping) else self._costs.put(node, cost, direction)

    def _raw_cost(self, node: Any, table: Mapping[str, float], direction: str) -> float:
        if not isinstance(node, Mapping):
            return _INF if node is False else 0.0
        if "const" in node or "enum" in node:
            return 0.0
        cost = 0.0
        ref = node.get("$ref")
        if isinstance(ref, str):
            cost = 1 + table.get(_ref_pointer(ref), _INF)
        # $ref targets include non-schemas (parameters, responses): check shapes, not trust them.
        for sub in _listed(node, "allOf"):
            cost = max(cost, self._raw_cost(sub, table, direction))
        for kind in ("oneOf", "anyOf"):
            if kind in node:
                branches = (self._raw_cost(s, table, direction) for s in _listed(node, kind))
                cost = max(cost, min(branches, default=_INF))
        if cost == _INF:
            return cost
        types = _types_of(node)
        typed = min((self._type_cost(node, t, table, direction) for t in types), default=_INF)
        return max(cost, typed)

    def _type_cost(
        self, node: Mapping[str, Any], kind: str, table: Mapping[str, float], direction: str
    ) -> float:
        """The cost of the smallest value of one JSON type: required properties, minItems."""
        if kind == "object":
            props = node.get("properties")
            if not isinstance(props, Mapping):
                return 0.0
            hidden = self._hidden_names(node, direction)
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


class _Run:
    """The state of one ``generate`` call: its random stream, direction and $ref stack."""

    __slots__ = ("direction", "examples", "gen", "key", "now", "rng", "shrink", "stack")

    def __init__(self, gen: DataGenerator, rng: random.Random, direction: str, key: str) -> None:
        self.gen = gen
        self.rng = rng
        self.direction = direction
        self.key = key
        self.now = realistic.FIXED_EPOCH if gen.seed is not None else datetime.now(UTC)
        self.stack: list[str] = []
        self.shrink = False  # past the recursion limit: make only the cheapest choices
        self.examples: ExampleMode = gen.examples

    def fail(self, what: str, ptr: str, fix: str) -> GenerationError:
        return _error(what, ptr, fix, self.key)

    def value(self, node: Mapping[str, Any] | bool, ptr: str, name: str) -> Any:
        """A value for any schema node; ``name`` is the property it is for (realistic hints)."""
        if node is True:
            return self.string(_EMPTY, ptr, name)
        if node is False:
            raise self.fail(E_FALSE, ptr, "remove the `false` schema or make it optional")
        if "$ref" in node or "allOf" in node:
            flat, absorbed = self.gen._flatten(node, ptr, self.key)
            if absorbed:
                return self.enter(flat, absorbed, ptr, name)
            node = flat
        return self.typed(node, ptr, name)

    def enter(self, node: Mapping[str, Any], absorbed: tuple[str, ...], ptr: str, name: str) -> Any:
        """Generate a node reached through $refs, tracking recursion on the stack."""
        costs = self.gen._ref_costs(self.direction)
        stack, saved = self.stack, self.shrink
        for target in absorbed:
            if costs.get(target, 0.0) == _INF:
                raise self.fail(
                    E_RECURSIVE.format(target=f"#{target}"), f"#{target}", FIX_RECURSION
                )
            if stack.count(target) >= self.gen.max_recursion or len(stack) >= _SHRINK_DEPTH:
                self.shrink = True
        if len(stack) + len(absorbed) > _HARD_DEPTH:
            raise self.fail(E_DEPTH.format(depth=_HARD_DEPTH), f"#{absorbed[-1]}", FIX_RECURSION)
        stack.extend(absorbed)
        try:
            if "discriminator" in node and "oneOf" not in node and "anyOf" not in node:
                chain = (ptr[1:], *absorbed) if ptr.startswith("#") else absorbed
                node = self.gen._tagged(node, chain)
            return self.value(node, f"#{absorbed[-1]}", name)
        finally:
            del stack[len(stack) - len(absorbed) :]
            self.shrink = saved

    def typed(self, node: Mapping[str, Any], ptr: str, name: str) -> Any:
        """A value for a node without $ref/allOf: examples, enum, combinators, then by type."""
        gen, rng = self.gen, self.rng
        if self.examples != "none" and ("examples" in node or "example" in node):
            every, leaves = gen._valid_examples(node, self.direction)
            pool = every if self.examples == "all" else leaves
            if pool:
                return _copy(rng.choice(pool))
        if "const" in node or "enum" in node:
            members = gen._valid_members(node, self.direction)
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
            return self.string(node, ptr, name)
        if kind == "object":
            return self.object(node, ptr)
        if kind == "array":
            return self.array(node, ptr, name)
        if kind == "integer":
            return self.integer(node, ptr, name)
        if kind == "number":
            return self.number(node, ptr, name)
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "null":
            return None
        raise self.fail(E_TYPES.format(types=kind), ptr, f"use one of {', '.join(_ALL_TYPES)}")

    def choose_type(self, node: Mapping[str, Any], ptr: str) -> str:
        types = _types_of(node)
        if len(types) == 1:
            return types[0]
        if not types:
            raise self.fail(E_TYPES.format(types=[]), ptr, "list at least one type")
        if self.shrink:
            table = self.gen._ref_costs(self.direction)
            return min(types, key=lambda t: self.gen._type_cost(node, t, table, self.direction))
        others = [t for t in types if t != "null"]
        if len(others) < len(types) and (not others or self.rng.random() < _NULL_P):
            return "null"
        return self.rng.choice(others)

    # -- combinators ---------------------------------------------------------------------------

    def branches(self, node: Mapping[str, Any], ptr: str, name: str) -> Any:
        """``oneOf``/``anyOf``: try branches until a value validates against the whole node."""
        gen, kind = self.gen, "oneOf" if "oneOf" in node else "anyOf"
        tries: list[tuple[Any, str]] = []
        for tier in gen._branch_options(node, kind):
            order = list(tier)
            if self.shrink:
                order.sort(key=lambda o: gen._cost(node[kind][o[0]], self.direction))
            else:
                self.rng.shuffle(order)
            options = [(gen._branch(node, kind, i, tag), f"{ptr}/{kind}/{i}") for i, tag in order]
            # The first tier (tagged by the discriminator, if any) is cycled: a branch whose
            # values sometimes also match another (oneOf overlap) deserves several tries.
            rounds = -(-_ATTEMPTS // len(options)) if options and not tries else 1
            tries += options * rounds
        return self.checked(node, ptr, tries, name, E_BRANCHES.format(kind=kind), FIX_BRANCHES)

    def conditional(self, node: Mapping[str, Any], ptr: str, name: str) -> Any:
        """``if``/``then``/``else``: try the then-path (with ``if`` enforced), the else-path."""
        gen = self.gen
        base = gen._without(node, ("if", "then", "else"))
        paths = [
            gen._derive(
                node, "then", lambda: {"allOf": [base, node["if"], node.get("then", True)]}
            ),
            gen._derive(node, "else", lambda: {"allOf": [base, node.get("else", True)]}),
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
                excluded = set(_types_of(banned))
                if "number" in excluded:
                    excluded.add("integer")  # every integer is a number
                allowed = [t for t in _types_of(base) if t not in excluded]
                base["type"] = allowed or [t for t in _ALL_TYPES if t not in excluded]
            return base

        tries = [(self.gen._derive(node, "not", build), ptr)] * _ATTEMPTS
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
        check = self.gen._validator(node, self.direction)
        last: GenerationError | None = None
        saved = self.examples
        try:
            for option, option_ptr in tries:
                try:
                    value = self.value(option, option_ptr, name)
                except GenerationError as exc:
                    last = exc
                    continue
                if check.is_valid(value):
                    return value
                self.examples = "none"  # a fixed example that failed would only fail again
        finally:
            self.examples = saved
        why = f"; last error: {last}" if last is not None else ""
        raise self.fail(what + why, ptr, fix)

    # -- containers ----------------------------------------------------------------------------

    def object(self, node: Mapping[str, Any], ptr: str) -> dict[str, Any]:
        gen, rng = self.gen, self.rng
        props: Mapping[str, Any] = node.get("properties") or _EMPTY
        hidden = gen._hidden_names(node, self.direction)
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
            and (not self.shrink or gen._cost(s, self.direction) == 0)
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
            schema = gen._key_schema(node, key)
            if schema is False:
                raise self.fail(
                    E_REQUIRED_FALSE.format(name=key),
                    ptr,
                    "declare the property or drop it from required",
                )
            out[key] = self.value(schema, f"{ptr}/properties/{escape(key)}", key)
        for key in extras:
            out[key] = self.value(gen._key_schema(node, key), f"{ptr}/additionalProperties", key)
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
        check = None if names is None else self.gen._validator(names, self.direction)
        keys: list[str] = []
        for _ in range(wanted * 10):
            if len(keys) == wanted:
                break
            if patterns and (extra is False or self.rng.random() < 0.5):
                key = _regex_string(self.rng.choice(patterns), self.rng, 0, None)
            elif extra is False:
                break
            elif isinstance(names, Mapping) and _types_of(names) == ("string",):
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
        gen, rng = self.gen, self.rng
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
        if self.shrink:
            count = floor
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
                    schema = gen._both(schema, contains)
                item_ptr = f"{ptr}/prefixItems/{index}" if index < len(prefix) else f"{ptr}/items"
                for _ in range(16 if unique else 1):
                    value = self.value(schema, item_ptr, name)
                    if not unique or _canonical(value) not in seen:
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
                seen.add(_canonical(value))
                out.append(value)
        finally:
            self.examples = saved
        return out

    # -- scalars -------------------------------------------------------------------------------

    def string(self, node: Mapping[str, Any], ptr: str, name: str) -> str:
        rng = self.rng
        low, high = node.get("minLength", 0), node.get("maxLength")
        if high is not None and low > high:
            raise self.fail(
                E_BOUNDS.format(what="minLength", low=low, high_name="maxLength", high=high),
                ptr,
                FIX_CONTRADICTION,
            )
        fmt, pattern = node.get("format"), node.get("pattern")
        if fmt is None and node.get("contentEncoding") == "base64":
            fmt = "byte"
        check = self.gen._validator(node, self.direction).is_valid
        # A name hint must not override a format the validator cannot check (url, byte...).
        if name and (fmt is None or fmt in _ASSERTED_FORMATS):
            hint = realistic.name_value(name, "string", rng, now=self.now, max_length=high)
            if isinstance(hint, str) and check(hint):
                return hint
        if fmt is not None and pattern is None:
            for _ in range(3):
                text = realistic.format_value(
                    fmt, rng, now=self.now, min_length=low, max_length=high
                )
                if text is None:
                    break  # a format we do not know is not asserted: any string will do
                if check(text):
                    return text
            else:
                raise self.fail(
                    E_STRING.format(fmt=fmt, pattern=pattern),
                    ptr,
                    "relax minLength/maxLength for this format",
                )
        # allOf can leave several patterns (the rest sit in the residual); try a match for each
        # and, for prefix/suffix or "contains" patterns, their concatenation.
        patterns = [str(pattern)] if pattern is not None else []
        patterns += [str(r["pattern"]) for r in node.get(_RESIDUAL, ()) if "pattern" in r]
        for _ in range(4):
            if not patterns:
                candidates = [realistic.text(rng, low, high)]
            else:
                parts = [_regex_string(p, rng, low, high) or "" for p in patterns]
                candidates = [*parts, "".join(parts)] if len(parts) > 1 else parts
            for candidate in candidates:
                if check(candidate):
                    return candidate
        fix = "use a simpler pattern (Python-compatible regex) or add an `example`"
        raise self.fail(E_STRING.format(fmt=fmt, pattern=pattern), ptr, fix)

    def integer(self, node: Mapping[str, Any], ptr: str, name: str) -> int:
        low, low_open = _lower_bound(node)
        high, high_open = _upper_bound(node)
        first = None if low is None else math.floor(low) + 1 if low_open else math.ceil(low)
        last = None if high is None else math.ceil(high) - 1 if high_open else math.floor(high)
        fmt = node.get("format", "")
        fmt_range = _INT_FORMATS.get(fmt, (-_INF, _INF))
        lowest = fmt_range[0] if first is None else max(first, fmt_range[0])
        highest = fmt_range[1] if last is None else min(last, fmt_range[1])
        if lowest > highest:
            names = _bound_names(low_open, high_open)
            what = E_RANGE.format(kind="integer", low=low, high=high, **names)
            raise self.fail(
                what + (f" (format {fmt})" if fmt in _INT_FORMATS else ""), ptr, FIX_CONTRADICTION
            )
        step_value = node.get("multipleOf")

        def fits(value: int) -> bool:
            return (
                (first is None or value >= first)
                and (last is None or value <= last)
                and fmt_range[0] <= value <= fmt_range[1]
                and (step_value is None or _multiple_ok(value, step_value))
            )

        if name:
            hint = realistic.name_value(name, "integer", self.rng, now=self.now)
            if isinstance(hint, int) and fits(hint):
                return hint
        start, stop = _window(first, last)
        start, stop = int(max(start, fmt_range[0])), int(min(stop, fmt_range[1]))
        step = 1 if step_value is None else int(Fraction(str(step_value)).numerator)
        k_min, k_max = -(-start // step), stop // step
        if k_min <= k_max:
            for _ in range(12):
                value = self.rng.randint(k_min, k_max) * step
                if fits(value):
                    return value
        what = E_MULTIPLE.format(kind="integer", step=step_value, low=start, high=stop)
        raise self.fail(what, ptr, FIX_CONTRADICTION)

    def number(self, node: Mapping[str, Any], ptr: str, name: str) -> float:
        low, low_open = _lower_bound(node)
        high, high_open = _upper_bound(node)
        if (
            low is not None
            and high is not None
            and (low > high or (low == high and (low_open or high_open)))
        ):
            names = _bound_names(low_open, high_open)
            what = E_RANGE.format(kind="number", low=low, high=high, **names)
            raise self.fail(what, ptr, FIX_CONTRADICTION)
        step = node.get("multipleOf")

        def fits(value: float, exact: bool = False) -> bool:
            if step is not None and not (_exact_multiple if exact else _multiple_ok)(value, step):
                return False
            return (low is None or value > low or (not low_open and value == low)) and (
                high is None or value < high or (not high_open and value == high)
            )

        if name:
            hint = realistic.name_value(name, "number", self.rng, now=self.now)
            if isinstance(hint, int | float) and fits(hint):
                return hint
        start, stop = _window(low, high)
        for candidate in self.number_candidates(start, stop, step):
            if fits(candidate):
                return candidate
        # No candidate survives float division (0.3 / 0.1 != 3 in binary floating point); an
        # exact decimal multiple is still valid by JSON Schema's definition of multipleOf.
        for candidate in self.number_candidates(start, stop, step):
            if fits(candidate, exact=True):
                return candidate
        what = E_MULTIPLE.format(kind="number", step=step, low=low, high=high)
        raise self.fail(what, ptr, FIX_CONTRADICTION)

    def number_candidates(self, start: float, stop: float, step: float | None) -> Iterator[float]:
        rng = self.rng
        if step is None:
            for _ in range(8):
                yield round(rng.uniform(start, stop), 2)
            yield start
            yield (start + stop) / 2
            return
        k_min, k_max = math.ceil(start / step), math.floor(stop / step)
        text = repr(float(step))
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else None
        for _ in range(12 if k_min <= k_max else 0):
            value = rng.randint(k_min, k_max) * step
            yield value if decimals is None else round(value, decimals)
        # Whole-number multiples survive float division checks such as 0.3 / 0.1 != 3.
        whole = Fraction(str(step)).numerator
        j_min, j_max = math.ceil(start / whole), math.floor(stop / whole)
        for _ in range(12 if j_min <= j_max else 0):
            yield rng.randint(j_min, j_max) * whole
