"""JSON Pointer (RFC 6901) helpers and the ``$ref`` fragment form of pointers (RFC 3986)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

import orjson

from mockserver.errors import PointerError

__all__ = [
    "PointerError",
    "canonical",
    "escape",
    "follow",
    "join",
    "local_ref_targets",
    "parent",
    "pointer_from_ref",
    "ref_from_pointer",
    "resolve",
    "split",
    "unescape",
]

# Characters allowed unencoded in a URI fragment (RFC 3986 pchar / "?"), minus "%" itself.
_FRAGMENT_SAFE = "/?:@!$&'()*+,;=-._~"


def escape(token: str) -> str:
    """Escape one reference token: ``~`` becomes ``~0`` and ``/`` becomes ``~1``."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """Undo `escape`: ``~1`` becomes ``/`` and ``~0`` becomes ``~``."""
    return token.replace("~1", "/").replace("~0", "~")


def join(tokens: Iterable[str | int]) -> str:
    """Build a pointer from unescaped tokens; no tokens gives ``""`` (the whole document)."""
    return "".join("/" + escape(str(token)) for token in tokens)


def split(pointer: str) -> list[str]:
    """Split a pointer into unescaped tokens; it must be ``""`` or start with ``/``."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PointerError(
            f"invalid JSON pointer {pointer!r}: it must be empty or start with '/'",
            pointer=pointer,
            found="",
        )
    return [unescape(token) for token in pointer[1:].split("/")]


def parent(pointer: str) -> str:
    """Return the pointer of the node containing ``pointer`` (``""`` for top-level nodes)."""
    return pointer[: pointer.rfind("/")] if pointer else ""


def pointer_from_ref(fragment: str) -> str:
    """Turn a ``$ref`` fragment (``#/a/b%20c``, with or without ``#``) into a plain pointer."""
    return unquote(fragment.removeprefix("#"))


def ref_from_pointer(pointer: str) -> str:
    """Turn a pointer into a local ``$ref`` (``#/...``), percent-encoding what URIs forbid."""
    # Validators such as jsonschema-rs reject raw "{" or " " in a reference, which OpenAPI
    # path keys ("/users/{id}") and component names often contain.
    return "#" + quote(pointer, safe=_FRAGMENT_SAFE)


def resolve(document: Any, pointer: str | Sequence[str]) -> Any:
    """Return the node at ``pointer`` (a pointer string or unescaped tokens) in ``document``."""
    tokens = split(pointer) if isinstance(pointer, str) else pointer
    node = document
    for depth, token in enumerate(tokens):
        if isinstance(node, Mapping):
            if token in node:
                node = node[token]
                continue
        elif isinstance(node, list) and _is_index(token) and int(token) < len(node):
            node = node[int(token)]
            continue
        found = join(tokens[:depth])
        raise PointerError(
            f"{found or 'the document root'} has no {token!r} ({_describe(node)})",
            pointer=join(tokens),
            found=found,
        )
    return node


def canonical(document: Any, pointer: str) -> str | None:
    """The pointer that names what ``pointer`` means when it passes through local ``$ref``s.

    ``/components/schemas/Alias/properties/name``, where ``Alias`` is ``{"$ref": "#/.../Item"}``,
    names nothing as JSON Pointer reads it, yet its author meant
    ``/components/schemas/Item/properties/name`` (and resolvers that dereference first, such
    as Prism's, read it so). None when it names nothing even so.
    """
    tokens = split(pointer)
    here: list[str] = []
    node = document
    for _ in range(len(tokens) + 64):  # bounded: a $ref cycle ends the search
        if not tokens:
            return join(here)
        token = tokens[0]
        if isinstance(node, Mapping) and token in node:
            node, here, tokens = node[token], [*here, token], tokens[1:]
        elif isinstance(node, list) and _is_index(token) and int(token) < len(node):
            node, here, tokens = node[int(token)], [*here, token], tokens[1:]
        elif isinstance(node, Mapping) and isinstance(ref := node.get("$ref"), str):
            if not ref.startswith("#"):
                return None
            here = split(pointer_from_ref(ref))
            try:
                node = resolve(document, here)
            except PointerError:
                return None
        else:
            return None
    return None


def follow(document: Any, node: Any, pointer: str = "") -> tuple[str, Any]:
    """Follow local ``$ref`` chains from ``node`` (found at ``pointer``) to the final node.

    Stops at the first reference that is not local or does not resolve, and at cycles.
    """
    seen: set[int] = set()
    while isinstance(node, Mapping) and id(node) not in seen:
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            break
        seen.add(id(node))
        try:
            target = resolve(document, pointer_from_ref(ref))
        except PointerError:
            break
        pointer, node = pointer_from_ref(ref), target
    return pointer, node


def _is_index(token: str) -> bool:
    # RFC 6901: array indices are decimal with no leading zeros.
    return token.isdigit() and (token == "0" or not token.startswith("0"))


def _describe(node: Any) -> str:
    if isinstance(node, Mapping):
        keys = sorted(str(key) for key in node)
        if not keys:
            return "it is an empty mapping"
        shown = ", ".join(keys[:10]) + (", ..." if len(keys) > 10 else "")
        return f"it has: {shown}"
    if isinstance(node, list):
        return f"it is a list of {len(node)} items"
    return f"it is a {type(node).__name__}, not a container"


_REF_VALUE = re.compile(rb'"\$(?:dynamic)?ref":("(?:[^"\\]|\\.)*")')


def local_ref_targets(document: Any) -> set[str] | None:
    """The pointers every ``$ref`` of ``document`` targets; None if one is no local pointer.

    Found in the document's JSON text, which is much faster than walking its objects.
    """
    try:
        dumped = orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return None
    targets: set[str] = set()
    for raw in _REF_VALUE.findall(dumped):
        ref = orjson.loads(raw)
        if not (ref == "#" or ref.startswith("#/")):
            return None
        targets.add(pointer_from_ref(ref))
    return targets


def place(skeleton: Any, document: Any, pointer: str, node: Any) -> None:
    """Put ``node`` at ``pointer`` in ``skeleton``, making its containers as ``document`` has.

    Builds a partial copy of a document: what ``$ref``s point at, at their places, so they
    resolve in it as they do in the whole.
    """
    *path, last = split(pointer)
    here, source = skeleton, document
    for token in path:
        source = source[int(token)] if isinstance(source, list) else source[token]
        here = _slot(here, token, [] if isinstance(source, list) else {})
    _slot(here, last, node)


def _slot(container: Any, token: str, value: Any) -> Any:
    """The child of ``container`` at ``token``, set to ``value`` if it is not there yet."""
    if isinstance(container, list):
        index = int(token)
        container.extend([None] * (index + 1 - len(container)))
        if container[index] is None:
            container[index] = value
        return container[index]
    return container.setdefault(token, value)
