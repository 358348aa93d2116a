"""An independent check of responses against openapi/openapi.yaml.

Shares nothing with the provider: it reads the spec itself and validates with ``jsonschema``
(Draft 2020-12, its own format checker) through a ``referencing`` registry over the document.
For each response it finds the operation by method and path template, then checks that the
status is declared, the content type is one declared for it, the body validates against the
declared schema, declared headers (``Location``, ``Retry-After``...) validate, every header the
spec marks ``required`` is sent, and no ``writeOnly`` property (such as ``password``) is answered.
Requests outside the spec must be answered with an RFC 9457 problem (404, or 405 + Allow).
``check_webhook`` does the same for a webhook request the provider sent: its header parameters
(the signature) and its body against the spec's top-level ``webhooks``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.documents import load_yaml

__all__ = ["OpenApiCheck", "SpecViolation"]

URI = "urn:test:openapi"
METHODS = ("get", "put", "post", "delete", "patch")


class SpecViolation(AssertionError):
    """A response the spec does not allow."""


def _write_only(
    validator: Validator, value: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if value is True:
        yield ValidationError("a writeOnly value appears in a response")


# A response validator for which a present writeOnly property is an error.
ResponseValidator = extend(  # type: ignore[no-untyped-call]  # jsonschema's stubs leave it untyped
    Draft202012Validator, {"writeOnly": _write_only}
)


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    template: str
    item: dict[str, Any]


class OpenApiCheck:
    """Validate ``httpx`` responses of the API under ``prefix`` against the document."""

    def __init__(self, path: Path, *, prefix: str = "/api/v1") -> None:
        self.document: dict[str, Any] = load_yaml(path.read_text(encoding="utf-8"))
        self.prefix = prefix
        self.registry: Registry[Any] = Registry().with_resource(
            URI, Resource.from_contents(self.document, default_specification=DRAFT202012)
        )
        self.routes = sorted(
            (
                _Route(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", t) + "$"), t, item)
                for t, item in self.document["paths"].items()
            ),
            key=lambda route: route.template.count("{"),
        )
        self.write_only_names = self._write_only_names()
        self._validators: dict[str, Draft202012Validator] = {}

    def schema_validator(self, pointer: str) -> Draft202012Validator:
        """A response validator for the schema at ``pointer`` (``#/components/...``)."""
        if pointer not in self._validators:
            self._validators[pointer] = ResponseValidator(
                {"$ref": URI + pointer},
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        return self._validators[pointer]

    def check(self, response: httpx.Response) -> None:
        """Raise ``SpecViolation`` unless the spec allows ``response`` to its request."""
        request = response.request
        where = f"{request.method} {request.url.path} -> {response.status_code}"
        path = request.url.path
        route = None
        if path.startswith(self.prefix):
            route = next(
                (r for r in self.routes if r.pattern.match(path[len(self.prefix) :])), None
            )
        operation = route.item.get(request.method.lower()) if route else None
        if operation is None:
            self._check_outside_the_spec(response, where)
            if route is not None and response.status_code == 405:
                self._check_allow(response, route, where)
            return
        declared = operation["responses"].get(str(response.status_code))
        if declared is None:
            raise SpecViolation(
                f"{where}: status {response.status_code} is not declared for "
                f"{operation['operationId']} (declared: {', '.join(operation['responses'])})"
            )
        declared = self._resolve(declared)
        self._check_headers(response, declared, where)
        self._check_body(response, declared.get("content", {}), where)

    def webhook_operations(self) -> dict[str, dict[str, Any]]:
        """The spec's webhook operations (``post``) by operationId."""
        return {
            item["post"]["operationId"]: item["post"]
            for item in self.document.get("webhooks", {}).values()
        }

    def webhook_for(self, event_type: str) -> str:
        """The operationId of the webhook whose request examples have ``type: event_type``."""
        for operation_id, operation in self.webhook_operations().items():
            for media in self._resolve(operation["requestBody"])["content"].values():
                for example in media.get("examples", {}).values():
                    if self._resolve(example).get("value", {}).get("type") == event_type:
                        return operation_id
        raise SpecViolation(f"no webhook of the spec sends events of type {event_type!r}")

    def check_webhook(self, operation_id: str, headers: Mapping[str, str], body: bytes) -> Any:
        """Raise ``SpecViolation`` unless the spec's webhook ``operation_id`` allows this request.

        Checks each declared header parameter (present when required, valid for its schema) and
        the JSON body against the request body schema; answers the parsed body.
        """
        where = f"webhook {operation_id}"
        operation = self.webhook_operations()[operation_id]
        lowered = {name.lower(): value for name, value in headers.items()}
        for parameter in operation.get("parameters", []):
            parameter = self._resolve(parameter)
            if parameter["in"] != "header":
                continue
            value = lowered.get(parameter["name"].lower())
            if value is None:
                if parameter.get("required"):
                    raise SpecViolation(f"{where}: the header {parameter['name']} is missing")
                continue
            validator = Draft202012Validator(
                parameter.get("schema", {}),
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
            errors = list(validator.iter_errors(value))
            if errors:
                raise SpecViolation(f"{where}: header {parameter['name']}: {errors[0].message}")
        content = self._resolve(operation["requestBody"])["content"]
        media = lowered.get("content-type", "").split(";")[0].strip().lower()
        if media not in content:
            raise SpecViolation(f"{where}: content type {media!r} is not declared")
        instance = json.loads(body)
        self._validate(instance, content[media]["schema"]["$ref"], where)
        return instance

    def check_problem(self, response: httpx.Response) -> dict[str, Any]:
        """Check a problem+json answer against ``Problem``; answer its body."""
        where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
        self._check_outside_the_spec(response, where)
        body: dict[str, Any] = response.json()
        return body

    def _check_outside_the_spec(self, response: httpx.Response, where: str) -> None:
        if response.status_code < 400:
            raise SpecViolation(f"{where}: no operation of the spec matches this request")
        if _media_type(response) != "application/problem+json":
            raise SpecViolation(
                f"{where}: expected application/problem+json, got {_media_type(response)}"
            )
        if response.status_code == 405 and "allow" not in response.headers:
            raise SpecViolation(f"{where}: a 405 must say what is allowed in an Allow header")
        self._validate(response.json(), "#/components/schemas/Problem", where)

    def _check_allow(self, response: httpx.Response, route: _Route, where: str) -> None:
        allowed = {m.strip().upper() for m in response.headers["allow"].split(",")} - {
            "HEAD",
            "OPTIONS",
        }
        documented = {m.upper() for m in route.item if m in METHODS}
        if allowed != documented:
            raise SpecViolation(
                f"{where}: Allow lists {', '.join(sorted(allowed))}; the spec documents "
                f"{', '.join(sorted(documented))} for {route.template}"
            )

    def _check_headers(
        self, response: httpx.Response, declared: dict[str, Any], where: str
    ) -> None:
        for name, header in declared.get("headers", {}).items():
            header = self._resolve(header)
            value = response.headers.get(name)
            if value is None:
                if header.get("required"):
                    raise SpecViolation(f"{where}: the required header {name} is missing")
                continue
            schema = header.get("schema", {})
            instance: Any = value
            if self._resolve(schema).get("type") == "integer" and re.fullmatch(r"-?\d+", value):
                instance = int(value)
            validator = Draft202012Validator(
                schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            errors = list(validator.iter_errors(instance))
            if errors:
                raise SpecViolation(f"{where}: header {name}={value!r}: {errors[0].message}")

    def _check_body(self, response: httpx.Response, content: dict[str, Any], where: str) -> None:
        if not content:
            if response.content:
                raise SpecViolation(f"{where}: no body is declared, got {response.content[:80]!r}")
            return
        media = _media_type(response)
        if media not in content:
            raise SpecViolation(
                f"{where}: content type {media} is not declared ({', '.join(content)})"
            )
        schema = content[media].get("schema")
        if schema is None:
            return
        if "$ref" not in schema:
            raise SpecViolation(f"{where}: only $ref response schemas are supported by this check")
        body = response.json()
        self._validate(body, schema["$ref"], where)
        leaked = sorted(self._keys(body) & self.write_only_names)
        if leaked:
            raise SpecViolation(f"{where}: writeOnly properties answered: {', '.join(leaked)}")

    def _validate(self, body: Any, pointer: str, where: str) -> None:
        errors = sorted(
            self.schema_validator(pointer).iter_errors(body), key=lambda e: list(e.path)
        )
        if errors:
            details = "; ".join(
                f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors[:5]
            )
            raise SpecViolation(f"{where}: body does not match {pointer}: {details}")

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.registry.resolver(URI).lookup(URI + node["$ref"]).contents
        return node

    def _write_only_names(self) -> set[str]:
        names: set[str] = set()

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for name, schema in node.get("properties", {}).items():
                    if isinstance(schema, dict) and self._resolve(schema).get("writeOnly") is True:
                        names.add(name)
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.document)
        return names

    def _keys(self, node: Any) -> set[str]:
        if isinstance(node, dict):
            return set(node) | {k for v in node.values() for k in self._keys(v)}
        if isinstance(node, list):
            return {k for v in node for k in self._keys(v)}
        return set()


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower()
