"""Chooses and renders the response to a valid request: status, media type, body, headers.

Order for the body: the example the client named, then the first named example whose
``x-mock-match`` the request satisfies (of any declared status: `mockserver.spec.matching`),
then the media type's named examples without one, its ``example``, the schema's own
``examples``, and generated data last. Static bodies are
serialized once and reused; only generated ones cost work per request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.compile.operations import (
    MediaType,
    Operation,
    Parameter,
    Response,
    declared_response,
    follow,
)
from mockserver.errors import SpecError
from mockserver.render.hooks import Generate, Validate
from mockserver.render.media_types import content_type, encode, negotiate
from mockserver.render.prefer import NO_PREFERENCES, Preferences
from mockserver.render.problems import Problem
from mockserver.spec.matching import MatchFacts, MatchRule, parse_match
from mockserver.spec.pointer import resolve

__all__ = ["Matched", "Rendered", "Responder"]

logger = logging.getLogger("mockserver")


# Headers that describe how the bytes travel, which the server sets: a spec's example value
# ("Content-Encoding: gzip") would make clients decode a body that is not encoded so.
_FRAMING_HEADERS = frozenset(
    {"content-type", "content-length", "content-encoding", "transfer-encoding", "connection",
     "keep-alive", "upgrade", "trailer", "te"}
)  # fmt: skip

# What an operation that declares no deliverable response answers.
NO_RESPONSE_STATUS = 204


# Not frozen: one is made per request, and a frozen dataclass sets each field through
# object.__setattr__ (several times the cost). Nothing changes one once made.
@dataclass(slots=True)
class Rendered:
    """A response ready to send."""

    status: int
    media_type: str | None
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Selectable:
    """A named example with ``x-mock-match``, and where it is declared."""

    status: int
    response: Response
    media: MediaType
    name: str
    rule: MatchRule


@dataclass(frozen=True, slots=True)
class Matched:
    """The example a request's ``x-mock-match`` selected, rendered, and its value."""

    rendered: Rendered
    value: Any


_EXPLAINED_CACHE_SIZE = 64


