"""An independent check that a live response is what the spec allows.

Uses only PyYAML, ``jsonschema`` and ``referencing`` (never mockserver's own validators), so a
test that passes through it cannot be fooled by a bug they share with the mock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.documents import load_yaml

__all__ = ["SpecChecker"]

_URI = "urn:contract"


def _write_only_names(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            if isinstance(sub, dict) and sub.get("writeOnly"):
                names.add(name)
        for value in node.values():
            names |= _write_only_names(value)
    elif isinstance(node, list):
        for value in node:
            names |= _write_only_names(value)
    return names


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


class SpecChecker:
    """Asserts that responses match the operation, status, required headers, media type and
    schema declared."""

    def __init__(self, spec: Path) -> None:
        self.document: dict[str, Any] = load_yaml(spec.read_text())
        self.registry: Registry[Any] = Registry().with_resource(
            _URI, Resource.from_contents(self.document, default_specification=DRAFT202012)
        )
        server = self.document.get("servers", [{}])[0].get("url", "")
        self.base = re.sub(r"^[a-z]+://[^/]+", "", server).rstrip("/")
        self.write_only = _write_only_names(self.document)
        # (pattern, method, operation, literal characters): the most literal template wins.
        self.routes: list[tuple[re.Pattern[str], str, dict[str, Any], int]] = []
        for template, item in self.document["paths"].items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            for method, op in item.items():
                if isinstance(op, dict) and "responses" in op:
                    self.routes.append((re.compile(f"{pattern}$"), method, op, literal))
        self.checked = 0

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, Mapping) and "$ref" in node:
            target: Any = self.document
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        return node

    def operation(self, method: str, path: str) -> dict[str, Any]:
        """The operation a request addresses."""
        relative = path[len(self.base) :] if path.startswith(self.base) else path
        matches = [
            (literal, op)
            for pattern, m, op, literal in self.routes
            if m == method and pattern.match(relative)
        ]
        assert matches, f"{method.upper()} {path} is not an operation of the spec"
        return max(matches, key=lambda match: match[0])[1]

    def check(self, response: httpx.Response) -> None:
        """Fail the test unless ``response`` is allowed by the spec."""
        request = response.request
        op = self.operation(request.method.lower(), request.url.path)
        status = str(response.status_code)
        declared = op["responses"].get(status) or op["responses"].get("default")
        where = f"{request.method} {request.url.path}"
        assert declared is not None, f"{where} answered undeclared {status}: {response.text[:300]}"
        declared = self._resolve(declared)
        for name, header in (declared.get("headers") or {}).items():
            if self._resolve(header).get("required"):
                assert name in response.headers, f"{where} {status} lacks required header {name}"
        content = declared.get("content") or {}
        if not content:
            assert response.content == b"", f"{status} declares no body, got {response.text[:200]}"
            return
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        assert media_type in content, f"{status} answered {media_type}, declared {list(content)}"
        schema = content[media_type]["schema"]
        if "$ref" in schema:
            schema = {**schema, "$ref": _URI + schema["$ref"]}
        body = response.json()
        validator = jsonschema.Draft202012Validator(
            schema,
            registry=self.registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert errors == [], f"{request.method} {request.url.path} {status}: {errors}"
        leaked = _keys(body) & self.write_only
        assert not leaked, f"{request.method} {request.url.path} leaked writeOnly {leaked}"
        self.checked += 1
