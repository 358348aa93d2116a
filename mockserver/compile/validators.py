"""Validators: a schema from anywhere in a document compiled with its ``$ref``s, cached.

`SchemaRegistry` registers the (bundled, 3.1) document for ``$ref`` resolution, at the first
compile and only the parts a ``$ref`` points at, so a schema taken from anywhere in it
validates with its local references, including percent-encoded and recursive ones. Equal
schemas share one compiled validator; those kept weigh at most `COMPILED_KEPT` (the oldest go
first; `spec/reach`): on Microsoft Graph's description a validator holds up to 9 MB of the
schemas it reaches, and each operation answered added some. OpenAPI's int32/int64 formats
are checked by a private keyword (`OAS_FORMAT_KEYWORD`), since jsonschema-rs hands custom
formats only strings.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, Final

import jsonschema_rs
import orjson

from mockserver.errors import PointerError, SpecError
from mockserver.spec.pointer import local_ref_targets, place, resolve, split
from mockserver.spec.reach import Kept, Reach

__all__ = ["COMPILED_KEPT", "DEFAULT_URI", "OAS_FORMAT_KEYWORD", "SchemaRegistry"]

DEFAULT_URI: Final = "urn:mockserver:document"

# The weight of the compiled validators a registry keeps (1 plus the $ref targets each
# reaches; about 20 KB each on Microsoft Graph's); past it the oldest go (and are compiled
# again if asked again). Callers hold none: they ask the registry each time, which finds a
# schema it has seen by identity, one dict lookup.
COMPILED_KEPT: Final = 4096

# jsonschema-rs hands custom formats only strings, but OpenAPI's int32/int64 formats bound
# integers; a private keyword placed next to them checks the range instead.
OAS_FORMAT_KEYWORD: Final = "x-mockserver-format"

_INT_RANGES: Final[dict[str, tuple[int, int]]] = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}
# Keywords whose values are data, not schemas: nothing inside them is rewritten.
_DATA_KEYWORDS: Final = frozenset({"const", "enum", "default", "example", "examples"})
# Keywords whose values map names to schemas: a property may well be called "default".
# Components that are OpenAPI objects, never schemas: a schema registry needs none of them.
_NOT_SCHEMAS: Final = frozenset(
    {"examples", "parameters", "responses", "headers", "requestBodies", "securitySchemes",
     "links", "callbacks", "pathItems"}
)  # fmt: skip
_NAME_MAPS: Final = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)


class SchemaRegistry:
    """One OpenAPI document registered for ``$ref`` resolution, with a validator cache.

    A compile registers only what its schema's ``$ref``s reach (followed through the
    document), one registry per such closure: a registry holds its part of the document as
    Rust values, several times the JSON's size (36 MB for GitHub's 2.7 MB of schemas), and a
    server that answers a few operations of a big spec needs a few closures of it. Once the
    closures registered add up to half the document's ``$ref`` targets, or a ``$ref`` is no
    local pointer (an anchor, a relative URI), the rest of the compiles share one registry of
    every part a ``$ref`` points at.
    """

    def __init__(
        self, document: Mapping[str, Any], *, uri: str = DEFAULT_URI, kept: int = COMPILED_KEPT
    ) -> None:
        self.document = document
        self.uri = uri
        self._registry: jsonschema_rs.Registry | None = None
        self._keywords: dict[str, type[Any]] = {OAS_FORMAT_KEYWORD: _OasFormat}
        # What a schema reaches: the registry it needs, and how much a validator of it weighs.
        self._reach = Reach(document, opaque=_sets_id)
        self._cache: Kept[jsonschema_rs.Validator] = Kept(kept)
        # By the schema object's identity (kept alive with it, so its id is not reused): the
        # validator, or the SpecError its compile raised (raised again, not compiled again).
        self._by_id: Kept[tuple[object, jsonschema_rs.Validator | SpecError]] = Kept(kept)
        self._partial: dict[frozenset[str], jsonschema_rs.Registry] = {}
        self._partial_targets = 0  # targets registered in `_partial`, counted per closure
        self._budget: int | None = None  # half the document's $ref targets, when counted

    def _registered(self) -> jsonschema_rs.Registry:
        if self._registry is None:
            self._registry = self._new_registry(_referenced(self.document))
            # Every later compile uses this one: the closures' registries live on only in
            # the validators compiled with them, until those are dropped.
            self._partial.clear()
        return self._registry

    def _new_registry(self, resource: dict[str, Any]) -> jsonschema_rs.Registry:
        try:
            return jsonschema_rs.Registry([(self.uri, _marked(resource))])
        except (ValueError, jsonschema_rs.ReferencingError) as exc:
            raise SpecError(
                f"the document cannot be registered for $ref resolution: {exc}",
                hint="make every $id in the document a valid URI reference",
            ) from exc

    def _registry_for(self, schema: Mapping[str, Any] | bool) -> jsonschema_rs.Registry:
        """The registry a compile of ``schema`` needs: its closure's, or the shared one."""
        if self._registry is not None or isinstance(schema, bool):
            return self._registered()
        closure = self._reach.closure(schema)
        if closure is None:
            return self._registered()
        key = frozenset(closure)
        registry = self._partial.get(key)
        if registry is None:
            if self._budget is None:
                self._budget = _target_count(self.document) // 2
            if self._partial_targets + len(key) > self._budget:
                return self._registered()
            registry = self._partial[key] = self._new_registry(_skeleton(self.document, key))
            self._partial_targets += len(key)
        return registry

    def kept(self, schema: Mapping[str, Any] | bool) -> jsonschema_rs.Validator | None:
        """The validator compiled for ``schema`` if it is still kept, else None: what every
        request asks first, one lookup (`compile` does the rest)."""
        hit = self._by_id.get(id(schema))
        if hit is not None and hit[0] is schema and not isinstance(hit[1], SpecError):
            return hit[1]
        return None

    def compile(self, schema: Mapping[str, Any] | bool, *, pointer: str) -> jsonschema_rs.Validator:
        """A validator for ``schema`` (found at ``pointer``, used in error messages).

        Local references resolve against the registered document; formats are validated and
        unknown formats ignored. Equal schemas share one compiled validator.
        """
        hit = self._by_id.get(id(schema))
        if hit is not None and hit[0] is schema:
            if isinstance(hit[1], SpecError):
                raise hit[1].with_traceback(None)  # a fresh traceback, not one grown per raise
            return hit[1]
        weight = self._reach.weight(schema)
        try:
            validator = self._compile(schema, pointer, weight)
        except SpecError as exc:
            self._by_id.put(id(schema), (schema, exc), 1)
            raise
        self._by_id.put(id(schema), (schema, validator), weight)
        return validator

    def _compile(
        self, schema: Mapping[str, Any] | bool, pointer: str, weight: int
    ) -> jsonschema_rs.Validator:
        prepared: dict[str, Any] | bool = (
            schema if isinstance(schema, bool) else _absolute(schema, self.uri)
        )
        try:
            key = orjson.dumps(prepared, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
        except (TypeError, orjson.JSONEncodeError) as exc:
            raise SpecError(
                f"the schema holds a value that is not JSON: {exc}",
                pointer=pointer,
                hint="use only JSON values (strings, numbers, booleans, null, lists, objects)",
            ) from exc
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if not isinstance(prepared, bool):
            # Round-trip so the validator sees exactly the JSON that was hashed.
            prepared = orjson.loads(key)
        try:
            validator = jsonschema_rs.Draft202012Validator(
                prepared,
                validate_formats=True,
                ignore_unknown_formats=True,
                registry=self._registry_for(schema),
                keywords=self._keywords,
            )
        except (ValueError, jsonschema_rs.ReferencingError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SpecError(
                f"the schema cannot be compiled: {first}",
                pointer=pointer,
                hint="fix the schema (or the $ref it uses) so it is valid JSON Schema 2020-12",
            ) from exc
        return self._cache.put(key, validator, weight)


class _OasFormat:
    """Custom keyword: the int32/int64 range check of OpenAPI's integer formats."""

    def __init__(self, parent_schema: dict[str, Any], value: Any, schema_path: list[Any]) -> None:
        self.format = str(value)
        self.low, self.high = _INT_RANGES.get(self.format, (-(2**1024), 2**1024))

    def validate(self, instance: Any) -> None:
        """Raise when an integer lies outside the format's range."""
        if type(instance) is int and not self.low <= instance <= self.high:
            raise ValueError(f"{instance} is outside the {self.format} range")


def _marked(node: Any) -> Any:
    """``node`` with `OAS_FORMAT_KEYWORD` beside every int32/int64 ``format``.

    Copy on write: what holds no such format is returned as it is, so marking a document
    costs one pass and copies only the way to the marked schemas.
    """
    if isinstance(node, dict):
        changed: dict[str, Any] | None = None
        for key, value in node.items():
            if key in _DATA_KEYWORDS or not isinstance(value, dict | list):
                continue
            marked = _marked(value)
            if marked is not value:
                changed = changed if changed is not None else dict(node)
                changed[key] = marked
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt in _INT_RANGES:
            changed = changed if changed is not None else dict(node)
            changed[OAS_FORMAT_KEYWORD] = fmt
        return changed if changed is not None else node
    if isinstance(node, list):
        items = [_marked(item) for item in node]
        return items if any(a is not b for a, b in zip(items, node, strict=True)) else node
    return node


def _absolute(node: Any, uri: str) -> Any:
    """Copy a schema with local ``$ref``s made absolute (``uri#/...``) and formats marked."""
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[key] = uri + value
            elif key in _DATA_KEYWORDS:
                out[key] = value
            elif key in _NAME_MAPS and isinstance(value, Mapping):
                out[key] = {name: _absolute(sub, uri) for name, sub in value.items()}
            else:
                out[key] = _absolute(value, uri)
        fmt = out.get("format")
        if isinstance(fmt, str) and fmt in _INT_RANGES:
            out[OAS_FORMAT_KEYWORD] = fmt
        return out
    if isinstance(node, list | tuple):
        return [_absolute(item, uri) for item in node]
    return node


def _clone(document: Mapping[str, Any]) -> dict[str, Any]:
    try:
        # Also turns YAML's dates and other non-JSON scalars into what a validator can hold.
        clone: dict[str, Any] = orjson.loads(orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS))
    except (TypeError, orjson.JSONEncodeError):
        clone = copy.deepcopy(dict(document))
    return clone


def _target_count(document: Mapping[str, Any]) -> int:
    """How many places ``$ref``s point at (the component schemas, when one is no pointer)."""
    targets = local_ref_targets(document)
    if targets is not None:
        return len(targets)
    schemas = (document.get("components") or {}).get("schemas")
    return len(schemas) if isinstance(schemas, Mapping) else 0


def _sets_id(node: Any) -> bool:
    """Whether a schema somewhere in ``node`` sets ``$id`` (a new base for its ``$ref``s)."""
    if isinstance(node, Mapping):
        return "$id" in node or any(
            _sets_id(value) for key, value in node.items() if key not in _DATA_KEYWORDS
        )
    if isinstance(node, list):
        return any(_sets_id(item) for item in node)
    return False


def _referenced(document: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of ``document`` its schemas' ``$ref``s point at, at their places (shared).

    A ``$ref`` that is not a JSON pointer into the document (an anchor, a relative URI)
    needs the whole document, so it is copied whole then.
    """
    targets = local_ref_targets(document)
    if targets is None:
        return _clone(document)
    return _skeleton(document, targets)


def _skeleton(document: Mapping[str, Any], targets: Iterable[str]) -> dict[str, Any]:
    """``targets`` of ``document`` at their places (shared, not copied: a registry copies)."""
    kept: list[str] = []
    for target in sorted(targets):  # a prefix sorts first: it covers what is below it
        if not kept or not (target == kept[-1] or target.startswith(kept[-1] + "/")):
            kept.append(target)
    if "" in kept:
        return _clone(document)
    skeleton: dict[str, Any] = {}
    for target in kept:
        tokens = split(target)
        if len(tokens) == 3 and tokens[0] == "components" and tokens[1] in _NOT_SCHEMAS:
            continue  # an Example, Parameter, Response...: the loader follows those refs
        try:
            node = resolve(document, target)
        except PointerError:
            continue  # a dangling $ref: the validator that uses it reports it
        place(skeleton, document, target, node)  # shared: the registry copies it
    return skeleton
