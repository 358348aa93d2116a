"""Pact files as read from disk: the ``*.json`` files of a directory (or one file), each one
parsed, its HTTP interactions, and the parts of a request or response every reader needs.

`check`, `verify` and the diff's consumer impact (`mockserver.diff.impact`) all read pacts
this one way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mockserver.errors import ConfigError

__all__ = ["HTTP", "body", "headers", "http_interactions", "pact_files", "read_pact"]

HTTP = "Synchronous/HTTP"  # a V4 interaction's type; V2/V3 interactions have none and are HTTP


def pact_files(pacts: Path) -> list[Path]:
    """``pacts`` itself when it is a file, else the ``*.json`` files in it, sorted."""
    return [pacts] if pacts.is_file() else sorted(pacts.glob("*.json"))


def read_pact(file: Path) -> Any:
    """The parsed JSON of ``file``; `ConfigError` naming it when it cannot be read (the
    error's ``__cause__`` says why)."""
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read pact file {file}: {exc}") from exc


def http_interactions(pact: Any) -> Iterator[Mapping[str, Any]]:
    """The HTTP interactions of a parsed pact (message interactions are left out)."""
    if not isinstance(pact, Mapping):
        return
    for entry in pact.get("interactions") or ():
        if isinstance(entry, Mapping) and entry.get("type", HTTP) == HTTP:
            yield entry


def headers(part: Mapping[str, Any]) -> dict[str, str]:
    """A request's or response's headers, names in lower case, list values joined."""
    found = part.get("headers")
    if not isinstance(found, Mapping):
        return {}
    return {
        str(name).lower(): ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        for name, value in found.items()
    }


def body(part: Mapping[str, Any]) -> tuple[bool, Any, str | None]:
    """``(present, content, content type)`` of a request's or response's body."""
    found = part.get("body")
    if not isinstance(found, Mapping) or "content" not in found:
        return False, None, None
    return True, found["content"], found.get("contentType")
