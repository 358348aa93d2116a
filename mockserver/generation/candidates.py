"""Compiled validators that check generated candidates against exactly what a schema means."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import jsonschema_rs

from mockserver.errors import MockServerError, PointerError
from mockserver.generation.all_of import RESIDUAL
from mockserver.generation.messages import generation_error
from mockserver.generation.schema_view import Memo, SchemaIndex
from mockserver.spec.pointer import local_ref_targets, place, pointer_from_ref, resolve, split
from mockserver.spec.reach import Kept, Reach

__all__ = ["INLINED_MOST", "VALIDATORS_KEPT", "CandidateChecks"]

# The weight of the compiled validators generation keeps (1 plus the $ref targets each
# reaches, `spec/reach`); past it the oldest go.
VALIDATORS_KEPT: Final = 8192
# A schema reaching more $ref targets than this is not compiled with them: each of its $refs
# asks the target's own validator (`_Delegated`), compiled once and shared. On Stripe's
# description nearly every schema reaches all 775 targets: compiling each with them made one
# read compile 3,488 validators (8.7 s) and the budget above hold about ten.
INLINED_MOST: Final = 64
_DELEGATE: Final = "x-mockserver-ref"
# Keywords whose meaning crosses a $ref (annotations a delegated $ref would not return), or
# that name what a $ref alone does not: a schema holding one is compiled with its targets.
_CROSSING: Final = frozenset(
    {"unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef", "$id",
     "$anchor", "$dynamicAnchor", "$recursiveAnchor"}
)  # fmt: skip

_SUB_ONE: Final = frozenset({
    "items", "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema"
})  # fmt: skip
# Components that are OpenAPI objects, never schemas: no schema's $ref reaches into them.
_NOT_SCHEMAS: Final = frozenset(
    {"examples", "parameters", "responses", "headers", "requestBodies", "securitySchemes",
     "links", "callbacks", "pathItems"}
)  # fmt: skip
_VALUES: Final = frozenset({"example", "examples", "enum", "const", "default"})
_SUB_LIST: Final = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUB_MAP: Final = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)


class CandidateChecks:
    """Validators for the schemas of one document, per direction (``readOnly``/``writeOnly``).

    Each validator checks a copy of the schema whose hidden properties are forbidden, against a
    ``jsonschema_rs`` registry holding the whole document, so every ``$ref`` resolves.
    """

    def __init__(self, index: SchemaIndex) -> None:
        self.index = index
        self._exact: Memo[Mapping[str, Any]] = Memo()
        # A compiled validator holds what its $refs reach (9 MB for Microsoft Graph's user):
        # those kept are bounded by that weight, so a big document's memory stays flat.
        self._validators: Kept[tuple[object, jsonschema_rs.Validator]] = Kept(VALIDATORS_KEPT)
        self._reach = Reach(index.document)
        self._examples: Memo[tuple[list[Any], list[Any]]] = Memo()
        self._members: Memo[list[Any]] = Memo()
        self._registries: dict[str, jsonschema_rs.Registry] = {}
        self._keywords: dict[tuple[str, bool], dict[str, Any]] = {}

    def record_merge(self, merged: Mapping[str, Any], source: Mapping[str, Any]) -> None:
        """Check values of ``merged`` (``source`` with its allOf merged) against ``source``."""
        self._exact.put(merged, source)

    def _transform(self, node: Any, direction: str, *, delegate: bool = False) -> Any:
        """A copy of a schema for validation: absolute $refs (``delegate``: each asking its
        target's validator), hidden properties forbidden."""
        if not isinstance(node, Mapping):
            return node
        base = f"urn:mockserver:{direction}"
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[_DELEGATE if delegate else key] = value if delegate else base + value
            elif key in _SUB_ONE:
                out[key] = self._transform(value, direction, delegate=delegate)
            elif key in _SUB_LIST and isinstance(value, list):
                out[key] = [self._transform(v, direction, delegate=delegate) for v in value]
            elif key in _SUB_MAP and isinstance(value, Mapping):
                out[key] = {
                    k: self._transform(v, direction, delegate=delegate) for k, v in value.items()
                }
            elif key != RESIDUAL:
                out[key] = value
        hidden = self.index.hidden_names(node, direction)
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

    def _referenced(self, doc: Mapping[str, Any], direction: str) -> Any:
        """The schemas ``$ref``s point at, transformed, at their places (a skeleton document).

        Only what a ``$ref`` can reach is registered: transforming and registering a big
        document whole cost more than the first answers that need it.
        """
        targets = local_ref_targets(doc)
        if targets is None:
            return self._transform_document(doc, direction)
        skeleton: dict[str, Any] = {}
        kept: list[str] = []
        for target in sorted(targets):  # a prefix sorts first: it covers what is below it
            if kept and (target == kept[-1] or target.startswith(kept[-1] + "/")):
                continue
            kept.append(target)
            tokens = split(target)
            if not tokens:
                return self._transform_document(doc, direction)
            if len(tokens) == 3 and tokens[0] == "components" and tokens[1] in _NOT_SCHEMAS:
                continue
            try:
                node = resolve(doc, target)
            except PointerError:
                continue  # a dangling $ref: generation reports it where it is used
            try:
                transformed = self._transform(node, direction)
            except MockServerError:
                continue  # a broken $ref below it: generation reports it where it is used
            place(skeleton, doc, target, transformed)
        return skeleton

    def _registry(self, direction: str) -> jsonschema_rs.Registry:
        registry = self._registries.get(direction)
        if registry is None:
            doc = self.index.document
            # A bare JSON Schema document (no "openapi") is one schema from its root.
            body = (
                self._referenced(doc, direction)
                if "openapi" in doc or "components" in doc or "paths" in doc
                else self._transform(doc, direction)
            )
            resource = (f"urn:mockserver:{direction}", body)
            registry = jsonschema_rs.Registry([resource], draft=jsonschema_rs.Draft202012)
            self._registries[direction] = registry
        return registry

    def validator(
        self, node: Any, direction: str, *, formats: bool = True
    ) -> jsonschema_rs.Validator:
        """A compiled validator for exactly what ``node`` means (merges are checked unmerged).

        ``formats``: ``format`` asserted, as the mock validates; False reads it as an
        annotation, as JSON Schema does by default (`ValueBuilder.checked` holds a ``oneOf``'s
        value to both readings when it can).
        """
        key = (id(node), direction, formats)
        hit = self._validators.get(key)
        if hit is not None and hit[0] is node:
            return hit[1]
        source = self._exact.get(node)
        exact = node if source is None else source
        closure = self._reach.closure(exact)
        delegate = closure is not None and len(closure) > INLINED_MOST and not _crosses(exact)
        try:
            if delegate:
                keywords = self._keywords.get((direction, formats))
                if keywords is None:
                    keywords = {_DELEGATE: self._delegated(direction, formats)}
                    self._keywords[direction, formats] = keywords
                validator = jsonschema_rs.Draft202012Validator(
                    self._transform(exact, direction, delegate=True),
                    validate_formats=formats,
                    keywords=keywords,
                )
            else:
                validator = jsonschema_rs.Draft202012Validator(
                    self._transform(exact, direction),
                    validate_formats=formats,
                    registry=self._registry(direction),
                )
        except (ValueError, jsonschema_rs.ReferencingError) as exc:
            what = f"schema cannot be compiled: {exc}"
            fix = "fix the schema (invalid regex or unresolvable $ref)"
            raise generation_error(what, self.index.pointer_of(node), fix) from exc
        # A delegating validator holds its own schema only: what it reaches is kept apart.
        weight = 1 if delegate else self._reach.weight(exact)
        self._validators.put(key, (node, validator), weight)
        return validator

    def _delegated(self, direction: str, formats: bool) -> type:
        """The keyword a delegated ``$ref`` becomes: the target's validator, asked lazily (a
        recursive schema compiles once), compiled by `validator` (delegating in turn)."""
        checks, document = self, self.index.document

        class _Delegated:
            __slots__ = ("pointer", "target")

            def __init__(self, parent: Any, value: str, path: Any) -> None:
                self.pointer = value
                # Dangling: the compile fails, as it does inline.
                self.target = resolve(document, pointer_from_ref(value))

            def validate(self, instance: Any) -> None:
                # No detail from the target's errors: a failing branch is routine, and asking
                # each level for its errors would walk the value once per level it nests.
                check = checks.validator(self.target, direction, formats=formats)
                if not check.is_valid(instance):
                    raise ValueError(f"not valid against {self.pointer}")

        return _Delegated

    def valid_examples(
        self, node: Mapping[str, Any], direction: str
    ) -> tuple[list[Any], list[Any]]:
        """Valid examples of a node: all of them, and only the scalar ones."""
        hit = self._examples.get(node, direction)
        if hit is not None:
            return hit
        pool = list(node["examples"]) if isinstance(node.get("examples"), list) else []
        if "example" in node:
            pool.append(node["example"])
        check = self.validator(node, direction)
        valid = [e for e in pool if check.is_valid(e)]
        leaves = [e for e in valid if not isinstance(e, dict | list)]
        return self._examples.put(node, (valid, leaves), direction)

    def valid_members(self, node: Mapping[str, Any], direction: str) -> list[Any]:
        """The ``const``/``enum`` members of a node that the rest of the node allows."""
        hit = self._members.get(node, direction)
        if hit is not None:
            return hit
        values = [node["const"]] if "const" in node else list(node["enum"])
        check = self.validator(node, direction)
        return self._members.put(node, [v for v in values if check.is_valid(v)], direction)


def _crosses(node: Any) -> bool:
    """Whether ``node`` (not what its $refs reach) holds a keyword in `_CROSSING`."""
    if isinstance(node, Mapping):
        return any(k in _CROSSING or (k not in _VALUES and _crosses(v)) for k, v in node.items())
    if isinstance(node, list):
        return any(_crosses(v) for v in node)
    return False
