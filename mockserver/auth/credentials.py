"""Checks that a request carries the credentials an operation's security requirement asks for.

The stateless engine checks presence and shape only (a bearer token is there); verifying a
token's signature is the stateful mock's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["SecurityChecker", "SecurityFailure"]


@dataclass(frozen=True, slots=True)
class SecurityFailure:
    """Why no alternative of the requirement is met, and the challenges to send back."""

    detail: str
    challenges: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Scheme:
    name: str
    kind: str  # "http", "apiKey", "oauth2", "openIdConnect", "mutualTLS"
    scheme: str  # for http: "bearer", "basic", ...; for apiKey: the location
    key: str  # apiKey parameter name

    def challenge(self) -> str:
        if self.kind == "http":
            return f'{self.scheme.capitalize()} realm="api"'
        if self.kind in ("oauth2", "openIdConnect"):
            return 'Bearer realm="api"'
        return f'ApiKey realm="api", {self.scheme}="{self.key}"'

    def describe(self) -> str:
        if self.kind == "http":
            return f"an Authorization: {self.scheme.capitalize()} header"
        if self.kind in ("oauth2", "openIdConnect"):
            return "an Authorization: Bearer header"
        return f"the API key {self.scheme} {self.key!r}"

    def present(self, headers: Mapping[str, str], query: dict[str, str], cookies: Any) -> bool:
        if self.kind == "apiKey":
            if self.scheme == "header":
                return bool(headers.get(self.key))
            if self.scheme == "query":
                return bool(query.get(self.key))
            return self.key in cookies
        if self.kind == "mutualTLS":
            return True  # the TLS layer decides; a mock on plain HTTP cannot tell
        auth = headers.get("authorization", "")
        wanted = "bearer" if self.kind != "http" else self.scheme.lower()
        kind, _, credentials = auth.partition(" ")
        return kind.lower() == wanted and bool(credentials.strip())


def _schemes(document: Mapping[str, Any]) -> dict[str, _Scheme]:
    raw = (document.get("components") or {}).get("securitySchemes") or {}
    out = {}
    for name, scheme in raw.items():
        if not isinstance(scheme, Mapping):
            continue
        kind = str(scheme.get("type", ""))
        detail = str(scheme.get("scheme", "")) if kind == "http" else str(scheme.get("in", ""))
        out[name] = _Scheme(name, kind, detail.lower(), str(scheme.get("name", "")))
    return out


class SecurityChecker:
    """Compiled check of one operation's ``security`` alternatives."""

    def __init__(
        self,
        document: Mapping[str, Any],
        requirement: Sequence[Mapping[str, Any]],
        *,
        where: str = "",
    ) -> None:
        schemes = _schemes(document)
        self.where = where
        self.undefined: list[str] = []
        self._alternatives: list[list[_Scheme]] = []
        for alternative in requirement:
            resolved = []
            for name in alternative:
                if name in schemes:
                    resolved.append(schemes[name])
                else:
                    # Nothing says what an undefined scheme wants: let it pass (lint reports it).
                    self.undefined.append(name)
            self._alternatives.append(resolved)
        # No requirement, or an empty alternative ({}), lets anonymous requests through.
        self.anonymous = not self._alternatives or any(not alt for alt in self._alternatives)
        # Only API keys read the query or cookies: most checks never need to parse them.
        used = [s for alternative in self._alternatives for s in alternative if s.kind == "apiKey"]
        self._reads_query = any(s.scheme == "query" for s in used)
        self._reads_cookies = any(s.scheme not in ("header", "query") for s in used)
        # The common requirement, one bearer token, is checked without the general loop.
        self._bearer_only = len(self._alternatives) == 1 and [
            s.kind == "oauth2"
            or s.kind == "openIdConnect"
            or (s.kind, s.scheme) == ("http", "bearer")
            for s in self._alternatives[0]
        ] == [True]

    def check(self, headers: Mapping[str, str], query_string: str) -> SecurityFailure | None:
        """None when some alternative is satisfied, else why not."""
        if self.anonymous:
            return None
        if self._bearer_only:
            kind, _, credentials = headers.get("authorization", "").partition(" ")
            if kind.lower() == "bearer" and credentials.strip():
                return None
        query = dict(parse_qsl(query_string, keep_blank_values=True)) if self._reads_query else {}
        cookies: SimpleCookie | dict[str, Any] = {}  # an empty mapping unless cookies are read
        if self._reads_cookies and "cookie" in headers:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(headers["cookie"])
            except Exception:  # a malformed Cookie header simply carries no credentials
                jar = SimpleCookie()
            cookies = jar
        for alternative in self._alternatives:
            if all(s.present(headers, query, cookies) for s in alternative):
                return None
        wanted = " or ".join(
            " and ".join(s.describe() for s in alternative) for alternative in self._alternatives
        )
        challenges = tuple(dict.fromkeys(s.challenge() for alt in self._alternatives for s in alt))
        return SecurityFailure(detail=f"This operation requires {wanted}.", challenges=challenges)
