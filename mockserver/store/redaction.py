"""What the journal never keeps: the values of secrets (passwords, tokens, keys, cookies).

A header or a body field is a secret by its name (``Authorization``, ``password``,
``refreshToken``, ``X-Api-Key``): its value is replaced by `REDACTED`, wherever it sits in a
JSON or form body. The journal is readable by whoever reaches ``/__mock/`` and, with Redis,
lives beside the state; neither should hold a user's password.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

import orjson

__all__ = ["REDACTED", "is_secret", "redacted_body", "redacted_headers", "redacted_text"]

REDACTED: Final = "[redacted]"
# Lower-cased names with "-" and "_" removed that hold secrets wherever they occur in a name.
_SECRET_PARTS: Final = (
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "authorization",
    "cookie",
    "sessionid",
    "credential",
    "signature",
    "privatekey",
)

# What a body holding a secret-looking name must contain, lower-cased: only a body with one
# of these is parsed to be redacted (the journal records every exchange before the answer
# is sent; plain substring tests are several times faster than a case-insensitive regex).
_MAYBE_SECRET: Final = (
    b"pass", b"secret", b"token", b"key", b"authoriz", b"cookie", b"session", b"credential",
    b"signature",
)  # fmt: skip
_PARSED_AT_MOST: Final = 256 * 1024


@functools.lru_cache(maxsize=4096)
def is_secret(name: str) -> bool:
    """Whether a header or field called ``name`` holds a secret (a password, a token...)."""
    folded = name.lower().replace("-", "").replace("_", "")
    return any(part in folded for part in _SECRET_PARTS)


def redacted_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a mapping by lower-case name (repeated ones joined), secret values replaced."""
    out: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        shown = REDACTED if is_secret(key) else value
        out[key] = f"{out[key]}, {shown}" if key in out else shown
    return out


def redacted_body(value: Any) -> Any:
    """A parsed JSON value with the values of secret-looking fields replaced, at any depth."""
    if isinstance(value, Mapping):
        # A secret-looking name over an object or a list ("tokens") is looked into instead.
        return {
            key: redacted_body(item)
            if isinstance(item, Mapping | list) or not is_secret(str(key))
            else REDACTED
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redacted_body(item) for item in value]
    return value


def _may_hold_secrets(body: bytes) -> bool:
    folded = body.lower()
    return any(part in folded for part in _MAYBE_SECRET)


def redacted_text(body: bytes, limit: int) -> str:
    """The start of a body as text, at most ``limit`` characters, secret fields replaced.

    JSON and form bodies are read and written again with their secrets replaced; a body that
    is neither is kept as it is (its start).
    """
    if not _may_hold_secrets(body):  # most bodies: nothing to parse, cheap
        return body[: limit * 4].decode("utf-8", "replace")[:limit]
    if len(body) > _PARSED_AT_MOST:
        return f"[a body of {len(body)} bytes with secret-looking fields, not kept]"
    stripped = body.lstrip()[:1]
    if stripped in (b"{", b"["):
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        else:
            return orjson.dumps(redacted_body(parsed)).decode()[:limit]
    text = body[: limit * 4].decode("utf-8", "replace")
    if "=" in text and not any(c in text for c in " \n{<"):
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs and any(is_secret(name) for name, _ in pairs):
            return urlencode([(n, REDACTED if is_secret(n) else v) for n, v in pairs])[:limit]
    return text[:limit]
