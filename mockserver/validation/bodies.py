"""Bodies: which declared media type a request's content matches, and how its bytes are read.

JSON is parsed, forms (urlencoded and multipart) are typed by the body's schema, text is
decoded by its charset; each declared media type gets a `BodyReader` and a key in the
operation's combined validator.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import orjson
from starlette.datastructures import Headers

from mockserver.compile.operations import MediaType
from mockserver.compile.schemas import schema_types
from mockserver.validation.forms import FormParser, parse_multipart
from mockserver.validation.parameters import MISSING, is_json_media_type, parse_query
from mockserver.validation.violations import Violation

__all__ = ["BodyReader", "ContentMatcher", "body_readers", "lower_headers", "split_content_type"]

_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def _media_key(name: str) -> str:
    return name.split(";")[0].strip().lower()


_NO_PARAMETERS: Mapping[str, str] = MappingProxyType({})


@functools.lru_cache(maxsize=256)
def split_content_type(value: str | None) -> tuple[str | None, Mapping[str, str]]:
    """``"text/plain; charset=UTF-8"`` as ``("text/plain", {"charset": "UTF-8"})``.

    Remembered: a client sends the same few content types, and splitting one cost more than
    the rest of reading a small body. The parameters are read-only for that reason.
    """
    if not value:
        return None, _NO_PARAMETERS
    bare, *rest = value.split(";")
    params: dict[str, str] = {}
    for item in rest:
        key, _, val = item.partition("=")
        params[key.strip().lower()] = val.strip().strip('"')
    return bare.strip().lower() or None, MappingProxyType(params) if params else _NO_PARAMETERS


class ContentMatcher:
    """Finds the declared media type for a request's: exact, then ``type/*``, then ``*/*``."""

    def __init__(self, names: Iterable[str]) -> None:
        self.declared: dict[str, str] = {}
        for name in names:
            self.declared.setdefault(_media_key(name), name)
        self.accepted = ", ".join(self.declared.values())

    def match(self, bare: str) -> str | None:
        declared = self.declared
        found = declared.get(bare)
        if found is None:
            found = declared.get(bare.split("/", 1)[0] + "/*") or declared.get("*/*")
        return found


def lower_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    """Headers that can be looked up by their lower-case name."""
    # Already case-insensitive. Read from the class's bases: `isinstance` against Headers, an
    # abstract Mapping, costs several times more, and the engine asks once per request.
    if Headers in type(headers).__mro__:
        return headers
    return {key.lower(): value for key, value in headers.items()}


class BodyReader:
    """How one declared media type's body is read and which part of the validator checks it."""

    __slots__ = ("_document", "_form", "_media", "key", "name", "text")

    def __init__(self, key: str, media: MediaType, document: Mapping[str, Any]) -> None:
        self.key = key
        self.name = media.name
        self._media, self._document = media, document
        self._form: FormParser | None = None
        schema = media.schema if media.schema is not None else {}
        # Non-JSON bodies are only validated when the schema is about text.
        self.text = media.schema is not None and schema_types(schema, document) == frozenset(
            {"string"}
        )

    @property
    def form(self) -> FormParser:
        """How a form body's fields are typed; planned at the first form body.

        Most bodies are JSON and never need it: planning every body's form fields up front
        took most of the start-up of a document with thousands of bodies.
        """
        if self._form is None:
            media = self._media
            schema = media.schema if media.schema is not None else {}
            self._form = FormParser(schema, self._document, media.encoding, pointer=media.pointer)
        return self._form

    def read(
        self, bare: str, params: Mapping[str, str], content_type: str, data: bytes
    ) -> tuple[Any, Any, Violation | None]:
        """``(value for the application, value to validate or MISSING, violation or None)``."""
        if is_json_media_type(bare):
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                return None, MISSING, _malformed(f"the body is not valid JSON: {exc}")
            return value, value, None
        if bare == _FORM:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                return None, MISSING, _malformed(f"the form body is not UTF-8: {exc}")
            value = self.form.urlencoded(parse_query(text))
            return value, value, None
        if bare == _MULTIPART:
            try:
                parts = parse_multipart(data, content_type)
            except ValueError as exc:
                return None, MISSING, _malformed(f"the multipart body is malformed: {exc}")
            values, checked = self.form.multipart(parts)
            return values, checked, None
        textual = bare.startswith("text/")
        if not (textual or self.text):
            return data, MISSING, None
        charset = params.get("charset") or "utf-8"
        try:
            decoded = data.decode(charset)
        except (LookupError, UnicodeDecodeError) as exc:
            if not textual:
                return data, MISSING, None  # binary after all: nothing to check
            return None, MISSING, _malformed(f"the body is not valid {charset} text: {exc}")
        return decoded, decoded if self.text else MISSING, None


def _malformed(message: str) -> Violation:
    return Violation("body", "malformed_body", message)


def body_readers(
    content: Mapping[str, MediaType], document: Mapping[str, Any], properties: dict[str, Any]
) -> dict[str, BodyReader]:
    """One `BodyReader` per declared media type; their schemas join the combined validator."""
    bodies: dict[str, BodyReader] = {}
    for index, (name, media) in enumerate(content.items()):
        key = f"body{index}"
        bodies[name] = BodyReader(key, media, document)
        if media.schema is not None:
            properties[key] = media.schema
    return bodies
