"""Schemas derived for generation: $ref/allOf flattened, oneOf branches, discriminator pins."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Final

from mockserver.generation.all_of import close_properties, merge_into
from mockserver.generation.candidates import CandidateChecks
from mockserver.generation.messages import E_CYCLE, E_FALSE, generation_error
from mockserver.generation.patterns import parse_regex
from mockserver.generation.schema_view import Memo, SchemaIndex, ref_pointer
from mockserver.spec.pointer import escape, pointer_from_ref, unescape

__all__ = ["DerivedSchemas"]

_ANNOTATIONS: Final = frozenset({"title", "description", "$comment", "deprecated", "summary"})
_EMPTY: Final[Mapping[str, Any]] = {}


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
        isinstance(m, Mapping) and isinstance(m.get("$ref"), str) and ref_pointer(m["$ref"]) == base
        for m in members
    )


def _is_significant(part: Mapping[str, Any]) -> bool:
    return any(k not in _ANNOTATIONS and not k.startswith("x-") for k in part)


class DerivedSchemas:
    """Schemas built from the nodes of one document, each built once and cached by identity.

    Merged schemas are registered with ``checks``, so values generated from a merge are still
    validated against the schema as written.
    """

    def __init__(self, index: SchemaIndex, checks: CandidateChecks) -> None:
        self.index = index
        self.checks = checks
        self._flat: Memo[tuple[Mapping[str, Any], tuple[str, ...]]] = Memo()
        self._derived: Memo[Mapping[str, Any]] = Memo()
        self._options: Memo[tuple[list[tuple[int, str | None]], ...]] = Memo()

    def flatten(
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
                merge_into(merged, part)
            close_properties(merged, parts)
            self.checks.record_merge(merged, node)
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
            raise generation_error(E_FALSE, ptr, "remove the `false` member from allOf", key)
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
            target = ref_pointer(ref)
            if target in visiting:
                what = E_CYCLE.format(target=f"#{target}")
                raise generation_error(what, ptr, "break the $ref/allOf loop", key)
            visiting.append(target)
            absorbed.append(target)
            self._collect(
                self.index.resolve(target), parts, absorbed, visiting, (f"#{target}", key)
            )
            visiting.pop()
        for index, sub in enumerate(all_of or ()):
            self._collect(sub, parts, absorbed, visiting, (f"{ptr}/allOf/{index}", key))

    def derive(
        self, node: Mapping[str, Any], tag: Hashable, build: Callable[[], Mapping[str, Any]]
    ) -> Mapping[str, Any]:
        """A schema derived from ``node`` (e.g. one oneOf branch), built once and cached."""
        hit = self._derived.get(node, tag)
        return hit if hit is not None else self._derived.put(node, build(), tag)

    def without(self, node: Mapping[str, Any], keys: tuple[str, ...]) -> Mapping[str, Any]:
        """``node`` without the keywords ``keys``."""
        return self.derive(node, keys, lambda: {k: v for k, v in node.items() if k not in keys})

    def both(self, first: Any, second: Any) -> Any:
        """A schema whose values satisfy ``first`` and ``second``."""
        if first is True or first == _EMPTY:
            return second
        return self.derive(first, ("both", id(second)), lambda: {"allOf": [first, second]})

    def branch(
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

        return self.derive(node, (kind, index, tag), build)

    def branch_options(
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
                tagged.extend((index, tag) for tag in _tags_for(disc, ref_pointer(ref)))
        return self._options.put(node, (tagged, plain), kind)

    def tagged(self, node: Mapping[str, Any], chain: tuple[str, ...]) -> Mapping[str, Any]:
        """For allOf inheritance: pin the base's discriminator to the inheriting component.

        ``chain`` lists the pointers flattened into ``node``; the base is the one declaring the
        discriminator, the component is the one whose ``allOf`` references the base.
        """
        hit = self._derived.get(node, ("tagged", chain))
        if hit is not None:
            return hit
        result, disc = node, node["discriminator"]
        name = disc.get("propertyName") if isinstance(disc, Mapping) else None
        nodes = [(p, self.index.node_at(p)) for p in chain]
        base = next((p for p, n in nodes if isinstance(n, Mapping) and "discriminator" in n), "")
        child = next((p for p, n in nodes if _extends(n, base)), None)
        tags = _tags_for(disc, child) if child is not None else []
        if tags and isinstance(name, str):
            prop = (node.get("properties") or _EMPTY).get(name, True)
            if prop is True or self.checks.validator(prop, "response").is_valid(tags[0]):
                pin = {"properties": {name: {"const": tags[0]}}, "required": [name]}
                result = {"allOf": [self.without(node, ("discriminator",)), pin]}
        return self._derived.put(node, result, ("tagged", chain))

    def key_schema(self, node: Mapping[str, Any], key: str) -> Any:
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
            parsed = parse_regex(pattern)
            if parsed is not None and re.search(parsed[0], key):
                found.append(sub)
        if not found:
            return node.get("additionalProperties", True)
        return self._derived.put(node, {"allOf": found}, ("key", key))
