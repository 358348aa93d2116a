"""What a client asks of the mock: Prism's ``Prefer`` header and ``__`` query parameters.

``Prefer: code=404, example=notFound, dynamic=true`` and the query forms
``?__code=404&__example=notFound&__dynamic=true`` are equivalent; the query wins when both
are given, so a link in a browser can override a header set by a client library.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_plus

from mockserver.errors import PreferenceError

__all__ = ["MAX_DELAY_MS", "NO_PREFERENCES", "Preferences", "parse_preferences"]

MAX_DELAY_MS = 60_000  # the longest delay a client (or --latency) may ask for
_QUERY_PREFIX = "__"
_KEYS = ("code", "example", "dynamic", "delay", "fault")


@dataclass(frozen=True, slots=True)
class Preferences:
    """The client's choices; ``None`` means "let the mock decide"."""

    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    delay: float | None = None  # milliseconds
    fault: str | None = None  # "drop" or an HTTP status as text

    @property
    def wants_example(self) -> bool:
        """Whether the client asked for a particular stateless answer."""
        return self.code is not None or self.example is not None or bool(self.dynamic)


NO_PREFERENCES = Preferences()


def _header_pairs(header: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    # RFC 7240: comma-separated preferences, each "token[=value]" with optional ";params".
    for item in header.split(","):
        token, _, value = item.split(";", 1)[0].strip().partition("=")
        if token:
            pairs[token.strip().lower()] = value.strip().strip('"')
    return pairs


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("true", "1", "yes", ""):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise PreferenceError(f"expected {name}=true or {name}=false, got {name}={raw}")


def parse_preferences(prefer_header: str | None, query_string: str) -> tuple[Preferences, str]:
    """Return the preferences and the query string with the ``__`` parameters removed."""
    raw: dict[str, str] = {}
    if prefer_header:
        raw.update({k: v for k, v in _header_pairs(prefer_header).items() if k in _KEYS})
    if _QUERY_PREFIX in query_string:
        # Filter the raw pairs rather than decode and re-encode: the validator must see the
        # client's own encoding (a literal %2C inside a comma-separated array stays a value).
        kept: list[str] = []
        for pair in query_string.split("&"):
            key, _, value = pair.partition("=")
            name = unquote_plus(key)[len(_QUERY_PREFIX) :]
            if key.startswith(_QUERY_PREFIX) and name in _KEYS:
                raw[name] = unquote_plus(value)
            elif pair:
                kept.append(pair)
        query_string = "&".join(kept)
    if not raw:
        return NO_PREFERENCES, query_string
    code = None
    if "code" in raw:
        if not (raw["code"].isdigit() and 100 <= int(raw["code"]) <= 599):
            raise PreferenceError(f"expected code=<HTTP status 100-599>, got code={raw['code']}")
        code = int(raw["code"])
    dynamic = _parse_bool("dynamic", raw["dynamic"]) if "dynamic" in raw else None
    delay = None
    if "delay" in raw:
        try:
            delay = float(raw["delay"])
        except ValueError:
            delay = -1.0
        if not 0 <= delay <= MAX_DELAY_MS:
            raise PreferenceError(
                f"expected delay=<milliseconds 0-{MAX_DELAY_MS}>, got delay={raw['delay']}"
            )
    fault = raw.get("fault") or None
    if fault is not None and fault != "drop" and not (fault.isdigit() and 400 <= int(fault) <= 599):
        raise PreferenceError(f"expected fault=drop or fault=<status 400-599>, got fault={fault}")
    prefs = Preferences(
        code=code, example=raw.get("example") or None, dynamic=dynamic, delay=delay, fault=fault
    )
    return prefs, query_string
