"""Matches request paths to path templates: literal segments win over templated ones.

A trie of path segments built once at start-up, so a lookup costs one dict access per
literal segment instead of one regex per declared path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

__all__ = ["Match", "Router"]

T = TypeVar("T")

_PARAM = re.compile(r"\{([^{}/]+)\}")


@dataclass(slots=True)
class _Node(Generic[T]):
    literals: dict[str, _Node[T]] = field(default_factory=dict)
    # (compiled segment pattern, parameter names, child) in specificity order.
    templates: list[tuple[re.Pattern[str], tuple[str, ...], _Node[T]]] = field(default_factory=list)
    methods: dict[str, T] | None = None
    template: str = ""


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    """A matched path: its template, the handlers by method and the decoded path parameters."""

    template: str
    methods: dict[str, T]
    params: dict[str, str]


def _segment_pattern(segment: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    names: list[str] = []
    pattern = ""
    last = 0
    for found in _PARAM.finditer(segment):
        pattern += re.escape(segment[last : found.start()])
        names.append(found.group(1))
        # A parameter never spans a "/"; several in one segment split it lazily.
        pattern += "(.+?)" if found.end() < len(segment) else "(.+)"
        last = found.end()
    pattern += re.escape(segment[last:])
    return re.compile(pattern + r"\Z", re.DOTALL), tuple(names)


def _specificity(entry: tuple[re.Pattern[str], tuple[str, ...], object]) -> tuple[int, int]:
    # More literal characters first: "{id}.json" is tried before "{name}".
    literal = len(_PARAM.sub("", entry[0].pattern))
    return (-literal, len(entry[1]))


class Router(Generic[T]):
    """Maps ``(method, path)`` to a handler registered for a path template."""

    def __init__(self, base_path: str = "") -> None:
        self._root: _Node[T] = _Node()
        self._base = base_path.rstrip("/")

    def add(self, template: str, method: str, handler: T) -> None:
        """Register ``handler`` for ``method`` on ``template`` (``/projects/{projectId}``)."""
        node = self._root
        for segment in template.strip("/").split("/") if template.strip("/") else []:
            if "{" in segment:
                pattern, names = _segment_pattern(segment)
                for existing, _, child in node.templates:
                    if existing.pattern == pattern.pattern:
                        node = child
                        break
                else:
                    child = _Node()
                    node.templates.append((pattern, names, child))
                    node.templates.sort(key=_specificity)
                    node = child
            else:
                node = node.literals.setdefault(segment, _Node())
        if node.methods is None:
            node.methods = {}
        node.template = template
        node.methods[method.upper()] = handler

    def templates(self) -> Iterable[str]:
        """Every registered path template."""
        stack = [self._root]
        while stack:
            node = stack.pop()
            if node.methods is not None:
                yield node.template
            stack.extend(node.literals.values())
            stack.extend(child for _, _, child in node.templates)

    def match(self, raw_path: str) -> Match[T] | None:
        """Find the template for a raw (still percent-encoded) request path, or None."""
        if self._base:
            if raw_path != self._base and not raw_path.startswith(self._base + "/"):
                return None
            raw_path = raw_path[len(self._base) :]
        stripped = raw_path.strip("/")
        segments = stripped.split("/") if stripped else []
        params: dict[str, str] = {}
        node = self._find(self._root, segments, 0, params)
        if node is None or node.methods is None:
            return None
        return Match(node.template, node.methods, params)

    def _find(
        self, node: _Node[T], segments: list[str], index: int, params: dict[str, str]
    ) -> _Node[T] | None:
        if index == len(segments):
            return node if node.methods is not None else None
        # Split on the raw path, then decode: an encoded "/" (%2F) stays inside one parameter.
        raw = segments[index]
        literal = node.literals.get(unquote(raw) if "%" in raw else raw)
        if literal is not None:
            found = self._find(literal, segments, index + 1, params)
            if found is not None:
                return found
        for pattern, names, child in node.templates:
            matched = pattern.match(raw)
            if matched is None:
                continue
            found = self._find(child, segments, index + 1, params)
            if found is not None:
                for name, value in zip(names, matched.groups(), strict=True):
                    params[name] = unquote(value) if "%" in value else value
                return found
        return None
