"""Form bodies: the fields of urlencoded and multipart requests, typed by the body's schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import orjson

from mockserver.compile.operations import Parameter
from mockserver.compile.schemas import KEEP, Coercion, coercion_for, object_properties
from mockserver.spec.pointer import escape
from mockserver.validation.parameters import (
    MISSING,
    Malformed,
    ParameterParser,
    decode_query_value,
    is_json_media_type,
)

__all__ = ["FormParser", "Part", "parse_multipart"]


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a ``multipart/form-data`` body."""

    name: str
    filename: str | None
    content_type: str  # bare and lower case; text/plain when the part does not say
    charset: str | None
    data: bytes


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Split a multipart body; raise ValueError saying what is wrong when it is malformed."""
    if "boundary=" not in content_type.lower():
        raise ValueError("the Content-Type has no boundary parameter")
    head = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if message.defects or not message.is_multipart():
        problem = message.defects[0].__doc__ if message.defects else None
        raise ValueError((problem or "the body is not multipart").strip().rstrip("."))
    parts: list[Part] = []
    for index, item in enumerate(message.iter_parts()):
        name = item.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ValueError(f"part {index} has no name in its Content-Disposition header")
        data = item.get_payload(decode=True)
        charset = item.get_param("charset")
        parts.append(
            Part(
                name=name,
                filename=item.get_filename(),
                content_type=item.get_content_type(),
                charset=charset if isinstance(charset, str) else None,
                data=data if isinstance(data, bytes) else b"",
            )
        )
    return parts


class FormParser:
    """Types the fields of a form body (urlencoded or multipart) by the body's schema."""

    __slots__ = ("_deep", "_fields", "_json_parts", "plan")

    def __init__(
        self,
        schema: Any,
        document: Mapping[str, Any],
        encoding: Mapping[str, Any],
        *,
        pointer: str,
    ) -> None:
        self.plan = coercion_for(schema, document)
        properties = object_properties(schema, document)
        self._fields: dict[str, ParameterParser] = {}
        self._json_parts: set[str] = set()
        self._deep: set[str] = set()
        for name, sub in properties.items():
            rules = encoding.get(name)
            rules = rules if isinstance(rules, Mapping) else {}
            declared = rules.get("contentType")
            media = None
            if isinstance(declared, str):
                bare = declared.split(";")[0].strip().lower()
                media = declared if is_json_media_type(bare) else None
            plan = self.plan.property(name)
            if media is not None or plan.kind == "object":
                # Multipart sends objects as JSON parts unless told otherwise.
                self._json_parts.add(name)
            style = str(rules.get("style", "form"))
            explode = bool(rules.get("explode", style == "form"))
            if plan.kind == "object" and style == "form":
                # Spreading an object's properties over the top-level fields would collide
                # with the body's own fields; such objects are read as "k,v,k,v" instead.
                explode = False
            if style == "deepObject":
                self._deep.add(name)
            parameter = Parameter(
                name=name,
                location="query",
                required=False,
                schema=sub,
                style=style,
                explode=explode,
                pointer=f"{pointer}/properties/{escape(name)}",
                media_type=media,
            )
            self._fields[name] = ParameterParser(
                parameter, document, reserved=properties, form_field=True
            )

    def urlencoded(self, pairs: Mapping[str, list[str]]) -> dict[str, Any]:
        """The body of an ``application/x-www-form-urlencoded`` request, typed."""
        out: dict[str, Any] = {}
        for name, parser in self._fields.items():
            value = parser.from_pairs(pairs)
            if value is not MISSING:
                out[name] = value
        for key, values in pairs.items():
            if key in self._fields or key.split("[", 1)[0] in self._deep:
                continue
            extra = self.plan.property(key)
            raw = [decode_query_value(v) for v in values]
            out[key] = extra.apply(raw if extra.kind == "array" else raw[0])
        for name, value in out.items():
            if isinstance(value, Malformed):
                out[name] = value.raw  # a body field's type error says enough
        return out

    def multipart(self, parts: list[Part]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The fields of a multipart body, as handed to the application and as validated.

        Files stay bytes for the application; the validator sees them as Latin-1 text, so
        ``type: string`` and length bounds apply byte for byte.
        """
        grouped: dict[str, list[Part]] = {}
        for part in parts:
            grouped.setdefault(part.name, []).append(part)
        values: dict[str, Any] = {}
        instance: dict[str, Any] = {}
        for name, group in grouped.items():
            plan = self.plan.property(name)
            as_json = name in self._json_parts
            if plan.kind == "array":
                item = plan.items or KEEP
                pairs = [_part_value(p, item, as_json) for p in group]
                values[name] = [value for value, _ in pairs]
                instance[name] = [checked for _, checked in pairs]
            else:
                values[name], instance[name] = _part_value(group[0], plan, as_json)
        return values, instance


def _part_value(part: Part, plan: Coercion, as_json: bool) -> tuple[Any, Any]:
    if as_json or is_json_media_type(part.content_type):
        try:
            value = orjson.loads(part.data)
        except orjson.JSONDecodeError:
            pass
        else:
            return value, value
    if part.filename is not None or not part.content_type.startswith("text/"):
        return part.data, part.data.decode("latin-1")
    try:
        text = part.data.decode(part.charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        text = part.data.decode("latin-1")
    value = plan.scalar(text)
    return value, value