class Responder:
    """The compiled responses of one operation."""

    def __init__(
        self,
        document: Mapping[str, Any],
        operation: Operation,
        generate: Generate,
        validate: Validate | None = None,
    ):
        self._document = document
        self._operation = operation
        self._generate = generate
        self._validate = validate
        # Per (status, media type): the first example that validates against the schema
        # (`_MISSING`: none does, so the body is generated). Worked out at first use.
        self._default_example: dict[tuple[str, str], tuple[str, Any]] = {}
        self._explained: dict[tuple[Preferences, str | None] | str | None, str] = {}
        self.default_status = self._default_status()
        self._static: dict[tuple[str, str, str], bytes] = {}
        self._static_headers: dict[str, dict[str, Any]] = {}
        # Examples chosen by the request, the default status's first (empty: none declared).
        self.matches = self._selectable()

    @property
    def operation(self) -> Operation:
        """The operation answered, as the response view declares it (no writeOnly)."""
        return self._operation

    def _default_status(self) -> int:
        # 1xx are interim responses: HTTP cannot send one as the final answer.
        codes = sorted(int(s) for s in self._operation.responses if s.isdigit() and s[0] != "1")
        success = [c for c in codes if 200 <= c < 300]
        if success:
            return success[0]
        if "2XX" in self._operation.responses or "DEFAULT" in self._operation.responses:
            return 200
        return codes[0] if codes else NO_RESPONSE_STATUS

    def _selectable(self) -> tuple[_Selectable, ...]:
        found: list[_Selectable] = []
        for status_key, response in self._operation.responses.items():
            if not status_key.isdigit():
                continue  # a range or default names no status to answer with
            for media in response.content.values():
                for name, raw in media.matches.items():
                    where = f"{media.pointer}/examples/{name}/x-mock-match"
                    try:
                        rule = parse_match(raw, pointer=where)
                    except SpecError as exc:  # the example stays answerable by name
                        logger.warning("%s", str(exc).splitlines()[0])
                        continue
                    found.append(_Selectable(int(status_key), response, media, name, rule))
        found.sort(key=lambda s: (s.status != self.default_status, s.status))
        return tuple(found)

    def matched(
        self, facts: MatchFacts, accept: str | None, key: str, *, code: int | None = None
    ) -> Matched | None:
        """The first example whose ``x-mock-match`` the request satisfies, rendered."""
        for candidate in self.matches:
            if code is not None and candidate.status != code:
                continue
            if negotiate(accept, [candidate.media.name]) is None:
                continue
            if candidate.rule.accepts(facts):
                value = candidate.media.examples[candidate.name]
                body = self._cached(candidate.response, candidate.media, candidate.name, value)
                rendered = Rendered(
                    candidate.status,
                    content_type(candidate.media.name),
                    body,
                    self._headers(candidate.response, key),
                )
                return Matched(rendered, value)
        return None

    def respond(
        self,
        prefs: Preferences,
        accept: str | None,
        key: str,
        facts: MatchFacts | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Rendered | Problem:
        """Render the response for a valid request; ``key`` seeds generated data, ``query``
        (the request's, with declared defaults) shapes a generated page.

        ``facts`` (the request's parameters and body) select an example by its
        ``x-mock-match``, unless the client named an example or asked for generated data.
        """
        if facts is not None and prefs.example is None and not prefs.dynamic:
            found = self.matched(facts, accept, key, code=prefs.code)
            if found is not None:
                return found.rendered
        status = prefs.code if prefs.code is not None else self.default_status
        if status < 200:
            return Problem(
                400,
                "informational_status",
                "Informational statuses cannot be mocked",
                f"Prefer code={status} asks for a 1xx status, which HTTP only sends before a "
                "final response; ask for a 2xx-5xx status instead.",
            )
        response = declared_response(self._operation, status)
        if response is None and prefs.code is None:
            # Nothing deliverable is declared (none at all, as 3.1 allows, or only 1xx):
            # answer that nothing went wrong, with no body.
            return Rendered(NO_RESPONSE_STATUS, None, b"", {})
        if response is None:
            declared = ", ".join(sorted(self._operation.responses)) or "none"
            return Problem(
                400,
                "undeclared_status",
                "Requested status is not declared",
                f"Prefer code={status} asks for a status {self._operation.label} does not "
                f"declare; declared: {declared}.",
            )
        headers = self._headers(response, key)
        if not response.content:
            return Rendered(status, None, b"", headers)
        name = negotiate(accept, list(response.content))
        if name is None:
            offered = ", ".join(response.content)
            return Problem(
                406,
                "not_acceptable",
                "Not acceptable",
                f"Accept: {accept} matches none of the media types {self._operation.label} "
                f"answers with status {status}: {offered}.",
            )
        media = response.content[name]
        notes: list[str] = []
        body = self._body(response, media, prefs, key, notes, query)
        if isinstance(body, Problem):
            return body
        if notes:
            headers = {**headers, "Warning": _unsatisfied(notes)}
        return Rendered(status, content_type(name), body, headers)

    def explain(self, prefs: Preferences, accept: str | None) -> str:
        """Why `respond` answers what it does: the status and where the body comes from.

        Asked for every answer the journal records: the few (preferences, Accept) pairs a
        client sends are worked out once (a bounded number: Accept is the client's to vary).
        """
        # The common case, no preferences, is keyed by Accept alone (no dataclass to hash).
        key = accept if prefs is NO_PREFERENCES else (prefs, accept)
        known = self._explained.get(key)
        if known is None:
            known = self._explain(prefs, accept)
            if len(self._explained) < _EXPLAINED_CACHE_SIZE:
                self._explained[key] = known
        return known

    def _explain(self, prefs: Preferences, accept: str | None) -> str:
        asked = prefs.code is not None
        status = prefs.code if prefs.code is not None else self.default_status
        why = f"status {status} ({'asked for' if asked else 'the first success declared'})"
        response = declared_response(self._operation, status)
        if response is None and asked:
            return f"status {status} asked for, which the operation does not declare"
        if response is None or not response.content:
            return f"{why}, no body"
        name = negotiate(accept, list(response.content))
        if name is None:
            return f"{why}, no media type fits Accept"
        media = response.content[name]
        if prefs.example is not None:
            return f"{why}, example {prefs.example!r} (asked for)"
        if not prefs.dynamic:
            example, value = self._example(response, media)
            if value is not _MISSING:
                which = "the schema's example" if example == "schema" else f"example {example!r}"
                return f"{why}, {which} of {name} (the first that fits the schema)"
        return f"{why}, body generated from the schema of {name}"

    def _body(
        self,
        response: Response,
        media: MediaType,
        prefs: Preferences,
        key: str,
        notes: list[str],
        query: Mapping[str, str] | None = None,
    ) -> bytes | Problem:
        if prefs.example is not None:
            if prefs.example not in media.examples:
                available = ", ".join(media.examples) or "none"
                return Problem(
                    400,
                    "unknown_example",
                    "Requested example does not exist",
                    f"Prefer example={prefs.example} names no example of {self._operation.label} "
                    f"{response.status} {media.name}; available: {available}.",
                )
            return self._cached(response, media, prefs.example, media.examples[prefs.example])
        if not prefs.dynamic:
            name, example = self._example(response, media)
            if example is not _MISSING:
                return self._cached(response, media, name, example)
        if media.schema is None:
            return b""
        value = self._generate(
            media.schema,
            f"{media.pointer}|{key}",
            notes,
            pointer=f"{media.pointer}/schema",
            query=query,
        )
        return encode(media.name, value)

    def _example(self, response: Response, media: MediaType) -> tuple[str, Any]:
        """The example answered by default: the first that fits the schema (`_MISSING`: none)."""
        cache_key = (response.status, media.name)
        known = self._default_example.get(cache_key)
        if known is None:
            # An example with x-mock-match answers only the requests it matches.
            candidates = [(n, v) for n, v in media.examples.items() if n not in media.matches]
            schema_example = self._schema_example(media)
            if schema_example is not _MISSING:
                candidates.append(("schema", schema_example))
            valid = (
                self._validate(media.schema, media.pointer)
                if (self._validate is not None and media.schema is not None)
                else None
            )
            known = next(
                ((name, value) for name, value in candidates if valid is None or valid(value)),
                ("", _MISSING),
            )
            self._default_example[cache_key] = known
        return known

    def _cached(self, response: Response, media: MediaType, name: str, value: Any) -> bytes:
        cache_key = (response.status, media.name, name)
        body = self._static.get(cache_key)
        if body is None:
            body = self._static[cache_key] = encode(media.name, value)
        return body

    def _schema_example(self, media: MediaType) -> Any:
        if media.schema is None or isinstance(media.schema, bool):
            return _MISSING
        try:
            schema, _ = follow(self._document, media.schema, media.pointer)
        except SpecError:  # a dangling $ref: generation answers its best and says so
            return _MISSING
        if isinstance(schema, Mapping):
            if isinstance(schema.get("examples"), list) and schema["examples"]:
                return schema["examples"][0]
            if "example" in schema:
                return schema["example"]
        return _MISSING

    def _headers(self, response: Response, key: str) -> dict[str, str]:
        static = self._static_headers.get(response.status)
        if static is None:
            static = self._static_headers[response.status] = {
                name: self._header_value(header, key, static=True)
                for name, header in response.headers.items()
                if name.lower() not in _FRAMING_HEADERS
            }
        out = {}
        for name, value in static.items():
            if value is _MISSING:
                value = self._header_value(response.headers[name], key, static=False)
            if value is not None:
                out[name] = value
        return out

    def _header_value(self, header: Parameter, key: str, *, static: bool) -> Any:
        """The header's value; with ``static``, `_MISSING` when it must be generated."""
        if not header.required and header.schema in ({}, None, True):
            return None
        value: Any = _MISSING
        schema, _ = follow(self._document, header.schema, header.pointer)
        examples = _header_examples(self._document, header)
        if examples:
            value = examples[0]
        elif isinstance(schema, Mapping) and schema.get("examples"):
            value = schema["examples"][0]
        elif isinstance(schema, Mapping) and "example" in schema:
            value = schema["example"]
        if value is _MISSING:
            if static:
                return _MISSING
            value = self._generate(
                header.schema, f"{header.pointer}|{key}", pointer=f"{header.pointer}/schema"
            )
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return ",".join(str(v) for v in value)
        return None if value is None else str(value)


_MISSING: Any = object()


def _header_examples(document: Mapping[str, Any], header: Parameter) -> list[Any]:
    raw = resolve(document, header.pointer)
    if not isinstance(raw, Mapping):
        return []
    values = []
    if "example" in raw:
        values.append(raw["example"])
    for example in (raw.get("examples") or {}).values():
        resolved, _ = follow(document, example, header.pointer)
        if isinstance(resolved, Mapping) and "value" in resolved:
            values.append(resolved["value"])
    return values


def _unsatisfied(pointers: list[str]) -> str:
    """The ``Warning`` of a body generated for schemas no value satisfies (RFC 7234 format)."""
    where = ", ".join(dict.fromkeys(pointers))
    return (
        f'199 mockserver "no value satisfies the schema at {where}; this body is the closest '
        'the mock could build (mockserver lint explains)"'
    )
