"""Renders the mock's own errors as RFC 9457 problem details, in the spec's error shape.

When an operation declares the status being answered (400, 401, 404, ...) with a schema, the
problem is reshaped until it validates against that schema, so error paths are contract-valid
too. Without a declared schema the plain RFC 9457 body is used. Its ``type``, ``title`` and
``code`` are the spec's own where its problem examples say (`compile.problem_types`), else
``urn:mockserver:problem:<code>``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.compile.operations import MediaType, Operation, Response, declared_response, follow
from mockserver.compile.problem_types import ProblemTypes, collect_problem_types
from mockserver.errors import MockServerError
from mockserver.render.hooks import Generate, Validate

__all__ = ["Problem", "ProblemRenderer", "title_of"]

PROBLEM_JSON = "application/problem+json"
# The problem types of a spec whose examples name none.
TYPE_URN = "urn:mockserver:problem:"
_NONE: Any = object()
_NO_VOCABULARY = ProblemTypes()

# Names an error schema may use for the same idea, most common first.
_FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "field": ("field", "location", "path", "name", "param", "parameter", "pointer", "loc"),
    "code": ("code", "rule", "keyword", "type", "reason"),
    "message": ("message", "detail", "description", "msg", "error"),
}
_TOP_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "error", "message", "summary"),
    "detail": ("detail", "message", "description", "error_description", "reason"),
    "code": ("code", "error_code", "errorCode", "error"),
    "status": ("status", "statusCode", "status_code", "httpStatus"),
    "errors": ("errors", "violations", "details", "fieldErrors", "invalid_params", "issues"),
}


# Not frozen: one is made per request, and a frozen dataclass sets each field through
# object.__setattr__ (several times the cost). Nothing changes one once made.
@dataclass(slots=True)
class Problem:
    """One error the mock answers: ``errors`` holds ``(field, code, message)`` triples."""

    status: int
    code: str
    title: str
    detail: str
    errors: Sequence[tuple[str, str, str]] = ()
    headers: Mapping[str, str] | None = None

    def canonical(self, instance: str, types: ProblemTypes = _NO_VOCABULARY) -> dict[str, Any]:
        """The plain RFC 9457 body, named as ``types`` (the served spec's vocabulary) says."""
        naming = types.naming(self.status, self.code)
        body: dict[str, Any] = {
            "type": naming.type or TYPE_URN + self.code.replace("_", "-"),
            "title": naming.title or self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "code": naming.code,
        }
        if self.errors:
            body["errors"] = [
                {"field": field, "code": code, "message": message}
                for field, code, message in self.errors
            ]
        return body


def title_of(code: str) -> str:
    """A problem title from its machine code: ``order_not_payable`` -> ``Order not payable``."""
    return code.replace("_", " ").capitalize()


def _json_media(response: Response) -> MediaType | None:
    for name, media in response.content.items():
        base = name.split(";")[0].strip().lower()
        if base.endswith("json") or base in ("*/*", "application/*"):
            return media
    return None


class ProblemRenderer:
    """Turns a `Problem` into ``(status, media type, body bytes, headers)`` for an operation."""

    def __init__(self, document: Mapping[str, Any], validate: Validate, generate: Generate) -> None:
        self._document = document
        # Compiled once: how the spec's own problem examples name their problems.
        self.types = collect_problem_types(document)
        self._validate = validate
        self._generate = generate
        # Per media type, read once: the generated template and the error schema's shape.
        self._templates: dict[int, tuple[MediaType, Any]] = {}
        self._shapes: dict[int, tuple[MediaType, tuple[set[str], set[str]]]] = {}

    def type_of(self, status: int, code: str) -> str:
        """The ``type`` the mock answers for its problem ``code`` at ``status``."""
        return self.types.naming(status, code).type or TYPE_URN + code.replace("_", "-")

    def render(
        self, problem: Problem, operation: Operation | None, instance: str
    ) -> tuple[int, str, bytes, dict[str, str]]:
        """Render ``problem``; ``operation`` is None when no operation matched the request."""
        headers = dict(problem.headers or {})
        canonical = problem.canonical(instance, self.types)
        response = declared_response(operation, problem.status) if operation else None
        media = _json_media(response) if response else None
        if media is None or media.schema is None:
            return problem.status, PROBLEM_JSON, orjson.dumps(canonical), headers
        is_valid = self._validate(media.schema, media.pointer)
        for candidate in self._candidates(problem, canonical, media):
            if is_valid(candidate):
                return problem.status, media.name, orjson.dumps(candidate), headers
        # Nothing of ours fits the declared schema: a valid body beats a helpful one.
        fallback = self._template(media)
        if fallback is _NONE:
            return problem.status, PROBLEM_JSON, orjson.dumps(canonical), headers
        return problem.status, media.name, orjson.dumps(fallback), headers

    def _template(self, media: MediaType) -> Any:
        """A generated body of the error schema, or `_NONE` when the schema cannot be met.

        Generated at the first problem of the media type and kept: it is only filler around
        our fields, and generating it per error made a 400 cost several times a 200.
        """
        cached = self._templates.get(id(media))
        if cached is not None and cached[0] is media:
            return cached[1]
        assert media.schema is not None
        notes: list[str] = []
        try:
            template = self._generate(
                media.schema, f"{media.pointer}|problem", notes, pointer=f"{media.pointer}/schema"
            )
        except MockServerError:
            template = _NONE
        if notes:  # no value meets the schema: the closest one is no better than RFC 9457
            template = _NONE
        self._templates[id(media)] = (media, template)
        return template

    def _candidates(
        self, problem: Problem, canonical: dict[str, Any], media: MediaType
    ) -> Iterator[Any]:
        """Bodies to try in order, made only as far as the first that validates."""
        yield canonical
        assert media.schema is not None
        shape = self._shapes.get(id(media))
        if shape is None or shape[0] is not media:
            shape = self._shapes[id(media)] = (media, self._shape(media.schema, media.pointer))
        properties, item_properties = shape[1]
        for template in (*media.examples.values(), self._template(media)):
            if isinstance(template, Mapping):
                yield self._adapt(problem, canonical, template, properties, item_properties)
                yield dict(template)

    def _adapt(
        self,
        problem: Problem,
        canonical: dict[str, Any],
        template: Mapping[str, Any],
        properties: set[str],
        item_properties: set[str],
    ) -> dict[str, Any]:
        body = dict(template)
        for ours, aliases in _TOP_ALIASES.items():
            name = next((a for a in aliases if a in properties), None)
            if name is None:
                continue
            if ours == "errors":
                if problem.errors and item_properties:
                    body[name] = [self._item(e, item_properties) for e in problem.errors]
            else:
                body[name] = canonical[ours]
        for key in ("type", "instance"):
            if key in properties:
                body[key] = canonical[key]
        return body

    @staticmethod
    def _item(error: tuple[str, str, str], item_properties: set[str]) -> dict[str, str]:
        item = {}
        for value, ours in zip(error, ("field", "code", "message"), strict=True):
            name = next((a for a in _FIELD_ALIASES[ours] if a in item_properties), None)
            if name is not None and name not in item:
                item[name] = value
        return item

    def _shape(self, schema: Mapping[str, Any] | bool, pointer: str) -> tuple[set[str], set[str]]:
        """Property names of the error object and of its errors' items (through refs, allOf)."""
        props = self._properties(schema, pointer)
        items: set[str] = set()
        for alias in _TOP_ALIASES["errors"]:
            if alias in props:
                array, array_pointer = follow(self._document, props[alias], pointer)
                if isinstance(array, Mapping) and isinstance(array.get("items"), Mapping):
                    items = set(self._properties(array["items"], array_pointer))
                break
        return set(props), items

    def _properties(self, schema: Any, pointer: str, depth: int = 0) -> dict[str, Any]:
        node, pointer = follow(self._document, schema, pointer)
        if not isinstance(node, Mapping) or depth > 8:
            return {}
        out = dict(node.get("properties") or {})
        for sub in node.get("allOf") or []:
            out.update(self._properties(sub, pointer, depth + 1))
        return out
