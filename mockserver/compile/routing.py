"""Matches request paths to path templates: literal segments win over templated ones.

A trie of path segments built once at start-up, so a lookup costs one dict access per
literal segment instead of one regex per declared path. Templates that differ only in their
parameter names (``/orgs/{org}/items/{item_id}`` with GET, ``/orgs/{org}/items/{digest}``
with DELETE) share a node: each method keeps its own names, and only the same method on two
such templates is a clash (`RouteClash`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

from mockserver.errors import SpecError

__all__ = ["Match", "RouteClash", "Router", "request_path"]

T = TypeVar("T")

_PARAM = re.compile(r"\{([^{}/]+)\}")


class RouteClash(SpecError):
    """Two templates of the same shape declare the same method: requests cannot tell them apart."""

    def __init__(self, template: str, method: str, other: str, existing: object = None) -> None:
        hint = (
            "a path's #fragment or ?query never reaches the server as part of the path: "
            "give the operations distinct paths (or one operation with a query parameter)"
            if request_path(template) != template or request_path(other) != other
            else "templates that differ only in parameter names cannot share a method: "
            "merge the two paths"
        )
        super().__init__(
            f"{method} {template} matches the same requests as {method} {other}", hint=hint
        )
        self.template, self.method, self.other = template, method, other
        self.existing = existing  # the handler ``other`` was registered with


@dataclass(slots=True)
class _Node(Generic[T]):
    literals: dict[str, _Node[T]] = field(default_factory=dict)
    # (compiled segment pattern, number of parameters, child) in specificity order.
    templates: list[tuple[re.Pattern[str], int, _Node[T]]] = field(default_factory=list)
    methods: dict[str, T] | None = None
    template: str = ""  # the first template registered here
    # Per method: its template and parameter names, in path order.
    declared: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


# Not frozen: one is made per request, and a frozen dataclass sets each field through
# object.__setattr__ (several times the cost). Nothing changes one once made.
@dataclass(slots=True)
class Match(Generic[T]):
    """A matched path: its template, the handlers by method and the decoded parameter values."""

    template: str
    methods: dict[str, T]
    values: tuple[str, ...]
    declared: dict[str, tuple[str, tuple[str, ...]]]

    @property
    def params(self) -> dict[str, str]:
        """The path parameters, named as the first template registered for this path names them."""
        return self.params_for(next(iter(self.declared)))

    def params_for(self, method: str) -> dict[str, str]:
        """The path parameters named as ``method``'s template names them."""
        names = self.declared[method][1]
        return dict(zip(names, self.values, strict=True))

    def template_for(self, method: str) -> str:
        """The template ``method`` was registered with."""
        return self.declared[method][0]


