"""Record observed answers as named examples in an overlay, and serve a spec with them.

`Recorder` (``mockserver proxy --record DIR``) keeps each distinct answer the upstream gave
(by operation, status, media type and a short hash of the redacted body) as a named example,
``listProjects-200-1a2b3c4d``, in ``DIR/examples.json``; the spec is never rewritten. An answer
that broke the spec is recorded too, its violations noted beside it. `with_examples`
(``mockserver serve SPEC --examples DIR``) merges the overlay into the loaded document: each
recorded example goes first among its media type's examples, so it is the default answer
(when it fits the schema) and ``Prefer: example=NAME`` names it.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from mockserver.errors import ConfigError
from mockserver.spec.loader import Spec
from mockserver.store.redaction import redacted_body

__all__ = ["OVERLAY", "Recorder", "load_overlay", "with_examples"]

OVERLAY = "examples.json"
_FORMAT = "mockserver-examples/1"


class Recorder:
    """Writes each distinct observed answer once into ``directory/examples.json``."""

    def __init__(self, directory: Path, *, spec: str) -> None:
        self.path = directory / OVERLAY
        directory.mkdir(parents=True, exist_ok=True)
        self._overlay = load_overlay(directory) if self.path.exists() else _empty(spec)

    def record(
        self,
        operation: str,
        status: int,
        media_type: str | None,
        body: bytes,
        violations: Sequence[Mapping[str, str]] = (),
    ) -> str | None:
        """Record one answer; its example name, or None when it has no body worth keeping."""
        value = _value(media_type, body)
        if value is _NOTHING:
            return None
        value = redacted_body(value)
        canonical = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        name = f"{operation}-{status}-{hashlib.sha256(canonical).hexdigest()[:8]}"
        media = (media_type or "application/json").split(";", 1)[0].strip().lower()
        examples = (
            self._overlay["operations"]
            .setdefault(operation, {})
            .setdefault(str(status), {})
            .setdefault(media, {})
        )
        if name in examples:
            return name
        entry: dict[str, Any] = {"summary": f"recorded {status} of {operation}", "value": value}
        body_violations = [dict(v) for v in violations if v.get("in") == "response"]
        if body_violations:
            entry["x-recorded-violations"] = body_violations
        examples[name] = entry
        _replace(self.path, orjson.dumps(self._overlay, option=orjson.OPT_INDENT_2))
        return name


def load_overlay(directory: Path) -> dict[str, Any]:
    """The overlay of ``directory`` (``examples.json``), checked for its shape."""
    path = directory / OVERLAY
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise ConfigError(
            f"--examples: cannot read {path}: {exc.strerror or exc}; "
            "pass the directory `mockserver proxy --record` wrote"
        ) from exc
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"--examples: {path} is not JSON: {exc}") from exc
    if (
        not isinstance(data, dict)
        or data.get("format") != _FORMAT
        or not isinstance(data.get("operations"), dict)
    ):
        raise ConfigError(
            f"--examples: {path} is not an examples overlay (expected "
            f'{{"format": "{_FORMAT}", "operations": {{...}}}}); record one with '
            "`mockserver proxy SPEC --upstream URL --record DIR`"
        )
    return data


def with_examples(spec: Spec, directory: Path) -> tuple[Spec, list[str]]:
    """``spec`` with the overlay's examples merged in, and what could not be placed (why)."""
    overlay = load_overlay(directory)
    document = copy.deepcopy(spec.document)
    by_id: dict[str, dict[str, Any]] = {}
    for item in (document.get("paths") or {}).values():
        if isinstance(item, dict):
            for operation in item.values():
                if isinstance(operation, dict) and isinstance(operation.get("operationId"), str):
                    by_id[operation["operationId"]] = operation
    skipped: list[str] = []
    for operation_id, statuses in overlay["operations"].items():
        operation = by_id.get(operation_id)
        if operation is None:
            skipped.append(f"{operation_id}: the spec has no such operation")
            continue
        for status, media_types in statuses.items():
            response = _own_response(document, operation, status)
            if response is None:
                skipped.append(f"{operation_id} {status}: the spec declares no such status")
                continue
            for media_type, examples in media_types.items():
                media = (response.get("content") or {}).get(media_type)
                if not isinstance(media, dict):
                    skipped.append(f"{operation_id} {status} {media_type}: not declared")
                    continue
                merged = {name: dict(example) for name, example in examples.items()}
                merged.update(media.get("examples") or {})
                media["examples"] = merged
    return dataclasses.replace(spec, document=document, schemas=None), skipped


def _own_response(
    document: dict[str, Any], operation: dict[str, Any], status: str
) -> dict[str, Any] | None:
    """The operation's response for ``status``, copied in when it is a shared ``$ref``."""
    responses = operation.get("responses") or {}
    response = responses.get(status)
    seen = 0
    while isinstance(response, dict) and "$ref" in response and seen < 16:
        seen += 1
        ref = response["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return None
        target: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        response = target
    if not isinstance(response, dict):
        return None
    # A shared response (components/responses) stays as it is for the other operations.
    own = copy.deepcopy(response)
    content = own.get("content")
    if isinstance(content, dict):
        own["content"] = {key: dict(value) for key, value in content.items()}
    responses[status] = own
    return own


_NOTHING: Any = object()


def _value(media_type: str | None, body: bytes) -> Any:
    if not body:
        return _NOTHING
    bare = (media_type or "").split(";", 1)[0].strip().lower()
    if bare.endswith("json"):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            return body.decode("utf-8", "replace")
    if bare.startswith("text/") or bare.endswith("xml"):
        return body.decode("utf-8", "replace")
    return _NOTHING


def _empty(spec: str) -> dict[str, Any]:
    return {"format": _FORMAT, "spec": spec, "operations": {}}


def _replace(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
