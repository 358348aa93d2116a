"""Media types of an answer: the one the client accepts best, its Content-Type, its bytes.

`negotiate` reads ``Accept`` (qualities, wildcards, ``+json`` suffixes) against the media
types a response declares; `content_type` and `encode` send a wildcard entry as JSON.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["content_type", "encode", "negotiate"]


def _parse_accept(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = part.strip().split(";")
        quality = 1.0
        for param in params:
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.strip().lower(), quality))
    return ranges


def _matches(accepted: str, offered: str) -> bool:
    offered = offered.split(";")[0].strip().lower()
    if accepted in ("*/*", offered):
        return True
    kind, _, sub = accepted.partition("/")
    o_kind, _, o_sub = offered.partition("/")
    if sub == "*":
        return kind == o_kind
    # A client accepting application/json takes application/problem+json too.
    return kind == o_kind and sub == "json" and o_sub.endswith("+json")


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client accepts best; the first offered one without Accept."""
    if not offered:
        return None
    if not accept:
        return _concrete(offered[0], offered)
    best: tuple[float, int] | None = None
    choice = None
    for index, name in enumerate(offered):
        for accepted, quality in _parse_accept(accept):
            if quality > 0 and _matches(accepted, name):
                rank = (quality, -index)
                if best is None or rank > best:
                    best, choice = rank, name
    return None if choice is None else _concrete(choice, offered)


def _concrete(choice: str, offered: list[str]) -> str:
    """A wildcard (``*/*``) is answered as JSON: when JSON is declared too, its own entry (and
    schema) is what that answer must fit, not the wildcard's (a download declared ``*/*`` with
    a binary ``File`` next to ``application/json`` with a ``File`` object)."""
    if choice.split(";")[0].strip().lower() not in _WILDCARDS:
        return choice
    return next(
        (name for name in offered if name.split(";")[0].strip().lower() == "application/json"),
        choice,
    )


_WILDCARDS = ("*/*", "application/*")


def encode(media_type: str, value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    base = media_type.split(";")[0].strip().lower()
    if isinstance(value, str) and not (base.endswith("json") or base in ("*/*", "application/*")):
        return value.encode()
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def content_type(media_type: str) -> str:
    base = media_type.split(";")[0].strip().lower()
    if base in ("*/*", "application/*"):
        return "application/json"
    return media_type