def _segment_pattern(
    segment: str, hints: Mapping[str, str] | None = None
) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The regex of one templated segment (names replaced by groups) and its parameter names.

    Several parameters in one segment (``{name}{extension}``) split it lazily, unless
    ``hints`` gives a parameter's own regex (its enum values, say): then that decides.
    """
    names: list[str] = []
    pattern = ""
    last = 0
    several = len(_PARAM.findall(segment)) > 1
    for found in _PARAM.finditer(segment):
        pattern += re.escape(segment[last : found.start()])
        names.append(found.group(1))
        hint = (hints or {}).get(found.group(1)) if several else None
        if hint is not None:
            pattern += f"({hint})"
        else:
            # A parameter never spans a "/".
            pattern += "(.+?)" if found.end() < len(segment) else "(.+)"
        last = found.end()
    pattern += re.escape(segment[last:])
    return re.compile(pattern + r"\Z", re.DOTALL), tuple(names)


def request_path(template: str) -> str:
    """The part of a template a request's path can match: some documents tell operations
    apart by a fragment or a query written into the path (``/items#folders``, ``/fs?op=LIST``),
    which clients never send as part of the path."""
    cut = min((i for i in (template.find("#"), template.find("?")) if i >= 0), default=-1)
    return template if cut < 0 else template[:cut]


def _specificity(entry: tuple[re.Pattern[str], int, object]) -> tuple[int, int]:
    # More literal characters first: "{id}.json" is tried before "{name}", and
    # "pocs.{format}" before "{id}.{format}".
    return (-_literal_length(entry[0].pattern), entry[1])


def _literal_length(pattern: str) -> int:
    """How many literal characters a `_segment_pattern` regex holds outside its groups."""
    depth = count = 0
    escaped = False
    for char in pattern.removesuffix(r"\Z"):
        if escaped:
            escaped = False
            count += depth == 0
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        else:
            count += depth == 0
    return count


# How many recent paths `Router.match` remembers.
RECENT_PATHS = 4096


class Router(Generic[T]):
    """Maps ``(method, path)`` to a handler registered for a path template."""

    def __init__(self, base_path: str = "") -> None:
        self._root: _Node[T] = _Node()
        self._base = base_path.rstrip("/")
        # Recent paths and what they matched: a client asks for the same few paths again and
        # again, and a hit is one dict lookup instead of a walk with regexes. Bounded (emptied
        # when full), so a client sending endless distinct paths costs no memory.
        self._recent: dict[str, Match[T] | None] = {}

    def add(
        self,
        template: str,
        method: str,
        handler: T,
        *,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        """Register ``handler`` for ``method`` on ``template`` (``/projects/{projectId}``).

        ``hints`` maps parameter names to regexes that split a segment holding several
        parameters. Raises `RouteClash` when a template of the same shape already has
        ``method``.
        """
        node = self._root
        names: list[str] = []
        path = request_path(template).strip("/")
        for segment in path.split("/") if path else []:
            if "{" in segment:
                pattern, segment_names = _segment_pattern(segment, hints)
                names.extend(segment_names)
                for existing, _, child in node.templates:
                    if existing.pattern == pattern.pattern:
                        node = child
                        break
                else:
                    child = _Node()
                    node.templates.append((pattern, len(segment_names), child))
                    node.templates.sort(key=_specificity)
                    node = child
            else:
                node = node.literals.setdefault(segment, _Node())
        method = method.upper()
        if node.methods is None:
            node.methods = {}
            node.template = template
        elif method in node.methods:
            raise RouteClash(template, method, node.declared[method][0], node.methods[method])
        node.methods[method] = handler
        node.declared[method] = (template, tuple(names))
        self._recent.clear()

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
        recent = self._recent
        try:
            return recent[raw_path]
        except KeyError:
            pass
        if len(recent) >= RECENT_PATHS:
            recent.clear()
        found = recent[raw_path] = self._match(raw_path)
        return found

    def _match(self, raw_path: str) -> Match[T] | None:
        if self._base:
            if raw_path != self._base and not raw_path.startswith(self._base + "/"):
                return None
            raw_path = raw_path[len(self._base) :]
        stripped = raw_path.strip("/")
        segments = stripped.split("/") if stripped else []
        found = self._descend(segments)
        if found is not None:
            leaf, descended = found
            return Match(leaf.template, leaf.methods or {}, descended, leaf.declared)
        values: list[str] = []
        node = self._find(self._root, segments, 0, values)
        if node is None or node.methods is None:
            return None
        values.reverse()  # collected on the way back out of the trie
        return Match(node.template, node.methods, tuple(values), node.declared)

    def _descend(self, segments: list[str]) -> tuple[_Node[T], tuple[str, ...]] | None:
        """The first way down the trie (literals first), without backtracking; None if it
        ends nowhere, and the full search (`_find`) decides."""
        node: _Node[T] = self._root
        values: list[str] = []
        for raw in segments:
            literal = node.literals.get(unquote(raw) if "%" in raw else raw)
            if literal is not None:
                node = literal
                continue
            for pattern, _, child in node.templates:
                matched = pattern.match(raw)
                if matched is not None:
                    for value in matched.groups():
                        values.append(unquote(value) if "%" in value else value)
                    node = child
                    break
            else:
                return None
        return (node, tuple(values)) if node.methods is not None else None

    def _find(
        self, node: _Node[T], segments: list[str], index: int, values: list[str]
    ) -> _Node[T] | None:
        if index == len(segments):
            return node if node.methods is not None else None
        # Split on the raw path, then decode: an encoded "/" (%2F) stays inside one parameter.
        raw = segments[index]
        literal = node.literals.get(unquote(raw) if "%" in raw else raw)
        if literal is not None:
            found = self._find(literal, segments, index + 1, values)
            if found is not None:
                return found
        for pattern, _, child in node.templates:
            matched = pattern.match(raw)
            if matched is None:
                continue
            found = self._find(child, segments, index + 1, values)
            if found is not None:
                for value in reversed(matched.groups()):
                    values.append(unquote(value) if "%" in value else value)
                return found
        return None
